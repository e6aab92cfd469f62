package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// A row value, (1,2,3) or ROW(...) (what psycopg2 sends for a Python
// tuple), is DuckDB's unnamed struct, which the driver cannot read ("API
// error: empty name"); it comes as Postgres's record text, (1,"a b",,t). As in
// Postgres, a field with a backslash (bytea's \x) is quoted.
func TestRowValue(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	for q, want := range map[string]string{
		"SELECT (1,2,3)": "(1,2,3)",
		`SELECT ROW(1, 'a b', NULL, true, '', 'q"\', 2.5::DOUBLE, '\x0aff'::BLOB) AS r, 7 AS n`: `(1,"a b",,t,"","q""\\",2.5,"\\x0aff")|7`,
		"SELECT x FROM (VALUES (1), (2)) v(a), LATERAL (SELECT (a, a * 2) AS x) ORDER BY a":     "(1,2) (2,4)",
		"SELECT CASE WHEN random() < 2 THEN NULL ELSE (1, 2) END":                               "NULL",
	} {
		got, err := tryRows(s, q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %s, want %s", q, strings.Join(got, " "), want)
		}
	}
	r, err := s.Query(context.Background(), "SELECT (1,2,3)")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if cols := r.Columns(); len(cols) != 1 || cols[0].Type != "VARCHAR" || cols[0].Name != "row" {
		t.Errorf("columns %+v, want row VARCHAR", cols)
	}
}
