package shardlog

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child that appends under
// SyncAlways from several goroutines and prints every acknowledgement; the
// parent SIGKILLs it at a random moment, reopens the directory and checks
// that every acknowledged record is there, byte-exact, in order and once.
const (
	crashChildEnv = "SHARDLOG_CRASH_CHILD_DIR"
	crashIterEnv  = "SHARDLOG_CRASH_ITERS"
	// crashPreallocEnv, when set, makes the child preallocate.
	crashPreallocEnv = "SHARDLOG_CRASH_PREALLOC"
)

var crashShards = []ShardID{{Stream: 7, Shard: 0}, {Stream: 7, Shard: 1}}

func ackHash(pk, data []byte) string {
	h := sha256.New()
	h.Write(pk)
	h.Write([]byte{0})
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func crashChild(dir string) {
	// Every other child preallocates (Options.Preallocate), so kills land
	// while zeros run past the active segment's end and around rolls.
	var pre int64
	if os.Getenv(crashPreallocEnv) != "" {
		pre = 8 << 10
	}
	// Every child journals, as rheo serve does: a kill lands between
	// journal entries, checkpoints and replays at restart.
	f, err := OpenFile(Options{Dir: dir, SegmentSize: 64 << 10, Preallocate: pre, Journal: minJournal})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	for _, id := range crashShards {
		if err := f.CreateShard(id, ShardConfig{}); err != nil && !errors.Is(err, ErrShardExists) {
			fmt.Fprintln(os.Stderr, "create:", err)
			os.Exit(2)
		}
	}
	fmt.Println("ready")
	var outMu sync.Mutex
	run := os.Getpid()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(run), uint64(g)))
			for n := 0; ; n++ {
				id := crashShards[rng.IntN(len(crashShards))]
				es := make([]Entry, 1+rng.IntN(5))
				for i := range es {
					data := make([]byte, rng.IntN(300))
					for j := range data {
						data[j] = byte(rng.Uint32())
					}
					es[i] = Entry{PartitionKey: fmt.Appendf(nil, "p%d-g%d-n%d-i%d", run, g, n, i), Data: data}
				}
				r, err := f.Append(context.Background(), id, es)
				if err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(2)
				}
				var sb strings.Builder
				for i, e := range es {
					fmt.Fprintf(&sb, "A %d %d %s\n", id.Shard, r.FirstOffset+uint64(i), ackHash(e.PartitionKey, e.Data))
				}
				outMu.Lock()
				_, _ = os.Stdout.WriteString(sb.String())
				outMu.Unlock()
			}
		}(g)
	}
	wg.Wait()
}

func TestCrashKill9(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	iters := 50
	if s := os.Getenv(crashIterEnv); s != "" {
		iters, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	acked := map[uint32]map[uint64]string{0: {}, 1: {}}
	total := 0
	for it := 0; it < iters; it++ {
		cmd := newChild(t, "^TestCrashKill9$", crashChildEnv+"="+dir)
		if it%2 == 1 {
			cmd.Env = append(cmd.Env, crashPreallocEnv+"=1")
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		if l, ok := <-lines; !ok || l != "ready" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("iteration %d: child did not start (%q): %s", it, l, stderr.String())
		}
		time.AfterFunc(time.Duration(5+rng.IntN(120))*time.Millisecond, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		for l := range lines {
			var shard uint32
			var off uint64
			var h string
			if _, err := fmt.Sscanf(l, "A %d %d %s", &shard, &off, &h); err != nil || len(h) != 16 {
				continue // a line cut by the kill
			}
			if prev, dup := acked[shard][off]; dup && prev != h {
				t.Fatalf("iteration %d: offset %d of shard %d acknowledged twice with different records", it, off, shard)
			}
			acked[shard][off] = h
			total++
		}
		_ = cmd.Wait()
		if strings.Contains(stderr.String(), "append:") || strings.Contains(stderr.String(), "open:") {
			t.Fatalf("iteration %d: child failed: %s", it, stderr.String())
		}
		verifyCrashDir(t, dir, it, acked)
	}
	t.Logf("%d kills, %d acknowledged records verified", iters, total)
}

func verifyCrashDir(t *testing.T, dir string, it int, acked map[uint32]map[uint64]string) {
	t.Helper()
	f, err := OpenFile(Options{Dir: dir, SegmentSize: 64 << 10})
	if err != nil {
		t.Fatalf("iteration %d: reopen: %v", it, err)
	}
	defer f.Close()
	for _, id := range crashShards {
		recs := readAll(t, f, id, 0)
		seen := map[string]bool{}
		for i, r := range recs {
			if r.Offset != uint64(i) {
				t.Fatalf("iteration %d shard %d: record %d has offset %d", it, id.Shard, i, r.Offset)
			}
			if !strings.HasPrefix(string(r.PartitionKey), "p") || seen[string(r.PartitionKey)] {
				t.Fatalf("iteration %d shard %d: offset %d: unexpected or duplicate record %q", it, id.Shard, r.Offset, r.PartitionKey)
			}
			seen[string(r.PartitionKey)] = true
			if h, ok := acked[id.Shard][r.Offset]; ok && h != ackHash(r.PartitionKey, r.Data) {
				t.Fatalf("iteration %d shard %d: offset %d differs from the acknowledged record", it, id.Shard, r.Offset)
			}
		}
		for off := range acked[id.Shard] {
			if off >= uint64(len(recs)) {
				t.Fatalf("iteration %d shard %d: acknowledged offset %d lost (shard has %d records)", it, id.Shard, off, len(recs))
			}
		}
		// Unacknowledged records that survived are acknowledged now: the
		// next child appends after them.
		for _, r := range recs {
			acked[id.Shard][r.Offset] = ackHash(r.PartitionKey, r.Data)
		}
	}
}

// newChild prepares a re-execution of this test binary running one test
// with an extra environment variable.
func newChild(t *testing.T, run, env string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
	cmd.Env = append(os.Environ(), env)
	return cmd
}
