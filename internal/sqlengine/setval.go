package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// setval. DuckDB has neither setval nor ALTER SEQUENCE ... RESTART, and
// every loader of rows with explicit ids sends one so that the next
// insert does not collide with them: pg_dump's SELECT
// pg_catalog.setval('public.t_id_seq', 42, true), Django's loaddata and
// sqlsequencereset (SELECT setval(pg_get_serial_sequence('"t"','id'),
// coalesce(max("id"), 1), max("id") IS NOT null) FROM "t"), SQLAlchemy's
// and Rails' resets. rheo runs a SELECT whose one item is a setval call:
// the call's arguments are computed by DuckDB (over the statement's FROM,
// WHERE, ...), then each row's setval is done here, exactly:
//   - forward, by drawing nextval as many times as it takes, which leaves
//     the sequence where Postgres's setval puts it (DuckDB's sequences, as
//     Postgres's, do not roll back with a transaction);
//   - otherwise (backward, a value between two steps, or a long way
//     forward), by creating the sequence anew with the same options and
//     the new start, when nothing depends on it (a CREATE TABLE's DEFAULT
//     or OWNED BY make DuckDB refuse); else 0A000 with a hint.
// The statement returns the value set, as Postgres does.

// setvalMaxDraws bounds the nextval calls drawn to move a sequence
// forward (DuckDB draws about ten million a second); past it, only a
// sequence that can be created anew is moved.
const setvalMaxDraws = 1 << 30

// setvalQuickDraws is the number of draws above which creating the
// sequence anew, when it can be, is preferred.
const setvalQuickDraws = 1 << 24

// setvalCall is a SELECT setval(...) [alias] [FROM ...] rewritten: args
// computes the call's arguments (sequence, value, is_called).
type setvalCall struct {
	args string
	name string // the result column's name
}

// setvalClause are the words that end a select item, so cannot be its
// alias.
var setvalClause = map[string]bool{"from": true, "where": true, "group": true, "having": true, "order": true,
	"limit": true, "offset": true, "union": true, "except": true, "intersect": true, "window": true,
	"fetch": true, "for": true, "into": true, "qualify": true}

// parseSetval recognises a statement calling setval. ok is false when it
// calls none; err is set when it calls one in a place rheo cannot run it
// (anywhere but as the one item of a SELECT list).
func parseSetval(st string, toks []token) (c setvalCall, ok bool, err error) {
	calls := false
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].is("setval") && isPunct(toks[i+1], "(") && (i == 0 || !isPunct(toks[i-1], ".")) {
			calls = true
			break
		}
	}
	if !calls {
		return c, false, nil
	}
	unsupported := newErr(CodeFeature, "setval is supported only as the one item of a SELECT list: SELECT setval(sequence, value [, is_called]) [FROM ...]")
	if len(toks) < 4 || !toks[0].is("select") || !toks[1].is("setval") || !isPunct(toks[2], "(") {
		return c, true, unsupported
	}
	m := matchParen(toks, 2)
	if m < 0 {
		return c, true, unsupported
	}
	var args []string
	start, depth := toks[3].pos, 0
	for j := 3; j < m; j++ {
		switch {
		case isPunct(toks[j], "(") || isPunct(toks[j], "["):
			depth++
		case isPunct(toks[j], ")") || isPunct(toks[j], "]"):
			depth--
		case depth == 0 && isPunct(toks[j], ","):
			args = append(args, strings.TrimSpace(st[start:toks[j].pos]))
			start = toks[j].end
		}
	}
	if m > 3 {
		args = append(args, strings.TrimSpace(st[start:toks[m].pos]))
	}
	if len(args) != 2 && len(args) != 3 {
		return c, true, newErr(CodeUndefinedFunction, "function setval with %d arguments does not exist", len(args))
	}
	c.name = "setval"
	j := m + 1
	switch {
	case j+1 < len(toks) && toks[j].is("as") && isName(toks[j+1]):
		c.name = toks[j+1].text
		j += 2
	case j < len(toks) && isName(toks[j]) && !(toks[j].kind == tokWord && setvalClause[strings.ToLower(toks[j].text)]):
		c.name = toks[j].text
		j++
	}
	rest := ""
	if j < len(toks) {
		if !toks[j].is("from") && !toks[j].is("where") && !isPunct(toks[j], ";") && !(toks[j].kind == tokWord && setvalClause[strings.ToLower(toks[j].text)]) {
			return c, true, unsupported
		}
		rest = " " + st[toks[j].pos:]
	}
	isCalled := "true"
	if len(args) == 3 {
		isCalled = "(" + args[2] + ")"
	}
	c.args = "SELECT (" + args[0] + ")::VARCHAR, (" + args[1] + ")::BIGINT, " + isCalled + "::BOOLEAN" + rest
	return c, true, nil
}

// setvalStatement runs st when it is a SELECT setval(...); ok is false
// for other statements.
func (s *Session) setvalStatement(ctx context.Context, st string, toks []token, args []any) (r *Result, ok bool, err error) {
	c, ok, err := parseSetval(st, toks)
	if !ok || err != nil {
		return nil, ok, err
	}
	argToks, _ := lex(c.args, false)
	in, err := s.run(ctx, c.args, argToks, args)
	if err != nil {
		return nil, true, err
	}
	type call struct {
		seq      string
		n        int64
		isCalled bool
		null     bool // setval is strict: a NULL argument gives NULL
	}
	var calls []call
	for in.Next() {
		row := in.Row()
		c := call{null: row[0] == nil || row[1] == nil || row[2] == nil}
		if !c.null {
			c.seq, _ = row[0].(string)
			c.n, _ = row[1].(int64)
			c.isCalled, _ = row[2].(bool)
		}
		calls = append(calls, c)
	}
	in.Close()
	if err := in.Err(); err != nil {
		return nil, true, err
	}
	vals := make([]string, len(calls))
	for i, c := range calls {
		if c.null {
			vals[i] = "(NULL::BIGINT)"
			continue
		}
		if err := s.setval(ctx, c.seq, c.n, c.isCalled); err != nil {
			return nil, true, err
		}
		vals[i] = "(" + strconv.FormatInt(c.n, 10) + "::BIGINT)"
	}
	q := "SELECT NULL::BIGINT AS " + quoteIdent(c.name) + " WHERE false"
	if len(vals) > 0 {
		q = "SELECT * FROM (VALUES " + strings.Join(vals, ", ") + ") v(" + quoteIdent(c.name) + ")"
	}
	r, err = s.run(ctx, q, nil, nil)
	return r, true, err
}

// seqInfo is a sequence as duckdb_sequences() shows it.
type seqInfo struct {
	ref                     string // its qualified, quoted name
	name                    string
	start, min, max, inc    int64
	cycle, temp, dependents bool
	last                    *int64 // nil until nextval first drew
	comment                 *string
}

// parseRelName splits a relation's name as Postgres reads regclass text:
// parts separated by dots, unquoted ones in lower case (ASCII letters
// only, as Postgres folds a UTF-8 name; a multi-byte character stays).
func parseRelName(s string) []string {
	var parts []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && quoted && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == '.' && !quoted:
			parts = append(parts, b.String())
			b.Reset()
		case quoted:
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(b.String()))
}

// lookupSequence finds the sequence name names (Postgres's text:
// 'public.s', 's', '"S"'; public is main, pg_temp the session's).
func (s *Session) lookupSequence(ctx context.Context, name string) (*seqInfo, error) {
	parts := parseRelName(name)
	var schema string
	switch len(parts) {
	case 1:
	case 2:
		schema = parts[0]
	case 3:
		schema = parts[1]
	default:
		return nil, newErr(CodeInvalidInput, "improper relation name (too many dotted names): %s", name)
	}
	seq := parts[len(parts)-1]
	if schema == "public" {
		schema = "main"
	}
	q := `SELECT database_name, schema_name, sequence_name, start_value, min_value, max_value, increment_by, cycle, ` +
		`temporary, last_value, comment, EXISTS (SELECT 1 FROM duckdb_dependencies() d WHERE sequence_oid IN (d.objid, d.refobjid)) ` +
		`FROM duckdb_sequences() WHERE (database_name = current_database() OR temporary) AND lower(sequence_name) = lower(?) `
	args := []any{seq}
	switch schema {
	case "":
	case "pg_temp":
		q += "AND temporary "
	default:
		q += "AND NOT temporary AND lower(schema_name) = lower(?) "
		args = append(args, schema)
	}
	q += "ORDER BY temporary DESC, schema_name = 'main' DESC, sequence_name = ? DESC LIMIT 1"
	args = append(args, seq)
	v, err := s.queryValues(ctx, q, args...)
	if err != nil {
		if errors.Is(err, io.EOF) {
			if strings.HasPrefix(strings.ToLower(name), "main.") {
				name = "public." + name[len("main."):] // as the client wrote it
			}
			return nil, newErr(CodeUndefinedTable, "relation %q does not exist", name)
		}
		return nil, toError(fmt.Errorf("look up sequence %s: %w", name, err))
	}
	si := &seqInfo{name: v[2].(string)}
	si.start, _ = v[3].(int64)
	si.min, _ = v[4].(int64)
	si.max, _ = v[5].(int64)
	si.inc, _ = v[6].(int64)
	si.cycle, _ = v[7].(bool)
	si.temp, _ = v[8].(bool)
	if l, ok := v[9].(int64); ok {
		si.last = &l
	}
	if c, ok := v[10].(string); ok {
		si.comment = &c
	}
	si.dependents, _ = v[11].(bool)
	if si.temp {
		si.ref = "temp.main." + quoteIdent(si.name)
	} else {
		si.ref = quoteIdent(v[0].(string)) + "." + quoteIdent(v[1].(string)) + "." + quoteIdent(si.name)
	}
	return si, nil
}

// setval moves the sequence name as Postgres's setval(name, n, isCalled):
// the next nextval returns n when isCalled is false, else n + increment.
func (s *Session) setval(ctx context.Context, name string, n int64, isCalled bool) error {
	si, err := s.lookupSequence(ctx, name)
	if err != nil {
		return err
	}
	if n < si.min || n > si.max {
		return newErr(CodeOutOfRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", n, si.name, si.min, si.max)
	}
	inc := big.NewInt(si.inc)
	// next is what nextval returns now; target what it must return.
	next := big.NewInt(si.start)
	if si.last != nil {
		next.Add(big.NewInt(*si.last), inc)
		if si.cycle && (next.Cmp(big.NewInt(si.max)) > 0 || next.Cmp(big.NewInt(si.min)) < 0) {
			if si.inc > 0 {
				next.SetInt64(si.min)
			} else {
				next.SetInt64(si.max)
			}
		}
	}
	target := big.NewInt(n)
	if isCalled {
		target.Add(target, inc)
	}
	diff := new(big.Int).Sub(target, next)
	draws, rem := new(big.Int).QuoRem(diff, inc, new(big.Int))
	forward := rem.Sign() == 0 && draws.Sign() >= 0 && draws.Cmp(big.NewInt(setvalMaxDraws)) <= 0
	if forward && draws.Int64() <= setvalQuickDraws {
		return s.drawSequence(ctx, si, draws.Int64())
	}
	if !si.dependents {
		return s.recreateSequence(ctx, si, n, isCalled)
	}
	if forward {
		return s.drawSequence(ctx, si, draws.Int64())
	}
	e := newErr(CodeFeature, "setval cannot move sequence %q to %d: DuckDB's sequences only count forward, and this one cannot be created anew while a table uses it", si.name, n)
	if rem.Sign() == 0 && draws.Sign() > 0 {
		e.Message = fmt.Sprintf("setval cannot move sequence %q to %d: that is %s steps ahead, more than rheo draws (%d), and it cannot be created anew while a table uses it", si.name, n, draws, setvalMaxDraws)
	}
	e.Hint = "A sequence used by a column's DEFAULT in CREATE TABLE (serial, identity) or by ALTER SEQUENCE ... OWNED BY can only be moved forward to a value it reaches (next value + k × increment). To start it again, copy the table into a new one (CREATE TABLE ... AS) and create the sequence anew."
	return e
}

// drawSequence calls nextval on si n times.
func (s *Session) drawSequence(ctx context.Context, si *seqInfo, n int64) error {
	if n == 0 {
		return nil
	}
	q := fmt.Sprintf("SELECT max(nextval(%s)) FROM range(%d)", quoteString(si.ref), n)
	if _, err := s.queryValues(ctx, q); err != nil {
		return toError(fmt.Errorf("setval of %s: %w", si.name, err))
	}
	return nil
}

// recreateSequence creates si anew, with its options and comment, so that
// it stands where setval(n, isCalled) puts it.
func (s *Session) recreateSequence(ctx context.Context, si *seqInfo, n int64, isCalled bool) error {
	temp, cycle := "", "NO CYCLE"
	if si.temp {
		temp = "TEMP "
	}
	if si.cycle {
		cycle = "CYCLE"
	}
	ref := si.ref
	if si.temp {
		ref = quoteIdent(si.name) // CREATE TEMP takes no catalog
	}
	stmts := []string{fmt.Sprintf("CREATE OR REPLACE %sSEQUENCE %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START %d %s",
		temp, ref, si.inc, si.min, si.max, n, cycle)}
	if si.comment != nil {
		stmts = append(stmts, "COMMENT ON SEQUENCE "+si.ref+" IS "+quoteString(*si.comment))
	}
	if err := s.inTx(ctx, stmts); err != nil {
		return toError(fmt.Errorf("setval of %s: %w", si.name, err))
	}
	if isCalled {
		return s.drawSequence(ctx, si, 1)
	}
	return nil
}

// setvalDescription is the result of a SELECT setval(...) statement.
func setvalDescription(d *Description, name string) {
	d.Columns = []Column{{Name: name, Type: "BIGINT"}}
}
