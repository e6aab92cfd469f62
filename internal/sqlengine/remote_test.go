package sqlengine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
)

// remoteStore hides a local lake behind the Store interface as a remote S3
// service would look: no LocalPath.
type remoteStore struct{ lake.Store }

func (remoteStore) LocalPath(string, string) (string, bool) { return "", false }

func TestCopyFromRemoteStore(t *testing.T) {
	dir := t.TempDir()
	store := remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}
	e := newEnv(t, envOpt{objects: store})
	s := e.session()
	exec(t, s, "CREATE TABLE r (id INT, name VARCHAR)")
	putObject(t, store, "remote", "in/a.json.gz", gz(t, []byte(`{"id":1,"name":"x"}`+"\n"+`{"id":2,"name":"y"}`)))
	putObject(t, store, "remote", "in/b.csv", []byte("3,z\n"))
	if r := exec(t, s, "COPY r FROM 's3://remote/in/a' JSON 'auto'"); r.Tag() != "COPY 2" {
		t.Fatal(r.Tag())
	}
	if r := exec(t, s, "COPY r FROM 's3://remote/in/b' CSV"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if got := one(t, s, "SELECT string_agg(name, '' ORDER BY id) FROM r"); got != "xyz" {
		t.Fatal(got)
	}
	// Downloads are removed after the statement.
	left, _ := filepath.Glob(filepath.Join(e.dir, "rheo-copy-*"))
	if len(left) != 0 {
		t.Fatalf("temp dirs left: %v", left)
	}
	// Load works against the remote store too.
	if n, err := e.eng.Load(context.Background(), &LoadRequest{Table: "r", CopyOptions: "CSV", From: "s3://remote/in/b.csv", LoadID: "l1"}); err != nil || n != 1 {
		t.Fatal(n, err)
	}
}

// TestConvertFastSlowAgree converts the same records through the one-pass
// plan and the materialising fallback and compares files and failures.
func TestConvertFastSlowAgree(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, accessDDL)
	recs := accessRecords(300)
	recs[5] = []byte(`{"host":"bad","status":"nope"}`)
	recs[6] = []byte(`{"host":"two"}{"host":"docs","bytes":"x"}`)
	recs[7] = []byte(`{"host":"two"}{"host":"good"}`)
	recs[8] = []byte(`{"ts":"not a time"}`)
	cols, err := e.eng.schemaColumns(context.Background(), "", "access")
	if err != nil {
		t.Fatal(err)
	}
	req := &ConvertRequest{Table: "access", CaseInsensitive: true, Records: recs}
	tsConv, _ := timestampParsers(req, false)
	run := func(fast bool) (ConvertResult, []string) {
		ss, err := e.eng.NewSession(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer ss.Close()
		b := &convertBatch{records: recs, lower: true}
		path := filepath.Join(e.dir, fmt.Sprintf("fast-%v.parquet", fast))
		var res ConvertResult
		if fast {
			fp := fastPlan(cols, req, true, false, tsConv)
			b.keys = fp.keys
			res, err = ss.convertFast(context.Background(), b, fp, path, "SNAPPY")
		} else {
			plan, perr := convertPlan(cols, req, true, false, tsConv)
			if perr != nil {
				t.Fatal(perr)
			}
			res, err = ss.convertSlow(context.Background(), b, plan, path, "SNAPPY")
		}
		if err != nil {
			t.Fatal(err)
		}
		sortFailures(res.Failed)
		return res, rows(t, s, "SELECT * FROM read_parquet('"+path+"')")
	}
	fr, frows := run(true)
	sr, srows := run(false)
	idx := func(r ConvertResult) string {
		var out []string
		for _, f := range r.Failed {
			out = append(out, fmt.Sprint(f.Index))
		}
		return strings.Join(out, ",")
	}
	if idx(fr) != "5,6,8" || idx(sr) != idx(fr) {
		t.Fatalf("failed: fast %s slow %s", idx(fr), idx(sr))
	}
	if fr.Rows != len(recs)-3+1 || fr.Rows != sr.Rows {
		t.Fatalf("rows: fast %d slow %d", fr.Rows, sr.Rows)
	}
	if strings.Join(frows, "\n") != strings.Join(srows, "\n") {
		t.Fatal("fast and slow files differ")
	}
	if !strings.Contains(fr.Failed[0].Message, "column status") || !strings.Contains(sr.Failed[0].Message, "column status") {
		t.Fatalf("messages: %q / %q", fr.Failed[0].Message, sr.Failed[0].Message)
	}
}

// TestExternalTableOnRemoteStore: a lake table whose LOCATION is on a
// remote S3 store reads a mirror that each statement naming the table
// brings up to date: new, replaced and deleted objects, partitions, a
// missing bucket (an empty table), and a reopen of the engine.
func TestExternalTableOnRemoteStore(t *testing.T) {
	dir := t.TempDir()
	store := remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}
	e := newEnv(t, envOpt{objects: store, dbFile: true})
	s := e.session()
	putObject(t, store, "remote", "logs/dt=2026-01-01/a.json", []byte(`{"host":"a","bytes":1}`+"\n"+`{"host":"b","bytes":2}`))
	putObject(t, store, "remote", "logs/dt=2026-01-02/b.json.gz", gz(t, []byte(`{"host":"c","bytes":4}`)))
	putObject(t, store, "remote", "logs/_SUCCESS", nil)
	putObject(t, store, "remote", "other/x.json", []byte(`{"host":"z","bytes":100}`))
	exec(t, s, "CREATE EXTERNAL TABLE logs (host STRING, bytes INT) PARTITIONED BY (dt DATE) "+
		"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://remote/logs/'")
	check := func(want string) {
		t.Helper()
		if got := one(t, s, "SELECT count(*), coalesce(sum(bytes), 0), coalesce(string_agg(DISTINCT CAST(dt AS VARCHAR), ',' ORDER BY CAST(dt AS VARCHAR)), '') FROM logs"); got != want {
			t.Fatalf("count, sum, dates = %s, want %s", got, want)
		}
	}
	check("3|7|2026-01-01,2026-01-02")
	putObject(t, store, "remote", "logs/dt=2026-01-03/c.json", []byte(`{"host":"d","bytes":8}`))
	check("4|15|2026-01-01,2026-01-02,2026-01-03")
	putObject(t, store, "remote", "logs/dt=2026-01-01/a.json", []byte(`{"host":"a","bytes":16}`)) // replaced: other size
	check("3|28|2026-01-01,2026-01-02,2026-01-03")
	if err := store.Delete(context.Background(), "remote", "logs/dt=2026-01-02/b.json.gz"); err != nil {
		t.Fatal(err)
	}
	check("2|24|2026-01-01,2026-01-03")
	// The mirror survives a reopen and is made current on first use.
	s.Close()
	e.reopen()
	s = e.session()
	putObject(t, store, "remote", "logs/dt=2026-01-04/d.json", []byte(`{"host":"e","bytes":32}`))
	check("3|56|2026-01-01,2026-01-03,2026-01-04")
	// A location whose bucket does not exist is an empty table, as locally.
	exec(t, s, "CREATE EXTERNAL TABLE nothing (host STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://nobucket/x/'")
	if got := one(t, s, "SELECT count(*) FROM nothing"); got != "0" {
		t.Fatalf("missing bucket: %s rows", got)
	}
	// DROP TABLE removes the mirror, never the objects.
	exec(t, s, "DROP TABLE logs")
	if _, err := os.Stat(e.eng.mirrorDir("logs")); !os.IsNotExist(err) {
		t.Fatalf("mirror left after DROP TABLE: %v", err)
	}
	n := 0
	if err := store.List(context.Background(), "remote", "logs/", func(lake.Object) error { n++; return nil }); err != nil || n != 4 {
		t.Fatalf("objects after DROP TABLE: %d, %v", n, err)
	}
}

// TestReadPathsOnRemoteStore: s3:// paths in DuckDB's readers work on a
// remote store: the objects a key or glob names are downloaded for the
// statement (hive partitions kept) and removed when its result is closed;
// writes to the remote store by path are refused.
func TestReadPathsOnRemoteStore(t *testing.T) {
	dir := t.TempDir()
	store := remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}
	e := newEnv(t, envOpt{objects: store})
	s := e.session()
	putObject(t, store, "remote", "ev/dt=1/a.json", []byte(`{"n":1}`+"\n"+`{"n":2}`))
	putObject(t, store, "remote", "ev/dt=2/b.json", []byte(`{"n":4}`))
	putObject(t, store, "remote", "ev/dt=2/sub/c.json", []byte(`{"n":8}`))
	putObject(t, store, "remote", "ev/dt=2/b.csv", []byte("n\n16\n"))
	putObject(t, store, "remote", "other/d.json", []byte(`{"n":32}`))
	for _, tc := range []struct{ q, want string }{
		{"SELECT sum(n) FROM read_json('s3://remote/ev/*/*.json')", "7"},
		{"SELECT sum(n) FROM read_json('s3://remote/ev/**/*.json')", "15"},
		{"SELECT sum(n) FROM read_json('s3://remote/ev/dt=[12]/?.json')", "7"},
		{"SELECT sum(n) FROM read_json('s3://remote/ev/dt=2/b.json')", "4"},
		{"SELECT sum(n), string_agg(DISTINCT dt, ',' ORDER BY dt) FROM read_json('s3://remote/ev/*/*.json', hive_partitioning = true)", "7|1,2"},
		{"SELECT sum(n) FROM read_json(['s3://remote/ev/dt=1/a.json', 's3://remote/other/d.json'])", "35"},
		{"SELECT sum(n) FROM 's3://remote/ev/dt=2/b.csv'", "16"},
	} {
		if got := one(t, s, tc.q); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.q, got, tc.want)
		}
	}
	exec(t, s, "CREATE TABLE r (n INT)")
	if r := exec(t, s, "COPY r FROM 's3://remote/ev/dt=2/b.csv' (HEADER)"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, "rheo-s3-*")); len(left) != 0 {
		t.Fatalf("downloads left after the statements: %v", left)
	}
	// Nothing matched: DuckDB's own error. A write by path: refused.
	if _, err := s.Query(context.Background(), "SELECT * FROM read_json('s3://remote/nope/*.json')"); err == nil {
		t.Error("a glob matching nothing read something")
	}
	_, err := s.Query(context.Background(), "COPY r TO 's3://remote/out/r.csv'")
	if err == nil || sqlErr(t, err).Code != CodeFeature {
		t.Errorf("COPY TO a remote store: %v", err)
	}
}

func TestGlobRegexp(t *testing.T) {
	for _, tc := range []struct {
		glob, key string
		want      bool
	}{
		{"a/*.json", "a/x.json", true},
		{"a/*.json", "a/b/x.json", false},
		{"a/**/*.json", "a/x.json", true},
		{"a/**/*.json", "a/b/c/x.json", true},
		{"a/**", "a/b/c", true},
		{"a/?.json", "a/xy.json", false},
		{"a/[!x].json", "a/y.json", true},
		{"a/[!x].json", "a/x.json", false},
		{"a.b/*", "axb/c", false},
	} {
		re, err := globRegexp(tc.glob)
		if err != nil || re.MatchString(tc.key) != tc.want {
			t.Errorf("%s ~ %s: %v (%v), want %v", tc.glob, tc.key, !tc.want, err, tc.want)
		}
	}
	if _, err := globRegexp("a/[x"); err == nil {
		t.Error("unclosed [ accepted")
	}
}

// countingStore is a remoteStore that counts object downloads.
type countingStore struct {
	remoteStore
	gets atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	c.gets.Add(1)
	return c.remoteStore.Get(ctx, bucket, key)
}

// TestRemoteReadsUseCache: s3:// paths on a remote store download each
// object once; later statements (and the second pass of a prepared one)
// reuse it until the listing shows it changed; over the size limit the
// least recently used objects go, and results stay right.
func TestRemoteReadsUseCache(t *testing.T) {
	dir := t.TempDir()
	store := &countingStore{remoteStore: remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}}
	e := newEnv(t, envOpt{objects: store})
	s := e.session()
	putObject(t, store, "remote", "in/a.json", []byte(`{"n":1}`+"\n"+`{"n":2}`))
	putObject(t, store, "remote", "in/b.json", []byte(`{"n":4}`))
	const q = "SELECT sum(n) FROM read_json('s3://remote/in/*.json')"
	if got := one(t, s, q); got != "7" {
		t.Fatalf("first read: %s", got)
	}
	if n := store.gets.Load(); n != 2 {
		t.Fatalf("%d downloads for 2 objects", n)
	}
	for range 3 {
		if got := one(t, s, q); got != "7" {
			t.Fatalf("cached read: %s", got)
		}
	}
	if n := store.gets.Load(); n != 2 {
		t.Fatalf("%d downloads after three more reads, want still 2", n)
	}
	putObject(t, store, "remote", "in/b.json", []byte(`{"n":40}`))
	if got := one(t, s, q); got != "43" {
		t.Fatalf("after b changed: %s", got)
	}
	if n := store.gets.Load(); n != 3 {
		t.Fatalf("%d downloads after one object changed, want 3", n)
	}
	// A tiny limit keeps only what was placed last, and reads still work.
	e.eng.s3cache.mu.Lock()
	e.eng.s3cache.limit = 1
	e.eng.s3cache.mu.Unlock()
	for range 2 {
		if got := one(t, s, q); got != "43" {
			t.Fatalf("with evictions: %s", got)
		}
	}
	cached, _ := filepath.Glob(filepath.Join(e.eng.stateDir, "s3cache", "remote", "in", "*.json"))
	if len(cached) != 1 {
		t.Fatalf("cache holds %v, want only the last object placed", cached)
	}
	// Statement directories are gone once each statement ran.
	if left, _ := filepath.Glob(filepath.Join(e.dir, "rheo-s3-*")); len(left) != 0 {
		t.Fatalf("statement directories left: %v", left)
	}
}

// TestRemoteCacheConcurrent: sessions reading the same remote objects at
// once, while one of them changes, all get whole, consistent results (run
// with -race).
func TestRemoteCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	store := &countingStore{remoteStore: remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}}
	e := newEnv(t, envOpt{objects: store})
	for i := range 4 {
		putObject(t, store, "remote", fmt.Sprintf("c/%d.json", i), []byte(fmt.Sprintf(`{"n":%d}`, i+1)))
	}
	const q = "SELECT sum(n) FROM read_json('s3://remote/c/*.json')"
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 4 {
		s := e.session()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				got, err := tryRows(s, q)
				if err != nil {
					errs <- err
					return
				}
				// 1+2+3+4, or with 3.json rewritten to 40 by goroutine 0.
				if len(got) != 1 || (got[0] != "10" && got[0] != "46") {
					errs <- fmt.Errorf("goroutine %d read %d: %v", g, i, got)
				}
				if g == 0 && i == 4 {
					body := []byte(`{"n":40}`)
					if err := store.Put(context.Background(), "remote", "c/3.json", bytes.NewReader(body), int64(len(body))); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// hungStore is a remote store that stops answering while hang is set:
// calls wait for their context, as the S3 client does.
type hungStore struct {
	remoteStore
	hang atomic.Bool
}

func (h *hungStore) List(ctx context.Context, bucket, prefix string, fn func(lake.Object) error) error {
	if h.hang.Load() {
		<-ctx.Done()
		return fmt.Errorf("lake: s3 list s3://%s/%s: %w", bucket, prefix, ctx.Err())
	}
	return h.remoteStore.List(ctx, bucket, prefix, fn)
}

// A statement cancelled or timed out while a remote external table's
// mirror is being brought up to date fails with 57014 like any other
// cancelled statement (not 58030, an I/O error), and the mirror still
// reads as before once the store answers again.
func TestExternalTableRemoteCancel(t *testing.T) {
	dir := t.TempDir()
	store := &hungStore{remoteStore: remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}}
	e := newEnv(t, envOpt{objects: store})
	s := e.session()
	putObject(t, store, "remote", "logs/a.json", []byte(`{"host":"a"}`))
	exec(t, s, "CREATE EXTERNAL TABLE logs (host STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://remote/logs/'")
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "1" {
		t.Fatal(got)
	}
	store.hang.Store(true)
	for _, q := range []string{"SELECT count(*) FROM logs", "SELECT count(*) FROM read_json('s3://remote/logs/*.json')"} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err := s.Query(ctx, q)
		cancel()
		if err == nil {
			t.Fatalf("%s: no error", q)
		}
		if se := sqlErr(t, err); se.Code != CodeCanceled || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s on a hung store: %s %v, want %s wrapping the deadline", q, se.Code, err, CodeCanceled)
		}
	}
	store.hang.Store(false)
	if got := one(t, s, "SELECT count(*) FROM logs"); got != "1" {
		t.Fatal(got)
	}
}

// staleListStore lists one object with a stale size once, as a listing
// made just before a writer replaced the object would.
type staleListStore struct {
	remoteStore
	stale atomic.Bool
}

func (s *staleListStore) List(ctx context.Context, bucket, prefix string, fn func(lake.Object) error) error {
	return s.remoteStore.List(ctx, bucket, prefix, func(o lake.Object) error {
		if s.stale.CompareAndSwap(true, false) {
			o.Size--
		}
		return fn(o)
	})
}

// An object replaced between the listing and its download does not fail
// the statement: the listing is made again (it failed with 58030).
func TestRemoteObjectChangedWhileRead(t *testing.T) {
	dir := t.TempDir()
	store := &staleListStore{remoteStore: remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}}
	e := newEnv(t, envOpt{objects: store})
	putObject(t, store, "remote", "c/a.json", []byte(`{"n":12}`))
	store.stale.Store(true)
	if got := one(t, e.session(), "SELECT sum(n) FROM read_json('s3://remote/c/*.json')"); got != "12" {
		t.Fatalf("sum %s, want 12", got)
	}
	if store.stale.Load() {
		t.Fatal("the stale listing was not used")
	}
}
