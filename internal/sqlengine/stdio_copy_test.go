package sqlengine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// copyOut runs a COPY ... TO STDOUT and returns its data and tag.
func copyOut(t *testing.T, s *Session, q string) (string, string) {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	if r.CopyOut() == nil || r.CopyIn() != nil {
		t.Fatalf("%s: not a COPY TO STDOUT result", q)
	}
	b, err := io.ReadAll(r.CopyOut())
	if err != nil {
		t.Fatal(err)
	}
	return string(b), r.Tag()
}

// copyTextRows runs a COPY ... TO STDOUT in text format and returns its
// rows as rows renders them (the Postgres endpoint formats and escapes
// them: internal/server's TestSQLPsqlCopy).
func copyTextRows(t *testing.T, s *Session, q string) []string {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	ok := r.CopyOutText() && r.CopyOut() == nil && r.CopyIn() == nil
	r.Close()
	if !ok {
		t.Fatalf("%s: not a text COPY TO STDOUT result", q)
	}
	return rows(t, s, q)
}

// copyCSV runs a COPY ... TO STDOUT in CSV and returns how to write its
// rows, and the rows as rows renders them.
func copyCSV(t *testing.T, s *Session, q string) (CopyCSV, []string) {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	cc := r.CopyOutCSV()
	ok := cc != nil && !r.CopyOutText() && r.CopyOut() == nil && r.CopyIn() == nil
	r.Close()
	if !ok {
		t.Fatalf("%s: not a CSV COPY TO STDOUT result", q)
	}
	return *cc, rows(t, s, q)
}

// copyIn runs a COPY ... FROM STDIN with data and returns its tag.
func copyIn(t *testing.T, s *Session, q, data string) (string, error) {
	t.Helper()
	r, err := s.Query(context.Background(), q)
	if err != nil {
		return "", err
	}
	defer r.Close()
	if r.CopyIn() == nil || r.CopyOut() != nil {
		t.Fatalf("%s: not a COPY FROM STDIN result", q)
	}
	return r.CopyIn()(context.Background(), strings.NewReader(data))
}

// TestStdioCopy: COPY TO STDOUT hands the data to the caller (never to the
// server's own stdout) in Postgres's text format by default or as the
// options ask; COPY FROM STDIN loads what the caller gives; BINARY is
// refused; temporary files go when the results are closed.
func TestStdioCopy(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE t (a INT, b VARCHAR)")
	exec(t, s, "INSERT INTO t VALUES (1, 'x'), (2, NULL)")

	for q, want := range map[string]string{
		"COPY t TO STDOUT":                                 "1|x 2|NULL",
		"copy t to stdout;":                                "1|x 2|NULL",
		"COPY t TO STDOUT WITH (FORMAT text)":              "1|x 2|NULL",
		"COPY t TO STDOUT (format 'text')":                 "1|x 2|NULL",
		"COPY t (b, a) TO STDOUT":                          "x|1 NULL|2",
		"COPY (SELECT a * 10 FROM t ORDER BY a) TO STDOUT": "10 20",
	} {
		if got := strings.Join(copyTextRows(t, s, q), " "); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	// CSV: the rows, which the Postgres endpoint writes as Postgres's
	// CSV (internal/server's TestSQLPsqlCopy).
	for _, tc := range []struct{ q, want string }{
		{"COPY t TO STDOUT CSV HEADER", "1|x 2|NULL"},
		{"COPY (SELECT a * 10 AS ten FROM t ORDER BY a) TO STDOUT WITH (FORMAT csv, HEADER)", "10 20"},
	} {
		cc, got := copyCSV(t, s, tc.q)
		if !cc.Header || strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %+v %v, want a header and %s", tc.q, cc, got, tc.want)
		}
	}
	// Options only DuckDB knows: DuckDB writes the CSV.
	if data, tag := copyOut(t, s, "COPY (SELECT a FROM t ORDER BY a) TO STDOUT (FORMAT csv, DATEFORMAT '%d')"); data != "1\n2\n" || tag != "COPY 2" {
		t.Errorf("CSV with DATEFORMAT: %q %q", data, tag)
	}

	if tag, err := copyIn(t, s, "COPY t FROM STDIN", "3\tz\n4\t\\N\n"); err != nil || tag != "COPY 2" {
		t.Fatalf("text COPY FROM STDIN: %q %v", tag, err)
	}
	if tag, err := copyIn(t, s, "COPY t (b, a) FROM STDIN WITH (FORMAT csv, HEADER)", "b,a\nw,5\n"); err != nil || tag != "COPY 1" {
		t.Fatalf("CSV COPY FROM STDIN: %q %v", tag, err)
	}
	if got := strings.Join(rows(t, s, "SELECT a, b FROM t ORDER BY a"), " "); got != "1|x 2|NULL 3|z 4|NULL 5|w" {
		t.Fatalf("table after loads: %s", got)
	}
	if _, err := copyIn(t, s, "COPY t FROM STDIN", "not a number\tq\n"); err == nil {
		t.Fatal("bad data loaded")
	}

	// Text format in: JSON, tabs, newlines, backslashes, an empty string
	// and the string \N, written as Postgres writes them, load as they were.
	exec(t, s, "CREATE TABLE h (v VARCHAR, n INT)")
	exec(t, s, `INSERT INTO h VALUES ('{"a": "b\c"}', 1), ('tab'||chr(9)||'nl'||chr(10)||'cr'||chr(13), 2), ('', 3), ('\N', 4), (NULL, 5)`)
	data := `{"a": "b\\c"}` + "\t1\n" + `tab\tnl\ncr\r` + "\t2\n\t3\n" + `\\N` + "\t4\n" + `\N` + "\t5\n"
	exec(t, s, "CREATE TABLE h2 (v VARCHAR, n INT)")
	if tag, err := copyIn(t, s, "COPY h2 FROM STDIN", data+"\\.\nignored after the end marker\n"); err != nil || tag != "COPY 5" {
		t.Fatalf("text round trip: %q %v", tag, err)
	}
	if got := rows(t, s, "SELECT count(*) FROM h JOIN h2 USING (n) WHERE h.v IS NOT DISTINCT FROM h2.v"); got[0] != "5" {
		t.Fatalf("round trip changed values: %v", rows(t, s, "SELECT * FROM h2 ORDER BY n"))
	}

	_, err := s.Query(context.Background(), "COPY t TO STDOUT (FORMAT binary)")
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeFeature {
		t.Fatalf("BINARY: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, "rheo-copy-stdio-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// CSV through STDIN and STDOUT has no header line unless HEADER is given,
// as in Postgres: DuckDB took the first line of a table of text columns
// for a header and dropped it (psql's "\copy t from 'f.csv' csv"), and
// wrote one out.
func TestStdioCopyCSVHeader(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE w (a VARCHAR, b VARCHAR)")
	for _, q := range []string{
		"COPY w FROM STDIN CSV",
		"COPY w FROM STDIN WITH CSV DELIMITER AS ','",
		"COPY w FROM STDIN (FORMAT csv)",
		"COPY w FROM STDIN WITH (FORMAT 'csv', DELIMITER ',')",
		"COPY w FROM STDIN (DELIMITER ',')",
	} {
		exec(t, s, "DELETE FROM w")
		if tag, err := copyIn(t, s, q, "alpha,beta\ngamma,delta\n"); err != nil || tag != "COPY 2" {
			t.Errorf("%s: %q %v, want COPY 2", q, tag, err)
		}
	}
	exec(t, s, "DELETE FROM w")
	if tag, err := copyIn(t, s, "COPY w FROM STDIN CSV HEADER", "a,b\ngamma,delta\n"); err != nil || tag != "COPY 1" {
		t.Errorf("CSV HEADER: %q %v, want COPY 1", tag, err)
	}
	for q, want := range map[string]bool{
		"COPY w TO STDOUT CSV":                       false,
		"COPY w TO STDOUT WITH (FORMAT csv)":         false,
		"COPY w TO STDOUT (FORMAT csv, HEADER true)": true,
	} {
		if cc, _ := copyCSV(t, s, q); cc.Header != want {
			t.Errorf("%s: header %v, want %v", q, cc.Header, want)
		}
	}
	if data, _ := copyOut(t, s, "COPY (SELECT a FROM w) TO STDOUT (FORMAT json)"); data != `{"a":"gamma"}`+"\n" {
		t.Errorf("json: %q", data)
	}
}

// parseCopyCSV reads Postgres's CSV options in both spellings; anything
// else is left to DuckDB.
func TestParseCSVOut(t *testing.T) {
	type want struct {
		delim, quote, esc byte
		null              string
		header, all       bool
		force             string
	}
	for opts, w := range map[string]*want{
		"CSV":             {',', '"', '"', "", false, false, ""},
		"WITH CSV HEADER": {',', '"', '"', "", true, false, ""},
		`CSV DELIMITER AS '|' NULL AS 'x' QUOTE '''' ESCAPE '\'`: {'|', '\'', '\\', "x", false, false, ""},
		"CSV FORCE QUOTE *":                                   {',', '"', '"', "", false, true, ""},
		`CSV FORCE QUOTE a, "B" HEADER`:                       {',', '"', '"', "", true, false, "a B"},
		"(FORMAT csv)":                                        {',', '"', '"', "", false, false, ""},
		"WITH (FORMAT 'csv', HEADER false, DELIMITER ';')":    {';', '"', '"', "", false, false, ""},
		"(FORMAT csv, HEADER on, NULL 'NA', ENCODING 'UTF8')": {',', '"', '"', "NA", true, false, ""},
		"(FORMAT csv, FORCE_QUOTE (a, b), QUOTE '''')":        {',', '\'', '\'', "", false, false, "a b"},
		"(FORMAT csv, FORCE_QUOTE *)":                         {',', '"', '"', "", false, true, ""},
		"(HEADER)":                                            nil, // text format: not CSV
		"(FORMAT json)":                                       nil,
		"(FORMAT csv, DATEFORMAT '%d')":                       nil,
		"(FORMAT csv, DELIMITER '||')":                        nil,
		"(FORMAT csv, ENCODING 'LATIN1')":                     nil,
		"CSV COMPRESSION":                                     nil,
	} {
		q := "COPY t TO STDOUT " + opts
		toks, err := lex(q, false)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := parseStdioCopy(toks)
		if !ok {
			t.Fatalf("%s: no STDOUT", q)
		}
		got := parseCopyCSV(toks, c)
		if w == nil {
			if got != nil {
				t.Errorf("%s: %+v, want nil", opts, got)
			}
			continue
		}
		if got == nil {
			t.Errorf("%s: nil", opts)
			continue
		}
		if got.Delimiter != w.delim || got.Quote != w.quote || got.Escape != w.esc || got.Null != w.null ||
			got.Header != w.header || got.forceAll != w.all || strings.Join(got.forceNames, " ") != w.force {
			t.Errorf("%s: %+v, want %+v", opts, got, w)
		}
	}
}

func TestCSVHeaderOff(t *testing.T) {
	for in, want := range map[string]string{
		" CSV":                             " (FORMAT csv, HEADER false)",
		" WITH CSV NULL AS 'x' QUOTE '\"'": ` (FORMAT csv, NULL 'x', QUOTE '"', HEADER false)`,
		" CSV HEADER":                      " CSV HEADER",
		" (FORMAT csv)":                    " (HEADER false, FORMAT csv)",
		" WITH ()":                         " WITH (HEADER false)",
		" (FORMAT csv, HEADER)":            " (FORMAT csv, HEADER)",
		" (FORMAT json)":                   " (FORMAT json)",
		" (FORMAT parquet)":                " (FORMAT parquet)",
		" CSV FORCE QUOTE *":               " CSV FORCE QUOTE *",
	} {
		if got := csvHeaderOff(in); got != want {
			t.Errorf("csvHeaderOff(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzPGText: the text-format converters never fail on bytes from the
// client or DuckDB, and a row written in text format comes back the same
// through pgTextToCSV and csvToPGText.
func FuzzPGText(f *testing.F) {
	f.Add([]byte("a\tb\n\\N\t\\t\n"), byte(3))
	f.Add([]byte(`{"x": "y"}`), byte(0))
	f.Add([]byte("\"q\"\"\t\r\n"), byte(1))
	f.Fuzz(func(t *testing.T, raw []byte, nulls byte) {
		_ = csvToPGText(io.Discard, bytes.NewReader(raw))
		_ = pgTextToCSV(io.Discard, bytes.NewReader(raw), []textKind{textBlob, textPlain, textList, textBlobList})
		_, _ = pgArrayToDuckDB(raw, false)
		// raw's bytes as the values of one row of up to 4 columns.
		var text bytes.Buffer
		w := bufio.NewWriter(&text)
		cols := bytes.SplitN(raw, []byte{0}, 4)
		for i, v := range cols {
			if i > 0 {
				w.WriteByte('\t')
			}
			if nulls&(1<<i) != 0 {
				w.WriteString(`\N`)
			} else {
				writeTextEscaped(w, v)
			}
		}
		w.WriteByte('\n')
		w.Flush()
		if text.String() == "\\.\n" {
			return // the end marker, not a row
		}
		var csv, back bytes.Buffer
		if err := pgTextToCSV(&csv, bytes.NewReader(text.Bytes()), nil); err != nil {
			t.Fatal(err)
		}
		if err := csvToPGText(&back, &csv); err != nil {
			t.Fatal(err)
		}
		if back.String() != text.String() {
			t.Fatalf("row %q came back as %q (csv %q)", text.String(), back.String(), csv.String())
		}
	})
}

// TestPGArrayToDuckDB: lists written by the Postgres endpoint in Postgres's
// array text form load back through COPY FROM in text format.
func TestPGArrayToDuckDB(t *testing.T) {
	for in, want := range map[string]string{
		`{}`:             `[]`,
		`{1,NULL,3}`:     `["1", NULL, "3"]`,
		` { 1 , null } `: `["1", NULL]`,
		`{"a b","",NULL,"NULL","x\"y","q\\z",plain}`: `["a b", "", NULL, "NULL", "x\"y", "q\\z", "plain"]`,
		`{a\,b, c d }`:               `["a,b", "c d"]`,
		`{{1,2},{3,4}}`:              `[["1", "2"], ["3", "4"]]`,
		`[1:2]={5,6}`:                `["5", "6"]`,
		`{"2024-02-29 01:02:03+00"}`: `["2024-02-29 01:02:03+00"]`,
	} {
		if got, ok := pgArrayToDuckDB([]byte(in), false); !ok || string(got) != want {
			t.Errorf("pgArrayToDuckDB(%s) = %s, %v, want %s", in, got, ok, want)
		}
	}
	if got, ok := pgArrayToDuckDB([]byte(`{"\\x01ff",NULL}`), true); !ok || string(got) != `["\\x01\\xFF", NULL]` {
		t.Errorf("bytea[] = %s, %v", got, ok)
	}
	for _, in := range []string{`[1,2]`, `{1,2`, `{1,{2}`, `{"a}`, `{a"b}`, `{,}`, `{1}x`, `{{{{{{{1}}}}}}}`, `{"x\`} {
		if got, ok := pgArrayToDuckDB([]byte(in), false); ok {
			t.Errorf("pgArrayToDuckDB(%s) = %s, want not an array", in, got)
		}
	}
}

// pgCSVToCSV reads CSV as Postgres does: quoted fields across lines,
// doubled quotes or another escape, an unquoted NULL string apart from a
// quoted one, CRLF, a header and the end marker; arrays and bytea become
// DuckDB's spellings.
func TestPgCSVToCSV(t *testing.T) {
	for _, tc := range []struct {
		o         CopyCSV
		in, want  string
		withKinds bool
	}{
		{CopyCSV{Delimiter: ',', Quote: '"', Escape: '"'}, "1,\"a\"\"b\nc\",,\"\"\r\n", "\"1\"\t\"a\"\"b\nc\"\t\\N\t\"\"\n", false},
		{CopyCSV{Delimiter: ';', Quote: '\'', Escape: '\\', Null: "NA", Header: true}, "h;h\nNA;'NA'\n'x\\'y\\\\z';a'b'c\n\\.\nafter\n", "\\N\t\"NA\"\n\"x'y\\z\"\t\"abc\"\n", false},
		{CopyCSV{Delimiter: ',', Quote: '"', Escape: '"'}, "\\x00ff,\"{1,NULL,\"\"x y\"\"}\"\n", "\"\\x00\\xFF\"\t\"[\"\"1\"\", NULL, \"\"x y\"\"]\"\n", true},
	} {
		var kinds []textKind
		if tc.withKinds {
			kinds = []textKind{textBlob, textList}
		}
		var b bytes.Buffer
		if err := pgCSVToCSV(&b, strings.NewReader(tc.in), tc.o, kinds); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, b.String(), tc.want)
		}
	}
}

// FuzzPgCSVToCSV: whatever a client sends as COPY FROM STDIN CSV into
// bytea and list columns, the conversion ends without a panic or a hang
// and writes no more lines than its input could hold (a loose bound: a
// duplicated or runaway record breaks it).
func FuzzPgCSVToCSV(f *testing.F) {
	for _, s := range []string{
		"1,\"a\"\"b\nc\",,\"\"\r\n",
		"\\x00ff,\"{1,NULL,\"\"x y\"\"}\"\n",
		"\\x0,{\n",
		"\"{\"\"a\\\\\"\"b\"\"}\",\\xZZ\n\\.\n",
		"h,h\n\"unterminated",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, header bool) {
		o := CopyCSV{Delimiter: ',', Quote: '"', Escape: '"', Header: header}
		var b bytes.Buffer
		_ = pgCSVToCSV(&b, bytes.NewReader(in), o, []textKind{textBlob, textList})
		if n := bytes.Count(in, []byte("\n")) + bytes.Count(in, []byte("\r")) + 1; bytes.Count(b.Bytes(), []byte("\n")) > n+bytes.Count(in, []byte(",")) {
			t.Fatalf("%d output lines from %q", bytes.Count(b.Bytes(), []byte("\n")), in)
		}
	})
}

// TestDescribeStdioCopy: a driver that prepares COPY ... FROM STDIN (pgx's
// database/sql driver with lib/pq's CopyIn) is told it returns no rows;
// preparing it in DuckDB opened the server's own standard input (58P01
// "No files found that match the pattern /dev/stdin").
func TestDescribeStdioCopy(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE dsc(id INTEGER, name VARCHAR)")
	for _, q := range []string{
		"COPY dsc (id, name) FROM STDIN",
		`COPY "dsc" ("id") FROM STDIN WITH (FORMAT csv)`,
		"COPY dsc TO STDOUT",
		"COPY (SELECT id FROM dsc) TO STDOUT (FORMAT csv, HEADER)",
	} {
		d, err := s.Describe(context.Background(), q)
		if err != nil || len(d.Columns) != 0 || len(d.ParamTypes) != 0 {
			t.Errorf("Describe(%s) = %+v, %v; want no columns, no parameters", q, d, err)
		}
	}
}
