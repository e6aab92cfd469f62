package sqlengine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestCSVEdgeCases checks Hive LazySimpleSerDe semantics of CSV tables:
// \N, empty fields, missing and extra fields, bad values with
// _parse_error, and tab and \001 delimiters.
func TestCSVEdgeCases(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("c", 1)
	e.put("c", 0, "k",
		"1,a,1.5,true,2026-01-02,2026-01-02 10:00:00,12.34",
		`\N,\N,\N,\N,\N,\N,\N`,
		",,,,,,",
		"2,b",
		"3,c,2.5,false,2026-01-03,2026-01-02 10:00:00.5,1,extra,fields",
		"x,d,1e,maybe,2026-02-30,yesterday,1.234",
		"",
	)
	s := e.session()
	exec(t, s, "CREATE STREAM TABLE c (id INT, v STRING, d DOUBLE, b BOOLEAN, dt DATE, ts TIMESTAMP, m DECIMAL(10,2)) FROM STREAM 'c' FORMAT csv")
	got := rows(t, s, "SELECT id, v, d, b, dt, ts, m, _parse_error FROM c ORDER BY _sequence_number")
	want := []string{
		"1|a|1.5|true|2026-01-02T00:00:00Z|2026-01-02T10:00:00Z|12.34|NULL",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"NULL||NULL|NULL|NULL|NULL|NULL|NULL",
		"2|b|NULL|NULL|NULL|NULL|NULL|NULL",
		"3|c|2.5|false|2026-01-03T00:00:00Z|2026-01-02T10:00:00.5Z|1|NULL",
		`NULL|d|NULL|NULL|NULL|NULL|1.23|column id: cannot parse "x" as INTEGER; column d: cannot parse "1e" as DOUBLE; column b: cannot parse "maybe" as BOOLEAN; column dt: cannot parse "2026-02-30" as DATE; column ts: cannot parse "yesterday" as TIMESTAMP`,
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Only _parse_error projected: the scan still finds the bad fields.
	if got := one(t, s, "SELECT count(*) FROM c WHERE _parse_error IS NOT NULL"); got != "1" {
		t.Fatalf("parse errors: %s", got)
	}

	e.stream("tab", 1)
	e.put("tab", 0, "k", "a\t7\t1.25", "b\t\t", "c\t-3")
	e.stream("soh", 1)
	e.put("soh", 0, "k", "a\x017\x011.25", "b\x01\x01", "c\x01-3")
	exec(t, s, "CREATE STREAM TABLE tab (v STRING, n BIGINT, p DECIMAL(4,2)) FROM STREAM 'tab' FORMAT csv OPTIONS (delimiter '\t')")
	exec(t, s, `CREATE TABLE soh (v STRING, n BIGINT, p DECIMAL(4,2)) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\001' STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ("kinesis.stream.name"="soh")`)
	for _, name := range []string{"tab", "soh"} {
		got := strings.Join(rows(t, s, "SELECT v, n, p, _parse_error FROM "+name+" ORDER BY _sequence_number"), "\n")
		if want := "a|7|1.25|NULL\nb|NULL|NULL|NULL\nc|-3|NULL|NULL"; got != want {
			t.Fatalf("%s: got\n%s\nwant\n%s", name, got, want)
		}
	}
}

// TestCSVMatchesCast checks that the scan's own parsing gives exactly what
// DuckDB's TRY_CAST gives, for spellings it parses and ones it leaves to
// DuckDB.
func TestCSVMatchesCast(t *testing.T) {
	for _, slow := range []bool{false, true} {
		t.Run(fmt.Sprint("setChunkValue=", slow), func(t *testing.T) {
			noRawVectors = slow
			defer func() { noRawVectors = false }()
			testCSVMatchesCast(t)
		})
	}
}

func testCSVMatchesCast(t *testing.T) {
	types := []string{"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "DECIMAL(10,2)", "DECIMAL(4,4)", "DECIMAL(18,0)", "TIMESTAMP", "DATE", "HUGEINT", "VARCHAR"}
	vals := []string{"0", "-0", "7", "-7", "007", "+7", " 7", "7 ", "1_000", "1.5", "-1.5", "2.5", ".5", "5.", "1e3", "-", "--1", "abc",
		"127", "128", "-128", "-129", "32767", "32768", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775807", "9223372036854775808", "999999999999999999", "1000000000000000000", "0x10",
		"0.1", "3.14159265358979323846", "1.005", "12345678.12", "123456789.12", "0.0001", "0.00001", "99.99", "100.00",
		"true", "false", "TRUE", "False", "t", "f", "yes", "1.0",
		"2026-01-02", "2026-13-01", "2026-02-29", "2024-02-29", "0999-01-01", "2026-1-2",
		"2026-01-02 10:00:00", "2026-01-02 23:59:59.999999", "2026-01-02 24:00:00", "2026-01-02T10:00:00", "2026-01-02 10:00:00.1234567",
		"2026-01-02 10:00", "2026-01-02 10:00:00+02", "NaN", "inf", "-inf",
		"9007199254740993", "9007199254740993.5", "16777217", "16777217.25", "0.30000000000000004", "123456789012345678901"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		ip := strconv.FormatUint(r.Uint64()>>r.IntN(64), 10)
		fp := strconv.FormatUint(r.Uint64()>>r.IntN(64), 10)
		v := ip + "." + fp[:1+r.IntN(len(fp))]
		if r.IntN(2) == 0 {
			v = "-" + v
		}
		vals = append(vals, v, ip)
	}
	e := newEnv(t, envOpt{})
	e.stream("m", 1)
	var recs []string
	for _, v := range vals {
		recs = append(recs, strings.Repeat(v+"~", len(types)))
	}
	e.put("m", 0, "k", recs...)
	s := e.session()
	var cols, casts []string
	for i, ty := range types {
		cols = append(cols, fmt.Sprintf("c%d %s", i, ty))
		casts = append(casts, fmt.Sprintf("TRY_CAST(v AS %s)", ty))
	}
	// Every field of a record is the same value.
	exec(t, s, "CREATE STREAM TABLE m ("+strings.Join(cols, ", ")+") FROM STREAM 'm' FORMAT csv OPTIONS (delimiter '~')")
	exec(t, s, "CREATE TABLE vals (i INT, v VARCHAR)")
	for i, v := range vals {
		exec(t, s, "INSERT INTO vals VALUES ($1, $2)", i, v)
	}
	var names []string
	for i := range types {
		names = append(names, fmt.Sprintf("c%d", i))
	}
	got := rows(t, s, "SELECT "+strings.Join(names, ", ")+" FROM m ORDER BY _sequence_number")
	want := rows(t, s, "SELECT "+strings.Join(casts, ", ")+" FROM vals ORDER BY i")
	for i := range vals {
		if got[i] != want[i] {
			t.Errorf("%q:\n got  %s\n want %s", vals[i], got[i], want[i])
		}
	}
	// _parse_error names exactly the columns that did not convert.
	pes := rows(t, s, "SELECT coalesce(_parse_error, '') FROM m ORDER BY _sequence_number")
	for i := range vals {
		pe := pes[i]
		fields := strings.Split(want[i], "|")
		for j, ty := range types {
			bad := fields[j] == "NULL" && ty != "VARCHAR"
			if has := strings.Contains(pe, fmt.Sprintf("column c%d: cannot parse %q as %s", j, vals[i], ty)); has != bad {
				t.Errorf("%q column c%d (%s): _parse_error %q", vals[i], j, ty, pe)
			}
		}
	}
}
