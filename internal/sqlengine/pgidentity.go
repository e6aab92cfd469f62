package sqlengine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// ALTER TABLE t ALTER [COLUMN] c ADD GENERATED {ALWAYS | BY DEFAULT} AS
// IDENTITY [(sequence options)]: how pg_dump writes every identity column
// (Django ≥ 4.1's keys, SQLAlchemy's Identity(), GENERATED ... AS IDENTITY
// in CREATE TABLE), after a CREATE TABLE with the plain integer column.
// DuckDB has no such ALTER ("No support for that ALTER TABLE option"), so
// the restore went on without the identity: the dump's setval found no
// sequence and every later insert without an id failed with 23502. rheo
// makes the identity as CREATE TABLE makes one (redshift.go): a sequence,
// marked with the identity comment, as the column's default, in one
// transaction.

// addIdentity is a parsed ALTER TABLE ... ADD GENERATED ... AS IDENTITY.
type addIdentity struct {
	table     string // quoted, maybe qualified
	schema    string // the table's qualifier, quoted; "" for none
	tableName string // the table's own name
	column    string
	byDefault bool
	seq       string // SEQUENCE NAME as written, "" for <table>_<column>_seq
	start     *int64
	step      int64
	min, max  *int64
	cycle     bool
}

// parseAddIdentity recognises the statement; ok is false for any other.
func parseAddIdentity(st string, toks []token) (a addIdentity, ok bool, err error) {
	if n := len(toks); n > 0 && isPunct(toks[n-1], ";") {
		toks = toks[:n-1]
	}
	start, i, ok := alterTableTarget(toks)
	if !ok {
		return a, false, nil
	}
	var parts []string
	for j := start; j <= i; j += 2 {
		parts = append(parts, toks[j].text)
	}
	a.table = qualifiedName(parts)
	a.tableName = toks[i].text
	if len(parts) > 1 {
		a.schema = qualifiedName(parts[:len(parts)-1])
	}
	i++
	if i >= len(toks) || !toks[i].is("alter") {
		return a, false, nil
	}
	i++
	if i < len(toks) && toks[i].is("column") {
		i++
	}
	if i+4 >= len(toks) || toks[i].kind != tokWord && toks[i].kind != tokQIdent {
		return a, false, nil
	}
	a.column = toks[i].text
	i++
	if !toks[i].is("add") || !toks[i+1].is("generated") {
		return a, false, nil
	}
	i += 2
	switch {
	case toks[i].is("always"):
		i++
	case toks[i].is("by") && i+1 < len(toks) && toks[i+1].is("default"):
		a.byDefault = true
		i += 2
	default:
		return a, false, nil
	}
	if i+1 >= len(toks) || !toks[i].is("as") || !toks[i+1].is("identity") {
		return a, false, nil
	}
	i += 2
	a.step = 1
	if i < len(toks) && isPunct(toks[i], "(") {
		end := matchParen(toks, i)
		if end < 0 {
			return a, true, syntaxErr("syntax error in the sequence options of ADD GENERATED ... AS IDENTITY")
		}
		if err := a.options(st, toks[i+1:end]); err != nil {
			return a, true, err
		}
		i = end + 1
	}
	if i != len(toks) {
		return a, false, nil // more than the identity: DuckDB says what it cannot do
	}
	if a.step == 0 {
		return a, true, newErr(CodeInvalidParameter, "INCREMENT must not be zero")
	}
	return a, true, nil
}

// options reads the sequence options of an identity: SEQUENCE NAME, START
// [WITH], INCREMENT [BY], [NO] MINVALUE, [NO] MAXVALUE, CACHE, [NO] CYCLE
// and AS type (the type and the cache change no value DuckDB draws).
func (a *addIdentity) options(st string, toks []token) error {
	bad := func(at token) error {
		return syntaxErr("syntax error at or near %q in the sequence options of ADD GENERATED ... AS IDENTITY", at.text)
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		switch {
		case t.is("sequence") && i+2 < len(toks) && toks[i+1].is("name"):
			j := i + 2
			for j+2 < len(toks) && isPunct(toks[j+1], ".") {
				j += 2
			}
			a.seq = st[toks[i+2].pos:toks[j].end]
			i = j + 1
		case t.is("start") || t.is("increment") || t.is("minvalue") || t.is("maxvalue") || t.is("cache"):
			j := i + 1
			if j < len(toks) && (t.is("start") && toks[j].is("with") || t.is("increment") && toks[j].is("by")) {
				j++
			}
			n, next, ok := signedNumber(toks, j)
			if !ok {
				return bad(t)
			}
			switch {
			case t.is("start"):
				a.start = &n
			case t.is("increment"):
				a.step = n
			case t.is("minvalue"):
				a.min = &n
			case t.is("maxvalue"):
				a.max = &n
			}
			i = next
		case t.is("no") && i+1 < len(toks) && (toks[i+1].is("minvalue") || toks[i+1].is("maxvalue") || toks[i+1].is("cycle")):
			i += 2
		case t.is("cycle"):
			a.cycle = true
			i++
		case t.is("as") && i+1 < len(toks) && toks[i+1].kind == tokWord:
			i += 2
		default:
			return bad(t)
		}
	}
	return nil
}

// signedNumber reads an integer, maybe signed, at toks[i].
func signedNumber(toks []token, i int) (n int64, next int, ok bool) {
	neg := false
	if i < len(toks) && (isPunct(toks[i], "-") || isPunct(toks[i], "+")) {
		neg = toks[i].text == "-"
		i++
	}
	if i >= len(toks) || toks[i].kind != tokNumber {
		return 0, i, false
	}
	n, err := strconv.ParseInt(toks[i].text, 10, 64)
	if err != nil {
		return 0, i, false
	}
	if neg {
		n = -n
	}
	return n, i + 1, true
}

// seqRef is the identity's sequence as nextval reads it: quoted, so the
// identity lookups (identitySeqs, checkIdentityInsert) find it in the
// column's default.
func (a addIdentity) seqRef() string {
	if a.seq == "" {
		n := quoteIdent(seqName(a.tableName, a.column))
		if a.schema != "" {
			return a.schema + "." + n
		}
		return n
	}
	return qualifiedName(parseRelName(a.seq))
}

// qualifiedName quotes the parts of a name for DuckDB; Postgres's public
// schema is DuckDB's main (pgschema.go), which these statements, made
// here, no longer pass through.
func qualifiedName(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		if i == len(parts)-2 && p == "public" {
			p = "main"
		}
		out[i] = quoteIdent(p)
	}
	return strings.Join(out, ".")
}

// statements are what DuckDB runs for the ALTER, in one transaction.
func (a addIdentity) statements() []string {
	ref := a.seqRef()
	q := "CREATE SEQUENCE " + ref
	start := int64(1)
	if a.step < 0 {
		start = -1
	}
	switch {
	case a.start != nil:
		start = *a.start
	case a.step > 0 && a.min != nil:
		start = *a.min
	case a.step < 0 && a.max != nil:
		start = *a.max
	}
	q += fmt.Sprintf(" START WITH %d INCREMENT BY %d", start, a.step)
	// DuckDB's sequences start their range at 1 (or -1 going down), as
	// for a Redshift seed (createIdentities).
	if a.min != nil {
		q += fmt.Sprintf(" MINVALUE %d", *a.min)
	} else if a.step > 0 && start < 1 {
		q += fmt.Sprintf(" MINVALUE %d", start)
	}
	if a.max != nil {
		q += fmt.Sprintf(" MAXVALUE %d", *a.max)
	} else if a.step < 0 && start > -1 {
		q += fmt.Sprintf(" MAXVALUE %d", start)
	}
	if a.cycle {
		q += " CYCLE"
	}
	comment := identityAlways
	if a.byDefault {
		comment = identityDefault
	}
	return []string{
		q,
		"COMMENT ON SEQUENCE " + ref + " IS " + quoteString(comment),
		"ALTER TABLE " + a.table + " ALTER COLUMN " + quoteIdent(a.column) + " SET DEFAULT nextval(" + quoteString(ref) + ")",
	}
}

// addIdentityColumn runs the ALTER.
func (s *Session) addIdentityColumn(ctx context.Context, a addIdentity) (*Result, error) {
	stmts := a.statements()
	// SET DEFAULT, like any ALTER, must go around the table's indexes.
	last := stmts[len(stmts)-1]
	toks, err := lex(last, false)
	if err != nil {
		return nil, toError(err)
	}
	if before, after, _, ok, err := s.indexedAlter(ctx, last, toks); err != nil {
		return nil, err
	} else if ok {
		stmts = append(append(before, stmts...), after...)
	}
	if err := s.inTx(ctx, stmts); err != nil {
		return nil, toError(err)
	}
	if !a.byDefault {
		s.e.identityAlways.Store(identitySome)
	}
	return &Result{tag: "ALTER TABLE", done: true}, nil
}
