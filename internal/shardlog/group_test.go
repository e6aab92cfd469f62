package shardlog

import (
	"context"
	"sync"
	"testing"
)

// TestGroupCommitSharesFsyncs runs many concurrent appenders on several
// shards and checks that fsyncs are shared (far fewer than appends), that
// every record arrives exactly once in per-appender order, and that a
// concurrent tailing reader sees exactly the acknowledged records.
func TestGroupCommitSharesFsyncs(t *testing.T) {
	ffs := &faultFS{}
	o := testOptions(t, nil)
	o.fs = ffs
	o.SegmentSize = 64 << 10
	f := mustOpen(t, o)
	ids := []ShardID{{5, 0}, {5, 1}, {5, 2}}
	for _, id := range ids {
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	const appenders, perAppender = 24, 40
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var readers sync.WaitGroup
	tailed := make([][]Record, len(ids))
	for i, id := range ids {
		readers.Add(1)
		go func() {
			defer readers.Done()
			from := uint64(0)
			for {
				if err := f.Wait(ctx, id, from); err != nil {
					return
				}
				b, err := f.Read(ctx, id, from, 100, 1<<20)
				if err != nil {
					if ctx.Err() == nil { // a cancelled tailer is the test ending
						t.Error(err)
					}
					return
				}
				for _, r := range b.Records {
					tailed[i] = append(tailed[i], cloneRecord(r))
				}
				from = b.Next
			}
		}()
	}
	var wg sync.WaitGroup
	for a := 0; a < appenders; a++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[a%len(ids)]
			for n := 0; n < perAppender; n++ {
				e := entry(a*1000+n, 50)
				if _, err := f.Append(ctx, id, []Entry{e}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	syncs := ffs.syncsOf(o.Dir)
	appends := appenders * perAppender
	t.Logf("%d appends, %d fsyncs", appends, syncs)
	if syncs >= appends/2 {
		t.Errorf("%d fsyncs for %d appends: group commit is not sharing them", syncs, appends)
	}
	for i, id := range ids {
		recs := readAll(t, f, id, 0)
		last := map[string]int{}
		for j, r := range recs {
			if r.Offset != uint64(j) {
				t.Fatalf("shard %d: offset %d at %d", i, r.Offset, j)
			}
			pk := string(r.PartitionKey)
			if last[pk] != 0 {
				t.Fatalf("shard %d: record %s twice", i, pk)
			}
			last[pk] = j + 1
		}
		if len(recs) != appends/len(ids) {
			t.Fatalf("shard %d: %d records, want %d", i, len(recs), appends/len(ids))
		}
	}
	cancel()
	readers.Wait()
	for i := range ids {
		recs := readAll(t, f, ids[i], 0)
		if len(tailed[i]) > len(recs) {
			t.Fatalf("shard %d: tail saw %d records, shard has %d", i, len(tailed[i]), len(recs))
		}
		for j, r := range tailed[i] {
			if !sameRecord(r, recs[j]) {
				t.Fatalf("shard %d: tailed record %d differs", i, j)
			}
		}
	}
}
