package sqlengine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/seqnum"
)

func TestPushdownLimitsReads(t *testing.T) {
	e := newEnv(t, envOpt{fileLog: true})
	e.stream("p", 1)
	var old []string
	for i := range 1000 {
		old = append(old, fmt.Sprintf("%d,old", i))
	}
	e.put("p", 0, "k", old...)
	e.clock.Advance(time.Hour)
	e.put("p", 0, "k", "1000,new", "1001,new", "1002,new")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE p (id INT, v STRING) FROM STREAM 'p' FORMAT csv")
	exec(t, s, "CREATE VIEW everything AS SELECT * FROM p")

	reads := func(q string) (string, int64) {
		t.Helper()
		before := e.eng.recordsRead.Load()
		got := one(t, s, q)
		return got, e.eng.recordsRead.Load() - before
	}
	if got, n := reads("SELECT count(*) FROM p"); got != "1003" || n != 1003 {
		t.Fatalf("full scan: %s rows, %d reads", got, n)
	}
	since := "TIMESTAMPTZ '2026-01-02 10:30:00+00'"
	if got, n := reads("SELECT count(*), min(v) FROM p WHERE _arrival_time > " + since); got != "3|new" || n != 3 {
		t.Fatalf("time pushdown: %s, %d reads", got, n)
	}
	// Same with a computed constant and BETWEEN, and with the table aliased.
	if got, n := reads("SELECT count(*) FROM p AS x WHERE x._arrival_time BETWEEN " + since + " - INTERVAL 1 MINUTE AND now() + INTERVAL 1 DAY"); got != "3" || n != 3 {
		t.Fatalf("between pushdown: %s, %d reads", got, n)
	}
	// Upper bound: only the old hour.
	if got, n := reads("SELECT count(*) FROM p WHERE _arrival_time < " + since); got != "1000" || n != 1000 {
		t.Fatalf("upper pushdown: %s, %d reads", got, n)
	}
	seq := seqnum.Encode(0, 995)
	if got, n := reads("SELECT count(*) FROM p WHERE _sequence_number >= '" + seq + "'"); got != "8" || n != 8 {
		t.Fatalf("sequence pushdown: %s, %d reads", got, n)
	}
	if got, n := reads("SELECT count(*) FROM p WHERE '" + seq + "' > _sequence_number AND _sequence_number > '" + seqnum.Encode(0, 10) + "'"); got != "984" || n != 984 {
		t.Fatalf("sequence range pushdown: %s, %d reads", got, n)
	}
	// OR is not pushed down (results stay right).
	if got, n := reads("SELECT count(*) FROM p WHERE _arrival_time > " + since + " OR id = 1"); got != "4" || n != 1003 {
		t.Fatalf("or: %s, %d reads", got, n)
	}
	// A user view reads the table too: no pushdown, right answer.
	if got, _ := reads("SELECT (SELECT count(*) FROM everything), count(*) FROM p WHERE _arrival_time > " + since); got != "1003|3" {
		t.Fatalf("view: %s", got)
	}
	// INSERT ... SELECT is pushed down as well.
	exec(t, s, "CREATE TABLE recent AS SELECT * FROM p WHERE false")
	before := e.eng.recordsRead.Load()
	exec(t, s, "INSERT INTO recent SELECT * FROM p WHERE _arrival_time > "+since)
	if n := e.eng.recordsRead.Load() - before; n != 3 {
		t.Fatalf("insert pushdown read %d", n)
	}
}

func TestCheckpointedIterations(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("AccessLogStream", 2)
	e.stream("other", 1)
	for i := range 5 {
		e.put("AccessLogStream", uint32(i%2), "k", fmt.Sprintf("%d,a", i))
	}
	e.put("other", 0, "k", "0,x", "1,y")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE logs (id INT, v STRING) FROM STREAM 'AccessLogStream' FORMAT csv")
	exec(t, s, "CREATE STREAM TABLE oth (id INT, v STRING) FROM STREAM 'other' FORMAT csv")

	r := exec(t, s, "set kinesis.checkpoint.enabled=true;")
	if r.Tag() != "SET" {
		t.Fatal(r.Tag())
	}
	// Incomplete settings: a clear error when a stream table is read.
	_, err := tryRows(s, "SELECT count(*) FROM logs")
	if e := sqlErr(t, err); e.Code != CodeIteration || !strings.Contains(e.Message, "kinesis.checkpoint.logical.name") {
		t.Fatal(err)
	}
	r = exec(t, s, "set kinesis.checkpoint.metastore.table.name=gslabEMRkinesisTable;")
	if len(r.Notices()) != 1 || !strings.Contains(r.Notices()[0], "ignored") {
		t.Fatal(r.Notices())
	}
	exec(t, s, "set kinesis.checkpoint.metastore.hash.key.name=HashKey;")
	exec(t, s, "set kinesis.checkpoint.logical.name=TestLogicalName;")
	exec(t, s, "set kinesis.checkpoint.iteration.no=0;")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "5" {
		t.Fatal(got)
	}
	// Writes continue; iteration 0 stays the same.
	e.put("AccessLogStream", 0, "k", "5,b", "6,b")
	e.put("AccessLogStream", 1, "k", "7,b")
	e.put("other", 0, "k", "2,z")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "5" {
		t.Fatalf("iteration 0 changed: %s", got)
	}
	// Two streams in one query share the iteration, each with its own bounds.
	// (oth's iteration 0 is recorded now, so it holds all three of its records.)
	if got := one(t, s, "SELECT (SELECT count(*) FROM logs), (SELECT count(*) FROM oth)"); got != "5|3" {
		t.Fatal(got)
	}
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 1")
	if got := one(t, s, "SELECT count(*), min(v), max(v) FROM logs"); got != "3|b|b" {
		t.Fatalf("iteration 1: %s", got)
	}
	e.put("other", 0, "k", "3,w")
	if got := one(t, s, "SELECT count(*), max(v) FROM oth"); got != "1|w" {
		t.Fatal(got)
	}
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 0")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "5" {
		t.Fatal(got)
	}
	// Skipping ahead is an error that says what to do.
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 5")
	_, err = tryRows(s, "SELECT count(*) FROM logs")
	if e := sqlErr(t, err); e.Code != CodeIteration || !strings.Contains(e.Message, "in order") {
		t.Fatal(err)
	}
	// A new logical name starts from the oldest record.
	exec(t, s, "SET kinesis.checkpoint.logical.name = 'second'")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 0")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "8" {
		t.Fatal(got)
	}
	// rheo_iterations lists the boundaries.
	if got := one(t, s, "SELECT count(DISTINCT logical_name), count(*) FROM rheo_iterations WHERE stream = 'AccessLogStream'"); got != "2|6" {
		t.Fatalf("rheo_iterations: %s", got)
	}
	// Ad hoc again.
	exec(t, s, "SET kinesis.checkpoint.enabled = false")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "8" {
		t.Fatal(got)
	}
	// A restart keeps the iterations.
	e.put("AccessLogStream", 0, "k", "8,c")
	s.Close()
	e.reopen()
	s = e.session()
	exec(t, s, "SET kinesis.checkpoint.enabled = true")
	exec(t, s, "SET kinesis.checkpoint.logical.name = TestLogicalName")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 1")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "3" {
		t.Fatalf("after restart: %s", got)
	}
	// Once retention removes the window's records, the iteration expired.
	e.clock.Advance(25 * time.Hour)
	e.put("AccessLogStream", 0, "k", "9,d")
	_, err = tryRows(s, "SELECT count(*) FROM logs")
	if e := sqlErr(t, err); e.Code != CodeIteration || !strings.Contains(e.Message, "logical.name") {
		t.Fatalf("expired: %v", err)
	}
	exec(t, s, "SET kinesis.checkpoint.logical.name = fresh")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 0")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "1" {
		t.Fatalf("fresh: %s", got)
	}
	_ = context.Background
}

// TestIterationsEmptyWindowIsNull: an iteration that read nothing on a
// shard has no bounds there; rheo_iterations shows NULL (it used to hand
// duckdb-go a nil value, which panicked and killed the process).
func TestIterationsEmptyWindowIsNull(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 2)
	e.put("s", 0, "k", "1,a")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE t (id INT, v STRING) FROM STREAM 's' FORMAT csv")
	exec(t, s, "set kinesis.checkpoint.enabled=true")
	exec(t, s, "set kinesis.checkpoint.logical.name=empty")
	exec(t, s, "set kinesis.checkpoint.iteration.no=0")
	if got := one(t, s, "SELECT count(*) FROM t"); got != "1" {
		t.Fatal(got)
	}
	exec(t, s, "set kinesis.checkpoint.iteration.no=1")
	if got := one(t, s, "SELECT count(*) FROM t"); got != "0" {
		t.Fatal(got)
	}
	exec(t, s, "set kinesis.checkpoint.enabled=false")
	got := one(t, s, "SELECT count(*), count(start_sequence_number), count(*) FILTER (WHERE start_sequence_number = '') FROM rheo_iterations WHERE logical_name = 'empty'")
	if got != "4|1|0" {
		t.Fatalf("rheo_iterations rows|non-null starts|empty strings = %s, want 4|1|0", got)
	}
}

// TestExplainRecordsNoIteration: EXPLAIN plans a query without running it
// (Hive's EXPLAIN checkpoints nothing either), so the first run of an
// iteration, not an EXPLAIN before it, fixes the iteration's window.
// EXPLAIN ANALYZE runs the query and records it.
func TestExplainRecordsNoIteration(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "k", "1", "2")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE t (id INT) FROM STREAM 's' FORMAT csv")
	exec(t, s, "SET kinesis.checkpoint.enabled = true")
	exec(t, s, "SET kinesis.checkpoint.logical.name = plan")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 0")
	exec(t, s, "EXPLAIN SELECT count(*) FROM t")
	exec(t, s, "EXPLAIN (FORMAT json) SELECT count(*) FROM t")
	if got := one(t, s, "SELECT count(*) FROM rheo_iterations WHERE logical_name = 'plan'"); got != "0" {
		t.Fatalf("EXPLAIN recorded an iteration: %s rows", got)
	}
	e.put("s", 0, "k", "3")
	if got := one(t, s, "SELECT count(*) FROM t"); got != "3" {
		t.Fatalf("iteration 0 read %s records, want the 3 there when it first ran", got)
	}
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 1")
	e.put("s", 0, "k", "4")
	exec(t, s, "EXPLAIN ANALYZE SELECT count(*) FROM t")
	e.put("s", 0, "k", "5")
	if got := one(t, s, "SELECT count(*) FROM t"); got != "1" {
		t.Fatalf("iteration 1 read %s records, want the 1 there when EXPLAIN ANALYZE ran it", got)
	}
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 2")
	exec(t, s, "EXPLAIN (ANALYZE) SELECT count(*) FROM t")
	e.put("s", 0, "k", "6")
	if got := one(t, s, "SELECT count(*) FROM t"); got != "1" {
		t.Fatalf("iteration 2 read %s records, want the 1 there when EXPLAIN (ANALYZE) ran it", got)
	}
}
