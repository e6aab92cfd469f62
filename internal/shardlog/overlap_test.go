package shardlog

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// overlapFS holds the first segment fdatasync on a gate, and reports
// whether, while the second one is held, another segment was written:
// that happens only when a round writes and syncs shards in parallel.
type overlapFS struct {
	osFS
	gate      chan struct{} // closed by the test to let the first sync run
	mu        sync.Mutex
	syncs     int
	holding   bool
	writeSeen chan struct{}
	overlap   bool
}

func (fs *overlapFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := fs.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(name, ".seg") {
		return f, nil
	}
	return &overlapFile{file: f, fs: fs}, nil
}

type overlapFile struct {
	file
	fs *overlapFS
}

func (f *overlapFile) WriteVecAt(bufs [][]byte, off int64) error {
	f.fs.mu.Lock()
	if f.fs.holding {
		select {
		case f.fs.writeSeen <- struct{}{}:
		default:
		}
	}
	f.fs.mu.Unlock()
	return f.file.WriteVecAt(bufs, off)
}

func (f *overlapFile) Datasync() error {
	f.fs.mu.Lock()
	f.fs.syncs++
	n := f.fs.syncs
	if n == 2 {
		f.fs.holding = true
	}
	f.fs.mu.Unlock()
	switch n {
	case 1:
		<-f.fs.gate
	case 2:
		select {
		case <-f.fs.writeSeen:
			f.fs.mu.Lock()
			f.fs.overlap = true
			f.fs.mu.Unlock()
		case <-time.After(5 * time.Second):
		}
		f.fs.mu.Lock()
		f.fs.holding = false
		f.fs.mu.Unlock()
	}
	return f.file.Datasync()
}

// TestBigRoundsOverlap checks that a round of several hundred KiB over
// four shards writes and fdatasyncs them in parallel: one shard's
// fdatasync is under way while another shard is still being written.
func TestBigRoundsOverlap(t *testing.T) {
	ctx := context.Background()
	fs := &overlapFS{gate: make(chan struct{}), writeSeen: make(chan struct{}, 1)}
	f, err := OpenFile(Options{Dir: t.TempDir(), Journal: minJournal, fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := make([]ShardID, 4)
	for i := range ids {
		ids[i] = ShardID{Stream: 1, Shard: uint32(i)}
		if err := f.CreateShard(ids[i], ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids)+1)
	appendAsync := func(id ShardID, es []Entry) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Append(ctx, id, es); err != nil {
				errs <- err
			}
		}()
	}
	// The first round (one small append) stops in its fdatasync, so the
	// big appends below pile up for the next round.
	appendAsync(ids[0], entries(0, 1, 10))
	waitFor(t, func() bool { fs.mu.Lock(); defer fs.mu.Unlock(); return fs.syncs == 1 })
	big := make([]Entry, 128)
	for i := range big {
		big[i] = Entry{PartitionKey: []byte("k"), Data: bytes.Repeat([]byte{byte(i)}, 1000)}
	}
	for _, id := range ids {
		appendAsync(id, big)
	}
	waitFor(t, func() bool { f.cmu.Lock(); defer f.cmu.Unlock(); return len(f.dirty) == len(ids) })
	close(fs.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Append: %v", err)
	}
	if !fs.overlap {
		t.Fatal("a round of 512 KiB over 4 shards wrote every shard before the first fdatasync")
	}
	for _, id := range ids {
		want := len(big)
		if id.Shard == 0 {
			want++
		}
		if got := len(readAll(t, f, id, 0)); got != want {
			t.Fatalf("shard %s: %d records, want %d", id, got, want)
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
	}
}
