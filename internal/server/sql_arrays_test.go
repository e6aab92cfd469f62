package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestSQLArrays: DuckDB lists reach Postgres clients as Postgres arrays
// (int4[], text[], ...), which pgx reads in binary, psql and pgjdbc in
// text and binary, and psycopg2 as lists: SQLAlchemy's
// get_unique_constraints read pg_constraint.conkey, sent as the JSON text
// "[2]", and failed with KeyError '['. Lists go back in through COPY
// (text and binary) and array parameters.
func TestSQLArrays(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE TABLE arr (id INTEGER, ns INTEGER[], tags VARCHAR[], ds DATE[], nested INTEGER[][])"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO arr VALUES (1, [1, NULL, 3], ['a b', '', NULL, 'NULL', 'x"y', 'q\z', '{}'], [DATE '2024-02-29'], [[1], [2, 3]]), (2, [], [], NULL, NULL)`); err != nil {
		t.Fatal(err)
	}

	// pgx: binary arrays.
	var (
		ns     []*int32
		tags   []*string
		ds     []time.Time
		nested string
	)
	if err := c.QueryRow(ctx, "SELECT ns, tags, ds, nested FROM arr WHERE id = 1").Scan(&ns, &tags, &ds, &nested); err != nil {
		t.Fatalf("pgx scan: %v", err)
	}
	if len(ns) != 3 || *ns[0] != 1 || ns[1] != nil || *ns[2] != 3 {
		t.Errorf("ns = %v", ns)
	}
	var ts []string
	for _, p := range tags {
		if p == nil {
			ts = append(ts, "<nil>")
		} else {
			ts = append(ts, *p)
		}
	}
	if !slices.Equal(ts, []string{"a b", "", "<nil>", "NULL", `x"y`, `q\z`, "{}"}) {
		t.Errorf("tags = %q", ts)
	}
	if len(ds) != 1 || !ds[0].Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ds = %v", ds)
	}
	if nested != "[[1],[2,3]]" { // a list of lists stays JSON text
		t.Errorf("nested = %q", nested)
	}
	// pgx's CopyFrom encodes the int4[] and text[] columns in binary.
	n, err := c.CopyFrom(ctx, pgx.Identifier{"arr"}, []string{"id", "ns", "tags"},
		pgx.CopyFromRows([][]any{{int32(3), []int32{7, 8}, []string{"c,d", `e"f`}}, {int32(4), []*int32{nil}, nil}}))
	if err != nil || n != 2 {
		t.Fatalf("CopyFrom: %d, %v", n, err)
	}
	var got string
	if err := c.QueryRow(ctx, "SELECT list_sum(ns)::VARCHAR || tags[1] || tags[2] || len((SELECT ns FROM arr WHERE id = 4))::VARCHAR FROM arr WHERE id = 3").Scan(&got); err != nil || got != `15c,de"f1` {
		t.Errorf("rows of CopyFrom: %q, %v", got, err)
	}

	// psql: text arrays as Postgres prints them, through \copy and back.
	if _, err := exec.LookPath("psql"); err == nil {
		out, err := psqlOn(s, "-A", "-t", "-c", "SELECT ns, tags, ds, nested FROM arr WHERE id <= 2 ORDER BY id")
		if want := `{1,NULL,3}|{"a b","",NULL,"NULL","x\"y","q\\z","{}"}|{2024-02-29}|[[1],[2,3]]` + "\n{}|{}||\n"; err != nil || out != want {
			t.Errorf("psql:\n got %q\nwant %q (%v)", out, want, err)
		}
		// \d names list columns as Postgres names array columns.
		out, err = psqlOn(s, "-c", `\d arr`)
		if err != nil || !strings.Contains(out, " ns     | integer[]         ") || !strings.Contains(out, " tags   | character varying[] ") {
			t.Errorf("\\d arr: %v\n%s", err, out)
		}
		dir := t.TempDir()
		f := filepath.Join(dir, "arr.txt")
		out, err = psqlOn(s, "-c", `\copy (SELECT * FROM arr ORDER BY id) TO '`+f+`'`,
			"-c", "CREATE TABLE arr2 AS SELECT * FROM arr LIMIT 0", "-c", `\copy arr2 FROM '`+f+`'`,
			"-A", "-t", "-c", "SELECT count(*) FROM arr JOIN arr2 USING (id) WHERE arr.ns IS NOT DISTINCT FROM arr2.ns "+
				"AND arr.tags IS NOT DISTINCT FROM arr2.tags AND arr.ds IS NOT DISTINCT FROM arr2.ds AND arr.nested IS NOT DISTINCT FROM arr2.nested")
		if b, _ := os.ReadFile(f); err != nil || !strings.HasSuffix(out, "\n4\n") {
			t.Errorf("\\copy out and back in: %v\n%s\nfile:\n%s", err, out, b)
		}
	}

	// SQLAlchemy's reflection of unique constraints (Debian's python3-sqlalchemy and psycopg2).
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import sqlalchemy, psycopg2").Run() == nil {
		if _, err := c.Exec(ctx, "CREATE TABLE par (id INTEGER PRIMARY KEY, code VARCHAR UNIQUE)"); err != nil {
			t.Fatal(err)
		}
		script := `import sys
from sqlalchemy import create_engine, inspect, MetaData, Table
e = create_engine(sys.argv[1])
print(inspect(e).get_unique_constraints('par'))
print(sorted(c.name for c in Table('par', MetaData(), autoload_with=e).columns))
with e.connect() as c:
    print(c.exec_driver_sql("SELECT ns, tags FROM arr WHERE id = 1").fetchall())
`
		url := "postgresql+psycopg2://rheo@" + s.PGAddr().String() + "/rheo"
		b, err := exec.CommandContext(ctx, py, "-c", script, url).CombinedOutput()
		want := "[{'name': 'par_code_key', 'column_names': ['code']}]\n['code', 'id']\n" +
			`[([1, None, 3], ['a b', '', None, 'NULL', 'x"y', 'q\\z', '{}'])]` + "\n"
		if err != nil || string(b) != want {
			t.Errorf("SQLAlchemy: %v\n got %s\nwant %s", err, b, want)
		}
	} else {
		t.Log("SQLAlchemy or psycopg2 not installed for /usr/bin/python3: skipped")
	}

	// pgjdbc: getArray in text and, from the fifth execution, binary; setArray.
	if _, err := exec.LookPath("java"); err == nil {
		if _, err := os.Stat(pgjdbcJar); err == nil {
			url := "jdbc:postgresql://" + s.PGAddr().String() + "/rheo?sslmode=disable"
			b, err := exec.CommandContext(ctx, "java", "-cp", pgjdbcJar, "testdata/JdbcArrays.java", url).CombinedOutput()
			want := strings.Repeat("_int4 [1, null, 3] _text [a b, , null, NULL, x\"y, q\\z, {}]\n", 7) + "5 {5,NULL,3} [a b, x\"y, null, , NULL, q\\z]\n"
			if err != nil || string(b) != want {
				t.Errorf("JdbcArrays: %v\n got %s\nwant %s", err, b, want)
			}
		}
	}
}

// TestSQLPgxArrayParams: pgx sends Go slices where Postgres infers an
// array parameter (= ANY($1), <> ALL($1), a list column's INSERT value, a
// cast), in each of its query modes; the simple protocol inlines them as
// array text ('{1,2}'). The endpoint described such parameters as text,
// and pgx failed with "unable to encode []int64{1, 2} into text format".
func TestSQLPgxArrayParams(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE TABLE ap (id BIGINT, n INTEGER, s VARCHAR, f DOUBLE, b BOOLEAN, ts TIMESTAMPTZ, ns INTEGER[], tags VARCHAR[])"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "INSERT INTO ap VALUES (1, 1, 'a', 1.5, true, '2024-01-01 00:00:00+00', NULL, NULL), (2, 2, 'b', 2.5, false, '2024-01-02 00:00:00+00', NULL, NULL), (3, 3, 'c', 3.5, true, '2024-01-03 00:00:00+00', NULL, NULL)"); err != nil {
		t.Fatal(err)
	}
	day2 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		ids := func(q string, args ...any) []int64 {
			t.Helper()
			rows, err := c.Query(ctx, q, append([]any{mode}, args...)...)
			if err != nil {
				t.Errorf("%v: %s: %v", mode, q, err)
				return nil
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Errorf("%v: %s: %v", mode, q, err)
			}
			return got
		}
		for _, c := range []struct {
			q    string
			arg  any
			want []int64
		}{
			{"SELECT id FROM ap WHERE id = ANY($1) ORDER BY id", []int64{1, 3}, []int64{1, 3}},
			{"SELECT id FROM ap WHERE id < 100 AND id <> ALL($1) ORDER BY id", []int64{1, 3}, []int64{2}},
			{"SELECT id FROM ap WHERE n = ANY($1) ORDER BY id", []int32{2}, []int64{2}},
			{"SELECT id FROM ap WHERE s = ANY($1) ORDER BY id", []string{"a", "c", "it's"}, []int64{1, 3}},
			{"SELECT id FROM ap WHERE f = ANY($1) ORDER BY id", []float64{2.5}, []int64{2}},
			{"SELECT id FROM ap WHERE b = ANY($1) ORDER BY id", []bool{false}, []int64{2}},
			{"SELECT id FROM ap WHERE ts = ANY($1) ORDER BY id", []time.Time{day2}, []int64{2}},
			{"SELECT id FROM ap WHERE id = ANY($1::BIGINT[]) ORDER BY id", []int64{2}, []int64{2}},
		} {
			if got := ids(c.q, c.arg); !slices.Equal(got, c.want) {
				t.Errorf("%v: %s %v = %v, want %v", mode, c.q, c.arg, got, c.want)
			}
		}
		id := int64(100 + mode)
		if _, err := c.Exec(ctx, "INSERT INTO ap (id, ns, tags) VALUES ($1, $2, $3)", mode, id, []int32{4, 5}, []string{"p", `q"r`}); err != nil {
			t.Errorf("%v: insert of slices: %v", mode, err)
			continue
		}
		var (
			ns   []int32
			tags []string
		)
		if err := c.QueryRow(ctx, "SELECT ns, tags FROM ap WHERE id = $1", id).Scan(&ns, &tags); err != nil || !slices.Equal(ns, []int32{4, 5}) || !slices.Equal(tags, []string{"p", `q"r`}) {
			t.Errorf("%v: inserted slices read back as %v %q, %v", mode, ns, tags, err)
		}
	}
}
