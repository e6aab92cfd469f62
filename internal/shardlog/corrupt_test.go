package shardlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// copyDir copies a (small) directory tree for per-case mutation.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func shardDir(o Options, id ShardID) string { return filepath.Join(o.Dir, id.String()) }

func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	sort.Strings(m)
	if len(m) == 0 {
		t.Fatalf("no segments in %s", dir)
	}
	return m
}

// framePositions returns the start of every frame of a clean segment.
func framePositions(t *testing.T, path string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for p := 0; p < len(b); {
		_, n, err := decodeFrame(b[p:])
		if err != nil {
			t.Fatalf("clean segment does not decode at %d: %v", p, err)
		}
		out = append(out, int64(p))
		p += n
	}
	return out
}

// activeSegment writes n entries of size bytes, one append each, to a
// fresh shard whose only segment stays active, closes the log and returns
// its options, the entries, the segment's path and its frames' starts.
func activeSegment(t *testing.T, n, size int) (Options, []Entry, string, []int64) {
	t.Helper()
	o := testOptions(t, nil)
	o.SegmentSize = 1 << 20
	f := mustOpen(t, o)
	if err := f.CreateShard(sid, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	es := entries(0, n, size)
	for i := range es {
		mustAppend(t, f, sid, es[i:i+1])
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	seg := segFiles(t, shardDir(o, sid))[0]
	return o, es, seg, framePositions(t, seg)
}

func TestTornTailTruncated(t *testing.T) {
	o, es, seg, pos := activeSegment(t, 6, 40)
	last := pos[len(pos)-1]
	full, _ := os.ReadFile(seg)
	for cut := last; cut < int64(len(full)); cut++ {
		for _, garbage := range []bool{false, true} {
			o2 := o
			o2.Dir = t.TempDir()
			copyDir(t, o.Dir, o2.Dir)
			seg2 := segFiles(t, shardDir(o2, sid))[0]
			data := full[:cut]
			if garbage {
				data = append(append([]byte{}, data...), 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
			}
			if err := os.WriteFile(seg2, data, 0o644); err != nil {
				t.Fatal(err)
			}
			g, err := OpenFile(o2)
			if err != nil {
				t.Fatal(err)
			}
			checkRecords(t, readAll(t, g, sid, 0), es[:5], 0)
			if st, _ := os.Stat(seg2); st.Size() != last {
				t.Fatalf("cut %d garbage %v: segment is %d bytes after recovery, want %d", cut, garbage, st.Size(), last)
			}
			r := mustAppend(t, g, sid, es[5:])
			if r.FirstOffset != 5 {
				t.Fatalf("append after recovery got offset %d", r.FirstOffset)
			}
			checkRecords(t, readAll(t, g, sid, 0), es, 0)
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// buildSealed writes a shard with several sealed segments and returns the
// options, the entries and the segment paths.
func buildSealed(t *testing.T) (Options, []Entry, []string) {
	clock := newFakeClock()
	o := testOptions(t, clock)
	o.SegmentSize = 2 << 10
	f := mustOpen(t, o)
	if err := f.CreateShard(sid, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	es := entries(0, 60, 150)
	for i := 0; i < len(es); i += 4 {
		mustAppend(t, f, sid, es[i:i+4])
		clock.Advance(time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	segs := segFiles(t, shardDir(o, sid))
	if len(segs) < 4 {
		t.Fatalf("only %d segments", len(segs))
	}
	return o, es, segs
}

func TestBitFlipInSealedSegment(t *testing.T) {
	o, _, segs := buildSealed(t)
	victim := segs[1]
	pos := framePositions(t, victim)
	clean, _ := os.ReadFile(victim)
	for _, dropIndex := range []bool{false, true} {
		for at := 0; at < len(clean); at += 37 {
			o2 := o
			o2.Dir = t.TempDir()
			copyDir(t, o.Dir, o2.Dir)
			p := filepath.Join(shardDir(o2, sid), filepath.Base(victim))
			b := append([]byte{}, clean...)
			b[at] ^= 1 << (at % 8)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if dropIndex {
				_ = os.Remove(p[:len(p)-4] + ".idx")
			}
			g, err := OpenFile(o2)
			if err != nil {
				t.Fatal(err)
			}
			var cerr *CorruptionError
			from := uint64(0)
			for {
				bt, err := g.Read(context.Background(), sid, from, 7, 1<<20)
				if err != nil {
					if !errors.As(err, &cerr) {
						t.Fatalf("flip at %d: error %v is not a CorruptionError", at, err)
					}
					break
				}
				if len(bt.Records) == 0 {
					t.Fatalf("flip at %d (dropIndex %v): read the whole shard without a corruption error", at, dropIndex)
				}
				from = bt.Next
			}
			frame := pos[sort.Search(len(pos), func(i int) bool { return pos[i] > int64(at) })-1]
			if cerr.Segment != filepath.Base(victim) || (cerr.Offset != frame && !dropIndex) || cerr.Offset > int64(at) || cerr.Shard != sid {
				t.Fatalf("flip at %d: %v; want segment %s at byte %d", at, cerr, filepath.Base(victim), frame)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestIndexFilesRebuilt(t *testing.T) {
	o, es, segs := buildSealed(t)
	idx := func(i int) string { return segs[i][:len(segs[i])-4] + ".idx" }
	tix := func(i int) string { return segs[i][:len(segs[i])-4] + ".tix" }
	for i := 0; i < len(segs)-1; i++ {
		if _, err := os.Stat(idx(i)); err != nil {
			t.Fatalf("sealed segment %d has no index: %v", i, err)
		}
	}
	_ = os.Remove(idx(0))
	b, _ := os.ReadFile(tix(1))
	b[len(b)/2] ^= 0xff
	_ = os.WriteFile(tix(1), b, 0o644)
	b, _ = os.ReadFile(idx(2))
	_ = os.WriteFile(idx(2), b[:len(b)-3], 0o644)
	_ = os.WriteFile(tix(3), []byte("garbage"), 0o644)
	f := mustOpen(t, o)
	checkRecords(t, readAll(t, f, sid, 0), es, 0)
	inf, _ := f.Info(sid)
	if off, err := f.Seek(sid, Seek{Kind: SeekAtTimestamp, Timestamp: inf.LastTimestamp}); err != nil || off != 56 {
		t.Fatalf("seek by time: %d %v", off, err)
	}
	for i := 0; i < 4; i++ {
		ib, err1 := os.ReadFile(idx(i))
		tb, err2 := os.ReadFile(tix(i))
		if _, err := decodeIndex(ib, tb); err1 != nil || err2 != nil || err != nil {
			t.Fatalf("index of segment %d not rebuilt: %v %v %v", i, err1, err2, err)
		}
	}
}

// A frame of the active segment whose checksum holds but whose version or
// flags are unknown (a newer rheo wrote it, then an older one started) is
// reported as corruption, not cut off with everything after it as a torn
// tail would be.
func TestUnknownFrameVersionNotTruncated(t *testing.T) {
	o, es, seg, pos := activeSegment(t, 5, 40)
	clean, _ := os.ReadFile(seg)
	for _, tc := range []struct {
		name  string
		byte  int
		value byte
	}{{"version", 9, 2}, {"flags", 11, 0x80}} {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte{}, clean...)
			fr := b[pos[2]:pos[3]]
			fr[tc.byte] = tc.value
			crc := crc32.Update(crc32.Update(0, castagnoli, fr[0:4]), castagnoli, fr[8:])
			binary.LittleEndian.PutUint32(fr[4:8], crc)
			if err := os.WriteFile(seg, b, 0o644); err != nil {
				t.Fatal(err)
			}
			g := mustOpen(t, o)
			_, err := g.Read(context.Background(), sid, 0, 10, 1<<20)
			var cerr *CorruptionError
			if !errors.As(err, &cerr) || cerr.Segment != filepath.Base(seg) || cerr.Offset != pos[2] {
				t.Fatalf("Read: %v; want a CorruptionError in %s at byte %d", err, filepath.Base(seg), pos[2])
			}
			if _, err := g.Append(context.Background(), sid, es[:1]); !errors.As(err, &cerr) {
				t.Fatalf("Append: %v; want the CorruptionError", err)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			if now, _ := os.ReadFile(seg); !bytes.Equal(now, b) {
				t.Fatalf("segment changed: %d bytes, was %d", len(now), len(b))
			}
		})
	}
	if err := os.WriteFile(seg, clean, 0o644); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, readAll(t, mustOpen(t, o), sid, 0), es, 0)
}

// A flipped bit in the middle of the active segment looks like a torn
// tail to recovery, which cuts there. Whole frames follow the damage, which
// a crash's torn write does not leave: the cut bytes are kept in
// <segment>.cut-<at>, so the records after the damage can be recovered.
// A torn tail (nothing whole after it) leaves no such file.
func TestDamagedActiveSegmentKeepsCutBytes(t *testing.T) {
	o, es, seg, pos := activeSegment(t, 10, 60)
	clean, _ := os.ReadFile(seg)
	cuts := func() []string {
		m, _ := filepath.Glob(seg + ".cut-*")
		return m
	}

	b := append([]byte{}, clean...)
	b[pos[4]+frameHeaderSize+30] ^= 0x10 // inside record 4's payload
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g := mustOpen(t, o)
	checkRecords(t, readAll(t, g, sid, 0), es[:4], 0)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	kept := cuts()
	if want := fmt.Sprintf("%s.cut-%d", seg, pos[4]); len(kept) != 1 || kept[0] != want {
		t.Fatalf("kept files %v, want [%s]", kept, want)
	}
	if got, _ := os.ReadFile(kept[0]); !bytes.Equal(got, b[pos[4]:]) {
		t.Fatalf("kept %d bytes, not the %d cut", len(got), len(b)-int(pos[4]))
	}
	// Damage at the same place again keeps its bytes beside the first.
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g2 := mustOpen(t, o)
	readAll(t, g2, sid, 0) // loads the shard: recovery runs
	if err := g2.Close(); err != nil {
		t.Fatal(err)
	}
	if again := cuts(); len(again) != 2 || again[1] != kept[0]+".1" {
		t.Fatalf("kept files after a second cut at the same place: %v", again)
	}
	for _, k := range cuts() {
		if err := os.Remove(k); err != nil {
			t.Fatal(err)
		}
	}

	// A torn tail: the last frame half written.
	if err := os.WriteFile(seg, clean[:pos[3]+20], 0o644); err != nil {
		t.Fatal(err)
	}
	checkRecords(t, readAll(t, mustOpen(t, o), sid, 0), es[:3], 0)
	if kept := cuts(); len(kept) != 0 {
		t.Fatalf("a torn tail left %v", kept)
	}
}
