package sqlengine

import (
	"context"
	"fmt"
	"strings"
)

// Owners. pg_dump writes ALTER <object> name OWNER TO role after every
// object it creates (ALTER TABLE, ALTER SEQUENCE, ALTER SCHEMA public
// OWNER TO pg_database_owner, ALTER FUNCTION, ALTER TYPE, ...), and
// ALTER SEQUENCE s OWNED BY t.col after a serial column's sequence.
// rheo has one owner (the catalog's 'rheo') and no roles, so OWNER TO
// any role is accepted and changes nothing: a dump restores as it is,
// without pg_restore --no-owner. A relation's must exist, as in
// Postgres.

// ownerTo is an ALTER ... OWNER TO statement.
type ownerTo struct {
	tag      string // the command tag: ALTER TABLE, ALTER SEQUENCE, ...
	relation string // the relation's name as written, for kinds that name one
	ifExists bool
}

// ownerRelationKinds are the object kinds whose name is a relation.
var ownerRelationKinds = map[string]bool{"table": true, "sequence": true, "view": true,
	"materialized view": true, "foreign table": true, "index": true}

// parseOwnerTo recognises ALTER <kind> name OWNER TO role.
func parseOwnerTo(st string, toks []token) (o ownerTo, ok bool) {
	n := len(toks)
	if n > 0 && isPunct(toks[n-1], ";") {
		n--
	}
	if n < 5 || !toks[0].is("alter") || !toks[n-3].is("owner") || !toks[n-2].is("to") || !isName(toks[n-1]) {
		return o, false
	}
	// The kind is the words up to the name (a word that is not a kind
	// word); FUNCTION f(args) and the like stop at the name too.
	var kind []string
	i := 1
	for ; i < n-3 && toks[i].kind == tokWord; i++ {
		w := strings.ToLower(toks[i].text)
		if !ownerKindWord(w, kind) {
			break
		}
		kind = append(kind, w)
	}
	if len(kind) == 0 {
		return o, false
	}
	o.tag = "ALTER " + strings.ToUpper(strings.Join(kind, " "))
	if i+1 < n-3 && toks[i].is("if") && toks[i+1].is("exists") {
		o.ifExists = true
		i += 2
	}
	if i < n-3 && toks[i].is("only") {
		i++
	}
	if i >= n-3 {
		return o, false
	}
	// OWNER TO must follow the name itself: ALTER TABLE t RENAME COLUMN
	// owner TO x is another statement. An operator's name and its
	// classes' USING are not names; they are taken as they come.
	if kind[0] != "operator" && !ownerNameEnds(toks, i, n-4) {
		return o, false
	}
	if !ownerRelationKinds[strings.Join(kind, " ")] {
		return o, true
	}
	o.relation = st[toks[i].pos:toks[n-4].end]
	return o, true
}

// ownerNameEnds reports whether toks[i:last+1] are an object's name: names
// (or a large object's number) separated by dots, with a function's or
// aggregate's argument list after them.
func ownerNameEnds(toks []token, i, last int) bool {
	for {
		if i > last || !isName(toks[i]) && toks[i].kind != tokNumber {
			return false
		}
		if i+1 <= last && isPunct(toks[i+1], ".") {
			i += 2
			continue
		}
		break
	}
	if i == last {
		return true
	}
	return isPunct(toks[i+1], "(") && matchParen(toks, i+1) == last
}

// ownerKindWord reports whether w continues the object kind so far.
func ownerKindWord(w string, kind []string) bool {
	if len(kind) == 0 {
		switch w {
		case "table", "sequence", "view", "schema", "type", "domain", "function", "procedure", "routine",
			"aggregate", "database", "collation", "conversion", "language", "operator", "server",
			"statistics", "tablespace", "publication", "subscription", "index":
			return true
		case "materialized", "foreign", "large", "text", "event":
			return true
		}
		return false
	}
	switch kind[len(kind)-1] {
	case "materialized":
		return w == "view"
	case "foreign":
		return w == "table" || w == "data"
	case "data":
		return w == "wrapper"
	case "large":
		return w == "object"
	case "text":
		return w == "search"
	case "search":
		return w == "configuration" || w == "dictionary"
	case "event":
		return w == "trigger"
	case "operator":
		return w == "class" || w == "family"
	}
	return false
}

// ownerStatement answers ALTER ... OWNER TO; ok is false for other
// statements.
func (s *Session) ownerStatement(ctx context.Context, st string, toks []token) (r *Result, ok bool, err error) {
	o, ok := parseOwnerTo(st, toks)
	if !ok {
		return nil, false, nil
	}
	if o.relation != "" && !o.ifExists {
		v, err := s.queryValues(ctx, "SELECT "+pgShimDB+".main.to_regclass(?::VARCHAR)", o.relation)
		if err != nil {
			return nil, true, toError(fmt.Errorf("look up %s: %w", o.relation, err))
		}
		if v[0] == nil {
			// Named as written: public. became main. on the way.
			name := o.relation
			if strings.HasPrefix(strings.ToLower(name), "main.") {
				name = "public." + name[len("main."):]
			}
			return nil, true, newErr(CodeUndefinedTable, "relation %q does not exist", name)
		}
	}
	return &Result{tag: o.tag, done: true}, true, nil
}

// ownedByCompat rewrites Postgres's OWNED BY table.column of ALTER (or
// CREATE) SEQUENCE, which pg_dump writes for a serial column's sequence,
// into DuckDB's OWNED BY table: the sequence then goes with the table's
// DROP TABLE, as in Postgres, which ties it to the column. Left to DuckDB,
// public.t.col (main.t.col) was an INTERNAL error and t.col took t for
// a schema. OWNED BY NONE, which DuckDB cannot do, is refused.
func ownedByCompat(st string) (string, error) {
	if !containsFold(st, "owned") {
		return st, nil
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 5 || !toks[0].is("alter") && !toks[0].is("create") {
		return st, nil
	}
	seq := false
	for _, t := range toks[1:4] {
		seq = seq || t.is("sequence")
	}
	if !seq {
		return st, nil
	}
	for i := 2; i+2 < len(toks); i++ {
		if !toks[i].is("owned") || !toks[i+1].is("by") {
			continue
		}
		j := i + 2
		if toks[j].is("none") && (j+1 == len(toks) || isPunct(toks[j+1], ";")) {
			return "", newErr(CodeFeature, "OWNED BY NONE is not supported: DuckDB cannot take a sequence's owner away")
		}
		last := j
		for last+2 < len(toks) && isPunct(toks[last+1], ".") && isName(toks[last+2]) {
			last += 2
		}
		if last == j {
			return st, nil // OWNED BY t: DuckDB's own spelling
		}
		// Drop ".column".
		return st[:toks[last-1].pos] + st[toks[last].end:], nil
	}
	return st, nil
}

// isPrivilegeStatement reports GRANT, REVOKE and ALTER DEFAULT PRIVILEGES,
// which pg_dump writes unless told --no-privileges.
func isPrivilegeStatement(toks []token) bool {
	if len(toks) < 2 {
		return false
	}
	return toks[0].is("grant") || toks[0].is("revoke") ||
		len(toks) > 3 && toks[0].is("alter") && toks[1].is("default") && toks[2].is("privileges")
}

// errPrivileges refuses a privilege statement: rheo has no roles, and who
// may do what comes from its access keys (docs/auth.md), so granting
// nothing while answering GRANT would mislead. DuckDB's own error was a
// syntax error.
func errPrivileges() *Error {
	return &Error{Code: CodeFeature, Message: "GRANT, REVOKE and default privileges are not supported: rheo has no roles",
		Hint: "Access is granted to rheo's access keys (docs/auth.md); restore a pg_dump script made with --no-privileges (-x)."}
}
