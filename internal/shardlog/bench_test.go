package shardlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks. Run them all in one go so the raw-disk figures come from the
// same run and directory as the appends (see docs/benchmarks.md):
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/shardlog/
//
// SHARDLOG_BENCH_DIR sets the directory (default: a temp dir on the same
// file system as TMPDIR).

func benchDir(b *testing.B) string {
	if d := os.Getenv("SHARDLOG_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

var benchSizes = []int{100, 1024}
var benchBatches = []int{1, 100, 500}
var benchConc = []int{1, 16}

// BenchmarkAppend measures acknowledged appends to one shard: conc
// goroutines each append batches of batch records of size bytes.
func BenchmarkAppend(b *testing.B) {
	for _, p := range []SyncPolicy{SyncAlways, SyncInterval, SyncNever} {
		for _, size := range benchSizes {
			for _, batch := range benchBatches {
				for _, conc := range benchConc {
					name := fmt.Sprintf("sync=%s/size=%d/batch=%d/conc=%d", p, size, batch, conc)
					b.Run(name, func(b *testing.B) { benchAppend(b, p, size, batch, conc, 1) })
				}
			}
		}
	}
	// Across shards: 16 appenders on 16 shards share the committer; on 4
	// shards, as the API benchmark's PutRecords load, rounds of a few MiB.
	b.Run("sync=always/size=1024/batch=500/conc=16/shards=16", func(b *testing.B) { benchAppend(b, SyncAlways, 1024, 500, 16, 16) })
	b.Run("sync=always/size=1024/batch=500/conc=16/shards=4", func(b *testing.B) { benchAppend(b, SyncAlways, 1024, 500, 16, 4) })
}

func benchAppend(b *testing.B, p SyncPolicy, size, batch, conc, shards int) {
	f, err := OpenFile(Options{Dir: benchDir(b), Sync: p})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for s := 0; s < shards; s++ {
		if err := f.CreateShard(ShardID{1, uint32(s)}, ShardConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	es := make([]Entry, batch)
	for i := range es {
		es[i] = Entry{PartitionKey: []byte("partition-key-0001"), Data: make([]byte, size)}
	}
	b.SetBytes(int64(batch * size))
	b.ReportAllocs()
	b.ResetTimer()
	var n atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			id := ShardID{1, uint32(g % shards)}
			for n.Add(1) <= int64(b.N) {
				if _, err := f.Append(context.Background(), id, es); err != nil {
					b.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRawWriteSync is the disk's ceiling for SyncAlways: sequential
// pwrite of chunk bytes plus fdatasync, in the same kind of directory. The
// chunk sizes are the frames one append of batch records writes.
func BenchmarkRawWriteSync(b *testing.B) {
	for _, size := range benchSizes {
		for _, batch := range benchBatches {
			chunk := batch * (size + frameHeaderSize + recordFixedSize + len("partition-key-0001"))
			b.Run(fmt.Sprintf("size=%d/batch=%d/chunk=%d", size, batch, chunk), func(b *testing.B) {
				fh, err := os.OpenFile(filepath.Join(benchDir(b), "raw"), os.O_RDWR|os.O_CREATE, 0o644)
				if err != nil {
					b.Fatal(err)
				}
				defer fh.Close()
				buf := make([]byte, chunk)
				b.SetBytes(int64(batch * size)) // payload bytes, comparable with BenchmarkAppend
				b.ResetTimer()
				var pos int64
				for i := 0; i < b.N; i++ {
					if _, err := fh.WriteAt(buf, pos); err != nil {
						b.Fatal(err)
					}
					if err := datasync(fh); err != nil {
						b.Fatal(err)
					}
					pos += int64(chunk)
					if pos > 64<<20 { // roll like a segment
						pos = 0
						if err := fh.Truncate(0); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkRoundSync is what the journal saves: one commit round of a
// ~1 KiB append to each of files shards, made durable either as today
// without a journal (a pwrite and an fdatasync per file, in parallel) or
// as the journal does (one pwrite of all of it and one fdatasync). Files
// are written with zeros first, as preallocation leaves them.
func BenchmarkRoundSync(b *testing.B) {
	const chunk = 1200
	for _, files := range []int{1, 2, 4} {
		for _, mode := range []string{"per-file", "journal"} {
			if files == 1 && mode == "journal" {
				continue // the same thing
			}
			b.Run(fmt.Sprintf("files=%d/%s", files, mode), func(b *testing.B) {
				dir := benchDir(b)
				n := files
				if mode == "journal" {
					n = 1
				}
				fhs := make([]*os.File, n)
				for i := range fhs {
					fh, err := os.OpenFile(filepath.Join(dir, fmt.Sprint(i)), os.O_RDWR|os.O_CREATE, 0o644)
					if err != nil {
						b.Fatal(err)
					}
					defer fh.Close()
					if _, err := fh.Write(make([]byte, 64<<20)); err != nil {
						b.Fatal(err)
					}
					if err := fh.Sync(); err != nil {
						b.Fatal(err)
					}
					fhs[i] = fh
				}
				buf := make([]byte, chunk*files/n)
				b.SetBytes(int64(chunk * files))
				b.ResetTimer()
				var pos int64
				for i := 0; i < b.N; i++ {
					var wg sync.WaitGroup
					for _, fh := range fhs {
						wg.Add(1)
						go func() {
							defer wg.Done()
							if _, err := fh.WriteAt(buf, pos); err != nil {
								b.Error(err)
							}
							if err := datasync(fh); err != nil {
								b.Error(err)
							}
						}()
					}
					wg.Wait()
					if pos += int64(len(buf)); pos+int64(len(buf)) > 64<<20 {
						pos = 0
					}
				}
			})
		}
	}
}

// BenchmarkAppendShards is PutRecord's storage path: 16 goroutines each
// append one 1 KiB record at a time to one of 4 shards (SyncAlways, 1 MiB
// preallocation as in rheo serve), with and without the journal.
func BenchmarkAppendShards(b *testing.B) {
	for _, journal := range []int64{0, 32 << 20} {
		b.Run(fmt.Sprintf("journal=%d", journal), func(b *testing.B) {
			f, err := OpenFile(Options{Dir: benchDir(b), Preallocate: 1 << 20, Journal: journal})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			ids := make([]ShardID, 4)
			for i := range ids {
				ids[i] = ShardID{1, uint32(i)}
				if err := f.CreateShard(ids[i], ShardConfig{}); err != nil {
					b.Fatal(err)
				}
			}
			es := []Entry{{PartitionKey: []byte("partition-key-0001"), Data: make([]byte, 1024)}}
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetBytes(1024)
			b.SetParallelism(8) // 16 goroutines on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				id := ids[next.Add(1)%int64(len(ids))]
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					if _, err := f.Append(context.Background(), id, es); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				b.ReportMetric(float64(lat[len(lat)*999/1000].Microseconds()), "p99.9-µs")
				b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
			}
		})
	}
}

// benchShard opens a SyncNever File in a bench directory with one shard;
// it is closed when the benchmark ends.
func benchShard(b *testing.B) (*File, ShardID) {
	b.Helper()
	f, err := OpenFile(Options{Dir: benchDir(b), Sync: SyncNever})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	id := ShardID{1, 0}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		b.Fatal(err)
	}
	return f, id
}

// BenchmarkRead measures Read from the page cache on one goroutine:
// batches of 1000 records of 1 KiB, cycling over a 256 MiB shard.
// release=true hands each batch back as GetRecords and SubscribeToShard do;
// release=false is a caller that keeps its batches to the GC.
func BenchmarkRead(b *testing.B) {
	const size, total, per = 1024, 256 << 10, 1000 // 256 Ki records
	f, id := benchShard(b)
	es := make([]Entry, 500)
	for i := range es {
		es[i] = Entry{PartitionKey: []byte("partition-key-0001"), Data: make([]byte, size)}
	}
	for i := 0; i < total; i += len(es) {
		if _, err := f.Append(context.Background(), id, es); err != nil {
			b.Fatal(err)
		}
	}
	// Warm the page cache.
	for from := uint64(0); from < total; {
		bt, err := f.Read(context.Background(), id, from, 10000, 10<<20)
		if err != nil {
			b.Fatal(err)
		}
		from = bt.Next
		bt.Release()
	}
	for _, release := range []bool{true, false} {
		b.Run(fmt.Sprintf("release=%v", release), func(b *testing.B) {
			b.SetBytes(int64(per * (size + len("partition-key-0001"))))
			b.ReportAllocs()
			from := uint64(0)
			for i := 0; i < b.N; i++ {
				bt, err := f.Read(context.Background(), id, from, per, 10<<20)
				if err != nil {
					b.Fatal(err)
				}
				if len(bt.Records) != per {
					from = 0
					i--
					continue
				}
				from = bt.Next
				if release {
					bt.Release()
				}
			}
		})
	}
}

// TestOpenAfterKill10GiB writes 10 GiB into a shard from a child process,
// SIGKILLs it and times reopening plus the first access. It needs ~11 GiB
// of disk and a minute, so it runs only with SHARDLOG_BIG=1.
func TestOpenAfterKill10GiB(t *testing.T) {
	if os.Getenv(bigChildEnv) != "" {
		bigChild(os.Getenv(bigChildEnv))
		return
	}
	if os.Getenv("SHARDLOG_BIG") == "" {
		t.Skip("set SHARDLOG_BIG=1 to write 10 GiB and time recovery")
	}
	dir := os.Getenv("SHARDLOG_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else {
		d, err := os.MkdirTemp(dir, "big")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	runBigChild(t, dir)
	start := time.Now()
	f, err := OpenFile(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	opened := time.Since(start)
	inf, err := f.Info(bigShard)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	bt, err := f.Read(context.Background(), bigShard, inf.Next-10, 10, 1<<20)
	if err != nil || len(bt.Records) != 10 {
		t.Fatalf("read tail: %d records, %v", len(bt.Records), err)
	}
	all := time.Since(start)
	t.Logf("10 GiB: %d records in %d segments (%d bytes); OpenFile %v, first access (scan of active segment) %v, plus tail read %v",
		inf.Next, inf.Segments, inf.Bytes, opened, first, all)
	if all > time.Second {
		t.Errorf("recovery took %v, target < 1s", all)
	}
	_ = f.Close()
}

const bigChildEnv = "SHARDLOG_BIG_CHILD_DIR"

var bigShard = ShardID{Stream: 1, Shard: 0}

func runBigChild(t *testing.T, dir string) {
	cmd := newChild(t, "^TestOpenAfterKill10GiB$", bigChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := out.Read(buf); err != nil || string(buf) != "full" {
		t.Fatalf("child: %q %v", buf, err)
	}
	time.Sleep(50 * time.Millisecond) // kill it mid-append
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func bigChild(dir string) {
	f, err := OpenFile(Options{Dir: dir, Sync: SyncNever})
	if err != nil {
		os.Exit(2)
	}
	if err := f.CreateShard(bigShard, ShardConfig{}); err != nil {
		os.Exit(2)
	}
	es := make([]Entry, 500)
	for i := range es {
		es[i] = Entry{PartitionKey: []byte("k"), Data: make([]byte, 1024)}
	}
	var written int64
	said := false
	for {
		if _, err := f.Append(context.Background(), bigShard, es); err != nil {
			os.Exit(3)
		}
		written += 500 * 1024
		if written >= 10<<30 && !said {
			said = true
			os.Stdout.WriteString("full")
		}
	}
}

// BenchmarkReadTip is a reader at the tip (GetRecords polling, fan-out,
// delivery): it asks for up to 10,000 records and 1 MiB and finds five.
func BenchmarkReadTip(b *testing.B) {
	f, id := benchShard(b)
	es := make([]Entry, 100)
	for i := range es {
		es[i] = Entry{PartitionKey: []byte("k"), Data: make([]byte, 200)}
	}
	if _, err := f.Append(context.Background(), id, es); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch, err := f.Read(context.Background(), id, 95, 10000, 1<<20)
		if err != nil || len(batch.Records) != 5 {
			b.Fatalf("read: %d records, %v", len(batch.Records), err)
		}
		batch.Release()
	}
}
