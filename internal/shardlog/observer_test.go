package shardlog

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestSyncObserver checks that each committer fdatasync is reported, under
// the policies that sync on append or on Sync, including at segment rolls.
func TestSyncObserver(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy SyncPolicy
		// min fsyncs reported after 20 appends of 1 KiB into 4 KiB
		// segments and a Sync: one per append under always (rolls add
		// more), at least one for the final Sync otherwise.
		min int64
	}{
		{"always", SyncAlways, 20},
		{"never", SyncNever, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			o := testOptions(t, nil)
			o.Sync = tc.policy
			o.SyncObserver = func(d time.Duration) {
				if d < 0 {
					t.Errorf("negative duration %v", d)
				}
				n.Add(1)
			}
			f := mustOpen(t, o)
			id := ShardID{Stream: 1, Shard: 0}
			if err := f.CreateShard(id, ShardConfig{}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := range 20 {
				if _, err := f.Append(ctx, id, entries(i, 1, 1024)); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := n.Load(); got < tc.min {
				t.Errorf("%d fsyncs observed, want at least %d", got, tc.min)
			}
		})
	}
}
