package meta

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func reopen(t *testing.T, s *Store, path string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2, err := Open(path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

func testStream(name string, shards int) Stream {
	now := time.Now().UTC().Truncate(time.Millisecond)
	st := Stream{
		Name: name, Mode: ModeProvisioned, Status: StatusCreating,
		ReadyAt: now.Add(time.Second), CreatedAt: now, RetentionHours: 24,
		Tags: map[string]string{"env": "test"},
	}
	for i := range shards {
		st.Shards = append(st.Shards, Shard{Index: uint32(i), HashKeyStart: "0", HashKeyEnd: "1", CreatedAt: now})
	}
	st.NextShardIndex = uint32(shards)
	return st
}

func TestCRUD(t *testing.T) {
	s, _ := openTest(t)
	if _, ok := s.Stream("a"); ok {
		t.Fatal("stream in empty store")
	}
	a, err := s.CreateStream(testStream("a", 2))
	if err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	if a.UID != 1 {
		t.Errorf("first UID = %d, want 1", a.UID)
	}
	if _, err := s.CreateStream(testStream("a", 1)); !errors.Is(err, ErrStreamExists) {
		t.Errorf("duplicate create: err = %v, want ErrStreamExists", err)
	}
	if _, err := s.CreateStream(Stream{}); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("empty name: err = %v, want ErrInvalidStream", err)
	}
	b, err := s.CreateStream(testStream("b", 1))
	if err != nil {
		t.Fatalf("CreateStream b: %v", err)
	}
	if b.UID <= a.UID {
		t.Errorf("UIDs not increasing: %d then %d", a.UID, b.UID)
	}
	got, ok := s.Stream("a")
	if !ok || got != a {
		t.Errorf("Stream(a) = %v, %v; want the created snapshot", got, ok)
	}
	names := func() []string {
		var out []string
		for _, st := range s.Streams() {
			out = append(out, st.Name)
		}
		return out
	}
	if fmt.Sprint(names()) != "[a b]" {
		t.Errorf("Streams = %v", names())
	}
	up, err := s.UpdateStream("a", func(st *Stream) error {
		st.Status = StatusActive
		st.RetentionHours = 48
		return nil
	})
	if err != nil || up.RetentionHours != 48 || up.Status != StatusActive {
		t.Fatalf("UpdateStream = %+v, %v", up, err)
	}
	boom := errors.New("boom")
	if _, err := s.UpdateStream("a", func(st *Stream) error { st.RetentionHours = 1; return boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateStream fn error: got %v", err)
	}
	if cur, _ := s.Stream("a"); cur.RetentionHours != 48 {
		t.Errorf("failed update changed stream: retention %d", cur.RetentionHours)
	}
	if _, err := s.UpdateStream("a", func(st *Stream) error { st.Name = "z"; return nil }); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("rename: err = %v, want ErrInvalidStream", err)
	}
	if _, err := s.UpdateStream("a", func(st *Stream) error { st.UID = 99; return nil }); !errors.Is(err, ErrInvalidStream) {
		t.Errorf("UID change: err = %v, want ErrInvalidStream", err)
	}
	if _, err := s.UpdateStream("nope", func(*Stream) error { return nil }); !errors.Is(err, ErrStreamNotFound) {
		t.Errorf("update missing: err = %v", err)
	}
	if err := s.DeleteStream("a"); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	if err := s.DeleteStream("a"); !errors.Is(err, ErrStreamNotFound) {
		t.Errorf("delete twice: err = %v", err)
	}
	if _, ok := s.Stream("a"); ok {
		t.Error("deleted stream still visible")
	}
	if fmt.Sprint(names()) != "[b]" {
		t.Errorf("Streams after delete = %v", names())
	}
}

func TestPersistenceAndUIDNeverReused(t *testing.T) {
	s, path := openTest(t)
	a, _ := s.CreateStream(testStream("a", 3))
	if _, err := s.UpdateStream("a", func(st *Stream) error {
		p := uint32(0)
		st.Shards[0].Closed = true
		st.Shards = append(st.Shards, Shard{Index: 3, Parent: &p, HashKeyStart: "0", HashKeyEnd: "1"})
		st.NextShardIndex = 4
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, _ := s.CreateStream(testStream("b", 1))
	if err := s.DeleteStream("b"); err != nil {
		t.Fatal(err)
	}
	key1, err := s.Secret("iterator-key")
	if err != nil || len(key1) != SecretSize {
		t.Fatalf("Secret = %x, %v", key1, err)
	}
	if err := s.Put("checkpoints", "0000000000000001/app", map[string]int{"offset": 7}); err != nil {
		t.Fatal(err)
	}

	s = reopen(t, s, path)
	got, ok := s.Stream("a")
	if !ok {
		t.Fatal("stream a lost on reopen")
	}
	if got.UID != a.UID || len(got.Shards) != 4 || !got.Shards[0].Closed || got.Shards[3].Parent == nil ||
		*got.Shards[3].Parent != 0 || got.NextShardIndex != 4 || got.Tags["env"] != "test" ||
		!got.CreatedAt.Equal(a.CreatedAt) || !got.ReadyAt.Equal(a.ReadyAt) {
		t.Errorf("reopened stream = %+v", got)
	}
	if _, ok := s.Stream("b"); ok {
		t.Error("deleted stream b back after reopen")
	}
	b2, err := s.CreateStream(testStream("b", 1))
	if err != nil {
		t.Fatal(err)
	}
	if b2.UID <= b.UID {
		t.Errorf("UID reused: re-created b got %d, deleted b had %d", b2.UID, b.UID)
	}
	key2, err := s.Secret("iterator-key")
	if err != nil || !bytes.Equal(key1, key2) {
		t.Errorf("secret changed across reopen: %x vs %x (%v)", key1, key2, err)
	}
	other, _ := s.Secret("other")
	if bytes.Equal(other, key1) {
		t.Error("two secrets are equal")
	}
	var cp map[string]int
	if ok, err := s.Get("checkpoints", "0000000000000001/app", &cp); !ok || err != nil || cp["offset"] != 7 {
		t.Errorf("Get checkpoint = %v, %v, %v", cp, ok, err)
	}
}

func TestCopyOnWrite(t *testing.T) {
	s, _ := openTest(t)
	in := testStream("a", 2)
	created, err := s.CreateStream(in)
	if err != nil {
		t.Fatal(err)
	}
	// The caller's value is not shared with the store.
	in.Tags["env"] = "changed"
	in.Shards[0].HashKeyEnd = "changed"
	if created.Tags["env"] != "test" || created.Shards[0].HashKeyEnd != "1" {
		t.Fatal("CreateStream kept a reference to the caller's maps or slices")
	}
	p := uint32(0)
	if _, err := s.UpdateStream("a", func(st *Stream) error {
		st.Shards = append(st.Shards, Shard{Index: 2, Parent: &p})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	old, _ := s.Stream("a")
	updated, err := s.UpdateStream("a", func(st *Stream) error {
		st.Tags["env"] = "prod"
		st.Tags["new"] = "x"
		st.Shards[0].Closed = true
		*st.Shards[2].Parent = 1
		st.Status = StatusActive
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if old.Tags["env"] != "test" || len(old.Tags) != 1 || old.Shards[0].Closed || *old.Shards[2].Parent != 0 || old.Status != StatusCreating {
		t.Errorf("old snapshot changed by UpdateStream: %+v", old)
	}
	if updated.Tags["env"] != "prod" || !updated.Shards[0].Closed || *updated.Shards[2].Parent != 1 {
		t.Errorf("update not applied: %+v", updated)
	}
	if cur, _ := s.Stream("a"); cur != updated {
		t.Error("Stream does not return the new snapshot")
	}
}

func TestConcurrentUpdates(t *testing.T) {
	s, path := openTest(t)
	const streams, workers, perWorker = 3, 8, 25
	for i := range streams {
		if _, err := s.CreateStream(testStream(fmt.Sprintf("s%d", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, workers*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("s%d", w%streams)
			for range perWorker {
				if _, err := s.UpdateStream(name, func(st *Stream) error {
					st.NextShardIndex++
					return nil
				}); err != nil {
					errc <- err
					return
				}
			}
		}()
		// Readers race with the writers.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWorker * 4 {
				for _, st := range s.Streams() {
					_ = st.NextShardIndex + uint32(len(st.Shards))
				}
				if _, ok := s.Stream("s0"); !ok {
					errc <- errors.New("s0 vanished")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	check := func(s *Store) {
		total := 0
		for _, st := range s.Streams() {
			total += int(st.NextShardIndex) - 1
		}
		if total != workers*perWorker {
			t.Errorf("lost updates: %d increments, want %d", total, workers*perWorker)
		}
	}
	check(s)
	check(reopen(t, s, path))
}

func TestSecondOpenFailsFast(t *testing.T) {
	_, path := openTest(t)
	start := time.Now()
	s2, err := Open(path, nil)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of an open file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestClosed(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.CreateStream(testStream("a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.CreateStream(testStream("b", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateStream after Close: %v", err)
	}
	if _, err := s.UpdateStream("a", func(*Stream) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("UpdateStream after Close: %v", err)
	}
	if err := s.DeleteStream("a"); !errors.Is(err, ErrClosed) {
		t.Errorf("DeleteStream after Close: %v", err)
	}
	if _, err := s.Secret("k"); !errors.Is(err, ErrClosed) {
		t.Errorf("Secret after Close: %v", err)
	}
	if err := s.Put("ns", "k", 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Close: %v", err)
	}
}

func TestNamespaces(t *testing.T) {
	s, _ := openTest(t)
	var v int
	if ok, err := s.Get("consumers", "x", &v); ok || err != nil {
		t.Errorf("Get on empty namespace = %v, %v", ok, err)
	}
	for i, k := range []string{"0000000000000001/a", "0000000000000001/b", "0000000000000002/a"} {
		if err := s.Put("consumers", k, i); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	if err := s.Scan("consumers", "0000000000000001/", func(k string, _ []byte) error {
		keys = append(keys, k)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys) != "[0000000000000001/a 0000000000000001/b]" {
		t.Errorf("Scan = %v", keys)
	}
	if err := s.Delete("consumers", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete missing: %v", err)
	}
	n, err := s.DeletePrefix("consumers", "0000000000000001/")
	if err != nil || n != 2 {
		t.Errorf("DeletePrefix = %d, %v", n, err)
	}
	if ok, _ := s.Get("consumers", "0000000000000002/a", &v); !ok || v != 2 {
		t.Errorf("other stream's key: %v %d", ok, v)
	}
	if err := s.Delete("consumers", "0000000000000002/a"); err != nil {
		t.Errorf("Delete: %v", err)
	}
}

// TestBatch: puts and deletes land together; an encoding failure changes
// nothing; deleting a missing key is fine.
func TestBatch(t *testing.T) {
	s, _ := openTest(t)
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put("it", k, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Batch("it", map[string]any{"c": "C", "d": "D"}, []string{"a", "b", "missing"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.Scan("it", "", func(k string, v []byte) error {
		got = append(got, k+"="+string(v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != `[c="C" d="D"]` {
		t.Errorf("after batch: %v", got)
	}
	if err := s.Batch("it", map[string]any{"e": func() {}}, []string{"c"}); err == nil {
		t.Error("unencodable value accepted")
	}
	var v string
	if ok, _ := s.Get("it", "c", &v); !ok || v != "C" {
		t.Errorf("a failed batch deleted c: %v %q", ok, v)
	}
}

// A truncated or damaged meta.db fails Open with an error naming the file;
// bbolt alone would kill the process with SIGBUS or a panic.
func TestOpenDamagedFile(t *testing.T) {
	s, path := openTest(t)
	for i := range 50 {
		if _, err := s.CreateStream(testStream(fmt.Sprintf("s%03d-%s", i, strings.Repeat("x", 200)), 8)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", whole[:len(whole)/2], "is truncated"},
		{"one page", whole[:4096], "is truncated"},
		{"freelist page zeroed", zeroFreelist(t, whole), "is damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "meta.db")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(p, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open of a damaged file succeeded")
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %s and say %q", err, p, tc.want)
			}
		})
	}
	if s, err := Open(path, nil); err != nil {
		t.Fatalf("intact file: %v", err)
	} else {
		s.Close()
	}
}

// zeroFreelist returns a copy of a bbolt file whose freelist page, named by
// both meta pages, is zeros: bbolt panics with "invalid freelist page".
func zeroFreelist(t *testing.T, whole []byte) []byte {
	t.Helper()
	b := bytes.Clone(whole)
	ps := int(binary.LittleEndian.Uint32(b[16+8:]))
	for _, off := range []int{0, ps} {
		fl := int(binary.LittleEndian.Uint64(b[off+16+32:]))
		clear(b[fl*ps : (fl+1)*ps])
	}
	return b
}
