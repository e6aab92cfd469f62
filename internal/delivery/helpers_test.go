package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// env is one data dir: meta, a file shard log and an object store.
type env struct {
	t     testing.TB
	dir   string
	meta  *meta.Store
	log   *shardlog.File
	store lake.Store
	m     *Manager
}

// newEnv opens a data dir in dir (a new temp dir when "") with store
// (a memStore when nil) and starts a Manager with extra options.
func newEnv(t testing.TB, dir string, store lake.Store, opt func(*Options)) *env {
	t.Helper()
	return newEnvLog(t, dir, store, shardlog.Options{}, opt)
}

// newEnvLog is newEnv with options for the shard log (Dir is set here).
func newEnvLog(t testing.TB, dir string, store lake.Store, lo shardlog.Options, opt func(*Options)) *env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ms, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	lo.Dir = filepath.Join(dir, "streams")
	lg, err := shardlog.OpenFile(lo)
	if err != nil {
		t.Fatal(err)
	}
	if store == nil {
		store = newMemStore()
	}
	e := &env{t: t, dir: dir, meta: ms, log: lg, store: store}
	opts := Options{Meta: ms, Log: lg, Store: store, RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}
	if opt != nil {
		opt(&opts)
	}
	e.m, err = New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.close)
	return e
}

// close stops the manager and closes the log and meta (idempotent).
func (e *env) close() {
	if e.m == nil {
		return
	}
	if err := e.m.Close(); err != nil {
		e.t.Error(err)
	}
	if err := e.log.Close(); err != nil {
		e.t.Error(err)
	}
	if err := e.meta.Close(); err != nil {
		e.t.Error(err)
	}
	e.m = nil
}

// directSpec is a Direct PUT spec into bucket "lake" with small buffers.
func directSpec(bufBytes int, interval time.Duration) Spec {
	return Spec{Source: SourceDirectPut, Version: 1, Dest: Destination{
		ID: "destinationId-000000000001", Bucket: "lake", BufferBytes: bufBytes, BufferInterval: interval,
		Compression: "UNCOMPRESSED",
	}}
}

// memStore is an in-memory lake.Store for tests.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
	puts    int
}

func newMemStore() *memStore { return &memStore{objects: make(map[string][]byte)} }

func (s *memStore) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if size >= 0 && int64(len(b)) != size {
		return fmt.Errorf("memStore: size %d, got %d bytes", size, len(b))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[bucket+"/"+key] = b
	s.puts++
	return nil
}

func (s *memStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.objects[bucket+"/"+key]
	if !ok {
		return nil, lake.ErrNoSuchKey
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s *memStore) List(ctx context.Context, bucket, prefix string, fn func(lake.Object) error) error {
	s.mu.Lock()
	var objs []lake.Object
	for k, v := range s.objects {
		if key, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(key, prefix) {
			objs = append(objs, lake.Object{Key: key, Size: int64(len(v))})
		}
	}
	s.mu.Unlock()
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	for _, o := range objs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) Delete(ctx context.Context, bucket, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, bucket+"/"+key)
	return nil
}

func (s *memStore) CheckBucket(ctx context.Context, bucket string) error { return nil }
func (s *memStore) LocalPath(bucket, key string) (string, bool)          { return "", false }
func (s *memStore) URL(bucket, key string) string                        { return "mem://" + bucket + "/" + key }
