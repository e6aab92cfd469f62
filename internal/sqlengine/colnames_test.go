package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// TestPostgresColumnNames: result columns are named as Postgres names
// them (count, sum, ?column?, the column under a cast, ...), not after
// DuckDB's expression text (count_star(), (id + 1)), through Query and
// Describe alike, so BI tools and pandas find the columns they expect.
func TestPostgresColumnNames(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("ev", 1)
	e.put("ev", 0, "k", `{"id":1,"tags":["a"]}`)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE ev (id INT, tags ARRAY<STRING>) FROM STREAM 'ev' FORMAT json")
	exec(t, s, "CREATE TABLE w (id INTEGER, s VARCHAR, st STRUCT(a INT), l INT[], ts TIMESTAMP, \"MixedCase\" INT)")
	exec(t, s, "INSERT INTO w VALUES (1, 'x', {'a': 1}, [1], '2024-01-02', 7)")
	for _, tc := range []struct{ q, want string }{
		{"SELECT count(*), sum(id), max(id), count(DISTINCT id) FROM w", "count sum max count"},
		{"SELECT id + 1, 1, 'a', NULL, -id, s || 'x', id = 1, s IS NULL, $$x$$ FROM w", "?column? ?column? ?column? ?column? ?column? ?column? ?column? ?column? ?column?"},
		{"SELECT id, w.s, ID, id::text, CAST(id AS BIGINT), ID::text FROM w", "id s id id id id"},
		{"SELECT true, 1::int, 'a'::text, 2::bigint, CAST('2024-01-01' AS date), '1.5'::numeric(10,2) FROM w", "bool int4 text int8 date numeric"},
		{"SELECT upper(s), coalesce(s, 'z'), nullif(id, 2), greatest(id, 2), now() IS NOT NULL, COUNT(id) OVER () FROM w", "upper coalesce nullif greatest ?column? count"},
		{"SELECT CASE WHEN id > 0 THEN 1 END, CASE WHEN id > 0 THEN 1 ELSE id END, EXISTS (SELECT 1), (SELECT 1), (SELECT max(id) FROM w), (SELECT s AS z FROM w) FROM w", "case id exists ?column? max z"},
		{"SELECT ARRAY[1, 2], l[1], st.a, (st).a, extract(year FROM ts), date_part('year', ts), trim(s), row_number() OVER (), count(*) OVER () FROM w", "array l a a extract date_part btrim row_number count"},
		{"SELECT count(*) AS Total, count(*) AS \"Total2\", id AS n, \"MixedCase\", \"MixedCase\" + 1 AS x FROM w GROUP BY id, \"MixedCase\"", "total Total2 n MixedCase x"},
		{"SELECT * FROM (SELECT count(*), sum(id) FROM w) q", "count sum"},
		{"WITH c AS (SELECT sum(id) FROM w) SELECT * FROM c", "sum"},
		{"SELECT count(*) FROM w UNION ALL SELECT 1", "count"},
		{"VALUES (1, 'a')", "column1 column2"},
		{"SELECT *, count(*) OVER () FROM w", "id s st l ts MixedCase count"},
		{"SELECT * FROM (SELECT 1) v(a)", "a"},
		{"SELECT count(*), min(_arrival_time) FROM ev WHERE id = $1", "count min"},
		{"SELECT current_setting('TimeZone'), current_setting('kinesis.checkpoint.enabled')", "current_setting current_setting"},
		{"FROM w SELECT count(*)", "count"},
		// Casts rheo rewrites to calls (pgcompat.go).
		{"SELECT c.oid::regclass, c.relname, 'w'::regclass FROM pg_catalog.pg_class c WHERE c.oid = 'w'::regclass", "oid relname regclass"},
	} {
		var args []any
		if strings.Contains(tc.q, "$1") {
			args = []any{1}
		}
		r := exec(t, s, tc.q, args...)
		var got []string
		for _, c := range r.Columns() {
			got = append(got, c.Name)
		}
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		r.Close()
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s:\n columns %q\n want    %q", tc.q, strings.Join(got, " "), tc.want)
		}
		d, err := s.Describe(context.Background(), tc.q)
		if err != nil {
			t.Fatalf("describe %s: %v", tc.q, err)
		}
		got = got[:0]
		for _, c := range d.Columns {
			got = append(got, c.Name)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("describe %s:\n columns %q\n want    %q", tc.q, strings.Join(got, " "), tc.want)
		}
	}
	// Statements that are not queries keep their own names.
	if got := strings.Join(rows(t, s, "SHOW TimeZone"), ","); got == "" {
		t.Error("SHOW TimeZone returned nothing")
	}
}
