package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// createKinesisStream makes a stream the way internal/kinesis does: the
// stream in meta first, then its shards in the log. Hash ranges are not
// used by delivery and stay simple.
func createKinesisStream(t testing.TB, e *env, name string, shards int) *meta.Stream {
	t.Helper()
	now := time.Now()
	st := meta.Stream{Name: name, Mode: meta.ModeProvisioned, Status: meta.StatusActive, ReadyAt: now, CreatedAt: now,
		RetentionHours: 24, NextShardIndex: uint32(shards)}
	for i := 0; i < shards; i++ {
		st.Shards = append(st.Shards, meta.Shard{Index: uint32(i), HashKeyStart: "0", HashKeyEnd: "0", CreatedAt: now})
	}
	stored, err := e.meta.CreateStream(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range stored.Shards {
		if err := e.log.CreateShard(shardlog.ShardID{Stream: stored.UID, Shard: sh.Index}, shardlog.ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	return stored
}

// putKinesis appends records to one shard of a stream.
func putKinesis(t testing.TB, e *env, name string, shard uint32, recs ...[]byte) {
	t.Helper()
	st, ok := e.meta.Stream(name)
	if !ok {
		t.Fatalf("no stream %s", name)
	}
	entries := make([]shardlog.Entry, len(recs))
	for i, r := range recs {
		entries[i] = shardlog.Entry{PartitionKey: []byte("pk"), Data: r}
	}
	if _, err := e.log.Append(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: shard}, entries); err != nil {
		t.Fatal(err)
	}
}

// splitShard seals parent and adds one child (index NextShardIndex) whose
// Parent is parent, as a reshard does: child shard first, then seal, then
// the new lineage in meta.
func splitShard(t testing.TB, e *env, name string, parent uint32) uint32 {
	t.Helper()
	st, _ := e.meta.Stream(name)
	child := st.NextShardIndex
	if err := e.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: child}, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	info, err := e.log.Seal(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: parent})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.meta.UpdateStream(name, func(s *meta.Stream) error {
		for i := range s.Shards {
			if s.Shards[i].Index == parent {
				s.Shards[i].Closed, s.Shards[i].ClosedAt, s.Shards[i].End = true, time.Now(), info.Next
			}
		}
		p := parent
		s.Shards = append(s.Shards, meta.Shard{Index: child, Parent: &p, HashKeyStart: "0", HashKeyEnd: "0", CreatedAt: time.Now()})
		s.NextShardIndex++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return child
}
