package pgwire

import (
	"encoding/hex"
	"math"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestArrayText checks lists against what Postgres's array_out prints for
// the same arrays (psql against Postgres 15, TimeZone UTC).
func TestArrayText(t *testing.T) {
	uuid := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}
	for _, tc := range []struct {
		typ  string
		oid  uint32
		v    any
		want string
	}{
		{"INTEGER[]", OIDInt4Array, []any{int32(1), nil, int32(3)}, "{1,NULL,3}"},
		{"INTEGER[]", OIDInt4Array, []any{}, "{}"},
		{"INTEGER[3]", OIDInt4Array, []any{int32(1), int32(2), int32(3)}, "{1,2,3}"},
		{"SMALLINT[]", OIDInt2Array, []int16{-1, 2}, "{-1,2}"},
		{"TINYINT[]", OIDInt2Array, []any{int8(-1)}, "{-1}"},
		{"BIGINT[]", OIDInt8Array, []any{int64(math.MaxInt64)}, "{9223372036854775807}"},
		{"UBIGINT[]", OIDNumericArray, []any{uint64(math.MaxUint64)}, "{18446744073709551615}"},
		{"HUGEINT[]", OIDNumericArray, []any{big.NewInt(-5), nil}, "{-5,NULL}"},
		{"BOOLEAN[]", OIDBoolArray, []any{true, false, nil}, "{t,f,NULL}"},
		{"DOUBLE[]", OIDFloat8Array, []any{1.5, math.NaN(), math.Inf(-1)}, "{1.5,NaN,-Infinity}"},
		{"FLOAT[]", OIDFloat4Array, []any{float32(0.1)}, "{0.1}"},
		{"DECIMAL(10,2)[]", OIDNumericArray, []any{engineDecimal{Width: 10, Scale: 2, Value: big.NewInt(150)}}, "{1.50}"},
		{"VARCHAR[]", OIDTextArray, []any{"a b", "", nil, "NULL", "null", `x"y`, `q\z`, "{", "}", "a,b", "tab\there", "nl\n", "héllo", "plain"},
			`{"a b","",NULL,"NULL","null","x\"y","q\\z","{","}","a,b","tab	here","nl` + "\n" + `",héllo,plain}`},
		{"VARCHAR[]", OIDTextArray, []string{"NULLx", "a.b"}, "{NULLx,a.b}"},
		{"ENUM[]", OIDTextArray, []any{"sad"}, "{sad}"},
		{`"NULL"[]`, OIDTextArray, []any{}, "{}"},
		{"BLOB[]", OIDByteaArray, []any{[]byte{1, 0xff}}, `{"\\x01ff"}`},
		{"DATE[]", OIDDateArray, []any{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}, "{2024-02-29}"},
		{"TIMESTAMP[]", OIDTimestampArray, []any{time.Date(2024, 2, 29, 1, 2, 3, 500000000, time.UTC)}, `{"2024-02-29 01:02:03.5"}`},
		{"TIMESTAMP WITH TIME ZONE[]", OIDTimestamptzArray, []any{time.Date(2024, 2, 29, 1, 2, 3, 0, time.UTC)}, `{"2024-02-29 01:02:03+00"}`},
		{"UUID[]", OIDUUIDArray, []any{uuid}, "{12345678-9abc-def0-1234-56789abcdef0}"},
		{"JSON[]", OIDJSONBArray, []any{map[string]any{"a": 1.0}, []any{1.0, 2.0}, "s"}, `{"{\"a\":1}","[1,2]","\"s\""}`},
		{"INTERVAL[]", OIDIntervalArray, []any{fakeInterval{Days: 1}}, `{"1 day"}`},
		// No Postgres array type: JSON text, as before.
		{"INTEGER[][]", OIDText, []any{[]any{int32(1)}, []any{int32(2), int32(3)}}, "[[1],[2,3]]"},
		{"STRUCT(a INTEGER)[]", OIDText, []any{map[string]any{"a": int32(1)}}, `[{"a":1}]`},
		{"MAP(VARCHAR, INTEGER)[]", OIDText, []any{}, `[]`},
		{"TIME WITH TIME ZONE[]", OIDText, []any{}, `[]`},
	} {
		if oid, size := TypeOID(tc.typ); oid != tc.oid || size != -1 {
			t.Errorf("TypeOID(%q) = %d, %d, want %d, -1", tc.typ, oid, size, tc.oid)
		}
		if got, ok := FormatText(tc.typ, tc.v); !ok || got != tc.want {
			t.Errorf("text of %s %v = %q, want %q", tc.typ, tc.v, got, tc.want)
		}
	}
}

// TestArrayBinary checks array_send's layout byte for byte, and that pgx
// decodes what rheo sends as it decodes Postgres's arrays.
func TestArrayBinary(t *testing.T) {
	b, err := appendBinary(nil, OIDInt4Array, []any{int32(1), nil, int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	// What Postgres 15 sends for SELECT ARRAY[1,NULL,3] in binary.
	if want := "00000001" + "00000001" + "00000017" + "00000003" + "00000001" +
		"00000004" + "00000001" + "ffffffff" + "00000004" + "00000003"; hex.EncodeToString(b) != want {
		t.Errorf("binary int4[] = %x, want %s", b, want)
	}
	if b, _ = appendBinary(nil, OIDInt4Array, []any{}); hex.EncodeToString(b) != "000000000000000000000017" {
		t.Errorf("binary empty int4[] = %x", b)
	}
	if b, _ = appendBinary(nil, OIDTextArray, []any{"a", ""}); hex.EncodeToString(b) != "00000001"+"00000000"+"00000019"+"00000002"+"00000001"+"00000001"+"61"+"00000000" {
		t.Errorf("binary text[] = %x", b)
	}

	m := pgtype.NewMap()
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		oid uint32
		v   any
	}{
		{OIDInt2Array, []any{int16(-2), nil}},
		{OIDInt8Array, []any{int64(1) << 40}},
		{OIDFloat8Array, []any{2.25}},
		{OIDBoolArray, []any{true, nil, false}},
		{OIDTextArray, []any{"x,y", `"`, ""}},
		{OIDDateArray, []any{day}},
		{OIDNumericArray, []any{engineDecimal{Width: 10, Scale: 2, Value: big.NewInt(-1234)}}},
		{OIDTimestampArray, []any{day.Add(90 * time.Minute)}},
		{OIDUUIDArray, []any{[]byte("0123456789abcdef")}},
		{OIDByteaArray, []any{[]byte{0, 1}}},
		{OIDJSONBArray, []any{map[string]any{"a": []any{1.0}}, nil}}, // binary: a version byte before each element
	} {
		for _, format := range []int16{pgtype.TextFormatCode, pgtype.BinaryFormatCode} {
			var buf []byte
			if format == pgtype.BinaryFormatCode {
				if buf, err = appendBinary(nil, tc.oid, tc.v); err != nil {
					t.Fatalf("binary %d %v: %v", tc.oid, tc.v, err)
				}
			} else {
				buf, _ = appendText(nil, tc.oid, tc.v)
			}
			var got []any
			if err := m.Scan(tc.oid, format, buf, &got); err != nil {
				t.Errorf("pgx cannot read %d %v in format %d (%q): %v", tc.oid, tc.v, format, buf, err)
				continue
			}
			text, _ := appendText(nil, tc.oid, tc.v)
			back, err := m.Encode(tc.oid, pgtype.TextFormatCode, got, nil)
			if err != nil || string(back) != string(text) {
				t.Errorf("pgx read %d %q in format %d as %v (%q, %v)", tc.oid, text, format, got, back, err)
			}
		}
	}
	var ts []time.Time
	b, _ = appendBinary(nil, OIDTimestamptzArray, []any{day})
	if err := m.Scan(OIDTimestamptzArray, pgtype.BinaryFormatCode, b, &ts); err != nil || len(ts) != 1 || !ts[0].Equal(day) {
		t.Errorf("pgx read timestamptz[] %x as %v, %v", b, ts, err)
	}
}

// TestArrayParams: array parameters, as JDBC's setArray sends them (text)
// or pgx (binary), reach the engine as DuckDB list literals, which it
// casts to the list the statement takes.
func TestArrayParams(t *testing.T) {
	for _, tc := range []struct {
		oid    uint32
		format int16
		in     []byte
		want   string
	}{
		{OIDInt4Array, 0, []byte(`{1,NULL,3}`), `["1", NULL, "3"]`},
		{OIDInt4Array, 0, []byte(` { 1 , 2 } `), `["1", "2"]`},
		{OIDInt4Array, 0, []byte(`{}`), `[]`},
		{OIDInt4Array, 0, []byte(`[0:1]={7,8}`), `["7", "8"]`},
		{OIDTextArray, 0, []byte(`{"a b","x\"y",NULL,"","NULL","q\\z",plain, sp ace }`), `["a b", "x\"y", NULL, "", "NULL", "q\\z", "plain", "sp ace"]`},
		{OIDByteaArray, 0, []byte(`{"\\x01ff"}`), `["\\x01\\xFF"]`},
		{OIDBoolArray, 0, []byte(`{t,f}`), `["true", "false"]`},
		{OIDDateArray, 0, []byte(`{2024-02-29}`), `["2024-02-29"]`},
		{OIDInt4Array, 1, hexBytes(t, "00000001 00000001 00000017 00000003 00000001 00000004 00000001 ffffffff 00000004 00000003"), `["1", NULL, "3"]`},
		{OIDInt8Array, 1, hexBytes(t, "00000000 00000000 00000014"), `[]`},
		{OIDTextArray, 1, hexBytes(t, "00000001 00000000 00000019 00000002 00000001 00000001 61 00000000"), `["a", ""]`},
	} {
		got, err := decodeParam(tc.oid, tc.format, tc.in, nil)
		if err != nil || got != tc.want {
			t.Errorf("decodeParam(%d, %d, %q) = %#v, %v, want %s", tc.oid, tc.format, tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		oid    uint32
		format int16
		in     []byte
	}{
		{OIDInt4Array, 0, []byte(`{1,x}`)},
		{OIDInt4Array, 0, []byte(`1,2`)},
		{OIDInt4Array, 0, []byte(`{1,2`)},
		{OIDInt4Array, 0, []byte(`{{1},{2}}`)},
		{OIDTextArray, 0, []byte(`{"a}`)},
		{OIDTextArray, 0, []byte(`{a,,b}`)},
		{OIDInt4Array, 1, hexBytes(t, "00000001 00000000 00000014 00000001 00000001 00000008 0000000000000001")}, // int8 elements
		{OIDInt4Array, 1, hexBytes(t, "00000001 00000000 00000017 00000002 00000001 00000004 00000001")},         // one element short
		{OIDInt4Array, 1, hexBytes(t, "00000002 00000000 00000017 00000001 00000001 00000001 00000001 00000004 00000001")},
		{OIDInt4Array, 1, hexBytes(t, "00000001 00000000 00000017 7fffffff 00000001")},
	} {
		if got, err := decodeParam(tc.oid, tc.format, tc.in, nil); err == nil {
			t.Errorf("decodeParam(%d, %d, %q) = %#v, want an error", tc.oid, tc.format, tc.in, got)
		}
	}
}

// TestArrayParamClaimedCount: a binary array's element count comes from the
// client; a 20-byte parameter claiming a million elements must fail without
// allocating for them (every element takes at least its 4-byte length).
func TestArrayParamClaimedCount(t *testing.T) {
	in := hexBytes(t, "00000001 00000000 00000017 000fffff 00000001")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := decodeParam(OIDInt4Array, 1, in, nil); err == nil {
			t.Fatal("decoded an array shorter than its element count")
		}
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("10 short arrays claiming 2^20 elements allocated %d bytes", n)
	}
}
