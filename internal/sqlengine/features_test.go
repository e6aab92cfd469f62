package sqlengine

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/rheo-dev/rheo/internal/kpl"
	"github.com/rheo-dev/rheo/internal/seqnum"
)

// The EMR tutorial's Apache access log table, verbatim.
const apacheDDL = `CREATE TABLE apachelog (
  host STRING,
  IDENTITY STRING,
  USER STRING,
  TIME STRING,
  request STRING,
  STATUS STRING,
  SIZE STRING,
  referrer STRING,
  agent STRING
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  "input.regex" = "([^ ]*) ([^ ]*) ([^ ]*) (-|\\[[^\\]]*\\]) ([^ \"]*|\"[^\"]*\") (-|[0-9]*) (-|[0-9]*)(?: ([^ \"]*|\"[^\"]*\") ([^ \"]*|\"[^\"]*\"))?"
)
STORED BY
'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES("kinesis.stream.name"="AccessLogStream");`

func TestHiveRegexSerDeAccessLog(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("AccessLogStream", 1)
	e.put("AccessLogStream", 0, "k",
		`66.249.67.3 - - [20/Jul/2009:20:12:22 -0700] "GET /gallery/main.php?g2_controller=exif.SwitchDetailMode HTTP/1.1" 302 5 "-" "Mozilla/5.0 (compatible; Googlebot/2.1)"`,
		`not an access log line`,
		`10.0.0.1 - frank [20/Jul/2009:20:12:23 -0700] "POST /x HTTP/1.1" 500 123`)
	s := e.session()
	exec(t, s, apacheDDL)
	got := rows(t, s, `SELECT host, "user", time, request, status, size, referrer, _parse_error FROM apachelog ORDER BY _sequence_number`)
	want := []string{
		`66.249.67.3|-|[20/Jul/2009:20:12:22 -0700]|"GET /gallery/main.php?g2_controller=exif.SwitchDetailMode HTTP/1.1"|302|5|"-"|NULL`,
		`NULL|NULL|NULL|NULL|NULL|NULL|NULL|record does not match input.regex`,
		`10.0.0.1|frank|[20/Jul/2009:20:12:23 -0700]|"POST /x HTTP/1.1"|500|123||NULL`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Top errors, as the EMR tutorial asks.
	if got := one(t, s, "SELECT status, count(*) FROM apachelog WHERE status IS NOT NULL GROUP BY status ORDER BY 2 DESC, 1 LIMIT 1"); got != "302|1" {
		t.Fatal(got)
	}
	// SHOW TABLES and DESCRIBE see stream tables.
	if got := strings.Join(rows(t, s, "SHOW TABLES"), ","); !strings.Contains(got, "apachelog") {
		t.Fatalf("SHOW TABLES: %s", got)
	}
	desc := rows(t, s, "DESCRIBE apachelog")
	if len(desc) != 16 || !strings.HasPrefix(desc[12], "_arrival_time|TIMESTAMP WITH TIME ZONE") {
		t.Fatalf("DESCRIBE: %v", desc)
	}
}

func TestHiveDDLVariants(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p", "a\tb\t1", "x|y|2", "m\x01n\x013")
	s := e.session()
	cases := []struct{ ddl, want string }{
		{"create external table `T1` (`a` string, b string, c bigint) row format delimited fields terminated by '\\t' stored by 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' tblproperties ('kinesis.stream.name'='s')", "a|b|1"},
		{"CREATE TABLE t2 (a STRING, b STRING, c TINYINT) -- comment\nROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES (\"kinesis.stream.name\"=\"s\")", "x|y|2"},
		{"CREATE TABLE t3 (a STRING, b STRING, c SMALLINT) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\001' STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES (\"kinesis.stream.name\"=\"s\")", "m|n|3"},
		{"CREATE STREAM TABLE t4 (a VARCHAR, b VARCHAR, c INT) FROM STREAM 's' FORMAT csv OPTIONS (delimiter '|')", "x|y|2"},
	}
	for i, c := range cases {
		exec(t, s, c.ddl)
		name := fmt.Sprintf("t%d", i+1)
		if got := one(t, s, "SELECT a, b, c FROM "+name+" WHERE _parse_error IS NULL AND c IS NOT NULL"); got != c.want {
			t.Errorf("%s: got %s want %s", name, got, c.want)
		}
	}
	// Plain Hive DDL makes an ordinary table.
	exec(t, s, "CREATE EXTERNAL TABLE plain (id INT, name STRING, price DECIMAL(10,2), raw BINARY, tags ARRAY<STRING>, m MAP<STRING,INT>, st STRUCT<a:INT,b:STRING>) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE")
	exec(t, s, "INSERT INTO plain VALUES (1, 'a', 1.25, 'x', ['t'], MAP {'k': 1}, {'a': 1, 'b': 'z'})")
	if got := one(t, s, "SELECT typeof(price), typeof(tags), typeof(st) FROM plain"); got != `DECIMAL(10,2)|VARCHAR[]|STRUCT(a INTEGER, b VARCHAR)` {
		t.Fatal(got)
	}
	// Errors are *Error with SQLSTATEs.
	_, err := s.Query(context.Background(), "CREATE TABLE bad (a STRING) STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'")
	if sqlErr(t, err).Code != CodeInvalidParameter {
		t.Fatal(err)
	}
	_, err = s.Query(context.Background(), "CREATE TABLE t1 (a STRING) STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')")
	if sqlErr(t, err).Code != CodeDuplicateTable {
		t.Fatal(err)
	}
	exec(t, s, "CREATE TABLE IF NOT EXISTS t1 (a STRING) STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')")
	// DROP TABLE drops a stream table, and it stays dropped after reopen.
	if r := exec(t, s, "DROP TABLE t2"); r.Tag() != "DROP TABLE" {
		t.Fatal(r.Tag())
	}
	if _, err := tryRows(s, "SELECT * FROM t2"); sqlErr(t, err).Code != CodeUndefinedTable {
		t.Fatalf("after drop: %v", err)
	}
}

func TestJSONAndRaw(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("events", 1)
	e.put("events", 0, "u1",
		`{"user":"ann","n":3,"at":"2026-01-02 10:00:00","tags":["a","b"],"geo":{"lat":1.5}}`,
		`{"user":"bob","n":"many"}`,
		`{broken`,
		"\xff\xfe")
	s := e.session()
	exec(t, s, `CREATE EXTERNAL TABLE events (user STRING, n INT, at TIMESTAMP, tags ARRAY<STRING>, geo STRUCT<lat:DOUBLE>)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES ("kinesis.stream.name" = "events")`)
	got := rows(t, s, `SELECT "user", n, "at", tags, geo.lat, _parse_error FROM events ORDER BY _sequence_number`)
	want := []string{
		"ann|3|2026-01-02T10:00:00Z|[a b]|1.5|NULL",
		`bob|NULL|NULL|NULL|NULL|column n: cannot parse "many" as INTEGER`,
		"NULL|NULL|NULL|NULL|NULL|invalid JSON",
		"NULL|NULL|NULL|NULL|NULL|invalid JSON",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	exec(t, s, "CREATE STREAM TABLE ev_raw FROM STREAM 'events' FORMAT raw")
	exec(t, s, "CREATE STREAM TABLE ev_bin (b BINARY) FROM STREAM 'events' FORMAT raw")
	if got := one(t, s, "SELECT data, _raw FROM ev_raw WHERE _sequence_number = '"+seqnum.Encode(0, 3)+"'"); got != "\ufffd|\ufffd" {
		t.Fatalf("raw: %q", got)
	}
	if got := one(t, s, "SELECT octet_length(b) FROM ev_bin WHERE _sequence_number = '"+seqnum.Encode(0, 3)+"'"); got != "2" {
		t.Fatalf("binary: %q", got)
	}
	// Hive JSON SerDe of hcatalog works the same way.
	exec(t, s, `CREATE TABLE ev2 (user STRING) ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe' STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ("kinesis.stream.name" = "events")`)
	if got := one(t, s, `SELECT count("user") FROM ev2`); got != "2" {
		t.Fatal(got)
	}
}

func TestKPLDeaggregation(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("k", 1)
	agg := kpl.Aggregate([]kpl.Record{
		{PartitionKey: "pa", Data: []byte("1,one")},
		{PartitionKey: "pb", Data: []byte("2,two")},
		{PartitionKey: "pa", Data: []byte("3,three")},
	})
	// A partition-key table and no records: the KPL never writes it, but
	// the deaggregators accept it and yield nothing.
	body := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "unused")
	sum := md5.Sum(body)
	empty := append(append([]byte{0xF3, 0x89, 0x9A, 0xC2}, body...), sum[:]...)
	e.put("k", 0, "outer", string(agg), string(empty), "4,four")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE k (id INT, word STRING) FROM STREAM 'k' FORMAT csv")
	got := rows(t, s, "SELECT id, word, _partition_key, _sub_sequence, right(_sequence_number, 23) FROM k ORDER BY _sequence_number, _sub_sequence")
	// The user records of one aggregate share its sequence number (offset 0,
	// field 1); the record after the empty aggregate is offset 2 (field 3).
	want := []string{"1|one|pa|0|10000000000000000000000", "2|two|pb|1|10000000000000000000000", "3|three|pa|2|10000000000000000000000", "4|four|outer|0|30000000000000000000000"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJoinsAndFiles(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("orders", 2)
	e.stream("users", 1)
	e.put("orders", 0, "a", "1,u1,10", "2,u2,20")
	e.put("orders", 1, "b", "3,u1,30")
	e.put("users", 0, "a", `{"id":"u1","name":"ann"}`, `{"id":"u2","name":"bob"}`)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE orders (id INT, uid STRING, amount DOUBLE) FROM STREAM 'orders' FORMAT csv")
	exec(t, s, "CREATE STREAM TABLE users (id STRING, name STRING) FROM STREAM 'users' FORMAT json")
	got := rows(t, s, "SELECT u.name, sum(o.amount) FROM orders o JOIN users u ON o.uid = u.id GROUP BY 1 ORDER BY 1")
	if strings.Join(got, ",") != "ann|40,bob|20" {
		t.Fatal(got)
	}
	pq := filepath.Join(e.dir, "regions.parquet")
	exec(t, s, fmt.Sprintf("COPY (SELECT 'u1' AS uid, 'eu' AS region UNION ALL SELECT 'u2', 'us') TO '%s' (FORMAT PARQUET)", pq))
	got = rows(t, s, fmt.Sprintf("SELECT r.region, count(*) FROM orders o JOIN read_parquet('%s') r USING (uid) GROUP BY 1 ORDER BY 1", pq))
	if strings.Join(got, ",") != "eu|2,us|1" {
		t.Fatal(got)
	}
	// An ordinary table joined too.
	exec(t, s, "CREATE TABLE vip (uid VARCHAR)")
	exec(t, s, "INSERT INTO vip VALUES ('u2')")
	if got := one(t, s, "SELECT count(*) FROM orders JOIN vip USING (uid)"); got != "1" {
		t.Fatal(got)
	}
}

func TestMovingData(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true})
	e.stream("m", 1)
	e.put("m", 0, "k", "1,a", "2,b", "3,c")
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE m (id INT, v STRING) FROM STREAM 'm' FORMAT csv")
	exec(t, s, "CREATE TABLE keep (id INT, v VARCHAR)")
	if r := exec(t, s, "INSERT INTO keep SELECT id, v FROM m WHERE id > 1"); r.Tag() != "INSERT 0 2" {
		t.Fatalf("insert tag %q", r.Tag())
	}
	if r := exec(t, s, "CREATE TABLE snap AS SELECT * FROM m"); r.Tag() != "SELECT 3" {
		t.Fatalf("ctas tag %q", r.Tag())
	}
	out := filepath.Join(e.dir, "m.parquet")
	if r := exec(t, s, fmt.Sprintf("COPY (SELECT id, v, _sequence_number FROM m) TO '%s' (FORMAT PARQUET)", out)); r.Tag() != "COPY 3" {
		t.Fatalf("copy tag %q", r.Tag())
	}
	if got := one(t, s, fmt.Sprintf("SELECT count(*), max(v) FROM '%s'", out)); got != "3|c" {
		t.Fatal(got)
	}
	// Ordinary tables and stream tables persist across a restart.
	s.Close()
	e.reopen()
	s = e.session()
	if got := one(t, s, "SELECT count(*) FROM keep"); got != "2" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*) FROM snap"); got != "3" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*) FROM m"); got != "3" {
		t.Fatal(got)
	}
}

func TestBadSQLKeepsSession(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE c1 (id INT PRIMARY KEY, n INT NOT NULL, ch INT CHECK (ch > 0), u VARCHAR UNIQUE)")
	exec(t, s, "CREATE TABLE c2 (id INT REFERENCES c1(id))")
	exec(t, s, "INSERT INTO c1 VALUES (1, 1, 1, 'a')")
	for _, c := range []struct{ q, code string }{
		{"SELEC 1", CodeSyntax},
		{"SELECT * FROM nope", CodeUndefinedTable},
		{"SELECT 'x'::INT", CodeInvalidInput},
		{"CREATE STREAM TABLE x FROM STREAM 's' FORMAT yaml", CodeInvalidParameter},
		{"CREATE TABLE x (a STRING) ROW FORMAT SERDE 'com.example.Foo' STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')", CodeFeature},
		{"SELECT 1; SELECT 2", CodeSyntax},
		{"SET kinesis.checkpoint.iteration.no = -1", CodeInvalidParameter},
		// Postgres's codes for constraint and range errors (drivers catch 23505).
		{"INSERT INTO c1 VALUES (1, 1, 1, 'b')", CodeUnique},
		{"INSERT INTO c1 VALUES (2, 1, 1, 'a')", CodeUnique},
		{"INSERT INTO c1 VALUES (2, NULL, 1, 'b')", CodeNotNull},
		{"INSERT INTO c1 VALUES (2, 1, 0, 'b')", CodeCheck},
		{"INSERT INTO c2 VALUES (9)", CodeForeignKey},
		{"SELECT 2147483647::INT + 1", CodeOutOfRange},
		{"SELECT 300::TINYINT", CodeOutOfRange},
		// undefined_function, which psycopg2 raises as errors.UndefinedFunction:
		// a name no function has, and arguments no overload takes.
		{"SELECT nofunc(1)", CodeUndefinedFunction},
		{"SELECT * FROM nofunc_tf(1)", CodeUndefinedFunction},
		{"SELECT lower(1)", CodeUndefinedFunction},
		{"SELECT true + 1", CodeUndefinedFunction},
	} {
		_, err := tryRows(s, c.q)
		if err == nil {
			t.Fatalf("%s: no error", c.q)
		}
		if got := sqlErr(t, err).Code; got != c.code {
			t.Errorf("%s: code %s want %s (%v)", c.q, got, c.code, err)
		}
	}
	if got := one(t, s, "SELECT 40 + 2"); got != "42" {
		t.Fatal(got)
	}
}

func TestCancelStopsQuery(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Query(ctx, "SELECT count(*) FROM range(1000000000000) a, range(1000) b WHERE a.range + b.range = -1")
	if err == nil {
		t.Fatal("no error")
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) && sqlErr(t, err).Code != CodeCanceled {
		t.Fatalf("err %v", err)
	}
	if got := one(t, s, "SELECT 1"); got != "1" {
		t.Fatal(got)
	}
}

func TestDescribeAndSplit(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("d", 1)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE d (a INT, p DECIMAL(18,3)) FROM STREAM 'd' FORMAT csv")
	d, err := s.Describe(context.Background(), "SELECT a, p, _arrival_time, [a] AS l FROM d WHERE a = $1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.ParamTypes) != "[INTEGER]" {
		t.Fatalf("params %v", d.ParamTypes)
	}
	if fmt.Sprint(d.Columns) != "[{a INTEGER} {p DECIMAL(18,3)} {_arrival_time TIMESTAMP WITH TIME ZONE} {l INTEGER[]}]" {
		t.Fatalf("columns %v", d.Columns)
	}
	d, err = s.Describe(context.Background(), "SET kinesis.checkpoint.enabled = true")
	if err != nil || d.Columns != nil {
		t.Fatal(d, err)
	}
	got := SplitStatements("SELECT ';' AS a; -- x;\nSELECT $$a;b$$ ; /* ; */ SELECT \"x;y\" FROM t;;")
	if len(got) != 3 || got[0] != "SELECT ';' AS a" || got[1] != "-- x;\nSELECT $$a;b$$" {
		t.Fatalf("%q", got)
	}
	if got := one(t, s, "SELECT $1::INT + 1", 41); got != "42" {
		t.Fatal(got)
	}
}

// TestHiveDelimitedClauses: EMR's ROW FORMAT DELIMITED DDL runs as
// written, and its clauses apply: NULL DEFINED AS 'NA' used to be dropped
// silently, so 'NA' came back as a value instead of NULL; LINES TERMINATED
// BY needs nothing (one record is one row).
func TestHiveDelimitedClauses(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p", "1|NA|a,b")
	s := e.session()
	r := exec(t, s, "CREATE TABLE d (id INT, n STRING, arr ARRAY<STRING>) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "+
		"COLLECTION ITEMS TERMINATED BY ',' MAP KEYS TERMINATED BY ':' LINES TERMINATED BY '\\n' NULL DEFINED AS 'NA' "+
		"STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')")
	if n := r.Notices(); len(n) != 0 {
		t.Fatalf("notices %q", n)
	}
	if got := one(t, s, "SELECT id, n, arr FROM d"); got != "1|NULL|[a b]" {
		t.Fatal(got)
	}
}
