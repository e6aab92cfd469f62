package sqlengine

import (
	"context"
	"fmt"
	"strings"
)

// Foreign keys as ORMs declare them. DuckDB enforces a FOREIGN KEY of
// CREATE TABLE with no referential action (NO ACTION, RESTRICT), checked
// at once; it cannot add one to an existing table (ALTER TABLE ... ADD
// CONSTRAINT ... FOREIGN KEY, ADD COLUMN ... REFERENCES), defer one
// (DEFERRABLE INITIALLY DEFERRED) or act on one (ON DELETE CASCADE, SET
// NULL, SET DEFAULT). Django's migrations add every key with a deferred
// ALTER TABLE, knex's with an ALTER TABLE, Sequelize's inline with ON
// DELETE and ON UPDATE actions: refused, none of their migrations would
// run. rheo takes such a key and does not enforce it, with a notice, as
// Redshift takes foreign keys as informational; a key DuckDB can enforce
// stays.

// fkDDL is what foreignKeyDDL did to a statement.
type fkDDL struct {
	result  *Result  // the statement is done (an ALTER TABLE adding only a key)
	notices []string // the keys not enforced
}

// foreignKeyDDL rewrites the foreign keys of CREATE TABLE and ALTER TABLE
// that DuckDB refuses; st and toks are replaced by what DuckDB runs.
func (s *Session) foreignKeyDDL(ctx context.Context, st *string, toks *[]token) (fkDDL, error) {
	t := *toks
	if len(t) < 3 {
		return fkDDL{}, nil
	}
	create := t[0].is("create") && createTableAt(t) > 0
	alter := t[0].is("alter") && t[1].is("table")
	if !create && !alter {
		return fkDDL{}, nil
	}
	keys := findForeignKeys(t)
	if len(keys) == 0 {
		return fkDDL{}, nil
	}
	if alter {
		if k := keys[0]; len(keys) == 1 && k.tableLevel && alterAddsOnly(t, k) {
			if err := s.tableExists(ctx, t); err != nil {
				return fkDDL{}, err
			}
			return fkDDL{
				result: &Result{tag: "ALTER TABLE", done: true, notices: []string{k.label() + " is not enforced: DuckDB cannot add a foreign key to an existing table"}},
			}, nil
		}
		for _, k := range keys {
			if k.tableLevel {
				return fkDDL{}, nil // with other changes: DuckDB says what it cannot do
			}
		}
	}
	e := edits{src: *st}
	var notices []string
	for _, k := range keys {
		why := k.unsupported
		if alter && why == "" {
			why = "DuckDB cannot add a column with a foreign key"
		}
		if why == "" { // enforced as it is, less the words DuckDB does not parse
			for _, r := range k.noise {
				e.replace(r[0], r[1], "")
			}
			continue
		}
		from, to := k.span(t)
		e.replace(from, to, " ")
		notices = append(notices, k.label()+" is not enforced: "+why)
	}
	if !e.changed {
		return fkDDL{}, nil
	}
	*st = e.String()
	nt, err := lex(*st, false)
	if err != nil {
		nt = nil
	}
	*toks = nt
	return fkDDL{notices: notices}, nil
}

// createTableAt returns the index of TABLE in CREATE [TEMP] TABLE, or 0.
func createTableAt(toks []token) int {
	for i := 1; i < len(toks) && i < 4; i++ {
		switch {
		case toks[i].is("table"):
			return i
		case toks[i].is("temp"), toks[i].is("temporary"), toks[i].is("local"), toks[i].is("global"), toks[i].is("unlogged"), toks[i].is("or"), toks[i].is("replace"):
		default:
			return 0
		}
	}
	return 0
}

// foreignKey is one FOREIGN KEY or REFERENCES clause, as token indexes.
type foreignKey struct {
	start, end  int      // [CONSTRAINT name] [FOREIGN KEY (cols)] REFERENCES ... options
	name        string   // the constraint's name, if it has one
	ref         string   // the referenced table, as written
	tableLevel  bool     // FOREIGN KEY (cols) REFERENCES: a table constraint
	unsupported string   // why DuckDB cannot enforce it; empty if it can
	noise       [][2]int // byte ranges DuckDB does not parse in a key it enforces
}

func (k foreignKey) label() string {
	if k.name != "" {
		return fmt.Sprintf("foreign key constraint %s", quoteIdent(k.name))
	}
	return "foreign key referencing " + k.ref
}

// span is the byte range a key takes in the statement: a table
// constraint with a comma that separates it from the others.
func (k foreignKey) span(toks []token) (from, to int) {
	from = toks[k.start].pos
	if k.end < len(toks) {
		to = toks[k.end].pos
	} else {
		to = toks[len(toks)-1].end
	}
	if !k.tableLevel {
		return from, to
	}
	switch {
	case k.start > 0 && isPunct(toks[k.start-1], ","):
		from = toks[k.start-1].pos
	case k.end < len(toks) && isPunct(toks[k.end], ","):
		to = toks[k.end].end
	}
	return from, to
}

// findForeignKeys returns the foreign keys of a statement, in order.
// REFERENCES is a reserved word: as a name it is quoted, so a bare one
// starts a key.
func findForeignKeys(toks []token) []foreignKey {
	var keys []foreignKey
	for i := 0; i < len(toks); i++ {
		if !toks[i].is("references") {
			continue
		}
		k := foreignKey{start: i}
		// FOREIGN KEY (cols) before it makes a table constraint.
		if i > 0 && isPunct(toks[i-1], ")") {
			depth := 0
			for j := i - 1; j >= 0; j-- {
				if isPunct(toks[j], ")") {
					depth++
				} else if isPunct(toks[j], "(") {
					depth--
					if depth == 0 {
						if j >= 2 && toks[j-1].is("key") && toks[j-2].is("foreign") {
							k.start, k.tableLevel = j-2, true
						}
						break
					}
				}
			}
		}
		if k.start >= 2 && toks[k.start-2].is("constraint") {
			k.start -= 2
			k.name = toks[k.start+1].text
		}
		j := i + 1
		refStart := j
		for j < len(toks) && (toks[j].kind == tokWord || toks[j].kind == tokQIdent) {
			j++
			if j < len(toks) && isPunct(toks[j], ".") {
				j++
				continue
			}
			break
		}
		if j == refStart {
			continue
		}
		k.ref = quoteIdent(toks[j-1].text)
		if j < len(toks) && isPunct(toks[j], "(") {
			if m := matchParen(toks, j); m > 0 {
				j = m + 1
			}
		}
		j = k.options(toks, j)
		k.end = j
		keys = append(keys, k)
		i = j - 1
	}
	return keys
}

// options reads a key's options from toks[j] on, noting what DuckDB
// cannot enforce, and returns the index after them.
func (k *foreignKey) options(toks []token, j int) int {
	at := func(n int, w string) bool { return n < len(toks) && toks[n].is(w) }
	for j < len(toks) {
		switch {
		case at(j, "match") && j+1 < len(toks):
			j += 2
		case at(j, "on") && (at(j+1, "delete") || at(j+1, "update")):
			what := strings.ToUpper(toks[j+1].text)
			switch {
			case at(j+2, "cascade"):
				k.why("DuckDB has no ON " + what + " CASCADE")
				j += 3
			case at(j+2, "restrict"):
				j += 3
			case at(j+2, "no") && at(j+3, "action"):
				j += 4
			case at(j+2, "set") && (at(j+3, "null") || at(j+3, "default")):
				k.why("DuckDB has no ON " + what + " SET " + strings.ToUpper(toks[j+3].text))
				j += 4
				if j < len(toks) && isPunct(toks[j], "(") {
					if m := matchParen(toks, j); m > 0 {
						j = m + 1
					}
				}
			default:
				return j
			}
		case at(j, "deferrable"):
			k.why("DuckDB cannot defer a foreign key check (DEFERRABLE)")
			j++
		case at(j, "not") && at(j+1, "deferrable"):
			k.noise = append(k.noise, [2]int{toks[j].pos, toks[j+1].end})
			j += 2
		case at(j, "initially") && at(j+1, "deferred"):
			k.why("DuckDB cannot defer a foreign key check (DEFERRABLE)")
			j += 2
		case at(j, "initially") && at(j+1, "immediate"):
			k.noise = append(k.noise, [2]int{toks[j].pos, toks[j+1].end})
			j += 2
		case at(j, "not") && at(j+1, "valid"):
			j += 2
		default:
			return j
		}
	}
	return j
}

func (k *foreignKey) why(reason string) {
	if k.unsupported == "" {
		k.unsupported = reason
	}
}

// alterAddsOnly reports whether an ALTER TABLE does nothing but ADD the
// table constraint k: ALTER TABLE [ONLY] [IF EXISTS] t ADD k [;].
func alterAddsOnly(toks []token, k foreignKey) bool {
	end := len(toks)
	if isPunct(toks[end-1], ";") {
		end--
	}
	return k.end == end && k.start >= 1 && toks[k.start-1].is("add")
}

// tableExists checks that the table of ALTER TABLE [ONLY] [IF EXISTS]
// t exists: a statement rheo answers itself fails as DuckDB would have.
func (s *Session) tableExists(ctx context.Context, toks []token) error {
	i := 2
	ifExists := false
	if toks[i].is("only") {
		i++
	}
	if i+1 < len(toks) && toks[i].is("if") && toks[i+1].is("exists") {
		ifExists = true
		i += 2
	}
	start := i
	for i+2 < len(toks) && isPunct(toks[i+1], ".") {
		i += 2
	}
	if i >= len(toks) {
		return nil
	}
	var name []string
	for j := start; j <= i; j += 2 {
		name = append(name, quoteIdent(toks[j].text))
	}
	r, err := s.run(ctx, "SELECT * FROM "+strings.Join(name, ".")+" LIMIT 0", nil, nil)
	if err != nil {
		if ifExists {
			return nil
		}
		if e := toError(err); e.Code == CodeUndefinedTable {
			return newErr(CodeUndefinedTable, "relation %q does not exist", toks[i].text)
		}
		return err
	}
	r.Close()
	return nil
}

// isSetConstraints reports whether toks are SET CONSTRAINTS {ALL | names}
// {DEFERRED | IMMEDIATE}, which rheo answers itself: it defers no check.
func isSetConstraints(toks []token) bool {
	n := len(toks)
	if n > 0 && isPunct(toks[n-1], ";") {
		n--
	}
	return n >= 4 && toks[0].is("set") && toks[1].is("constraints") &&
		(toks[n-1].is("deferred") || toks[n-1].is("immediate"))
}
