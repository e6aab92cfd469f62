package shardlog

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable clock for arrival times and retention.
type fakeClock struct{ ms atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ms.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// testOptions returns options for a File in a fresh temp dir with small
// segments so tests roll often.
func testOptions(t testing.TB, clock *fakeClock) Options {
	o := Options{Dir: t.TempDir(), SegmentSize: 4 << 10, RetentionCheckInterval: time.Hour}
	if clock != nil {
		o.Now = clock.Now
	}
	return o
}

func mustOpen(t testing.TB, o Options) *File {
	t.Helper()
	f, err := OpenFile(o)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func entry(i int, size int) Entry {
	d := bytes.Repeat([]byte{byte(i)}, size)
	e := Entry{PartitionKey: []byte(fmt.Sprintf("pk-%d", i)), Data: d}
	if i%3 == 0 {
		e.ExplicitHashKey = []byte(fmt.Sprint(i * 7919))
	}
	return e
}

func entries(start, n, size int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = entry(start+i, size)
	}
	return es
}

func mustAppend(t testing.TB, l Log, id ShardID, es []Entry) AppendResult {
	t.Helper()
	r, err := l.Append(context.Background(), id, es)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return r
}

func readAll(t testing.TB, l Log, id ShardID, from uint64) []Record {
	t.Helper()
	var out []Record
	for {
		b, err := l.Read(context.Background(), id, from, 1000, 1<<20)
		if err != nil {
			t.Fatalf("Read from %d: %v", from, err)
		}
		for _, r := range b.Records {
			out = append(out, cloneRecord(r))
		}
		if len(b.Records) == 0 {
			return out
		}
		from = b.Next
	}
}

func cloneRecord(r Record) Record {
	r.PartitionKey = clone(r.PartitionKey)
	r.ExplicitHashKey = clone(r.ExplicitHashKey)
	r.Data = clone(r.Data)
	return r
}

func sameRecord(a, b Record) bool {
	return a.Offset == b.Offset && a.Timestamp == b.Timestamp && bytes.Equal(a.PartitionKey, b.PartitionKey) &&
		bytes.Equal(a.ExplicitHashKey, b.ExplicitHashKey) && bytes.Equal(a.Data, b.Data)
}

func checkRecords(t testing.TB, got []Record, want []Entry, firstOff uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		w := want[i]
		if r.Offset != firstOff+uint64(i) || !bytes.Equal(r.Data, w.Data) || !bytes.Equal(r.PartitionKey, w.PartitionKey) || !bytes.Equal(r.ExplicitHashKey, w.ExplicitHashKey) {
			t.Fatalf("record %d: got offset %d pk %q, want offset %d pk %q", i, r.Offset, r.PartitionKey, firstOff+uint64(i), w.PartitionKey)
		}
	}
}
