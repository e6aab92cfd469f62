package pgwire

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
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
