package pgwire

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SQL cursors: DECLARE, FETCH, MOVE and CLOSE, which psql sends for
// \set FETCH_COUNT and psycopg2 for its named (server-side) cursors, so a
// large result reaches the client in pieces. The engine has no cursors:
// pgwire runs the query at DECLARE and keeps its open Rows, as it does
// for a suspended portal. Cursors read forward only (NO SCROLL).

var (
	reDeclare = regexp.MustCompile(`(?is)^\s*DECLARE\s+("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s+((?:(?:BINARY|INSENSITIVE|ASENSITIVE|SCROLL|NO\s+SCROLL)\s+)*)CURSOR\s+(?:(WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.*)$`)
	reFetch   = regexp.MustCompile(`(?is)^\s*(FETCH|MOVE)\s+(?:(NEXT|FORWARD\s+ALL|FORWARD\s+\+?\d+|FORWARD|ALL|\+?\d+)\s+)?(?:(?:FROM|IN)\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*;?\s*$`)
	reClose   = regexp.MustCompile(`(?is)^\s*CLOSE\s+("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*;?\s*$`)
	reCursor  = regexp.MustCompile(`(?is)^\s*(DECLARE|FETCH|MOVE|CLOSE)\s`)
)

// cursor is a declared cursor: the open result of its query.
type cursor struct {
	rows   Rows
	cols   []Column
	hold   bool // WITH HOLD: it outlives its transaction
	ctx    context.Context
	cancel context.CancelFunc
}

func (cur *cursor) close() {
	_ = cur.rows.Close()
	cur.cancel()
}

// cursorName reads a cursor name as Postgres does: folded to lower case
// unless quoted.
func cursorName(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

// isCursorStatement reports statements pgwire runs itself as cursor
// commands.
func isCursorStatement(sql string) bool { return reCursor.MatchString(sql) }

// cursorStatement runs DECLARE, FETCH, MOVE or CLOSE; ok is false for any
// other statement.
func (c *conn) cursorStatement(sql string, args []any) (rows Rows, ok bool, err error) {
	if !isCursorStatement(sql) {
		return nil, false, nil
	}
	if m := reDeclare.FindStringSubmatch(sql); m != nil {
		rows, err := c.declare(cursorName(m[1]), strings.ToUpper(m[2]), strings.EqualFold(m[3], "WITH"), m[4], args)
		return rows, true, err
	}
	if m := reFetch.FindStringSubmatch(sql); m != nil {
		rows, err := c.fetch(strings.EqualFold(m[1], "MOVE"), strings.ToUpper(strings.Join(strings.Fields(m[2]), " ")), cursorName(m[3]))
		return rows, true, err
	}
	if m := reClose.FindStringSubmatch(sql); m != nil {
		name := cursorName(m[1])
		if strings.EqualFold(m[1], "ALL") {
			for n, cur := range c.cursors {
				cur.close()
				delete(c.cursors, n)
			}
			return &staticRows{in: &intercepted{tag: "CLOSE CURSOR ALL"}}, true, nil
		}
		cur, found := c.cursors[name]
		if !found {
			return nil, true, &Error{Code: codeUndefinedCursor, Message: fmt.Sprintf("cursor %q does not exist", name)}
		}
		cur.close()
		delete(c.cursors, name)
		return &staticRows{in: &intercepted{tag: "CLOSE CURSOR"}}, true, nil
	}
	if f := strings.ToUpper(strings.Fields(sql)[0]); f == "FETCH" || f == "MOVE" {
		return nil, true, &Error{Code: codeNotInPrerequisiteState, Message: "cursor can only scan forward",
			Hint: "rheo's cursors are NO SCROLL: FETCH [NEXT | FORWARD [n | ALL] | n | ALL] [FROM] name."}
	}
	return nil, false, nil // DECLARE of something else (a DuckDB statement?)
}

func (c *conn) declare(name, opts string, hold bool, query string, args []any) (Rows, error) {
	switch {
	case strings.Contains(opts, "BINARY"):
		return nil, &Error{Code: codeFeatureNotSupported, Message: "binary cursors are not supported"}
	case strings.Contains(opts, "SCROLL") && !strings.Contains(opts, "NO SCROLL"):
		return nil, &Error{Code: codeFeatureNotSupported, Message: "scrollable cursors are not supported; declare it NO SCROLL"}
	case !hold && c.tx == txIdle:
		return nil, &Error{Code: codeNoActiveTransaction, Message: "DECLARE CURSOR can only be used in transaction blocks"}
	}
	if _, ok := c.cursors[name]; ok {
		return nil, &Error{Code: codeDuplicateCursor, Message: fmt.Sprintf("cursor %q already exists", name)}
	}
	// The result outlives this statement: it gets its own context, which
	// a CancelRequest or statement_timeout cancels while it runs.
	ctx, cancel := context.WithCancel(c.ctx)
	c.retargetQuery(cancel)
	rows, err := c.query(ctx, c.rewriteFuncs(strings.TrimRight(strings.TrimSpace(query), ";")), args...)
	if err != nil {
		cancel()
		return nil, err
	}
	cols := rows.Columns()
	if cols == nil {
		_ = rows.Close()
		cancel()
		return nil, &Error{Code: codeInvalidCursorDefinition, Message: "cursor can only be declared for a statement that returns rows"}
	}
	if cr, ok := rows.(CopyRows); isCopyText(rows) || ok && (cr.CopyOut() != nil || cr.CopyIn() != nil) {
		_ = rows.Close()
		cancel()
		return nil, &Error{Code: codeInvalidCursorDefinition, Message: "cursor can only be declared for a statement that returns rows"}
	}
	c.cursors[name] = &cursor{rows: rows, cols: cols, hold: hold, ctx: ctx, cancel: cancel}
	return &staticRows{in: &intercepted{tag: "DECLARE CURSOR"}}, nil
}

// fetch returns the next rows of a cursor (MOVE: skips them).
func (c *conn) fetch(move bool, dir, name string) (Rows, error) {
	cur, ok := c.cursors[name]
	if !ok {
		return nil, &Error{Code: codeUndefinedCursor, Message: fmt.Sprintf("cursor %q does not exist", name)}
	}
	n := int64(1)
	switch dir {
	case "", "NEXT", "FORWARD":
	case "ALL", "FORWARD ALL":
		n = -1
	default:
		v, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimPrefix(dir, "FORWARD "), "+"), 10, 64)
		if err != nil {
			return nil, &Error{Code: codeSyntaxError, Message: fmt.Sprintf("invalid FETCH count %q", dir)}
		}
		n = v
	}
	c.retargetQuery(cur.cancel)
	verb := "FETCH"
	if move {
		verb = "MOVE"
	}
	fr := &fetchRows{cur: cur, left: n, verb: verb}
	if move {
		for fr.Next() {
		}
		if err := fr.Err(); err != nil {
			return nil, err
		}
		return &staticRows{in: &intercepted{tag: fr.Tag()}}, nil
	}
	return fr, nil
}

// closeCursors closes the cursors a transaction's end ends (all with
// holdToo, as when the connection closes).
func (c *conn) closeCursors(holdToo bool) {
	for name, cur := range c.cursors {
		if holdToo || !cur.hold {
			cur.close()
			delete(c.cursors, name)
		}
	}
}

// fetchRows serves up to left rows of a cursor (left < 0: all).
type fetchRows struct {
	cur  *cursor
	left int64
	n    int64
	verb string
	err  error
}

func (r *fetchRows) Columns() []Column { return r.cur.cols }

func (r *fetchRows) Next() bool {
	if r.left == 0 || r.err != nil {
		return false
	}
	if !r.cur.rows.Next() {
		r.err = r.cur.rows.Err()
		r.left = 0
		return false
	}
	r.n++
	r.left--
	return true
}

func (r *fetchRows) Row() []any        { return r.cur.rows.Row() }
func (r *fetchRows) Err() error        { return r.err }
func (r *fetchRows) Close() error      { return nil } // the cursor stays open
func (r *fetchRows) Tag() string       { return r.verb + " " + strconv.FormatInt(r.n, 10) }
func (r *fetchRows) Notices() []string { return nil }

// describeCursorStatement describes DECLARE (the parameters of its query;
// no rows), FETCH (the cursor's columns), MOVE and CLOSE.
func (c *conn) describeCursorStatement(sql string) (*Description, error) {
	if m := reDeclare.FindStringSubmatch(sql); m != nil {
		d, err := c.sess.Describe(c.ctx, strings.TrimRight(strings.TrimSpace(m[4]), ";"))
		if err != nil {
			return nil, err
		}
		return &Description{ParamTypes: d.ParamTypes}, nil
	}
	if m := reFetch.FindStringSubmatch(sql); m != nil && strings.EqualFold(m[1], "FETCH") {
		if cur, ok := c.cursors[cursorName(m[3])]; ok {
			return &Description{Columns: cur.cols}, nil
		}
	}
	return &Description{}, nil
}
