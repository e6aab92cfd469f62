package sqlengine

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rheo-dev/rheo/internal/lake"
)

func TestParseCopy(t *testing.T) {
	good := []struct {
		sql   string
		check func(c *copyStmt) bool
	}{
		{"COPY t FROM 's3://bkt/p' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS PARQUET", func(c *copyStmt) bool { return c.format == "parquet" && c.from == "s3://bkt/p" }},
		{"copy s.t (a, b) from 's3://bkt/p' credentials 'aws_access_key_id=x;aws_secret_access_key=y' json 'auto' gzip", func(c *copyStmt) bool {
			return c.format == "json" && c.jsonArg == "auto" && c.compression == "gzip" && len(c.columns) == 2 && len(c.table) == 2
		}},
		{"COPY t FROM 's3://bkt/p' JSON 'auto ignorecase' TIMEFORMAT 'auto' REGION 'us-east-1'", func(c *copyStmt) bool { return c.jsonArg == "auto ignorecase" && c.timeFormat == "auto" }},
		{"COPY t FROM 's3://bkt/p' FORMAT JSON 's3://bkt/paths.json'", func(c *copyStmt) bool { return c.jsonArg == "s3://bkt/paths.json" }},
		{"COPY t FROM 's3://bkt/p' JSON", func(c *copyStmt) bool { return c.jsonArg == "auto" }},
		{"COPY t FROM 's3://bkt/p' CSV QUOTE AS '''' DELIMITER ';' IGNOREHEADER 1 EMPTYASNULL BLANKSASNULL MAXERROR 0", func(c *copyStmt) bool {
			return c.format == "csv" && c.quote == "'" && c.delimiter == ";" && c.ignoreHeader == 1 && c.emptyAsNull && c.blanksAsNull
		}},
		{"COPY t FROM 's3://bkt/p' DELIMITER '\t' NULL AS 'NULL' TRUNCATECOLUMNS ACCEPTINVCHARS COMPUPDATE OFF STATUPDATE ON", func(c *copyStmt) bool {
			return c.format == "text" && c.delimiter == "\t" && c.nullAs == "NULL"
		}},
		{"COPY t FROM 's3://bkt/p'", func(c *copyStmt) bool { return c.format == "text" }},
		{"COPY t FROM '/data/x' CSV ZSTD;", func(c *copyStmt) bool { return c.compression == "zstd" }},
		{"COPY t FROM 's3://bkt/m.json' MANIFEST FORMAT AS CSV, GZIP", func(c *copyStmt) bool { return c.manifest && c.compression == "gzip" }},
		{"COPY t FROM 's3://bkt/p' WITH CREDENTIALS AS 'x' CSV", func(c *copyStmt) bool { return c.format == "csv" }},
		// Letters whose upper case is shorter in UTF-8 ('ı' is 2 bytes, 'I'
		// 1) once made the format converter index past the end: a panic
		// that killed the server. Non-ASCII characters are literals.
		{"COPY t FROM 's3://bkt/p' TIMEFORMAT 'ı'", func(c *copyStmt) bool { return c.timeFormat == "ı" }},
		{"COPY t FROM 's3://bkt/p' DATEFORMAT 'YYYYıMM.SSS'", func(c *copyStmt) bool { return c.dateFormat == "YYYYıMM.SSS" }},
	}
	for _, g := range good {
		c, err := parseCopy(g.sql)
		if err != nil {
			t.Errorf("%s: %v", g.sql, err)
			continue
		}
		if !g.check(c) {
			t.Errorf("%s: parsed as %+v", g.sql, c)
		}
	}
	bad := []struct{ sql, code string }{
		{"COPY t FROM 's3://bkt/p' FORMAT AS ORC", CodeFeature},
		{"COPY t FROM 's3://bkt/p' AVRO 'auto'", CodeFeature},
		{"COPY t FROM 's3://bkt/p' BZIP2", CodeFeature},
		{"COPY t FROM 's3://bkt/p' PARQUET GZIP", CodeFeature},
		{"COPY t FROM 's3://bkt/p' CSV JSON 'auto'", CodeSyntax},
		{"COPY t FROM 's3://bkt/p' JSON 'manual'", CodeInvalidParameter},
		{"COPY t FROM 's3://bkt/p' FROBNICATE", CodeSyntax},
		{"COPY t FROM 's3://bkt/p' QUOTE '\"'", CodeSyntax},
		{"COPY t FROM 's3://bkt/p' IGNOREHEADER x", CodeSyntax},
		{"COPY t FROM 's3://bkt/p' CSV REMOVEQUOTES", CodeSyntax},
		{"COPY t FROM 's3://bkt/p' TIMEFORMAT 'YYYY-QQ'", CodeInvalidParameter},
		{"COPY t FROM 's3://bkt/p' ENCRYPTED", CodeFeature},
		{"COPY t FROM 's3://bkt/p' DELIMITER ''", CodeInvalidParameter},
		{"COPY t (a, FROM 's3://bkt/p'", CodeSyntax},
		{"COPY t FROM s3", CodeSyntax},
	}
	for _, b := range bad {
		_, err := parseCopy(b.sql)
		if err == nil {
			t.Errorf("%s: no error", b.sql)
			continue
		}
		if got := toError(err).Code; got != b.code {
			t.Errorf("%s: code %s want %s (%v)", b.sql, got, b.code, err)
		}
	}
}

func TestIsRedshiftCopy(t *testing.T) {
	cases := map[string]bool{
		"COPY t FROM 's3://bkt/p' JSON 'auto'":      true,
		"COPY t FROM 's3://bkt/p'":                  true,
		"COPY t FROM '/x/y' CSV":                    true,
		"COPY t (a) FROM '/x/y' PARQUET":            true,
		"COPY t FROM '/x/y.csv'":                    false,
		"COPY t FROM '/x/y.csv';":                   false,
		"COPY t FROM '/x/y.csv' (FORMAT csv)":       false,
		"COPY t FROM 's3://bkt/p' (FORMAT parquet)": false,
		"COPY t FROM '/x' WITH (FORMAT csv)":        false,
		"COPY t TO '/x.parquet'":                    false,
		"COPY (SELECT 1) TO '/x.parquet'":           false,
		"COPY FROM DATABASE a TO b":                 false,
	}
	for q, want := range cases {
		toks, _ := lex(q, false)
		if got := isRedshiftCopy(toks); got != want {
			t.Errorf("%s: %v want %v", q, got, want)
		}
	}
}

func FuzzParseCopy(f *testing.F) {
	for _, s := range []string{
		"COPY t FROM 's3://bkt/p' JSON 'auto' GZIP",
		"COPY a.b (x, y) FROM '/p' CSV QUOTE AS '\"' DELIMITER ',' IGNOREHEADER 2",
		"COPY t FROM 's3://bkt/p' FORMAT AS PARQUET",
		"COPY t FROM 's3://bkt/p' TIMEFORMAT 'YYYY-MM-DD HH24:MI:SS.SSS' DATEFORMAT 'auto'",
		"COPY t FROM 's3://bkt/p' JSON 's3://bkt/paths'",
		"COPY t FROM 's3://bkt/p' TIMEFORMAT 'ıſ.SSSSSS'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCopy(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if c.from == "" && !strings.Contains(s, "''") {
			t.Fatalf("parsed without source: %q", s)
		}
		toks, err := lex(s, false)
		if err == nil {
			isRedshiftCopy(toks)
		}
	})
}

// putObject stores body in the test lake.
func putObject(t testing.TB, st lake.Store, bucket, key string, body []byte) {
	t.Helper()
	if err := st.Put(context.Background(), bucket, key, bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestCopyFromLake(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE events (id INT, name VARCHAR, ts TIMESTAMP, score DOUBLE)")
	// Firehose-style objects: concatenated JSON, no separators; one gzipped.
	putObject(t, e.lake, "lake", "ev/2026/01/02/a-1", []byte(`{"id":1,"name":"a","ts":"2026-01-02 10:00:00","score":1.5}{"ID":2,"Name":"b"}`))
	putObject(t, e.lake, "lake", "ev/2026/01/02/a-2.gz", gz(t, []byte("{\"id\":3,\"name\":\"c\",\"extra\":true}\n{\"id\":4}\n")))
	putObject(t, e.lake, "lake", "ev-other/x", []byte(`{"id":99}`))
	putObject(t, e.lake, "lake", "other/y", []byte(`{"id":98}`))
	r := exec(t, s, "COPY events FROM 's3://lake/ev/' IAM_ROLE 'arn:aws:iam::123456789012:role/x' FORMAT AS JSON 'auto'")
	if r.Tag() != "COPY 4" {
		t.Fatalf("tag %q", r.Tag())
	}
	// 'auto' is case-sensitive (Redshift): "ID" and "Name" do not match.
	got := strings.Join(rows(t, s, "SELECT id, name, ts, score FROM events ORDER BY id NULLS LAST"), ";")
	want := "1|a|2026-01-02T10:00:00Z|1.5;3|c|NULL|NULL;4|NULL|NULL|NULL;NULL|NULL|NULL|NULL"
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	// Prefix rule: "ev" matches ev/... and ev-other/x.
	exec(t, s, "DELETE FROM events")
	if r := exec(t, s, "COPY events FROM 's3://lake/ev' JSON 'auto ignorecase'"); r.Tag() != "COPY 5" {
		t.Fatalf("tag %q", r.Tag())
	}
	if got := one(t, s, "SELECT string_agg(id::VARCHAR || ':' || coalesce(name, '-'), ',' ORDER BY id) FROM events"); got != "1:a,2:b,3:c,4:-,99:-" {
		t.Fatal(got)
	}
	// Column list.
	exec(t, s, "DELETE FROM events")
	exec(t, s, "COPY events (name, id) FROM 's3://lake/ev/2026/01/02/a-1' JSON 'auto'")
	if got := one(t, s, "SELECT count(*), count(name), max(ts) FROM events"); got != "2|1|NULL" {
		t.Fatal(got)
	}
	// pgwire's Parse/Describe: no parameters, no rows.
	if d, err := s.Describe(context.Background(), "COPY events FROM 's3://lake/ev/' JSON 'auto'"); err != nil || d.Columns != nil {
		t.Fatal(d, err)
	}
	// Errors: empty prefix, missing table, missing column, no bucket.
	for q, code := range map[string]string{
		"COPY events FROM 's3://lake/nothing/' JSON 'auto'":     CodeUndefinedFile,
		"COPY nosuch FROM 's3://lake/ev/' JSON 'auto'":          CodeUndefinedTable,
		"COPY events (nope) FROM 's3://lake/ev/' JSON 'auto'":   CodeUndefinedColumn,
		"COPY events FROM 's3://no-bucket/ev/' JSON 'auto'":     CodeUndefinedFile,
		"COPY events FROM 's3://lake/other/' FORMAT AS PARQUET": CodeInvalidInput,
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
}

func TestCopyCSVTextParquet(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE t (id INT, name VARCHAR, d DATE)")
	putObject(t, e.lake, "bkt", "csv/1.csv", []byte("id,name,d\n1,\"x, y\",2026-01-02\n2,,\n"))
	putObject(t, e.lake, "bkt", "csv/2.csv.gz", gz(t, []byte("id,name,d\n3,z,02/01/2026\n")))
	exec(t, s, "COPY t FROM 's3://bkt/csv/1' CSV IGNOREHEADER 1")
	exec(t, s, "COPY t FROM 's3://bkt/csv/2' CSV IGNOREHEADER 1 GZIP EMPTYASNULL DATEFORMAT 'DD/MM/YYYY'")
	if got := strings.Join(rows(t, s, "SELECT id, name, d FROM t ORDER BY id"), ";"); got != "1|x, y|2026-01-02T00:00:00Z;2||NULL;3|z|2026-01-02T00:00:00Z" {
		t.Fatal(got)
	}
	// Text (pipe-delimited, \N is NULL) from a local path prefix.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "part-0"), []byte("10|ten|\\N\n11||2026-03-04\n"), 0o644)
	r := exec(t, s, "COPY t FROM '"+filepath.Join(dir, "part")+"' DELIMITER '|' EMPTYASNULL")
	if r.Tag() != "COPY 2" {
		t.Fatal(r.Tag())
	}
	if got := strings.Join(rows(t, s, "SELECT id, name, d FROM t WHERE id >= 10 ORDER BY id"), ";"); got != "10|ten|NULL;11|NULL|2026-03-04T00:00:00Z" {
		t.Fatal(got)
	}
	// A bad value fails the whole COPY (MAXERROR 0), loading nothing.
	putObject(t, e.lake, "bkt", "bad/1.csv", []byte("20,a,2026-01-01\nx,b,2026-01-01\n"))
	if _, err := s.Query(context.Background(), "COPY t FROM 's3://bkt/bad/' CSV"); err == nil || sqlErr(t, err).Code != CodeInvalidInput {
		t.Fatalf("bad row: %v", err)
	}
	if got := one(t, s, "SELECT count(*) FROM t WHERE id = 20"); got != "0" {
		t.Fatal(got)
	}
	// Parquet by position, written by DuckDB into the lake (COPY TO s3://).
	exec(t, s, "COPY (SELECT 30 AS a, 'p' AS b, DATE '2026-05-06' AS c) TO 's3://bkt/pq/x.parquet' (FORMAT parquet)")
	if r := exec(t, s, "COPY t FROM 's3://bkt/pq/' FORMAT AS PARQUET"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if got := one(t, s, "SELECT name, d FROM t WHERE id = 30"); got != "p|2026-05-06T00:00:00Z" {
		t.Fatal(got)
	}
	// Directories named key=value (a Firehose prefix such as
	// dt=!{timestamp:yyyy-MM-dd}/) are not columns: Redshift maps the file's
	// own columns by position.
	exec(t, s, "COPY (SELECT 31 AS a, 'q' AS b, DATE '2026-05-07' AS c) TO 's3://bkt/pqhive/dt=2026-05-07/x.parquet' (FORMAT parquet)")
	if r := exec(t, s, "COPY t FROM 's3://bkt/pqhive/' FORMAT AS PARQUET"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if got := one(t, s, "SELECT name, d FROM t WHERE id = 31"); got != "q|2026-05-07T00:00:00Z" {
		t.Fatal(got)
	}
	// DuckDB's own COPY syntax keeps working.
	f := filepath.Join(dir, "duck.csv")
	os.WriteFile(f, []byte("40,duck,2026-01-01\n"), 0o644)
	exec(t, s, "COPY t FROM '"+f+"' (FORMAT csv, HEADER false)")
	if got := one(t, s, "SELECT name FROM t WHERE id = 40"); got != "duck" {
		t.Fatal(got)
	}
}

func TestCopyManifestAndJSONPaths(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE m (a INT, b VARCHAR)")
	putObject(t, e.lake, "bkt", "d/1", []byte(`{"x":{"y":1},"arr":["one"]}`))
	putObject(t, e.lake, "bkt", "d/2", []byte(`{"x":{"y":2},"arr":["two"]}`))
	putObject(t, e.lake, "bkt", "paths.json", []byte(`{"jsonpaths":["$.x.y","$['arr'][0]"]}`))
	putObject(t, e.lake, "bkt", "m.manifest", []byte(`{"entries":[{"url":"s3://bkt/d/1","mandatory":true},{"url":"s3://bkt/d/missing"}]}`))
	if r := exec(t, s, "COPY m FROM 's3://bkt/m.manifest' JSON 's3://bkt/paths.json' MANIFEST"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if got := one(t, s, "SELECT a, b FROM m"); got != "1|one" {
		t.Fatal(got)
	}
	putObject(t, e.lake, "bkt", "bad.manifest", []byte(`{"entries":[{"url":"s3://bkt/d/missing","mandatory":true}]}`))
	if _, err := s.Query(context.Background(), "COPY m FROM 's3://bkt/bad.manifest' JSON 'auto' MANIFEST"); err == nil || sqlErr(t, err).Code != CodeUndefinedFile {
		t.Fatal(err)
	}
	putObject(t, e.lake, "bkt", "short.json", []byte(`{"jsonpaths":["$.x.y"]}`))
	if _, err := s.Query(context.Background(), "COPY m FROM 's3://bkt/d/' JSON 's3://bkt/short.json'"); err == nil || sqlErr(t, err).Code != CodeInvalidParameter {
		t.Fatal(err)
	}
}

func TestDuckJSONPath(t *testing.T) {
	for in, want := range map[string]string{
		"$.a":           `$."a"`,
		"$.a.b[2]":      `$."a"."b"[2]`,
		"$['a b']['c']": `$."a b"."c"`,
		"$[0]":          `$[0]`,
	} {
		got, err := duckJSONPath(in)
		if err != nil || got != want {
			t.Errorf("%s: %s %v want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"a.b", "$.a[*]", "$..a", "$['a"} {
		if _, err := duckJSONPath(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestCopyWithoutLake(t *testing.T) {
	e := newEnv(t, envOpt{noLake: true})
	s := e.session()
	exec(t, s, "CREATE TABLE t (a INT)")
	for _, q := range []string{
		"COPY t FROM 's3://bkt/p' JSON 'auto'",
		"SELECT * FROM read_parquet('s3://bkt/x.parquet')",
	} {
		_, err := s.Query(context.Background(), q)
		if err == nil || sqlErr(t, err).Code != CodeFeature || !strings.Contains(err.Error(), "object store") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestRedshiftTimeFormatNonASCII(t *testing.T) {
	for in, want := range map[string]string{
		"ı":                "ı",
		"YYYYıMM.SSS":      "%Yı%m.%g",
		"DD ſ HH24":        "%d ſ %H",
		"YYYY-MM-DDTHH:MI": "%Y-%m-%dT%H:%M",
	} {
		got, err := redshiftTimeFormat(in)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestReadMissingFileIs58P01: a reader whose path or glob matches nothing
// fails with undefined_file, as docs/sql.md and Postgres's COPY FROM a
// missing file say, not with the generic I/O error.
func TestReadMissingFileIs58P01(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	for _, q := range []string{
		"SELECT * FROM read_parquet('s3://bkt/nothing/**/*.parquet')",
		"SELECT * FROM 's3://bkt/nothing.parquet'",
		"SELECT * FROM read_csv('" + filepath.Join(t.TempDir(), "none.csv") + "')",
	} {
		_, err := s.Query(context.Background(), q)
		if err == nil || sqlErr(t, err).Code != CodeUndefinedFile {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// DuckDB's text-to-integer cast rounds '1.5' to 2 and reads '1e3', '0x10'
// and '1_000'; Redshift's COPY fails the load on them (error 1207,
// "Invalid digit"), so a silently changed value never lands.
func TestCopyIntegerIsStrict(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE n (id INT, big BIGINT, x DOUBLE)")
	putObject(t, e.lake, "bkt", "ok.txt", []byte(" 7 |-9223372036854775808|1.5\n+3||1e3\n"))
	if r := exec(t, s, "COPY n FROM 's3://bkt/ok.txt'"); r.Tag() != "COPY 2" {
		t.Fatal(r.Tag())
	}
	if got := strings.Join(rows(t, s, "SELECT id, big, x FROM n ORDER BY id"), ";"); got != "3|NULL|1000;7|-9223372036854775808|1.5" {
		t.Fatal(got)
	}
	for i, body := range []string{"1.5|1|1\n", "1e3|1|1\n", "0x10|1|1\n", "1_000|1|1\n", "1|2.0|1\n"} {
		key := fmt.Sprintf("bad%d.txt", i)
		putObject(t, e.lake, "bkt", key, []byte(body))
		_, err := s.Query(context.Background(), "COPY n FROM 's3://bkt/"+key+"'")
		if err == nil || !strings.Contains(err.Error(), "Invalid digit") {
			t.Errorf("%q: %v", body, err)
		}
	}
	putObject(t, e.lake, "bkt", "bad.json", []byte(`{"id":1.5}`))
	if _, err := s.Query(context.Background(), "COPY n FROM 's3://bkt/bad.json' JSON 'auto'"); err == nil || !strings.Contains(err.Error(), `Column: id`) {
		t.Errorf("json 1.5: %v", err)
	}
	putObject(t, e.lake, "bkt", "good.json", []byte(`{"id":"12","big":-4}`))
	exec(t, s, "COPY n FROM 's3://bkt/good.json' JSON 'auto'")
	if got := one(t, s, "SELECT count(*) FROM n WHERE id = 12 AND big = -4"); got != "1" {
		t.Fatal(got)
	}
}

// ESCAPE (text format): a backslash makes the next character data, so an
// escaped delimiter does not split the field (Redshift's UNLOAD ... ESCAPE
// output loads back). It was accepted and ignored.
func TestCopyEscape(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE e (a VARCHAR, n INT, b VARCHAR)")
	putObject(t, e.lake, "bkt", "e.txt", gz(t, []byte("hdr\nx\\|y|1|back\\\\slash\n\\N|2|\nq\\z|\\3|\n")))
	if r := exec(t, s, "COPY e FROM 's3://bkt/e.txt' ESCAPE GZIP IGNOREHEADER 1"); r.Tag() != "COPY 3" {
		t.Fatal(r.Tag())
	}
	if got := strings.Join(rows(t, s, "SELECT a, n, b FROM e ORDER BY n"), ";"); got != `x|y|1|back\slash;NULL|2|;qz|3|` {
		t.Fatal(got)
	}
	exec(t, s, "DELETE FROM e")
	putObject(t, e.lake, "bkt", "t.tsv", []byte("a\\\tb\t5\n"))
	exec(t, s, "COPY e FROM 's3://bkt/t.tsv' DELIMITER '\t' ESCAPE FILLRECORD")
	if got := strings.Join(rows(t, s, "SELECT a, n, b FROM e"), ";"); got != "a\tb|5|NULL" {
		t.Fatalf("%q", got)
	}
	putObject(t, e.lake, "bkt", "short.txt", []byte("a|1\n"))
	if _, err := s.Query(context.Background(), "COPY e FROM 's3://bkt/short.txt' ESCAPE"); err == nil || !strings.Contains(err.Error(), "2 fields, 3 columns") {
		t.Fatal(err)
	}
	if _, err := s.Query(context.Background(), "COPY e FROM 's3://bkt/short.txt' ESCAPE REMOVEQUOTES"); err == nil || sqlErr(t, err).Code != CodeFeature {
		t.Fatal(err)
	}
}

// TIMEFORMAT/DATEFORMAT 'auto' read the spellings Redshift recognizes
// beyond ISO 8601 (MM/DD/YYYY, YYYYMMDD HHMISS, month names); they failed
// with DuckDB's cast error.
func TestCopyTimeFormatAuto(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE tf (k INT, ts TIMESTAMP, d DATE)")
	putObject(t, e.lake, "bkt", "tf.csv", []byte(strings.Join([]string{
		"1,2019-02-11T05:09:12.195Z,2019-02-11",
		"2,12/17/1997 07:37:16.00,12/17/1997",
		"3,19960108 040809,19960108",
		"4,Jan 2 2026 03:04:05,\"Jan 2, 2026\"",
		"5,17 Dec 07:37:16 1997,1996.008",
		"6,,",
	}, "\n")))
	exec(t, s, "COPY tf FROM 's3://bkt/tf.csv' CSV TIMEFORMAT 'auto' DATEFORMAT 'auto'")
	want := "1|2019-02-11T05:09:12.195Z|2019-02-11T00:00:00Z;2|1997-12-17T07:37:16Z|1997-12-17T00:00:00Z;" +
		"3|1996-01-08T04:08:09Z|1996-01-08T00:00:00Z;4|2026-01-02T03:04:05Z|2026-01-02T00:00:00Z;" +
		"5|1997-12-17T07:37:16Z|1996-01-08T00:00:00Z;6|NULL|NULL"
	if got := strings.Join(rows(t, s, "SELECT k, ts, d FROM tf ORDER BY k"), ";"); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	putObject(t, e.lake, "bkt", "bad.csv", []byte("7,yesterday,\n"))
	if _, err := s.Query(context.Background(), "COPY tf FROM 's3://bkt/bad.csv' CSV TIMEFORMAT 'auto'"); err == nil {
		t.Fatal("no error")
	}
}
