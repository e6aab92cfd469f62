package sqlengine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExternalTableJSONPartitioned(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true})
	s := e.session()
	// Created before any object exists: the empty location must work.
	exec(t, s, `CREATE EXTERNAL TABLE access_log_raw (host STRING, status INT, bytes BIGINT)
PARTITIONED BY (region STRING, dt DATE)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
STORED AS TEXTFILE
LOCATION 's3://my-bucket/access-log-raw/'`)
	if got := one(t, s, "SELECT count(*) FROM access_log_raw"); got != "0" {
		t.Fatal(got)
	}
	putObject(t, e.lake, "my-bucket", "access-log-raw/region=eu/dt=2026-01-02/f-1", []byte(`{"host":"a","status":200,"bytes":10}{"host":"b","status":404,"bytes":20}`))
	putObject(t, e.lake, "my-bucket", "access-log-raw/region=us/dt=2026-01-03/f-2.gz", gz(t, []byte("{\"host\":\"c\",\"status\":500,\"bytes\":30}\n")))
	putObject(t, e.lake, "my-bucket", "access-log-raw/region=us/dt=2026-01-03/_SUCCESS", []byte("x"))
	putObject(t, e.lake, "my-bucket", "other/region=eu/dt=2026-01-02/f", []byte(`{"host":"zz"}`))
	if got := one(t, s, "SELECT * FROM access_log_raw WHERE region = 'eu' ORDER BY host LIMIT 1"); got != "a|200|10|eu|2026-01-02T00:00:00Z" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*), sum(bytes) FROM access_log_raw WHERE region = 'us'"); got != "1|30" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT typeof(dt), count(*) FROM access_log_raw WHERE dt > DATE '2026-01-02' GROUP BY 1"); got != "DATE|1" {
		t.Fatal(got)
	}
	// It survives a restart, and DROP TABLE removes it for good.
	s.Close()
	e.reopen()
	s = e.session()
	if got := one(t, s, "SELECT count(*) FROM access_log_raw"); got != "3" {
		t.Fatal(got)
	}
	if r := exec(t, s, "DROP TABLE access_log_raw"); r.Tag() != "DROP TABLE" {
		t.Fatal(r.Tag())
	}
	s.Close()
	e.reopen()
	s = e.session()
	if _, err := tryRows(s, "SELECT * FROM access_log_raw"); err == nil || sqlErr(t, err).Code != CodeUndefinedTable {
		t.Fatal(err)
	}
	// The data stays (EXTERNAL).
	exec(t, s, "CREATE EXTERNAL TABLE again (host STRING) PARTITIONED BY (region STRING, dt STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://my-bucket/access-log-raw'")
	if got := one(t, s, "SELECT count(*) FROM again"); got != "3" {
		t.Fatal(got)
	}
}

func TestExternalTableFormats(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	// Parquet written by DuckDB into the lake.
	exec(t, s, "COPY (SELECT 1 AS id, 'x' AS name UNION ALL SELECT 2, 'y') TO 's3://lake1/pq/part-0.parquet' (FORMAT parquet)")
	exec(t, s, "CREATE EXTERNAL TABLE pq (id BIGINT, name STRING) STORED AS PARQUET LOCATION 's3://lake1/pq/'")
	if got := strings.Join(rows(t, s, "SELECT id, name FROM pq ORDER BY id"), ";"); got != "1|x;2|y" {
		t.Fatal(got)
	}
	exec(t, s, "CREATE EXTERNAL TABLE pqempty (id BIGINT) PARTITIONED BY (p INT) STORED AS PARQUET LOCATION 's3://lake1/nothing-here/'")
	if got := one(t, s, "SELECT count(*), typeof(max(p)) FROM pqempty"); got != "0|INTEGER" {
		t.Fatal(got)
	}
	// Delimited text, Hive rules: bad fields are NULL, missing fields NULL.
	putObject(t, e.lake, "lake1", "csv/a.csv", []byte("1,one,1.5\n2,two\nx,three,2.5\n"))
	exec(t, s, "CREATE EXTERNAL TABLE c (id INT, name STRING, v DOUBLE) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://lake1/csv'")
	if got := strings.Join(rows(t, s, "SELECT id, name, v FROM c ORDER BY name"), ";"); got != "1|one|1.5;NULL|three|2.5;2|two|NULL" {
		t.Fatal(got)
	}
	// Regex.
	putObject(t, e.lake, "lake1", "logs/1.log", []byte("GET /a 200\nPOST /b 500\ngarbage\n"))
	exec(t, s, `CREATE EXTERNAL TABLE logs (method STRING, path STRING, status INT) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe' WITH SERDEPROPERTIES ("input.regex" = "(\\S+) (\\S+) (\\d+)") LOCATION 's3://lake1/logs/'`)
	if got := strings.Join(rows(t, s, "SELECT method, path, status FROM logs ORDER BY path NULLS LAST"), ";"); got != "GET|/a|200;POST|/b|500;NULL|NULL|NULL" {
		t.Fatal(got)
	}
	// OpenX mapping.* properties.
	putObject(t, e.lake, "lake1", "map/1.json", []byte(`{"Host Name":"h1","n":1}`))
	exec(t, s, `CREATE EXTERNAL TABLE mapped (host STRING, n INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ("mapping.host" = "Host Name") LOCATION 's3://lake1/map/'`)
	if got := one(t, s, "SELECT host, n FROM mapped"); got != "h1|1" {
		t.Fatal(got)
	}
	// An absolute directory works as a location, with Hive's default \001.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.txt"), []byte("7\x01seven\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exec(t, s, "CREATE EXTERNAL TABLE local_dir (id INT, name STRING) LOCATION '"+dir+"'")
	if got := one(t, s, "SELECT id, name FROM local_dir"); got != "7|seven" {
		t.Fatal(got)
	}
	// A plain Hive table without LOCATION stays an ordinary table.
	exec(t, s, "CREATE TABLE plain2 (a INT) ROW FORMAT DELIMITED FIELDS TERMINATED BY ','")
	exec(t, s, "INSERT INTO plain2 VALUES (1)")
	// Errors.
	for q, code := range map[string]string{
		"CREATE EXTERNAL TABLE o (a INT) STORED AS ORC LOCATION 's3://lake1/o/'":             CodeFeature,
		"CREATE EXTERNAL TABLE o (a INT) LOCATION 'relative/path'":                           CodeInvalidParameter,
		"CREATE EXTERNAL TABLE o (a INT) PARTITIONED BY (a STRING) LOCATION 's3://lake1/o/'": CodeDuplicateTable,
		"CREATE EXTERNAL TABLE pq (a INT) LOCATION 's3://lake1/o/'":                          CodeDuplicateTable,
		"CREATE TABLE o (a INT) PARTITIONED BY (p STRING)":                                   CodeFeature,
		"CREATE EXTERNAL TABLE o (a STRING) PARTITIONED BY (p STRING) STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')": CodeFeature,
	} {
		_, err := s.Query(context.Background(), q)
		if err == nil {
			t.Errorf("%s: no error", q)
			continue
		}
		if c := sqlErr(t, err).Code; c != code {
			t.Errorf("%s: code %s want %s: %v", q, c, code, err)
		}
	}
	exec(t, s, "CREATE EXTERNAL TABLE IF NOT EXISTS pq (a INT) LOCATION 's3://lake1/o/'")
}

func TestRewriteS3Literals(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "COPY (SELECT 1 AS a, 'eu' AS region) TO 's3://lake2/events/region=eu/x.parquet' (FORMAT parquet)")
	exec(t, s, "COPY (SELECT 2 AS a, 'us' AS region) TO 's3://lake2/events/region=us/y.parquet' (FORMAT parquet)")
	if got := one(t, s, "SELECT sum(a) FROM read_parquet('s3://lake2/events/**/*.parquet', hive_partitioning=true) WHERE region = 'us'"); got != "2" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*) FROM read_parquet(['s3://lake2/events/region=eu/x.parquet', 's3://lake2/events/region=us/y.parquet'])"); got != "2" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*) FROM 's3://lake2/events/region=eu/x.parquet'"); got != "1" {
		t.Fatal(got)
	}
	// Other s3:// strings are data, not paths.
	if got := one(t, s, "SELECT 's3://lake2/x' AS u"); got != "s3://lake2/x" {
		t.Fatal(got)
	}
	// Describe (pgwire's Parse) sees the rewritten statement too.
	d, err := s.Describe(context.Background(), "SELECT * FROM read_parquet('s3://lake2/events/region=eu/x.parquet')")
	if err != nil || len(d.Columns) != 2 {
		t.Fatal(d, err)
	}
	out, changed, done, err := e.eng.rewriteS3(context.Background(), "select * from glob('s3://lake2/a/*') , read_csv('/abs')", mustLex(t, "select * from glob('s3://lake2/a/*') , read_csv('/abs')"))
	done()
	if err != nil || !changed || strings.Contains(out, "s3://") || !strings.Contains(out, "'/abs'") {
		t.Fatal(out, changed, err)
	}
}

func mustLex(t *testing.T, s string) []token {
	toks, err := lex(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// Names and keys that could leave the lake or the engine's directory are
// refused with a clear error, and nothing is created outside.
func TestLakePathsStayInside(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true}) // the state dir is <dir>/sql
	s := e.session()
	outside := filepath.Join(e.dir, "outside")
	for _, tc := range []struct{ sql, want string }{
		{"CREATE EXTERNAL TABLE p1 (a INT) PARTITIONED BY (`../../../../outside/x` STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 's3://bkt/x/'", "invalid partition column name"},
		{"CREATE EXTERNAL TABLE p2 (a INT) PARTITIONED BY (`a=b` STRING) STORED AS PARQUET LOCATION 's3://bkt/x/'", "invalid partition column name"},
		{"CREATE EXTERNAL TABLE p3 (a INT) PARTITIONED BY (`..` STRING) STORED AS PARQUET LOCATION 's3://bkt/x/'", "invalid partition column name"},
		{"CREATE EXTERNAL TABLE p4 (a INT) STORED AS PARQUET LOCATION 's3://bkt/../../outside/'", "'..' path segments"},
		{"SELECT * FROM read_text('s3://bkt/../../../etc/passwd')", "'..' path segments"},
		{"COPY (SELECT 1) TO 's3://bkt/../../outside/f.csv'", "'..' path segments"},
	} {
		_, err := tryRows(s, tc.sql)
		if err == nil {
			t.Fatalf("%s: no error", tc.sql)
		}
		if te := sqlErr(t, err); te.Code != CodeInvalidParameter || !strings.Contains(te.Message, tc.want) {
			t.Errorf("%s: got %s %q, want %s %q", tc.sql, te.Code, te.Message, CodeInvalidParameter, tc.want)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Fatalf("%s was created", outside)
	}
	if got := one(t, s, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'p_'"); got != "0" {
		t.Fatal(got)
	}
}

// TestWriteToReadOnlyTables: Hive scripts INSERT into S3-backed tables;
// rheo's stream and lake tables are read-only, and the error says so and
// what to do instead, rather than DuckDB's "is not an table".
func TestWriteToReadOnlyTables(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("logs", 1)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE st (a INT) FROM STREAM 'logs' FORMAT csv")
	exec(t, s, "CREATE EXTERNAL TABLE lk (a INT) STORED AS PARQUET LOCATION 's3://lake1/lk/'")
	exec(t, s, "CREATE TABLE wh (a INT)")
	for q, want := range map[string]string{
		"INSERT INTO st VALUES (1)":       `stream table "st"`,
		"DELETE FROM st":                  `stream table "st"`,
		"INSERT INTO lk SELECT a FROM wh": `COPY (SELECT ...) TO 's3://lake1/lk/part-0001.parquet' (FORMAT parquet)`,
		"UPDATE main.lk SET a = 2":        `lake table "lk"`,
		"INSERT INTO \"LK\" VALUES (1)":   `lake table "lk"`,
	} {
		_, err := s.Query(context.Background(), q)
		if err == nil {
			t.Errorf("%s: no error", q)
			continue
		}
		if se := sqlErr(t, err); se.Code != CodeFeature || !strings.Contains(se.Message, want) {
			t.Errorf("%s: %s %q, want 0A000 with %q", q, se.Code, se.Message, want)
		}
	}
	// Drivers prepare first (Parse/Describe): the same error.
	if _, err := s.Describe(context.Background(), "INSERT INTO st VALUES ($1)"); err == nil || sqlErr(t, err).Code != CodeFeature {
		t.Errorf("Describe: %v", err)
	}
	// Other errors are DuckDB's as before.
	_, err := s.Query(context.Background(), "INSERT INTO nosuch VALUES (1)")
	if err == nil || sqlErr(t, err).Code != CodeUndefinedTable {
		t.Errorf("missing table: %v", err)
	}
	exec(t, s, "INSERT INTO wh SELECT a FROM st")
}
