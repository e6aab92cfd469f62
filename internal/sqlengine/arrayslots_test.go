package sqlengine

import (
	"context"
	"slices"
	"testing"
)

// TestArraySlots: parameters and array text where Postgres expects an
// array get a list type and run. DuckDB left $1 in "id = ANY($1)"
// untyped (and every other parameter with it) and gave "$1::BIGINT[]"
// and a list column's INSERT value only as a list without its element,
// so the Postgres endpoint described them as text and pgx could not
// send a Go slice; DuckDB does not read Postgres's array text, so
// pgx's simple protocol ('{1,2}' inlined) and psql's '{1,2}'::int[]
// failed.
func TestArraySlots(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	exec(t, s, "CREATE TABLE a (id BIGINT, name VARCHAR, ns INTEGER[], tags VARCHAR[])")
	exec(t, s, "INSERT INTO a VALUES (1, 'x', [1], ['p']), (2, 'y', [2, 3], []), (3, 'z', NULL, NULL)")

	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"SELECT id FROM a WHERE id = ANY($1) ORDER BY id", []string{"BIGINT[]"}},
		{"SELECT id FROM a WHERE name = $2 AND id <> ALL ($1)", []string{"BIGINT[]", "VARCHAR"}},
		{"SELECT $1::int[], CAST($2 AS double precision[])", []string{"INTEGER[]", "DOUBLE[]"}},
		{"INSERT INTO a (id, ns, tags) VALUES ($1, $2, $3), (4, $4, NULL)", []string{"BIGINT", "INTEGER[]", "VARCHAR[]", "INTEGER[]"}},
		{"INSERT INTO a VALUES ($1, $2, $3, $4)", []string{"BIGINT", "VARCHAR", "INTEGER[]", "VARCHAR[]"}},
		{"UPDATE a SET tags = $1 WHERE id = $2", []string{"VARCHAR[]", "BIGINT"}},
	} {
		d, err := s.Describe(ctx, c.sql)
		if err != nil {
			t.Errorf("Describe %s: %v", c.sql, err)
			continue
		}
		if !slices.Equal(d.ParamTypes, c.want) {
			t.Errorf("Describe %s: parameters %q, want %q", c.sql, d.ParamTypes, c.want)
		}
	}

	// The values as the Postgres endpoint passes array parameters: DuckDB
	// list text.
	if got := rows(t, s, "SELECT id FROM a WHERE id = ANY($1) ORDER BY id", `["1", "3"]`); !slices.Equal(got, []string{"1", "3"}) {
		t.Errorf("= ANY($1): %v", got)
	}
	if got := rows(t, s, "SELECT id FROM a WHERE name = $2 AND id <> ALL($1)", `["1"]`, "y"); !slices.Equal(got, []string{"2"}) {
		t.Errorf("<> ALL($1): %v", got)
	}
	// Postgres's array text inlined, as pgx's simple protocol and psql
	// users write it.
	for q, want := range map[string]string{
		"SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM a WHERE id = ANY('{1,2}')": "1,2",
		"SELECT count(*) FROM a WHERE name <> ALL ('{x, \"y\"}')":                        "1",
		"SELECT '{1,NULL,3}'::int[], CAST('{\"a b\",c}' AS TEXT[]), '{}'::bigint[]":      "[1 <nil> 3]|[a b c]|[]",
		"SELECT '{\"not\": \"an array\"}'":                                               `{"not": "an array"}`,
		"SELECT id FROM a WHERE ns = '{2,3}'::int[]":                                     "2",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	exec(t, s, "INSERT INTO a VALUES (5, '{json}', '{5,6}', '{q,\"r s\"}')")
	if got := one(t, s, "SELECT name, ns, tags FROM a WHERE id = 5"); got != "{json}|[5 6]|[q r s]" {
		t.Errorf("INSERT of array text: %q", got)
	}
	exec(t, s, "UPDATE a SET tags = '{u}', name = '{v}' WHERE id = 5")
	if got := one(t, s, "SELECT name, tags FROM a WHERE id = 5"); got != "{v}|[u]" {
		t.Errorf("UPDATE to array text: %q", got)
	}
	// A statement with nothing of this is left as it is.
	if rw := s.arraySlots(ctx, "SELECT '{1}', $1 FROM a", mustLex(t, "SELECT '{1}', $1 FROM a")); rw.sql != "SELECT '{1}', $1 FROM a" || rw.params != nil {
		t.Errorf("unrelated statement rewritten: %+v", rw)
	}
}

// TestListColumnTypes: a table's list columns are Postgres arrays in
// pg_attribute, as results send them, where they were DuckDB's "list"
// (psql's \d showed "list", pgjdbc's getColumns OTHER).
func TestListColumnTypes(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE l (id INTEGER, ns INTEGER[], tags VARCHAR[], ds DOUBLE[], amts DECIMAL(10,2)[], fixed BIGINT[3], nested INTEGER[][])")
	got := rows(t, s, "SELECT attname, atttypid, pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "+
		"WHERE attrelid = (SELECT oid FROM pg_catalog.pg_class WHERE relname = 'l') ORDER BY attnum")
	want := []string{"id|23|integer", "ns|1007|integer[]", "tags|1015|character varying[]", "ds|1022|double precision[]",
		"amts|1231|numeric[]", "fixed|1016|bigint[]", "nested|100101|list"}
	if !slices.Equal(got, want) {
		t.Errorf("pg_attribute:\n got %q\nwant %q", got, want)
	}
}

// FuzzFindArraySlots: any statement that lexes gives slots inside it, in
// order, each within its ANY ( ... ) span, and never panics (it runs on
// every statement a client sends).
func FuzzFindArraySlots(f *testing.F) {
	for _, s := range []string{
		"SELECT id FROM a WHERE id = ANY($1)",
		"SELECT 1 WHERE x <> ALL ('{1,2}') AND y = SOME ($2)",
		"SELECT $1::int[], CAST($2 AS double precision[]), '{a,\"b c\"}'::text[]",
		"INSERT INTO a VALUES ($1, '{1}', ($2)), ($3, $4)",
		"INSERT INTO a (ns, tags) VALUES ('{}', $1)",
		"UPDATE a SET ns = $1, tags = '{x}' WHERE id = $2 RETURNING *",
		"SELECT $1::int[][], CAST($1 AS int[3])",
		"INSERT INTO",
		"SELECT = ANY ( $",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := lex(s, false)
		if err != nil {
			return
		}
		slots, maxParam := findArraySlots(s, toks)
		last := -1
		for _, sl := range slots {
			if sl.start < 0 || sl.start >= sl.end || sl.end > len(s) || sl.start < last {
				t.Fatalf("slot %+v out of place in %q", sl, s)
			}
			last = sl.end
			if sl.param > maxParam {
				t.Fatalf("slot $%d above the highest parameter %d in %q", sl.param, maxParam, s)
			}
			if sl.anyEnd > 0 && (sl.anyStart > sl.start || sl.anyEnd < sl.end || sl.anyEnd > len(s)) {
				t.Fatalf("ANY span %d..%d does not hold slot %d..%d in %q", sl.anyStart, sl.anyEnd, sl.start, sl.end, s)
			}
		}
	})
}
