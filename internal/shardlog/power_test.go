package shardlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// powerFS simulates power failures, which kill -9 cannot: a killed process
// leaves its writes in the page cache, a power failure loses every write
// not yet fdatasynced. It remembers each file's content as of its last
// Datasync; image writes a copy of the tree holding only that, plus, when
// torn, a random half of the 4 KiB pages written since (write-back can
// flush any page at any time, in any order). Directory operations count as
// durable at once: File syncs directories where it relies on them.
type powerFS struct {
	osFS
	mu      sync.Mutex
	durable map[string][]byte
}

func newPowerFS() *powerFS { return &powerFS{durable: map[string][]byte{}} }

type powerFile struct {
	file
	fs   *powerFS
	name string
}

func (p *powerFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := p.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &powerFile{file: f, fs: p, name: filepath.Clean(name)}, nil
}

// Datasync records the file's content as durable (without a real fsync:
// only the simulation's durability matters here).
func (f *powerFile) Datasync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	b, err := readFileAt(f.file)
	if err != nil {
		return err
	}
	f.fs.durable[f.name] = b
	return nil
}

func readFileAt(f file) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	return b, nil
}

func (p *powerFS) Rename(from, to string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.osFS.Rename(from, to); err != nil {
		return err
	}
	from, to = filepath.Clean(from), filepath.Clean(to)
	if b, ok := p.durable[from]; ok {
		p.durable[to] = b
	} else {
		delete(p.durable, to)
	}
	delete(p.durable, from)
	return nil
}

func (p *powerFS) Remove(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.durable, filepath.Clean(name))
	return p.osFS.Remove(name)
}

func (p *powerFS) RemoveAll(name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	name = filepath.Clean(name)
	for k := range p.durable {
		if k == name || strings.HasPrefix(k, name+string(filepath.Separator)) {
			delete(p.durable, k)
		}
	}
	return p.osFS.RemoveAll(name)
}

// image copies the tree under root to dst as a power failure now would
// leave it.
func (p *powerFS) image(t *testing.T, root, dst string, rng *rand.Rand, torn bool) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		cur, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b := append([]byte(nil), p.durable[filepath.Clean(path)]...)
		if torn {
			const page = 4096
			for off := 0; off < len(cur); off += page {
				if rng.Intn(2) == 0 {
					continue
				}
				end := min(off+page, len(cur))
				if len(b) < end {
					b = append(b, make([]byte, end-len(b))...)
				}
				copy(b[off:end], cur[off:end])
			}
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatalf("power-failure image: %v", err)
	}
}

// TestPowerLoss appends from many goroutines to four shards, takes a
// power-failure image at a random moment, and checks that the image opens
// with every record acknowledged before the image. With the journal the
// segments of small rounds are not fdatasynced before the acknowledgement,
// so these records survive only by the journal's replay.
func TestPowerLoss(t *testing.T) {
	for _, tc := range []struct {
		name    string
		journal int64
		pre     int64
		torn    bool
		load    powerLoad
	}{
		{"journal", minJournal, 0, false, smallAppends},
		{"journal-torn-preallocated", minJournal, 16 << 10, true, smallAppends},
		{"segments-torn", 0, 0, true, smallAppends},
		// Rounds of hundreds of KiB over several shards, written and
		// synced per shard in parallel, each rolling segments.
		{"big-rounds-torn", minJournal, 0, true, powerLoad{batch: 40, size: 4000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(time.Now().UnixNano()))
			for it := range 3 {
				wait := func(string) { time.Sleep(time.Duration(20+rng.Intn(60)) * time.Millisecond) }
				powerLossOnce(t, rng, it, tc.journal, tc.pre, tc.torn, tc.load, wait)
			}
		})
	}
}

// powerLoad shapes the appends of powerLossOnce: up to batch entries of
// 50 to size bytes each.
type powerLoad struct{ batch, size int }

// smallAppends make rounds small enough for the journal.
var smallAppends = powerLoad{batch: 3, size: 750}

// powerLossOnce runs the appenders until wait (given the log's directory)
// returns, then takes the image and checks it.
func powerLossOnce(t *testing.T, rng *rand.Rand, it int, journal, pre int64, torn bool, load powerLoad, wait func(dir string)) {
	ctx := context.Background()
	pfs := newPowerFS()
	o := Options{Dir: t.TempDir(), SegmentSize: 32 << 10, Journal: journal, Preallocate: pre, fs: pfs}
	f, err := OpenFile(o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := make([]ShardID, 4)
	for i := range ids {
		ids[i] = ShardID{Stream: 7, Shard: uint32(i)}
		if err := f.CreateShard(ids[i], ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	acked := map[ShardID]map[uint64][]byte{}
	for _, id := range ids {
		acked[id] = map[uint64][]byte{}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		seed := rng.Int63()
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := ids[r.Intn(len(ids))]
				es := make([]Entry, 1+r.Intn(load.batch))
				for i := range es {
					d := bytes.Repeat([]byte{byte(r.Intn(256))}, 50+r.Intn(load.size-50))
					copy(d, fmt.Sprintf("g%d n%d i%d", g, n, i))
					es[i] = Entry{PartitionKey: []byte("pk"), Data: d}
				}
				res, err := f.Append(ctx, id, es)
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("Append: %v", err)
					}
					return
				}
				mu.Lock()
				for i := range es {
					acked[id][res.FirstOffset+uint64(i)] = es[i].Data
				}
				mu.Unlock()
			}
		}()
	}
	// At least one acknowledgement first, however slow the machine.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := len(acked[ids[0]]) + len(acked[ids[1]]) + len(acked[ids[2]]) + len(acked[ids[3]])
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("iteration %d: no append acknowledged in 10 s", it)
		}
	}
	wait(o.Dir)
	// Acknowledged before the image: their fdatasync returned before it.
	mu.Lock()
	want := map[ShardID]map[uint64][]byte{}
	total := 0
	for id, m := range acked {
		want[id] = make(map[uint64][]byte, len(m))
		for off, d := range m {
			want[id][off] = d
			total++
		}
	}
	mu.Unlock()
	img := filepath.Join(t.TempDir(), "image")
	pfs.image(t, o.Dir, img, rng, torn)
	close(stop)
	wg.Wait()
	if total == 0 {
		t.Fatalf("iteration %d: nothing acknowledged before the image", it)
	}

	g := mustOpen(t, Options{Dir: img, SegmentSize: o.SegmentSize, Journal: journal})
	for _, id := range ids {
		recs := readAll(t, g, id, 0)
		for i, r := range recs {
			if r.Offset != uint64(i) {
				t.Fatalf("iteration %d: shard %s: record %d has offset %d", it, id, i, r.Offset)
			}
		}
		for off, d := range want[id] {
			if off >= uint64(len(recs)) {
				t.Fatalf("iteration %d: shard %s: acknowledged offset %d lost (%d records after the power failure, %d acknowledged in all)",
					it, id, off, len(recs), total)
			}
			if !bytes.Equal(recs[off].Data, d) {
				t.Fatalf("iteration %d: shard %s: offset %d holds other data", it, id, off)
			}
		}
		// The shard takes appends again after recovery.
		mustAppend(t, g, id, entries(0, 2, 10))
	}
}
