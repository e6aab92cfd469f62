//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// mountSmallDisk mounts a tmpfs of size bytes on a fresh directory, or
// skips the test when this process may not mount.
func mountSmallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fillDisk writes to dir/fill until the file system has no space left.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "fill"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("fill: %v", err)
	}
	defer f.Close()
	for _, n := range []int{1 << 20, 4 << 10} {
		buf := make([]byte, n)
		for {
			if _, err := f.Write(buf); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("fill: %v", err)
				}
				break
			}
		}
	}
}

func freeDisk(t *testing.T, dir string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "fill")); err != nil {
		t.Fatalf("free: %v", err)
	}
}

// diskFullBatch builds a PutRecords batch of n unique records of about
// 1 KiB, so a few batches outrun the shard log's preallocated zeros.
func diskFullBatch(r *rand.Rand, tag string, n int) []types.PutRecordsRequestEntry {
	es := make([]types.PutRecordsRequestEntry, n)
	for i := range es {
		e := makeEntry(r, fmt.Sprintf("%s-r%d|", tag, i))
		e.Data = append(e.Data, make([]byte, 1000)...)
		es[i] = e
	}
	return es
}

// TestDiskFull runs rheo serve on a 64 MiB tmpfs and fills it: puts fail
// with InternalFailure (per record for PutRecords, HTTP 500 for
// PutRecord) while reads keep working, puts work again as soon as space is
// freed, with no restart, and a SIGKILL while the disk is full and puts
// are failing loses no acknowledged record and brings back no rejected
// one.
func TestDiskFull(t *testing.T) {
	const stream = "full"
	dir := mountSmallDisk(t, 64<<20)
	p := startRheoIn(t, filepath.Join(dir, "data"))
	ctx := ctxT(t, 120*time.Second)
	c := newKinesisNoRetry(p.endpoint())
	createStreamActive(ctx, t, c, stream, 2)
	l := newLedger()
	rng := rand.New(rand.NewPCG(1, 2))
	put := func(tag string) (failed int) {
		t.Helper()
		es := diskFullBatch(rng, tag, 50)
		if err := l.putBatch(ctx, c, stream, es); err != nil {
			t.Fatalf("PutRecords %s: %v", tag, err)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, e := range es {
			if code, ok := l.rejected[string(e.Data)]; ok {
				if code != "InternalFailure" {
					t.Fatalf("PutRecords %s: a record failed with %s, want InternalFailure", tag, code)
				}
				failed++
			}
		}
		return failed
	}
	for i := range 10 {
		if n := put(fmt.Sprintf("before-%d", i)); n != 0 {
			t.Fatalf("%d records failed with room on the disk", n)
		}
	}

	fillDisk(t, dir)
	// Preallocated zeros take small writes for a while; then every record
	// fails.
	allFailed := 0
	for i := 0; allFailed < 3; i++ {
		if i == 200 {
			t.Fatal("puts still succeed on a full disk after 200 batches")
		}
		if put(fmt.Sprintf("full-%d", i)) == 50 {
			allFailed++
		}
	}
	// A failed append gives back what its part-written frames took: take
	// that too. The record is larger than the page its segment's last
	// frame may have left room in.
	fillDisk(t, dir)
	data := append([]byte("put-record-on-full-disk|"), make([]byte, 64<<10)...)
	l.mu.Lock()
	l.sent[string(data)] = "pk"
	l.mu.Unlock()
	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("pk"), Data: data})
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Fatalf("PutRecord on a full disk: %v, want InternalFailure (HTTP 500)", err)
	}
	l.mu.Lock()
	l.rejected[string(data)] = ae.ErrorCode()
	l.mu.Unlock()
	present := l.verify(ctx, t, c, stream) // reads work on a full disk
	t.Logf("full disk: %d records readable, %d acknowledged", present, l.ackedCount())

	freeDisk(t, dir)
	for i := range 5 {
		if n := put(fmt.Sprintf("freed-%d", i)); n != 0 {
			t.Fatalf("%d records failed after space was freed", n)
		}
	}
	l.verify(ctx, t, c, stream)

	// Full again, under concurrent load, and killed there.
	fillDisk(t, dir)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var calls atomic.Int64
	for w := range 4 {
		wr := rand.New(rand.NewPCG(3, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; !stop.Load(); b++ {
				calls.Add(1)
				if err := l.putBatch(ctx, c, stream, diskFullBatch(wr, fmt.Sprintf("kill-w%d-b%d", w, b), 20)); err != nil && !stop.Load() && !isSDKClosedConnRace(err) {
					t.Errorf("PutRecords under load on a full disk: %v", err)
					return
				}
			}
		}()
	}
	// Kill once puts fail (the zeros preallocated after the last puts
	// take a few hundred records first).
	rejected := func() int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.rejected)
	}
	before := rejected()
	for deadline := time.Now().Add(20 * time.Second); rejected() < before+200; {
		if time.Now().After(deadline) || t.Failed() {
			t.Fatal("puts under load on a full disk do not fail")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Duration(50+rng.IntN(300)) * time.Millisecond)
	stop.Store(true)
	p.kill()
	wg.Wait()
	t.Logf("killed on a full disk after %d PutRecords calls", calls.Load())
	freeDisk(t, dir)
	p.start()
	l.verify(ctx, t, c, stream)
	for i := range 3 {
		if n := put(fmt.Sprintf("after-%d", i)); n != 0 {
			t.Fatalf("%d records failed after the restart", n)
		}
	}
	present = l.verify(ctx, t, c, stream)
	t.Logf("end: %d records present, %d acknowledged", present, l.ackedCount())
	if t.Failed() {
		return
	}
	p.term(15 * time.Second)
}

// TestDiskFullRestartServesSQL: rheo killed while its disk is full starts
// again on the still full disk and serves the records it holds over SQL.
// The start re-creates rheo's own views, which DuckDB cannot write to its
// WAL then; it failed with "Could not write file ... warehouse.duckdb.wal".
func TestDiskFullRestartServesSQL(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	const stream = "fullsql"
	dir := mountSmallDisk(t, 64<<20)
	pgAddr := freeAddr(t)
	p := startRheoIn(t, filepath.Join(dir, "data"), "--pg-listen", pgAddr)
	ctx := ctxT(t, 120*time.Second)
	c := newKinesisNoRetry(p.endpoint())
	createStreamActive(ctx, t, c, stream, 1)
	for i := range 3 {
		if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("k"), Data: fmt.Appendf(nil, "line %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := psqlRun(t, pgAddr, "CREATE STREAM TABLE fullsql (line STRING) FROM STREAM 'fullsql'"); err != nil {
		t.Fatalf("create stream table: %v\n%s", err, out)
	}
	fillDisk(t, dir)
	p.kill()
	p.start()
	out, err := psqlRun(t, pgAddr, "SELECT count(*) FROM fullsql", "SELECT count(*) FROM rheo_jobs", "SELECT count(*) FROM rheo_iterations")
	if err != nil || out != "3\n0\n0\n" {
		t.Fatalf("SQL after a start on a full disk = %q, %v", out, err)
	}
	freeDisk(t, dir)
}

// TestDiskFullCheckpointReopensSQL: a CHECKPOINT that cannot be written to
// a full disk is fatal to DuckDB, which then refuses every statement and
// login until the database is opened again. rheo reopens it by itself:
// the failed statement says so (53100 with a hint), an open session ends
// at once with FATAL 57P02 so its client reconnects, and once space is freed SQL
// works again, with every committed row, without restarting rheo. Before,
// every statement and login failed with DuckDB's "database has been
// invalidated" until a restart; and an idle session learnt of its end
// only at its next statement.
func TestDiskFullCheckpointReopensSQL(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	dir := mountSmallDisk(t, 64<<20)
	pgAddr := freeAddr(t)
	startRheoIn(t, filepath.Join(dir, "data"), "--pg-listen", pgAddr)
	ctx := ctxT(t, 120*time.Second)
	if out, err := psqlRun(t, pgAddr, "CREATE TABLE t AS SELECT range AS i, repeat('x', 100) AS s FROM range(100000)",
		"INSERT INTO t SELECT range, 'y' FROM range(5)"); err != nil {
		t.Fatalf("create table: %v\n%s", err, out)
	}
	idle, err := pgx.Connect(ctx, "postgres://rheo@"+pgAddr+"/rheo?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close(context.Background())
	if _, err := idle.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}

	fillDisk(t, dir)
	out, err := psqlRun(t, pgAddr, `\set VERBOSITY verbose`, "CHECKPOINT")
	if err == nil || !strings.Contains(out, "53100") || !strings.Contains(out, "No space left on device") || !strings.Contains(out, "reopens the database") {
		t.Fatalf("CHECKPOINT on a full disk: want 53100 with a hint, got %v\n%s", err, out)
	}
	// The idle client gets FATAL 57P02 without sending anything, as
	// Postgres ends its sessions, so a pool drops the connection before
	// handing it out.
	waitCtx, cancelWait := context.WithTimeout(ctx, 10*time.Second)
	err = idle.PgConn().WaitForNotification(waitCtx)
	cancelWait()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57P02" || pe.Severity != "FATAL" {
		t.Fatalf("idle session after the fatal error: want FATAL 57P02 at once, got %v", err)
	}
	if !idle.IsClosed() {
		t.Error("the connection stayed open after FATAL 57P02")
	}

	freeDisk(t, dir)
	out = countAfterReopen(t, pgAddr)
	if out != "100005\n" {
		t.Fatalf("rows after the reopen = %q, want 100005", out)
	}
	if out, err := psqlRun(t, pgAddr, "INSERT INTO t VALUES (-1, 'z')", "CHECKPOINT", "SELECT count(*) FROM t"); err != nil || out != "100006\n" {
		t.Fatalf("write and checkpoint after the reopen = %q, %v", out, err)
	}
}

// rawPG connects to addr with pgconn and takes over the connection, to
// speak the protocol as JDBC and psycopg2 do where pgx has no call for it
// (an Execute with a row limit) and to see what the server sends an idle
// client.
func rawPG(ctx context.Context, t *testing.T, addr string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	pc, err := pgconn.Connect(ctx, "postgres://rheo@"+addr+"/rheo?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	hc, err := pc.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Conn.Close() })
	return hc.Conn, hc.Frontend
}

// rawUntilReady sends msgs and reads up to ReadyForQuery, failing on an
// error; it returns the names of the messages read.
func rawUntilReady(t *testing.T, nc net.Conn, fe *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) []string {
	t.Helper()
	for _, m := range msgs {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	var got []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); ok {
			t.Fatalf("after %v: %s %s: %s", got, e.Severity, e.Code, e.Message)
		}
		got = append(got, fmt.Sprintf("%T", msg))
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return got
		}
	}
}

// TestDiskFullCheckpointEndsHeldResults: clients that hold a result while
// idle when DuckDB hits a fatal error (a WITH HOLD cursor, as psycopg2's
// named cursors and psql's FETCH_COUNT declare; a portal suspended by an
// Execute with a row limit, as JDBC's setFetchSize sends) get FATAL 57P02
// at once, as Postgres sends every session when it must recover, and the
// reopen goes on. Before, the reopen waited for their next message, and
// until then every login failed with 57P03, even after space was freed.
func TestDiskFullCheckpointEndsHeldResults(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	dir := mountSmallDisk(t, 64<<20)
	pgAddr := freeAddr(t)
	startRheoIn(t, filepath.Join(dir, "data"), "--pg-listen", pgAddr)
	ctx := ctxT(t, 120*time.Second)
	if out, err := psqlRun(t, pgAddr, "CREATE TABLE t AS SELECT range AS i, repeat('x', 100) AS s FROM range(100000)"); err != nil {
		t.Fatalf("create table: %v\n%s", err, out)
	}
	cursorConn, cursorFE := rawPG(ctx, t, pgAddr)
	rawUntilReady(t, cursorConn, cursorFE, &pgproto3.Query{String: "DECLARE c CURSOR WITH HOLD FOR SELECT i FROM t ORDER BY i; FETCH 10 FROM c"})
	portalConn, portalFE := rawPG(ctx, t, pgAddr)
	rawUntilReady(t, portalConn, portalFE, &pgproto3.Query{String: "BEGIN"})
	got := rawUntilReady(t, portalConn, portalFE, &pgproto3.Parse{Query: "SELECT i FROM t ORDER BY i"}, &pgproto3.Bind{},
		&pgproto3.Execute{MaxRows: 10}, &pgproto3.Sync{})
	if !slices.Contains(got, "*pgproto3.PortalSuspended") {
		t.Fatalf("Execute with a row limit: %v, want PortalSuspended", got)
	}

	fillDisk(t, dir)
	if out, err := psqlRun(t, pgAddr, "CHECKPOINT"); err == nil || !strings.Contains(out, "No space left on device") {
		t.Fatalf("CHECKPOINT on a full disk: want a fatal error, got %v\n%s", err, out)
	}
	broke := time.Now()
	for name, c := range map[string]struct {
		nc net.Conn
		fe *pgproto3.Frontend
	}{"WITH HOLD cursor": {cursorConn, cursorFE}, "suspended portal": {portalConn, portalFE}} {
		_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		msg, err := c.fe.Receive()
		e, ok := msg.(*pgproto3.ErrorResponse)
		if err != nil || !ok || e.Severity != "FATAL" || e.Code != "57P02" {
			t.Fatalf("idle client holding a %s after the fatal error: got %#v, %v; want FATAL 57P02 at once", name, msg, err)
		}
		if _, err := c.fe.Receive(); err == nil {
			t.Errorf("%s: the connection stayed open after FATAL 57P02", name)
		}
	}
	t.Logf("held results ended %v after the fatal error", time.Since(broke).Round(time.Millisecond))

	freeDisk(t, dir)
	if out := countAfterReopen(t, pgAddr); out != "100000\n" {
		t.Fatalf("rows after the reopen = %q, want 100000", out)
	}
}

// countAfterReopen runs SELECT count(*) FROM t until the SQL database is
// back after its reopen (logins meanwhile get 57P03) and returns psql's
// output.
func countAfterReopen(t *testing.T, pgAddr string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := psqlRun(t, pgAddr, "SELECT count(*) FROM t")
		if err == nil {
			return out
		}
		if !strings.Contains(out, "57P03") && !strings.Contains(out, "being reopened") {
			t.Fatalf("SQL during the reopen: want 57P03, got %v\n%s", err, out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("SQL did not come back after space was freed: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
