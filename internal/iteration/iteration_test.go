package iteration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

func TestIterationsFollowEachOther(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 2)
	e.put(st, 0, 5)
	e.put(st, 1, 3)
	wantRanges(t, e.window("job", 0, st), Range{0, 0, 5}, Range{1, 0, 3})

	e.put(st, 0, 2)
	wantRanges(t, e.window("job", 1, st), Range{0, 5, 7}, Range{1, 3, 3})
	e.put(st, 1, 4)
	wantRanges(t, e.window("job", 2, st), Range{0, 7, 7}, Range{1, 3, 7})
}

func TestIterationZeroStartsAtTrimHorizon(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	e.put(st, 0, 3)
	e.clock.advance(23 * time.Hour)
	e.put(st, 0, 2)
	e.clock.advance(2 * time.Hour) // the first 3 records are past 24 h retention
	wantRanges(t, e.window("job", 0, st), Range{0, 3, 5})
}

func TestRerunIsStable(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 2)
	e.put(st, 0, 4)
	first := e.window("job", 0, st)
	for range 3 {
		e.put(st, 0, 10) // producers keep writing
		e.put(st, 1, 10)
		wantRanges(t, e.window("job", 0, st), first...)
	}
	// A later iteration does not move an earlier one.
	wantRanges(t, e.window("job", 1, st), Range{0, 4, 34}, Range{1, 0, 30})
	wantRanges(t, e.window("job", 0, st), first...)
}

func TestDurableAcrossRestart(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	e.put(st, 0, 4)
	w0 := e.window("job", 0, st)
	e.put(st, 0, 3)
	w1 := e.window("job", 1, st)
	e.restart()
	e.put(st, 0, 5)
	wantRanges(t, e.window("job", 0, st), w0...)
	wantRanges(t, e.window("job", 1, st), w1...)
	wantRanges(t, e.window("job", 2, st), Range{0, 7, 12})
}

// TestSeveralStreamsShareIteration: two stream tables in one query use the
// same logical name and iteration, each with its own boundaries.
func TestSeveralStreamsShareIteration(t *testing.T) {
	e := newEnv(t)
	a := e.createStream("a", 1)
	b := e.createStream("b", 1)
	e.put(a, 0, 2)
	e.put(b, 0, 7)
	wantRanges(t, e.window("job", 0, a), Range{0, 0, 2})
	wantRanges(t, e.window("job", 0, b), Range{0, 0, 7})
	e.put(a, 0, 1)
	e.put(b, 0, 1)
	wantRanges(t, e.window("job", 1, a), Range{0, 2, 3})
	e.put(b, 0, 1) // b's iteration 1 is fixed when b first runs it
	wantRanges(t, e.window("job", 1, b), Range{0, 7, 9})
	// A stream that joins the name later starts at its trim horizon.
	c := e.createStream("c", 1)
	e.put(c, 0, 4)
	wantRanges(t, e.window("job", 2, c), Range{0, 0, 4})
}

func TestSkipAheadIsAnError(t *testing.T) {
	e := newEnv(t)
	a := e.createStream("a", 1)
	b := e.createStream("b", 1)
	err := e.windowErr("job", 1, a)
	if !errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), "start at iteration 0") {
		t.Fatalf("new name at 1: %v", err)
	}
	e.window("job", 0, a)
	err = e.windowErr("job", 2, a)
	if !errors.Is(err, ErrSkipped) || !strings.Contains(err.Error(), "before iteration 1") {
		t.Fatalf("2 before 1: %v", err)
	}
	e.window("job", 1, a)
	e.window("job", 2, a)
	// b joins at 0 and 2; creating 1 for b afterwards would overlap 2.
	e.window("job", 0, b)
	e.window("job", 2, b)
	if err := e.windowErr("job", 1, b); !errors.Is(err, ErrSkipped) {
		t.Fatalf("1 after 2 on b: %v", err)
	}
	if err := e.windowErr("job", 4, b); !errors.Is(err, ErrSkipped) {
		t.Fatalf("4 after 2: %v", err)
	}
	// A failed call stores nothing.
	bs, err := e.it.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 5 {
		t.Fatalf("%d boundaries stored, want 5: %+v", len(bs), bs)
	}
}

func TestInvalidArguments(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	if err := e.windowErr("job", -1, st); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("negative: %v", err)
	}
	if err := e.windowErr("", 0, st); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty name: %v", err)
	}
	if _, err := e.it.Window(context.Background(), "job", 0, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("nil stream: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.it.Window(ctx, "job", 0, st); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestExpired(t *testing.T) {
	t.Run("rerun after retention", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 2)
		e.put(st, 0, 3)
		e.window("job", 0, st)
		e.clock.advance(25 * time.Hour)
		e.put(st, 1, 1)
		err := e.windowErr("job", 0, st)
		if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "start a new logical name") ||
			!strings.Contains(err.Error(), "shardId-000000000000") {
			t.Fatalf("got %v", err)
		}
		// The next iteration is still fine: nothing between 0's end and now
		// was lost.
		wantRanges(t, e.window("job", 1, st), Range{0, 3, 3}, Range{1, 0, 1})
		// A new logical name starts over.
		wantRanges(t, e.window("job2", 0, st), Range{0, 3, 3}, Range{1, 0, 1})
	})
	t.Run("first run after the gap expired", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 1)
		e.put(st, 0, 3)
		e.window("job", 0, st)
		e.put(st, 0, 2) // belong to iteration 1, which has not run
		e.clock.advance(25 * time.Hour)
		e.put(st, 0, 1)
		if err := e.windowErr("job", 1, st); !errors.Is(err, ErrExpired) {
			t.Fatalf("got %v", err)
		}
		if err := e.windowErr("job", 1, st); !errors.Is(err, ErrExpired) {
			t.Fatalf("second try: %v", err) // nothing was stored
		}
	})
	t.Run("empty window never expires", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 1)
		e.window("job", 0, st)
		e.clock.advance(48 * time.Hour)
		wantRanges(t, e.window("job", 0, st), Range{0, 0, 0})
	})
}

// TestPruneOldWindows: a first run drops the stream's windows created
// longer ago than its retention, except the newest; a re-run of a dropped
// one is ErrExpired naming the oldest kept, never ErrSkipped or a new
// window; kept ones re-run unchanged; other streams and names are left
// alone; an iteration that never ran on a stream that joined later is
// still ErrSkipped.
func TestPruneOldWindows(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	other := e.createStream("o", 1)
	for n := range int64(5) { // 0..4, an hour apart, one record each
		e.put(st, 0, 1)
		e.window("job", n, st)
		e.window("job", n, other)
		e.window("keep", n, st)
		e.clock.advance(time.Hour)
	}
	// At T0+26 h, with 24 h retention, the next first run drops windows 0
	// and 1 (made at T0 and T0+1 h) and keeps 2 (made at the cutoff).
	e.clock.advance(21 * time.Hour)
	e.put(st, 0, 1)
	wantRanges(t, e.window("job", 5, st), Range{0, 5, 6})
	for n := range int64(2) {
		err := e.windowErr("job", n, st)
		if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "no longer kept (the oldest kept is iteration 2)") {
			t.Fatalf("re-run of dropped %d: %v", n, err)
		}
	}
	wantRanges(t, e.window("job", 2, st), Range{0, 2, 3}) // kept: made 24 h ago, not before
	wantRanges(t, e.window("job", 4, st), Range{0, 4, 5})
	count := func(name string, uid uint64) int {
		n := 0
		if err := e.meta.Scan(Namespace, fmt.Sprintf("%s%016x/", namePrefix(name), uid), func(string, []byte) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := [3]int{count("job", st.UID), count("job", other.UID), count("keep", st.UID)}; got != [3]int{4, 5, 5} {
		t.Fatalf("windows kept (job/s, job/o, keep/s) = %v, want [4 5 5]", got)
	}
	// Much later every window but the newest goes, and the next iteration
	// still starts where it ended.
	e.clock.advance(100 * time.Hour)
	e.put(st, 0, 2)
	wantRanges(t, e.window("job", 6, st), Range{0, 6, 8})
	if got := count("job", st.UID); got != 1 {
		t.Fatalf("%d windows of job/s after a long pause, want 1", got)
	}
	if err := e.windowErr("job", 5, st); !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "oldest kept is iteration 6") {
		t.Fatalf("re-run of 5: %v", err)
	}
	e.restart()
	wantRanges(t, e.window("job", 6, st), Range{0, 6, 8})
	if err := e.windowErr("job", 3, st); !errors.Is(err, ErrExpired) {
		t.Fatalf("after restart: %v", err)
	}
	// A stream that joins at iteration 7: 6 never ran on it.
	late := e.createStream("late", 1)
	e.window("job", 7, st)
	e.window("job", 7, late)
	if err := e.windowErr("job", 6, late); !errors.Is(err, ErrSkipped) {
		t.Fatalf("6 on a stream that joined at 7: %v", err)
	}
}

// TestConcurrentFirstRuns: sessions racing on the first run of the same
// iteration agree, while a producer keeps writing.
func TestConcurrentFirstRuns(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 2)
	e.put(st, 0, 10)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		for ctx.Err() == nil {
			_, err := e.log.Append(ctx, shardlog.ShardID{Stream: st.UID, Shard: 1}, []shardlog.Entry{{PartitionKey: []byte("k")}})
			if err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	}()
	const sessions = 8
	results := make([][]Range, sessions)
	var runs sync.WaitGroup
	for i := range sessions {
		runs.Add(1)
		go func() {
			defer runs.Done()
			r, err := e.it.Window(ctx, "job", 0, st)
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		}()
	}
	runs.Wait()
	cancel()
	wg.Wait()
	for i := 1; i < sessions; i++ {
		wantRanges(t, results[i], results[0]...)
	}
	wantRanges(t, e.window("job", 0, st), results[0]...)
	if e.it.locks == nil || len(e.it.locks) != 0 {
		t.Fatalf("per-name locks left behind: %d", len(e.it.locks))
	}
}

// TestReshardedLineage: children born after the previous iteration start at
// offset 0; a closed parent's range stops at its end.
func TestReshardedLineage(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	e.put(st, 0, 5)
	wantRanges(t, e.window("job", 0, st), Range{0, 0, 5})

	// Split shard 0 into 1 and 2 by hand, as the Kinesis layer does.
	e.put(st, 0, 2)
	if _, err := e.log.Seal(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: 0}); err != nil {
		t.Fatal(err)
	}
	parent := uint32(0)
	st, err := e.meta.UpdateStream("s", func(s *meta.Stream) error {
		s.Shards[0].Closed, s.Shards[0].End = true, 7
		for _, i := range []uint32{1, 2} {
			s.Shards = append(s.Shards, meta.Shard{Index: i, Parent: &parent, CreatedAt: e.clock.now()})
		}
		s.NextShardIndex = 3
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint32{1, 2} {
		if err := e.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: i}, shardlog.ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	e.put(st, 1, 3)
	e.put(st, 2, 1)
	wantRanges(t, e.window("job", 1, st), Range{0, 5, 7}, Range{1, 0, 3}, Range{2, 0, 1})
	e.put(st, 1, 2)
	wantRanges(t, e.window("job", 2, st), Range{0, 7, 7}, Range{1, 3, 5}, Range{2, 1, 1})

	// A shard created after iteration 2 whose first records already
	// expired cannot be read in full by iteration 3.
	st, err = e.meta.UpdateStream("s", func(s *meta.Stream) error {
		s.Shards = append(s.Shards, meta.Shard{Index: 3, Parent: &parent, CreatedAt: e.clock.now()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: 3}, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	e.put(st, 3, 2)
	e.clock.advance(25 * time.Hour)
	if err := e.windowErr("job", 3, st); !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "shardId-000000000003") {
		t.Fatalf("got %v", err)
	}
}

// TestClosedShardEnd: when meta already says closed but the log still
// shows records past the end (a reshard in progress), the range stops at
// the shard's end.
func TestClosedShardEnd(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	e.put(st, 0, 8)
	st, err := e.meta.UpdateStream("s", func(s *meta.Stream) error {
		s.Shards[0].Closed, s.Shards[0].End = true, 6
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRanges(t, e.window("job", 0, st), Range{0, 0, 6})
}

// TestRecreatedStream: boundaries belong to a stream UID, so a stream
// deleted and created again under the same name is a new stream for the
// logical name; the old one's windows report expired.
func TestRecreatedStream(t *testing.T) {
	e := newEnv(t)
	old := e.createStream("s", 1)
	e.put(old, 0, 5)
	e.window("job", 0, old)
	e.put(old, 0, 5)
	e.window("job", 1, old)
	e.deleteStream(old)

	st := e.createStream("s", 1)
	if st.UID == old.UID {
		t.Fatal("re-created stream kept its UID")
	}
	e.put(st, 0, 2)
	// Iteration 2 is next for the name; the new stream starts at its trim
	// horizon, not at the old stream's offsets.
	wantRanges(t, e.window("job", 2, st), Range{0, 0, 2})
	// Iteration 0 of the new stream was never run and a later one was.
	if err := e.windowErr("job", 0, st); !errors.Is(err, ErrSkipped) {
		t.Fatalf("got %v", err)
	}
	// The old stream's windows point at shards that are gone.
	if err := e.windowErr("job", 1, old); !errors.Is(err, ErrExpired) {
		t.Fatalf("got %v", err)
	}
	// A fresh name on the new stream sees only new records.
	wantRanges(t, e.window("other", 0, st), Range{0, 0, 2})

	// Dropping the old stream's boundaries leaves the new one's.
	if err := e.it.DeleteStream(context.Background(), old.UID); err != nil {
		t.Fatal(err)
	}
	bs, err := e.it.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Iteration != 2 || bs[1].LogicalName != "other" {
		t.Fatalf("after DeleteStream: %+v", bs)
	}
}

func TestDeleteLogicalName(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	e.put(st, 0, 3)
	e.window("job", 0, st)
	e.window("a/b", 0, st)
	e.put(st, 0, 2)
	e.window("job", 1, st)
	if err := e.it.Delete(context.Background(), "job"); err != nil {
		t.Fatal(err)
	}
	if err := e.it.Delete(context.Background(), "never-used"); err != nil {
		t.Fatalf("deleting an unknown name: %v", err)
	}
	// The name is new again: 1 is a skip, 0 starts at the trim horizon.
	if err := e.windowErr("job", 1, st); !errors.Is(err, ErrSkipped) {
		t.Fatalf("got %v", err)
	}
	wantRanges(t, e.window("job", 0, st), Range{0, 0, 5})
	// Other names are untouched.
	wantRanges(t, e.window("a/b", 0, st), Range{0, 0, 3})
	e.restart()
	wantRanges(t, e.window("job", 0, st), Range{0, 0, 5})
}

// TestNamesDoNotCollide: logical names are free text; one that is a
// prefix of another, or contains the key separator, stays apart.
func TestNamesDoNotCollide(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("s", 1)
	names := []string{"a", "a/b", "a/", "a%2Fb", "a b", "ключ", "a/0000000000000001"}
	for i, n := range names {
		e.put(st, 0, 1)
		wantRanges(t, e.window(n, 0, st), Range{0, 0, uint64(i + 1)})
	}
	if err := e.it.Delete(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	bs, err := e.it.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, b := range bs {
		got[b.LogicalName] = true
	}
	if got["a"] || len(got) != len(names)-1 {
		t.Fatalf("names after deleting %q: %v", "a", got)
	}
	for i, n := range names[1:] {
		wantRanges(t, e.window(n, 0, st), Range{0, 0, uint64(i + 2)})
	}
}

func TestList(t *testing.T) {
	e := newEnv(t)
	st := e.createStream("orders", 2)
	e.put(st, 0, 3)
	e.window("job", 0, st)
	created := e.clock.now()
	e.clock.advance(time.Minute)
	e.window("job", 1, st)
	bs, err := e.it.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Boundary{
		{"job", 0, "orders", "shardId-000000000000", seqnum.Encode(0, 0), seqnum.Encode(0, 2), created},
		{"job", 0, "orders", "shardId-000000000001", "", "", created},
		{"job", 1, "orders", "shardId-000000000000", "", "", created.Add(time.Minute)},
		{"job", 1, "orders", "shardId-000000000001", "", "", created.Add(time.Minute)},
	}
	if len(bs) != len(want) {
		t.Fatalf("List = %+v", bs)
	}
	for i := range want {
		if bs[i] != want[i] {
			t.Errorf("boundary %d = %+v, want %+v", i, bs[i], want[i])
		}
	}
}

// closeShard seals a shard in the log and marks it closed in meta, as a
// reshard does, and returns the new snapshot.
func (e *env) closeShard(st *meta.Stream, shard uint32) *meta.Stream {
	e.t.Helper()
	info, err := e.log.Seal(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: shard})
	if err != nil {
		e.t.Fatal(err)
	}
	ns, err := e.meta.UpdateStream(st.Name, func(s *meta.Stream) error {
		for i := range s.Shards {
			if s.Shards[i].Index == shard {
				s.Shards[i].Closed = true
				if info.Next > 0 {
					s.Shards[i].End = info.Next
				}
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

// TestMissingShards: a shard meta lists but the log lacks is empty, unless
// records the iteration must cover are known to be lost.
func TestMissingShards(t *testing.T) {
	t.Run("expired closed shard read to its end", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 1)
		e.put(st, 0, 3)
		wantRanges(t, e.window("job", 0, st), Range{0, 0, 3})
		st = e.closeShard(st, 0)
		wantRanges(t, e.window("job", 1, st), Range{0, 3, 3})
		// The janitor deletes the expired shard's files before its metadata.
		if err := e.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: 0}); err != nil {
			t.Fatal(err)
		}
		wantRanges(t, e.window("job", 1, st), Range{0, 3, 3})
		wantRanges(t, e.window("job", 2, st), Range{0, 3, 3})
		wantRanges(t, e.window("fresh", 0, st), Range{0, 3, 3})
	})
	t.Run("closed shard gone before its end was read", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 1)
		e.put(st, 0, 3)
		e.window("job", 0, st)
		e.put(st, 0, 2)
		st = e.closeShard(st, 0)
		if err := e.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: 0}); err != nil {
			t.Fatal(err)
		}
		if err := e.windowErr("job", 1, st); !errors.Is(err, ErrExpired) {
			t.Fatalf("got %v", err)
		}
		if err := e.windowErr("job", 0, st); !errors.Is(err, ErrExpired) {
			t.Fatalf("re-run of a window on a deleted shard: %v", err)
		}
	})
	t.Run("shard not yet in the log", func(t *testing.T) {
		e := newEnv(t)
		st := e.createStream("s", 1)
		e.put(st, 0, 1)
		// CreateStream writes meta first and the log second.
		st, err := e.meta.UpdateStream("s", func(s *meta.Stream) error {
			s.Shards = append(s.Shards, meta.Shard{Index: 1})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		wantRanges(t, e.window("job", 0, st), Range{0, 0, 1}, Range{1, 0, 0})
		if err := e.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: 1}, shardlog.ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		e.put(st, 1, 2)
		wantRanges(t, e.window("job", 1, st), Range{0, 1, 1}, Range{1, 0, 2})
	})
}

func TestParseKeyTail(t *testing.T) {
	for _, c := range []struct {
		name string
		uid  uint64
		n    int64
	}{{"job", 7, 0}, {"a/b c", 0xfedcba9876543210, 123456789}, {"x", 1, 1 << 62}} {
		k := key(c.name, c.uid, c.n)
		u, n, ok := parseKeyTail(k)
		if !ok || u != c.uid || n != c.n {
			t.Errorf("%s: %d %d %v, want %d %d", k, u, n, ok, c.uid, c.n)
		}
	}
	for _, k := range []string{"", "job/7/0", "job/000000000000000g/00000000000000000001", "job/0000000000000007-00000000000000000001"} {
		if _, _, ok := parseKeyTail(k); ok {
			t.Errorf("%q parsed", k)
		}
	}
}

// TestLatest returns each (name, stream)'s newest window, including one
// whose ranges are empty (they still say where the next one starts).
func TestLatest(t *testing.T) {
	e := newEnv(t)
	a := e.createStream("a", 2)
	b := e.createStream("b", 1)
	e.put(a, 0, 5)
	e.put(b, 0, 1)
	e.window("job", 0, a)
	e.window("job", 1, a)
	e.window("job", 2, a) // nothing new: empty ranges
	e.window("job", 0, b)
	e.window("other", 0, a)
	got, err := e.it.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type w struct {
		name, stream string
		n            int64
		to0          uint64
	}
	var have []w
	for _, x := range got {
		have = append(have, w{x.Name, x.Stream, x.Iteration, x.Ranges[0].To})
	}
	want := []w{{"job", "a", 2, 5}, {"job", "b", 0, 1}, {"other", "a", 0, 5}}
	if len(have) != len(want) {
		t.Fatalf("Latest = %+v, want %+v", have, want)
	}
	for i := range want {
		if have[i] != want[i] {
			t.Fatalf("Latest = %+v, want %+v", have, want)
		}
	}
}
