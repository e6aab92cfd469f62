package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/lake"
)

// object is one stored object, decompressed.
type object struct {
	Key  string
	Data []byte
}

// listObjects returns the objects of bucket under prefix, in key order,
// decompressed with format.
func listObjects(t testing.TB, s lake.Store, bucket, prefix, format string) []object {
	t.Helper()
	var out []object
	ctx := context.Background()
	err := s.List(ctx, bucket, prefix, func(o lake.Object) error {
		rc, err := s.Get(ctx, bucket, o.Key)
		if err != nil {
			return err
		}
		defer rc.Close()
		raw, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		zr, err := compress.NewReader(bytes.NewReader(raw), orUncompressed(format))
		if err != nil {
			return fmt.Errorf("%s: %w", o.Key, err)
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			return fmt.Errorf("%s: %w", o.Key, err)
		}
		zr.Close()
		out = append(out, object{Key: o.Key, Data: data})
		return nil
	})
	if err != nil && !errors.Is(err, lake.ErrNoSuchBucket) {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newLakeEnv is newEnv with a lake.Local under the data dir.
func newLakeEnv(t testing.TB, dir string, opt func(*Options)) *env {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return newEnv(t, dir, lake.NewLocal(filepath.Join(dir, "lake")), opt)
}

// concat joins objects' data in key order.
func concat(objs []object) []byte {
	var b []byte
	for _, o := range objs {
		b = append(b, o.Data...)
	}
	return b
}

// flakyStore fails the first n Puts, then passes through.
type flakyStore struct {
	lake.Store
	mu    sync.Mutex
	fails int
	calls int
}

func (s *flakyStore) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	s.mu.Lock()
	s.calls++
	fail := s.fails > 0
	if fail {
		s.fails--
	}
	s.mu.Unlock()
	if fail {
		return errors.New("injected: service unavailable")
	}
	return s.Store.Put(ctx, bucket, key, body, size)
}

// fakeConverter "converts" records that parse as {"ok":...} by writing them
// one per line, and fails the others.
type fakeConverter struct{}

func (fakeConverter) CheckTable(ctx context.Context, database, table string) error {
	if table != "t" {
		return errors.New("no such table")
	}
	return nil
}

func (fakeConverter) Convert(ctx context.Context, c *Conversion, records [][]byte, path string) (ConvertResult, error) {
	var out bytes.Buffer
	var res ConvertResult
	for i, r := range records {
		if bytes.HasPrefix(r, []byte(`{"ok"`)) {
			out.Write(r)
			out.WriteByte('\n')
			res.Rows++
			continue
		}
		res.Failed = append(res.Failed, RecordFailure{Index: i, Code: "DataFormatConversion.MalformedData", Message: "bad record"})
	}
	if res.Rows == 0 {
		return res, nil
	}
	return res, os.WriteFile(path, out.Bytes(), 0o644)
}

// fakeLoader records warehouse loads; a repeated loadID is ignored.
type fakeLoader struct {
	mu    sync.Mutex
	loads []string // "loadID key"
	seen  map[string]bool
}

func (l *fakeLoader) Load(ctx context.Context, w *Warehouse, bucket, key, loadID string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = make(map[string]bool)
	}
	if l.seen[loadID] {
		return 0, nil
	}
	l.seen[loadID] = true
	l.loads = append(l.loads, loadID+" "+w.Table+" "+key)
	return 1, nil
}

// orderStore records the order of Puts: batches are delivered one after
// the other, so it is the delivery order.
type orderStore struct {
	lake.Store
	mu   sync.Mutex
	keys []string
}

func (s *orderStore) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	if err := s.Store.Put(ctx, bucket, key, body, size); err != nil {
		return err
	}
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return nil
}

// delivered returns the data of the objects in bucket in Put order.
func (s *orderStore) delivered(t testing.TB, bucket string) string {
	t.Helper()
	byKey := make(map[string][]byte)
	for _, o := range listObjects(t, s.Store, bucket, "", "") {
		byKey[o.Key] = o.Data
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b []byte
	for _, k := range s.keys {
		b = append(b, byKey[k]...)
	}
	return string(b)
}

// newOrderedEnv is newLakeEnv with an orderStore in front of the lake.
func newOrderedEnv(t testing.TB) (*env, *orderStore) {
	t.Helper()
	os := &orderStore{}
	e := newLakeEnv(t, "", func(o *Options) { os.Store = o.Store; o.Store = os })
	return e, os
}
