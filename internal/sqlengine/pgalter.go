package sqlengine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// sameTypeAlter parses ALTER TABLE t ALTER [COLUMN] c [SET DATA] TYPE
// type [USING c::type] and returns the table, column and type as written;
// ok is false for other statements, and for a USING that computes
// anything but the cast.
func sameTypeAlter(st string, toks []token) (table, column, typ string, ok bool) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	start, i, ok := alterTableTarget(toks)
	if !ok || i+3 >= len(toks) {
		return "", "", "", false
	}
	table = st[toks[start].pos:toks[i].end]
	i++
	if !toks[i].is("alter") {
		return "", "", "", false
	}
	i++
	if toks[i].is("column") {
		i++
	}
	if i >= len(toks) || toks[i].kind != tokWord && toks[i].kind != tokQIdent {
		return "", "", "", false
	}
	col := toks[i]
	i++
	if i+1 < len(toks) && toks[i].is("set") && toks[i+1].is("data") {
		i += 2
	}
	if i+1 >= len(toks) || !toks[i].is("type") {
		return "", "", "", false
	}
	i++
	typStart := i
	for i < len(toks) && !toks[i].is("using") {
		if isPunct(toks[i], ",") { // more than one action
			return "", "", "", false
		}
		i++
	}
	typToks := toks[typStart:i]
	if len(typToks) == 0 {
		return "", "", "", false
	}
	if i < len(toks) { // USING c::type, as GORM sends
		u := toks[i+1:]
		if len(u) != 3+len(typToks) || u[0].kind != col.kind || !strings.EqualFold(u[0].text, col.text) ||
			!isPunct(u[1], ":") || !isPunct(u[2], ":") {
			return "", "", "", false
		}
		for k, t := range typToks {
			if !strings.EqualFold(u[3+k].text, t.text) {
				return "", "", "", false
			}
		}
	}
	return table, st[col.pos:col.end], st[typToks[0].pos:typToks[len(typToks)-1].end], true
}

// alterKeepsType reports whether toks are an ALTER COLUMN ... TYPE that
// leaves the column's DuckDB type as it is: text or varchar(n) of a
// VARCHAR column, numeric of a DECIMAL(18,3) one. Postgres tells them
// apart, DuckDB does not, and refuses to alter a table that has an index;
// ORMs that migrate their models (GORM's AutoMigrate) send such ALTERs
// whenever the catalog does not spell the type as they declared it.
func (s *Session) alterKeepsType(ctx context.Context, st string, toks []token) bool {
	table, col, typ, ok := sameTypeAlter(st, toks)
	if !ok {
		return false
	}
	q := fmt.Sprintf("SELECT typeof(any_value(%s)) = typeof(NULL::%s) FROM %s WHERE false", col, typ, table)
	v, err := s.queryValues(ctx, q)
	return err == nil && len(v) == 1 && v[0] == true
}

// addUniqueAsIndex rewrites ALTER TABLE t ADD [CONSTRAINT name] UNIQUE
// (cols), which DuckDB does not implement, into CREATE UNIQUE INDEX name
// ON t (cols): Postgres backs the constraint with a unique index of that
// name; knex's unique() sends it after every CREATE TABLE, and
// Sequelize's sync({alter: true}) the unnamed form for each unique
// column. Without a name the index gets the one Postgres chooses
// (uniqueName), and none is made when the columns have a unique key
// already (hasUniqueKey): q is then "". ok is false for other statements.
func (s *Session) addUniqueAsIndex(ctx context.Context, st string, toks []token) (q string, ok bool) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	start, i, ok := alterTableTarget(toks)
	if !ok || i+4 >= len(toks) {
		return "", false
	}
	table := st[toks[start].pos:toks[i].end]
	r := toks[i+1:]
	if !r[0].is("add") {
		return "", false
	}
	named := len(r) > 5 && r[1].is("constraint") && (r[2].kind == tokWord || r[2].kind == tokQIdent)
	u := r[1:] // UNIQUE (cols)
	if named {
		u = r[3:]
	}
	if !u[0].is("unique") || !isPunct(u[1], "(") || matchParen(u, 1) != len(u)-1 {
		return "", false
	}
	colList := st[u[1].pos:u[len(u)-1].end]
	if named {
		return fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s %s", st[r[2].pos:r[2].end], table, colList), true
	}
	var cols []string
	for _, c := range u[2 : len(u)-1] {
		switch {
		case c.kind == tokWord || c.kind == tokQIdent:
			cols = append(cols, c.text)
		case !isPunct(c, ","):
			return "", false // an expression, or NULLS NOT DISTINCT: left to DuckDB
		}
	}
	if s.hasUniqueKey(ctx, toks[i].text, cols) {
		return "", true
	}
	name := s.uniqueName(ctx, toks[i].text, cols)
	return fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s %s", quoteIdent(name), table, colList), true
}

// hasUniqueKey reports whether table has a primary key, UNIQUE
// constraint or unique index on exactly cols (in any order). Postgres
// would add another constraint and index; rheo adds none, as each index
// makes DuckDB refuse most ALTER TABLEs of the table, and Sequelize's
// sync({alter: true}) adds the same constraint on every run.
func (s *Session) hasUniqueKey(ctx context.Context, table string, cols []string) bool {
	vals, err := s.queryValues(ctx, `SELECT count(*) FROM (SELECT constraint_column_names AS cols FROM duckdb_constraints() `+
		`WHERE database_name = current_database() AND table_name = ? AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') `+
		`UNION ALL SELECT list_transform(TRY_CAST(expressions AS VARCHAR[]), x -> replace(trim(x, '"'), '""', '"')) FROM duckdb_indexes() `+
		`WHERE database_name = current_database() AND table_name = ? AND is_unique) WHERE list_sort(cols) = list_sort(?::VARCHAR[])`,
		table, table, cols)
	if err != nil {
		return false
	}
	n, _ := vals[0].(int64)
	return n > 0
}

// uniqueName is the name Postgres gives a table's unnamed UNIQUE
// constraint: table_col1_col2_key, cut to 63 bytes, with a number after
// it when a relation has that name.
func (s *Session) uniqueName(ctx context.Context, table string, cols []string) string {
	base := table + "_" + strings.Join(cols, "_")
	if len(base) > 59 {
		base = base[:59]
	}
	taken := map[string]bool{}
	if vals, err := s.queryValues(ctx, `SELECT list(n) FROM (SELECT index_name AS n FROM duckdb_indexes() WHERE database_name = current_database() `+
		`UNION ALL SELECT constraint_name FROM duckdb_constraints() WHERE database_name = current_database() `+
		`UNION ALL SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())`); err == nil {
		names, _ := vals[0].([]any)
		for _, n := range names {
			if n, ok := n.(string); ok {
				taken[n] = true
			}
		}
	}
	name := base + "_key"
	for n := 1; taken[name]; n++ {
		name = base + "_key" + strconv.Itoa(n)
	}
	return name
}

// Kinds of indexAlter.
const (
	alterColumn      = iota + 1 // ALTER COLUMN c TYPE | SET/DROP NOT NULL | SET/DROP DEFAULT
	alterDrop                   // DROP COLUMN c
	alterRename                 // RENAME COLUMN c TO d
	alterRenameTable            // RENAME TO t
)

// indexAlter is an ALTER TABLE that DuckDB refuses while the table has
// an index (a CREATE INDEX one: the indexes of PRIMARY KEY and UNIQUE
// constraints do not block it).
type indexAlter struct {
	kind       int
	parts      []token // the table's name, [[database.]schema.]table
	column, to token   // the column, and RENAME's new name
	retype     bool    // ALTER COLUMN's TYPE: not for an indexed column
}

// parseIndexAlter recognises the ALTER TABLEs of one action that DuckDB
// refuses on a table with an index; ok is false for any other statement.
func parseIndexAlter(toks []token) (a indexAlter, ok bool) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	for _, t := range toks {
		if isPunct(t, ",") { // more than one action, or something else
			return a, false
		}
	}
	first, i, ok := alterTableTarget(toks)
	if !ok {
		return a, false
	}
	for j := first; j <= i; j += 2 {
		a.parts = append(a.parts, toks[j])
	}
	if len(a.parts) > 3 {
		return a, false
	}
	r := toks[i+1:]
	word := func(k int, w string) bool { return k < len(r) && r[k].is(w) }
	switch {
	case word(0, "alter"):
		k := 1
		if word(k, "column") {
			k++
		}
		if k+1 >= len(r) || !isName(r[k]) {
			return a, false
		}
		a.column = r[k]
		k++
		switch {
		case word(k, "type"), word(k, "set") && word(k+1, "data") && word(k+2, "type"):
			a.kind, a.retype = alterColumn, true
			return a, true
		case (word(k, "set") || word(k, "drop")) && (word(k+1, "not") && word(k+2, "null") || word(k+1, "default")):
			a.kind = alterColumn
			return a, true
		}
	case word(0, "drop"):
		k := 1
		if word(k, "column") {
			k++
		}
		if word(k, "if") && word(k+1, "exists") {
			k += 2
		}
		if k >= len(r) || !isName(r[k]) || word(k, "constraint") {
			return a, false
		}
		a.kind, a.column = alterDrop, r[k]
		k++
		if word(k, "cascade") || word(k, "restrict") {
			k++
		}
		return a, k == len(r)
	case word(0, "rename"):
		if word(1, "to") && len(r) == 3 && isName(r[2]) {
			a.kind, a.to = alterRenameTable, r[2]
			return a, true
		}
		k := 1
		if word(k, "column") {
			k++
		}
		if word(k, "constraint") || k+2 >= len(r) || !isName(r[k]) || !word(k+1, "to") || !isName(r[k+2]) || k+3 != len(r) {
			return a, false
		}
		a.kind, a.column, a.to = alterRename, r[k], r[k+2]
		return a, true
	}
	return a, false
}

// alterIndexed runs an ALTER TABLE that DuckDB refuses on a table with an
// index ("Dependency Error") as Postgres would: in one transaction it
// takes the table's indexes away, runs the ALTER and creates them again,
// the renamed column or table in place of the old (see indexedAlter).
// Inside the client's transaction block it runs in that block: a failure
// fails the block, whose COMMIT then rolls back (pgwire). The TYPE of an
// indexed column cannot change, nor the column go: those get 0A000 rather
// than a drop of the indexes that a failure could not undo. ok is false
// when st is not such an ALTER, or the table has no index.
func (s *Session) alterIndexed(ctx context.Context, st string, toks []token) (r *Result, ok bool, err error) {
	before, after, table, ok, err := s.indexedAlter(ctx, st, toks)
	if !ok || err != nil {
		return nil, ok, err
	}
	if err := s.inTx(ctx, append(append(before, st), after...)); err != nil {
		if e := toError(err); strings.Contains(e.Message, "an index depends on") ||
			strings.Contains(e.Message, "Cannot drop entry") {
			// A DROP COLUMN before an indexed column of a table that
			// cannot be copied: DuckDB's dropped index still holds the
			// column positions. Or a copied table owns a sequence.
			return nil, true, indexBlockErr(table, e)
		}
		return nil, true, toError(err)
	}
	return &Result{tag: "ALTER TABLE", done: true}, true, nil
}

// indexedAlter returns the statements to run before and after st, an
// ALTER TABLE DuckDB refuses on a table with an index, in its
// transaction, and the table's name; ok is false when st is not such an
// ALTER, or the table has no index. Before is a DROP INDEX of each index,
// after a CREATE INDEX putting it back. But a dropped index stays in
// DuckDB's table storage until the transaction commits: a UNIQUE one
// keeps its name (CREATE UNIQUE INDEX of it fails), and any keeps the
// column positions (a DROP COLUMN before an indexed column fails). For
// those, before copies the table into a new one (the same CREATE TABLE,
// rows and comments) that takes its place, whose storage has no dropped
// indexes; DuckDB's DROP TABLE drops the indexes with it. A table another
// table's FOREIGN KEY references cannot be dropped so, and is not copied.
func (s *Session) indexedAlter(ctx context.Context, st string, toks []token) (before, after []string, table string, ok bool, err error) {
	a, ok := parseIndexAlter(toks)
	if !ok {
		return nil, nil, "", false, nil
	}
	idx, err := s.tableIndexes(ctx, a.parts)
	if err != nil || len(idx) == 0 {
		return nil, nil, "", false, nil // DuckDB says what is wrong (no such table, ...)
	}
	rebuild := a.kind == alterDrop && !s.isLastColumn(ctx, idx[0], a.column.text)
	var unique *tableIndex
	for i, ix := range idx {
		q, uses, err := ix.recreate(a)
		if err != nil {
			return nil, nil, "", true, indexBlockErr(ix.table, err)
		}
		if uses && (a.kind == alterDrop || a.retype) {
			return nil, nil, "", true, indexBlockErr(ix.table, fmt.Errorf("index %s uses column %s", quoteIdent(ix.name), quoteIdent(a.column.text)))
		}
		if ix.unique {
			rebuild, unique = true, &idx[i]
		}
		before = append(before, "DROP INDEX "+ix.qualified())
		after = append(after, q)
	}
	if rebuild {
		copyStmts, err := s.copyTable(ctx, idx[0])
		switch {
		case err == nil:
			before = copyStmts
		case unique != nil:
			return nil, nil, "", true, indexBlockErr(idx[0].table, fmt.Errorf("unique index %s cannot be dropped and created again in one transaction, and the table cannot be copied: %w", quoteIdent(unique.name), err))
		}
	}
	return before, after, idx[0].table, true, nil
}

// isLastColumn reports whether col is the last column of ix's table: a
// DROP COLUMN of it needs no copy of the table.
func (s *Session) isLastColumn(ctx context.Context, ix tableIndex, col string) bool {
	v, err := s.queryValues(ctx, `SELECT lower(arg_max(column_name, column_index)) = lower(?) FROM duckdb_columns() `+
		`WHERE database_name = ? AND schema_name = ? AND table_name = ?`, col, ix.database, ix.schema, ix.table)
	return err == nil && len(v) == 1 && v[0] == true
}

// copyTable returns the statements that put a copy of ix's table in its
// place: CREATE TABLE with its definition under another name, INSERT of
// its rows, DROP TABLE (and its indexes), RENAME TO its name, and its
// comments. It fails when another table's FOREIGN KEY references the
// table, which DuckDB would not drop. A table owning a sequence (ALTER
// SEQUENCE ... OWNED BY, which duckdb_dependencies() does not tell from a
// DEFAULT's use) cannot be dropped either: its DROP TABLE fails, and so
// the ALTER (alterIndexed).
func (s *Session) copyTable(ctx context.Context, ix tableIndex) ([]string, error) {
	v, err := s.queryValues(ctx, `SELECT t.sql, t.comment, (SELECT count(*) FROM duckdb_constraints() k WHERE k.constraint_type = 'FOREIGN KEY' `+
		`AND k.database_name = t.database_name AND k.schema_name = t.schema_name AND k.referenced_table = t.table_name), `+
		`(SELECT list([column_name, comment]) FROM duckdb_columns() c WHERE c.table_oid = t.table_oid AND c.comment IS NOT NULL) `+
		`FROM duckdb_tables() t WHERE database_name = ? AND schema_name = ? AND table_name = ?`, ix.database, ix.schema, ix.table)
	if err != nil {
		return nil, err
	}
	if len(v) != 4 {
		return nil, fmt.Errorf("table %s not found", quoteIdent(ix.table))
	}
	if n, _ := v[2].(int64); n > 0 {
		return nil, fmt.Errorf("a FOREIGN KEY references table %s", quoteIdent(ix.table))
	}
	def, _ := v[0].(string)
	toks, err := lex(def, false)
	if err != nil {
		return nil, err
	}
	open := -1
	for i, t := range toks {
		if isPunct(t, "(") {
			open = i
			break
		}
	}
	name := -1
	for i := 0; i < open; i++ {
		if toks[i].is("table") {
			name = i + 1
			break
		}
	}
	if name < 0 || name >= open {
		return nil, fmt.Errorf("cannot read the definition of table %s: %q", quoteIdent(ix.table), def)
	}
	qual := quoteIdent(ix.database) + "." + quoteIdent(ix.schema) + "."
	tmp := ix.table + "_rheo_copy"
	stmts := []string{
		def[:toks[name].pos] + qual + quoteIdent(tmp) + def[toks[open].pos:],
		"INSERT INTO " + qual + quoteIdent(tmp) + " SELECT * FROM " + qual + quoteIdent(ix.table),
		"DROP TABLE " + qual + quoteIdent(ix.table),
		"ALTER TABLE " + qual + quoteIdent(tmp) + " RENAME TO " + quoteIdent(ix.table),
	}
	if c, ok := v[1].(string); ok && c != "" {
		stmts = append(stmts, "COMMENT ON TABLE "+qual+quoteIdent(ix.table)+" IS "+quoteString(c))
	}
	cols, _ := v[3].([]any)
	for _, c := range cols {
		f, _ := c.([]any)
		if len(f) != 2 {
			continue
		}
		col, _ := f[0].(string)
		com, _ := f[1].(string)
		stmts = append(stmts, "COMMENT ON COLUMN "+qual+quoteIdent(ix.table)+"."+quoteIdent(col)+" IS "+quoteString(com))
	}
	return stmts, nil
}

// inTx runs stmts in one transaction: the client's transaction block if
// one is open (a failure fails the block, whose COMMIT then rolls back,
// pgwire), else its own.
func (s *Session) inTx(ctx context.Context, stmts []string) (err error) {
	own := s.tx == nil
	if own {
		if _, err := s.exec(ctx, "BEGIN"); err != nil {
			return err
		}
	}
	for _, q := range stmts {
		if _, err = s.exec(ctx, q); err != nil {
			break
		}
	}
	if own {
		if err == nil {
			_, err = s.exec(ctx, "COMMIT")
		}
		if err != nil {
			_, _ = s.exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}
	return err
}

// addColumnNotNull splits ALTER TABLE t ADD [COLUMN] c type ... NOT NULL,
// which DuckDB refuses ("Adding columns with constraints not yet
// supported"), into the ADD without NOT NULL and an ALTER TABLE t ALTER
// COLUMN c SET NOT NULL, which fails as Postgres's ADD does when the new
// column has NULLs (rows and no DEFAULT). Django adds every new field so,
// with a DEFAULT it drops afterwards. ok is false for other statements.
func addColumnNotNull(st string, toks []token) (add, setNotNull string, ok bool) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	start, i, ok := alterTableTarget(toks)
	if !ok {
		return "", "", false
	}
	table := st[toks[start].pos:toks[i].end]
	i++
	if i >= len(toks) || !toks[i].is("add") {
		return "", "", false
	}
	i++
	if i < len(toks) && toks[i].is("column") {
		i++
	}
	if i+2 < len(toks) && toks[i].is("if") && toks[i+1].is("not") && toks[i+2].is("exists") {
		return "", "", false // SET NOT NULL of a column that was there
	}
	if i >= len(toks) || toks[i].kind != tokWord && toks[i].kind != tokQIdent || toks[i].is("constraint") {
		return "", "", false
	}
	col := st[toks[i].pos:toks[i].end]
	var b strings.Builder
	last, depth := 0, 0
	for j := i + 1; j < len(toks); j++ {
		switch {
		case isPunct(toks[j], "("):
			depth++
		case isPunct(toks[j], ")"):
			depth--
		case isPunct(toks[j], ",") && depth == 0:
			return "", "", false // more than one action
		case depth == 0 && toks[j].is("not") && j+1 < len(toks) && toks[j+1].is("null") && !toks[j-1].is("is"):
			b.WriteString(st[last:toks[j].pos])
			last = toks[j+1].end
			j++
		}
	}
	if last == 0 {
		return "", "", false
	}
	b.WriteString(st[last:toks[len(toks)-1].end])
	return b.String(), fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", table, col), true
}

// addColumn runs an ADD COLUMN split by addColumnNotNull in one
// transaction.
func (s *Session) addColumn(ctx context.Context, add, setNotNull string) (*Result, error) {
	stmts := []string{add, setNotNull}
	toks, err := lex(setNotNull, false)
	if err != nil {
		return nil, toError(err)
	}
	// SET NOT NULL, like any ALTER, must go around the table's indexes;
	// the ADD goes with it, as a copy of the table would lose it.
	if before, after, _, ok, err := s.indexedAlter(ctx, setNotNull, toks); err != nil {
		return nil, err
	} else if ok {
		stmts = append(append(before, stmts...), after...)
	}
	if err := s.inTx(ctx, stmts); err != nil {
		return nil, toError(err)
	}
	return &Result{tag: "ALTER TABLE", done: true}, nil
}

// tableIndex is one index of a table, as duckdb_indexes() shows it.
type tableIndex struct {
	database, schema, table, name, sql string
	unique                             bool
}

func (ix tableIndex) qualified() string {
	return quoteIdent(ix.database) + "." + quoteIdent(ix.schema) + "." + quoteIdent(ix.name)
}

// tableIndexes lists the indexes of the table named by parts
// ([[database.]schema.]table, an unqualified one in the current schema).
// DuckDB folds the case of quoted names too, so the match ignores case.
func (s *Session) tableIndexes(ctx context.Context, parts []token) ([]tableIndex, error) {
	var cond string
	switch len(parts) {
	case 1:
		cond = "schema_name = current_schema() AND database_name = current_database()"
	case 2:
		cond = "lower(schema_name) = lower(" + quoteString(parts[0].text) + ") AND database_name = current_database()"
	case 3:
		cond = "lower(database_name) = lower(" + quoteString(parts[0].text) + ") AND lower(schema_name) = lower(" + quoteString(parts[1].text) + ")"
	}
	q := "SELECT list([database_name, schema_name, table_name, index_name, sql, is_unique::varchar] ORDER BY index_name) FROM duckdb_indexes() WHERE lower(table_name) = lower(" +
		quoteString(parts[len(parts)-1].text) + ") AND " + cond
	v, err := s.queryValues(ctx, q)
	if err != nil || len(v) != 1 {
		return nil, err
	}
	rows, _ := v[0].([]any)
	var out []tableIndex
	for _, row := range rows {
		f, _ := row.([]any)
		if len(f) != 6 {
			return nil, fmt.Errorf("duckdb_indexes(): unexpected row %v", row)
		}
		str := func(x any) string { s, _ := x.(string); return s }
		out = append(out, tableIndex{str(f[0]), str(f[1]), str(f[2]), str(f[3]), str(f[4]), str(f[5]) == "true"})
	}
	return out, nil
}

// recreate is the CREATE INDEX that puts ix back after a: its table fully
// qualified (renamed by RENAME TO), a renamed column's new name in its key.
// uses says whether the index's key uses a's column.
func (ix tableIndex) recreate(a indexAlter) (q string, uses bool, err error) {
	toks, err := lex(ix.sql, false)
	if err != nil {
		return "", false, fmt.Errorf("index %s: %w", ix.name, err)
	}
	on := -1
	for i, t := range toks {
		if t.is("on") {
			on = i
			break
		}
	}
	if on < 0 || on+1 >= len(toks) {
		return "", false, fmt.Errorf("index %s: cannot read %q", ix.name, ix.sql)
	}
	end := on + 1 // past the table's name
	for end+1 < len(toks) && isPunct(toks[end+1], ".") {
		end += 2
	}
	end++
	if end >= len(toks) || !isPunct(toks[end], "(") {
		return "", false, fmt.Errorf("index %s: cannot read %q", ix.name, ix.sql)
	}
	close := matchParen(toks, end)
	if close < 0 {
		return "", false, fmt.Errorf("index %s: cannot read %q", ix.name, ix.sql)
	}
	table := ix.table
	if a.kind == alterRenameTable {
		table = a.to.text
	}
	var b strings.Builder
	b.WriteString(ix.sql[:toks[on+1].pos])
	b.WriteString(quoteIdent(ix.database) + "." + quoteIdent(ix.schema) + "." + quoteIdent(table))
	last := toks[end].pos
	for i := end + 1; i < close; i++ {
		t := toks[i]
		if t.kind != tokWord && t.kind != tokQIdent || !strings.EqualFold(t.text, a.column.text) ||
			isPunct(toks[i+1], "(") || isPunct(toks[i-1], ".") {
			continue
		}
		uses = true
		if a.kind == alterRename {
			b.WriteString(ix.sql[last:t.pos])
			b.WriteString(quoteIdent(a.to.text))
			last = t.end
		}
	}
	b.WriteString(strings.TrimRight(strings.TrimSpace(ix.sql[last:]), ";"))
	return b.String(), uses, nil
}

// indexBlockErr is the error for an ALTER TABLE that DuckDB refuses
// because of the table's indexes and rheo cannot run around them.
func indexBlockErr(table string, cause error) *Error {
	e := newErr(CodeFeature, "cannot alter table %s: DuckDB refuses this ALTER TABLE while the table has an index", quoteIdent(table))
	e.Hint = fmt.Sprintf("Drop the table's indexes (SELECT sql FROM duckdb_indexes() WHERE table_name = %s lists them), run the ALTER TABLE, and create them again.", quoteString(table))
	if cause != nil {
		e.Detail = cause.Error()
		e.Err = cause
	}
	return e
}

// asAlterBlockErr turns DuckDB's refusals of an ALTER TABLE that Postgres
// runs into 0A000 saying what blocks it and what to do: an index rheo
// did not take apart (the table was not found by its name), and the
// PRIMARY KEY and UNIQUE constraints of CREATE TABLE, which DuckDB can
// neither drop nor let a column they use change type or go.
func asAlterBlockErr(err error, toks []token) error {
	if err == nil || len(toks) < 2 || !toks[0].is("alter") || !toks[1].is("table") {
		return err
	}
	e := toError(err)
	switch {
	case strings.Contains(e.Message, "because there are entries that depend on it"),
		strings.Contains(e.Message, "an index depends on"):
		name := ""
		if a, ok := parseIndexAlter(toks); ok {
			name = a.parts[len(a.parts)-1].text
		}
		return indexBlockErr(name, e)
	case strings.Contains(e.Message, "UNIQUE or PRIMARY KEY constraint"),
		strings.Contains(e.Message, "because there is a UNIQUE constraint that depends on it"),
		strings.Contains(e.Message, "because there is a PRIMARY KEY constraint that depends on it"):
		return &Error{Code: CodeFeature, Message: e.Message, Err: e,
			Hint: "DuckDB cannot drop a PRIMARY KEY or UNIQUE constraint declared in CREATE TABLE, nor change or drop a column it uses: copy the rows into a new table (CREATE TABLE ... AS SELECT), or declare uniqueness with CREATE UNIQUE INDEX, which rheo takes apart and rebuilds around an ALTER TABLE."}
	}
	return err
}

// alterTableTarget reads the start of ALTER TABLE [IF EXISTS] [ONLY]
// name[.name...]: the indexes of the name's first and last parts; ok is
// false for another statement. The ALTER rewrites share it.
func alterTableTarget(toks []token) (first, last int, ok bool) {
	if len(toks) < 3 || !toks[0].is("alter") || !toks[1].is("table") {
		return 0, 0, false
	}
	i := 2
	if i+1 < len(toks) && toks[i].is("if") && toks[i+1].is("exists") {
		i += 2
	}
	if i < len(toks) && toks[i].is("only") {
		i++
	}
	if i >= len(toks) || !isName(toks[i]) {
		return 0, 0, false
	}
	first = i
	for i+2 < len(toks) && isPunct(toks[i+1], ".") && isName(toks[i+2]) {
		i += 2
	}
	return first, i, true
}
