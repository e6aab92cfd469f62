package pgwire

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// pgxConnect connects pgx with cancellation by CancelRequest, as
// applications that set it up do.
func pgxConnect(t *testing.T, addr string) *pgx.Conn { return pgxConnectB(t, addr) }

func pgxConnectB(t testing.TB, addr string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://rheo@" + addr + "/rheo?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgx connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestPgxAgainstFake(t *testing.T) {
	_, fb, addr := startFake(t)
	fb.echoTypes = []string{"INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE", "TIMESTAMP WITH TIME ZONE", "BLOB"}
	conn := pgxConnect(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Parameters of several types round-trip through pgx's binary encoding.
	day := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 5, 6, 7, 8, 9, 10000, time.UTC)
	var (
		i4  int32
		i8  int64
		f8  float64
		b   bool
		s   string
		d   time.Time
		tz  time.Time
		blb []byte
	)
	err := conn.QueryRow(ctx, "echo", int32(-5), int64(1<<50), 3.25, true, "ünï", day, ts, []byte{9, 8}).
		Scan(&i4, &i8, &f8, &b, &s, &d, &tz, &blb)
	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	if i4 != -5 || i8 != 1<<50 || f8 != 3.25 || !b || s != "ünï" || !d.Equal(day) || !tz.Equal(ts) || string(blb) != "\x09\x08" {
		t.Errorf("echo returned %v %v %v %v %q %v %v %x", i4, i8, f8, b, s, d, tz, blb)
	}

	// Many rows.
	rows, err := conn.Query(ctx, "rows 20000")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var i int64
		var s string
		if err := rows.Scan(&i, &s); err != nil {
			t.Fatal(err)
		}
		if i != int64(n) {
			t.Fatalf("row %d has i=%d", n, i)
		}
		n++
	}
	if rows.Err() != nil || n != 20000 || rows.CommandTag().String() != "SELECT 20000" {
		t.Fatalf("rows: n=%d err=%v tag=%q", n, rows.Err(), rows.CommandTag())
	}

	// All types decode in pgx's preferred (binary) formats.
	vals, err := func() ([]any, error) {
		r, err := conn.Query(ctx, "types")
		if err != nil {
			return nil, err
		}
		defer r.Close()
		if !r.Next() {
			return nil, r.Err()
		}
		return r.Values()
	}()
	if err != nil {
		t.Fatalf("types: %v", err)
	}
	if vals[0] != true || vals[2] != int32(40000) || vals[8] != "héllo" || vals[17] != nil {
		t.Errorf("types values: %#v", vals)
	}
	// The INTEGER[] column is an int4[], read in binary.
	var l []*int32
	if err := conn.QueryRow(ctx, "types").Scan(nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, &l, nil, nil); err != nil ||
		len(l) != 3 || *l[0] != 1 || l[1] != nil || *l[2] != 3 {
		t.Errorf("list column: %v, %v", l, err)
	}

	// An error, then the connection still works.
	_, err = conn.Exec(ctx, "fail")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42601" || pe.Severity != "ERROR" {
		t.Fatalf("fail: %v", err)
	}
	var one int64
	if err := conn.QueryRow(ctx, "rows 1").Scan(&one, new(string)); err != nil || one != 0 {
		t.Fatalf("after error: %v", err)
	}

	// Cancelling the context cancels the query server-side.
	qctx, qcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = conn.Exec(qctx, "sleep")
	qcancel()
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled query: %v, want SQLSTATE 57014", err)
	}
	if err := conn.QueryRow(ctx, "rows 1").Scan(&one, new(string)); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestPsqlAgainstFake(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	_, _, addr := startFake(t)
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", "-h", host, "-p", port, "-U", "rheo", "-d", "rheo", "-X", "-A", "-t",
		"-v", "ON_ERROR_STOP=1", "-c", "rows 3", "-c", "SHOW server_version")
	cmd.Env = append(cmd.Environ(), "PGSSLMODE=prefer", "PGCONNECT_TIMEOUT=5")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got := string(out); got != "0|row-0\n1|row-1\n2|row-2\n"+DefaultServerVersion+"\n" {
		t.Errorf("psql output %q", got)
	}
	cmd = exec.CommandContext(ctx, "psql", "-h", host, "-p", port, "-U", "rheo", "-X", "-v", "ON_ERROR_STOP=1", "-c", "fail")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `syntax error at or near "fail"`) {
		t.Errorf("psql on an error: %v\n%s", err, out)
	}
}

// TestPanicInBackendClosesOnlyThatConnection: a panic under one
// connection ends that connection; the server keeps serving others.
func TestPanicInBackendClosesOnlyThatConnection(t *testing.T) {
	_, _, addr := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bad := pgxConnect(t, addr)
	if _, err := bad.Exec(ctx, "panic now", pgx.QueryExecModeSimpleProtocol); err == nil {
		t.Fatal("a panicking statement returned no error")
	}
	good := pgxConnect(t, addr)
	var n int
	rows, err := good.Query(ctx, "rows 2", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("a new connection after the panic: %v", err)
	}
	for rows.Next() {
		n++
	}
	if rows.Err() != nil || n != 2 {
		t.Fatalf("rows %d err %v", n, rows.Err())
	}
}
