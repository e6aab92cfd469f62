package shardlog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestDeleteLastShardRemovesStreamDir: deleting a stream's shards one by
// one keeps its directory while any shard remains and removes it with the
// last, so deleted streams and delivery streams leave nothing behind.
func TestDeleteLastShardRemovesStreamDir(t *testing.T) {
	dir := t.TempDir()
	f, err := OpenFile(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, b := ShardID{Stream: 7, Shard: 0}, ShardID{Stream: 7, Shard: 1}
	for _, id := range []ShardID{a, b} {
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	streamDir := filepath.Join(dir, "0000000000000007")
	if err := f.DeleteShard(a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(streamDir, "00000001")); err != nil {
		t.Fatalf("the other shard's directory: %v", err)
	}
	if err := f.DeleteShard(b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(streamDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stream directory after its last shard was deleted: %v", err)
	}
	// A new stream's shards still work after the old directory is gone.
	if err := f.CreateShard(ShardID{Stream: 8}, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteShardWithQueuedAppend: a shard deleted while an append to it
// waits for the committer's next round must not hang DeleteShard (and with
// it the committer, so every shard): the checkpoint it asks for runs a
// round that takes the deleted shard's ioMu, which DeleteShard must not
// hold then.
func TestDeleteShardWithQueuedAppend(t *testing.T) {
	ctx := context.Background()
	o := testOptions(t, nil)
	o.Journal = minJournal
	f, err := OpenFile(o) // not closed on failure: Close would hang too
	if err != nil {
		t.Fatal(err)
	}
	busy, gone := ShardID{Stream: 7, Shard: 0}, ShardID{Stream: 7, Shard: 1}
	for _, id := range []ShardID{busy, gone} {
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	inDirty := func(s *shard) func() bool {
		return func() bool {
			f.cmu.Lock()
			defer f.cmu.Unlock()
			return slices.Contains(f.dirty, s)
		}
	}
	// Hold the committer in a round of another shard (as a slow write
	// would), so the append to the doomed shard waits on File.dirty.
	bs, err := f.shard(busy)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := f.shard(gone)
	if err != nil {
		t.Fatal(err)
	}
	bs.ioMu.Lock()
	go func() { _, _ = f.Append(ctx, busy, entries(0, 1, 10)) }()
	until("the committer to take the busy shard", func() bool {
		bs.mu.Lock()
		defer bs.mu.Unlock()
		return !inDirty(bs)() && bs.pend != nil
	})
	go func() { _, _ = f.Append(ctx, gone, entries(0, 1, 10)) }()
	until("the append to be queued", inDirty(gs))
	done := make(chan error, 1)
	go func() { done <- f.DeleteShard(gone) }()
	until("DeleteShard's checkpoint", func() bool {
		f.cmu.Lock()
		defer f.cmu.Unlock()
		return len(f.syncReqs) > 0
	})
	bs.ioMu.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("DeleteShard: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DeleteShard hangs: the committer waits for the deleted shard's ioMu, which DeleteShard holds while it waits for the committer")
	}
	mustAppend(t, f, busy, entries(1, 1, 10))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
