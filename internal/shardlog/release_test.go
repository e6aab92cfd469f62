package shardlog

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// Released read buffers are reused by later reads and appends; a batch
// that was not released must never see its bytes change.
func TestReleaseReusesOnlyReleasedBuffers(t *testing.T) {
	f := mustOpen(t, testOptions(t, newFakeClock()))
	ctx := context.Background()
	id := ShardID{Stream: 1, Shard: 0}
	if err := f.CreateShard(id, ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	put := func(n, from int) {
		var es []Entry
		for i := range n {
			es = append(es, Entry{PartitionKey: []byte("k"), Data: bytes.Repeat([]byte(fmt.Sprint((from+i)%10)), 700)})
		}
		if _, err := f.Append(ctx, id, es); err != nil {
			t.Fatal(err)
		}
	}
	put(200, 0)
	kept, err := f.Read(ctx, id, 0, 100, 1<<20)
	if err != nil || len(kept.Records) != 100 {
		t.Fatalf("read: %v %d", err, len(kept.Records))
	}
	want := make([][]byte, len(kept.Records))
	for i, r := range kept.Records {
		want[i] = bytes.Clone(r.Data)
	}
	for round := range 20 {
		b, err := f.Read(ctx, id, 100, 100, 1<<20)
		if err != nil || len(b.Records) == 0 || b.Records[0].Offset != 100 {
			t.Fatalf("round %d read: %v", round, err)
		}
		b.Release()
		b.Release() // twice is harmless
		put(50, round)
	}
	for i, r := range kept.Records {
		if !bytes.Equal(r.Data, want[i]) {
			t.Fatalf("record %d of an unreleased batch changed", r.Offset)
		}
	}
	kept.Release()
}
