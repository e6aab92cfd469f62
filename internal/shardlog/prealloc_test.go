package shardlog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestPreallocate checks Options.Preallocate: small synced appends leave
// zeros written past the active segment's end, rolled segments end exactly
// at their last frame, and a reopen (as after a crash, the zeros still
// there) reads every record and truncates the zeros.
func TestPreallocate(t *testing.T) {
	o := testOptions(t, nil)
	o.SegmentSize = 64 << 10
	o.Preallocate = 16 << 10
	f := mustOpen(t, o)
	id := ShardID{Stream: 1, Shard: 0}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	var want []Entry
	for i := 0; i < 300; i++ { // ~300 × 350 B: several segments
		es := entries(i, 1, 300)
		mustAppend(t, f, id, es)
		want = append(want, es...)
	}
	checkRecords(t, readAll(t, f, id, 0), want, 0)

	dir := filepath.Join(o.Dir, id.String())
	bases, err := listSegments(osFS{}, dir)
	if err != nil || len(bases) < 2 {
		t.Fatalf("segments %v, %v: want several", bases, err)
	}
	for i, base := range bases {
		path := newSegment(dir, base).path
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		x, valid, err := scanSegment(t.Context(), osFile{mustOpenFile(t, path)}, base, int64(len(b)))
		if i < len(bases)-1 {
			if err != nil || valid != int64(len(b)) {
				t.Fatalf("sealed segment %d: %d bytes, frames end at %d (%v): the zeros were not cut", base, len(b), valid, err)
			}
			continue
		}
		tail := b[valid:]
		if len(tail) == 0 || !bytes.Equal(tail, make([]byte, len(tail))) {
			t.Fatalf("active segment: %d bytes of %d past the last frame (%d records), want a zero tail", len(tail), len(b), x.records)
		}
	}

	// Reopen without closing, as after kill -9: the records are all there
	// and the zero tail is gone.
	f2 := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize, Preallocate: o.Preallocate})
	checkRecords(t, readAll(t, f2, id, 0), want, 0)
	last := newSegment(dir, bases[len(bases)-1]).path
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	if _, valid, err := scanSegment(t.Context(), osFile{mustOpenFile(t, last)}, bases[len(bases)-1], int64(len(b))); err != nil || valid != int64(len(b)) {
		t.Fatalf("after reopen the active segment has %d bytes, frames end at %d (%v)", len(b), valid, err)
	}
	more := entries(1000, 3, 300)
	mustAppend(t, f2, id, more)
	checkRecords(t, readAll(t, f2, id, 0), append(want, more...), 0)
}

func mustOpenFile(t *testing.T, path string) *os.File {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	return fh
}
