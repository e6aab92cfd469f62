package sqlengine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// limited runs q with QueryLimit and returns its column names and rows.
func limited(t *testing.T, s *Session, q string, limit int) ([]string, []string, error) {
	t.Helper()
	r, err := s.QueryLimit(context.Background(), q, limit)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var names, out []string
	for _, c := range r.Columns() {
		names = append(names, c.Name)
	}
	for r.Next() {
		parts := make([]string, len(r.Row()))
		for i, v := range r.Row() {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return names, out, r.Err()
}

// QueryLimit computes only the rows it returns: a row past the limit that
// would fail the query is never evaluated (DuckDB builds whole results, so
// a console preview of a big table held all of it). Names, order, errors
// and statements that are not queries are as with Query.
func TestQueryLimit(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	const late = "SELECT CASE WHEN range < 1000000 THEN range ELSE error('row ' || range || ' computed') END AS n FROM range(2000000)"
	if _, err := tryRows(s, late); err == nil || !strings.Contains(err.Error(), "computed") {
		t.Fatalf("without a limit the late row must fail the query: %v", err)
	}
	if names, got, err := limited(t, s, late, 3); err != nil || strings.Join(got, " ") != "0 1 2" || names[0] != "n" {
		t.Fatalf("limited: %v %v %v", names, got, err)
	}

	exec(t, s, "CREATE TABLE t (k INT, v VARCHAR)")
	exec(t, s, "INSERT INTO t SELECT range, 'v' || range FROM range(100000)")
	for _, tc := range []struct {
		q, names, rows string
	}{
		{"SELECT count(*), sum(k) FROM t", "count,sum", "100000|4999950000"},
		{"SELECT k FROM t ORDER BY k DESC -- newest first", "k", "99999 99998"},
		{"WITH x AS (SELECT k FROM t WHERE k < 5) SELECT k * 2 AS twice FROM x ORDER BY k;", "twice", "0 2"},
		{"FROM t SELECT v WHERE k = 7", "v", "v7"},
		{"VALUES (1, 'a'), (2, 'b')", "column1,column2", "1|a 2|b"},
		{"SELECT 1 AS a, 2 AS a", "a,a", "1|2"},
	} {
		names, got, err := limited(t, s, tc.q, 2)
		if err != nil || strings.Join(names, ",") != tc.names || strings.Join(got, " ") != tc.rows {
			t.Errorf("%s: names %v rows %v err %v; want %s / %s", tc.q, names, got, err, tc.names, tc.rows)
		}
	}

	// Errors are the statement's own, positions included.
	_, plain := tryRows(s, "SELECT nope FROM t")
	_, _, lim := limited(t, s, "SELECT nope FROM t", 2)
	if plain == nil || lim == nil || plain.Error() != lim.Error() {
		t.Errorf("error with a limit %v, without %v", lim, plain)
	}
	// Not a query: runs as it is.
	if _, _, err := limited(t, s, "INSERT INTO t VALUES (-1, 'x')", 2); err != nil {
		t.Fatal(err)
	}
	if got := one(t, s, "SELECT count(*) FROM t WHERE k = -1"); got != "1" {
		t.Errorf("insert under QueryLimit: %s", got)
	}
}

// A checkpointed iteration first run under QueryLimit (the console) fixes
// the same window as a run without: both prepare their scans, the
// iteration is recorded once, and a re-run returns its rows.
func TestQueryLimitIteration(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "k", "1", "2", "3")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE t (id INT) FROM STREAM 's' FORMAT csv")
	exec(t, s, "SET kinesis.checkpoint.enabled = true")
	exec(t, s, "SET kinesis.checkpoint.logical.name = preview")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 0")
	if _, got, err := limited(t, s, "SELECT id FROM t ORDER BY id", 2); err != nil || strings.Join(got, " ") != "1 2" {
		t.Fatalf("preview: %v %v", got, err)
	}
	e.put("s", 0, "k", "4")
	if got := strings.Join(rows(t, s, "SELECT id FROM t ORDER BY id"), " "); got != "1 2 3" {
		t.Fatalf("iteration 0 re-run: %s, want the window the preview fixed", got)
	}
	if got := one(t, s, "SELECT count(*) FROM rheo_iterations WHERE logical_name = 'preview'"); got != "1" {
		t.Fatalf("%s iteration rows, want 1 (one shard)", got)
	}
}
