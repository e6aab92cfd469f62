package delivery

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// accessLogRecord is a ~1 KiB JSON web access-log record.
func accessLogRecord(i int) []byte {
	return []byte(fmt.Sprintf(`{"time":"2026-11-22T05:%02d:%02d.%03dZ","remote_addr":"203.0.113.%d","method":"GET",`+
		`"path":"/api/v1/products/%d/reviews?page=%d&sort=recent","protocol":"HTTP/1.1","status":%d,"bytes":%d,`+
		`"referer":"https://shop.example.com/products/%d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 `+
		`(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36","request_id":"%08x-%04x-4%03x-a%03x-%012x","region":"%s",`+
		`"upstream":"10.0.%d.%d:8080","upstream_time":%d.%03d,"request_time":%d.%03d,"cache":"%s","tls":"TLSv1.3",`+
		`"cipher":"TLS_AES_128_GCM_SHA256","host":"shop.example.com","x_forwarded_for":"198.51.100.%d, 192.0.2.%d",`+
		`"session":"%016x","user":"user-%d","country":"%s","device":"%s","ab_bucket":"%s","trace":"%032x",`+
		`"accept":"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",`+
		`"accept_language":"en-US,en;q=0.9,de;q=0.8","content_type":"application/json","span":"%016x","build":"web-%d"}`,
		i/60%60, i%60, i%1000, i%256, i%10007, i%17, []int{200, 200, 200, 304, 404, 500}[i%6], 512+i%40000,
		i%997, uint32(i*2654435761), i%65536, i%4096, i%4096, uint64(i)*11400714819323198485&0xffffffffffff,
		[]string{"eu-west-1", "us-east-1", "ap-south-1"}[i%3], i%256, (i*7)%256, i%3, i%1000, i%2, i%1000,
		[]string{"HIT", "MISS", "BYPASS"}[i%3], i%256, (i*3)%256, uint64(i)*0x9e3779b97f4a7c15, i%50000,
		[]string{"DE", "US", "IN", "BR", "JP"}[i%5], []string{"desktop", "mobile", "tablet"}[i%3],
		[]string{"control", "variant-a", "variant-b"}[i%3], uint64(i)*0xbf58476d1ce4e5b9, uint64(i)*0x94d049bb133111eb, 1000+i%97))
}

func BenchmarkDeliverGzipJSON(b *testing.B)         { benchDeliver(b, compress.Gzip) }
func BenchmarkDeliverUncompressedJSON(b *testing.B) { benchDeliver(b, compress.Uncompressed) }

// benchDeliver measures delivery from a pre-filled Kinesis stream (two
// shards) into the local lake, per MiB of input: each op is 64 MiB.
func benchDeliver(b *testing.B, format string) {
	const opBytes = 64 << 20
	ctx := context.Background()
	dir := b.TempDir()
	store := lake.NewLocal(filepath.Join(dir, "lake"))
	e := newEnv(b, dir, store, nil)
	createKinesisStream(b, e, "src", 2)
	spec := directSpec(64<<20, 0)
	spec.Source, spec.KinesisStream, spec.Dest.Compression = SourceKinesis, "src", format
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		b.Fatal(err)
	}
	if err := e.m.Close(); err != nil { // fill while no worker reads
		b.Fatal(err)
	}
	st, _ := e.meta.Stream("src")
	total, n := 0, 0
	for total < b.N*opBytes {
		entries := make([]shardlog.Entry, 500)
		for i := range entries {
			entries[i] = shardlog.Entry{PartitionKey: []byte("pk"), Data: accessLogRecord(n)}
			total += len(entries[i].Data)
			n++
		}
		if _, err := e.log.Append(ctx, shardlog.ShardID{Stream: st.UID, Shard: uint32(n / 500 % 2)}, entries); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(total / b.N))
	b.ReportAllocs()
	runtime.GC() // the fill's garbage is not the delivery's cost
	cpu0 := cpuTime()
	b.ResetTimer()
	m, err := New(ctx, Options{Meta: e.meta, Log: e.log, Store: store})
	if err != nil {
		b.Fatal(err)
	}
	e.m = m
	for {
		s, _ := m.Status("b")
		if s.Backlog == 0 {
			break
		}
		if s.LastError != "" {
			b.Fatal(s.LastError)
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.StopTimer()
	// CPU time per MiB: on a shared machine wall time depends on the
	// neighbours; this bounds throughput at 2 cores / (CPU-ms per MiB).
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/(float64(total)/(1<<20)), "cpu-ms/MiB")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
