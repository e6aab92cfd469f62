package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

// engineDecimal has the shape of DuckDB's Decimal, whose String drops
// trailing zeros.
type engineDecimal struct {
	Width, Scale uint8
	Value        *big.Int
}

func (d engineDecimal) String() string {
	s := d.Value.String()
	return strings.TrimRight(s, "0") // wrong on purpose: the scale must come from Scale
}

func TestDecimalKeepsScale(t *testing.T) {
	for _, tc := range []struct {
		v     int64
		scale uint8
		want  string
	}{
		{350, 2, "3.50"}, {0, 2, "0.00"}, {-5, 3, "-0.005"}, {1200, 0, "1200"}, {-123456, 2, "-1234.56"}, {7, 1, "0.7"},
	} {
		d := engineDecimal{Width: 18, Scale: tc.scale, Value: big.NewInt(tc.v)}
		if got, ok := FormatText("DECIMAL(18,2)", d); !ok || got != tc.want {
			t.Errorf("text of %d scale %d = %q, want %q", tc.v, tc.scale, got, tc.want)
		}
		b, err := appendBinary(nil, OIDNumeric, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decodeNumeric(b); err != nil || got != tc.want {
			t.Errorf("binary of %d scale %d = %q, %v, want %q", tc.v, tc.scale, got, err, tc.want)
		}
		if got := JSONValue("DECIMAL(18,2)", d); got != any(json.Number(tc.want)) {
			t.Errorf("JSON of %d scale %d = %#v, want %s", tc.v, tc.scale, got, tc.want)
		}
	}
	var nilDec *engineDecimal
	if _, ok := FormatText("DECIMAL(18,2)", nilDec); ok {
		t.Error("nil decimal pointer is not NULL")
	}
}

// engineUnion has the shape of DuckDB's Union.
type engineUnion struct {
	Value any
	Tag   string
}

// TestValuesWithoutTextForm: a value of a Go type FormatText has no case
// for is sent as JSON, and never loops between the text and JSON forms:
// SELECT union_value(k := 1) overflowed the stack and killed the server.
func TestValuesWithoutTextForm(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{engineUnion{Value: int32(1), Tag: "k"}, "1"},
		{engineUnion{Value: "a", Tag: "s"}, `"a"`},
		{[]any{engineUnion{Value: int64(2), Tag: "k"}}, "[2]"},
		{map[string]any{"u": engineUnion{Value: nil, Tag: "k"}}, `{"u":null}`},
		{struct{ A, B, C int }{1, 2, 3}, `"{1 2 3}"`},
		{[3]int{1, 2, 3}, "[1,2,3]"},
		{complex(1, 2), `"(1+2i)"`},
	} {
		got, ok := FormatText("UNION(k INTEGER)", tc.v)
		if !ok || got != tc.want {
			t.Errorf("text of %#v = %q, %v, want %q", tc.v, got, ok, tc.want)
		}
		b, err := appendBinary(nil, OIDText, tc.v)
		if err != nil || string(b) != tc.want {
			t.Errorf("binary of %#v = %q, %v, want %q", tc.v, b, err, tc.want)
		}
	}
}

// TestInfiniteAndBCTimes: DuckDB's infinite dates and timestamps go out
// as Postgres's infinity and -infinity (text) and largest and smallest
// counts (binary), and come back in from both; years before 1 are
// Postgres's "BC" form. They went out as year 5881580 or 294247 and as
// "-0043-03-15", which pgx and JDBC refuse or misread.
func TestInfiniteAndBCTimes(t *testing.T) {
	bc := time.Date(-43, 3, 15, 10, 11, 12, 500000000, time.UTC)
	for _, tc := range []struct {
		typ  string
		v    time.Time
		text string
		bin  string
	}{
		{"DATE", dateInf, "infinity", "7fffffff"},
		{"DATE", dateNegInf, "-infinity", "80000000"},
		{"TIMESTAMP", tsInf, "infinity", "7fffffffffffffff"},
		{"TIMESTAMP WITH TIME ZONE", tsNegInf, "-infinity", "8000000000000000"},
		{"TIMESTAMP", tsNanoInf, "infinity", "7fffffffffffffff"},
		{"DATE", time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC), "0044-03-15 BC", ""},
		{"TIMESTAMP", bc, "0044-03-15 10:11:12.5 BC", ""},
		{"TIMESTAMP WITH TIME ZONE", bc, "0044-03-15 10:11:12.5+00 BC", ""},
		{"DATE", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "0001-01-01 BC", ""},
	} {
		if got, ok := FormatText(tc.typ, tc.v); !ok || got != tc.text {
			t.Errorf("text of %s %v = %q, want %q", tc.typ, tc.v, got, tc.text)
		}
		oid, _ := TypeOID(tc.typ)
		b, err := appendBinary(nil, oid, tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if tc.bin != "" && hex.EncodeToString(b) != tc.bin {
			t.Errorf("binary of %s %v = %x, want %s", tc.typ, tc.v, b, tc.bin)
		}
		// Both forms come back as the value, or for timestamps' infinities
		// as the text DuckDB casts (duckdb-go binds no time that late).
		for format, raw := range [][]byte{[]byte(tc.text), b} {
			got, err := decodeParam(oid, int16(format), raw, nil)
			want := any(tc.v)
			if oid != OIDDate && infinity(tc.v) != 0 {
				want = strings.TrimPrefix(tc.text, "+")
			}
			if tm, ok := got.(time.Time); ok && !tm.Equal(tc.v) || !ok && got != want || err != nil {
				t.Errorf("parameter %s %q (format %d) = %#v, %v, want %v", tc.typ, raw, format, got, err, want)
			}
		}
	}
	if got := JSONValue("DATE", dateInf); got != "infinity" {
		t.Errorf("JSON of infinity = %#v", got)
	}
}

// TestTimetz: TIME WITH TIME ZONE is Postgres's timetz (1266) in its text
// and binary forms, not the JSON timestamp "0001-01-01T07:04:56.789Z".
func TestTimetz(t *testing.T) {
	if oid, size := TypeOID("TIME WITH TIME ZONE"); oid != OIDTimetz || size != 12 {
		t.Errorf("TypeOID = %d, %d", oid, size)
	}
	v := time.Date(1, 1, 1, 7, 4, 56, 789000000, time.UTC)
	if got, ok := FormatText("TIME WITH TIME ZONE", v); !ok || got != "07:04:56.789+00" {
		t.Errorf("text = %q", got)
	}
	if got := JSONValue("TIME WITH TIME ZONE", v.In(time.FixedZone("", -(3*3600+1800)))); got != "03:34:56.789-03:30" {
		t.Errorf("JSON = %#v", got)
	}
	b, err := appendBinary(nil, OIDTimetz, v.In(time.FixedZone("", 3600))) // 08:04:56.789+01
	if err != nil || hex.EncodeToString(b) != "00000006c64dc408"+"fffff1f0" {
		t.Errorf("binary = %x, %v", b, err)
	}
}

// TestVectorText: int2vector and oidvector (pg_index's indkey, indclass)
// print as Postgres prints them, numbers separated by spaces.
func TestVectorText(t *testing.T) {
	for typ, want := range map[string]uint32{"INT2VECTOR": OIDInt2Vector, "OIDVECTOR": OIDOIDVector, "NAME[]": OIDNameArray} {
		if oid, _ := TypeOID(typ); oid != want {
			t.Errorf("TypeOID(%s) = %d, want %d", typ, oid, want)
		}
	}
	if s, _ := FormatText("INT2VECTOR", []any{int16(3), int16(1)}); s != "3 1" {
		t.Errorf("int2vector text %q", s)
	}
	if s, _ := FormatText("OIDVECTOR", []any{int64(3000000001)}); s != "3000000001" {
		t.Errorf("oidvector text %q", s)
	}
	if s, _ := FormatText("INT2VECTOR", []any{}); s != "" {
		t.Errorf("empty int2vector text %q", s)
	}
	if s, _ := FormatText("NAME[]", []any{"id", "created At"}); s != `{id,"created At"}` {
		t.Errorf("name[] text %q", s)
	}
	b, err := appendBinary(nil, OIDOIDVector, []any{int64(3000000001)})
	if err != nil || len(b) != 20+8 || binary.BigEndian.Uint32(b[8:]) != OIDOid || binary.BigEndian.Uint32(b[24:]) != 3000000001 {
		t.Errorf("oidvector binary %x, %v", b, err)
	}
}

// TestJSONValueText: the engine (duckdb-go) decodes a JSON value, so a Go
// string in a JSON column is a JSON string, which Postgres prints quoted:
// to_json('abc') is "abc", which clients then parse as JSON (pgx failed
// on abc: invalid character 'a'). No HTML escaping, as in Postgres.
func TestJSONValueText(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{"abc", `"abc"`},
		{`{"a":1}`, `"{\"a\":1}"`},
		{"<a&b>", `"<a&b>"`},
		{map[string]any{"h": "<&>", "n": 1.5}, `{"h":"<&>","n":1.5}`},
		{[]any{"x", 2.0, nil, true}, `["x",2,null,true]`},
		{json.RawMessage(`{"r":true}`), `{"r":true}`},
		// A top-level JSON boolean or number, not Postgres's t and f.
		{true, `true`},
		{false, `false`},
		{123.0, `123`},
	} {
		for _, typ := range []string{"JSON"} {
			if got, ok := FormatText(typ, tc.v); !ok || got != tc.want {
				t.Errorf("FormatText(%s, %#v) = %q, want %q", typ, tc.v, got, tc.want)
			}
		}
		b, err := appendBinary(nil, OIDJSONB, tc.v)
		if err != nil || string(b) != "\x01"+tc.want {
			t.Errorf("jsonb binary of %#v = %q, %v", tc.v, b, err)
		}
		if got, _ := appendText(nil, OIDJSON, tc.v); string(got) != tc.want {
			t.Errorf("json text of %#v = %q", tc.v, got)
		}
	}
	// Other types' strings are not touched.
	if got, _ := FormatText("VARCHAR", "abc"); got != "abc" {
		t.Errorf("VARCHAR: %q", got)
	}
}
