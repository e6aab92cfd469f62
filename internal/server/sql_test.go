package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// startSQL starts a server with the Postgres endpoint on a free port.
func startSQL(t *testing.T) *Server {
	t.Helper()
	cfg := testConfig(t)
	cfg.PGListen = "127.0.0.1:0"
	cfg.SQLThreads = 1
	cfg.SQLMemoryLimit = "256MB"
	s := startTest(t, cfg)
	if s.PGAddr() == nil || !strings.HasPrefix(s.PGURL(), "postgres://rheo@127.0.0.1:") {
		t.Fatalf("Postgres endpoint not listening: %q", s.PGURL())
	}
	return s
}

func pgxConn(t *testing.T, s *Server) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(s.PGURL() + "?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 5 * time.Second}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgx connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func TestSQLPgx(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if _, err := c.Exec(ctx, "CREATE TABLE t (id INTEGER, name VARCHAR, score DOUBLE, ok BOOLEAN, happened TIMESTAMP, amount DECIMAL(12,2), day DATE, raw BLOB)"); err != nil {
		t.Fatalf("create: %v", err)
	}
	at := time.Date(2024, 3, 4, 5, 6, 7, 891000, time.UTC)
	day := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		tag, err := c.Exec(ctx, "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			int32(i), fmt.Sprintf("n%d", i), float64(i)+0.5, i%2 == 0, at.Add(time.Duration(i)*time.Hour), fmt.Sprintf("%d.25", i*100), day, []byte{byte(i), 0xff})
		if err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
		if tag.String() != "INSERT 0 1" {
			t.Errorf("insert tag %q", tag)
		}
	}
	var (
		name  string
		score float64
		ok    bool
		ts    time.Time
		amt   string
		d     time.Time
		raw   []byte
	)
	err := c.QueryRow(ctx, "SELECT name, score, ok, happened, amount::VARCHAR, day, raw FROM t WHERE id = $1", int32(2)).Scan(&name, &score, &ok, &ts, &amt, &d, &raw)
	if err != nil {
		t.Fatalf("select by parameter: %v", err)
	}
	if name != "n2" || score != 2.5 || !ok || !ts.Equal(at.Add(2*time.Hour)) || amt != "200.25" || !d.Equal(day) || !bytes.Equal(raw, []byte{2, 0xff}) {
		t.Errorf("row 2 = %q %v %v %v %q %v %x", name, score, ok, ts, amt, d, raw)
	}

	// Many rows, streamed.
	rows, err := c.Query(ctx, "SELECT i, 'x' || i::VARCHAR FROM range(50000) r(i)")
	if err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	for rows.Next() {
		var i int64
		var s string
		if err := rows.Scan(&i, &s); err != nil {
			t.Fatal(err)
		}
		if i != n || s != fmt.Sprintf("x%d", n) {
			t.Fatalf("row %d = %d %q", n, i, s)
		}
		n++
	}
	if rows.Err() != nil || n != 50000 {
		t.Fatalf("range: %d rows, %v", n, rows.Err())
	}

	// An error, and the connection keeps working.
	_, err = c.Exec(ctx, "SELEC 1")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42601" {
		t.Fatalf("bad SQL: %v, want SQLSTATE 42601", err)
	}
	_, err = c.Exec(ctx, "SELECT * FROM missing_table")
	if !errors.As(err, &pe) || pe.Code == "" || pe.Code == "XX000" {
		t.Errorf("missing table: %v, want a specific SQLSTATE", err)
	}
	var cnt int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&cnt); err != nil || cnt != 3 {
		t.Fatalf("count after errors = %d, %v", cnt, err)
	}

	// Cancel through the context.
	qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = c.Exec(qctx, "SELECT count(*) FROM range(10000000000) a(i), range(1000) b(j) WHERE i * j % 7 = 3")
	qcancel()
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled query: %v, want SQLSTATE 57014", err)
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&cnt); err != nil || cnt != 3 {
		t.Fatalf("count after cancel = %d, %v", cnt, err)
	}
}

// psqlOn runs psql with args against s's Postgres endpoint (stopping at
// the first error) and returns its combined output.
func psqlOn(s *Server, args ...string) (string, error) {
	host, port, _ := strings.Cut(s.PGAddr().String(), ":")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := append([]string{"-h", host, "-p", port, "-U", "rheo", "-d", "rheo", "-X", "-v", "ON_ERROR_STOP=1"}, args...)
	out, err := exec.CommandContext(ctx, "psql", a...).CombinedOutput()
	return string(out), err
}

func TestSQLPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	s := startSQL(t)
	psql := func(args ...string) (string, error) { return psqlOn(s, args...) }
	out, err := psql("-A", "-t", "-c", "SELECT 40 + 2 AS answer, 'hi' AS s")
	if err != nil || out != "42|hi\n" {
		t.Fatalf("psql -c = %q, %v", out, err)
	}
	file := filepath.Join(t.TempDir(), "script.sql")
	script := `CREATE TABLE k (a INTEGER, b VARCHAR);
INSERT INTO k VALUES (1, 'one'), (2, 'two');
-- a comment
SELECT b FROM k ORDER BY a;
SELECT count(*) AS n FROM k;
`
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = psql("-f", file)
	if err != nil {
		t.Fatalf("psql -f: %v\n%s", err, out)
	}
	for _, want := range []string{"CREATE TABLE", "INSERT 0 2", " one\n", " two\n", "(2 rows)", " n \n", "(1 row)"} {
		if !strings.Contains(out, want) {
			t.Errorf("psql -f output lacks %q:\n%s", want, out)
		}
	}
	out, err = psql("-c", "SELECT * FROM nope")
	if err == nil || !strings.Contains(out, "ERROR:") || !strings.Contains(out, "nope") {
		t.Errorf("psql on a missing table: %v\n%s", err, out)
	}
	// psql's listing commands read pg_catalog through the rewrites of
	// sqlengine/pgcompat.go.
	out, err = psql("-c", `\dt`, "-c", `\dn`, "-c", `\d`)
	if err != nil {
		t.Fatalf("psql \\dt \\dn \\d: %v\n%s", err, out)
	}
	for _, want := range []string{"List of relations", " public | k ", " table | rheo", "List of schemas", " public | rheo", " rheo_jobs "} {
		if !strings.Contains(out, want) {
			t.Errorf("psql listings lack %q:\n%s", want, out)
		}
	}
	// \d <table>, \l and \df need catalog columns and tables DuckDB lacks,
	// which the shim of sqlengine/pgcatalog.go completes.
	out, err = psql("-c", "CREATE VIEW kv AS SELECT a FROM k", "-c", "CREATE MACRO twice(x) AS x * 2",
		"-c", `\d k`, "-c", `\d kv`, "-c", `\l`, "-c", `\df`)
	if err != nil {
		t.Fatalf("psql \\d k, \\d kv, \\l, \\df: %v\n%s", err, out)
	}
	for _, want := range []string{"CREATE VIEW", "CREATE FUNCTION", `Table "public.k"`, " a      | integer ", " b      | character varying ",
		`View "public.kv"`, "List of databases", " warehouse | rheo  | UTF8 ", "List of functions", " public | twice | ", " x any "} {
		if !strings.Contains(out, want) {
			t.Errorf("psql \\d k, \\d kv, \\l, \\df output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rheo_pg") {
		t.Errorf("the catalog shim shows in psql's listings:\n%s", out)
	}
	// Keys and indexes as Postgres's psql prints them.
	out, err = psql("-c", "CREATE TABLE parent (id INTEGER PRIMARY KEY, code VARCHAR UNIQUE)",
		"-c", "CREATE TABLE child (id INTEGER, parent_id INTEGER REFERENCES parent (id))", "-c", "CREATE INDEX child_id ON child (id)",
		"-c", `\d parent`, "-c", `\d child`, "-c", `\di`)
	if err != nil {
		t.Fatalf("psql keys: %v\n%s", err, out)
	}
	for _, want := range []string{"Indexes:\n", `"parent_id_pkey" PRIMARY KEY, btree (id)`, `"parent_code_key" UNIQUE CONSTRAINT, btree (code)`,
		"Referenced by:\n", `TABLE "child" CONSTRAINT "child_parent_id_id_fkey" FOREIGN KEY (parent_id) REFERENCES parent(id)`,
		"Foreign-key constraints:\n", `"child_parent_id_id_fkey" FOREIGN KEY (parent_id) REFERENCES parent(id)`, `"child_id" art (id)`,
		"| parent_id_pkey "} {
		if !strings.Contains(out, want) {
			t.Errorf("psql keys output lacks %q:\n%s", want, out)
		}
	}
	// psql's other describe commands answer (ON_ERROR_STOP fails on any error).
	for _, cmd := range []string{`\dt+`, `\d+ parent`, `\dv+`, `\di+`, `\dn+`, `\l+`, `\df+`, `\du`, `\dx`, `\dT`, `\ds`, `\dm`, `\dE`, `\dp`, `\do`, `\dC`, `\dc`, `\dy`, `\db`} {
		if out, err := psql("-c", cmd); err != nil {
			t.Errorf("psql %s: %v\n%s", cmd, err, out)
		}
	}
	// Things psql and BI tools ask at connect do not break the session.
	out, err = psql("-A", "-t", "-c", "SELECT version()", "-c", "SHOW server_version", "-c", "SET application_name = 'bi'", "-c", "SELECT 1")
	if err != nil || !strings.Contains(out, "PostgreSQL 15.0") || !strings.HasSuffix(out, "1\n") {
		t.Errorf("connect-time queries: %v\n%s", err, out)
	}
}

// pgjdbcJar is where Debian's libpostgresql-jdbc-java puts pgjdbc.
const pgjdbcJar = "/usr/share/java/postgresql.jar"

// TestSQLJDBC browses the warehouse as JDBC tools do, with pgjdbc's
// DatabaseMetaData (testdata/JdbcProbe.java): schemas, tables and views,
// columns with their JDBC types, keys, indexes, functions and type info
// must all answer without an error. getIndexInfo listed no index made by
// CREATE INDEX (their pg_class rows had no access method), and named
// every column by the whole CREATE INDEX.
func TestSQLJDBC(t *testing.T) {
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("java not installed (.ci/run installs it)")
	}
	if _, err := os.Stat(pgjdbcJar); err != nil {
		t.Skip("pgjdbc not installed (.ci/run installs libpostgresql-jdbc-java)")
	}
	s := startSQL(t)
	out, err := psqlOn(s, "-c", "CREATE TABLE p (id BIGINT PRIMARY KEY)",
		"-c", "CREATE TABLE w (id BIGINT, name VARCHAR, score DOUBLE, ok BOOLEAN, happened TIMESTAMP, amount DECIMAL(12,2), tags VARCHAR[], pid BIGINT REFERENCES p (id))",
		"-c", "INSERT INTO w (id) VALUES (1), (2)", "-c", "CREATE VIEW wv AS SELECT id FROM w", "-c", "CREATE MACRO half(x) AS x / 2",
		"-c", `CREATE INDEX w_name ON w ("name", score)`)
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := "jdbc:postgresql://" + s.PGAddr().String() + "/rheo?sslmode=disable"
	b, err := exec.CommandContext(ctx, "java", "-cp", pgjdbcJar, "testdata/JdbcProbe.java", url, "w").CombinedOutput()
	out = string(b)
	if err != nil {
		t.Fatalf("JdbcProbe: %v\n%s", err, out)
	}
	if strings.Contains(out, "ERROR") {
		t.Errorf("a DatabaseMetaData call failed:\n%s", out)
	}
	for _, want := range []string{
		"product: PostgreSQL 15.0",
		"schemas: TABLE_SCHEM=public",
		"tables: TABLE_NAME=w TABLE_TYPE=TABLE", "tables: TABLE_NAME=wv TABLE_TYPE=VIEW",
		// java.sql.Types: BIGINT -5, VARCHAR 12, DOUBLE 8, BIT -7 (pgjdbc's boolean), TIMESTAMP 93, NUMERIC 2, OTHER 1111.
		"columns: COLUMN_NAME=id TYPE_NAME=int8 DATA_TYPE=-5", "columns: COLUMN_NAME=name TYPE_NAME=varchar DATA_TYPE=12",
		"columns: COLUMN_NAME=score TYPE_NAME=float8 DATA_TYPE=8", "columns: COLUMN_NAME=ok TYPE_NAME=bool DATA_TYPE=-7",
		"columns: COLUMN_NAME=happened TYPE_NAME=timestamp DATA_TYPE=93", "columns: COLUMN_NAME=amount TYPE_NAME=numeric DATA_TYPE=2",
		"columns: COLUMN_NAME=tags TYPE_NAME=_varchar DATA_TYPE=2003", "columns rows=8",
		"fkeys: FKCOLUMN_NAME=pid", "fkeys rows=1", "pkeys rows=0",
		// A CREATE INDEX index, with each key column (pg_get_indexdef(i, n, false)).
		"indexes: INDEX_NAME=w_name COLUMN_NAME=name", "indexes: INDEX_NAME=w_name COLUMN_NAME=score",
		"functions: FUNCTION_NAME=half",
		"typeinfo: TYPE_NAME=int8", "typeinfo: TYPE_NAME=varchar",
		"query: n=2",
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want+" ") {
			t.Errorf("JdbcProbe output lacks %q:\n%s", want, out)
		}
	}
}

// TestSQLPgxCopyFrom: pgx's CopyFrom (the binary COPY format) loads rows
// of the common types, NULLs included, into a warehouse table; a value
// the column cannot take fails the whole COPY and loads nothing.
func TestSQLPgxCopyFrom(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE TABLE w (id INTEGER, name VARCHAR, score DOUBLE, ok BOOLEAN, happened TIMESTAMP, amount DECIMAL(12,2), day DATE, raw BLOB, big BIGINT)"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 4, 5, 6, 7, 891000, time.UTC)
	day := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	cols := []string{"id", "name", "score", "ok", "happened", "amount", "day", "raw", "big"}
	var src [][]any
	for i := range 2000 {
		src = append(src, []any{int32(i), fmt.Sprintf("n\t%d \"q\" \\", i), float64(i) + 0.5, i%2 == 0, at.Add(time.Duration(i) * time.Second),
			fmt.Sprintf("%d.25", i), day, []byte{byte(i), 0xff, '"'}, int64(i) << 40})
	}
	src = append(src, []any{int32(-1), nil, nil, nil, nil, nil, nil, nil, nil})
	n, err := c.CopyFrom(ctx, pgx.Identifier{"w"}, cols, pgx.CopyFromRows(src))
	if err != nil || n != int64(len(src)) {
		t.Fatalf("CopyFrom: %d %v", n, err)
	}
	var (
		name   string
		score  float64
		ok     bool
		ts     time.Time
		amount string
		d      time.Time
		raw    []byte
		big    int64
	)
	if err := c.QueryRow(ctx, "SELECT name, score, ok, happened, amount::VARCHAR, day, raw, big FROM w WHERE id = 1999").Scan(&name, &score, &ok, &ts, &amount, &d, &raw, &big); err != nil {
		t.Fatal(err)
	}
	if name != "n\t1999 \"q\" \\" || score != 1999.5 || ok || !ts.Equal(at.Add(1999*time.Second)) || amount != "1999.25" || !d.Equal(day) ||
		!bytes.Equal(raw, []byte{1999 % 256, 0xff, '"'}) || big != 1999<<40 {
		t.Errorf("row 1999 = %q %v %v %v %q %v %x %d", name, score, ok, ts, amount, d, raw, big)
	}
	var nulls int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM w WHERE id = -1 AND name IS NULL AND raw IS NULL AND happened IS NULL").Scan(&nulls); err != nil || nulls != 1 {
		t.Errorf("NULL row: %d %v", nulls, err)
	}
	// A column list: the other columns are NULL.
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"w"}, []string{"name", "id"}, pgx.CopyFromRows([][]any{{"fine", int32(7000)}})); err != nil {
		t.Fatalf("CopyFrom with a column list: %v", err)
	}
	if err := c.QueryRow(ctx, "SELECT name FROM w WHERE id = 7000 AND score IS NULL").Scan(&name); err != nil || name != "fine" {
		t.Fatalf("row of the column list: %q %v", name, err)
	}
	// A value the column cannot hold fails the COPY; nothing of it stays.
	if _, err := c.Exec(ctx, "CREATE TABLE narrow (d DECIMAL(3,1))"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"narrow"}, []string{"d"}, pgx.CopyFromRows([][]any{{"1.5"}, {"12345.5"}})); err == nil {
		t.Fatal("a value too wide for DECIMAL(3,1) loaded")
	}
	var left int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM narrow").Scan(&left); err != nil || left != 0 {
		t.Fatalf("rows of the failed COPY: %d %v", left, err)
	}
}

// TestSQLPsqlCopy: psql's \copy exports a query and a table to local
// files (CSV with a header, and Postgres's text format) and loads local
// files into a table, through COPY ... TO STDOUT / FROM STDIN; over HTTP
// those statements are refused with 0A000 instead of writing to the
// server's own stdout.
func TestSQLPsqlCopy(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	s := startSQL(t)
	dir := t.TempDir()
	psql := func(cmds ...string) string {
		t.Helper()
		a := []string{"-A", "-t"}
		for _, c := range cmds {
			a = append(a, "-c", c)
		}
		out, err := psqlOn(s, a...)
		if err != nil {
			t.Fatalf("psql %q: %v\n%s", cmds, err, out)
		}
		return out
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	psql("CREATE TABLE c (id INTEGER, name VARCHAR)", "INSERT INTO c VALUES (1, 'one'), (2, NULL)")
	if out := psql(`\copy c TO '` + filepath.Join(dir, "c.csv") + `' CSV HEADER`); !strings.Contains(out, "COPY 2") {
		t.Fatalf("\\copy TO csv said %q", out)
	}
	if got := read("c.csv"); got != "id,name\n1,one\n2,\n" {
		t.Fatalf("c.csv = %q", got)
	}
	psql(`\copy (SELECT id * 10 AS ten, name FROM c ORDER BY id) TO '` + filepath.Join(dir, "q.txt") + `'`)
	if got := read("q.txt"); got != "10\tone\n20\t\\N\n" {
		t.Fatalf("q.txt = %q", got)
	}
	// Values as Postgres writes them in the text format: t and f, bytea in
	// hex, escapes, an empty string apart from NULL; and back in.
	psql("CREATE TABLE v (n INTEGER, ok BOOLEAN, raw BLOB, s VARCHAR, ts TIMESTAMP)",
		`INSERT INTO v VALUES (1, true, '\x01\xAB'::BLOB, 'tab'||chr(9)||'nl'||chr(10)||'back\slash', TIMESTAMP '2024-03-04 05:06:07.5'), (2, false, NULL, '', NULL)`)
	psql(`\copy (SELECT * FROM v ORDER BY n) TO '` + filepath.Join(dir, "v.txt") + `'`)
	want := "1\tt\t\\\\x01ab\ttab\\tnl\\nback\\\\slash\t2024-03-04 05:06:07.5\n" + "2\tf\t\\N\t\t\\N\n"
	if got := read("v.txt"); got != want {
		t.Fatalf("v.txt:\n got %q\nwant %q", got, want)
	}
	// CSV spells values as the text format does (each type's output
	// function), so that Postgres loads them back: t and f, bytea in hex,
	// arrays in braces; an empty string is quoted, NULL is not.
	psql(`\copy (SELECT * FROM v ORDER BY n) TO '` + filepath.Join(dir, "v.csv") + `' CSV`)
	want = "1,t,\\x01ab,\"tab\tnl\nback\\slash\",2024-03-04 05:06:07.5\n" + "2,f,,\"\",\n"
	if got := read("v.csv"); got != want {
		t.Fatalf("v.csv:\n got %q\nwant %q", got, want)
	}
	// And such CSV loads back, arrays and bytea included.
	psql("CREATE TABLE v3 AS SELECT * FROM v LIMIT 0", `\copy v3 FROM '`+filepath.Join(dir, "v.csv")+`' CSV`)
	if got := psql("SELECT count(*) FROM v JOIN v3 USING (n) WHERE v.ok = v3.ok AND v.raw IS NOT DISTINCT FROM v3.raw AND v.s = v3.s AND v.ts IS NOT DISTINCT FROM v3.ts"); got != "2\n" {
		t.Fatalf("v.csv did not load back as it was: %q", psql("SELECT * FROM v3"))
	}
	psql("CREATE TABLE arr (id INT, l INT[], s VARCHAR[], b BLOB[])",
		`INSERT INTO arr VALUES (1, [1, NULL, 3], ['a b', 'x"y', NULL, ''], ['\x00\xFF'::BLOB]), (2, NULL, [], NULL)`,
		`\copy arr TO '`+filepath.Join(dir, "arr.csv")+`' (FORMAT csv, HEADER)`,
		"CREATE TABLE arr2 AS SELECT * FROM arr LIMIT 0",
		`\copy arr2 FROM '`+filepath.Join(dir, "arr.csv")+`' (FORMAT csv, HEADER)`)
	if got := psql("SELECT count(*) FROM arr JOIN arr2 USING (id) WHERE arr.l IS NOT DISTINCT FROM arr2.l AND arr.s IS NOT DISTINCT FROM arr2.s AND arr.b IS NOT DISTINCT FROM arr2.b"); got != "2\n" {
		t.Fatalf("arr.csv %q did not load back as it was: %q", read("arr.csv"), psql("SELECT * FROM arr2"))
	}
	out := psql("SET TimeZone = 'UTC'", `COPY (SELECT [1, NULL, 3] AS l, ['a b', 'x"y']::VARCHAR[] AS s, INTERVAL '1 day 2 hours' AS i, `+
		`TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tz, '{"a": 1}'::JSON AS j, true AS b) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE (b))`)
	want = "SET\nl,s,i,tz,j,b\n\"{1,NULL,3}\",\"{\"\"a b\"\",\"\"x\\\"\"y\"\"}\",1 day 02:00:00,2024-01-02 03:04:05+00,\"{\"\"a\"\":1}\",\"t\"\n"
	if out != want {
		t.Fatalf("COPY TO STDOUT CSV:\n got %q\nwant %q", out, want)
	}
	psql("CREATE TABLE v2 AS SELECT * FROM v LIMIT 0", `\copy v2 FROM '`+filepath.Join(dir, "v.txt")+`'`)
	if got := psql("SELECT count(*) FROM v JOIN v2 USING (n) WHERE v.ok = v2.ok AND v.raw IS NOT DISTINCT FROM v2.raw AND v.s = v2.s AND v.ts IS NOT DISTINCT FROM v2.ts"); got != "2\n" {
		t.Fatalf("v.txt did not load back as it was: %q", psql("SELECT * FROM v2"))
	}
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("id,name\n3,three\n4,four\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("5\tfive\n6\t\\N\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := psql(`\copy c FROM '`+filepath.Join(dir, "in.csv")+`' CSV HEADER`, `\copy c FROM '`+filepath.Join(dir, "in.txt")+`'`); strings.Count(out, "COPY 2") != 2 {
		t.Fatalf("\\copy FROM said %q", out)
	}
	if got := psql("SELECT count(*), count(name) FROM c"); got != "6|4\n" {
		t.Fatalf("after the loads: %q", got)
	}
	for _, q := range []string{"COPY c TO STDOUT", "COPY c FROM STDIN"} {
		code, m := postSQL(t, s, `{"sql": "`+q+`"}`)
		e, _ := m["error"].(map[string]any)
		if code != http.StatusBadRequest || e == nil || e["code"] != "0A000" {
			t.Errorf("POST /v1/sql %s: %d %v", q, code, m)
		}
	}
}

func postSQL(t *testing.T, s *Server, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/v1/sql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response %d is not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func TestSQLHTTP(t *testing.T) {
	s := startSQL(t)
	code, m := postSQL(t, s, `{"sql": "CREATE TABLE h (a INTEGER, b VARCHAR, d DECIMAL(10,2), t TIMESTAMP); INSERT INTO h VALUES (1, 'x', 1.50, TIMESTAMP '2024-01-02 03:04:05'), (2, NULL, -3, NULL); SELECT * FROM h WHERE a >= $1 ORDER BY a", "params": [1]}`)
	if code != 200 {
		t.Fatalf("POST /v1/sql = %d %v", code, m)
	}
	if m["tag"] != "SELECT 2" || m["rowCount"] != float64(2) {
		t.Errorf("tag/rowCount: %v %v", m["tag"], m["rowCount"])
	}
	rows, _ := json.Marshal(m["rows"])
	if string(rows) != `[[1,"x",1.5,"2024-01-02T03:04:05"],[2,null,-3,null]]` {
		t.Errorf("rows = %s", rows)
	}
	cols, _ := json.Marshal(m["columns"])
	if !strings.Contains(string(cols), `{"name":"d","type":"DECIMAL(10,2)"}`) {
		t.Errorf("columns = %s", cols)
	}
	if res, _ := m["results"].([]any); len(res) != 3 {
		t.Errorf("results has %d entries, want 3", len(res))
	}
	if _, ok := m["elapsedMs"].(float64); !ok {
		t.Errorf("elapsedMs missing: %v", m)
	}

	// maxRows caps the answer.
	code, m = postSQL(t, s, `{"sql": "SELECT * FROM range(100)", "maxRows": 7}`)
	if code != 200 || m["rowCount"] != float64(7) || m["truncated"] != true {
		t.Errorf("maxRows: %d rowCount %v truncated %v", code, m["rowCount"], m["truncated"])
	}
	// ... and rows past it are not computed (nor held: a console preview
	// of a big table took gigabytes): the row that would fail is never
	// reached.
	code, m = postSQL(t, s, `{"sql": "SELECT CASE WHEN range < 1000000 THEN range ELSE error('computed') END AS n FROM range(2000000)", "maxRows": 5}`)
	if code != 200 || m["rowCount"] != float64(5) || m["truncated"] != true {
		t.Errorf("maxRows of a big result: %d %v", code, m)
	}
	code, m = postSQL(t, s, `{"sql": "SELECT * FROM range(3)", "maxRows": 3}`)
	if code != 200 || m["rowCount"] != float64(3) || m["truncated"] == true || m["tag"] != "SELECT 3" {
		t.Errorf("maxRows equal to the rows: %d %v", code, m)
	}

	// Errors: SQL, JSON, method.
	code, m = postSQL(t, s, `{"sql": "SELECT 1; SELEC 2"}`)
	e, _ := m["error"].(map[string]any)
	if code != 400 || e["code"] != "42601" || e["statement"] != float64(1) || e["message"] == "" {
		t.Errorf("bad SQL: %d %v", code, m)
	}
	if code, m = postSQL(t, s, `{"sql": `); code != 400 || m["error"] == nil {
		t.Errorf("bad JSON: %d %v", code, m)
	}
	resp, err := http.Get(s.URL() + "/v1/sql")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /v1/sql = %d", resp.StatusCode)
	}
	// The Kinesis API is untouched.
	if code, _ := postSQL(t, s, `{"sql": "SELECT 1"}`); code != 200 {
		t.Errorf("server unusable after errors: %d", code)
	}
}

func TestPGListenOffAndTaken(t *testing.T) {
	cfg := testConfig(t)
	cfg.PGListen = "off"
	s := startTest(t, cfg)
	if s.PGAddr() != nil || s.PGURL() != "" {
		t.Errorf("--pg-listen off still listens on %v", s.PGAddr())
	}
	s.Close()

	other := startSQL(t)
	cfg = testConfig(t)
	cfg.PGListen = other.PGAddr().String()
	if s, err := Start(context.Background(), cfg); err == nil {
		s.Close()
		t.Fatal("Start on a taken Postgres port succeeded")
	} else if !strings.Contains(err.Error(), "--pg-listen") {
		t.Errorf("unclear error: %v", err)
	}
	cfg.PGListenOptional = true
	s = startTest(t, cfg)
	if s.PGAddr() != nil {
		t.Errorf("optional taken port: listening on %v", s.PGAddr())
	}
}
