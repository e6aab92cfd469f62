package shardlog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
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
