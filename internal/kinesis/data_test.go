package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// createStream makes an ACTIVE stream of n shards through the API.
func mkStream(t *testing.T, env *dataEnv, name string, n int32) *meta.Stream {
	t.Helper()
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(n)}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	st, ok := env.meta.Stream(name)
	if !ok || st.Effective(env.clock.now()) != meta.StatusActive {
		t.Fatalf("stream %s not ACTIVE after CreateStream", name)
	}
	return st
}

// wantAPIError checks an SDK error's type and exact message; a message
// starting with "~" is a regular expression.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	checkMsg(t, ae.ErrorMessage(), msg)
}

func checkMsg(t *testing.T, got, want string) {
	t.Helper()
	if re, ok := strings.CutPrefix(want, "~"); ok {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Fatalf("message %q does not match %q", got, re)
		}
		return
	}
	if got != want {
		t.Fatalf("message\n got %q\nwant %q", got, want)
	}
}

// rawPost sends a body to the server as an SDK would and returns the status
// and body.
func postRaw(t *testing.T, env *dataEnv, action, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, env.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: response %q is not JSON: %v", action, b, err)
	}
	return resp.StatusCode, m
}

func wantRaw(t *testing.T, env *dataEnv, action, body, typ, msg string) {
	t.Helper()
	status, m := postRaw(t, env, action, body)
	if status != 400 || m["__type"] != typ {
		t.Fatalf("%s %s: got %d %v, want 400 %s", action, body, status, m, typ)
	}
	checkMsg(t, fmt.Sprint(m["message"]), msg)
}

func getIter(t *testing.T, env *dataEnv, stream, shard string, typ types.ShardIteratorType, seq *string, ts *time.Time) *string {
	t.Helper()
	out, err := env.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: typ,
		StartingSequenceNumber: seq, Timestamp: ts,
	})
	if err != nil {
		t.Fatalf("GetShardIterator %s %s: %v", shard, typ, err)
	}
	return out.ShardIterator
}

// readAll reads a shard from it until caught up.
func readShard(t *testing.T, env *dataEnv, it *string) []types.Record {
	t.Helper()
	var recs []types.Record
	for range 100 {
		out, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 || out.NextShardIterator == nil {
			return recs
		}
		it = out.NextShardIterator
	}
	t.Fatal("shard never caught up")
	return nil
}

type sent struct {
	pk, shard, seq string
	data           []byte
}

func TestPutAndReadBack(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	st := mkStream(t, env, "s1", 3)
	table, err := buildRoutes(st)
	if err != nil {
		t.Fatal(err)
	}
	var all []sent
	// PutRecords: 5 calls of 40 records over 8 partition keys.
	for call := range 5 {
		var entries []types.PutRecordsRequestEntry
		for i := range 40 {
			pk := fmt.Sprintf("key-%d", i%8)
			data := []byte(fmt.Sprintf("call %d record %d \x00\xff", call, i))
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(pk), Data: data})
		}
		out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("s1"), Records: entries})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != 40 || out.EncryptionType != types.EncryptionTypeNone {
			t.Fatalf("PutRecords: failed %d, %d results, encryption %q", aws.ToInt32(out.FailedRecordCount), len(out.Records), out.EncryptionType)
		}
		for i, r := range out.Records {
			all = append(all, sent{pk: *entries[i].PartitionKey, data: entries[i].Data, shard: aws.ToString(r.ShardId), seq: aws.ToString(r.SequenceNumber)})
		}
	}
	// PutRecord, by name and by ARN, empty data allowed.
	for i := range 10 {
		in := &kin.PutRecordInput{PartitionKey: aws.String(fmt.Sprintf("key-%d", i%8)), Data: []byte{}}
		if i%2 == 0 {
			in.StreamName = aws.String("s1")
		} else {
			in.StreamARN = aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s1")
		}
		out, err := env.client.PutRecord(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if out.EncryptionType != types.EncryptionTypeNone {
			t.Fatalf("EncryptionType %q", out.EncryptionType)
		}
		all = append(all, sent{pk: *in.PartitionKey, data: []byte{}, shard: aws.ToString(out.ShardId), seq: aws.ToString(out.SequenceNumber)})
	}
	// Each record went to the shard its MD5 hash key falls in, and sequence
	// numbers grow per partition key.
	last := map[string]string{}
	for _, s := range all {
		want := shardIDString(table.routes[table.lookup(hashKeyOf([]byte(s.pk)))].shard)
		if s.shard != want {
			t.Fatalf("pk %s went to %s, want %s", s.pk, s.shard, want)
		}
		if prev, ok := last[s.pk]; ok && !(prev < s.seq) {
			t.Fatalf("pk %s: sequence %s after %s", s.pk, s.seq, prev)
		}
		last[s.pk] = s.seq
	}
	// Read everything back, byte-exact and in order.
	got := map[string][]types.Record{}
	for _, sh := range st.Shards {
		id := shardIDString(sh.Index)
		got[id] = readShard(t, env, getIter(t, env, "s1", id, types.ShardIteratorTypeTrimHorizon, nil, nil))
	}
	pos := map[string]int{}
	for _, s := range all {
		recs := got[s.shard]
		i := pos[s.shard]
		if i >= len(recs) {
			t.Fatalf("shard %s: record %s missing", s.shard, s.seq)
		}
		r := recs[i]
		pos[s.shard]++
		if aws.ToString(r.SequenceNumber) != s.seq || aws.ToString(r.PartitionKey) != s.pk || !bytes.Equal(r.Data, s.data) {
			t.Fatalf("shard %s record %d: got %s %s %q, want %s %s %q", s.shard, i, aws.ToString(r.SequenceNumber), aws.ToString(r.PartitionKey), r.Data, s.seq, s.pk, s.data)
		}
		if r.ApproximateArrivalTimestamp == nil || time.Since(*r.ApproximateArrivalTimestamp) > time.Minute {
			t.Fatalf("bad arrival time %v", r.ApproximateArrivalTimestamp)
		}
	}
	for id, recs := range got {
		if pos[id] != len(recs) {
			t.Fatalf("shard %s: %d records read, %d sent", id, len(recs), pos[id])
		}
	}
}

func TestExplicitHashKeyRouting(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	st := mkStream(t, env, "ehk", 4)
	for _, sh := range st.Shards {
		for _, key := range []string{sh.HashKeyStart, sh.HashKeyEnd} {
			out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("ehk"), PartitionKey: aws.String("same"), Data: []byte("x"), ExplicitHashKey: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if want := shardIDString(sh.Index); aws.ToString(out.ShardId) != want {
				t.Fatalf("PutRecord hash key %s went to %s, want %s", key, aws.ToString(out.ShardId), want)
			}
			pr, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("ehk"), Records: []types.PutRecordsRequestEntry{
				{PartitionKey: aws.String("same"), Data: []byte("y"), ExplicitHashKey: aws.String(key)},
			}})
			if err != nil {
				t.Fatal(err)
			}
			if want := shardIDString(sh.Index); aws.ToString(pr.Records[0].ShardId) != want {
				t.Fatalf("PutRecords hash key %s went to %s, want %s", key, aws.ToString(pr.Records[0].ShardId), want)
			}
		}
	}
}

func TestIteratorTypes(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	mkStream(t, env, "it", 1)
	const shard = "shardId-000000000000"
	put := func(data string) string {
		out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("it"), PartitionKey: aws.String("k"), Data: []byte(data)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.SequenceNumber)
	}
	datas := func(recs []types.Record) string {
		var parts []string
		for _, r := range recs {
			parts = append(parts, string(r.Data))
		}
		return strings.Join(parts, ",")
	}
	latest := getIter(t, env, "it", shard, types.ShardIteratorTypeLatest, nil, nil)
	seqs := []string{put("a"), put("b")}
	env.clock.advance(2 * time.Second)
	mid := env.clock.now()
	env.clock.advance(2 * time.Second)
	seqs = append(seqs, put("c"), put("d"))

	for _, tc := range []struct {
		name string
		it   *string
		want string
	}{
		{"TRIM_HORIZON", getIter(t, env, "it", shard, types.ShardIteratorTypeTrimHorizon, nil, nil), "a,b,c,d"},
		{"LATEST before puts", latest, "a,b,c,d"},
		{"LATEST now", getIter(t, env, "it", shard, types.ShardIteratorTypeLatest, nil, nil), ""},
		{"AT_SEQUENCE_NUMBER", getIter(t, env, "it", shard, types.ShardIteratorTypeAtSequenceNumber, &seqs[1], nil), "b,c,d"},
		{"AFTER_SEQUENCE_NUMBER", getIter(t, env, "it", shard, types.ShardIteratorTypeAfterSequenceNumber, &seqs[1], nil), "c,d"},
		{"AT_TIMESTAMP mid", getIter(t, env, "it", shard, types.ShardIteratorTypeAtTimestamp, nil, &mid), "c,d"},
		{"AT_TIMESTAMP old", getIter(t, env, "it", shard, types.ShardIteratorTypeAtTimestamp, nil, aws.Time(time.Unix(0, 0))), "a,b,c,d"},
		{"lenient shard id", getIter(t, env, "it", "shardId-0", types.ShardIteratorTypeTrimHorizon, nil, nil), "a,b,c,d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := datas(readShard(t, env, tc.it)); got != tc.want {
				t.Fatalf("read %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGetRecordsLimitsAndLag(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	mkStream(t, env, "lag", 1)
	for i := range 5 {
		if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("lag"), PartitionKey: aws.String("k"), Data: []byte{byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	env.clock.advance(3 * time.Second)
	it := getIter(t, env, "lag", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil)
	out, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 2 || aws.ToInt64(out.MillisBehindLatest) < 3000 || aws.ToInt64(out.MillisBehindLatest) > 60000 {
		t.Fatalf("got %d records, MillisBehindLatest %d; want 2 and about 3000", len(out.Records), aws.ToInt64(out.MillisBehindLatest))
	}
	out, err = env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 3 || aws.ToInt64(out.MillisBehindLatest) != 0 || out.NextShardIterator == nil {
		t.Fatalf("got %d records, MillisBehindLatest %d, next %v; want 3, 0, an iterator", len(out.Records), aws.ToInt64(out.MillisBehindLatest), out.NextShardIterator)
	}
	if out.Records[0].Data[0] != 2 {
		t.Fatalf("continued at record %d, want 2", out.Records[0].Data[0])
	}
	out, err = env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil || len(out.Records) != 0 || out.NextShardIterator == nil || aws.ToInt64(out.MillisBehindLatest) != 0 {
		t.Fatalf("caught up read: %v %+v", err, out)
	}
}

func TestGetRecords10MiBCap(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	mkStream(t, env, "big", 1)
	data := bytes.Repeat([]byte("z"), 1<<20-1) // with the 1-byte key: 1 MiB
	for range 3 {
		var entries []types.PutRecordsRequestEntry
		for range 4 {
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: data})
		}
		out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("big"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v", err)
		}
	}
	it := getIter(t, env, "big", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil)
	out, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 10 || aws.ToInt64(out.MillisBehindLatest) == 0 {
		t.Fatalf("first read: %d records (want 10, the 10 MiB cap), MillisBehindLatest %d", len(out.Records), aws.ToInt64(out.MillisBehindLatest))
	}
	rest, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Records) != 2 || !bytes.Equal(rest.Records[1].Data, data) {
		t.Fatalf("second read: %d records, want 2", len(rest.Records))
	}
}

func TestPutErrors(t *testing.T) {
	env := startData(t, nil)
	mkStream(t, env, "e", 2)
	long := strings.Repeat("k", 257)
	two128 := "340282366920938463463374607431768211456"
	big := `"` + strings.Repeat("A", 1398104) + `"`   // 1048578 bytes once decoded
	exact := `"` + strings.Repeat("A", 1398100) + `"` // 1048575 bytes: with a 1-byte key, exactly 1 MiB
	const acct = "000000000000"
	for _, tc := range []struct {
		name, action, body, typ, msg string
	}{
		{"PutRecord no partition key", "PutRecord", `{"StreamName":"e","Data":""}`, "ValidationException",
			"1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null"},
		{"PutRecord empty partition key", "PutRecord", `{"StreamName":"e","Data":"","PartitionKey":""}`, "ValidationException",
			"1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"PutRecord long partition key", "PutRecord", `{"StreamName":"e","Data":"","PartitionKey":"` + long + `"}`, "ValidationException",
			"1 validation error detected: Value '" + long + "' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"PutRecord no data", "PutRecord", `{"StreamName":"e","PartitionKey":"k"}`, "ValidationException",
			"1 validation error detected: Value null at 'data' failed to satisfy constraint: Member must not be null"},
		{"PutRecord data too big", "PutRecord", `{"StreamName":"e","PartitionKey":"k","Data":` + big + `}`, "ValidationException",
			"1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"PutRecord data plus key too big", "PutRecord", `{"StreamName":"e","PartitionKey":"kk","Data":` + exact + `}`, "ValidationException",
			"1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"PutRecord hash key pattern", "PutRecord", `{"StreamName":"e","PartitionKey":"k","Data":"","ExplicitHashKey":"-1"}`, "ValidationException",
			`1 validation error detected: Value '-1' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})`},
		{"PutRecord hash key too big", "PutRecord", `{"StreamName":"e","PartitionKey":"k","Data":"","ExplicitHashKey":"` + two128 + `"}`, "InvalidArgumentException",
			"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was " + two128},
		{"PutRecord bad ordering", "PutRecord", `{"StreamName":"e","PartitionKey":"k","Data":"","SequenceNumberForOrdering":"12"}`, "InvalidArgumentException",
			"ExclusiveMinimumSequenceNumber 12 used in PutRecord on stream e under account " + acct + " is invalid."},
		{"PutRecord missing stream", "PutRecord", `{"StreamName":"nope","PartitionKey":"k","Data":""}`, "ResourceNotFoundException",
			"Stream nope under account " + acct + " not found."},
		{"PutRecord no stream", "PutRecord", `{"PartitionKey":"k","Data":""}`, "InvalidArgumentException",
			"Either StreamName or StreamARN should be provided."},
		{"PutRecord bad stream name", "PutRecord", `{"StreamName":"a b","PartitionKey":"k","Data":""}`, "ValidationException",
			"1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"PutRecord bad base64", "PutRecord", `{"StreamName":"e","PartitionKey":"k","Data":"!!"}`, "SerializationException", "~."},
		{"PutRecords null records", "PutRecords", `{"StreamName":"e"}`, "ValidationException",
			"1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null"},
		{"PutRecords no records", "PutRecords", `{"StreamName":"e","Records":[]}`, "ValidationException",
			"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"PutRecords 501 records", "PutRecords", `{"StreamName":"e","Records":[` + strings.Repeat(`{"PartitionKey":"k","Data":""},`, 500) + `{"PartitionKey":"k","Data":""}]}`, "ValidationException",
			"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"},
		{"PutRecords empty key in record 3", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":""},{"PartitionKey":"b","Data":""},{"PartitionKey":"","Data":""}]}`, "ValidationException",
			"1 validation error detected: Value '' at 'records.3.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"PutRecords null key and data", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":""},{"Data":null}]}`, "ValidationException",
			"2 validation errors detected: Value null at 'records.2.member.partitionKey' failed to satisfy constraint: Member must not be null; Value null at 'records.2.member.data' failed to satisfy constraint: Member must not be null"},
		{"PutRecords long key", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"` + long + `","Data":""}]}`, "ValidationException",
			"1 validation error detected: Value '" + long + "' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"PutRecords record too big", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":""},{"PartitionKey":"kk","Data":` + exact + `}]}`, "ValidationException",
			"1 validation error detected: Value at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"PutRecords over 5 MiB", "PutRecords", `{"StreamName":"e","Records":[` + strings.Repeat(`{"PartitionKey":"k","Data":`+exact+`},`, 5) + `{"PartitionKey":"k","Data":"AAAA"}]}`, "InvalidArgumentException",
			"Records size exceeds 5 MB limit"},
		{"PutRecords hash key pattern", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":"","ExplicitHashKey":"01"}]}`, "ValidationException",
			`1 validation error detected: Value '01' at 'records.1.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})`},
		{"PutRecords hash key too big", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":""},{"PartitionKey":"a","Data":"","ExplicitHashKey":"` + two128 + `"}]}`, "InvalidArgumentException",
			"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was " + two128},
		{"PutRecords missing stream", "PutRecords", `{"StreamName":"nope","Records":[{"PartitionKey":"a","Data":""}]}`, "ResourceNotFoundException",
			"Stream nope under account " + acct + " not found."},
		{"PutRecords ARN and name differ", "PutRecords", `{"StreamName":"e","StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/f","Records":[{"PartitionKey":"a","Data":""}]}`, "InvalidArgumentException",
			"StreamARN arn:aws:kinesis:us-east-1:000000000000:stream/f and StreamName e do not refer to the same stream."},
		{"PutRecords records not a list", "PutRecords", `{"StreamName":"e","Records":{}}`, "SerializationException", "~."},
		{"PutRecords malformed", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":""}`, "SerializationException", "~."},
		{"PutRecords bad base64", "PutRecords", `{"StreamName":"e","Records":[{"PartitionKey":"a","Data":"A"}]}`, "SerializationException", "~."},
	} {
		t.Run(tc.name, func(t *testing.T) { wantRaw(t, env, tc.action, tc.body, tc.typ, tc.msg) })
	}
	// Exactly at the limits is fine.
	status, m := postRaw(t, env, "PutRecords", `{"StreamName":"e","Records":[`+strings.Repeat(`{"PartitionKey":"k","Data":`+exact+`},`, 4)+`{"PartitionKey":"k","Data":`+exact+`}]}`)
	if status != 200 || m["FailedRecordCount"] != float64(0) {
		t.Fatalf("5 MiB PutRecords: %d %v", status, m["__type"])
	}
}

func TestPutRecordsEscapesAndUnknownMembers(t *testing.T) {
	env := startData(t, nil)
	mkStream(t, env, "esc", 1)
	body := `{"Extra":{"a":[1,2.5e3,true,null,"x"]},"StreamName":"esc","Records":[` +
		`{"PartitionKey":"caf\u00e9 \"q\"","Data":"aGVsbG8\u003d","Other":1},` +
		`{"PartitionKey":"plain","Data":"aGVs\nbG8="}]}`
	status, m := postRaw(t, env, "PutRecords", body)
	if status != 200 || m["FailedRecordCount"] != float64(0) {
		t.Fatalf("PutRecords: %d %v", status, m)
	}
	recs := readShard(t, env, getIter(t, env, "esc", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil))
	if len(recs) != 2 || aws.ToString(recs[0].PartitionKey) != `café "q"` || string(recs[0].Data) != "hello" {
		t.Fatalf("got %d records: %q %q", len(recs), aws.ToString(recs[0].PartitionKey), recs[0].Data)
	}
	if aws.ToString(recs[1].PartitionKey) != "plain" || string(recs[1].Data) != "hello" {
		t.Fatalf("record 2: %q %q", aws.ToString(recs[1].PartitionKey), recs[1].Data)
	}
}

func TestIteratorErrors(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	mkStream(t, env, "g", 2)
	const acct = "000000000000"
	out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("g"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String("0")})
	if err != nil {
		t.Fatal(err)
	}
	seq0 := aws.ToString(out.SequenceNumber) // on shard 0
	for _, tc := range []struct {
		name, body, typ, msg string
	}{
		{"missing shard", `{"StreamName":"g","ShardId":"shardId-000000000007","ShardIteratorType":"LATEST"}`, "ResourceNotFoundException",
			"Shard shardId-000000000007 in stream g under account " + acct + " does not exist"},
		{"missing stream", `{"StreamName":"nope","ShardId":"shardId-000000000000","ShardIteratorType":"LATEST"}`, "ResourceNotFoundException",
			"Shard shardId-000000000000 in stream nope under account " + acct + " does not exist"},
		{"unparsable shard", `{"StreamName":"g","ShardId":"shardId-x","ShardIteratorType":"LATEST"}`, "ResourceNotFoundException",
			"Could not find shard shardId-x in stream g under account " + acct + "."},
		{"bad type", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"OLDEST"}`, "ValidationException",
			"1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"},
		{"null shard and type", `{"StreamName":"g"}`, "ValidationException",
			"2 validation errors detected: Value null at 'shardId' failed to satisfy constraint: Member must not be null; Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null"},
		{"sequence of another shard", `{"StreamName":"g","ShardId":"shardId-000000000001","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"` + seq0 + `"}`, "InvalidArgumentException",
			"Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001"},
		{"invalid sequence", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"123"}`, "InvalidArgumentException",
			"StartingSequenceNumber 123 used in GetShardIterator on shard shardId-000000000000 in stream g under account " + acct + " is invalid."},
		{"sequence pattern", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"x"}`, "ValidationException",
			`1 validation error detected: Value 'x' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})`},
		{"TRIM_HORIZON with sequence", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON","StartingSequenceNumber":"` + seq0 + `"}`, "InvalidArgumentException",
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber."},
		{"AFTER without sequence", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AFTER_SEQUENCE_NUMBER"}`, "InvalidArgumentException",
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AFTER_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"AT_TIMESTAMP without timestamp", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP"}`, "InvalidArgumentException",
			"Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter."},
		{"AT_TIMESTAMP in the future", `{"StreamName":"g","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":99999999999}`, "InvalidArgumentException",
			`~^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. timestampInMillis: 99999999999000, currentTimestampInMillis: \d+$`},
		{"GetRecords garbage", `{"ShardIterator":"not-an-iterator"}`, "InvalidArgumentException", "Invalid ShardIterator."},
		{"GetRecords null iterator", `{}`, "ValidationException",
			"1 validation error detected: Value null at 'shardIterator' failed to satisfy constraint: Member must not be null"},
		{"GetRecords limit 0", `{"ShardIterator":"x","Limit":0}`, "ValidationException",
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"GetRecords limit 10001", `{"ShardIterator":"x","Limit":10001}`, "ValidationException",
			"1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"},
	} {
		action := "GetShardIterator"
		if strings.HasPrefix(tc.name, "GetRecords") {
			action = "GetRecords"
		}
		t.Run(tc.name, func(t *testing.T) { wantRaw(t, env, action, tc.body, tc.typ, tc.msg) })
	}

	it := aws.ToString(getIter(t, env, "g", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil))
	t.Run("tampered", func(t *testing.T) {
		b := []byte(it)
		for i := range b {
			c := b[i]
			b[i] = map[bool]byte{true: 'A', false: 'B'}[c != 'A']
			_, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(string(b))})
			wantErr(t, err, "InvalidArgumentException", "Invalid ShardIterator.")
			b[i] = c
		}
	})
	t.Run("std base64 accepted", func(t *testing.T) {
		std := strings.NewReplacer("-", "+", "_", "/").Replace(it)
		for len(std)%4 != 0 {
			std += "="
		}
		if _, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(std)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("other key", func(t *testing.T) {
		other := iteratorCodec{key: []byte("another key")}
		dec, err := env.srv.data.iters.decode(it)
		if err != nil {
			t.Fatal(err)
		}
		_, err = env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(other.encode(dec))})
		wantErr(t, err, "InvalidArgumentException", "Invalid ShardIterator.")
	})
	t.Run("expired", func(t *testing.T) {
		env.clock.advance(6 * time.Minute)
		defer env.clock.advance(-6 * time.Minute)
		_, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(it)})
		wantErr(t, err, "ExpiredIteratorException",
			`~^Iterator expired\. The iterator was created at time \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4} while right now it is \w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4} which is further in the future than the tolerated delay of 300000 milliseconds\.$`)
	})
	t.Run("still valid at 4 minutes", func(t *testing.T) {
		env.clock.advance(4 * time.Minute)
		defer env.clock.advance(-4 * time.Minute)
		if _, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(it)}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("deleted and re-created stream", func(t *testing.T) {
		if _, err := env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("g")}); err != nil {
			t.Fatal(err)
		}
		_, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(it)})
		wantErr(t, err, "ResourceNotFoundException", "~^Shard shardId-000000000000 in stream g under account 000000000000 does not exist$|^Stream g under account 000000000000 not found\\.$")
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("g"), ShardCount: aws.Int32(1)})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("re-create: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		_, err = env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: aws.String(it)})
		wantErr(t, err, "ResourceNotFoundException", "Shard shardId-000000000000 in stream g under account 000000000000 does not exist")
	})
}

func TestStreamNotReady(t *testing.T) {
	env := startData(t, nil, func(c *Config) { c.StateDelay = time.Hour })
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("slow"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	_, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("slow"), PartitionKey: aws.String("k"), Data: []byte("x")})
	wantErr(t, err, "ResourceNotFoundException", "Stream slow under account 000000000000 not found.")
	_, err = env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("slow"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}})
	wantErr(t, err, "ResourceNotFoundException", "Stream slow under account 000000000000 not found.")
	_, err = env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("slow"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest})
	wantErr(t, err, "ResourceNotFoundException", "Stream slow under account 000000000000 not found.")
	env.clock.advance(2 * time.Hour)
	if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("slow"), PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
}

// failingLog fails appends to one shard, as a log whose fsync failed does.
type failingLog struct {
	shardlog.Log
	bad uint32
}

func (f *failingLog) Append(ctx context.Context, id shardlog.ShardID, e []shardlog.Entry) (shardlog.AppendResult, error) {
	if id.Shard == f.bad {
		return shardlog.AppendResult{}, fmt.Errorf("fsync: %w", shardlog.ErrReadOnly)
	}
	return f.Log.Append(ctx, id, e)
}

// atomicClock is a settable clock that is safe to move while the server
// reads it.
// atomicClock and dataEnv are the harness's clock and environment under
// the names the record tests grew up with.
type (
	atomicClock = testClock
	dataEnv     = testEnv
)

// startData is startEnv over a memory log wrapped by wrap (nil: none).
func startData(t *testing.T, wrap func(shardlog.Log) shardlog.Log, opts ...envOption) *dataEnv {
	t.Helper()
	return startEnvWith(t, wrap, opts...)
}

func TestPutRecordsPartialFailure(t *testing.T) {
	env := startData(t, func(l shardlog.Log) shardlog.Log { return &failingLog{Log: l, bad: 1} })
	ctx := testCtx(t)
	st := mkStream(t, env, "pf", 2)
	var entries []types.PutRecordsRequestEntry
	for i := range 10 {
		sh := st.Shards[i%2]
		entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte{byte(i)}, ExplicitHashKey: aws.String(sh.HashKeyStart)})
	}
	out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("pf"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 5 {
		t.Fatalf("FailedRecordCount %d, want 5", aws.ToInt32(out.FailedRecordCount))
	}
	for i, r := range out.Records {
		if i%2 == 1 {
			if aws.ToString(r.ErrorCode) != "InternalFailure" || aws.ToString(r.ErrorMessage) != "Internal service failure." || r.SequenceNumber != nil || r.ShardId != nil {
				t.Fatalf("record %d: %+v", i, r)
			}
		} else if aws.ToString(r.ShardId) != "shardId-000000000000" || r.ErrorCode != nil {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	_, err = env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("pf"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String(st.Shards[1].HashKeyStart)})
	wantErr(t, err, "InternalFailure", "Internal service failure.")
}

func TestClosedShard(t *testing.T) {
	env := startData(t, nil)
	ctx := testCtx(t)
	mkStream(t, env, "c", 2)
	if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("c"), PartitionKey: aws.String("k"), Data: []byte("x"), ExplicitHashKey: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	// Close shard 0 and give its range to a new child 2, as a merge would.
	st, _ := env.meta.Stream("c")
	if _, err := env.log.Seal(ctx, shardlog.ShardID{Stream: st.UID, Shard: 0}); err != nil {
		t.Fatal(err)
	}
	if err := env.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: 2}, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.meta.UpdateStream("c", func(s *meta.Stream) error {
		s.Shards[0].Closed = true
		s.Shards[0].ClosedAt = env.clock.now() // else it closed in year 1 and has expired
		parent := uint32(0)
		s.Shards = append(s.Shards, meta.Shard{Index: 2, Parent: &parent, HashKeyStart: s.Shards[0].HashKeyStart, HashKeyEnd: s.Shards[0].HashKeyEnd})
		s.NextShardIndex = 3
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("c"), PartitionKey: aws.String("k"), Data: []byte("y"), ExplicitHashKey: aws.String("0")})
	if err != nil || aws.ToString(out.ShardId) != "shardId-000000000002" {
		t.Fatalf("put after close: %v %v", err, aws.ToString(out.ShardId))
	}
	it := getIter(t, env, "c", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil, nil)
	gr, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it})
	if err != nil {
		t.Fatal(err)
	}
	if len(gr.Records) != 1 || gr.NextShardIterator != nil || len(gr.ChildShards) != 1 {
		t.Fatalf("closed shard read: %d records, next %v, %d children", len(gr.Records), gr.NextShardIterator, len(gr.ChildShards))
	}
	c := gr.ChildShards[0]
	if aws.ToString(c.ShardId) != "shardId-000000000002" || len(c.ParentShards) != 1 || c.ParentShards[0] != "shardId-000000000000" || aws.ToString(c.HashKeyRange.StartingHashKey) != "0" {
		t.Fatalf("child %+v", c)
	}
}
