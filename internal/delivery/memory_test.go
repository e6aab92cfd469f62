package delivery

import (
	"bytes"
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// TestBufferMemoryBoundedBySmallReads checks that a buffer filled by many
// small reads (producers putting a few records at a time while a long
// interval holds the batch) costs memory in proportion to its data, not
// to the capacity each read reserved: a destination that stays down for
// long (or a 900 s interval) must not let the heap grow far past
// BufferingHints.
func TestBufferMemoryBoundedBySmallReads(t *testing.T) {
	e := newEnv(t, "", nil, nil)
	ctx := context.Background()
	if _, err := e.m.Create(ctx, "mem", directSpec(64<<20, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heap()
	const puts, perPut, size = 300, 10, 100
	rec := bytes.Repeat([]byte{'r'}, size)
	for i := 0; i < puts; i++ {
		batch := make([][]byte, perPut)
		for j := range batch {
			batch[j] = rec
		}
		if _, _, err := e.m.Put(ctx, "mem", batch); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // let the worker read each put on its own
	}
	time.Sleep(50 * time.Millisecond)
	grown := int64(heap()) - int64(before)
	data := int64(puts * perPut * size) // 300 KB
	// Record headers, pooled read buffers rounded up to a power of two
	// and slice growth allow some multiple of the data, not hundreds.
	if limit := 4*data + 1<<20; grown > limit {
		t.Fatalf("heap grew by %d bytes to buffer %d bytes of records (limit %d)", grown, data, limit)
	}
	t.Logf("heap grew by %d bytes for %d bytes of records", grown, data)
}

// TestTinyRecordsFlushOnMemory checks that a buffer of tiny records is
// delivered once its memory (data plus per-record overhead) reaches twice
// BufferBytes, before its data does, and that nothing is lost or
// reordered, including empty records.
func TestTinyRecordsFlushOnMemory(t *testing.T) {
	e := newEnv(t, "", nil, nil)
	ctx := context.Background()
	const bufBytes = 64 << 10
	if _, err := e.m.Create(ctx, "tiny", directSpec(bufBytes, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	// 1,200 records of 0 or 1 byte: 600 bytes of data, ~150 KiB of
	// buffer memory.
	var want []byte
	for i := 0; i < 12; i++ {
		batch := make([][]byte, 100)
		for j := range batch {
			if j%2 == 0 {
				batch[j] = []byte{byte('a' + j%26)}
				want = append(want, batch[j]...)
			} else {
				batch[j] = []byte{}
			}
		}
		if _, _, err := e.m.Put(ctx, "tiny", batch); err != nil {
			t.Fatal(err)
		}
	}
	var objs []object
	waitFor(t, 5*time.Second, "a flush on memory", func() bool {
		objs = listObjects(t, e.store, "lake", "", "")
		return len(objs) > 0
	})
	got := concat(objs)
	if !bytes.HasPrefix(want, got) || len(got) == 0 {
		t.Fatalf("delivered %q, want a prefix of %q", got, want)
	}
}

// countingLog counts the bytes the worker's buffer reads return.
type countingLog struct {
	shardlog.Log
	bytes atomic.Int64
}

func (l *countingLog) Read(ctx context.Context, id shardlog.ShardID, from uint64, maxRecords, maxBytes int) (shardlog.Batch, error) {
	b, err := l.Log.Read(ctx, id, from, maxRecords, maxBytes)
	if maxRecords == readMaxRecords { // the worker's reads, not Status's
		for _, r := range b.Records {
			l.bytes.Add(int64(len(r.Data)))
		}
	}
	return b, err
}

// TestNoReadAheadWhileDestinationFails checks that while a batch keeps
// failing, the worker does not buffer the next one: an outage must not
// hold two buffers in memory (the records wait in the log).
func TestNoReadAheadWhileDestinationFails(t *testing.T) {
	ctx := context.Background()
	fs := &flakyStore{fails: 1 << 30}
	cl := &countingLog{}
	e := newEnv(t, "", nil, func(o *Options) {
		fs.Store, o.Store = o.Store, fs
		cl.Log, o.Log = o.Log, cl
		o.RetryMin, o.RetryMax = time.Hour, time.Hour
	})
	const size = 4 << 10
	if _, err := e.m.Create(ctx, "out", directSpec(size, 0), nil); err != nil {
		t.Fatal(err)
	}
	rec := bytes.Repeat([]byte{'r'}, size)
	if _, _, err := e.m.Put(ctx, "out", [][]byte{rec}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a failed attempt", func() bool {
		st, _ := e.m.Status("out")
		return st.Attempts > 0
	})
	for i := 0; i < 8; i++ {
		if _, _, err := e.m.Put(ctx, "out", [][]byte{rec}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if got := cl.bytes.Load(); got != size {
		t.Fatalf("worker read %d bytes while its first batch (%d bytes) was failing", got, size)
	}
}
