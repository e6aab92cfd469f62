package lake

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLocalContract(t *testing.T) {
	runContract(t, func(t *testing.T) harness {
		l := NewLocal(filepath.Join(t.TempDir(), "lake"))
		return harness{
			name:  "local",
			store: l,
			local: true,
			create: func(t *testing.T, b string) {
				if err := l.CheckBucket(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// The layout is the documented one: <root>/<bucket>/<key>, readable by
// anyone, and Put creates the bucket directory itself.
func TestLocalLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "lake")
	l := NewLocal(root)
	if err := l.Put(context.Background(), "new-bucket", "x/2024/01/obj.json", strings.NewReader("{}"), 2); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "new-bucket", "x", "2024", "01", "obj.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("object mode %v, want 0644", st.Mode().Perm())
	}
	if got, ok := l.LocalPath("new-bucket", "x/2024/01/obj.json"); !ok || got != path {
		t.Errorf("LocalPath = %q, want %q", got, path)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the object (no temp files)", len(entries))
	}
}

// An object and a "directory" of keys cannot share a name in a file system;
// the second Put fails cleanly and leaves the first intact.
func TestLocalFileDirConflict(t *testing.T) {
	l := NewLocal(t.TempDir())
	ctx := context.Background()
	if err := l.Put(ctx, bucket, "a/b", strings.NewReader("file"), 4); err != nil {
		t.Fatal(err)
	}
	if err := l.Put(ctx, bucket, "a/b/c", strings.NewReader("x"), 1); err == nil {
		t.Fatal("Put under an object: no error")
	}
	if err := l.Put(ctx, bucket, "a", strings.NewReader("x"), 1); err == nil {
		t.Fatal("Put over a directory: no error")
	}
	if err := l.Delete(ctx, bucket, "a"); err != nil {
		t.Fatalf("Delete of a directory key: %v", err)
	}
	if got := get(t, l, "a/b"); string(got) != "file" {
		t.Fatalf("a/b = %q", got)
	}
}

// Stale temp files (from a crash) are hidden from List and removed once per
// bucket by the next process; temp files of this process are left alone.
func TestLocalCleanup(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, bucket, "2024", "01")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, tmpPrefix+"123")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), []byte("ok"), 0o644); err != nil {
		t.Fatal(err)
	}

	l := NewLocal(root)
	if got := keysOf(list(t, l, "")); len(got) != 1 || got[0] != "2024/01/done" {
		t.Fatalf("List = %q, want only the finished object", got)
	}
	fresh := filepath.Join(dir, tmpPrefix+"456") // as if a Put of this Local were writing it
	if err := os.WriteFile(fresh, []byte("in progress"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.inflight[fresh] = true
	if err := l.CheckBucket(context.Background(), bucket); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("temp file of this process removed: %v", err)
	}
}

// A directory removed behind the lake's back (an operator cleaning up) does
// not break later Puts that remember it as created.
func TestLocalDirRemovedBehindBack(t *testing.T) {
	root := t.TempDir()
	l := NewLocal(root)
	put(t, l, "p/q/one", []byte("1"))
	if err := os.RemoveAll(filepath.Join(root, bucket, "p")); err != nil {
		t.Fatal(err)
	}
	put(t, l, "p/q/two", []byte("2"))
	if got := get(t, l, "p/q/two"); string(got) != "2" {
		t.Fatalf("got %q", got)
	}
}

const crashEnv = "RHEO_LAKE_CRASH_DIR"

// TestLocalCrash kills a process that Puts objects in a loop with SIGKILL
// at a random moment, then checks that every object it acknowledged is
// there and complete and that List shows no partial object. Each object's
// content is a function of its key, so completeness is checkable.
func TestLocalCrash(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for round := range 10 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestLocalCrash$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		var acked []string
		killAt := 20 + round*15
		for sc.Scan() {
			line := sc.Text()
			if k, ok := strings.CutPrefix(line, "ACK "); ok {
				acked = append(acked, k)
			}
			if len(acked) == killAt {
				cmd.Process.Kill() // SIGKILL on unix
				break
			}
		}
		cmd.Wait()
		if len(acked) < killAt {
			t.Fatalf("round %d: child acknowledged only %d objects before it ended", round, len(acked))
		}
		checkCrashDir(t, dir, acked)
	}
}

func crashContent(key string) []byte {
	n, _ := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
	size := 1 + (n*7919)%200000
	return bytes.Repeat([]byte(key+"|"), size/(len(key)+1)+1)[:size]
}

func crashChild(dir string) {
	l := NewLocal(dir)
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		key := fmt.Sprintf("h/%02d/obj-%d", i%5, i)
		data := crashContent(key)
		if err := l.Put(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data))); err != nil {
			fmt.Fprintln(os.Stderr, "put:", err)
			os.Exit(2)
		}
		// Acknowledge only after Put returned, as the delivery engine does.
		fmt.Fprintf(w, "ACK %s\n", key)
		w.Flush()
	}
}

func checkCrashDir(t *testing.T, dir string, acked []string) {
	t.Helper()
	l := NewLocal(dir)
	for _, k := range acked {
		if got := get(t, l, k); !bytes.Equal(got, crashContent(k)) {
			t.Fatalf("acknowledged %s: %d bytes, want %d", k, len(got), len(crashContent(k)))
		}
	}
	listed := 0
	for _, o := range list(t, l, "") {
		listed++
		if want := crashContent(o.Key); o.Size != int64(len(want)) || !bytes.Equal(get(t, l, o.Key), want) {
			t.Fatalf("listed %s is partial: %d bytes, want %d", o.Key, o.Size, len(want))
		}
	}
	if listed < len(acked) {
		t.Fatalf("List shows %d objects, %d were acknowledged", listed, len(acked))
	}
	// A new process's cleanup leaves no temp file behind.
	if err := l.CheckBucket(context.Background(), bucket); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), tmpPrefix) {
			t.Errorf("temp file left after cleanup: %s", p)
		}
		return nil
	})
}

// cancelingReader cancels its context after the first read.
type cancelingReader struct {
	cancel context.CancelFunc
	n      int
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	c.n++
	if c.n > 1 {
		c.cancel()
	}
	return copy(p, "0123456789"), nil // endless
}

// A Put whose context ends mid-body fails, leaves the previous object and
// no temp file behind.
func TestLocalPutCanceledMidBody(t *testing.T) {
	root := t.TempDir()
	l := NewLocal(root)
	put(t, l, "k", []byte("before"))
	ctx, cancel := context.WithCancel(context.Background())
	err := l.Put(ctx, bucket, "k", &cancelingReader{cancel: cancel}, -1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if got := get(t, l, "k"); string(got) != "before" {
		t.Fatalf("k = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(root, bucket))
	if len(entries) != 1 {
		t.Fatalf("bucket holds %d entries, want just k", len(entries))
	}
}

// TestLocalDurableDirsBounded checks that the set of directories a Local
// remembers as durable stays bounded: object keys carry the hour and
// partition values, so a long-running server creates directories forever.
func TestLocalDurableDirsBounded(t *testing.T) {
	l := NewLocal(filepath.Join(t.TempDir(), "lake"))
	l.maxDirs = 16
	ctx := context.Background()
	for i := 0; i < 40; i++ {
		key := fmt.Sprintf("region=r%d/2026/obj", i)
		if err := l.Put(ctx, "bucket", key, strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
	}
	l.mu.Lock()
	n := len(l.durable)
	l.mu.Unlock()
	if n > l.maxDirs {
		t.Fatalf("%d directories remembered, bound %d", n, l.maxDirs)
	}
	// Objects put after the set was cleared are still written and listed.
	var count int
	if err := l.List(ctx, "bucket", "region=r39/", func(Object) error { count++; return nil }); err != nil || count != 1 {
		t.Fatalf("list after the clear: %d objects, %v", count, err)
	}
}
