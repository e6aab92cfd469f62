package shardlog

import (
	"context"
	"errors"
	"fmt"
	"maps"
	mathrand "math/rand"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fullFS is a disk that runs out of space: while full, writes to files
// under prefix write part of their bytes and fail with ENOSPC, as a real
// full disk leaves them, and creating a file there fails with ENOSPC. With
// rate set, each such write or create fails with that probability instead.
// fdatasync fails with syncErr when set.
type fullFS struct {
	fileSystem // osFS, or a powerFS
	mu         sync.Mutex
	prefix     string
	full       bool
	rate       float64
	rng        *rand.Rand
	syncErr    error
	fails      int
}

func (fs *fullFS) set(full bool, rate float64) {
	fs.mu.Lock()
	fs.full, fs.rate = full, rate
	fs.mu.Unlock()
}

// fail reports whether an operation on name runs out of space now.
func (fs *fullFS) fail(name string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if !strings.HasPrefix(name, fs.prefix) {
		return false
	}
	f := fs.full || (fs.rate > 0 && fs.rng.Float64() < fs.rate)
	if f {
		fs.fails++
	}
	return f
}

func (fs *fullFS) failures() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.fails
}

func (fs *fullFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	if flag&os.O_CREATE != 0 {
		if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) && fs.fail(name) {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
		}
	}
	f, err := fs.fileSystem.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &fullFile{file: f, fs: fs, name: name}, nil
}

type fullFile struct {
	file
	fs   *fullFS
	name string
}

func (f *fullFile) WriteAt(b []byte, off int64) (int, error) {
	if len(b) > 0 && f.fs.fail(f.name) {
		n, _ := f.file.WriteAt(b[:len(b)/3], off)
		return n, &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return f.file.WriteAt(b, off)
}

// WriteVecAt fails part way, as pwritev does: earlier buffers written,
// the failing one in part.
func (f *fullFile) WriteVecAt(bufs [][]byte, off int64) error {
	for _, b := range bufs {
		if _, err := f.WriteAt(b, off); err != nil {
			return err
		}
		off += int64(len(b))
	}
	return nil
}

func (f *fullFile) Datasync() error {
	f.fs.mu.Lock()
	err := f.fs.syncErr
	f.fs.mu.Unlock()
	if err != nil && strings.HasPrefix(f.name, f.fs.prefix) {
		return err
	}
	return f.file.Datasync()
}

// checkFullLog checks that l holds exactly want in shard id, read from the
// start and, through the indexes, from every offset.
func checkFullLog(t *testing.T, l Log, id ShardID, want []Entry) {
	t.Helper()
	checkRecords(t, readAll(t, l, id, 0), want, 0)
	for off := range want {
		b, err := l.Read(context.Background(), id, uint64(off), 1, 1<<20)
		if err != nil {
			t.Fatalf("Read from %d: %v", off, err)
		}
		checkRecords(t, b.Records, want[off:off+1], uint64(off))
	}
}

// diskFullPolicies are the configurations a full disk is tried under:
// every sync policy, the journal, and preallocated zeros.
var diskFullPolicies = []struct {
	name string
	set  func(*Options)
}{
	{"always", func(o *Options) {}},
	{"always-journal", func(o *Options) { o.Journal = minJournal }},
	{"always-prealloc", func(o *Options) { o.Preallocate = 2 << 10 }},
	{"interval", func(o *Options) { o.Sync, o.SyncInterval = SyncInterval, 5*time.Millisecond }},
	{"never", func(o *Options) { o.Sync = SyncNever }},
}

// A full disk fails appends with ErrDiskFull, leaves reads working and the
// shard writable: once there is space, appends take the next offsets, and
// the records read back, before and after a reopen, are exactly the
// acknowledged ones.
func TestDiskFullRecovers(t *testing.T) {
	for _, pc := range diskFullPolicies {
		t.Run(pc.name, func(t *testing.T) {
			ctx := context.Background()
			o := testOptions(t, nil)
			pc.set(&o)
			ffs := &fullFS{fileSystem: osFS{}}
			o.fs = ffs
			f := mustOpen(t, o)
			full, other := ShardID{1, 1}, ShardID{1, 2}
			for _, id := range []ShardID{full, other} {
				if err := f.CreateShard(id, ShardConfig{}); err != nil {
					t.Fatal(err)
				}
				mustAppend(t, f, id, entries(0, 30, 100)) // rolls the 4 KiB segments
			}
			ffs.prefix = shardDir(o, full)
			// Rounds that write mid-segment and rounds that roll.
			for round := range 3 {
				ffs.set(true, 0)
				var wg sync.WaitGroup
				for g := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := f.Append(ctx, full, entries(1000+g, 1+g*5, 100))
						if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || errors.Is(err, ErrReadOnly) {
							t.Errorf("append on a full disk: %v", err)
						}
					}()
				}
				wg.Wait()
				checkRecords(t, readAll(t, f, full, 0), entries(0, 30+round*10, 100), 0)
				mustAppend(t, f, other, entries(30+round, 1, 100))
				ffs.set(false, 0)
				r := mustAppend(t, f, full, entries(30+round*10, 10, 100))
				if want := uint64(30 + round*10); r.FirstOffset != want {
					t.Fatalf("first offset after space came back: %d, want %d", r.FirstOffset, want)
				}
			}
			want := entries(0, 60, 100)
			checkFullLog(t, f, full, want)
			if err := f.Sync(ctx); err != nil {
				t.Fatalf("Sync after the disk had room again: %v", err)
			}
			// Reopened while the first File still runs (a kill -9: nothing
			// more is synced) and after a clean close.
			g := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize, Journal: o.Journal})
			checkFullLog(t, g, full, want)
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			h := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize})
			checkFullLog(t, h, full, want)
			checkRecords(t, readAll(t, h, other, 0), entries(0, 33, 100), 0)
		})
	}
}

// An fdatasync that fails for want of space still makes the shard
// read-only, and is not retried: the kernel may have dropped the pages.
func TestDiskFullFsyncStaysSticky(t *testing.T) {
	ctx := context.Background()
	_, f, ffs, id := openFullShard(t, 3, 10)
	ffs.mu.Lock()
	ffs.syncErr = &os.PathError{Op: "fdatasync", Path: "x", Err: syscall.ENOSPC}
	ffs.mu.Unlock()
	if _, err := f.Append(ctx, id, entries(3, 1, 10)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append whose fdatasync failed: %v", err)
	}
	ffs.mu.Lock()
	ffs.syncErr = nil
	ffs.mu.Unlock()
	if _, err := f.Append(ctx, id, entries(3, 1, 10)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append after a failed fdatasync: %v", err)
	}
	checkRecords(t, readAll(t, f, id, 0), entries(0, 3, 10), 0)
}

// Appenders race writes that run out of space at random, part way through
// frames, creates and rolls. Every append either is acknowledged or fails
// with ErrDiskFull; the log then holds exactly the acknowledged records at
// their offsets, densely, before and after a reopen.
func TestDiskFullRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	for _, pc := range diskFullPolicies {
		t.Run(pc.name, func(t *testing.T) {
			t.Logf("seed %d", seed)
			ctx := context.Background()
			o := testOptions(t, nil)
			pc.set(&o)
			ffs := &fullFS{fileSystem: osFS{}, rng: rand.New(rand.NewPCG(seed, 1))}
			o.fs = ffs
			o.MaxOpenFiles = 3
			o.SegmentSize = 3 * indexInterval // rolls, and index points within segments
			f := mustOpen(t, o)
			ids := []ShardID{{1, 0}, {1, 1}}
			for _, id := range ids {
				if err := f.CreateShard(id, ShardConfig{}); err != nil {
					t.Fatal(err)
				}
			}
			ffs.prefix = o.Dir + "/"
			ffs.set(false, 0.3)
			type ack struct {
				first uint64
				es    []Entry
			}
			var mu sync.Mutex
			acks := map[ShardID][]ack{}
			var wg sync.WaitGroup
			for g := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(seed, uint64(g)+2))
					for i := range 60 {
						id := ids[rng.IntN(len(ids))]
						es := entries(g*1000+i*10, 1+rng.IntN(6), 20+rng.IntN(8000))
						r, err := f.Append(ctx, id, es)
						if err != nil {
							if !errors.Is(err, ErrDiskFull) || errors.Is(err, ErrReadOnly) {
								t.Errorf("append: %v", err)
								return
							}
							continue
						}
						mu.Lock()
						acks[id] = append(acks[id], ack{r.FirstOffset, es})
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if ffs.failures() == 0 {
				t.Fatal("no write ran out of space")
			}
			ffs.set(false, 0)
			check := func(l Log) {
				t.Helper()
				for _, id := range ids {
					as := acks[id]
					slices.SortFunc(as, func(a, b ack) int { return int(a.first) - int(b.first) })
					var want []Entry
					for _, a := range as {
						if a.first != uint64(len(want)) {
							t.Fatalf("shard %s: an append acknowledged at offset %d, after %d acknowledged records", id, a.first, len(want))
						}
						want = append(want, a.es...)
					}
					checkFullLog(t, l, id, want)
				}
			}
			check(f)
			if err := f.Sync(ctx); err != nil {
				t.Fatalf("Sync after the disk had room again: %v", err)
			}
			if f.j != nil && f.j.stuck {
				t.Fatal("the journal is still out of use after a checkpoint with room on the disk")
			}
			for _, id := range ids {
				r := mustAppend(t, f, id, entries(9, 1, 10))
				acks[id] = append(acks[id], ack{r.FirstOffset, entries(9, 1, 10)})
			}
			check(f)
			g := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize, Journal: o.Journal})
			check(g)
			_ = g.Close()
			if err := f.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			check(mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize}))
		})
	}
}

// A power failure while writes run out of space at random loses no
// acknowledged record and brings back no record whose append failed
// before it: a rewind makes its cut durable before the appenders hear.
func TestDiskFullPowerLoss(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	for _, pc := range diskFullPolicies[:3] { // power loss is about SyncAlways
		t.Run(pc.name, func(t *testing.T) {
			t.Logf("seed %d", seed)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(seed, 7))
			pfs := newPowerFS()
			ffs := &fullFS{fileSystem: pfs, rng: rand.New(rand.NewPCG(seed, 1))}
			o := Options{Dir: t.TempDir(), SegmentSize: 3 * indexInterval, fs: ffs}
			pc.set(&o)
			f := mustOpen(t, o)
			ids := []ShardID{{7, 0}, {7, 1}, {7, 2}}
			for _, id := range ids {
				if err := f.CreateShard(id, ShardConfig{}); err != nil {
					t.Fatal(err)
				}
			}
			ffs.prefix = o.Dir + "/"
			ffs.set(false, 0.25)
			var mu sync.Mutex
			acked := map[ShardID]map[uint64]string{}
			for _, id := range ids {
				acked[id] = map[uint64]string{}
			}
			failed := map[string]bool{}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(seed, uint64(g)+10))
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						id := ids[r.IntN(len(ids))]
						es := make([]Entry, 1+r.IntN(4))
						for i := range es {
							d := make([]byte, 40+r.IntN(3000))
							copy(d, fmt.Sprintf("g%d n%d i%d|", g, n, i))
							es[i] = Entry{PartitionKey: []byte("pk"), Data: d}
						}
						res, err := f.Append(ctx, id, es)
						mu.Lock()
						for i := range es {
							if err != nil {
								failed[string(es[i].Data)] = true
							} else {
								acked[id][res.FirstOffset+uint64(i)] = string(es[i].Data)
							}
						}
						mu.Unlock()
						if err != nil && !errors.Is(err, ErrDiskFull) {
							if !errors.Is(err, ErrClosed) {
								t.Errorf("Append: %v", err)
							}
							return
						}
					}
				}()
			}
			for it := range 4 {
				time.Sleep(time.Duration(30+rng.IntN(60)) * time.Millisecond)
				mu.Lock()
				img := filepath.Join(t.TempDir(), "image")
				pfs.image(t, o.Dir, img, mathrand.New(mathrand.NewSource(int64(seed)+int64(it))), it%2 == 1)
				want := map[ShardID]map[uint64]string{}
				for id, m := range acked {
					want[id] = maps.Clone(m)
				}
				gone := maps.Clone(failed)
				mu.Unlock()
				g := mustOpen(t, Options{Dir: img, SegmentSize: o.SegmentSize, Journal: o.Journal})
				for _, id := range ids {
					recs := readAll(t, g, id, 0)
					for i, r := range recs {
						if r.Offset != uint64(i) {
							t.Fatalf("image %d: shard %s: record %d has offset %d", it, id, i, r.Offset)
						}
						if gone[string(r.Data)] {
							t.Fatalf("image %d: shard %s: offset %d holds a record whose append failed", it, id, i)
						}
					}
					for off, d := range want[id] {
						if off >= uint64(len(recs)) || string(recs[off].Data) != d {
							t.Fatalf("image %d: shard %s: acknowledged offset %d lost or changed (%d records)", it, id, off, len(recs))
						}
					}
				}
				if err := g.Close(); err != nil {
					t.Fatal(err)
				}
			}
			close(stop)
			wg.Wait()
			if ffs.failures() == 0 {
				t.Fatal("no write ran out of space")
			}
		})
	}
}

// rollFullFS runs out of space right after a roll created a segment: the
// create succeeds and every write to the new file fails. It records a
// segment truncated while the removal of another segment of its directory
// is not yet durable (no SyncDir since).
type rollFullFS struct {
	osFS
	mu       sync.Mutex
	full     bool
	created  map[string]bool
	removed  map[string]bool // removed segments whose directory was not synced since
	problems []string
}

func (fs *rollFullFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	fs.mu.Lock()
	if _, err := os.Stat(name); flag&os.O_CREATE != 0 && fs.full && errors.Is(err, os.ErrNotExist) && strings.HasSuffix(name, ".seg") {
		fs.created[name] = true
	}
	fs.mu.Unlock()
	f, err := fs.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &rollFullFile{file: f, fs: fs, name: name}, nil
}

func (fs *rollFullFS) Remove(name string) error {
	if err := fs.osFS.Remove(name); err != nil {
		return err
	}
	if strings.HasSuffix(name, ".seg") {
		fs.mu.Lock()
		fs.removed[name] = true
		fs.mu.Unlock()
	}
	return nil
}

func (fs *rollFullFS) SyncDir(name string) error {
	fs.mu.Lock()
	for p := range fs.removed {
		if filepath.Dir(p) == filepath.Clean(name) {
			delete(fs.removed, p)
		}
	}
	fs.mu.Unlock()
	return fs.osFS.SyncDir(name)
}

type rollFullFile struct {
	file
	fs   *rollFullFS
	name string
}

func (f *rollFullFile) fail() bool {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.fs.created[f.name]
}

func (f *rollFullFile) WriteAt(b []byte, off int64) (int, error) {
	if f.fail() {
		return 0, &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return f.file.WriteAt(b, off)
}

func (f *rollFullFile) WriteVecAt(bufs [][]byte, off int64) error {
	if f.fail() {
		return &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return f.file.WriteVecAt(bufs, off)
}

func (f *rollFullFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	for p := range f.fs.removed {
		if filepath.Dir(p) == filepath.Dir(f.name) {
			f.fs.problems = append(f.fs.problems, fmt.Sprintf("%s truncated while the removal of %s is not durable", filepath.Base(f.name), filepath.Base(p)))
		}
	}
	f.fs.mu.Unlock()
	return f.file.Truncate(size)
}

// A rewind after a roll whose new segment was created and then found no
// space makes the new segment's removal durable before it cuts the old
// one: were the cut durable first, a crash could bring the new segment
// back behind a sealed segment that lost its last records, and every read
// of that segment would fail as corrupt.
func TestDiskFullRewindRemovesBeforeCut(t *testing.T) {
	ctx := context.Background()
	o := testOptions(t, nil)
	rfs := &rollFullFS{created: map[string]bool{}, removed: map[string]bool{}}
	o.fs = rfs
	f := mustOpen(t, o)
	id := ShardID{1, 1}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, f, id, entries(0, 30, 100))
	rfs.mu.Lock()
	rfs.full = true
	rfs.mu.Unlock()
	// Frames to the active segment, then a roll to a new one.
	if _, err := f.Append(ctx, id, entries(30, 40, 100)); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append whose roll found no space: %v", err)
	}
	rfs.mu.Lock()
	created, problems := len(rfs.created), rfs.problems
	rfs.full, rfs.created = false, map[string]bool{}
	rfs.mu.Unlock()
	if created == 0 {
		t.Fatal("the append created no segment")
	}
	for _, p := range problems {
		t.Error(p)
	}
	checkFullLog(t, f, id, entries(0, 30, 100))
	mustAppend(t, f, id, entries(30, 40, 100))
	checkFullLog(t, f, id, entries(0, 70, 100))
}

// A Seal that cannot write the state file for want of space fails, and
// the shard refuses appends (ErrShardClosed) while it stays open and
// unsealed on disk, so nothing lands past the end a retried Seal will
// persist; once there is space, sealing again succeeds with every record,
// before and after a reopen. kinesis relies on this: its reshard intent
// retries the Seal (settleReshard) and re-routes the refused puts.
func TestDiskFullSealRetries(t *testing.T) {
	ctx := context.Background()
	o, f, ffs, id := openFullShard(t, 10, 100)
	ffs.set(true, 0)
	if _, err := f.Seal(ctx, id); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Seal on a full disk: %v", err)
	}
	if _, err := f.Append(ctx, id, entries(10, 1, 100)); !errors.Is(err, ErrShardClosed) {
		t.Fatalf("Append after a failed Seal: %v", err)
	}
	if inf, err := f.Info(id); err != nil || inf.Closed || inf.Next != 10 {
		t.Fatalf("Info after a failed Seal: %+v %v", inf, err)
	}
	g := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize})
	if inf, err := g.Info(id); err != nil || inf.Closed {
		t.Fatalf("state on disk after a failed Seal: %+v %v", inf, err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	ffs.set(false, 0)
	inf, err := f.Seal(ctx, id)
	if err != nil || !inf.Closed || inf.Next != 10 {
		t.Fatalf("Seal once there is space: %+v %v", inf, err)
	}
	if _, err := f.Append(ctx, id, entries(10, 1, 100)); !errors.Is(err, ErrShardClosed) {
		t.Fatalf("Append after Seal: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize})
	if inf, err := h.Info(id); err != nil || !inf.Closed || inf.Next != 10 {
		t.Fatalf("after reopen: %+v %v", inf, err)
	}
	checkFullLog(t, h, id, entries(0, 10, 100))
}

// openFullShard opens a log on a fullFS (not yet full) with one shard
// holding n records of size bytes; the fullFS fails only that shard's files.
func openFullShard(t *testing.T, n, size int) (Options, *File, *fullFS, ShardID) {
	t.Helper()
	o := testOptions(t, nil)
	ffs := &fullFS{fileSystem: osFS{}}
	o.fs = ffs
	f := mustOpen(t, o)
	id := ShardID{1, 1}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, f, id, entries(0, n, size))
	ffs.prefix = shardDir(o, id)
	return o, f, ffs, id
}
