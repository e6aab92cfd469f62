package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// The delivery benchmarks of issue #6, side by side in one run:
//
//	go test -run '^$' -bench 'Delivery|DuckDBParquet' -benchtime 3x ./internal/server/
//
// BenchmarkDeliveryParquet measures the whole path from a Kinesis stream
// (two shards, pre-filled) through JSON→Parquet conversion into the local
// lake; BenchmarkDuckDBParquetDirect is the comparison point, DuckDB
// reading the same rows from one NDJSON file and writing Parquet; both
// report MiB/s of JSON input.

// benchColumns is the schema table of the benchmark records.
const benchColumns = `ts TIMESTAMP, remote_addr VARCHAR, method VARCHAR, path VARCHAR, status INTEGER,
	bytes BIGINT, referer VARCHAR, user_agent VARCHAR, request_id VARCHAR, region VARCHAR,
	upstream_time DOUBLE, request_time DOUBLE, cache VARCHAR, host VARCHAR, session VARCHAR,
	user_id VARCHAR, country VARCHAR, device VARCHAR, ab_bucket VARCHAR, trace VARCHAR,
	accept VARCHAR, accept_language VARCHAR, build INTEGER`

// benchRecord is a ~1 KiB JSON web access-log record.
func benchRecord(i int) []byte {
	return fmt.Appendf(nil, `{"ts":"2026-11-22 05:%02d:%02d.%03d","remote_addr":"203.0.113.%d","method":"GET",`+
		`"path":"/api/v1/products/%d/reviews?page=%d&sort=recent","status":%d,"bytes":%d,`+
		`"referer":"https://shop.example.com/products/%d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 `+
		`(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36","request_id":"%08x-%04x-4%03x-a%03x-%012x","region":"%s",`+
		`"upstream_time":%d.%03d,"request_time":%d.%03d,"cache":"%s","host":"shop.example.com",`+
		`"session":"%016x","user_id":"user-%d","country":"%s","device":"%s","ab_bucket":"%s","trace":"%032x",`+
		`"accept":"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",`+
		`"accept_language":"en-US,en;q=0.9,de;q=0.8","build":%d,"padding":"%0100d"}`,
		i/60%60, i%60, i%1000, i%256, i%10007, i%17, []int{200, 200, 200, 304, 404, 500}[i%6], 512+i%40000,
		i%997, uint32(i*2654435761), i%65536, i%4096, i%4096, uint64(i)*11400714819323198485&0xffffffffffff,
		[]string{"eu-west-1", "us-east-1", "ap-south-1"}[i%3], i%3, i%1000, i%2, i%1000,
		[]string{"HIT", "MISS", "BYPASS"}[i%3], uint64(i)*0x9e3779b97f4a7c15, i%50000,
		[]string{"DE", "US", "IN", "BR", "JP"}[i%5], []string{"desktop", "mobile", "tablet"}[i%3],
		[]string{"control", "variant-a", "variant-b"}[i%3], uint64(i)*0xbf58476d1ce4e5b9, 1000+i%97, i)
}

// benchStack is storage plus the SQL engine, without HTTP.
type benchStack struct {
	dir   string
	meta  *meta.Store
	log   shardlog.Log
	sql   *sqlengine.Engine
	store lake.Store
}

func openBenchStack(b *testing.B) *benchStack {
	b.Helper()
	ctx := context.Background()
	st := &benchStack{dir: b.TempDir()}
	var err error
	if st.meta, err = meta.Open(filepath.Join(st.dir, "meta.db"), nil); err != nil {
		b.Fatal(err)
	}
	if st.log, err = shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(st.dir, "streams")}); err != nil {
		b.Fatal(err)
	}
	st.store = lake.NewLocal(filepath.Join(st.dir, "lake"))
	if st.sql, err = sqlengine.Open(ctx, sqlengine.Options{Path: filepath.Join(st.dir, "warehouse.duckdb"), Meta: st.meta, Log: st.log, Objects: st.store}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = st.sql.Close()
		_ = st.log.Close()
		_ = st.meta.Close()
	})
	st.exec(b, "CREATE TABLE access_logs ("+benchColumns+")")
	return st
}

func (st *benchStack) exec(b *testing.B, q string) {
	b.Helper()
	ctx := context.Background()
	sess, err := st.sql.NewSession(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	res, err := sess.Query(ctx, q)
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	for res.Next() {
	}
	if err := res.Err(); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	_ = res.Close()
}

// opBytes is the JSON input of one benchmark op.
const opBytes = 64 << 20

func BenchmarkDeliveryParquet(b *testing.B) {
	ctx := context.Background()
	st := openBenchStack(b)
	now := time.Now()
	src := meta.Stream{Name: "src", Mode: meta.ModeProvisioned, Status: meta.StatusActive, ReadyAt: now, CreatedAt: now,
		RetentionHours: 24, NextShardIndex: 2}
	for i := range 2 {
		src.Shards = append(src.Shards, meta.Shard{Index: uint32(i), HashKeyStart: "0", HashKeyEnd: "0", CreatedAt: now})
	}
	stored, err := st.meta.CreateStream(src)
	if err != nil {
		b.Fatal(err)
	}
	for _, sh := range stored.Shards {
		if err := st.log.CreateShard(shardlog.ShardID{Stream: stored.UID, Shard: sh.Index}, shardlog.ShardConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	opts := delivery.Options{Meta: st.meta, Log: st.log, Store: st.store, Converter: sqlConverter{st.sql}}
	m, err := delivery.New(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	spec := delivery.Spec{Source: delivery.SourceKinesis, KinesisStream: "src", Version: 1, Dest: delivery.Destination{
		ID: "destinationId-000000000001", Bucket: "lake", BufferBytes: 64 << 20, BufferInterval: 0,
		Compression: "UNCOMPRESSED",
		Conversion:  &delivery.Conversion{Table: "access_logs", Deserializer: "openx", CaseInsensitive: true, Serializer: "parquet", Compression: "SNAPPY"},
	}}
	if _, err := m.Create(ctx, "parquet", spec, nil); err != nil {
		b.Fatal(err)
	}
	if err := m.Close(); err != nil { // fill while no worker reads
		b.Fatal(err)
	}
	total, n := 0, 0
	for total < b.N*opBytes {
		entries := make([]shardlog.Entry, 500)
		for i := range entries {
			entries[i] = shardlog.Entry{PartitionKey: []byte("pk"), Data: benchRecord(n)}
			total += len(entries[i].Data)
			n++
		}
		if _, err := st.log.Append(ctx, shardlog.ShardID{Stream: stored.UID, Shard: uint32(n / 500 % 2)}, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(total / b.N))
	b.ResetTimer()
	if m, err = delivery.New(ctx, opts); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	for {
		s, _ := m.Status("parquet")
		if s.Backlog == 0 && s.Records > 0 {
			if s.Records != int64(n) || s.FailedRecords != 0 {
				b.Fatalf("delivered %d records (%d failed), want %d", s.Records, s.FailedRecords, n)
			}
			break
		}
		if s.LastError != "" {
			b.Fatal(s.LastError)
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.StopTimer()
	st.checkParquetRows(b, n)
}

// checkParquetRows counts the rows of the lake's Parquet files.
func (st *benchStack) checkParquetRows(b *testing.B, want int) {
	b.Helper()
	dir, _ := st.store.LocalPath("lake", "")
	ctx := context.Background()
	sess, err := st.sql.NewSession(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	res, err := sess.Query(ctx, fmt.Sprintf("SELECT count(*), count(DISTINCT build) FROM read_parquet('%s/**/*.parquet')", dir))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Close()
	if !res.Next() {
		b.Fatal(res.Err())
	}
	if got := fmt.Sprint(res.Row()[0]); got != fmt.Sprint(want) {
		b.Fatalf("Parquet files hold %s rows, want %d", got, want)
	}
}

func BenchmarkDuckDBParquetDirect(b *testing.B) {
	st := openBenchStack(b)
	path := filepath.Join(st.dir, "input.ndjson")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	total, n := 0, 0
	for total < opBytes {
		rec := benchRecord(n)
		total += len(rec)
		n++
		if _, err := f.Write(append(rec, '\n')); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(total))
	b.ResetTimer()
	for i := range b.N {
		out := filepath.Join(st.dir, fmt.Sprintf("out-%d.parquet", i))
		st.exec(b, fmt.Sprintf(`COPY (SELECT * FROM read_json('%s', format='newline_delimited', columns={%s}))
			TO '%s' (FORMAT parquet, COMPRESSION snappy)`, path, duckColumns, out))
	}
}

// duckColumns is benchColumns as read_json's columns struct.
const duckColumns = `ts:'TIMESTAMP', remote_addr:'VARCHAR', method:'VARCHAR', path:'VARCHAR', status:'INTEGER',
	bytes:'BIGINT', referer:'VARCHAR', user_agent:'VARCHAR', request_id:'VARCHAR', region:'VARCHAR',
	upstream_time:'DOUBLE', request_time:'DOUBLE', cache:'VARCHAR', host:'VARCHAR', session:'VARCHAR',
	user_id:'VARCHAR', country:'VARCHAR', device:'VARCHAR', ab_bucket:'VARCHAR', trace:'VARCHAR',
	accept:'VARCHAR', accept_language:'VARCHAR', build:'INTEGER'`
