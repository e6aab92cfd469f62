package objkey

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		query string
		keys  []string
	}{
		{"{region: .region}", []string{"region"}},
		{"{region: .region, city: .address.city, id: .customer_id}", []string{"region", "city", "id"}},
		{` { "a-b" : ."x-y" , c:.c } `, []string{"a-b", "c"}},
		{`{k: .a["b"]}`, []string{"k"}},
		{`{k: .a[0]}`, []string{"k"}},
		{`{k: .[0]}`, []string{"k"}},
		{`{k: .["a b"]."c"[1].d}`, []string{"k"}},
		{`{k: .}`, []string{"k"}},
		{"{region}", []string{"region"}},
		{`{"quoted"}`, []string{"quoted"}},
		{"{a: .x, a: .y}", []string{"a"}},
		{"{if: .if, _x1: .a_b}", []string{"if", "_x1"}},
		{"{a: .a,\n # comment\n b: .b}", []string{"a", "b"}},
		{`{"\u00e9": .x}`, []string{"é"}},
		{"{a: .a[ 2 ]}", []string{"a"}},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.query, err)
			continue
		}
		if !reflect.DeepEqual(q.Keys(), tt.keys) {
			t.Errorf("ParseQuery(%q).Keys() = %v, want %v", tt.query, q.Keys(), tt.keys)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		query string
		want  string // part of the message
	}{
		{"", "only an object of paths"},
		{".region", "only an object of paths"},
		{"{}", "no keys"},
		{"{a: .a", "expected ',' or '}'"},
		{"{a .a}", "expected ':'"},
		{"{a: region}", "path starting with '.'"},
		{`{year: .ts | strftime("%Y")}`, "pipes and functions"},
		{"{a: .a} | .a", "pipes and functions"},
		{"{a: .a} x", "unexpected text"},
		{"{a: .a?}", "optional operator"},
		{"{a: .a[]}", "iteration"},
		{"{a: .a[-1]}", "negative array indexes"},
		{"{a: .a[1:2]}", "slices"},
		{"{a: .a[x]}", "quoted name or an array index"},
		{"{a: .a.}", "field name after '.'"},
		{"{a: .a.[0]}", "field name after '.'"},
		{"{$a: .a}", "computed keys"},
		{"{(.k): .a}", "computed keys"},
		{`{"a\(1)": .a}`, "interpolation"},
		{`{"a: .a}`, "unterminated string"},
		{`{"\x": .a}`, "invalid string literal"},
		{"{1: .a}", "expected a key"},
		{"{a: .a[99999999999]}", "out of range"},
		{"{a: " + strings.Repeat(".a", 3000) + "}", "length less than or equal to 5120"},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query)
		if err == nil {
			t.Errorf("ParseQuery(%q) = %v, want error containing %q", tt.query, q.Keys(), tt.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Message, tt.want) {
			t.Errorf("ParseQuery(%q) error %q, want *Error containing %q", tt.query, err, tt.want)
		}
	}
}

func TestEval(t *testing.T) {
	const record = `{
		"type": {"device": "mobile", "event": "user_clicked_submit_button"},
		"customer_id": "1234567890",
		"event_timestamp": 1565382027,
		"region": "sample_region",
		"price": 1.50,
		"big": 1e17,
		"ok": true, "no": false, "nothing": null,
		"tags": ["a", {"b": "deep"}, 3],
		"esc\"aped": "v\u00e9\n",
		"a-b": "dash",
		"obj": {"x": 1}
	}`
	tests := []struct {
		query string
		want  map[string]string
	}{
		{"{customer_id: .customer_id}", map[string]string{"customer_id": "1234567890"}},
		{"{device: .type.device, region: .region}", map[string]string{"device": "mobile", "region": "sample_region"}},
		{"{ts: .event_timestamp, price: .price, big: .big}", map[string]string{"ts": "1565382027", "price": "1.5", "big": "1e+17"}},
		{"{ok: .ok, no: .no}", map[string]string{"ok": "true", "no": "false"}},
		{"{t0: .tags[0], t1b: .tags[1].b, t2: .tags[2]}", map[string]string{"t0": "a", "t1b": "deep", "t2": "3"}},
		{`{e: ."esc\"aped"}`, map[string]string{"e": "vé\n"}},
		{`{d: ."a-b", d2: .["a-b"]}`, map[string]string{"d": "dash", "d2": "dash"}},
		{"{type: .type.device, event: .type.event}", map[string]string{"type": "mobile", "event": "user_clicked_submit_button"}},
		{"{region}", map[string]string{"region": "sample_region"}},
		{"{x: .obj.x, same: .obj.x}", map[string]string{"x": "1", "same": "1"}},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query)
		if err != nil {
			t.Fatalf("ParseQuery(%q): %v", tt.query, err)
		}
		got, err := q.Eval([]byte(record))
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.query, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Eval(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestEvalFailures(t *testing.T) {
	tests := []struct {
		query, record string
		want          error
	}{
		{"{a: .a}", `{"b": 1}`, ErrMissingPartitionKey},
		{"{a: .a}", `{"a": null}`, ErrMissingPartitionKey},
		{"{a: .a.b}", `{"a": "string"}`, ErrMissingPartitionKey},
		{"{a: .a[5]}", `{"a": [1, 2]}`, ErrMissingPartitionKey},
		{"{a: .a[0]}", `{"a": {"0": 1}}`, ErrMissingPartitionKey},
		{"{a: .a.b}", `{"a": [1]}`, ErrMissingPartitionKey},
		{"{a: .a}", `[1, 2]`, ErrMissingPartitionKey},
		{"{a: .a}", `"text"`, ErrMissingPartitionKey},
		{"{a: .a.b}", `{"a": {"b": 1}, "a": {"c": 2}}`, ErrMissingPartitionKey},
		{"{a: .a}", `{"a": {"b": 1}}`, ErrPartitionValue},
		{"{a: .a}", `{"a": []}`, ErrPartitionValue},
		{"{a: .}", `{"a": 1}`, ErrPartitionValue},
		{"{a: .a}", ``, ErrNotJSON},
		{"{a: .a}", `   `, ErrNotJSON},
		{"{a: .a}", `not json`, ErrNotJSON},
		{"{a: .a}", `{"a": 1`, ErrNotJSON},
		{"{a: .a}", `{"a": 1}{"a": 2}`, ErrNotJSON},
		{"{a: .a}", `{"a": 1,}`, ErrNotJSON},
		{"{a: .a}", `{"a" 1}`, ErrNotJSON},
		{"{a: .a}", `{a: 1}`, ErrNotJSON},
		{"{a: .a}", `{"a": 01}`, ErrNotJSON},
		{"{a: .a}", `{"a": 1.}`, ErrNotJSON},
		{"{a: .a}", `{"a": -}`, ErrNotJSON},
		{"{a: .a}", `{"a": 1e}`, ErrNotJSON},
		{"{a: .a}", `{"a": tru}`, ErrNotJSON},
		{"{a: .a}", `{"a": "x\q"}`, ErrNotJSON},
		{"{a: .a}", `{"a": "\u12"}`, ErrNotJSON},
		{"{a: .a}", `{"a": "open}`, ErrNotJSON},
		{"{a: .a}", `{"b": [1 2], "a": 1}`, ErrNotJSON},
		{"{a: .a}", strings.Repeat("[", 300) + strings.Repeat("]", 300), ErrNotJSON},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := q.Eval([]byte(tt.record))
		if !errors.Is(err, tt.want) {
			t.Errorf("Eval(%q, %q) = %v, %v; want %v", tt.query, tt.record, got, err, tt.want)
		}
	}
}

// jq takes the last of repeated members; a later member replaces what an
// earlier one set, also below it.
func TestEvalDuplicateMembers(t *testing.T) {
	q, err := ParseQuery("{a: .a, b: .o.b}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Eval([]byte(`{"a": "first", "o": {"b": 1}, "a": "second", "o": {"b": 2}}`))
	if err != nil || got["a"] != "second" || got["b"] != "2" {
		t.Errorf("Eval = %v, %v", got, err)
	}
}

func TestEvalValuesReusesStorage(t *testing.T) {
	q, err := ParseQuery("{x: .x, y: .y}")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]string, 0, 4)
	vals, err := q.EvalValues([]byte(`{"y": "Y", "x": "X"}`), buf)
	if err != nil || !reflect.DeepEqual(vals, []string{"X", "Y"}) || &vals[:1][0] != &buf[:1][0] {
		t.Errorf("EvalValues = %v, %v", vals, err)
	}
	if _, err := q.EvalValues([]byte(`{"y": "Y2"}`), vals); !errors.Is(err, ErrMissingPartitionKey) {
		t.Errorf("stale value from the previous record survived: %v", err)
	}
}

func TestEvalManyKeys(t *testing.T) {
	var qb, rb strings.Builder
	qb.WriteString("{")
	rb.WriteString("{")
	want := map[string]string{}
	for i := 0; i < 40; i++ {
		k := "k" + strings.Repeat("x", i)
		if i > 0 {
			qb.WriteString(",")
			rb.WriteString(",")
		}
		qb.WriteString(k + ": ." + k)
		rb.WriteString(`"` + k + `": "v` + k + `"`)
		want[k] = "v" + k
	}
	qb.WriteString("}")
	rb.WriteString("}")
	q, err := ParseQuery(qb.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Eval([]byte(rb.String()))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Eval with 40 keys = %v, %v", len(got), err)
	}
}

func TestJQNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "-0"},
		{"7", "7"},
		{"-12", "-12"},
		{"1565382027", "1565382027"},
		{"123456789012345", "123456789012345"},
		{"1234567890123456", "1234567890123456"},
		{"123456789012345678", "123456789012345680"},
		{"100000000000000000", "1e+17"},
		{"1.0", "1"},
		{"1.50", "1.5"},
		{"1.5e3", "1500"},
		{"1E2", "100"},
		{"0.1", "0.1"},
		{"0.001", "0.001"},
		{"0.0001", "0.0001"},
		{"0.00001", "1e-05"},
		{"-2.5e-7", "-2.5e-07"},
		{"1e100", "1e+100"},
		{"1e400", "1.7976931348623157e+308"},
		{"3.14159", "3.14159"},
		{"1e-400", "0"},
		{"-1e-400", "-0"},
		{"-1e400", "-1.7976931348623157e+308"},
	}
	for _, tt := range tests {
		if got := jqNumber([]byte(tt.in)); got != tt.want {
			t.Errorf("jqNumber(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Escapes are checked in linear time: a megabyte of them is scanned at once.
func TestEvalManyEscapes(t *testing.T) {
	q, err := ParseQuery("{a: .a}")
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"skip": "` + strings.Repeat(`\n\"`, 1<<18) + `", "a": "x\"y\\"}`
	start := time.Now()
	got, err := q.Eval([]byte(rec))
	if err != nil || got["a"] != `x"y\` {
		t.Fatalf("Eval = %q, %v", got["a"], err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("scanning 1 MiB of escapes took %v", d)
	}
}

// Producers often end each record with a newline; surrounding whitespace
// is part of a valid JSON text.
func TestEvalWhitespace(t *testing.T) {
	q, err := ParseQuery("{ id : .id , deep : .a . b [ 1 ] }")
	if err == nil {
		t.Fatalf("ParseQuery accepted spaces inside a path: %v", q.Keys())
	}
	q, err = ParseQuery("{ id : .id , deep : .a.b[ 1 ] }")
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []string{
		`{"id":7,"a":{"b":[0,"one"]}}` + "\n",
		"\r\n\t " + `{ "id" : 7 , "a" : { "b" : [ 0 , "one" ] } }` + " \r\n",
	} {
		got, err := q.Eval([]byte(rec))
		if err != nil || got["id"] != "7" || got["deep"] != "one" {
			t.Errorf("Eval(%q) = %v, %v", rec, got, err)
		}
	}
}

func TestEvalNestedPaths(t *testing.T) {
	q, err := ParseQuery(`{a: .l1.l2.l3, b: .l1.arr[2][0].x, c: .l1["l2"].other, d: ."" }`)
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"l1": {"skip": {"l3": "no"}, "l2": {"l3": "yes", "other": -1.25e2}, "arr": [1, [2], [{"x": "deep"}]]}, "": "empty"}`
	got, err := q.Eval([]byte(rec))
	want := map[string]string{"a": "yes", "b": "deep", "c": "-125", "d": "empty"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Eval = %v, %v; want %v", got, err, want)
	}
}

// Member names with escapes match the query's unescaped names.
func TestEvalEscapedMemberNames(t *testing.T) {
	q, err := ParseQuery(`{a: ."é", b: ."x\"y"}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Eval([]byte(`{"\u00e9": "accent", "x\"y": "quote"}`))
	if err != nil || got["a"] != "accent" || got["b"] != "quote" {
		t.Errorf("Eval = %v, %v", got, err)
	}
}

func TestEvalInvalidUTF8(t *testing.T) {
	q, err := ParseQuery(`{a: .a}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Eval([]byte("{\"a\": \"x\xffy\"}"))
	if err != nil || got["a"] != "x\uFFFDy" {
		t.Errorf("Eval = %q, %v", got["a"], err)
	}
}
