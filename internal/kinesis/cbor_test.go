package kinesis

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/fxamacker/cbor/v2"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// cborResult is one raw CBOR exchange.
type cborResult struct {
	status int
	ctype  string
	body   []byte
}

// postCBOR sends in (encoded with fxamacker/cbor, as a Java SDK would send
// CBOR) to action and returns the raw reply. sign, if set, signs the request.
func postCBOR(t *testing.T, url, action string, in any, sign func(*http.Request, []byte)) cborResult {
	t.Helper()
	var body []byte
	switch b := in.(type) {
	case []byte:
		body = b
	default:
		var err error
		if body, err = cbor.Marshal(in); err != nil {
			t.Fatalf("encode %s: %v", action, err)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", contentTypeCBOR)
	if sign != nil {
		sign(req, body)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return cborResult{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: rb}
}

// ok decodes a 200 CBOR reply into out.
func (r cborResult) ok(t *testing.T, out any) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d, body %x (%s)", r.status, r.body, r.body)
	}
	if r.ctype != contentTypeCBOR {
		t.Fatalf("Content-Type %q, want %q", r.ctype, contentTypeCBOR)
	}
	if out == nil {
		return
	}
	if err := cbor.Unmarshal(r.body, out); err != nil {
		t.Fatalf("decode CBOR reply %x: %v", r.body, err)
	}
}

// wantCBORError checks a CBOR error reply's status, __type and message.
func (r cborResult) wantErr(t *testing.T, status int, typ, msg string) {
	t.Helper()
	if r.ctype != contentTypeCBOR {
		t.Fatalf("Content-Type %q, want %q", r.ctype, contentTypeCBOR)
	}
	var e struct {
		Type    string `cbor:"__type"`
		Message string `cbor:"message"`
	}
	if err := cbor.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %x is not CBOR: %v", r.body, err)
	}
	if r.status != status || e.Type != typ {
		t.Fatalf("got %d %s %q, want %d %s %q", r.status, e.Type, e.Message, status, typ, msg)
	}
	checkMsg(t, e.Message, msg)
}

// cborRecord is a GetRecords record as a CBOR client sees it; the
// timestamp is kept raw to check its tag and unit.
type cborRecord struct {
	SequenceNumber              string
	ApproximateArrivalTimestamp cbor.RawTag
	Data                        []byte
	PartitionKey                string
}

type cborGetRecordsOut struct {
	Records            []cborRecord
	NextShardIterator  *string
	MillisBehindLatest *int64
}

// millisOf reads an AWS CBOR timestamp: tag 1 around integer milliseconds.
func millisOf(t *testing.T, rt cbor.RawTag) int64 {
	t.Helper()
	if rt.Number != 1 {
		t.Fatalf("timestamp tag %d, want 1", rt.Number)
	}
	var ms uint64
	if err := cbor.Unmarshal(rt.Content, &ms); err != nil {
		t.Fatalf("timestamp content %x is not an unsigned integer: %v", []byte(rt.Content), err)
	}
	return int64(ms)
}

func testPayloads() [][]byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := bytes.Repeat([]byte{0xff, 0x00, '"', '\\', 0xc1}, 40000)
	return [][]byte{all, []byte("plain text"), {0}, {0xc1, 0x1b}, big, []byte("{\"json\":true}")}
}

// TestCBORWriteJSONRead puts records in CBOR (PutRecords and PutRecord)
// and reads them back with aws-sdk-go-v2 (JSON): byte-exact data, same
// keys, arrival times that are now (not 1970, not year 50000).
func TestCBORWriteJSONRead(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "cb", 1)
	payloads := testPayloads()
	var recs []map[string]any
	for i, p := range payloads[:len(payloads)-1] {
		recs = append(recs, map[string]any{"Data": p, "PartitionKey": "k" + string(rune('a'+i))})
	}
	var out struct {
		FailedRecordCount int
		Records           []struct{ SequenceNumber, ShardId string }
	}
	postCBOR(t, env.url, "PutRecords", map[string]any{"StreamName": "cb", "Records": recs}, nil).ok(t, &out)
	if out.FailedRecordCount != 0 || len(out.Records) != len(recs) {
		t.Fatalf("PutRecords reply %+v", out)
	}
	var one struct{ SequenceNumber, ShardId string }
	last := payloads[len(payloads)-1]
	postCBOR(t, env.url, "PutRecord", map[string]any{"StreamName": "cb", "Data": last, "PartitionKey": "kz"}, nil).ok(t, &one)
	if one.ShardId != "shardId-000000000000" || len(one.SequenceNumber) != 56 {
		t.Fatalf("PutRecord reply %+v", one)
	}
	it, err := env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("cb"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != len(payloads) {
		t.Fatalf("read %d records, want %d", len(got.Records), len(payloads))
	}
	now := env.clock.now()
	for i, r := range got.Records {
		if !bytes.Equal(r.Data, payloads[i]) {
			t.Errorf("record %d: data differs (%d bytes, want %d)", i, len(r.Data), len(payloads[i]))
		}
		if i < len(out.Records) && *r.SequenceNumber != out.Records[i].SequenceNumber {
			t.Errorf("record %d: sequence %s, PutRecords said %s", i, *r.SequenceNumber, out.Records[i].SequenceNumber)
		}
		if d := now.Sub(*r.ApproximateArrivalTimestamp); d < 0 || d > time.Minute {
			t.Errorf("record %d: arrival %v, now %v", i, *r.ApproximateArrivalTimestamp, now)
		}
	}
	if *got.Records[len(got.Records)-1].SequenceNumber != one.SequenceNumber {
		t.Errorf("PutRecord sequence %s not read back", one.SequenceNumber)
	}
}

// TestJSONWriteCBORRead puts with aws-sdk-go-v2 (JSON) and reads with a
// CBOR client: byte strings equal to what was put, timestamps as tag 1
// integer milliseconds, and AT_TIMESTAMP taking milliseconds too.
func TestJSONWriteCBORRead(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "jc", 1)
	payloads := testPayloads()
	var entries []types.PutRecordsRequestEntry
	for i, p := range payloads {
		entries = append(entries, types.PutRecordsRequestEntry{Data: p, PartitionKey: aws.String(strings.Repeat("é", i+1))})
	}
	put, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("jc"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	before := env.clock.now().UnixMilli()
	env.clock.advance(10 * time.Second)
	mid := env.clock.now()
	env.clock.advance(10 * time.Second)
	late, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("jc"), Data: []byte("late"), PartitionKey: aws.String("l")})
	if err != nil {
		t.Fatal(err)
	}

	var it struct{ ShardIterator string }
	postCBOR(t, env.url, "GetShardIterator", map[string]any{"StreamName": "jc", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}, nil).ok(t, &it)
	var got cborGetRecordsOut
	postCBOR(t, env.url, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator}, nil).ok(t, &got)
	if len(got.Records) != len(payloads)+1 || got.NextShardIterator == nil || got.MillisBehindLatest == nil {
		t.Fatalf("GetRecords: %d records, next %v, behind %v", len(got.Records), got.NextShardIterator, got.MillisBehindLatest)
	}
	for i, p := range payloads {
		r := got.Records[i]
		if !bytes.Equal(r.Data, p) || r.PartitionKey != *entries[i].PartitionKey || r.SequenceNumber != *put.Records[i].SequenceNumber {
			t.Errorf("record %d differs: seq %s key %q (%d bytes)", i, r.SequenceNumber, r.PartitionKey, len(r.Data))
		}
		if ms := millisOf(t, r.ApproximateArrivalTimestamp); ms < before-60000 || ms > before+1000 {
			t.Errorf("record %d: arrival %d ms, want about %d", i, ms, before)
		}
	}

	// AT_TIMESTAMP with tag 1 integer milliseconds, as the Java SDK sends it.
	tsBody := appendTag1Millis(nil, mid.UnixMilli())
	req := map[string]any{"StreamName": "jc", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": cbor.RawMessage(tsBody)}
	postCBOR(t, env.url, "GetShardIterator", req, nil).ok(t, &it)
	postCBOR(t, env.url, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator}, nil).ok(t, &got)
	if len(got.Records) != 1 || got.Records[0].SequenceNumber != *late.SequenceNumber {
		t.Fatalf("AT_TIMESTAMP %d ms read %d records, want only the late one", mid.UnixMilli(), len(got.Records))
	}
}

func appendTag1Millis(dst []byte, ms int64) []byte {
	dst = append(dst, 0xc1, 0x1b)
	return binary.BigEndian.AppendUint64(dst, uint64(ms))
}

// TestCBORErrors: errors come back in CBOR with AWS's types, messages and
// statuses.
func TestCBORErrors(t *testing.T) {
	env := startEnv(t)
	env.create(t, "e", 1)
	postCBOR(t, env.url, "DescribeStream", map[string]any{"StreamName": "nope"}, nil).
		wantErr(t, 400, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
	postCBOR(t, env.url, "CreateStream", map[string]any{"StreamName": "e", "ShardCount": 1}, nil).
		wantErr(t, 400, "ResourceInUseException", "~^Stream e under account 000000000000 already exists")
	postCBOR(t, env.url, "PutRecords", map[string]any{"StreamName": "e", "Records": []any{map[string]any{"Data": []byte("x")}}}, nil).
		wantErr(t, 400, "ValidationException", "1 validation error detected: Value null at 'records.1.member.partitionKey' failed to satisfy constraint: Member must not be null")
	postCBOR(t, env.url, "PutRecord", map[string]any{"StreamName": "e", "Data": "text, not bytes", "PartitionKey": "k"}, nil).
		wantErr(t, 400, "SerializationException", "~Data")
	postCBOR(t, env.url, "ListStreams", []byte{0xa1, 0x61}, nil).wantErr(t, 400, "SerializationException", "~^Malformed CBOR")
	postCBOR(t, env.url, "ListStreams", []byte{0xa0, 0xa0}, nil).wantErr(t, 400, "SerializationException", "~^Malformed CBOR")
	postCBOR(t, env.url, "NoSuchThing", map[string]any{}, nil).wantErr(t, 400, "UnknownOperationException", "")
}

// TestCBORMatchesJSON calls read actions in both protocols with the same
// input and checks the replies carry the same members and values (blobs
// as bytes vs base64, timestamps as tag 1 milliseconds vs seconds).
func TestCBORMatchesJSON(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "m", 3)
	if _, err := env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("m"), Tags: map[string]string{"team": "data"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action string
		in     map[string]any
	}{
		{"DescribeStream", map[string]any{"StreamName": "m"}},
		{"DescribeStreamSummary", map[string]any{"StreamName": "m"}},
		{"ListStreams", map[string]any{}},
		{"ListShards", map[string]any{"StreamName": "m", "MaxResults": 2}},
		{"ListTagsForStream", map[string]any{"StreamName": "m"}},
		{"DescribeLimits", map[string]any{}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			js, _ := jsonMarshal(tc.in)
			status, jb := postJSONRaw(t, env.url, tc.action, js)
			if status != 200 {
				t.Fatalf("JSON status %d: %s", status, jb)
			}
			var fromJSON any
			if err := jsonUnmarshal(jb, &fromJSON); err != nil {
				t.Fatal(err)
			}
			r := postCBOR(t, env.url, tc.action, tc.in, nil)
			r.ok(t, nil)
			dm, _ := cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any{})}.DecMode()
			var fromCBOR any
			if err := dm.Unmarshal(r.body, &fromCBOR); err != nil {
				t.Fatal(err)
			}
			a, b := normalizeCBOR(fromCBOR), normalizeJSON(fromJSON)
			// Pagination tokens embed their issue time; both must be there.
			am, bm := a.(map[string]any), b.(map[string]any)
			if (am["NextToken"] == nil) != (bm["NextToken"] == nil) {
				t.Fatalf("NextToken in CBOR %v, in JSON %v", am["NextToken"], bm["NextToken"])
			}
			delete(am, "NextToken")
			delete(bm, "NextToken")
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("replies differ\nCBOR: %v\nJSON: %v", a, b)
			}
		})
	}
}

// normalizeCBOR maps a decoded CBOR reply onto what the JSON reply holds.
func normalizeCBOR(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeCBOR(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeCBOR(e)
		}
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case cbor.Tag:
		if x.Number == 1 {
			switch ms := x.Content.(type) {
			case uint64:
				return float64(ms) / 1000
			case int64:
				return float64(ms) / 1000
			}
		}
	case time.Time: // tag 1 decoded by the library as seconds: undo it
		return float64(x.Unix()) / 1000
	case uint64:
		return float64(x)
	case int64:
		return float64(x)
	}
	return v
}

func normalizeJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeJSON(e)
		}
	case float64:
		return math.Round(x*1000) / 1000
	}
	return v
}

// TestCBOREveryOperation sends every registered action an empty CBOR
// object and a CBOR object naming a missing stream: each answers in CBOR
// with 200 or a 4xx error, never a 5xx or a JSON body.
func TestCBOREveryOperation(t *testing.T) {
	env := startEnv(t)
	for name := range env.srv.ops {
		for _, in := range []map[string]any{{}, {"StreamName": "missing", "StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/missing"}} {
			if name == "SubscribeToShard" && len(in) > 0 {
				continue // would stream; covered by the fan-out tests
			}
			r := postCBOR(t, env.url, name, in, nil)
			if r.status >= 500 || r.ctype != contentTypeCBOR {
				t.Errorf("%s %v: status %d, Content-Type %q", name, in, r.status, r.ctype)
				continue
			}
			if r.status != 200 || len(r.body) > 0 {
				var v any
				if err := cbor.Unmarshal(r.body, &v); err != nil {
					t.Errorf("%s: reply %x is not CBOR: %v", name, r.body, err)
				}
			}
		}
	}
}

// FuzzCBORRequest: any CBOR body to any action gives 200 or a 4xx, never a
// panic or a 5xx.
func FuzzCBORRequest(f *testing.F) {
	seeds := []map[string]any{
		{"StreamName": "f", "Records": []any{map[string]any{"Data": []byte("x"), "PartitionKey": "k"}}},
		{"StreamName": "f", "Data": []byte{1, 2}, "PartitionKey": "k", "ExplicitHashKey": "1"},
		{"StreamName": "f", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": cbor.RawMessage(appendTag1Millis(nil, 1))},
		{"StreamName": "g", "ShardCount": 1, "Tags": map[string]any{"a": "b"}},
		{"ShardIterator": "AAAA", "Limit": 5},
	}
	for i, s := range seeds {
		b, _ := cbor.Marshal(s)
		f.Add(uint8(i), b)
	}
	f.Add(uint8(0), []byte{0xbf, 0x6a, 'S', 't', 'r', 'e', 'a', 'm', 'N', 'a', 'm', 'e', 0x61, 'f', 0xff})
	srv := newTestServer(f)
	ops := make([]string, 0, len(srv.ops))
	for name := range srv.ops {
		if name != "SubscribeToShard" { // streams until its context ends
			ops = append(ops, name)
		}
	}
	slices.Sort(ops)
	ctx := testCtxTB(f)
	// A stream to hit, so decoders get past "not found".
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, cborRequest(ctx, "CreateStream", mustCBOR(map[string]any{"StreamName": "f", "ShardCount": 2})))
	if w.Code != 200 {
		f.Fatalf("CreateStream: %d %x", w.Code, w.Body.Bytes())
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := ops[int(op)%len(ops)]
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, cborRequest(ctx, name, body))
		if w.Code >= 500 {
			t.Fatalf("%s %x: status %d %x", name, body, w.Code, w.Body.Bytes())
		}
		if w.Code != 200 {
			var e struct {
				Type string `cbor:"__type"`
			}
			if err := cbor.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Type == "" {
				t.Fatalf("%s: error reply %x is not a CBOR error: %v", name, w.Body.Bytes(), err)
			}
		}
	})
}

func mustCBOR(v any) []byte {
	b, err := cbor.Marshal(v)
	if err != nil {
		panic(err) // test inputs are fixed
	}
	return b
}

func cborRequest(ctx context.Context, action string, body []byte) *http.Request {
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", contentTypeCBOR)
	return req
}

func testCtxTB(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// newTestServer is a server without a listener, for fuzzing through
// ServeHTTP.
func newTestServer(tb testing.TB, opts ...envOption) *Server {
	tb.Helper()
	st, err := meta.Open(filepath.Join(tb.TempDir(), "meta.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	lg := shardlog.NewMemory(time.Now)
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		srv.Close()
		lg.Close()
		st.Close()
	})
	return srv
}

func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// postJSONRaw posts a JSON body and returns the status and raw reply.
func postJSONRaw(t *testing.T, url, action string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", contentTypeJSON)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// BenchmarkPutRecordsDecode compares decoding a 500-record PutRecords
// (1 KiB each) in JSON (hand-written decoder) and CBOR.
func BenchmarkPutRecordsDecode(b *testing.B) {
	recs := make([]map[string]any, 500)
	for i := range recs {
		recs[i] = map[string]any{"Data": bytes.Repeat([]byte{byte(i)}, 1024), "PartitionKey": "key-" + string(rune('a'+i%26))}
	}
	in := map[string]any{"StreamName": "bench", "Records": recs}
	js, _ := json.Marshal(in)
	cb := mustCBOR(in)
	cc, err := newCBORCodec()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		b.SetBytes(500 * 1024)
		b.ReportAllocs()
		buf := make([]byte, len(js))
		for b.Loop() {
			copy(buf, js) // the decoder rewrites its input
			if _, err := decodePutRecords(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cbor", func(b *testing.B) {
		b.SetBytes(500 * 1024)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePutRecordsCBOR(cc, cb); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetRecordsEncodeCodecs compares AppendJSON and AppendCBOR for
// 1000 records of 1 KiB.
func BenchmarkGetRecordsEncodeCodecs(b *testing.B) {
	out := &getRecordsOutput{next: strings.Repeat("A", 200), behind: 5}
	for i := range 1000 {
		out.batch.Records = append(out.batch.Records, shardlog.Record{Offset: uint64(i), Timestamp: time.Now().UnixMilli(), Data: bytes.Repeat([]byte{byte(i)}, 1024), PartitionKey: []byte("partition-key")})
	}
	for name, enc := range map[string]func([]byte) []byte{"json": out.AppendJSON, "cbor": out.AppendCBOR} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(1000 * 1024)
			b.ReportAllocs()
			buf := make([]byte, 0, 2<<20)
			for b.Loop() {
				buf = enc(buf[:0])
			}
		})
	}
}
