package shardlog

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// faultFS fails writes or fsyncs of files whose path has a given prefix and
// counts fsync attempts, to check that a failed fsync is never retried.
type faultFS struct {
	osFS
	mu         sync.Mutex
	failWrite  string
	failSync   string
	syncCalls  map[string]int
	injectedAt map[string]int
}

var errInjected = errors.New("injected I/O error")

func (fs *faultFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := fs.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{file: f, fs: fs, name: name}, nil
}

func (fs *faultFS) set(write, sync string) {
	fs.mu.Lock()
	fs.failWrite, fs.failSync = write, sync
	fs.mu.Unlock()
}

type faultFile struct {
	file
	fs   *faultFS
	name string
}

func (f *faultFile) WriteAt(b []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	fail := f.fs.failWrite != "" && strings.HasPrefix(f.name, f.fs.failWrite)
	if fail {
		if f.fs.injectedAt == nil {
			f.fs.injectedAt = map[string]int{}
		}
		f.fs.injectedAt[f.name]++
	}
	f.fs.mu.Unlock()
	if fail {
		// A partial write, as a full disk would leave it.
		n, _ := f.file.WriteAt(b[:len(b)/2], off)
		return n, errInjected
	}
	return f.file.WriteAt(b, off)
}

func (f *faultFile) WriteVecAt(bufs [][]byte, off int64) error {
	for _, b := range bufs {
		if _, err := f.WriteAt(b, off); err != nil {
			return err
		}
		off += int64(len(b))
	}
	return nil
}

func (f *faultFile) Datasync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.fs.syncCalls == nil {
		f.fs.syncCalls = map[string]int{}
	}
	f.fs.syncCalls[f.name]++
	if f.fs.failSync != "" && strings.HasPrefix(f.name, f.fs.failSync) {
		return errInjected
	}
	return f.file.Datasync()
}

// injected reports whether a write to a file under prefix has failed.
func (fs *faultFS) injected(prefix string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for name := range fs.injectedAt {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func (fs *faultFS) syncsOf(prefix string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := 0
	for name, c := range fs.syncCalls {
		if strings.HasPrefix(name, prefix) {
			n += c
		}
	}
	return n
}

func TestWriteErrorsAreSticky(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy SyncPolicy
		write  bool
	}{
		{"fsync-always", SyncAlways, false},
		{"write-always", SyncAlways, true},
		{"write-never", SyncNever, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ffs := &faultFS{}
			o := testOptions(t, nil)
			o.Sync = tc.policy
			o.fs = ffs
			f := mustOpen(t, o)
			bad, good := ShardID{1, 1}, ShardID{1, 2}
			for _, id := range []ShardID{bad, good} {
				if err := f.CreateShard(id, ShardConfig{}); err != nil {
					t.Fatal(err)
				}
				mustAppend(t, f, id, entries(0, 3, 10))
			}
			prefix := shardDir(o, bad)
			if tc.write {
				ffs.set(prefix, "")
			} else {
				ffs.set("", prefix)
			}
			_, err := f.Append(ctx, bad, entries(3, 2, 10))
			if !errors.Is(err, ErrReadOnly) || !errors.Is(err, errInjected) {
				t.Fatalf("append with failing I/O: %v", err)
			}
			syncs := ffs.syncsOf(prefix)
			ffs.set("", "") // the disk "recovers": the shard must stay read-only
			if _, err := f.Append(ctx, bad, entries(5, 1, 10)); !errors.Is(err, ErrReadOnly) {
				t.Fatalf("append after failure: %v", err)
			}
			if err := f.Sync(ctx); !errors.Is(err, ErrReadOnly) && err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if n := ffs.syncsOf(prefix); n != syncs {
				t.Fatalf("fsync retried: %d calls after the failure, %d before", n, syncs)
			}
			checkRecords(t, readAll(t, f, bad, 0), entries(0, 3, 10), 0)
			mustAppend(t, f, good, entries(3, 2, 10))
			checkRecords(t, readAll(t, f, good, 0), entries(0, 5, 10), 0)
			if err := f.Close(); !errors.Is(err, ErrReadOnly) {
				t.Fatalf("Close should report the shard's error, got %v", err)
			}
			// Reopened, the shard is writable again and holds at least the
			// acknowledged records.
			g := mustOpen(t, Options{Dir: o.Dir, SegmentSize: o.SegmentSize})
			got := readAll(t, g, bad, 0)
			if len(got) < 3 {
				t.Fatalf("reopened shard lost acknowledged records: %d", len(got))
			}
			checkRecords(t, got[:3], entries(0, 3, 10), 0)
			mustAppend(t, g, bad, entries(9, 1, 10))
		})
	}
}

// fdLimitFS fails opens with EMFILE while limit files it opened are still
// open, as a process at its RLIMIT_NOFILE would.
type fdLimitFS struct {
	osFS
	mu          sync.Mutex
	open, limit int
}

func (fs *fdLimitFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.open >= fs.limit {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
	}
	f, err := fs.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	fs.open++
	return &countedFile{file: f, fs: fs}, nil
}

type countedFile struct {
	file
	fs   *fdLimitFS
	once sync.Once
}

func (f *countedFile) Close() error {
	f.once.Do(func() {
		f.fs.mu.Lock()
		f.fs.open--
		f.fs.mu.Unlock()
	})
	return f.file.Close()
}

// Out of file descriptors, the handle cache gives back its idle handles
// instead of failing the open, which would make the shard read-only.
func TestOutOfDescriptors(t *testing.T) {
	o := testOptions(t, nil)
	o.fs = &fdLimitFS{limit: 6}
	o.MaxOpenFiles = 1000
	f := mustOpen(t, o)
	const n = 20
	for i := range n {
		id := ShardID{1, uint32(i)}
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, f, id, entries(0, 3, 10))
	}
	for i := range n {
		id := ShardID{1, uint32(i)}
		mustAppend(t, f, id, entries(3, 2, 10))
		checkRecords(t, readAll(t, f, id, 0), entries(0, 5, 10), 0)
	}
}
