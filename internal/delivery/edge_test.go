package delivery

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/kpl"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// fakeClock is a settable clock shared by the log and the Manager.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestExpiredRecordsCountAsLost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := newFakeClock()
	lo := shardlog.Options{Now: clk.now}
	store := lake.NewLocal(filepath.Join(dir, "lake"))
	withClock := func(o *Options) { o.Now = clk.now }
	e := newEnvLog(t, dir, store, lo, withClock)
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("old1"), []byte("old2")}); err != nil {
		t.Fatal(err)
	}
	e.close()
	// A day and more later (Firehose keeps undelivered data 24 h).
	clk.advance(25 * time.Hour)
	e = newEnvLog(t, dir, store, lo, withClock)
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Dest.BufferInterval = 0; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("new")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "delivery", func() bool { st, _ := e.m.Status("b"); return st.Objects == 1 })
	st, _ := e.m.Status("b")
	if st.Lost != 2 || st.Records != 1 || st.Backlog != 0 {
		t.Fatalf("status %+v, want 2 lost, 1 delivered", st)
	}
	if all := string(concat(listObjects(t, store, "lake", "", ""))); all != "new" {
		t.Fatalf("delivered %q", all)
	}
	// The count survives a restart.
	e.close()
	e = newEnvLog(t, dir, store, lo, withClock)
	if st, _ := e.m.Status("b"); st.Lost != 2 {
		t.Fatalf("lost after restart %d", st.Lost)
	}
}

// TestUpdateMovesFailingBatch checks that a batch failing against its
// destination follows UpdateDestination (a wrong bucket can be fixed
// without losing data), that the moved plan is stored (a restart replays
// it under the new spec), and that a stored plan is replayed under its own
// spec first (its objects replaced, not duplicated).
func TestUpdateMovesFailingBatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wf := &writeThenFail{}
	e := newLakeEnv(t, dir, func(o *Options) { wf.Store = o.Store; o.Store = wf })
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "first attempt", func() bool { wf.mu.Lock(); defer wf.mu.Unlock(); return len(wf.keys) >= 1 })
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Version = 2; d.Spec.Dest.Prefix = "v2/"; return nil }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "a retry under the updated spec", func() bool {
		wf.mu.Lock()
		defer wf.mu.Unlock()
		return strings.HasPrefix(wf.keys[len(wf.keys)-1], "v2/")
	})
	var rec stored
	if ok, err := e.meta.Get(metaNS, "b", &rec); err != nil || !ok || rec.State.Plan == nil || rec.State.Plan.Spec.Version != 2 {
		t.Fatalf("stored plan after the move: %+v (%v %v)", rec.State.Plan, ok, err)
	}
	e.close()
	e = newLakeEnv(t, dir, nil)
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("b")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "both batches under v2", func() bool { return len(listObjects(t, e.store, "lake", "v2/", "")) == 2 })
	var got []string
	for _, o := range listObjects(t, e.store, "lake", "v2/", "") {
		if !strings.Contains(o.Key, "/b-2-") {
			t.Fatalf("v2 object %q does not carry version 2", o.Key)
		}
		got = append(got, string(o.Data))
	}
	if sort.Strings(got); strings.Join(got, ",") != "a,b" {
		t.Fatalf("v2 objects hold %q, want a and b", got)
	}
	// The attempt before the update left its object under the default
	// prefix: at least once, never lost.
	if old := listObjects(t, e.store, "lake", "20", ""); len(old) != 1 || string(old[0].Data) != "a" {
		t.Fatalf("objects of the first attempt: %+v", old)
	}
}

// TestCrashReplayKeepsPlanSpec checks that a batch stored before an update
// and interrupted by a crash is first replayed under its own spec, so its
// object is replaced rather than written twice under two versions.
func TestCrashReplayKeepsPlanSpec(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bs := &blockingStore{started: make(chan struct{}, 1)}
	e := newLakeEnv(t, dir, func(o *Options) { bs.Store = o.Store; o.Store = bs })
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	<-bs.started
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Version = 2; d.Spec.Dest.Prefix = "v2/"; return nil }); err != nil {
		t.Fatal(err)
	}
	e.close() // the blocked attempt never finished: the plan stays
	e = newLakeEnv(t, dir, nil)
	waitFor(t, 3*time.Second, "the replayed batch", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 1 })
	objs := listObjects(t, e.store, "lake", "", "")
	if strings.HasPrefix(objs[0].Key, "v2/") || !strings.Contains(objs[0].Key, "/b-1-") || string(objs[0].Data) != "a" {
		t.Fatalf("replayed object %+v, want the version 1 key", objs)
	}
}

// blockingStore blocks every Put until its context ends.
type blockingStore struct {
	lake.Store
	started chan struct{}
}

func (s *blockingStore) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestCloseAndDeleteArePrompt(t *testing.T) {
	ctx := context.Background()
	bs := &blockingStore{started: make(chan struct{}, 1)}
	e := newLakeEnv(t, "", func(o *Options) { bs.Store = o.Store; o.Store = bs })
	for _, name := range []string{"a", "b"} {
		if _, err := e.m.Create(ctx, name, directSpec(1<<20, 0), nil); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.m.Put(ctx, name, [][]byte{[]byte("x")}); err != nil {
			t.Fatal(err)
		}
		<-bs.started
	}
	start := time.Now()
	if err := e.m.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("Delete+Close took %v with a blocked destination", el)
	}
	if _, err := e.m.Create(ctx, "c", directSpec(1<<20, 0), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Create after Close: %v", err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("y")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close: %v", err)
	}
	if _, err := e.m.Update(ctx, "b", func(*Definition) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close: %v", err)
	}
	if err := e.m.Delete(ctx, "b"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Delete after Close: %v", err)
	}
	// The blocked batch of "b" is still pending in meta: not committed.
	var rec stored
	if ok, err := e.meta.Get(metaNS, "b", &rec); err != nil || !ok || rec.State.Plan == nil || len(rec.State.Next) != 0 && rec.State.Next[0] != 0 {
		t.Fatalf("stored state after Close: %+v %v %v", rec.State, ok, err)
	}
}

func TestKinesisMergeWaitsForBothParents(t *testing.T) {
	ctx := context.Background()
	e, ord := newOrderedEnv(t)
	createKinesisStream(t, e, "src", 2)
	spec := directSpec(1<<20, 50*time.Millisecond)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	spec.Dest.AppendDelimiter = true
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	putKinesis(t, e, "src", 0, []byte("a1"))
	putKinesis(t, e, "src", 1, []byte("b1"))
	// Merge 0 and 1 into 2.
	st, _ := e.meta.Stream("src")
	if err := e.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: 2}, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	ends := map[uint32]uint64{}
	for _, i := range []uint32{0, 1} {
		info, err := e.log.Seal(ctx, shardlog.ShardID{Stream: st.UID, Shard: i})
		if err != nil {
			t.Fatal(err)
		}
		ends[i] = info.Next
	}
	if _, err := e.meta.UpdateStream("src", func(s *meta.Stream) error {
		for i := range s.Shards {
			s.Shards[i].Closed, s.Shards[i].End = true, ends[s.Shards[i].Index]
		}
		p, q := uint32(0), uint32(1)
		s.Shards = append(s.Shards, meta.Shard{Index: 2, Parent: &p, AdjacentParent: &q, HashKeyStart: "0", HashKeyEnd: "0"})
		s.NextShardIndex = 3
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	putKinesis(t, e, "src", 2, []byte("c1"))
	var all string
	waitFor(t, 5*time.Second, "three records", func() bool {
		all = ord.delivered(t, "lake")
		return strings.Count(all, "\n") == 3
	})
	if strings.Index(all, "c1") < strings.Index(all, "a1") || strings.Index(all, "c1") < strings.Index(all, "b1") {
		t.Fatalf("child record before a parent's: %q", all)
	}
	waitFor(t, time.Second, "no backlog", func() bool { s, _ := e.m.Status("b"); return s.Backlog == 0 })
}

func TestStatusOfUnknownStream(t *testing.T) {
	e := newEnv(t, "", nil, nil)
	if _, ok := e.m.Status("nope"); ok {
		t.Fatal("status of a missing stream")
	}
	if _, ok := e.m.Get("nope"); ok {
		t.Fatal("get of a missing stream")
	}
	if err := e.m.Delete(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete of a missing stream: %v", err)
	}
}

func TestConcurrentPutsAndDeliveries(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	for _, name := range []string{"s1", "s2"} {
		spec := directSpec(4096, 20*time.Millisecond)
		spec.Dest.AppendDelimiter = true
		if _, err := e.m.Create(ctx, name, spec, nil); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	const perWriter = 200
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				name := []string{"s1", "s2"}[i%2]
				if _, _, err := e.m.Put(ctx, name, [][]byte{[]byte(strings.Repeat("x", 10) + string(rune('a'+w)))}); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					_ = e.m.List()
					_, _ = e.m.Status(name)
				}
			}
		}(w)
	}
	wg.Wait()
	waitFor(t, 5*time.Second, "all delivered", func() bool {
		a, _ := e.m.Status("s1")
		b, _ := e.m.Status("s2")
		return a.Backlog == 0 && b.Backlog == 0 && a.Records+b.Records == 4*perWriter
	})
	lines := strings.Count(string(concat(listObjects(t, e.store, "lake", "", ""))), "\n")
	if lines != 4*perWriter {
		t.Fatalf("%d records in the lake, want %d", lines, 4*perWriter)
	}
}

func TestKinesisStatusAndRecreatedSource(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	createKinesisStream(t, e, "src", 2)
	spec := directSpec(1<<20, time.Hour)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	putKinesis(t, e, "src", 0, []byte("a"), []byte("b"))
	putKinesis(t, e, "src", 1, []byte("c"))
	st, _ := e.m.Status("b")
	if st.Backlog != 3 || st.OldestPending.Before(before) {
		t.Fatalf("status %+v, want a backlog of 3 since now", st)
	}
	// Delete and re-create the source: the delivery stream is bound by the
	// source's name (its ARN), so it follows the new stream (new UID) and
	// reads it from its start; the old stream's records are gone with it.
	old, _ := e.meta.Stream("src")
	if err := e.meta.DeleteStream("src"); err != nil {
		t.Fatal(err)
	}
	for _, i := range []uint32{0, 1} {
		if err := e.log.DeleteShard(shardlog.ShardID{Stream: old.UID, Shard: i}); err != nil {
			t.Fatal(err)
		}
	}
	createKinesisStream(t, e, "src", 1)
	putKinesis(t, e, "src", 0, []byte("new"))
	waitFor(t, 3*time.Second, "backlog of the new stream", func() bool {
		st, _ := e.m.Status("b")
		return st.Backlog == 1
	})
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Dest.BufferInterval = 0; d.Spec.Version++; return nil }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the new stream's record delivered", func() bool {
		return string(concat(listObjects(t, e.store, "lake", "", ""))) == "new"
	})
	if st, _ := e.m.Status("b"); st.LastError != "" || st.Backlog != 0 {
		t.Fatalf("status after following the new stream: %+v", st)
	}
	// The binding to the new stream is durable: a restart keeps reading it.
	cur, _ := e.meta.Stream("src")
	recs, err := loadAll(e.meta)
	if err != nil || len(recs) != 1 || recs[0].State.SourceUID != cur.UID {
		t.Fatalf("stored source UID: %+v %v, want %d", recs, err, cur.UID)
	}
}

func TestCreateRefusesWhatIsNotConfigured(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "", nil, nil)
	spec := directSpec(1<<20, 0)
	spec.Dest.Conversion = &Conversion{Table: "t"}
	if _, err := e.m.Create(ctx, "b", spec, nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("conversion without a Converter: %v", err)
	}
	spec = directSpec(1<<20, 0)
	spec.Source = "Other"
	if _, err := e.m.Create(ctx, "b", spec, nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("unknown source: %v", err)
	}
	if l := e.m.List(); len(l) != 0 {
		t.Fatalf("refused creates left %+v", l)
	}
}

func TestUpdateWakesWaitingWorker(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("x")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(listObjects(t, e.store, "lake", "", "")); n != 0 {
		t.Fatalf("%d objects before the hour-long interval", n)
	}
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Dest.BufferInterval = 0; return nil }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "delivery after the update", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 1 })
}

func TestZipEntryNamedAfterObject(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 0)
	spec.Dest.Compression = compress.Zip
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("zipped")}); err != nil {
		t.Fatal(err)
	}
	var key string
	waitFor(t, 3*time.Second, "object", func() bool {
		return e.store.List(ctx, "lake", "", func(o lake.Object) error { key = o.Key; return nil }) == nil && key != ""
	})
	rc, err := e.store.Get(ctx, "lake", key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != strings.TrimSuffix(path.Base(key), ".zip") {
		t.Fatalf("zip entries of %s: %v", key, zr.File)
	}
}

func TestBadKPLAggregatePassesThrough(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	createKinesisStream(t, e, "src", 1)
	spec := directSpec(1<<20, 0)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	agg := kpl.Aggregate([]kpl.Record{{PartitionKey: "k", Data: []byte("u1")}})
	agg[len(agg)-1] ^= 0xff // breaks the MD5 trailer
	putKinesis(t, e, "src", 0, agg)
	var objs []object
	waitFor(t, 3*time.Second, "object", func() bool { objs = listObjects(t, e.store, "lake", "", ""); return len(objs) == 1 })
	if !bytes.Equal(objs[0].Data, agg) {
		t.Fatalf("a record that does not de-aggregate must pass unchanged: %q", objs[0].Data)
	}
}

func TestWaitReturnsOnAnyShard(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	createKinesisStream(t, e, "src", 3)
	spec := directSpec(1<<20, time.Hour)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	s := e.m.lookup("b")
	w := &worker{m: e.m, s: s, source: SourceKinesis, kinesisStream: "src", uid: s.rec.Def.UID, sourceUID: s.rec.State.SourceUID}
	w.reset()
	shards, err := w.eligible()
	if err != nil || len(shards) != 3 {
		t.Fatalf("eligible %v %v", shards, err)
	}
	done := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		if err := w.wait(ctx, shards, time.Time{}); err != nil {
			t.Error(err)
		}
		done <- time.Since(start)
	}()
	time.Sleep(20 * time.Millisecond)
	putKinesis(t, e, "src", 1, []byte("x"))
	// The waits on the other shards must end at once, not at the recheck.
	if d := <-done; d > 500*time.Millisecond {
		t.Fatalf("wait returned after %v", d)
	}
}

func TestKinesisReplayRewritesSameObject(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wf := &writeThenFail{}
	e := newLakeEnv(t, dir, func(o *Options) { wf.Store = o.Store; o.Store = wf })
	createKinesisStream(t, e, "src", 2)
	spec := directSpec(1<<20, 300*time.Millisecond)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	putKinesis(t, e, "src", 0, []byte("a0,"), []byte("a1,"))
	putKinesis(t, e, "src", 1, []byte("b0,"))
	waitFor(t, 3*time.Second, "an attempt", func() bool { wf.mu.Lock(); defer wf.mu.Unlock(); return len(wf.keys) >= 1 })
	e.close()
	wf.mu.Lock()
	first := wf.keys[0]
	wf.mu.Unlock()
	firstData := listObjects(t, lake.NewLocal(filepath.Join(dir, "lake")), "lake", "", "")
	e = newLakeEnv(t, dir, nil)
	waitFor(t, 3*time.Second, "commit", func() bool { st, _ := e.m.Status("b"); return st.Objects == 1 && st.Backlog == 0 })
	objs := listObjects(t, e.store, "lake", "", "")
	if len(objs) != 1 || objs[0].Key != first || !bytes.Equal(objs[0].Data, firstData[0].Data) {
		t.Fatalf("after replay %+v, want the object of the first attempt %q", objs, first)
	}
	if got := string(objs[0].Data); strings.Count(got, ",") != 3 {
		t.Fatalf("object %q", got)
	}
}

// A batch left pending by a crash whose Kinesis source was deleted before
// the restart cannot be read back: its records count as lost and the
// stream goes on, instead of retrying the replay for ever.
func TestReplayOfDeletedSourceCountsLost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wf := &writeThenFail{}
	e := newLakeEnv(t, dir, func(o *Options) { wf.Store = o.Store; o.Store = wf })
	src := createKinesisStream(t, e, "src", 2)
	spec := directSpec(1<<20, 300*time.Millisecond)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	putKinesis(t, e, "src", 0, []byte("a0,"), []byte("a1,"))
	putKinesis(t, e, "src", 1, []byte("b0,"))
	waitFor(t, 3*time.Second, "an attempt", func() bool { wf.mu.Lock(); defer wf.mu.Unlock(); return len(wf.keys) >= 1 })
	if err := e.meta.DeleteStream("src"); err != nil {
		t.Fatal(err)
	}
	for _, sh := range src.Shards {
		if err := e.log.DeleteShard(shardlog.ShardID{Stream: src.UID, Shard: sh.Index}); err != nil {
			t.Fatal(err)
		}
	}
	e.close()

	e = newLakeEnv(t, dir, nil)
	waitFor(t, 5*time.Second, "the pending batch dropped", func() bool {
		var rec stored
		ok, err := e.meta.Get(metaNS, "b", &rec)
		return err == nil && ok && rec.State.Plan == nil
	})
	if st, _ := e.m.Status("b"); st.Lost != 3 {
		t.Fatalf("lost %d, want the batch's 3 records", st.Lost)
	}
}
