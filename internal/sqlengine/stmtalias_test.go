package sqlengine

import (
	"context"
	"fmt"
	"testing"
)

// TestDescribeAgreesWithResult: the types Describe gives (pgwire's
// RowDescription for a prepared statement) are those of the rows the
// statement returns, JSON included, which duckdb-go's Stmt reports as
// VARCHAR; a $1::json parameter is JSON too.
func TestDescribeAgreesWithResult(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE jt (id INTEGER, doc JSON, docs JSON[], s VARCHAR)").Close()
	for _, q := range []string{
		"SELECT doc, s, id FROM jt",
		"SELECT doc->'$.a', doc->>'a' FROM jt",
		`SELECT '{"a":1}'::json, '{}'::jsonb, json_object('a', 1), to_json(1)`,
		"SELECT $1::json",
		"SELECT docs, [s], [doc] FROM jt",
	} {
		d, err := s.Describe(context.Background(), q)
		if err != nil {
			t.Fatalf("describe %s: %v", q, err)
		}
		var args []any
		if len(d.ParamTypes) == 1 {
			args = []any{"{}"}
		}
		r := exec(t, s, q, args...)
		if got, want := fmt.Sprint(d.Columns), fmt.Sprint(r.Columns()); got != want {
			t.Errorf("%s:\n described %s\n returns   %s", q, got, want)
		}
		r.Close()
	}
	d, err := s.Describe(context.Background(), "SELECT $1::json, $2::varchar")
	if err != nil || fmt.Sprint(d.ParamTypes) != "[JSON VARCHAR]" {
		t.Errorf("parameters of $1::json, $2::varchar: %v, %v", d, err)
	}
}
