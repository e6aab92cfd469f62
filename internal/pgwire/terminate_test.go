package pgwire

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// terminateFake calls the hook the one session registered (Terminable),
// as the engine does when it must reopen its database.
func terminateFake(t *testing.T, fb *fakeBackend) {
	t.Helper()
	fb.mu.Lock()
	hooks := fb.terminate
	fb.mu.Unlock()
	if len(hooks) != 1 {
		t.Fatalf("%d sessions registered OnTerminate, want 1", len(hooks))
	}
	hooks[0](&Error{Code: "57P02", Message: "terminating connection", Hint: "Reconnect.", Fatal: true})
}

// expectTerminated reads the FATAL 57P02 and the end of the connection,
// and waits for pgwire to close the results and the session.
func expectTerminated(t *testing.T, c *client, fb *fakeBackend) {
	t.Helper()
	msg, err := c.fe.Receive()
	e, ok := msg.(*pgproto3.ErrorResponse)
	if err != nil || !ok || e.Severity != "FATAL" || e.Code != "57P02" || e.Hint != "Reconnect." {
		t.Fatalf("after the session ended: got %#v, %v; want FATAL 57P02", msg, err)
	}
	if msg, err := c.fe.Receive(); err == nil || !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("after FATAL: got %#v, %v; want the connection closed", msg, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fb.mu.Lock()
		closed, open := fb.closed, fb.rowsOpen
		fb.mu.Unlock()
		if closed == 1 && open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after FATAL: %d sessions closed, %d results open", closed, open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTerminateIdleWithHeldCursor: a session that must end (its engine
// reopens its database) ends at once though its client is idle, holding
// a WITH HOLD cursor: the client gets FATAL 57P02, and the cursor's
// result and the session are closed, so the engine need not wait for the
// client's next message.
func TestTerminateIdleWithHeldCursor(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "DECLARE c CURSOR WITH HOLD FOR rows 5; FETCH 1 FROM c"})
	expectFlow(t, c.until(0), "CommandComplete(DECLARE CURSOR)", "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)",
		"CommandComplete(FETCH 1)", "Ready(I)")
	terminateFake(t, fb)
	expectTerminated(t, c, fb)
}

// TestTerminateSuspendedPortal: likewise for a portal suspended by an
// Execute with a row limit in a transaction (JDBC's setFetchSize, pgx's
// and psycopg's server-side cursors).
func TestTerminateSuspendedPortal(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "begin"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Ready(T)")
	c.send(&pgproto3.Parse{Query: "rows 5"}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "DataRow(0,row-0)", "DataRow(1,row-1)", "PortalSuspended", "Ready(T)")
	terminateFake(t, fb)
	expectTerminated(t, c, fb)
}

// TestTerminateDuringCopyIn: a session that must end during a COPY FROM
// STDIN ends with FATAL 57P02, not with an error about the read.
func TestTerminateDuringCopyIn(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "copyin"})
	expectFlow(t, c.until(1), "CopyInResponse")
	terminateFake(t, fb)
	expectTerminated(t, c, fb)
}

// TestTerminateStreamingResult: a session that must end while a result
// streams to its client stops at the next row.
func TestTerminateStreamingResult(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "begin"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Ready(T)")
	c.send(&pgproto3.Query{String: "rows 1000000"})
	expectFlow(t, c.until(2), "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)")
	terminateFake(t, fb)
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			t.Fatalf("before FATAL: %v", err)
		}
		if _, ok := msg.(*pgproto3.DataRow); ok {
			continue
		}
		e, ok := msg.(*pgproto3.ErrorResponse)
		if !ok || e.Severity != "FATAL" || e.Code != "57P02" {
			t.Fatalf("after the session ended: got %#v; want rows, then FATAL 57P02", msg)
		}
		break
	}
}

// TestTerminateIdlePgx: a session that must end while its client is idle,
// holding nothing, ends at once too: pgx, waiting for nothing, reads the
// FATAL 57P02 (as pools do when they check a connection before handing it
// out) and the connection is closed, so no borrower's query fails on it.
func TestTerminateIdlePgx(t *testing.T) {
	_, fb, addr := startFake(t)
	conn := pgxConnect(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "rows 2"); err != nil {
		t.Fatal(err)
	}
	terminateFake(t, fb)
	err := conn.PgConn().WaitForNotification(ctx)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Severity != "FATAL" || pe.Code != "57P02" || pe.Hint != "Reconnect." {
		t.Fatalf("idle pgx after the session ended: got %v; want FATAL 57P02", err)
	}
	if !conn.IsClosed() {
		t.Error("pgx's connection stayed open after FATAL 57P02")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fb.mu.Lock()
		closed := fb.closed
		fb.mu.Unlock()
		if closed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the session was not closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
