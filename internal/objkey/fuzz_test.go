package objkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func FuzzCompile(f *testing.F) {
	f.Add("", "", false)
	f.Add("logs/", "", false)
	f.Add("myPrefix/year=!{timestamp:yyyy}/!{firehose:random-string}/", "err/!{firehose:error-output-type}/!{timestamp:'y='yyyy}", false)
	f.Add("r=!{partitionKeyFromQuery:region}/", "e/!{firehose:error-output-type}", true)
	f.Add("!{timestamp:pppMM[dd]''}", "!{firehose:error-output-type}", false)
	f.Add("!{timestamp:YYYY/ww/W/e/c/F/g/B/zzzz/VV/eeee/cccc}", "!{firehose:error-output-type}", false)
	f.Add("!{", "!{}", true)
	f.Add("a!{b:c}", "!{partitionKeyFromLambda:x}", true)
	f.Fuzz(func(t *testing.T, prefix, errPrefix string, dynamic bool) {
		l, err := Compile(prefix, errPrefix, dynamic)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("Compile error %v (%T) is not an *Error with a message", err, err)
			}
			return
		}
		p := Params{Stream: "s", Version: 1, Time: time.Date(2024, 2, 29, 23, 59, 59, 999, time.UTC),
			Random: NewRandom(), ErrorType: ErrorTypeProcessing, Partition: map[string]string{}}
		for _, k := range l.PartitionKeys() {
			p.Partition[k] = "v"
		}
		key := l.Key(p)
		_ = l.ErrorKey(p)
		pre, err := l.Prefix(p)
		if err == nil && !strings.HasPrefix(key, pre) {
			t.Fatalf("Key %q does not start with Prefix %q", key, pre)
		}
		if !strings.HasSuffix(key, p.Random) {
			t.Fatalf("Key %q does not end with the batch id", key)
		}
		if dynamic && len(l.PartitionKeys()) == 0 {
			t.Fatal("dynamic layout without partition keys compiled")
		}
	})
}

// refEval is a reference evaluation with encoding/json, for the
// differential fuzz test.
func refEval(q *Query, record []byte) (map[string]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	out := map[string]string{}
	for i, k := range q.keys {
		v := doc
		for _, s := range q.paths[i] {
			switch x := v.(type) {
			case nil:
			case map[string]any:
				if s.isIndex {
					return nil, false
				}
				v = x[s.name]
			case []any:
				if !s.isIndex {
					return nil, false
				}
				v = nil
				if s.index < len(x) {
					v = x[s.index]
				}
			default:
				return nil, false
			}
		}
		switch x := v.(type) {
		case string:
			out[k] = x
		case json.Number:
			out[k] = jqNumber([]byte(x))
		case bool:
			out[k] = "false"
			if x {
				out[k] = "true"
			}
		default:
			return nil, false
		}
	}
	return out, true
}

func FuzzQuery(f *testing.F) {
	f.Add("{region: .region}", []byte(`{"region": "eu"}`))
	f.Add("{a: .a.b[1], c: .c}", []byte(`{"a": {"b": [0, "x"]}, "c": 1.5e3}`))
	f.Add(`{"k-1": ."x y", t: .t}`, []byte(`{"x y": "\u00e9\"", "t": true, "t": false}`))
	f.Add("{a: .[0]}", []byte(`[null, 1]`))
	f.Add("{a}", []byte(`{"a": {"nested": []}}`))
	f.Add("{a: .a}", []byte(`{"a": "unterminated`))
	f.Add("{x: .x | f}", []byte(`{}`))
	f.Fuzz(func(t *testing.T, query string, record []byte) {
		q, err := ParseQuery(query)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseQuery error %T", err)
			}
			return
		}
		got, err := q.Eval(record)
		want, ok := refEval(q, record)
		valid := json.Valid(record) && bytes.Count(record, []byte("["))+
			bytes.Count(record, []byte("{")) < maxDepth
		if valid && errors.Is(err, ErrNotJSON) {
			t.Fatalf("valid JSON %q rejected: %v", record, err)
		}
		if valid && (err == nil) != ok {
			t.Fatalf("Eval(%q) = %v, %v; reference %v, %v", record, got, err, want, ok)
		}
		if err == nil && ok && len(want) == len(got) {
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("Eval(%q)[%s] = %q, reference %q", record, k, got[k], v)
				}
			}
		}
	})
}
