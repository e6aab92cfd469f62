package sqlengine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// putIDs appends CSV records "id,v" for ids [from, to) to shard id%shards.
func putIDs(e *env, stream string, shards, from, to int) {
	e.t.Helper()
	for i := from; i < to; i++ {
		e.put(stream, uint32(i%shards), "k", fmt.Sprintf("%d,v%d", i, i))
	}
}

// jobFixture is a stream s (2 shards), stream table t over it, a table
// out, and a session.
func jobFixture(t *testing.T, o envOpt) (*env, *Session) {
	e := newEnv(t, o)
	e.stream("s", 2)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE t (id INT, v STRING) FROM STREAM 's' FORMAT csv")
	exec(t, s, "CREATE TABLE out (id INT, it BIGINT)")
	return e, s
}

// maxIter returns the highest successful iteration of a job, or -1.
func maxIter(t testing.TB, s *Session, job string) int64 {
	t.Helper()
	v := one(t, s, "SELECT coalesce(max(iteration), -1) FROM rheo_job_runs WHERE job = $1 AND error IS NULL", job)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatal(v)
	}
	return n
}

// checkOut checks that out holds ids [0, n) exactly once each.
func checkOut(t testing.TB, s *Session, n int) {
	t.Helper()
	want := fmt.Sprintf("%d|%d|0|%d", n, n, n-1)
	if got := one(t, s, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM out"); got != want {
		t.Fatalf("out: count, distinct, min, max = %s, want %s", got, want)
	}
}

// checkHistory checks that a job's successful iterations are 0..k without
// a gap or a repeat, and returns k.
func checkHistory(t testing.TB, s *Session, job string) int64 {
	t.Helper()
	got := one(t, s, "SELECT count(*), count(DISTINCT iteration), coalesce(max(iteration), -1) FROM rheo_job_runs WHERE job = $1 AND error IS NULL", job)
	f := strings.Split(got, "|")
	if f[0] != f[1] {
		t.Fatalf("job %s: an iteration succeeded twice: %s", job, got)
	}
	k, _ := strconv.ParseInt(f[2], 10, 64)
	if n, _ := strconv.ParseInt(f[0], 10, 64); n != k+1 {
		t.Fatalf("job %s: iterations skipped: %s", job, got)
	}
	return k
}

func TestJobRunsOnSchedule(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	putIDs(e, "s", 2, 0, 10)
	r := exec(t, s, "CREATE JOB copier EVERY '200 milliseconds' AS INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t")
	if r.Tag() != "CREATE JOB" {
		t.Fatalf("tag %q", r.Tag())
	}
	waitFor(t, 10*time.Second, "iteration 0", func() bool { return maxIter(t, s, "copier") >= 0 })
	putIDs(e, "s", 2, 10, 25)
	waitFor(t, 10*time.Second, "all rows", func() bool { return one(t, s, "SELECT count(*) FROM out") == "25" })
	waitFor(t, 10*time.Second, "three more iterations", func() bool { return maxIter(t, s, "copier") >= 4 })
	checkOut(t, s, 25)
	k := checkHistory(t, s, "copier")
	// Ids 0..9 were all in iteration 0; each later id in exactly one iteration.
	if got := one(t, s, "SELECT count(*) FROM out WHERE id < 10 AND it = 0"); got != "10" {
		t.Fatalf("iteration 0 rows: %s", got)
	}
	// The rows of each run are the rows its history row counts.
	if got := one(t, s, `SELECT count(*) FROM rheo_job_runs r WHERE job = 'copier' AND error IS NULL AND "rows" <> (SELECT count(*) FROM out WHERE it = r.iteration)`); got != "0" {
		t.Fatalf("history rows disagree with out: %v", rows(t, s, `SELECT iteration, "rows" FROM rheo_job_runs ORDER BY 1`))
	}
	if got := one(t, s, "SELECT sum(rows) FROM rheo_job_runs WHERE job = 'copier'"); got != "25" { // rows needs no quotes
		t.Fatalf("sum(rows) = %s", got)
	}
	// Runs keep to the interval: n runs take at least (n-1) intervals.
	span := one(t, s, "SELECT epoch_ms(max(started)) - epoch_ms(min(started)) FROM rheo_job_runs WHERE job = 'copier'")
	if ms, _ := strconv.ParseInt(span, 10, 64); ms < (k-1)*200 {
		t.Fatalf("%d iterations in %d ms: faster than every 200 ms", k+1, ms)
	}
	// The job's iterations are the logical name's.
	if got := one(t, s, "SELECT count(DISTINCT iteration) >= 2 FROM rheo_iterations WHERE logical_name = 'copier'"); got != "true" {
		t.Fatalf("rheo_iterations: %v", rows(t, s, "SELECT * FROM rheo_iterations"))
	}
	got := one(t, s, "SELECT name, every, state, next_iteration > 0, last_error IS NULL, statement FROM rheo_jobs")
	want := "copier|200 milliseconds|active|true|true|INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t"
	if got != want {
		t.Fatalf("rheo_jobs:\n got %s\nwant %s", got, want)
	}
	if got := rows(t, s, "SHOW JOBS"); len(got) != 1 || !strings.HasPrefix(got[0], "copier|200 milliseconds|active|") {
		t.Fatalf("SHOW JOBS: %v", got)
	}
}

func TestJobPauseResume(t *testing.T) {
	e, s := jobFixture(t, envOpt{dbFile: true})
	putIDs(e, "s", 2, 0, 4)
	exec(t, s, "CREATE JOB p EVERY '100ms' AS INSERT INTO out SELECT id, 0 FROM t")
	waitFor(t, 10*time.Second, "first rows", func() bool { return one(t, s, "SELECT count(*) FROM out") == "4" })
	if r := exec(t, s, "PAUSE JOB p"); r.Tag() != "PAUSE JOB" {
		t.Fatalf("tag %q", r.Tag())
	}
	paused := maxIter(t, s, "p")
	putIDs(e, "s", 2, 4, 8)
	time.Sleep(500 * time.Millisecond)
	if n := maxIter(t, s, "p"); n != paused {
		t.Fatalf("paused job ran: iteration %d after %d", n, paused)
	}
	if got := one(t, s, "SELECT count(*) FROM out"); got != "4" {
		t.Fatalf("paused job wrote rows: %s", got)
	}
	if got := one(t, s, "SELECT state, next_run_at IS NULL FROM rheo_jobs WHERE name = 'p'"); got != "paused|true" {
		t.Fatalf("rheo_jobs: %s", got)
	}
	exec(t, s, "PAUSE JOB p") // twice is fine
	// Paused survives a restart.
	s.Close()
	e.reopen()
	s = e.session()
	time.Sleep(400 * time.Millisecond)
	if n := maxIter(t, s, "p"); n != paused {
		t.Fatalf("paused job ran after a restart: iteration %d after %d", n, paused)
	}
	exec(t, s, "RESUME JOB p")
	waitFor(t, 10*time.Second, "rows after resume", func() bool { return one(t, s, "SELECT count(*) FROM out") == "8" })
	checkOut(t, s, 8)
	checkHistory(t, s, "p")
	if got := one(t, s, "SELECT state FROM rheo_jobs WHERE name = 'p'"); got != "active" {
		t.Fatalf("state %s", got)
	}
}

func TestJobRetriesFailedRunThenRecovers(t *testing.T) {
	var mu sync.Mutex
	var seen []string // "job:ok" or "job:failed", per run told to JobObserver
	e, s := jobFixture(t, envOpt{jobs: func(job string, d time.Duration, failed bool) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s:%v", job, map[bool]string{true: "failed", false: "ok"}[failed]))
	}})
	exec(t, s, "CREATE TABLE gate (v VARCHAR)")
	exec(t, s, "INSERT INTO gate VALUES ('broken')")
	putIDs(e, "s", 2, 0, 5)
	// The cast fails at run time, after the stream scan fixed the window.
	exec(t, s, "CREATE JOB r EVERY '150 milliseconds' AS INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t, gate WHERE CAST(gate.v AS INTEGER) >= 0")
	waitFor(t, 10*time.Second, "two failed attempts", func() bool {
		return one(t, s, "SELECT count(*) >= 2 FROM rheo_job_runs WHERE job = 'r' AND error IS NOT NULL") == "true"
	})
	if got := one(t, s, `SELECT min(iteration), max(iteration), min(attempt), max(attempt) >= 2, bool_and("rows" IS NULL), bool_and(error LIKE '%broken%') FROM rheo_job_runs WHERE job = 'r'`); got != "0|0|1|true|true|true" {
		t.Fatalf("failed attempts: %s: %v", got, rows(t, s, "SELECT * FROM rheo_job_runs"))
	}
	if got := one(t, s, "SELECT last_error LIKE '%broken%', last_iteration IS NULL, next_iteration FROM rheo_jobs"); got != "true|true|0" {
		t.Fatalf("rheo_jobs while failing: %s", got)
	}
	// Records arriving now belong to iteration 1: the retries re-read the
	// window iteration 0 fixed at its first attempt.
	putIDs(e, "s", 2, 5, 9)
	exec(t, s, "UPDATE gate SET v = '1'")
	waitFor(t, 10*time.Second, "iteration 1", func() bool { return maxIter(t, s, "r") >= 1 })
	if got := one(t, s, "SELECT count(*), max(id) FROM out WHERE it = 0"); got != "5|4" {
		t.Fatalf("iteration 0 after retries: %s", got)
	}
	checkOut(t, s, 9)
	checkHistory(t, s, "r")
	if got := one(t, s, "SELECT attempt >= 3 FROM rheo_job_runs WHERE job = 'r' AND iteration = 0 AND error IS NULL"); got != "true" {
		t.Fatalf("success attempt: %s", got)
	}
	if got := one(t, s, "SELECT last_error IS NULL FROM rheo_jobs"); got != "true" {
		t.Fatalf("last_error after recovery: %s", got)
	}
	// The observer saw the failed attempts, then the successes.
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 4 || seen[0] != "r:failed" || seen[1] != "r:failed" || !slices.Contains(seen, "r:ok") {
		t.Fatalf("JobObserver saw %q", seen)
	}
}

func TestJobBackoff(t *testing.T) {
	for _, c := range []struct {
		prev, interval, want time.Duration
	}{
		{0, time.Minute, time.Second},
		{time.Second, time.Minute, 2 * time.Second},
		{32 * time.Second, time.Minute, time.Minute},
		{time.Minute, time.Minute, time.Minute},
		{0, 200 * time.Millisecond, 200 * time.Millisecond},
		{200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond},
	} {
		if got := nextBackoff(c.prev, c.interval); got != c.want {
			t.Errorf("nextBackoff(%v, %v) = %v, want %v", c.prev, c.interval, got, c.want)
		}
	}
}

func TestJobDropKeepsHistoryAndRecreateContinues(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	putIDs(e, "s", 2, 0, 3)
	exec(t, s, "CREATE JOB d EVERY '100ms' AS INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t")
	waitFor(t, 10*time.Second, "rows", func() bool { return one(t, s, "SELECT count(*) FROM out") == "3" })
	if r := exec(t, s, "DROP JOB d"); r.Tag() != "DROP JOB" {
		t.Fatalf("tag %q", r.Tag())
	}
	last := maxIter(t, s, "d")
	putIDs(e, "s", 2, 3, 6)
	time.Sleep(300 * time.Millisecond)
	if n := maxIter(t, s, "d"); n != last {
		t.Fatalf("dropped job ran: %d after %d", n, last)
	}
	if got := rows(t, s, "SHOW JOBS"); len(got) != 0 {
		t.Fatalf("SHOW JOBS after drop: %s", got)
	}
	// Re-created under the same name, the job goes on with the next
	// iteration: nothing is read twice.
	exec(t, s, "CREATE JOB d EVERY '100ms' AS INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t")
	waitFor(t, 10*time.Second, "rows after re-create", func() bool { return one(t, s, "SELECT count(*) FROM out") == "6" })
	checkOut(t, s, 6)
	checkHistory(t, s, "d")
	if got := one(t, s, "SELECT min(it) > $1 FROM out WHERE id >= 3", last); got != "true" {
		t.Fatalf("re-created job reused an iteration: %v (last before drop %d)", rows(t, s, "SELECT * FROM out ORDER BY id"), last)
	}
	exec(t, s, "DROP JOB d")
}

func TestJobStatementErrors(t *testing.T) {
	_, s := jobFixture(t, envOpt{})
	exec(t, s, "CREATE JOB ok EVERY '1 hour' AS SELECT count(*) FROM t")
	for _, c := range []struct{ q, code string }{
		{"CREATE JOB ok EVERY '1 hour' AS SELECT 1", CodeDuplicateTable},
		{"CREATE JOB x EVERY 'often' AS SELECT 1", CodeInvalidParameter},
		{"CREATE JOB x EVERY '1 ms' AS SELECT 1", CodeInvalidParameter},
		{"CREATE JOB x EVERY '1 minute' AS SELECT * FROM nope", CodeUndefinedTable},
		{"CREATE JOB x EVERY '1 minute' AS SELEC 1", CodeSyntax},
		{"CREATE JOB x EVERY '1 minute' AS BEGIN", CodeFeature},
		{"CREATE JOB x EVERY '1 minute' AS SET kinesis.checkpoint.enabled = true", CodeFeature},
		{"CREATE JOB x EVERY '1 minute' AS DROP JOB ok", CodeFeature},
		{"CREATE JOB x EVERY '1 minute'", CodeSyntax},
		{"CREATE JOB x AS SELECT 1", CodeSyntax},
		{"CREATE JOB x EVERY '1 minute' AS", CodeSyntax},
		{"PAUSE JOB nope", CodeUndefinedObject},
		{"RESUME JOB nope", CodeUndefinedObject},
		{"DROP JOB nope", CodeUndefinedObject},
		{"DROP JOB ok extra", CodeSyntax},
	} {
		_, err := s.Query(context.Background(), c.q)
		if err == nil {
			t.Errorf("%s: no error", c.q)
			continue
		}
		if got := sqlErr(t, err); got.Code != c.code {
			t.Errorf("%s: code %s (%s), want %s", c.q, got.Code, got.Message, c.code)
		}
	}
	if r := exec(t, s, "CREATE JOB IF NOT EXISTS ok EVERY '1 hour' AS SELECT 1"); len(r.Notices()) != 1 {
		t.Fatalf("notices %v", r.Notices())
	}
	if r := exec(t, s, "DROP JOB IF EXISTS nope"); len(r.Notices()) != 1 {
		t.Fatalf("notices %v", r.Notices())
	}
	// Unquoted names fold to lower case; quoted ones keep theirs.
	exec(t, s, `CREATE JOB "MixedCase" EVERY 5 minutes AS SELECT 1`)
	if got := strings.Join(rows(t, s, "SELECT name || ':' || every FROM rheo_jobs ORDER BY name"), ","); got != "MixedCase:5 minutes,ok:1 hour" {
		t.Fatalf("jobs: %s", got)
	}
	exec(t, s, "PAUSE JOB OK")
	exec(t, s, "CREATE JOB semi EVERY '1 hour' AS SELECT 42;  -- done")
	if got := one(t, s, "SELECT statement FROM rheo_jobs WHERE name = 'semi'"); got != "SELECT 42" {
		t.Fatalf("stored statement %q", got)
	}
	// Describe (pgwire Parse) of job statements.
	d, err := s.Describe(context.Background(), "SHOW JOBS")
	if err != nil || len(d.Columns) == 0 || d.Columns[0].Name != "name" {
		t.Fatalf("describe SHOW JOBS: %+v %v", d, err)
	}
	if d, err := s.Describe(context.Background(), "PAUSE JOB ok"); err != nil || d.Columns != nil {
		t.Fatalf("describe PAUSE JOB: %+v %v", d, err)
	}
}

func TestParseInterval(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"1 minute", time.Minute},
		{"30 seconds", 30 * time.Second},
		{"5m", 5 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"200 milliseconds", 200 * time.Millisecond},
		{"200ms", 200 * time.Millisecond},
		{"1 hour 30 minutes", 90 * time.Minute},
		{"INTERVAL 2 HOURS", 2 * time.Hour},
		{"1.5 s", 1500 * time.Millisecond},
		{"5min", 5 * time.Minute},
		{"1 day", 24 * time.Hour},
		{" 10 sec ", 10 * time.Second},
	} {
		got, err := parseInterval(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "minute", "1", "1 fortnight", "-1 minute", "50ms", "0s", "1e3 seconds", "400 days", "1 minute 2", "NaN s", "Inf seconds"} {
		if d, err := parseInterval(bad); err == nil {
			t.Errorf("parseInterval(%q) = %v, want an error", bad, d)
		}
	}
}

func FuzzParseInterval(f *testing.F) {
	for _, s := range []string{"1 minute", "5m", "1h30m", "INTERVAL 2 hours", "1.5 s", "0.0000001 ms", "99999999999 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseInterval(s)
		if err == nil && (d < minJobInterval || d > maxJobInterval) {
			t.Fatalf("parseInterval(%q) = %v: out of bounds without an error", s, d)
		}
	})
}

func FuzzParseJobStatement(f *testing.F) {
	for _, s := range []string{
		"CREATE JOB j EVERY '1 minute' AS INSERT INTO t SELECT 1",
		"CREATE JOB IF NOT EXISTS \"J\" EVERY 5 minutes AS SELECT 1",
		"DROP JOB IF EXISTS j", "PAUSE JOB j", "RESUME JOB j", "SHOW JOBS", "CREATE JOB j EVERY AS x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := lex(s, false)
		if err != nil || !isJobStatement(toks) {
			return
		}
		js, err := parseJobStatement(s, toks)
		if err != nil {
			return
		}
		if js.verb != "show" && js.name == "" {
			t.Fatalf("%q: empty name", s)
		}
		if js.verb == "create" && (js.statement == "" || js.interval < minJobInterval) {
			t.Fatalf("%q: parsed %+v", s, js)
		}
	})
}

func TestJobRedshiftCopy(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	src := filepath.Join(e.dir, "in.txt")
	if err := os.WriteFile(src, []byte("1|a\n2|b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exec(t, s, "CREATE TABLE cp (id INT, v VARCHAR)")
	exec(t, s, "CREATE JOB loader EVERY '1 hour' AS COPY cp FROM '"+src+"' DELIMITER '|'")
	waitFor(t, 10*time.Second, "the first load", func() bool { return maxIter(t, s, "loader") == 0 })
	if got := one(t, s, `SELECT "rows", error IS NULL FROM rheo_job_runs WHERE job = 'loader'`); got != "2|true" {
		t.Fatalf("history: %s", got)
	}
	if got := one(t, s, "SELECT count(*), max(v) FROM cp"); got != "2|b" {
		t.Fatalf("cp: %s", got)
	}
}

// TestJobHistoryIsBounded: the history keeps the last jobKeep iterations
// (pruned every jobPruneEvery runs, in the run's transaction) and the job
// carries on from its latest row.
func TestJobHistoryIsBounded(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	e.eng.jobKeep, e.eng.jobPruneEvery = 5, 2
	def := jobDef{Name: "pruned", Every: "1 hour", Interval: time.Hour,
		Statement: "INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t"}
	for i := 0; i < 13; i++ {
		putIDs(e, "s", 2, i, i+1)
		run, err := e.eng.runJob(context.Background(), def, nil)
		if err != nil || run.iteration != int64(i) {
			t.Fatalf("run %d: iteration %d, %v", i, run.iteration, err)
		}
	}
	// The last prune ran at iteration 12 and dropped iterations <= 7.
	if got := one(t, s, "SELECT count(*), min(iteration), max(iteration) FROM rheo_job_runs WHERE job = 'pruned'"); got != "5|8|12" {
		t.Fatalf("history count, min, max = %s, want 5|8|12", got)
	}
	checkOut(t, s, 13)
	putIDs(e, "s", 2, 13, 14)
	if run, err := e.eng.runJob(context.Background(), def, nil); err != nil || run.iteration != 13 {
		t.Fatalf("after pruning: iteration %d, %v; want 13", run.iteration, err)
	}
	checkOut(t, s, 14)
}

// A job's statement may use what a session's may: Redshift's functions
// (getdate) are rewritten when CREATE JOB checks the statement, as when
// it runs.
func TestJobRedshiftFunctions(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	putIDs(e, "s", 2, 0, 3)
	exec(t, s, "CREATE TABLE g (id INT, ts TIMESTAMP)")
	exec(t, s, "CREATE JOB gd EVERY '200 milliseconds' AS INSERT INTO g SELECT id, nvl(NULL, getdate()) FROM t")
	waitFor(t, 10*time.Second, "rows", func() bool { return one(t, s, "SELECT count(ts) FROM g") == "3" })
	if got := one(t, s, "SELECT last_error IS NULL FROM rheo_jobs WHERE name = 'gd'"); got != "true" {
		t.Fatalf("job error: %v", rows(t, s, "SELECT last_error FROM rheo_jobs"))
	}
}
