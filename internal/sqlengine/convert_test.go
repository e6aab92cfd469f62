package sqlengine

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const accessDDL = "CREATE TABLE access (host VARCHAR, status INT, bytes BIGINT, ts TIMESTAMP, ok BOOLEAN, price DECIMAL(10,2), tags VARCHAR[], geo STRUCT(country VARCHAR, city VARCHAR))"

func TestConvertCases(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, accessDDL)
	recs := []string{
		0:  `{"host":"a","status":200,"bytes":10,"ts":"2026-01-02T10:00:00Z","ok":true,"price":1.25,"tags":["x","y"],"geo":{"country":"FR","city":"Paris"}}`,
		1:  `{"Host":"b","STATUS":"404","extra":{"z":1}}`,                    // case-insensitive keys, string number, extra key
		2:  `{"host":"c","status":"abc"}`,                                    // bad INT
		3:  `{"host":"d"`,                                                    // truncated
		4:  `[1,2]`,                                                          // not an object
		5:  `{"host":"e","ts":1767348000}`,                                   // epoch seconds
		6:  `{"host":"f","ts":1767348000123}`,                                // epoch millis
		7:  `{"host":"g","ts":"2026-01-02 10:00:00.5"}  {"host":"h"}` + "\n", // two documents
		8:  `{"host":"i","tags":"notalist"}`,                                 // bad list
		9:  `{"host":"j","ts":"yesterday"}`,                                  // bad timestamp
		10: "{\"host\":\"k\xff\"}",                                           // invalid UTF-8
		11: `{"host":null,"status":null}`,                                    // nulls
		12: ``,                                                               // empty
		13: `{"host":"l","geo":{"Country":"DE"}}`,                            // nested key case
		14: `{"host":"m","status":1,"x":NaN}`,                                // not RFC 8259 JSON
	}
	var in [][]byte
	for _, r := range recs {
		in = append(in, []byte(r))
	}
	path := filepath.Join(e.dir, "out.parquet")
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "openx", CaseInsensitive: true, Serializer: "parquet", Records: in, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var failed []int
	for _, f := range res.Failed {
		if f.Code != "DataFormatConversion.MalformedData" || f.Message == "" {
			t.Errorf("failure %+v", f)
		}
		failed = append(failed, f.Index)
	}
	if fmt.Sprint(failed) != "[2 3 4 8 9 10 12 14]" {
		t.Fatalf("failed %v: %+v", failed, res.Failed)
	}
	if res.Rows != 8 {
		t.Fatalf("rows %d", res.Rows)
	}
	got := rows(t, s, "SELECT host, status, bytes, ts, ok, price, tags, geo FROM read_parquet('"+path+"')")
	want := []string{
		"a|200|10|2026-01-02T10:00:00Z|true|1.25|[x y]|map[city:Paris country:FR]",
		"b|404|NULL|NULL|NULL|NULL|NULL|NULL",
		"e|NULL|NULL|2026-01-02T10:00:00Z|NULL|NULL|NULL|NULL",
		"f|NULL|NULL|2026-01-02T10:00:00.123Z|NULL|NULL|NULL|NULL",
		"g|NULL|NULL|2026-01-02T10:00:00.5Z|NULL|NULL|NULL|NULL",
		"h|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"l|NULL|NULL|NULL|NULL|NULL|NULL|map[city:<nil> country:DE]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Case-sensitive OpenX: "Host" no longer matches host.
	res, err = e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "openx", Records: in[1:2], Path: path})
	if err != nil || res.Rows != 1 {
		t.Fatal(res, err)
	}
	if got := one(t, s, "SELECT host, status FROM read_parquet('"+path+"')"); got != "NULL|NULL" {
		t.Fatal(got)
	}
	// Mappings and dots: column host reads "h.name".
	res, err = e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "openx", CaseInsensitive: true, DotsToUnderscores: true,
		ColumnToJSONKey: map[string]string{"host": "h.name"}, Records: [][]byte{[]byte(`{"H.Name":"mapped","status":1}`)}, Path: path, Compression: "GZIP"})
	if err != nil || res.Rows != 1 {
		t.Fatal(res, err)
	}
	if got := one(t, s, "SELECT host, status FROM read_parquet('"+path+"')"); got != "mapped|1" {
		t.Fatal(got)
	}
	// Hive with a Joda timestamp format.
	res, err = e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "hive", TimestampFormats: []string{"dd/MM/yyyy HH:mm"},
		Records: [][]byte{[]byte(`{"host":"hv","ts":"02/01/2026 10:30"}`)}, Path: path, Compression: "ZSTD"})
	if err != nil || res.Rows != 1 {
		t.Fatal(res, err)
	}
	if got := one(t, s, "SELECT host, ts FROM read_parquet('"+path+"')"); got != "hv|2026-01-02T10:30:00Z" {
		t.Fatal(got)
	}
	// All records bad: an empty (zero-row) Parquet file, every record failed.
	res, err = e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Records: [][]byte{[]byte("x"), []byte("{")}, Path: path})
	if err != nil || res.Rows != 0 || len(res.Failed) != 2 {
		t.Fatal(res, err)
	}
	// Errors for the batch.
	for _, req := range []*ConvertRequest{
		{Table: "nosuch", Path: path},
		{Table: "access", Serializer: "orc", Path: path},
		{Table: "access", Compression: "LZ4", Path: path},
		{Table: "access", Deserializer: "hive", TimestampFormats: []string{"yyyy-QQ"}, Path: path},
	} {
		if _, err := e.eng.Convert(context.Background(), req); err == nil {
			t.Errorf("%+v: no error", req)
		}
	}
	if err := e.eng.CheckTable(context.Background(), "default", "ACCESS"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CheckTable(context.Background(), "main", "access"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CheckTable(context.Background(), "public", "access"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.CheckTable(context.Background(), "otherdb", "access"); err == nil {
		t.Fatal("otherdb.access exists?")
	}
	// Stream tables count, with their own columns only.
	exec(t, s, "CREATE STREAM TABLE st (a INT, b VARCHAR) FROM STREAM 'nostream' FORMAT json")
	res, err = e.eng.Convert(context.Background(), &ConvertRequest{Table: "st", Records: [][]byte{[]byte(`{"a":1,"b":"x"}`)}, Path: path})
	if err != nil || res.Rows != 1 {
		t.Fatal(res, err)
	}
	if got := one(t, s, "SELECT * FROM read_parquet('"+path+"')"); got != "1|x" {
		t.Fatal(got)
	}
}

// accessRecord builds an access-log-like JSON record of about 1 KiB.
func accessRecord(r *rand.Rand, i int) map[string]any {
	return map[string]any{
		"host":      fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)),
		"status":    []int{200, 200, 200, 301, 404, 500}[r.IntN(6)],
		"bytes":     r.Int64N(1 << 40),
		"ts":        fmt.Sprintf("2026-01-%02dT%02d:%02d:%02d.%03dZ", 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000)),
		"ok":        r.IntN(2) == 0,
		"price":     fmt.Sprintf("%d.%02d", r.IntN(100000), r.IntN(100)),
		"tags":      []string{"t" + fmt.Sprint(r.IntN(10)), "u" + fmt.Sprint(i%7)},
		"geo":       map[string]any{"country": []string{"FR", "DE", "US"}[r.IntN(3)], "city": "c" + fmt.Sprint(r.IntN(1000))},
		"request":   "GET /some/path/" + strings.Repeat("seg/", 20+r.IntN(10)) + fmt.Sprint(i) + " HTTP/1.1",
		"useragent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 " + strings.Repeat("x", 300+r.IntN(200)),
		"referrer":  "https://example.com/" + strings.Repeat("r", 100+r.IntN(100)),
	}
}

func accessRecords(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		b, _ := json.Marshal(accessRecord(r, i))
		out[i] = b
	}
	return out
}

// TestConvertRoundTrip converts generated records and compares every row
// read back with DuckDB with its record.
func TestConvertRoundTrip(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, accessDDL)
	recs := accessRecords(5000)
	path := filepath.Join(e.dir, "rt.parquet")
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "openx", CaseInsensitive: true, Records: recs, Path: path})
	if err != nil || len(res.Failed) != 0 || res.Rows != len(recs) {
		t.Fatalf("%d rows, failed %v, %v", res.Rows, res.Failed, err)
	}
	got := rows(t, s, "SELECT host, status, bytes, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ'), ok, price::VARCHAR, tags, geo.country, geo.city FROM read_parquet('"+path+"')")
	if len(got) != len(recs) {
		t.Fatalf("%d rows read back", len(got))
	}
	for i, rec := range recs {
		var m map[string]any
		if err := json.Unmarshal(rec, &m); err != nil {
			t.Fatal(err)
		}
		geo := m["geo"].(map[string]any)
		tags := m["tags"].([]any)
		want := fmt.Sprintf("%s|%v|%d|%s|%v|%s|[%v %v]|%s|%s", m["host"], m["status"], int64(m["bytes"].(float64)), m["ts"], m["ok"], m["price"], tags[0], tags[1], geo["country"], geo["city"])
		if got[i] != want {
			t.Fatalf("row %d:\n got %s\nwant %s", i, got[i], want)
		}
	}
}

func TestJSONDocs(t *testing.T) {
	cases := []struct {
		in   string
		docs []string
		bad  bool
	}{
		{`{}`, []string{`{}`}, false},
		{` {"A":1} {"b.C":[1,{"D":2}]}`, []string{`{"a":1}`, `{"b_c":[1,{"d":2}]}`}, false},
		{`{"a":"X\"Y","n":-0.5e+3,"t":true,"f":false,"z":null,"u":"\u00e9"}`, []string{`{"a":"X\"Y","n":-0.5e+3,"t":true,"f":false,"z":null,"u":"\u00e9"}`}, false},
		{`{"a":01}`, nil, true},
		{`{"a":1,}`, nil, true},
		{`{"a":.5}`, nil, true},
		{`{"a":"\x"}`, nil, true},
		{"{\"a\":\"\t\"}", nil, true},
		{`{"a":1} 5`, nil, true},
		{`   `, nil, true},
		{`{"a":[1,2}`, nil, true},
		{`{"a":tru}`, nil, true},
		{strings.Repeat(`{"a":`, 600) + "1" + strings.Repeat("}", 600), nil, true},
	}
	for _, c := range cases {
		j := jsonDocs{lower: true, dots: true}
		var scratch []byte
		var docs []string
		err := j.split([]byte(c.in), &scratch, func(d []byte, _ bool, _ uint64) { docs = append(docs, string(d)) })
		if (err != nil) != c.bad {
			t.Errorf("%q: err %v", c.in, err)
			continue
		}
		if !c.bad && fmt.Sprint(docs) != fmt.Sprint(c.docs) {
			t.Errorf("%q: docs %q want %q", c.in, docs, c.docs)
		}
	}
}

// FuzzJSONDocs checks that every document jsonDocs accepts is valid JSON
// for Go's decoder too (DuckDB's reader accepts a superset of RFC 8259).
func FuzzJSONDocs(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,"x",{"b":null}]}{"c":true}`, `{"a":"\u00e9\n"}`, `{"a":1e5}`, `[1]`, `{"a":}`, `{"A\u0062":1,"c.D":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// keys: the top-level key lookup (escaped keys decoded) runs too.
		j := jsonDocs{lower: true, dots: true, keys: map[string]int{"a": 0, "ab": 1, "c_d": 2}}
		var scratch []byte
		_ = j.split(b, &scratch, func(d []byte, _ bool, _ uint64) {
			if !json.Valid(d) {
				t.Fatalf("accepted invalid JSON %q (from %q)", d, b)
			}
		})
	})
}

func writeNDJSON(t testing.TB, path string, recs [][]byte) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		f.Write(r)
		f.Write([]byte{'\n'})
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConvertParserFallback: a document DuckDB's parser rejects (here
// because the Go check is off) fails alone instead of failing the batch.
func TestConvertParserFallback(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, accessDDL)
	noJSONCheck = true
	defer func() { noJSONCheck = false }()
	path := filepath.Join(e.dir, "fb.parquet")
	recs := [][]byte{[]byte(`{"host":"a"}`), []byte(`{"host":`), []byte(`{"host":"c"}`)}
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Records: recs, Path: path})
	if err != nil || res.Rows != 2 || len(res.Failed) != 1 || res.Failed[0].Index != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := strings.Join(rows(t, s, "SELECT host FROM read_parquet('"+path+"')"), ","); got != "a,c" {
		t.Fatal(got)
	}
}

func TestConvertEdgeValues(t *testing.T) {
	e := newEnv(t, envOpt{})
	exec(t, e.session(), accessDDL)
	path := filepath.Join(e.dir, "edge.parquet")
	for rec, wantFail := range map[string]bool{
		`{"host":"a","bytes":1e999}`:                          true,
		`{"host":"a","bytes":123456789012345678901234567890}`: true,
		`{"host":"a","x":1e999}`:                              false,
		`{"host":"\ud800"}`:                                   true,
		`{"host":"\udc00"}`:                                   true,
		`{"host":"\ud83d\ude00"}`:                             false,
		`{"host":"a\u0000b"}`:                                 false,
	} {
		res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", CaseInsensitive: true, Records: [][]byte{[]byte(rec)}, Path: path})
		if err != nil {
			t.Errorf("%s: %v", rec, err)
			continue
		}
		if failed := len(res.Failed) == 1; failed != wantFail || res.Rows+len(res.Failed) != 1 {
			t.Errorf("%s: %+v", rec, res)
		}
	}
}

// TestConvertWideTable goes through the materialising plan: more columns
// than the fast path's bit mask holds.
func TestConvertWideTable(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	var cols, vals []string
	for i := range 70 {
		cols = append(cols, fmt.Sprintf("c%d INT", i))
		vals = append(vals, fmt.Sprintf(`"C%d":%d`, i, i))
	}
	exec(t, s, "CREATE TABLE wide ("+strings.Join(cols, ", ")+")")
	path := filepath.Join(e.dir, "wide.parquet")
	recs := [][]byte{[]byte("{" + strings.Join(vals, ",") + "}"), []byte(`{"c69":"x"}`), []byte(`{"c1":1}`)}
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "wide", CaseInsensitive: true, Records: recs, Path: path})
	if err != nil || res.Rows != 2 || len(res.Failed) != 1 || res.Failed[0].Index != 1 || !strings.Contains(res.Failed[0].Message, "column c69") {
		t.Fatalf("%+v %v", res, err)
	}
	if got := strings.Join(rows(t, s, "SELECT c0, c1, c69 FROM read_parquet('"+path+"')"), ";"); got != "0|1|69;NULL|1|NULL" {
		t.Fatal(got)
	}
}

// A key written with JSON escapes is the same key to DuckDB ("a\u0062" is
// "ab"), so a value of it that does not convert is a failure, not a
// silent NULL.
func TestConvertEscapedKeys(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE esc (ab INT, c_d VARCHAR)")
	recs := []string{
		`{"a\u0062":"notanumber","c_d":"x"}`,
		`{"a\u0062":7,"c\u002ed":"y"}`,
		`{"\u0041B":8,"C.D":"z"}`,
	}
	var in [][]byte
	for _, r := range recs {
		in = append(in, []byte(r))
	}
	path := filepath.Join(e.dir, "esc.parquet")
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "esc", Deserializer: "openx", CaseInsensitive: true, DotsToUnderscores: true, Serializer: "parquet", Records: in, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Index != 0 || res.Rows != 2 {
		t.Fatalf("%+v", res)
	}
	got := strings.Join(rows(t, s, "SELECT ab FROM read_parquet('"+path+"')"), " ")
	// "\u0041B" is "Ab" for DuckDB (rheo folds only literal ASCII
	// letters), so it does not match ab: a missing key, not a failure.
	if got != "7 NULL" {
		t.Fatal(got)
	}
}

// A batch of garbage (every record fails) converts in about the time of a
// good batch, with its failures in record order: the failures used to be
// insertion-sorted, minutes for a few hundred thousand records.
func TestConvertAllRecordsBad(t *testing.T) {
	if testing.Short() {
		t.Skip("200k records")
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE allbad (a INT)")
	const n = 200000
	in := make([][]byte, n)
	for i := range in {
		if i%2 == 0 {
			in[i] = []byte(`{"a":`) // malformed: failed while scanning
		} else {
			in[i] = []byte(`{"a":"x"}`) // does not convert: failed by the query
		}
	}
	start := time.Now()
	res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "allbad", Deserializer: "openx", Serializer: "parquet", Records: in, Path: filepath.Join(e.dir, "allbad.parquet")})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("took %v", d)
	}
	if res.Rows != 0 || len(res.Failed) != n {
		t.Fatalf("rows %d, %d failures", res.Rows, len(res.Failed))
	}
	for i, f := range res.Failed {
		if f.Index != i {
			t.Fatalf("failure %d is record %d", i, f.Index)
		}
	}
}
