package sqlengine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// A fatal DuckDB error (a checkpoint that could not be written to a full
// disk, above all) invalidates the database instance: every statement and
// every new connection on it fails until it is opened again. The engine
// then reopens it by itself:
//
//  1. The first session to see the error marks the instance broken; from
//     then on new sessions fail with 57P03 and statements of the broken
//     one's sessions with 57P02, which ends their Postgres connections.
//  2. The reopen interrupts the statements running on the instance and
//     closes every session's connection once the session is idle and has
//     no open result (so no cgo call is running on it and no result
//     outlives it); rheo's own sessions (job runs, loads) it waits for.
//     It asks the owner of every other session to end it (OnTerminate):
//     pgwire sends the client FATAL 57P02 at once, as Postgres does, so
//     an idle client's pool drops the connection, and closes the results
//     (a suspended portal, a cursor, which only it may close) and the
//     session.
//  3. With no connection left it closes the instance, which releases the
//     file: two instances of one file in one process would overwrite each
//     other, as DuckDB's file lock does not work within a process.
//  4. It opens the file again (DuckDB replays its WAL) and sets it up as
//     Open did, retrying with backoff while that fails (the disk is still
//     full). Jobs, whose runs failed meanwhile, retry on the new instance.

// Backoff of reopen attempts, and how often the wait for sessions is
// logged.
const (
	reopenFirstRetry = 500 * time.Millisecond
	reopenMaxRetry   = 30 * time.Second
	reopenWaitLog    = 10 * time.Second
)

// instance is one open DuckDB database and the sessions connected to it.
type instance struct {
	connector *duckdb.Connector
	db        *sql.DB // set-up connections (init, confinement)
	// sessions are the open sessions on the instance; guarded by
	// Engine.instMu.
	sessions map[*Session]struct{}
	// broken is the fatal error that invalidated the instance; nil while
	// it works.
	broken atomic.Pointer[Error]
}

// cause returns the fatal error that invalidated the instance, or nil.
func (in *instance) cause() *Error {
	if in == nil {
		return nil
	}
	return in.broken.Load()
}

func (in *instance) close() error {
	return errors.Join(in.db.Close(), in.connector.Close())
}

// openInstance opens the database file and sets it up: rheo's functions,
// the pg shim, the catalog's views, the job history and, when SQL's files
// are confined, DuckDB's file access.
func (e *Engine) openInstance(ctx context.Context) (*instance, error) {
	connector, err := duckdb.NewConnector(e.dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlengine: open duckdb %q: %w", e.path(), err)
	}
	in := &instance{connector: connector, db: sql.OpenDB(connector), sessions: map[*Session]struct{}{}}
	if err := e.init(ctx, in.db); err != nil {
		return nil, errors.Join(fmt.Errorf("sqlengine: open: %w", err), in.close())
	}
	if e.confined {
		if err := e.confineFiles(ctx, in.db, e.allowed); err != nil {
			return nil, errors.Join(fmt.Errorf("sqlengine: open: %w", err), in.close())
		}
	}
	return in, nil
}

// path is the database file, from the DSN.
func (e *Engine) path() string {
	p, _, _ := strings.Cut(e.dsn, "?")
	return p
}

// isFatal reports whether err is DuckDB's fatal error, or its refusal to
// run on an instance a fatal error invalidated.
func isFatal(err error) bool {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return false
	}
	return de.Type == duckdb.ErrorTypeFatal || isInvalidated(de.Msg)
}

// isInvalidated reports whether a DuckDB message is its refusal to use an
// invalidated instance (rather than the fatal error itself).
func isInvalidated(msg string) bool {
	return strings.Contains(msg, "database has been invalidated")
}

// fatalHint says what happens after a fatal error.
const fatalHint = "rheo ends the SQL sessions and reopens the database by itself, as soon as it can (free disk space in the data directory if it is full); then reconnect and repeat the command"

// noteFatal marks s's instance broken if err is a fatal DuckDB error, and
// returns the error the client gets: the fatal error itself (with a hint
// at what happens next) for the statement that hit it, 57P02 for a
// statement refused because an earlier one hit it.
func (s *Session) noteFatal(err error) error {
	if err == nil || !isFatal(err) {
		return err
	}
	te := toError(err)
	s.e.markBroken(s.inst, te)
	var de *duckdb.Error
	if errors.As(err, &de) && isInvalidated(de.Msg) {
		return s.e.terminatedErr(s.inst)
	}
	out := *te
	out.Hint = fatalHint
	return &out
}

// failed is the error of a statement that failed with err: noteFatal's,
// and 57P02 for one the reopen interrupted (the client's ctx did not end).
func (s *Session) failed(ctx context.Context, err error) error {
	err = s.noteFatal(err)
	var te *Error
	if errors.As(err, &te) && te.Code == CodeCanceled && ctx.Err() == nil && s.inst.cause() != nil {
		return s.e.terminatedErr(s.inst)
	}
	return err
}

// terminatedErr is the error of a statement on a session whose instance
// is broken: Postgres's 57P02 (crash_shutdown), which it sends every
// session when another crashed and it must recover; the connection ends,
// and drivers and pools open a new one.
func (e *Engine) terminatedErr(in *instance) *Error {
	err := &Error{
		Code:      CodeCrashShutdown,
		Message:   "terminating connection because the SQL database hit a fatal error and is being reopened",
		Hint:      "Reconnect and repeat your command; if the disk of rheo's data directory is full, free space first.",
		Terminate: true,
	}
	if c := in.cause(); c != nil {
		err.Detail = "The error was: " + firstLine(c.Message)
	}
	return err
}

// unavailableErr is NewSession's error while the database is being
// reopened: Postgres's 57P03 (cannot_connect_now), its answer to logins
// during recovery.
func (e *Engine) unavailableErr(in *instance) *Error {
	err := &Error{
		Code:      CodeCannotConnectNow,
		Message:   "the SQL database is being reopened after a fatal error and does not accept connections yet",
		Hint:      "Try again shortly; if the disk of rheo's data directory is full, free space: rheo retries the reopen until it works.",
		Terminate: true,
	}
	if c := in.cause(); c != nil {
		err.Detail = "The error was: " + firstLine(c.Message)
	} else if c := e.lastCause.Load(); c != nil {
		err.Detail = "The error was: " + firstLine(c.Message)
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// markBroken records that a fatal error invalidated in and starts the
// reopen, once per instance.
func (e *Engine) markBroken(in *instance, cause *Error) {
	if in == nil || !in.broken.CompareAndSwap(nil, cause) {
		return
	}
	e.lastCause.Store(cause)
	e.reopenMu.Lock()
	closing := e.closing
	if !closing {
		e.reopenWG.Add(1)
	}
	e.reopenMu.Unlock()
	if closing {
		return
	}
	e.logger.Error("sqlengine: DuckDB hit a fatal error that invalidated the SQL database; ending its sessions and reopening it "+
		"(if the disk is full, free space in the data directory; restarting rheo also recovers)", "err", firstLine(cause.Message))
	go func() {
		defer e.reopenWG.Done()
		e.reopen(in)
	}()
}

// reopen replaces the broken instance in by a new one on the same file.
func (e *Engine) reopen(in *instance) {
	if !e.endSessions(in) {
		return // closing
	}
	e.instMu.Lock()
	if e.inst == in {
		e.inst = nil
	}
	e.instMu.Unlock()
	if err := in.close(); err != nil {
		e.logger.Warn("sqlengine: closing the invalidated database", "err", err)
	}
	wait := reopenFirstRetry
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-e.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		ni, err := e.openInstance(ctx)
		cancel()
		if err == nil {
			// Close sets closing before it waits for this goroutine and
			// then closes e.inst: the new instance is closed either way.
			e.reopenMu.Lock()
			closing := e.closing
			e.reopenMu.Unlock()
			if closing {
				_ = ni.close()
				return
			}
			e.instMu.Lock()
			e.inst = ni
			e.instMu.Unlock()
			e.logger.Info("sqlengine: SQL database reopened after the fatal error; SQL works again", "attempts", attempt)
			return
		}
		e.logger.Warn("sqlengine: cannot reopen the SQL database yet; retrying (free disk space if it is full)", "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-e.stop:
			t.Stop()
			return
		}
		wait = min(2*wait, reopenMaxRetry)
	}
}

// endSessions interrupts the statements on in and closes its sessions'
// connections, returning once none is left; false if the engine closes
// first.
func (e *Engine) endSessions(in *instance) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	started, logged := time.Now(), time.Now()
	for {
		e.instMu.Lock()
		open := make([]*Session, 0, len(in.sessions))
		for s := range in.sessions {
			open = append(open, s)
		}
		e.instMu.Unlock()
		if len(open) == 0 {
			return true
		}
		cause := e.terminatedErr(in)
		for _, s := range open {
			s.interrupt()
			if s.killable {
				// Closed here or not, the session's owner ends its client's
				// connection at once (FATAL 57P02), as Postgres does: an
				// idle client would otherwise learn of it only at its next
				// statement, and pools would hand the dead connection out.
				s.end()
				s.terminate(cause)
			}
		}
		if time.Since(logged) >= reopenWaitLog {
			logged = time.Now()
			e.logger.Warn("sqlengine: reopen waits for SQL sessions of the invalidated database to end", "sessions", len(open), "waited", time.Since(started).Round(time.Second))
		}
		select {
		case <-tick.C:
		case <-e.stop:
			return false
		}
	}
}

// interrupt cancels the statement running on s, if any.
func (s *Session) interrupt() {
	s.stmtMu.Lock()
	cancel := s.stmtCancel
	s.stmtMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// end closes s's connection if s is idle: no statement runs and no result
// is open. Later calls fail with 57P02.
func (s *Session) end() {
	if !s.mu.TryLock() {
		return
	}
	defer s.mu.Unlock()
	if s.closed || s.dead || s.openResults.Load() > 0 {
		return
	}
	s.dead = true
	s.closeConn()
}

// OnTerminate registers f, which a reopen after a fatal error calls, once
// and from its own goroutine, to have the session's owner end it: err is
// the 57P02 error (Terminate set) to send the client at once, even one
// that is idle. The reopen closes an idle session's connection itself
// before; while a statement still runs, or a result is open while the
// client is idle (a suspended portal, a cursor), which only the owner may
// close, it waits for the owner to close the session's results and the
// session, and every login meanwhile fails (57P03), so the owner should
// do that promptly. f must not block: it tells the owner's goroutine.
// Without f the reopen waits until the owner closes them on its own.
func (s *Session) OnTerminate(f func(err error)) {
	s.termMu.Lock()
	defer s.termMu.Unlock()
	s.onTerminate = f
}

// terminate asks s's owner to end s (OnTerminate), the first time only.
func (s *Session) terminate(err *Error) {
	s.termMu.Lock()
	f := s.onTerminate
	if f == nil || s.terminated {
		s.termMu.Unlock()
		return
	}
	s.terminated = true
	s.termMu.Unlock()
	f(err)
}

// statementContext makes ctx cancellable by a reopen (interrupt); the
// returned func ends that.
func (s *Session) statementContext(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.stmtMu.Lock()
	s.stmtCancel = cancel
	s.stmtMu.Unlock()
	return ctx, func() {
		s.stmtMu.Lock()
		s.stmtCancel = nil
		s.stmtMu.Unlock()
		cancel()
	}
}

// usable returns why s cannot run a statement, or nil. s.mu is held.
func (s *Session) usable() error {
	switch {
	case s.dead || s.inst.cause() != nil:
		return s.e.terminatedErr(s.inst)
	case s.closed:
		return newErr(CodeInternal, "session is closed")
	}
	return nil
}
