package kinesis

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// benchServer is a Server over the memory log with one ACTIVE stream of
// shards shards, called in-process (no HTTP).
func benchServer(b *testing.B, shards int) *Server {
	b.Helper()
	st, err := meta.Open(filepath.Join(b.TempDir(), "meta.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	lg := shardlog.NewMemory(nil)
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close(); lg.Close(); st.Close() })
	body := fmt.Sprintf(`{"StreamName":"bench","ShardCount":%d}`, shards)
	if _, err := srv.ops["CreateStream"](context.Background(), &call{body: []byte(body)}); err != nil {
		b.Fatal(err)
	}
	return srv
}

// putRecordsBody is a PutRecords body of n records of size bytes over
// distinct partition keys.
func putRecordsBody(n, size int) []byte {
	data := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("r"), size))
	var buf bytes.Buffer
	buf.WriteString(`{"StreamName":"bench","Records":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"Data":"%s","PartitionKey":"partition-key-%d"}`, data, i)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// BenchmarkPutRecords measures decode → validate → route → append (memory
// log, 4 shards) → encode of a 500 × 1 KiB PutRecords. Bytes are record
// data.
func BenchmarkPutRecords(b *testing.B) {
	srv := benchServer(b, 4)
	body := putRecordsBody(500, 1024)
	work := make([]byte, len(body))
	ctx := context.Background()
	out := make([]byte, 0, 64<<10)
	b.SetBytes(500 * 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(work, body) // the decoder works in place
		res, err := srv.putRecordsOp(ctx, &call{body: work})
		if err != nil {
			b.Fatal(err)
		}
		out = res.(jsonAppender).AppendJSON(out[:0])
	}
}

// BenchmarkDecodePutRecords measures the decoder alone.
func BenchmarkDecodePutRecords(b *testing.B) {
	body := putRecordsBody(500, 1024)
	work := make([]byte, len(body))
	b.SetBytes(500 * 1024)
	b.ReportAllocs()
	for b.Loop() {
		copy(work, body)
		if _, err := decodePutRecords(work); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRecordsEncode measures AppendJSON of a 10000 × 1 KiB
// GetRecords response. Bytes are record data.
func BenchmarkGetRecordsEncode(b *testing.B) {
	data := bytes.Repeat([]byte("d"), 1024)
	recs := make([]shardlog.Record, 10000)
	ts := time.Now().UnixMilli()
	for i := range recs {
		recs[i] = shardlog.Record{Offset: uint64(i), Timestamp: ts, PartitionKey: []byte(fmt.Sprintf("partition-key-%d", i)), Data: data}
	}
	o := &getRecordsOutput{shard: 3, batch: shardlog.Batch{Records: recs, Next: 10000, Tip: 10000}, next: iteratorCodec{key: []byte("k")}.encode(iterator{stream: "bench"})}
	var out []byte
	b.SetBytes(10000 * 1024)
	b.ReportAllocs()
	for b.Loop() {
		out = o.AppendJSON(make([]byte, 0, 512)) // as writeJSON calls it
	}
	_ = out
}

// BenchmarkGetRecords measures a whole in-process GetRecords of 10000 ×
// 1 KiB (iterator check, memory-log read, encode).
func BenchmarkGetRecords(b *testing.B) {
	srv := benchServer(b, 1)
	ctx := context.Background()
	for range 20 {
		body := putRecordsBody(500, 1024)
		if _, err := srv.putRecordsOp(ctx, &call{body: body}); err != nil {
			b.Fatal(err)
		}
	}
	it, err := srv.getShardIterator(ctx, &wire.GetShardIteratorInput{StreamName: ptr("bench"), ShardId: ptr("shardId-000000000000"), ShardIteratorType: ptr("TRIM_HORIZON")})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(10000 * 1024)
	b.ReportAllocs()
	for b.Loop() {
		out, err := srv.getRecords(ctx, &wire.GetRecordsInput{ShardIterator: &it.ShardIterator})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.batch.Records) != 10000 {
			b.Fatalf("%d records", len(out.batch.Records))
		}
		_ = out.AppendJSON(make([]byte, 0, 512))
	}
}

func ptr[T any](v T) *T { return &v }
