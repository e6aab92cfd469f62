package sqlengine

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

var benchRecords = flag.Int("sqlbench.records", 1_000_000, "records in the SQL benchmark stream")

// BenchmarkSQLScan compares a stream table scan with DuckDB reading the
// same lines from a local CSV file, in the same run (go test -bench SQL
// -sqlbench.records N). Records are ~100 bytes of CSV in a 2-shard File
// log. Results go to docs/benchmarks.md.
func BenchmarkSQLScan(b *testing.B) {
	e := newBenchEnv(b)
	n := *benchRecords
	st := e.stream("bench", 2)
	csvPath := filepath.Join(e.dir, "bench.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ctx := context.Background()
	batch := make([]shardlog.Entry, 0, 500)
	line := func(i int) string {
		return fmt.Sprintf("%09d,TICKER%03d,%s,%d,%0.4f,2026-01-02 10:%02d:%02d,exchange-%02d,padding-padding-padding-padding", i, i%500, []string{"BUY", "SELL"}[i%2], i%1000, float64(i%100000)/7, (i/60)%60, i%60, i%20)
	}
	s := e.session()
	exec(b, s, "CREATE STREAM TABLE bench (id BIGINT, ticker STRING, side STRING, qty INT, price DOUBLE, ts TIMESTAMP, exch STRING, pad STRING) FROM STREAM 'bench' FORMAT csv")
	put := func(from, to int) {
		for i := from; i < to; i++ {
			l := line(i)
			w.WriteString(l)
			w.WriteByte('\n')
			batch = append(batch, shardlog.Entry{PartitionKey: []byte("k"), Data: []byte(l)})
			if len(batch) == cap(batch) || i == to-1 {
				if _, err := e.log.Append(ctx, shardlog.ShardID{Stream: st.UID, Shard: uint32(i/cap(batch)) % 2}, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
	put(0, n-n/100)
	// Iteration 0 of "bench" covers the oldest 99%; iteration 1 will be the
	// newest 1%, which also arrives a minute later (for the time pushdown).
	exec(b, s, "SET kinesis.checkpoint.enabled = true")
	exec(b, s, "SET kinesis.checkpoint.logical.name = bench")
	exec(b, s, "SET kinesis.checkpoint.iteration.no = 0")
	one(b, s, "SELECT count(*) FROM bench")
	exec(b, s, "SET kinesis.checkpoint.enabled = false")
	e.clock.Advance(time.Minute)
	put(n-n/100, n)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	csv := fmt.Sprintf("read_csv('%s', header=false, columns={'id':'BIGINT','ticker':'VARCHAR','side':'VARCHAR','qty':'INTEGER','price':'DOUBLE','ts':'TIMESTAMP','exch':'VARCHAR','pad':'VARCHAR'})", csvPath)
	run := func(b *testing.B, q string) {
		for b.Loop() {
			rows(b, s, q)
		}
	}
	b.Run("count/stream", func(b *testing.B) { run(b, "SELECT count(*) FROM bench") })
	b.Run("count/csvfile", func(b *testing.B) { run(b, "SELECT count(*) FROM "+csv) })
	b.Run("groupby/stream", func(b *testing.B) {
		run(b, "SELECT ticker, side, count(*), sum(qty), avg(price) FROM bench GROUP BY ALL ORDER BY 1, 2 LIMIT 5")
	})
	b.Run("groupby/csvfile", func(b *testing.B) {
		run(b, "SELECT ticker, side, count(*), sum(qty), avg(price) FROM "+csv+" GROUP BY ALL ORDER BY 1, 2 LIMIT 5")
	})
	b.Run("newest1pct/pushdown", func(b *testing.B) {
		run(b, "SELECT count(*), sum(qty) FROM bench WHERE _arrival_time >= TIMESTAMPTZ '2026-01-02 10:00:30+00'")
	})
	b.Run("newest1pct/iteration", func(b *testing.B) {
		exec(b, s, "SET kinesis.checkpoint.enabled = true")
		exec(b, s, "SET kinesis.checkpoint.iteration.no = 1")
		b.ResetTimer()
		run(b, "SELECT count(*), sum(qty) FROM bench")
		b.StopTimer()
		exec(b, s, "SET kinesis.checkpoint.enabled = false")
	})
	b.Run("full/stream", func(b *testing.B) { run(b, "SELECT count(*), sum(qty) FROM bench") })
}

func newBenchEnv(b *testing.B) *env {
	return newEnv(b, envOpt{fileLog: true})
}
