package sqlengine

import (
	"context"
	"testing"
	"time"
)

// breakDatabase makes DuckDB invalidate the database as a checkpoint that
// cannot be written to a full disk does: its debug setting aborts the
// checkpoint with a fatal error. It returns CHECKPOINT's error.
func breakDatabase(t *testing.T, s *Session) error {
	t.Helper()
	// Straight to DuckDB: a session may not SET GLOBAL.
	if _, err := s.exec(context.Background(), "SET GLOBAL debug_checkpoint_abort = 'before_header'"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Query(context.Background(), "CHECKPOINT")
	if err == nil {
		t.Fatal("CHECKPOINT with debug_checkpoint_abort succeeded")
	}
	return err
}

// waitSession opens a session once the engine accepts one again.
func waitSession(t *testing.T, e *Engine) *Session {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := e.NewSession(context.Background())
		if err == nil {
			t.Cleanup(func() { s.Close() })
			return s
		}
		if c := sqlErr(t, err).Code; c != CodeCannotConnectNow {
			t.Fatalf("NewSession during the reopen: want %s, got %s: %v", CodeCannotConnectNow, c, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the engine did not reopen: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A fatal DuckDB error invalidates the database; the engine ends the
// sessions on it (57P02), refuses new ones meanwhile (57P03), reopens the
// file and SQL works again, with every committed row, without a restart.
func TestReopenAfterFatalError(t *testing.T) {
	env := newEnv(t, envOpt{dbFile: true})
	env.stream("clicks", 1)
	env.put("clicks", 0, "k", `{"n":1}`, `{"n":2}`)
	s := env.session()
	exec(t, s, "CREATE TABLE t AS SELECT range AS i FROM range(1000)")
	exec(t, s, "INSERT INTO t VALUES (1000)")
	exec(t, s, "CREATE STREAM TABLE clicks_t (n INT) FROM STREAM 'clicks' FORMAT json")
	idle := env.session()
	exec(t, idle, "SELECT 1")

	err := breakDatabase(t, s)
	e := sqlErr(t, err)
	if e.Terminate || e.Hint == "" {
		t.Errorf("the statement that hit the fatal error: want its own error with a hint, got %+v", e)
	}
	// Every session of the broken database ends, with 57P02.
	for name, sess := range map[string]*Session{"failed": s, "idle": idle} {
		_, err := sess.Query(context.Background(), "SELECT count(*) FROM t")
		if e := sqlErr(t, err); e.Code != CodeCrashShutdown || !e.Terminate {
			t.Errorf("%s session after the fatal error: want %s and Terminate, got %+v", name, CodeCrashShutdown, e)
		}
	}

	s2 := waitSession(t, env.eng)
	if got := one(t, s2, "SELECT count(*) FROM t"); got != "1001" {
		t.Errorf("rows after the reopen: got %s, want 1001", got)
	}
	exec(t, s2, "INSERT INTO t VALUES (1001)")
	if got := one(t, s2, "SELECT count(*) FROM clicks_t"); got != "2" {
		t.Errorf("stream table after the reopen: got %s, want 2", got)
	}
	if got := one(t, s2, "SELECT count(*) > 0 FROM pg_catalog.pg_class WHERE relname = 't'"); got != "true" {
		t.Errorf("pg shim after the reopen: got %s", got)
	}
	one(t, s2, "SELECT count(*) FROM rheo_jobs")
	// The old sessions stay ended; closing them is fine.
	for _, sess := range []*Session{s, idle, s2} {
		if err := sess.Close(); err != nil {
			t.Errorf("close a session: %v", err)
		}
	}

	// The reopened database is the same file, and survives a restart.
	env.reopen()
	if got := one(t, env.session(), "SELECT count(*) FROM t"); got != "1002" {
		t.Errorf("rows after a restart: got %s, want 1002", got)
	}
}

// The reopen waits for a session's open result before it closes the
// connection, and interrupts a running statement.
func TestReopenWaitsForResultsAndInterrupts(t *testing.T) {
	env := newEnv(t, envOpt{dbFile: true})
	s := env.session()
	exec(t, s, "CREATE TABLE t AS SELECT range AS i FROM range(10)")

	reader := env.session()
	open, err := reader.Query(context.Background(), "SELECT i FROM t ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	sleeper := env.session()
	slept := make(chan error, 1)
	go func() {
		_, err := sleeper.Query(context.Background(), "SELECT pg_sleep(60)")
		slept <- err
	}()
	time.Sleep(100 * time.Millisecond) // the sleep is running

	breakDatabase(t, s)
	select {
	case err := <-slept:
		if e := sqlErr(t, err); e.Code != CodeCrashShutdown {
			t.Errorf("interrupted statement: want %s, got %+v", CodeCrashShutdown, e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the running statement was not interrupted")
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := env.eng.NewSession(context.Background()); err == nil {
		t.Fatal("the database reopened under an open result")
	}
	n := 0
	for open.Next() {
		n++
	}
	if n != 10 || open.Err() != nil {
		t.Errorf("open result: %d rows, err %v", n, open.Err())
	}
	open.Close()
	s2 := waitSession(t, env.eng)
	if got := one(t, s2, "SELECT count(*) FROM t"); got != "10" {
		t.Errorf("rows after the reopen: got %s", got)
	}
}

// Close does not wait for a reopen that waits for a session.
func TestCloseDuringReopen(t *testing.T) {
	env := newEnv(t, envOpt{dbFile: true})
	s := env.session()
	reader := env.session()
	open, err := reader.Query(context.Background(), "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	breakDatabase(t, s)
	done := make(chan error, 1)
	go func() { done <- env.eng.Close() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung on the reopen")
	}
	open.Close()
	env.eng = nil
}

// A session whose client holds a result while idle (a suspended portal, a
// cursor) is asked to end (OnTerminate) with 57P02; once its owner closes
// the result and the session the reopen goes on, instead of waiting for
// the client's next message, with every login refused meanwhile. An idle
// session without results is asked to end too, so its client gets FATAL
// 57P02 at once and its pool drops the connection (before, it learnt of
// it only at its next statement), but the reopen closes its connection
// itself and does not wait for its owner.
func TestReopenTerminatesSessionHoldingResult(t *testing.T) {
	env := newEnv(t, envOpt{dbFile: true})
	s := env.session()
	exec(t, s, "CREATE TABLE t AS SELECT range AS i FROM range(10)")

	holder := env.session()
	terminated := make(chan error, 2)
	holder.OnTerminate(func(err error) { terminated <- err })
	open, err := holder.Query(context.Background(), "SELECT i FROM t ORDER BY i")
	if err != nil {
		t.Fatal(err)
	}
	if !open.Next() {
		t.Fatal("no first row")
	}
	idle := env.session()
	idleTerminated := make(chan error, 2)
	idle.OnTerminate(func(err error) { idleTerminated <- err })

	breakDatabase(t, s)
	select {
	case err := <-terminated:
		if e := sqlErr(t, err); e.Code != CodeCrashShutdown || !e.Terminate {
			t.Errorf("termination: want %s and Terminate, got %+v", CodeCrashShutdown, e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session holding a result was not asked to end")
	}
	// As pgwire does: close the result and the session.
	open.Close()
	if err := holder.Close(); err != nil {
		t.Errorf("close the terminated session: %v", err)
	}
	select {
	case err := <-idleTerminated:
		if e := sqlErr(t, err); e.Code != CodeCrashShutdown || !e.Terminate {
			t.Errorf("termination of the idle session: want %s and Terminate, got %+v", CodeCrashShutdown, e)
		}
	case <-time.After(10 * time.Second):
		t.Error("the idle session was not asked to end")
	}
	start := time.Now()
	s2 := waitSession(t, env.eng)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the reopen took %v after the session ended", d)
	}
	if got := one(t, s2, "SELECT count(*) FROM t"); got != "10" {
		t.Errorf("rows after the reopen: got %s", got)
	}
	// The reopen closed the idle session's connection itself: it did not
	// wait for its owner.
	if _, err := idle.Query(context.Background(), "SELECT 1"); err == nil || sqlErr(t, err).Code != CodeCrashShutdown {
		t.Errorf("the idle session after the reopen: want %s, got %v", CodeCrashShutdown, err)
	}
	select {
	case err := <-terminated:
		t.Errorf("the hook was called twice: %v", err)
	case err := <-idleTerminated:
		t.Errorf("the idle session's hook was called twice: %v", err)
	default:
	}
}
