package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a meta store, a shard log and an engine over them.
type env struct {
	t        testing.TB
	dir      string
	clock    *clock
	meta     *meta.Store
	log      shardlog.Log
	eng      *Engine
	path     string
	lake     lake.Store // the built-in lake at <dir>/lake (or what envOpt.objects gave)
	jobs     func(job string, d time.Duration, failed bool)
	lakeOnly bool // Options.AllowedDirs: the lake only
}

type envOpt struct {
	fileLog bool
	dbFile  bool
	objects lake.Store                                     // nil: a local lake under the test dir
	noLake  bool                                           // no object store at all
	jobs    func(job string, d time.Duration, failed bool) // Options.JobObserver
	// lakeOnly confines SQL's files to the lake (Options.AllowedDirs),
	// with the engine's own temp dir.
	lakeOnly bool
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, clock: newClock(), jobs: o.jobs, lakeOnly: o.lakeOnly}
	m, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.meta = m
	if o.fileLog {
		lg, err := shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(dir, "streams"), Now: e.clock.Now, Sync: shardlog.SyncNever})
		if err != nil {
			t.Fatal(err)
		}
		e.log = lg
	} else {
		e.log = shardlog.NewMemory(e.clock.Now)
	}
	if o.dbFile {
		e.path = filepath.Join(dir, "warehouse.duckdb")
	}
	switch {
	case o.objects != nil:
		e.lake = o.objects
	case !o.noLake:
		e.lake = lake.NewLocal(filepath.Join(dir, "lake"))
	}
	e.open()
	t.Cleanup(func() {
		if e.eng != nil {
			e.eng.Close()
		}
		e.log.Close()
		e.meta.Close()
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	opts := Options{Path: e.path, Meta: e.meta, Log: e.log, Now: e.clock.Now, MemoryLimit: "512MB", Threads: 2,
		Objects: e.lake, TempDir: e.dir, JobObserver: e.jobs}
	if e.lakeOnly {
		opts.AllowedDirs, opts.TempDir = []string{filepath.Join(e.dir, "lake")}, ""
	}
	eng, err := Open(context.Background(), opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.eng = eng
}

func (e *env) reopen() {
	e.t.Helper()
	if err := e.eng.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.eng = nil
	e.open()
}

// stream creates a stream with n shards.
func (e *env) stream(name string, n int) *meta.Stream {
	e.t.Helper()
	st := meta.Stream{Name: name, Mode: meta.ModeProvisioned, Status: meta.StatusActive, CreatedAt: e.clock.Now(), RetentionHours: 24}
	for i := range n {
		st.Shards = append(st.Shards, meta.Shard{Index: uint32(i), HashKeyStart: "0", HashKeyEnd: "1", CreatedAt: e.clock.Now()})
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

// put appends records (partition key, data) to one shard of a stream.
func (e *env) put(stream string, shard uint32, pk string, data ...string) {
	e.t.Helper()
	st, ok := e.meta.Stream(stream)
	if !ok {
		e.t.Fatalf("no stream %s", stream)
	}
	var entries []shardlog.Entry
	for _, d := range data {
		entries = append(entries, shardlog.Entry{PartitionKey: []byte(pk), Data: []byte(d)})
	}
	if _, err := e.log.Append(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: shard}, entries); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) session() *Session {
	e.t.Helper()
	s, err := e.eng.NewSession(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// exec runs a statement that must succeed and returns its tag and notices.
func exec(t testing.TB, s *Session, q string, args ...any) *Result {
	t.Helper()
	r, err := s.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	for r.Next() {
	}
	if err := r.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	r.Close()
	return r
}

// rows runs a query and renders every row as "v1|v2|...".
func rows(t testing.TB, s *Session, q string, args ...any) []string {
	t.Helper()
	out, err := tryRows(s, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func tryRows(s *Session, q string, args ...any) ([]string, error) {
	r, err := s.Query(context.Background(), q, args...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []string
	for r.Next() {
		parts := make([]string, len(r.Row()))
		for i, v := range r.Row() {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(x)
			case time.Time:
				parts[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, r.Err()
}

func one(t testing.TB, s *Session, q string, args ...any) string {
	t.Helper()
	r := rows(t, s, q, args...)
	if len(r) != 1 {
		t.Fatalf("%s: want one row, got %d: %v", q, len(r), r)
	}
	return r[0]
}

func sqlErr(t testing.TB, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	return e
}
