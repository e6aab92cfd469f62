package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// harness is one store under the contract test, with a way to create a
// bucket on it.
type harness struct {
	name   string
	store  Store
	create func(t *testing.T, bucket string)
	local  bool // the local lake's stricter key rules apply
}

// runContract runs every contract subtest against the store newHarness
// builds (a fresh one per subtest).
func runContract(t *testing.T, newHarness func(t *testing.T) harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h harness)
	}{
		{"PutGetReplace", testPutGetReplace},
		{"EmptyAndUnknownSize", testEmptyAndUnknownSize},
		{"SizeMismatch", testSizeMismatch},
		{"Large", testLarge},
		{"ListPrefixes", testListPrefixes},
		{"ListPagination", testListPagination},
		{"ListStops", testListStops},
		{"Delete", testDelete},
		{"MissingBucket", testMissingBucket},
		{"BadBucketNames", testBadBucketNames},
		{"BadKeys", testBadKeys},
		{"Concurrent", testConcurrent},
		{"Canceled", testCanceled},
		{"URL", testURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newHarness(t)) })
	}
}

const bucket = "rheo-test-bucket"

func put(t *testing.T, s Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func get(t *testing.T, s Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func list(t *testing.T, s Store, prefix string) []Object {
	t.Helper()
	var out []Object
	if err := s.List(context.Background(), bucket, prefix, func(o Object) error {
		out = append(out, o)
		return nil
	}); err != nil {
		t.Fatalf("List %q: %v", prefix, err)
	}
	return out
}

func keysOf(objs []Object) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return ks
}

func testPutGetReplace(t *testing.T, h harness) {
	h.create(t, bucket)
	put(t, h.store, "a/b/c.json", []byte("first version"))
	if got := get(t, h.store, "a/b/c.json"); string(got) != "first version" {
		t.Fatalf("Get = %q", got)
	}
	put(t, h.store, "a/b/c.json", []byte("v2"))
	if got := get(t, h.store, "a/b/c.json"); string(got) != "v2" {
		t.Fatalf("Get after replace = %q, want v2", got)
	}
	objs := list(t, h.store, "")
	if len(objs) != 1 || objs[0].Key != "a/b/c.json" || objs[0].Size != 2 || objs[0].Modified.IsZero() {
		t.Fatalf("List = %+v, want one 2-byte object a/b/c.json with a time", objs)
	}
	if _, err := h.store.Get(context.Background(), bucket, "a/b/nope"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Get missing key: err = %v, want ErrNoSuchKey", err)
	}
	// "a/b" is a "directory" of keys, not an object.
	if _, err := h.store.Get(context.Background(), bucket, "a/b"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Get of a key prefix: err = %v, want ErrNoSuchKey", err)
	}
	if _, err := h.store.Get(context.Background(), bucket, "a/b/c.json/d"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Get below an object: err = %v, want ErrNoSuchKey", err)
	}
}

func testEmptyAndUnknownSize(t *testing.T, h harness) {
	h.create(t, bucket)
	put(t, h.store, "empty", nil)
	if got := get(t, h.store, "empty"); len(got) != 0 {
		t.Fatalf("empty object reads %d bytes", len(got))
	}
	// A reader that is not a Seeker, size unknown.
	body := io.MultiReader(strings.NewReader("hello "), strings.NewReader("world"))
	if err := h.store.Put(context.Background(), bucket, "unknown", body, -1); err != nil {
		t.Fatal(err)
	}
	if got := get(t, h.store, "unknown"); string(got) != "hello world" {
		t.Fatalf("Get = %q", got)
	}
	if err := h.store.Put(context.Background(), bucket, "unknown-empty", strings.NewReader(""), -1); err != nil {
		t.Fatal(err)
	}
	if objs := list(t, h.store, "unknown-"); len(objs) != 1 || objs[0].Size != 0 {
		t.Fatalf("List = %+v", objs)
	}
}

func testSizeMismatch(t *testing.T, h harness) {
	h.create(t, bucket)
	put(t, h.store, "k", []byte("original"))
	for _, tc := range []struct {
		body string
		size int64
	}{{"short", 10}, {"much too long", 4}} {
		err := h.store.Put(context.Background(), bucket, "k", io.MultiReader(strings.NewReader(tc.body)), tc.size)
		if err == nil {
			t.Fatalf("Put of %d bytes declared %d: no error", len(tc.body), tc.size)
		}
	}
	if got := get(t, h.store, "k"); string(got) != "original" {
		t.Fatalf("after failed Puts Get = %q, want the original", got)
	}
}

// testLarge puts bodies above the S3 store's part size (5 MiB in tests),
// seekable and not, to cover single and multipart uploads.
func testLarge(t *testing.T, h harness) {
	h.create(t, bucket)
	data := make([]byte, 11<<20+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.IntN(16)) // compressible but not constant
	}
	put(t, h.store, "big/seekable", data)
	if err := h.store.Put(context.Background(), bucket, "big/stream", io.MultiReader(bytes.NewReader(data)), -1); err != nil {
		t.Fatal(err)
	}
	if err := h.store.Put(context.Background(), bucket, "big/exact", io.MultiReader(bytes.NewReader(data[:10<<20])), 10<<20); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string][]byte{"big/seekable": data, "big/stream": data, "big/exact": data[:10<<20]} {
		if got := get(t, h.store, key); !bytes.Equal(got, want) {
			t.Fatalf("%s: got %d bytes, want %d (equal prefix: %v)", key, len(got), len(want), bytes.HasPrefix(want, got))
		}
	}
	if err := h.store.Put(context.Background(), bucket, "big/short", io.MultiReader(bytes.NewReader(data)), int64(len(data)+1)); err == nil {
		t.Fatal("Put of a body shorter than its size: no error")
	}
	if _, err := h.store.Get(context.Background(), bucket, "big/short"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("failed large Put left an object: %v", err)
	}
}

func testListPrefixes(t *testing.T, h harness) {
	h.create(t, bucket)
	keys := []string{
		"2024/01/01/x", "2024/01/02/y", "2024/01/0", "2024-meta", "2024/01/01/x-2",
		"b", "logs/a.gz", "logs/b.gz", "logsx", "logs-old/z", "é/unicode", "Z/upper",
	}
	for i, k := range keys {
		put(t, h.store, k, bytes.Repeat([]byte{'x'}, i+1))
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	for _, prefix := range []string{"", "2", "2024/", "2024/01/0", "2024/01/01/", "2024/01/01/x", "logs", "logs/", "logs/a", "nomatch", "é", "zzz"} {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		objs := list(t, h.store, prefix)
		if got := keysOf(objs); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, got, want)
		}
		for _, o := range objs {
			if i := slices.Index(keys, o.Key); o.Size != int64(i+1) {
				t.Errorf("List(%q): %s has size %d, want %d", prefix, o.Key, o.Size, i+1)
			}
		}
	}
}

func testListPagination(t *testing.T, h harness) {
	h.create(t, bucket)
	const n = 1100 // more than one ListObjectsV2 page of 1000
	var want []string
	for i := range n {
		k := fmt.Sprintf("p/%02d/obj-%05d", i%7, i)
		want = append(want, k)
		put(t, h.store, k, []byte(k))
	}
	put(t, h.store, "q/outside", []byte("x"))
	slices.Sort(want)
	if got := keysOf(list(t, h.store, "p/")); !slices.Equal(got, want) {
		t.Fatalf("List(p/) gave %d keys, want %d in order", len(got), len(want))
	}
	if got := list(t, h.store, ""); len(got) != n+1 {
		t.Fatalf("List() gave %d keys, want %d", len(got), n+1)
	}
}

func testListStops(t *testing.T, h harness) {
	h.create(t, bucket)
	for _, k := range []string{"a", "b", "c"} {
		put(t, h.store, k, []byte(k))
	}
	stop := errors.New("stop")
	var seen []string
	err := h.store.List(context.Background(), bucket, "", func(o Object) error {
		seen = append(seen, o.Key)
		if o.Key == "b" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, []string{"a", "b"}) {
		t.Fatalf("List = %v after %q, want the callback's error after a, b", err, seen)
	}
}

func testDelete(t *testing.T, h harness) {
	h.create(t, bucket)
	put(t, h.store, "d/1", []byte("one"))
	put(t, h.store, "d/2", []byte("two"))
	ctx := context.Background()
	if err := h.store.Delete(ctx, bucket, "d/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.Get(ctx, bucket, "d/1"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Get deleted: %v, want ErrNoSuchKey", err)
	}
	if err := h.store.Delete(ctx, bucket, "d/1"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if err := h.store.Delete(ctx, bucket, "never/was"); err != nil {
		t.Fatalf("Delete of a key never put: %v", err)
	}
	if got := keysOf(list(t, h.store, "")); !slices.Equal(got, []string{"d/2"}) {
		t.Fatalf("List after delete = %q", got)
	}
	put(t, h.store, "d/1", []byte("again"))
	if got := get(t, h.store, "d/1"); string(got) != "again" {
		t.Fatalf("re-put after delete = %q", got)
	}
}

func testMissingBucket(t *testing.T, h harness) {
	ctx := context.Background()
	const missing = "no-such-bucket"
	if _, err := h.store.Get(ctx, missing, "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("Get: %v, want ErrNoSuchBucket", err)
	}
	if err := h.store.List(ctx, missing, "", func(Object) error { return nil }); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("List: %v, want ErrNoSuchBucket", err)
	}
	if err := h.store.Delete(ctx, missing, "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("Delete: %v, want ErrNoSuchBucket", err)
	}
	err := h.store.CheckBucket(ctx, missing)
	if h.local {
		// The local lake makes any valid bucket usable.
		if err != nil {
			t.Errorf("local CheckBucket: %v", err)
		}
		if err := h.store.List(ctx, missing, "", func(Object) error { return errors.New("object in a new bucket") }); err != nil {
			t.Errorf("List of the new bucket: %v", err)
		}
	} else {
		if !errors.Is(err, ErrNoSuchBucket) {
			t.Errorf("CheckBucket: %v, want ErrNoSuchBucket", err)
		}
		if err := h.store.Put(ctx, missing, "k", strings.NewReader("x"), 1); !errors.Is(err, ErrNoSuchBucket) {
			t.Errorf("Put: %v, want ErrNoSuchBucket", err)
		}
	}
	h.create(t, bucket)
	if err := h.store.CheckBucket(ctx, bucket); err != nil {
		t.Errorf("CheckBucket of an existing bucket: %v", err)
	}
}

func testBadBucketNames(t *testing.T, h harness) {
	ctx := context.Background()
	for _, name := range []string{"", "ab", strings.Repeat("a", 64), "Upper", "under_score", "-start", "end-", ".dot",
		"a..b", "192.168.1.1", "xn--punycode", "sthree-x", "amzn-s3-demo-x", "x-s3alias", "x--ol-s3", "x.mrap",
		"x--x-s3", "x--table-s3", "a/b", "../etc", "sp ace"} {
		checks := map[string]error{
			"Put":         h.store.Put(ctx, name, "k", strings.NewReader("x"), 1),
			"Delete":      h.store.Delete(ctx, name, "k"),
			"CheckBucket": h.store.CheckBucket(ctx, name),
			"List":        h.store.List(ctx, name, "", func(Object) error { return nil }),
		}
		_, checks["Get"] = h.store.Get(ctx, name, "k")
		for op, err := range checks {
			if !errors.Is(err, ErrInvalidBucket) {
				t.Errorf("%s(bucket %q): %v, want ErrInvalidBucket", op, name, err)
			}
		}
		if _, ok := h.store.LocalPath(name, "k"); ok {
			t.Errorf("LocalPath(%q) ok", name)
		}
	}
	for _, name := range []string{"abc", strings.Repeat("a", 63), "a.b-c.0", "1.2.3", "my-bucket"} {
		if err := ValidateBucket(name); err != nil {
			t.Errorf("ValidateBucket(%q) = %v, want ok", name, err)
		}
	}
}

func testBadKeys(t *testing.T, h harness) {
	h.create(t, bucket)
	ctx := context.Background()
	bad := []string{"", "nul\x00byte", strings.Repeat("k", MaxKeyLen+1), "bad-utf8-\xff"}
	if h.local {
		bad = append(bad, "/abs", "a/../b", "..", "../../etc/passwd", "a//b", "a/", "./a", "a/.", ".tmp-x", "d/.tmp-y/z",
			"region="+strings.Repeat("z", 256)+"/obj") // a segment longer than a file name
	}
	for _, key := range bad {
		// CheckKey predicts what Put does, so delivery can divert a
		// record whose key would fail forever.
		if err := CheckKey(h.store, bucket, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("CheckKey(%q) = %v, want ErrInvalidKey", key, err)
		}
		if err := h.store.Put(ctx, bucket, key, strings.NewReader("x"), 1); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(key %q): %v, want ErrInvalidKey", key, err)
		}
		if _, err := h.store.Get(ctx, bucket, key); err == nil || errors.Is(err, ErrNoSuchKey) {
			t.Errorf("Get(key %q): %v, want a bad-key error", key, err)
		}
		if err := h.store.Delete(ctx, bucket, key); err == nil {
			t.Errorf("Delete(key %q): no error", key)
		}
	}
	if objs := list(t, h.store, ""); len(objs) != 0 {
		t.Errorf("bad keys left objects: %v", keysOf(objs))
	}
	long := strings.Repeat(strings.Repeat("k", 99)+"/", 10) + strings.Repeat("k", MaxKeyLen-1000) // exactly 1024 bytes
	if err := CheckKey(h.store, bucket, long); err != nil {
		t.Errorf("CheckKey(1024-byte key) = %v", err)
	}
	longSeg := "p/" + strings.Repeat("s", 255)
	if err := CheckKey(h.store, bucket, longSeg); err != nil {
		t.Errorf("CheckKey(255-byte segment) = %v", err)
	}
	put(t, h.store, longSeg, []byte("ok"))
	put(t, h.store, long, []byte("ok"))
	if got := get(t, h.store, long); string(got) != "ok" {
		t.Errorf("1024-byte key reads %q", got)
	}
}

func testConcurrent(t *testing.T, h harness) {
	h.create(t, bucket)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Go(func() {
			for i := range 8 {
				// Same new directories from every worker, and one key all share.
				k := fmt.Sprintf("c/%d/w%d", i, w)
				if err := h.store.Put(context.Background(), bucket, k, strings.NewReader(k), int64(len(k))); err != nil {
					errs <- err
				}
				v := fmt.Sprintf("shared by %d", w)
				if err := h.store.Put(context.Background(), bucket, "c/shared", strings.NewReader(v), int64(len(v))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	objs := list(t, h.store, "c/")
	if len(objs) != 65 {
		t.Fatalf("List(c/) = %d objects, want 65", len(objs))
	}
	if got := get(t, h.store, "c/shared"); !strings.HasPrefix(string(got), "shared by ") {
		t.Fatalf("shared = %q", got)
	}
}

func testCanceled(t *testing.T, h harness) {
	h.create(t, bucket)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.store.Put(ctx, bucket, "k", strings.NewReader("x"), 1); err == nil {
		t.Fatal("Put with a canceled context: no error")
	}
	if err := h.store.List(ctx, bucket, "", func(Object) error { return nil }); err == nil {
		t.Fatal("List with a canceled context: no error")
	}
	if objs := list(t, h.store, ""); len(objs) != 0 {
		t.Fatalf("canceled Put left %v", keysOf(objs))
	}
}

func testURL(t *testing.T, h harness) {
	u := h.store.URL(bucket, "a/b.gz")
	p, ok := h.store.LocalPath(bucket, "a/b.gz")
	if h.local {
		if !ok || p != u || !strings.HasSuffix(p, "/"+bucket+"/a/b.gz") {
			t.Fatalf("LocalPath = %q %v, URL = %q", p, ok, u)
		}
		if _, ok := h.store.LocalPath(bucket, "../other/x"); ok {
			t.Fatal("LocalPath accepts a key leaving the bucket")
		}
		if g, ok := h.store.LocalPath(bucket, "2024/*/*.parquet"); !ok || !strings.HasSuffix(g, "/2024/*/*.parquet") {
			t.Fatalf("LocalPath of a glob = %q %v", g, ok)
		}
	} else if ok || u != "s3://"+bucket+"/a/b.gz" {
		t.Fatalf("LocalPath = %q %v, URL = %q", p, ok, u)
	}
}
