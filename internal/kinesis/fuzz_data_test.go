package kinesis

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// FuzzDataRequests feeds arbitrary bodies to the record actions through the
// whole HTTP adapter: nothing may panic, and every reply is a 200 with a
// JSON object or a well-formed JSON error with __type.
func FuzzDataRequests(f *testing.F) {
	st, err := meta.Open(filepath.Join(f.TempDir(), "meta.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	lg := shardlog.NewMemory(nil)
	defer lg.Close()
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	post := func(action string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+action)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	if w := post("CreateStream", []byte(`{"StreamName":"f","ShardCount":3}`)); w.Code != 200 {
		f.Fatalf("CreateStream: %d %s", w.Code, w.Body)
	}
	w := post("GetShardIterator", []byte(`{"StreamName":"f","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`))
	var gi wire.GetShardIteratorOutput
	if err := json.Unmarshal(w.Body.Bytes(), &gi); err != nil || gi.ShardIterator == "" {
		f.Fatalf("GetShardIterator: %s", w.Body)
	}
	actions := []string{"PutRecord", "PutRecords", "GetShardIterator", "GetRecords"}
	seeds := []string{
		`{"StreamName":"f","Records":[{"PartitionKey":"a","Data":"aGVsbG8="},{"PartitionKey":"b","Data":"","ExplicitHashKey":"0"}]}`,
		`{"StreamName":"f","PartitionKey":"a","Data":"aGVsbG8=","ExplicitHashKey":"1"}`,
		`{"StreamName":"f","ShardId":"shardId-1","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1.5}`,
		`{"ShardIterator":"` + gi.ShardIterator + `","Limit":3}`,
		`{"Records":[{"PartitionKey":"\u00e9\"","Data":"YQ==\n"}],"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/f"}`,
		`{"StreamName":"f","Records":[null,{},[]]}`,
		`[]`, `null`, ``, `{"a":{"b":[1,-2.5e+3,true,false,null]}}`,
	}
	for i, s := range seeds {
		for a := range actions {
			f.Add(uint8(a+i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		w := post(actions[int(which)%len(actions)], body)
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d, body %q is not a JSON object: %v", w.Code, w.Body, err)
		}
		if w.Code == 200 {
			if _, ok := m["__type"]; ok {
				t.Fatalf("200 with __type: %s", w.Body)
			}
			return
		}
		if typ, _ := m["__type"].(string); typ == "" || w.Code < 400 || w.Code > 599 {
			t.Fatalf("status %d, body %s", w.Code, w.Body)
		}
		if m["__type"] == "InternalFailure" {
			t.Fatalf("InternalFailure for %q: %s", body, w.Body)
		}
	})
}

// FuzzIteratorToken checks that tokens round-trip and that no change to a
// token's bytes is accepted.
func FuzzIteratorToken(f *testing.F) {
	c := iteratorCodec{key: []byte("0123456789abcdef0123456789abcdef")}
	f.Add(uint64(1), uint32(0), uint64(0), int64(1700000000000), "s", uint16(0), byte(1))
	f.Add(uint64(1<<63), uint32(1<<31), uint64(1<<60), int64(-1), "a.b_c-d", uint16(7), byte(0x80))
	f.Fuzz(func(t *testing.T, uid uint64, shard uint32, off uint64, issued int64, name string, at uint16, flip byte) {
		if len(name) > iterMaxName {
			name = name[:iterMaxName]
		}
		in := iterator{uid: uid, shard: shard, offset: off, issued: issued, stream: name}
		tok := c.encode(in)
		out, err := c.decode(tok)
		if err != nil || out != in {
			t.Fatalf("round trip %+v → %q → %+v, %v", in, tok, out, err)
		}
		if flip == 0 {
			flip = 1
		}
		// Change one character of the token: rejected, unless the change only
		// touches the unused low bits of the last character.
		b := []byte(tok)
		i := int(at) % len(b)
		b[i] ^= flip
		if string(b) == tok {
			return
		}
		if got, err := c.decode(string(b)); err == nil && got != in {
			t.Fatalf("mutated token %q accepted as %+v", b, got)
		}
		// Any garbage string is rejected or decodes to a signed token.
		if _, err := c.decode(name); err == nil {
			t.Fatalf("garbage %q accepted", name)
		}
	})
}

// FuzzDecodePutRecords checks the hand-written decoder against
// encoding/json: when both accept a body they agree on every record.
func FuzzDecodePutRecords(f *testing.F) {
	f.Add([]byte(`{"StreamName":"s","Records":[{"PartitionKey":"a","Data":"aGVsbG8="},{"PartitionKey":"b\u00e9","Data":"","ExplicitHashKey":"12"}]}`))
	f.Add([]byte(`{"Records":[{"Data":"YWI=\r\n","PartitionKey":"\ud83d\ude00"}],"X":[{"y":null}]}`))
	f.Add([]byte(`{"Records":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var std wire.PutRecordsInput
		stdErr := json.Unmarshal(body, &std)
		got, err := decodePutRecords(bytes.Clone(body))
		if err != nil || stdErr != nil {
			return // case-folded member names and the like differ; both must only not panic
		}
		if !canonicalNames(body) {
			return
		}
		if len(got.records) != len(std.Records) {
			t.Fatalf("%d records, encoding/json %d", len(got.records), len(std.Records))
		}
		for i, r := range std.Records {
			g := got.records[i]
			if !bytes.Equal(g.data, r.Data) || (g.data == nil) != (r.Data == nil) {
				t.Fatalf("record %d data %q, encoding/json %q", i, g.data, r.Data)
			}
			if (g.pk == nil) != (r.PartitionKey == nil) || r.PartitionKey != nil && string(g.pk) != *r.PartitionKey {
				t.Fatalf("record %d key %q, encoding/json %v", i, g.pk, r.PartitionKey)
			}
		}
	})
}

// canonicalNames reports whether every member name the decoders care about
// appears only in its canonical case and unescaped, where the hand-written
// decoder and encoding/json (which folds case) must agree.
func canonicalNames(body []byte) bool {
	if bytes.IndexByte(body, '\\') >= 0 {
		return false
	}
	lower := bytes.ToLower(body)
	for _, name := range []string{"Records", "Data", "PartitionKey", "ExplicitHashKey", "StreamName", "StreamARN", "SequenceNumberForOrdering"} {
		if bytes.Count(lower, bytes.ToLower([]byte(`"`+name+`"`))) != bytes.Count(body, []byte(`"`+name+`"`)) {
			return false
		}
	}
	return true
}

// FuzzDecodePutRecord checks the PutRecord decoder against encoding/json the
// same way: where both accept a body with canonical member names, every
// member agrees.
func FuzzDecodePutRecord(f *testing.F) {
	f.Add([]byte(`{"StreamName":"s","PartitionKey":"a","Data":"aGVsbG8=","ExplicitHashKey":"12","SequenceNumberForOrdering":"0"}`))
	f.Add([]byte(`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","PartitionKey":"b\u00e9","Data":"","X":{"y":[null,1.5e3]}}`))
	f.Add([]byte(`{"Data":"YWI=\r\n","PartitionKey":"\ud83d\ude00"}`))
	f.Add([]byte(`{"Data":null,"PartitionKey":null}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var std wire.PutRecordInput
		stdErr := json.Unmarshal(body, &std)
		var got wire.PutRecordInput
		err := decodePutRecord(bytes.Clone(body), &got)
		if err != nil || stdErr != nil || !canonicalNames(body) {
			return // both must only not panic
		}
		if !bytes.Equal(got.Data, std.Data) || (got.Data == nil) != (std.Data == nil) {
			t.Fatalf("Data %q, encoding/json %q", got.Data, std.Data)
		}
		for _, m := range []struct {
			name      string
			got, want *string
		}{
			{"StreamName", got.StreamName, std.StreamName},
			{"StreamARN", got.StreamARN, std.StreamARN},
			{"PartitionKey", got.PartitionKey, std.PartitionKey},
			{"ExplicitHashKey", got.ExplicitHashKey, std.ExplicitHashKey},
			{"SequenceNumberForOrdering", got.SequenceNumberForOrdering, std.SequenceNumberForOrdering},
		} {
			if (m.got == nil) != (m.want == nil) || m.got != nil && *m.got != *m.want {
				t.Fatalf("%s %v, encoding/json %v", m.name, m.got, m.want)
			}
		}
	})
}
