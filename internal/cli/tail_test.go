package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/rheo-dev/rheo/internal/kpl"
)

// fakeShard is one shard of fakeStream.
type fakeShard struct {
	id      string
	parents []string
	data    []string
	closed  bool
}

// fakeStream serves ListShards, GetShardIterator and GetRecords over
// in-memory shards. Iterators are "<shard>:<index>".
type fakeStream struct {
	mu     sync.Mutex
	shards []*fakeShard
	reads  map[string]int // GetRecords calls per shard
}

func (f *fakeStream) shard(id string) *fakeShard {
	for _, s := range f.shards {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (f *fakeStream) ListShards(_ context.Context, in *kinesis.ListShardsInput, _ ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &kinesis.ListShardsOutput{}
	// Two pages, to exercise pagination.
	start, end := 0, len(f.shards)/2+1
	if in.NextToken != nil {
		start, end = len(f.shards)/2+1, len(f.shards)
		if in.StreamName != nil {
			return nil, &smithy.GenericAPIError{Code: "InvalidArgumentException", Message: "NextToken with StreamName"}
		}
	}
	for _, s := range f.shards[start:min(end, len(f.shards))] {
		sh := types.Shard{ShardId: aws.String(s.id), SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: aws.String("0")}}
		if len(s.parents) > 0 {
			sh.ParentShardId = aws.String(s.parents[0])
		}
		if len(s.parents) > 1 {
			sh.AdjacentParentShardId = aws.String(s.parents[1])
		}
		if s.closed {
			sh.SequenceNumberRange.EndingSequenceNumber = aws.String(strconv.Itoa(len(s.data)))
		}
		out.Shards = append(out.Shards, sh)
	}
	if in.NextToken == nil && end < len(f.shards) {
		out.NextToken = aws.String("page2")
	}
	return out, nil
}

func (f *fakeStream) GetShardIterator(_ context.Context, in *kinesis.GetShardIteratorInput, _ ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(aws.ToString(in.ShardId))
	if s == nil {
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException"}
	}
	pos := 0
	switch in.ShardIteratorType {
	case types.ShardIteratorTypeLatest:
		pos = len(s.data)
	case types.ShardIteratorTypeAtSequenceNumber:
		shard, idx := splitSeq(aws.ToString(in.StartingSequenceNumber))
		if shard != s.id {
			return nil, &smithy.GenericAPIError{Code: "InvalidArgumentException", Message: "wrong shard"}
		}
		pos, _ = strconv.Atoi(idx)
	case types.ShardIteratorTypeAfterSequenceNumber:
		_, idx := splitSeq(aws.ToString(in.StartingSequenceNumber))
		pos, _ = strconv.Atoi(idx)
		pos++
	}
	return &kinesis.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s:%d", s.id, pos))}, nil
}

func (f *fakeStream) GetRecords(_ context.Context, in *kinesis.GetRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, p, _ := strings.Cut(aws.ToString(in.ShardIterator), ":")
	pos, _ := strconv.Atoi(p)
	s := f.shard(id)
	if f.reads == nil {
		f.reads = map[string]int{}
	}
	f.reads[id]++
	out := &kinesis.GetRecordsOutput{MillisBehindLatest: aws.Int64(0)}
	end := min(len(s.data), pos+int(aws.ToInt32(in.Limit)), pos+2) // small pages
	at := time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for i := pos; i < end; i++ {
		out.Records = append(out.Records, types.Record{
			Data: []byte(s.data[i]), PartitionKey: aws.String("pk"), SequenceNumber: aws.String(fmt.Sprintf("%s%03d", id[1:], i)),
			ApproximateArrivalTimestamp: aws.Time(at),
		})
	}
	if end < len(s.data) {
		out.MillisBehindLatest = aws.Int64(1000)
	}
	if s.closed && end == len(s.data) {
		for _, c := range f.shards {
			for _, cp := range c.parents {
				if cp == id {
					out.ChildShards = append(out.ChildShards, types.ChildShard{ShardId: aws.String(c.id), ParentShards: c.parents})
				}
			}
		}
		return out, nil
	}
	out.NextShardIterator = aws.String(fmt.Sprintf("%s:%d", id, end))
	return out, nil
}

// splitSeq splits a fake sequence number "<shard number><3-digit index>".
func splitSeq(seq string) (shard, idx string) {
	if len(seq) < 4 {
		return "", ""
	}
	return "s" + seq[:len(seq)-3], seq[len(seq)-3:]
}

func (f *fakeStream) append(id, data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.shard(id)
	s.data = append(s.data, data)
}

func tailTest(t *testing.T, f *fakeStream, job tailJob) (string, error) {
	t.Helper()
	var out bytes.Buffer
	job.stream = "s"
	job.out = &out
	job.errOut = &bytes.Buffer{}
	job.minPoll = time.Millisecond
	job.maxPoll = 5 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := runTail(ctx, f, job)
	if ctx.Err() != nil {
		t.Fatal("runTail did not stop by itself")
	}
	return out.String(), err
}

// reshardedStream: s0 split into s2 and s3; s1 and s2 merged into s4.
func reshardedStream() *fakeStream {
	return &fakeStream{shards: []*fakeShard{
		{id: "s0", data: []string{"a1", "a2", "a3"}, closed: true},
		{id: "s1", data: []string{"b1\n", "b2"}, closed: true},
		{id: "s2", parents: []string{"s0"}, data: []string{"c1"}, closed: true},
		{id: "s3", parents: []string{"s0"}, data: []string{"d1", "d2"}},
		{id: "s4", parents: []string{"s1", "s2"}, data: []string{"e1"}},
	}}
}

func TestTailTrimHorizonFollowsChildrenInOrder(t *testing.T) {
	out, err := tailTest(t, reshardedStream(), tailJob{from: "trim-horizon", follow: false})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 9 {
		t.Fatalf("got %d lines, want 9:\n%s", len(lines), out)
	}
	pos := map[string]int{}
	for i, l := range lines {
		pos[l] = i
	}
	for _, before := range [][2]string{{"a1", "a2"}, {"a2", "a3"}, {"a3", "c1"}, {"a3", "d1"}, {"b2", "e1"}, {"c1", "e1"}} {
		if pos[before[0]] > pos[before[1]] {
			t.Errorf("%s printed after %s:\n%s", before[0], before[1], out)
		}
	}
}

func TestTailLatestFollowsNewRecordsAndMax(t *testing.T) {
	f := reshardedStream()
	go func() {
		for i := 0; ; i++ {
			time.Sleep(2 * time.Millisecond)
			f.append("s3", fmt.Sprint("new", i))
			f.append("s4", fmt.Sprint("new", i))
		}
	}()
	out, err := tailTest(t, f, tailJob{from: "latest", follow: true, max: 5})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("--max 5 printed %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "new") {
			t.Errorf("latest printed old record %q", l)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reads["s0"] > 0 || f.reads["s1"] > 0 {
		t.Errorf("latest read closed shards: %v", f.reads)
	}
}

func TestTailFromSequenceNumber(t *testing.T) {
	out, err := tailTest(t, reshardedStream(), tailJob{from: "3001", follow: false, shards: []string{"s3", "s4"}})
	if err != nil {
		t.Fatal(err)
	}
	if out != "d2\n" {
		t.Errorf("got %q, want just d2", out)
	}
}

func TestTailJSON(t *testing.T) {
	f := &fakeStream{shards: []*fakeShard{{id: "s0", data: []string{`{"a": 1}`, "plain text", "\xff\xfe", ""}}}}
	out, err := tailTest(t, f, tailJob{from: "trim-horizon", json: true, follow: false})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	want := []string{
		`{"shardId":"s0","sequenceNumber":"0000","partitionKey":"pk","arrivalTime":"2025-01-02T03:04:05.006Z","data":{"a":1}}`,
		`{"shardId":"s0","sequenceNumber":"0001","partitionKey":"pk","arrivalTime":"2025-01-02T03:04:05.006Z","data":"plain text"}`,
		`{"shardId":"s0","sequenceNumber":"0002","partitionKey":"pk","arrivalTime":"2025-01-02T03:04:05.006Z","dataBase64":"//4="}`,
		`{"shardId":"s0","sequenceNumber":"0003","partitionKey":"pk","arrivalTime":"2025-01-02T03:04:05.006Z","data":""}`,
	}
	for i, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("line %d is not JSON: %s", i, l)
		}
		if l != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, l, want[i])
		}
	}
}

func TestParseFrom(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want types.ShardIteratorType
		bad  bool
	}{
		{"latest", types.ShardIteratorTypeLatest, false},
		{"trim-horizon", types.ShardIteratorTypeTrimHorizon, false},
		{"2025-01-02T03:04:05Z", types.ShardIteratorTypeAtTimestamp, false},
		{"2025-01-02T03:04:05.123+02:00", types.ShardIteratorTypeAtTimestamp, false},
		{"49000000000000000000000000000000000000000000000000000000", types.ShardIteratorTypeAtSequenceNumber, false},
		{"yesterday", "", true},
	} {
		p, err := parseFrom(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && p.typ != tc.want) {
			t.Errorf("parseFrom(%q) = %v, %v", tc.in, p.typ, err)
		}
	}
}

func TestTailUnknownShard(t *testing.T) {
	if _, err := tailTest(t, reshardedStream(), tailJob{from: "latest", shards: []string{"nope"}}); err == nil {
		t.Error("--shard of an unknown shard accepted")
	}
}

// A stream written by the KPL (or a8m/kinesis-producer, or any producer of
// the KPL aggregation format) holds aggregates; tail prints their user
// records, as the KCL and rheo's stream tables and Firehose delivery do.
func TestTailDeaggregatesKPL(t *testing.T) {
	agg := kpl.Aggregate([]kpl.Record{
		{PartitionKey: "alpha", Data: []byte(`{"i":0}`)},
		{PartitionKey: "beta", ExplicitHashKey: "5", Data: []byte("one\n")},
		{PartitionKey: "alpha", Data: []byte("two")},
	})
	corrupt := append([]byte(nil), agg...)
	corrupt[len(corrupt)-1] ^= 1 // bad digest: passed through as stored, as the KCL does
	f := &fakeStream{shards: []*fakeShard{{id: "s0", data: []string{"plain", string(agg), string(corrupt)}}}}

	out, err := tailTest(t, f, tailJob{from: "trim-horizon", follow: false, deagg: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := "plain\n{\"i\":0}\none\ntwo\n" + string(corrupt) + "\n"; out != want {
		t.Errorf("got %q\nwant %q", out, want)
	}

	out, err = tailTest(t, f, tailJob{from: "trim-horizon", follow: false, deagg: true, json: true, max: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"shardId":"s0","sequenceNumber":"0000","partitionKey":"pk","arrivalTime":"2025-01-02T03:04:05.006Z","data":"plain"}`,
		`{"shardId":"s0","sequenceNumber":"0001","subSequenceNumber":0,"partitionKey":"alpha","arrivalTime":"2025-01-02T03:04:05.006Z","data":{"i":0}}`,
		`{"shardId":"s0","sequenceNumber":"0001","subSequenceNumber":1,"partitionKey":"beta","explicitHashKey":"5","arrivalTime":"2025-01-02T03:04:05.006Z","data":"one\n"}`,
	}
	if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("--json --max 3:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}

	out, err = tailTest(t, f, tailJob{from: "trim-horizon", follow: false, deagg: false})
	if err != nil {
		t.Fatal(err)
	}
	if want := "plain\n" + string(agg) + "\n" + string(corrupt) + "\n"; out != want {
		t.Errorf("--deaggregate=false: got %q, want the aggregates as stored", out)
	}
}
