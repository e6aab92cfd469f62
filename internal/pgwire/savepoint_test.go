package pgwire

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestSavepoints: SAVEPOINT, RELEASE and ROLLBACK TO follow Postgres
// where rheo can be exact (a stack of names, the newest of a repeated
// name wins, RELEASE drops the later ones, ROLLBACK TO keeps its
// savepoint and undoes nothing when nothing ran since it), and fail with
// 0A000, leaving the block aborted, where a ROLLBACK TO would have to
// undo statements. None of them reaches the engine.
func TestSavepoints(t *testing.T) {
	_, b, addr := startFake(t)
	c := connect(t, addr, "rheo")
	q := func(sql string, want ...string) {
		t.Helper()
		c.send(&pgproto3.Query{String: sql})
		expectFlow(t, c.until(0), want...)
	}

	// Outside a block: Postgres's 25P01, the session stays idle.
	q("SAVEPOINT a", "Error(ERROR 25P01)", "Ready(I)")
	q("RELEASE SAVEPOINT a", "Error(ERROR 25P01)", "Ready(I)")
	q("ROLLBACK TO SAVEPOINT a", "Error(ERROR 25P01)", "Ready(I)")
	q("SAVEPOINT", "Error(ERROR 42601)", "Ready(I)")

	// The success path of a nested transaction.
	q("begin; savepoint a; nothing; release savepoint a; commit",
		"CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "CommandComplete(CREATE TABLE)",
		"CommandComplete(RELEASE)", "CommandComplete(COMMIT)", "Ready(I)")

	// ROLLBACK TO with nothing run since the savepoint: exact. It drops
	// the later savepoints and keeps its own; an unknown name is 3B001
	// and aborts the block, which a ROLLBACK TO (nothing ran) restores.
	q("begin; savepoint a; savepoint b; rollback to savepoint a",
		"CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "CommandComplete(SAVEPOINT)", "CommandComplete(ROLLBACK)", "Ready(T)")
	q("release b", "Error(ERROR 3B001)", "Ready(E)")
	q("release a", "Error(ERROR 25P02)", "Ready(E)")
	q("rollback to a", "CommandComplete(ROLLBACK)", "Ready(T)")
	q("rollback transaction to a", "CommandComplete(ROLLBACK)", "Ready(T)")

	// A statement after the savepoint: ROLLBACK TO cannot undo it, and
	// the block is aborted for good, whatever savepoint is named. Its
	// COMMIT fails (and rolls back): clients that swallow the error of
	// ROLLBACK TO and do not check COMMIT's tag learn of it there.
	q("nothing", "CommandComplete(CREATE TABLE)", "Ready(T)")
	q("savepoint c", "CommandComplete(SAVEPOINT)", "Ready(T)")
	q("rollback to c", "CommandComplete(ROLLBACK)", "Ready(T)")
	q("rollback to a", "Error(ERROR 0A000)", "Ready(E)")
	q("rollback to c", "Error(ERROR 0A000)", "Ready(E)")
	q("nothing", "Error(ERROR 25P02)", "Ready(E)")
	q("commit", "Error(ERROR 0A000)", "Ready(I)")
	q("begin; fail", "CommandComplete(BEGIN)", "Error(ERROR 42601)", "Ready(E)")
	q("commit", "CommandComplete(ROLLBACK)", "Ready(I)") // as any failed block's

	// The savepoints end with their block.
	q("begin; savepoint a; commit", "CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "CommandComplete(COMMIT)", "Ready(I)")
	q("begin; release a", "CommandComplete(BEGIN)", "Error(ERROR 3B001)", "Ready(E)")
	q("rollback", "CommandComplete(ROLLBACK)", "Ready(I)")

	// A repeated name: the newest wins, and releasing it uncovers the
	// older one. Quoted names keep their case, others fold to lower.
	q(`begin; savepoint x; savepoint y; SAVEPOINT X; release x; rollback to y; release "x"`,
		"CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "CommandComplete(SAVEPOINT)", "CommandComplete(SAVEPOINT)",
		"CommandComplete(RELEASE)", "CommandComplete(ROLLBACK)", "CommandComplete(RELEASE)", "Ready(T)")
	q("rollback to y", "Error(ERROR 3B001)", "Ready(E)")
	q(`rollback; begin; savepoint "Sp"; rollback to sp`, "CommandComplete(ROLLBACK)", "CommandComplete(BEGIN)",
		"CommandComplete(SAVEPOINT)", "Error(ERROR 3B001)", "Ready(E)")
	q(`rollback; begin; savepoint Sp; rollback work to savepoint "sp"; rollback`, "CommandComplete(ROLLBACK)",
		"CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "CommandComplete(ROLLBACK)", "CommandComplete(ROLLBACK)", "Ready(I)")

	// Comments before and after, as tools that tag their statements
	// put them.
	q("begin; /* app:x */ savepoint a /* t */; -- c\n release a -- c", "CommandComplete(BEGIN)",
		"CommandComplete(SAVEPOINT)", "CommandComplete(RELEASE)", "Ready(T)")
	q("release a", "Error(ERROR 3B001)", "Ready(E)")
	q("/* app:x */ ROLLBACK", "CommandComplete(ROLLBACK)", "Ready(I)")

	// A failed statement after the savepoint (get_or_create's duplicate
	// key): the clear error, not a silent success.
	q("begin; savepoint a; fail", "CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)", "Error(ERROR 42601)", "Ready(E)")
	q("rollback to savepoint a", "Error(ERROR 0A000)", "Ready(E)")
	q("rollback", "CommandComplete(ROLLBACK)", "Ready(I)")

	// A statement pgwire answers itself counts too: ROLLBACK TO would
	// have to undo this SET.
	q("begin; savepoint a; SET application_name = 'x'; rollback to a", "CommandComplete(BEGIN)", "CommandComplete(SAVEPOINT)",
		"ParameterStatus(application_name=x)", "CommandComplete(SET)", "Error(ERROR 0A000)", "Ready(E)")
	q("rollback", "ParameterStatus(application_name=)", "CommandComplete(ROLLBACK)", "Ready(I)")

	// The extended protocol, as JDBC sends them.
	ext := func(sql string, want ...string) {
		t.Helper()
		c.send(&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{}, &pgproto3.Sync{})
		expectFlow(t, c.until(0), want...)
	}
	ok := func(tag, status string) []string {
		return []string{"ParseComplete", "BindComplete", "NoData", "CommandComplete(" + tag + ")", "Ready(" + status + ")"}
	}
	ext("BEGIN", ok("BEGIN", "T")...)
	ext("SAVEPOINT PGJDBC_AUTOSAVE", ok("SAVEPOINT", "T")...)
	ext("ROLLBACK TO SAVEPOINT PGJDBC_AUTOSAVE", ok("ROLLBACK", "T")...)
	ext("RELEASE SAVEPOINT PGJDBC_AUTOSAVE", ok("RELEASE", "T")...)
	ext("ROLLBACK TO SAVEPOINT PGJDBC_AUTOSAVE", "ParseComplete", "BindComplete", "NoData", "Error(ERROR 3B001)", "Ready(E)")
	ext("ROLLBACK", ok("ROLLBACK", "I")...)

	if got := b.log(); slices.ContainsFunc(got, func(s string) bool { return savepointVerb(s) != "" }) {
		t.Errorf("a savepoint command reached the engine: %q", got)
	}
}

// TestSavepointsPgx: pgx's nested transactions (Tx.Begin) are
// savepoints; its Commit is RELEASE, and its Rollback with nothing run
// is exact. The error of a ROLLBACK TO that cannot be exact says why.
func TestSavepointsPgx(t *testing.T) {
	_, b, addr := startFake(t)
	b.echoTypes = []string{"VARCHAR"}
	c := pgxConnect(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	nested, err := tx.Begin(ctx)
	if err != nil {
		t.Fatalf("nested Begin (SAVEPOINT): %v", err)
	}
	if _, err := nested.Exec(ctx, "nothing"); err != nil {
		t.Fatal(err)
	}
	if err := nested.Commit(ctx); err != nil {
		t.Fatalf("nested Commit (RELEASE SAVEPOINT): %v", err)
	}
	if nested, err = tx.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := nested.Rollback(ctx); err != nil {
		t.Fatalf("nested Rollback with nothing run: %v", err)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT a"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "echo $1", "x"); err != nil { // the extended protocol
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "ROLLBACK TO SAVEPOINT a")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "0A000" ||
		pe.Message != `ROLLBACK TO SAVEPOINT cannot undo the statements run after savepoint "a"` ||
		pe.Hint != "ROLLBACK the whole transaction and run it again." {
		t.Fatalf("ROLLBACK TO after a statement: %#v", err)
	}
	if err := tx.Commit(ctx); !errors.As(err, &pe) || pe.Code != "0A000" ||
		pe.Message != "the transaction was rolled back, not committed: a ROLLBACK TO SAVEPOINT in it could not be done" {
		t.Fatalf("COMMIT after the failed ROLLBACK TO: %v", err)
	}
	if c.PgConn().TxStatus() != 'I' {
		t.Fatalf("after the failed COMMIT: status %c, want I", c.PgConn().TxStatus())
	}
}

// TestStatementVerbsCost: txVerb and savepointVerb, which every statement
// pays for, read its first words only, not a bulk INSERT's megabytes.
func TestStatementVerbsCost(t *testing.T) {
	big := "/* app */ INSERT INTO t VALUES " + strings.Repeat("(1, 'some text'), ", 1<<16) + "(2, 'x')"
	for name, f := range map[string]func(string) string{"txVerb": txVerb, "savepointVerb": savepointVerb} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			if v := f(big); v != "" {
				t.Fatalf("%s = %q", name, v)
			}
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
			t.Errorf("%s allocated %d bytes for 10 statements of %d bytes", name, n, len(big))
		}
	}
	for sql, want := range map[string]string{"-- x\nCOMMIT": "COMMIT", "end;": "COMMIT", "ROLLBACK;TO a": "",
		"rollback work to a": "", "abort": "ROLLBACK", "start transaction read only": "BEGIN", "start": "", "commit prepared 'x'": ""} {
		if got := txVerb(sql); got != want {
			t.Errorf("txVerb(%q) = %q, want %q", sql, got, want)
		}
	}
}
