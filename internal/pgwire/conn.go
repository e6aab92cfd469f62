package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Transaction status bytes of ReadyForQuery.
const (
	txIdle   = 'I'
	txBlock  = 'T'
	txFailed = 'E'
)

// flushEvery is how many bytes of DataRows are buffered before they are
// written, so a large result streams instead of piling up in memory.
const flushEvery = 64 << 10

// conn is one client connection; every field except the query-cancel
// ones is owned by the connection's goroutine.
type conn struct {
	srv *Server
	nc  net.Conn // the TLS connection once the client asked for it
	tls bool
	be  *pgproto3.Backend
	ctx context.Context // cancelled on Terminate, disconnect or Server.Close

	pid, secret    uint32
	user, database string
	sess           Session
	settings       map[string]string // Postgres-only parameters (see intercept.go)
	tx             byte
	stmts          map[string]*stmt
	portals        map[string]*portal
	cursors        map[string]*cursor // DECLAREd (cursor.go)
	skipToSync     bool               // an extended-protocol error happened: ignore until Sync
	ended          bool               // a FATAL error was sent: the connection closes
	pending        int                // bytes sent since the last flush

	// queries counts the statements passed to sess.Query: a client
	// statement during which it does not move was answered by pgwire
	// alone, and is reported to the session's StatementObserver.
	queries uint64

	qmu      sync.Mutex // guards the running query's cancel state
	qcancel  context.CancelFunc
	canceled bool // a CancelRequest hit the running query
	timedOut bool // statement_timeout hit the running query
	qtimer   *time.Timer
	qgen     uint64 // counts queries, so a late timer spares the next one

	stmtTimeout time.Duration // statement_timeout; 0: none

	// terminated is the FATAL error the session asked to end the
	// connection with (Terminable), from another goroutine; nil until then.
	terminated atomic.Pointer[Error]

	tz  string         // the engine's TimeZone, as reported (timezone.go)
	loc *time.Location // tz; nil: UTC

	// txp is what the open transaction block changed in pgwire's
	// parameters, to undo at its end (txsettings.go); nil: nothing.
	txp *txParams

	// savepoints are the open block's SAVEPOINTs, oldest first
	// (savepoint.go); txWork counts what may have changed the block:
	// statements other than savepoint commands, and errors.
	savepoints []savepoint
	txWork     uint64
	// partial: a ROLLBACK TO of the block was refused, so its COMMIT
	// fails rather than quietly rolling back (savepoint.go).
	partial bool
}

// stmt is a prepared statement (Parse).
type stmt struct {
	sql  string
	oids []uint32 // as sent by the client; 0 = unspecified
	desc *Description
}

// portal is a bound statement (Bind), possibly partly executed.
type portal struct {
	st      *stmt
	args    []any
	formats []int16 // result format codes as sent in Bind
	rows    Rows    // open after a suspended Execute
	cancel  context.CancelFunc
	ctx     context.Context
	cols    []Column
	oids    []uint32
	tag     string
	done    bool
	// local: the statement was answered without sess.Query (see
	// conn.queries), from start; reported when it completes.
	local bool
	start time.Time
}

// errTerminate ends the connection after a Terminate message.
var errTerminate = errors.New("pgwire: client terminated")

// errEnded ends the connection after a FATAL error from the session.
var errEnded = errors.New("pgwire: session ended")

// serveConn runs one connection to its end.
func (s *Server) serveConn(nc net.Conn) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	defer nc.Close()
	c := &conn{srv: s, nc: nc, ctx: ctx, tx: txIdle, settings: map[string]string{},
		stmts: map[string]*stmt{}, portals: map[string]*portal{}, cursors: map[string]*cursor{}}
	// Shutdown unblocks a connection waiting for its client's next message.
	stopWatch := context.AfterFunc(ctx, func() {
		_ = nc.SetReadDeadline(time.Now())
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	})
	defer stopWatch()

	// Start-up ends here, or in a panic (startConn recovers it).
	startDone := sync.OnceFunc(s.started)
	defer startDone()
	_ = nc.SetDeadline(time.Now().Add(s.cfg.StartupTimeout))
	ok, err := c.startup()
	startDone()
	if err != nil || !ok {
		if c.sess != nil {
			// Start-up failed after the session opened (a start-up
			// setting refused, the client gone before ReadyForQuery).
			s.unregister(c)
			_ = c.sess.Close()
		}
		if err != nil && !isDisconnect(err) {
			s.logger.Debug("pgwire: start-up failed", "remote", nc.RemoteAddr().String(), "err", err)
		}
		return
	}
	if ctx.Err() == nil {
		_ = nc.SetDeadline(time.Time{})
	}
	defer s.unregister(c)
	defer c.closeAll()
	if t, ok := c.sess.(Terminable); ok {
		t.OnTerminate(c.terminate)
	}
	err = c.loop()
	switch {
	case errors.Is(err, errTerminate) || errors.Is(err, errEnded) || isDisconnect(err):
	case s.ctx.Err() != nil:
		c.fatal(codeAdminShutdown, "terminating connection due to administrator command")
	case err != nil:
		s.logger.Debug("pgwire: connection failed", "remote", nc.RemoteAddr().String(), "pid", c.pid, "err", err)
		c.fatal(codeProtocolViolation, err.Error())
	}
}

// isDisconnect reports the ordinary ends of a connection.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// fatal sends a FATAL error; the connection closes right after.
func (c *conn) fatal(code, msg string) {
	c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = c.be.Flush()
}

// terminateWriteTimeout bounds what is still written to a client once its
// session must end: the rest of a buffered result and the FATAL error.
const terminateWriteTimeout = 5 * time.Second

// terminate ends the connection with err, for the session (Terminable):
// the connection's goroutine, waiting for the client's next message or
// streaming a result, sees it at once and sends err as a FATAL error.
func (c *conn) terminate(err error) {
	pe := *toPGError(err, false)
	pe.Fatal = true
	if c.terminated.CompareAndSwap(nil, &pe) {
		_ = c.nc.SetReadDeadline(time.Now()) // unblocks Receive
		// A client that reads nothing must not hold the session either.
		_ = c.nc.SetWriteDeadline(time.Now().Add(terminateWriteTimeout))
	}
}

// receive reads the client's next message; once the session asked to end
// the connection (terminate), it returns that FATAL error instead, and
// drops a message the client sent meanwhile, as Postgres ends a session
// whatever its client sends.
func (c *conn) receive() (pgproto3.FrontendMessage, error) {
	msg, err := c.be.Receive()
	if te := c.terminated.Load(); te != nil {
		return nil, te
	}
	return msg, err
}

// loop reads and handles messages until the connection ends.
func (c *conn) loop() error {
	for {
		msg, err := c.receive()
		var te *Error
		if errors.As(err, &te) {
			c.sendError(te)
			return c.end()
		}
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		if err := c.handle(msg); err != nil {
			return err
		}
	}
}

// handle dispatches one message; a returned error ends the connection.
func (c *conn) handle(msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.skipToSync = false
		c.simpleQuery(m.String)
		if c.ended {
			return c.end()
		}
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.Sync:
		c.skipToSync = false
		if c.tx == txIdle {
			c.closePortals()
		}
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.Terminate:
		return errTerminate
	case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
		if c.skipToSync {
			return nil
		}
		var err error
		switch m := msg.(type) {
		case *pgproto3.Parse:
			err = c.parse(m)
		case *pgproto3.Bind:
			err = c.bind(m)
		case *pgproto3.Describe:
			err = c.describe(m)
		case *pgproto3.Execute:
			err = c.execute(m)
		case *pgproto3.Close:
			err = c.closeMsg(m)
		}
		if err != nil {
			c.sendError(err)
			if c.ended {
				return c.end()
			}
			c.skipToSync = true
		}
		return c.maybeFlush()
	case *pgproto3.FunctionCall:
		c.sendError(&Error{Code: codeFeatureNotSupported, Message: "the function call protocol is not supported"})
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		return nil // no COPY in progress: Postgres ignores these too
	}
	return fmt.Errorf("unexpected message %T", msg)
}

// end flushes what was sent, the FATAL error last, and ends the
// connection.
func (c *conn) end() error {
	if err := c.flush(); err != nil {
		return err
	}
	return errEnded
}

func (c *conn) flush() error {
	c.pending = 0
	if err := c.be.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// maybeFlush writes out once enough is buffered.
func (c *conn) maybeFlush() error {
	if c.pending >= flushEvery {
		return c.flush()
	}
	return nil
}

// sendError reports err as an ErrorResponse and fails an open transaction.
func (c *conn) sendError(err error) {
	c.qmu.Lock()
	canceled, timedOut := c.canceled, c.timedOut
	c.qmu.Unlock()
	pe := toPGError(err, canceled || timedOut)
	if timedOut && pe.Code == codeQueryCanceled {
		pe = &Error{Code: codeQueryCanceled, Message: "canceling statement due to statement timeout"}
	}
	if c.srv.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		pe = &Error{Code: codeAdminShutdown, Message: "terminating connection due to administrator command"}
	}
	severity := "ERROR"
	if pe.Fatal {
		severity = "FATAL"
		c.ended = true
	}
	c.be.Send(&pgproto3.ErrorResponse{Severity: severity, SeverityUnlocalized: severity, Code: pe.Code,
		Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint})
	if c.tx != txIdle && !isClean(err) {
		c.txWork++
	}
	if c.tx == txBlock {
		c.tx = txFailed
	}
}

// toPGError gives any error a SQLSTATE.
func toPGError(err error, canceled bool) *Error {
	if canceled && (errors.Is(err, context.Canceled) || !isPGError(err)) {
		return &Error{Code: codeQueryCanceled, Message: "canceling statement due to user request"}
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Code == "" {
			return &Error{Code: codeInternal, Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
		}
		return pe
	}
	if canceled {
		return &Error{Code: codeQueryCanceled, Message: "canceling statement due to user request"}
	}
	return &Error{Code: codeInternal, Message: err.Error()}
}

func isPGError(err error) bool {
	var pe *Error
	return errors.As(err, &pe)
}

// beginQuery makes ctx the running query's context, cancellable by a
// CancelRequest, until endQuery.
// A statement_timeout cancels it likewise.
func (c *conn) beginQuery(cancel context.CancelFunc) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	c.qcancel, c.canceled, c.timedOut = cancel, false, false
	c.qgen++
	if c.stmtTimeout > 0 {
		gen := c.qgen
		c.qtimer = time.AfterFunc(c.stmtTimeout, func() { c.timeoutQuery(gen) })
	}
}

// retargetQuery makes cancel the running query's cancel function, for a
// statement that runs in a context of its own (a cursor's).
func (c *conn) retargetQuery(cancel context.CancelFunc) {
	c.qmu.Lock()
	c.qcancel = cancel
	c.qmu.Unlock()
}

func (c *conn) endQuery() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	c.qcancel = nil
	if c.qtimer != nil {
		c.qtimer.Stop()
		c.qtimer = nil
	}
}

// timeoutQuery cancels query gen if it is still running.
func (c *conn) timeoutQuery(gen uint64) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qgen == gen && c.qcancel != nil {
		c.timedOut = true
		c.qcancel()
	}
}

// cancelQuery is called by the server for a matching CancelRequest, from
// another goroutine.
func (c *conn) cancelQuery() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qcancel != nil {
		c.canceled = true
		c.qcancel()
	}
}

// run executes one of the client's statements, intercepting Postgres-only
// settings; the transaction status is tracked from the tag once the rows
// are consumed. A SET LOCAL outside a transaction block is warned about,
// as Postgres does; it then changes nothing.
func (c *conn) run(ctx context.Context, sql string, args []any) (Rows, error) {
	if c.tx == txIdle && isSetLocal(sql) {
		c.warn(codeNoActiveTransaction, "SET LOCAL can only be used in transaction blocks")
	}
	if c.tx != txIdle && savepointVerb(sql) == "" {
		c.txWork++
	}
	return c.runStatement(ctx, sql, args)
}

// runStatement is run without the SET LOCAL warning.
func (c *conn) runStatement(ctx context.Context, sql string, args []any) (Rows, error) {
	if rows, ok, err := c.resetStatement(ctx, sql); ok {
		return rows, err
	}
	if rows, ok, err := c.sessionFunc(ctx, sql); ok {
		return rows, err
	}
	if in := c.intercept(sql); in != nil {
		if in.err != nil {
			return nil, in.err
		}
		if in.set != "" && (c.tx != txIdle || !in.local) {
			c.saveParam(in.set, in.local)
			c.putParam(in.set, in.value, true)
		}
		return &staticRows{in: in}, nil
	}
	if rows, ok, err := c.cursorStatement(sql, args); ok {
		return rows, err
	}
	if rows, ok, err := c.savepointCommand(sql); ok {
		return rows, err
	}
	if rows, ok, err := c.txControl(ctx, sql); ok {
		return rows, err
	}
	rows, err := c.query(ctx, c.rewriteFuncs(sql), args...)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		return nil, errors.New("pgwire: backend returned no result")
	}
	if rows.Columns() == nil && reTimeZone.MatchString(sql) {
		c.refreshTimeZone(ctx, true)
		c.txTimeZone()
	}
	return rows, nil
}

// trackTx updates the transaction status after a statement with result
// rows (its tag); the end of a block undoes what it changed in the
// settings. A savepoint command (its ROLLBACK tag) keeps the block.
func (c *conn) trackTx(ctx context.Context, rows Rows) {
	if _, ok := rows.(*savepointRows); ok {
		return
	}
	switch t := strings.ToUpper(strings.TrimSpace(rows.Tag())); t {
	case "BEGIN", "START TRANSACTION":
		c.tx = txBlock
	case "COMMIT", "ROLLBACK", "END", "ABORT":
		c.endBlock(ctx, t == "COMMIT" || t == "END")
	}
}

// endBlock makes the session idle after the block ended (committed or
// not): its cursors, parameters and savepoints go.
func (c *conn) endBlock(ctx context.Context, commit bool) {
	c.tx = txIdle
	c.closeCursors(false)
	c.endTxParams(ctx, commit)
	c.savepoints, c.partial = nil, false
}

// simpleQuery runs every statement of a Query message.
func (c *conn) simpleQuery(q string) {
	// A simple query drops the unnamed statement and portal.
	delete(c.stmts, "")
	c.closePortal("")
	stmts := c.split(q)
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, sql := range stmts {
		if err := c.simpleStatement(sql); err != nil {
			c.sendError(err)
			return
		}
	}
}

// split cuts q into statements with Config.Split.
func (c *conn) split(q string) []string {
	if strings.TrimSpace(q) == "" {
		return nil
	}
	if c.srv.cfg.Split == nil {
		return []string{q}
	}
	var out []string
	for _, s := range c.srv.cfg.Split(q) {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// simpleStatement runs one statement and streams its result in text,
// reporting it to the session's StatementObserver if pgwire answered it
// alone.
func (c *conn) simpleStatement(sql string) error {
	start, before := time.Now(), c.queries
	err := c.simpleStatementRun(sql)
	if c.queries == before {
		c.observeLocal(start, err != nil)
	}
	return err
}

// observeLocal reports a statement pgwire answered without sess.Query.
func (c *conn) observeLocal(start time.Time, failed bool) {
	if o, ok := c.sess.(StatementObserver); ok {
		o.ObserveStatement(time.Since(start), failed)
	}
}

// query passes one statement to the session, counting it in c.queries.
func (c *conn) query(ctx context.Context, sql string, args ...any) (Rows, error) {
	c.queries++
	return c.sess.Query(ctx, sql, args...)
}

// simpleStatementRun is simpleStatement's work.
func (c *conn) simpleStatementRun(sql string) error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.beginQuery(cancel)
	defer c.endQuery()
	if c.tx == txFailed && !isTxEnd(sql) {
		return errAborted
	}
	rows, err := c.run(ctx, sql, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	if isCopyText(rows) {
		return c.copyOutRows(rows)
	}
	if cr, ok := rows.(CopyRows); ok {
		if out := cr.CopyOut(); out != nil {
			return c.copyOut(out, rows.Tag())
		}
		if in := cr.CopyIn(); in != nil {
			var cols []Column
			if br, ok := rows.(CopyBinaryRows); ok {
				cols = br.CopyInBinary()
			}
			return c.copyIn(ctx, in, cols)
		}
	}
	cols := rows.Columns()
	var oids []uint32
	if cols != nil {
		var fds []pgproto3.FieldDescription
		fds, oids = fieldDescriptions(cols, nil)
		c.be.Send(&pgproto3.RowDescription{Fields: fds})
	}
	if _, err := c.sendRows(rows, cols, oids, nil, 0); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	c.sendNotices(rows.Notices())
	tag := rows.Tag()
	c.trackTx(ctx, rows)
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

// errAborted is Postgres's error for a statement in a failed block. The
// statement did not run, so it is clean (savepoint.go).
var errAborted = &cleanError{&Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}}

// isTxEnd reports statements allowed in a failed transaction block.
func isTxEnd(sql string) bool {
	v := txVerb(sql)
	return v == "COMMIT" || v == "ROLLBACK" || savepointVerb(sql) == "ROLLBACK TO"
}

// txVerb classifies a transaction control statement by its first word:
// "BEGIN" (BEGIN, START TRANSACTION), "COMMIT" (COMMIT, END), "ROLLBACK"
// (ROLLBACK, ABORT, but not ROLLBACK TO a savepoint), or "". Every
// statement pays for it, so it reads the first words only.
func txVerb(sql string) string {
	f := strings.Fields(strings.ToUpper(strings.ReplaceAll(firstWords(skipComments(sql), 3), ";", " ")))
	if len(f) == 0 {
		return ""
	}
	switch f[0] {
	case "BEGIN":
		return "BEGIN"
	case "START":
		if len(f) > 1 && f[1] == "TRANSACTION" {
			return "BEGIN"
		}
	case "COMMIT", "END":
		if len(f) > 1 && f[1] == "PREPARED" {
			return ""
		}
		return "COMMIT"
	case "ROLLBACK", "ABORT":
		if len(f) > 1 && (f[1] == "TO" || f[1] == "PREPARED") ||
			len(f) > 2 && (f[1] == "WORK" || f[1] == "TRANSACTION") && f[2] == "TO" {
			return ""
		}
		return "ROLLBACK"
	}
	return ""
}

// skipComments drops the comments (and white space) sql starts with, as
// tools that tag their statements (sqlcommenter, ORMs' query comments)
// put there, so the statement's first word shows.
func skipComments(sql string) string {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n")
		switch {
		case strings.HasPrefix(sql, "--"):
			i := strings.IndexByte(sql, '\n')
			if i < 0 {
				return ""
			}
			sql = sql[i+1:]
		case strings.HasPrefix(sql, "/*"):
			// Postgres's block comments nest.
			depth, i := 1, 2
			for depth > 0 && i < len(sql) {
				switch {
				case strings.HasPrefix(sql[i:], "/*"):
					depth, i = depth+1, i+2
				case strings.HasPrefix(sql[i:], "*/"):
					depth, i = depth-1, i+2
				default:
					i++
				}
			}
			if depth > 0 {
				return sql // unterminated: the engine reports it
			}
			sql = sql[i:]
		default:
			return sql
		}
	}
}

// txControl answers transaction control the way Postgres does where the
// engine would not: COMMIT of a failed transaction rolls it back (tag
// ROLLBACK, so drivers report that nothing was committed), a COMMIT that
// fails ends the transaction, COMMIT or ROLLBACK outside a transaction
// and BEGIN inside one are warnings, not errors. ok is false for
// statements the engine runs as they are.
func (c *conn) txControl(ctx context.Context, sql string) (rows Rows, ok bool, err error) {
	switch v := txVerb(sql); {
	case v == "COMMIT" && c.tx == txFailed && c.partial:
		return nil, true, c.commitPartial(ctx)
	case v == "COMMIT" && c.tx == txFailed:
		rows, err := c.query(ctx, "ROLLBACK")
		if err != nil {
			return nil, true, err
		}
		return &tagRows{Rows: rows, tag: "ROLLBACK"}, true, nil
	case v == "COMMIT" && c.tx == txBlock:
		rows, err := c.query(ctx, sql)
		if err != nil {
			// A COMMIT that fails ends the block, as in Postgres (the
			// engine rolled it back): the client sees the error and an
			// idle session, not an aborted block no ROLLBACK could end
			// (pgx closes a connection left in one).
			c.endBlock(ctx, false)
			return nil, true, err
		}
		return rows, true, nil
	case (v == "COMMIT" || v == "ROLLBACK") && c.tx == txIdle:
		c.warn(codeNoActiveTransaction, "there is no transaction in progress")
		return &staticRows{in: &intercepted{tag: v}}, true, nil
	case v == "BEGIN" && c.tx == txBlock:
		c.warn(codeActiveTransaction, "there is already a transaction in progress")
		return &staticRows{in: &intercepted{tag: v}}, true, nil
	}
	return nil, false, nil
}

// warn sends a WARNING notice.
func (c *conn) warn(code, msg string) {
	c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: code, Message: msg})
}

// tagRows replaces the command tag of a result.
type tagRows struct {
	Rows
	tag string
}

func (r *tagRows) Tag() string { return r.tag }

func (c *conn) sendNotices(notices []string) {
	for _, n := range notices {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: n})
	}
}

// sendRows sends up to max rows (0: all) as DataRows; more is true when
// it stopped at max.
func (c *conn) sendRows(rows Rows, cols []Column, oids []uint32, formats []int16, max uint32) (more bool, err error) {
	var n uint32
	buf := make([]byte, 0, 1024) // never nil: an empty value must not read as NULL
	vals := make([][]byte, len(cols))
	spans := make([][2]int, len(cols))
	for {
		if max > 0 && n >= max {
			return true, nil
		}
		if te := c.terminated.Load(); te != nil {
			return false, te
		}
		if !rows.Next() {
			return false, nil
		}
		row := rows.Row()
		if len(row) != len(cols) {
			return false, fmt.Errorf("pgwire: row has %d values for %d columns", len(row), len(cols))
		}
		buf = buf[:0]
		for i, v := range row {
			spans[i] = [2]int{len(buf), -1} // end -1: NULL
			if v == nil {
				continue
			}
			if formatOf(formats, i) == 1 {
				var err error
				if buf, err = appendBinary(buf, oids[i], v); err != nil {
					return false, &Error{Code: codeInternal, Message: fmt.Sprintf("column %q: %v", cols[i].Name, err)}
				}
			} else {
				var ok bool
				if buf, ok = c.appendValue(buf, oids[i], v); !ok {
					continue
				}
			}
			spans[i][1] = len(buf)
		}
		for i, sp := range spans {
			if sp[1] < 0 {
				vals[i] = nil
			} else {
				vals[i] = buf[sp[0]:sp[1]:sp[1]]
			}
		}
		c.be.Send(&pgproto3.DataRow{Values: vals})
		c.pending += len(buf) + 4*len(vals)
		n++
		if err := c.maybeFlush(); err != nil {
			return false, err
		}
	}
}
