package shardlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// journalGen reads the generation in dir's journal header (0 if none).
func journalGen(t testing.TB, dir string) uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	gen, _ := decodeJournalHeader(b)
	return gen
}

// journalHasEntry reports whether dir's journal holds an entry of its
// current generation.
func journalHasEntry(t testing.TB, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	gen, ok := decodeJournalHeader(b)
	return ok && len(b) >= journalHeaderSize+entryHeaderSize &&
		binary.LittleEndian.Uint32(b[journalHeaderSize:]) > 0 &&
		binary.LittleEndian.Uint64(b[journalHeaderSize+8:]) == gen
}

// TestJournalCheckpoints runs the power-failure check after the journal
// has filled and started new generations several times, so the image is
// taken with segments synced by checkpoints and entries of the newest
// generation over the stale ones of older generations.
func TestJournalCheckpoints(t *testing.T) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	wait := func(dir string) {
		deadline := time.Now().Add(20 * time.Second)
		for journalGen(t, dir) < 4 {
			if time.Now().After(deadline) {
				t.Fatalf("journal still at generation %d", journalGen(t, dir))
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.Intn(10)) * time.Millisecond)
	}
	powerLossOnce(t, rng, 0, minJournal, 16<<10, true, smallAppends, wait)
}

// appendBoth appends to a and b from two goroutines, n times each, so
// that commit rounds often carry both shards and use the journal.
func appendBoth(t *testing.T, f *File, a, b ShardID, n int) {
	t.Helper()
	errs := make(chan error, 2)
	for _, id := range []ShardID{a, b} {
		go func() {
			for i := range n {
				if _, err := f.Append(context.Background(), id, entries(i, 1, 300)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	if err := errors.Join(<-errs, <-errs); err != nil {
		t.Fatal(err)
	}
}

// journaledPair opens a journaling File on a powerFS with shards a and b
// and appends n records to each, until the journal holds an entry.
func journaledPair(t *testing.T) (pfs *powerFS, o Options, f *File, a, b ShardID, n int) {
	t.Helper()
	pfs = newPowerFS()
	o = Options{Dir: t.TempDir(), SegmentSize: 64 << 10, Journal: minJournal, fs: pfs}
	f = mustOpen(t, o)
	a, b = ShardID{1, 0}, ShardID{1, 1}
	for _, id := range []ShardID{a, b} {
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	for !journalHasEntry(t, o.Dir) {
		if n >= 2000 {
			t.Fatalf("no commit round carried both shards in %d appends each", n)
		}
		appendBoth(t, f, a, b, 100)
		n += 100
	}
	return pfs, o, f, a, b, n
}

// TestJournalDeleteShard checks that a shard deleted and created again
// under the same id is not overwritten by the journal entries of its first
// life: DeleteShard checkpoints, and replay skips shards that are gone.
func TestJournalDeleteShard(t *testing.T) {
	pfs, o, f, a, b, n := journaledPair(t)
	gen := journalGen(t, o.Dir)
	if err := f.DeleteShard(a); err != nil {
		t.Fatal(err)
	}
	if g := journalGen(t, o.Dir); g <= gen {
		t.Fatalf("DeleteShard did not checkpoint: generation %d, was %d", g, gen)
	}
	if err := f.CreateShard(a, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	fresh := entries(1000, 3, 50)
	mustAppend(t, f, a, fresh)
	img := filepath.Join(t.TempDir(), "image")
	pfs.image(t, o.Dir, img, rand.New(rand.NewSource(1)), false)
	g := mustOpen(t, Options{Dir: img, SegmentSize: o.SegmentSize, Journal: minJournal})
	checkRecords(t, readAll(t, g, a, 0), fresh, 0)
	if got := len(readAll(t, g, b, 0)); got != n {
		t.Fatalf("shard b has %d records after the power failure, want %d", got, n)
	}
}

// TestJournalReplayWithJournalOff checks that a journal left by a run with
// it on is replayed by a run with it off, which then removes the file.
func TestJournalReplayWithJournalOff(t *testing.T) {
	pfs, o, _, a, b, n := journaledPair(t)
	img := filepath.Join(t.TempDir(), "image")
	pfs.image(t, o.Dir, img, rand.New(rand.NewSource(1)), false)
	g := mustOpen(t, Options{Dir: img, SegmentSize: o.SegmentSize})
	for _, id := range []ShardID{a, b} {
		if got := len(readAll(t, g, id, 0)); got != n {
			t.Fatalf("shard %s has %d records after the power failure, want %d", id, got, n)
		}
	}
	if _, err := os.Stat(filepath.Join(img, journalName)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("journal not removed with the journal off: %v", err)
	}
}

// TestJournalTornHeader checks that a header torn by a crash during a
// checkpoint (after which every segment was synced) replays nothing and
// does not stop the log from opening.
func TestJournalTornHeader(t *testing.T) {
	o := Options{Dir: t.TempDir(), SegmentSize: 64 << 10, Journal: minJournal}
	f := mustOpen(t, o)
	id := ShardID{1, 0}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, f, id, entries(0, 5, 100))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(o.Dir, journalName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[9] ^= 0xff // inside the generation
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g := mustOpen(t, o)
	checkRecords(t, readAll(t, g, id, 0), entries(0, 5, 100), 0)
	if gen := journalGen(t, o.Dir); gen < 1<<60 {
		t.Fatalf("generation after a torn header is %d, want one from the clock, above any earlier one", gen)
	}
}

// TestJournalEntryCodec checks the entry layout round trip and that
// malformed payloads are refused, not misread.
func TestJournalEntryCodec(t *testing.T) {
	if _, ok := decodeJournalHeader(encodeJournalHeader(42)); !ok {
		t.Fatal("header does not decode")
	}
	if gen, _ := decodeJournalHeader(encodeJournalHeader(42)); gen != 42 {
		t.Fatalf("generation %d, want 42", gen)
	}
	for name, b := range map[string][]byte{
		"short header":   make([]byte, pieceHeaderSize-1),
		"length too big": append(bytes.Repeat([]byte{0}, 12), 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	} {
		if _, ok := decodeJournalEntry(b); ok {
			t.Errorf("%s: decoded", name)
		}
	}
}

// FuzzJournalReplay opens a log whose journal holds arbitrary bytes after a
// valid header: opening may fail but must not panic, and a shard whose
// segment it damaged reports corruption rather than wrong records.
func FuzzJournalReplay(f *testing.F) {
	piece := func(pos uint64, data []byte) []byte {
		b := make([]byte, pieceHeaderSize)
		binary.LittleEndian.PutUint64(b[0:8], 1)
		binary.LittleEndian.PutUint32(b[12:16], uint32(len(data)))
		binary.LittleEndian.PutUint64(b[24:32], pos)
		return append(b, data...)
	}
	f.Add(piece(0, []byte("hello")))
	f.Add(piece(1<<40, nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		dir := t.TempDir()
		o := Options{Dir: dir, SegmentSize: 64 << 10}
		l := mustOpen(t, o)
		id := ShardID{1, 0}
		if err := l.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, id, entries(0, 3, 20))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		eh := make([]byte, entryHeaderSize)
		binary.LittleEndian.PutUint32(eh[0:4], uint32(len(payload)))
		binary.LittleEndian.PutUint64(eh[8:16], 1)
		binary.LittleEndian.PutUint32(eh[4:8], entryCRC(eh, payload))
		file := append(encodeJournalHeader(1), eh...)
		file = append(file, payload...)
		if err := os.WriteFile(filepath.Join(dir, journalName), file, 0o644); err != nil {
			t.Fatal(err)
		}
		g, err := OpenFile(Options{Dir: dir, SegmentSize: 64 << 10, Journal: minJournal})
		if err != nil {
			return
		}
		defer g.Close()
		b, err := g.Read(context.Background(), id, 0, 100, 1<<20)
		if err != nil {
			return
		}
		for i, r := range b.Records {
			if r.Offset != uint64(i) {
				t.Fatalf("record %d has offset %d", i, r.Offset)
			}
		}
	})
}

// TestJournalFails checks that a failed journal write or fdatasync costs
// no shard: the round falls back to fdatasyncing its segments, every
// append succeeds, the journal is not used again, and every acknowledged
// record is there after reopening.
func TestJournalFails(t *testing.T) {
	for _, write := range []bool{false, true} {
		t.Run(fmt.Sprintf("write=%v", write), func(t *testing.T) { journalFails(t, write) })
	}
}

func journalFails(t *testing.T, write bool) {
	ffs := &faultFS{}
	o := Options{Dir: t.TempDir(), SegmentSize: 64 << 10, Journal: minJournal, fs: ffs}
	f, err := OpenFile(o)
	if err != nil {
		t.Fatal(err)
	}
	a, b := ShardID{1, 0}, ShardID{1, 1}
	for _, id := range []ShardID{a, b} {
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	journal := filepath.Join(o.Dir, journalName)
	syncs := ffs.syncsOf(journal)
	if write {
		ffs.set(journal, "")
	} else {
		ffs.set("", journal)
	}
	n := 0
	tried := func() bool { // a round has met the failure
		if write {
			return ffs.injected(journal)
		}
		return ffs.syncsOf(journal) > syncs
	}
	for !tried() {
		if n >= 2000 {
			t.Skip("no commit round carried both shards")
		}
		appendBoth(t, f, a, b, 50) // fails the test on any append error
		n += 50
	}
	failed := ffs.syncsOf(journal)
	appendBoth(t, f, a, b, 200)
	n += 200
	if got := ffs.syncsOf(journal); got != failed {
		t.Fatalf("journal fdatasynced %d more times after its failure", got-failed)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close after a journal failure: %v", err)
	}
	ffs.set("", "")
	g := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize, Journal: minJournal})
	for _, id := range []ShardID{a, b} {
		if got := len(readAll(t, g, id, 0)); got != n {
			t.Fatalf("shard %s: %d records after reopening, %d acknowledged", id, got, n)
		}
	}
}
