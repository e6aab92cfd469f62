package iteration

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// clock is a settable test clock shared by the memory log (arrival times,
// retention) and the Store (CreatedAt).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newMemoryLog(c *clock) *shardlog.Memory { return shardlog.NewMemory(c.now) }

// env is a Store over a temp meta store and a memory log.
type env struct {
	t     testing.TB
	path  string
	clock *clock
	meta  *meta.Store
	log   *shardlog.Memory
	it    *Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "meta.db"), clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	e.log = newMemoryLog(e.clock)
	e.open()
	t.Cleanup(func() {
		if err := e.meta.Close(); err != nil {
			t.Error(err)
		}
		_ = e.log.Close()
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	m, err := meta.Open(e.path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.meta = m
	e.it = New(m, e.log, e.clock.now)
}

// restart closes and reopens the meta store and makes a new Store, as a
// process restart does (the memory log stands in for the durable one).
func (e *env) restart() {
	e.t.Helper()
	if err := e.meta.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// createStream makes a stream with shards 0..n-1 in meta and the log.
func (e *env) createStream(name string, n int) *meta.Stream {
	e.t.Helper()
	st := meta.Stream{Name: name, Status: meta.StatusActive, RetentionHours: 24}
	for i := range n {
		st.Shards = append(st.Shards, meta.Shard{Index: uint32(i), CreatedAt: e.clock.now()})
	}
	st.NextShardIndex = uint32(n)
	s, err := e.meta.CreateStream(st)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range n {
		if err := e.log.CreateShard(shardlog.ShardID{Stream: s.UID, Shard: uint32(i)}, shardlog.ShardConfig{}); err != nil {
			e.t.Fatal(err)
		}
	}
	return s
}

// deleteStream removes a stream from meta and the log.
func (e *env) deleteStream(st *meta.Stream) {
	e.t.Helper()
	for _, sh := range st.Shards {
		if err := e.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: sh.Index}); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.meta.DeleteStream(st.Name); err != nil {
		e.t.Fatal(err)
	}
}

// put appends n records to one shard.
func (e *env) put(st *meta.Stream, shard uint32, n int) {
	e.t.Helper()
	var entries []shardlog.Entry
	for i := range n {
		entries = append(entries, shardlog.Entry{PartitionKey: []byte("pk"), Data: []byte(fmt.Sprint(i))})
	}
	if _, err := e.log.Append(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: shard}, entries); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) window(name string, n int64, st *meta.Stream) []Range {
	e.t.Helper()
	r, err := e.it.Window(context.Background(), name, n, st)
	if err != nil {
		e.t.Fatalf("Window(%q, %d, %s): %v", name, n, st.Name, err)
	}
	return r
}

func (e *env) windowErr(name string, n int64, st *meta.Stream) error {
	e.t.Helper()
	r, err := e.it.Window(context.Background(), name, n, st)
	if err == nil {
		e.t.Fatalf("Window(%q, %d, %s) = %v, want an error", name, n, st.Name, r)
	}
	return err
}

func wantRanges(t *testing.T, got []Range, want ...Range) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ranges %v, want %v", got, want)
	}
}
