package sqlengine

import (
	"context"
	"fmt"
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
	if len(toks) < 6 || !toks[0].is("alter") || !toks[1].is("table") {
		return "", "", "", false
	}
	i := 2
	if toks[i].is("if") && i+1 < len(toks) && toks[i+1].is("exists") {
		i += 2
	}
	if i < len(toks) && toks[i].is("only") {
		i++
	}
	start := i
	for i+2 < len(toks) && isPunct(toks[i+1], ".") {
		i += 2
	}
	if i+3 >= len(toks) {
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

// addUniqueAsIndex rewrites ALTER TABLE t ADD CONSTRAINT name UNIQUE
// (cols), which DuckDB does not implement, into CREATE UNIQUE INDEX name
// ON t (cols): Postgres backs the constraint with a unique index of that
// name, and knex's unique() sends it after every CREATE TABLE. ok is false
// for other statements.
func addUniqueAsIndex(st string, toks []token) (string, bool) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	if len(toks) < 9 || !toks[0].is("alter") || !toks[1].is("table") {
		return "", false
	}
	i := 2
	if toks[i].is("only") {
		i++
	}
	start := i
	for i+2 < len(toks) && isPunct(toks[i+1], ".") {
		i += 2
	}
	if i+6 >= len(toks) {
		return "", false
	}
	table := st[toks[start].pos:toks[i].end]
	r := toks[i+1:]
	if !r[0].is("add") || !r[1].is("constraint") || r[2].kind != tokWord && r[2].kind != tokQIdent ||
		!r[3].is("unique") || !isPunct(r[4], "(") || matchParen(r, 4) != len(r)-1 {
		return "", false
	}
	return fmt.Sprintf("CREATE UNIQUE INDEX %s ON %s %s", st[r[2].pos:r[2].end], table, st[r[4].pos:r[len(r)-1].end]), true
}
