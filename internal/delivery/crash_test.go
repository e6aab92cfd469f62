package delivery

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// crashChildEnv names the data dir of the crash child; the run id follows
// in crashRunEnv.
const (
	crashChildEnv = "RHEO_DELIVERY_CRASH_DIR"
	crashRunEnv   = "RHEO_DELIVERY_CRASH_RUN"
)

// crashSpec is the crash test's stream: a tiny GZIP buffer so batches are
// planned, written and committed all the time.
func crashSpec() Spec {
	s := directSpec(2048, 0)
	s.Dest.Compression = compress.Gzip
	return s
}

// TestCrashChild is the child process of TestCrashAcknowledgedDelivered:
// it Puts records in a loop and prints each acknowledged batch, until it is
// killed. It does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only run as the crash test's child")
	}
	run := os.Getenv(crashRunEnv)
	ms, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	lg, err := shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(dir, "streams")})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	ctx := context.Background()
	m, err := New(ctx, Options{Meta: ms, Log: lg, Store: lake.NewLocal(filepath.Join(dir, "lake")), RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(2)
	}
	if _, ok := m.Get("b"); !ok {
		if _, err := m.Create(ctx, "b", crashSpec(), nil); err != nil {
			fmt.Println("ERR", err)
			os.Exit(2)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	for n := 0; ; n += 10 {
		recs := make([][]byte, 10)
		for i := range recs {
			recs[i] = []byte(fmt.Sprintf("%s-%07d;", run, n+i))
		}
		if _, _, err := m.Put(ctx, "b", recs); err != nil {
			fmt.Fprintln(out, "ERR", err)
			out.Flush()
			os.Exit(2)
		}
		fmt.Fprintf(out, "ACK %s %d %d\n", run, n, n+len(recs))
		out.Flush()
	}
}

func TestCrashAcknowledgedDelivered(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acked := make(map[string]bool)
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	pending := 0
	for run := 0; run < 10; run++ {
		runID := fmt.Sprintf("r%02d", run)
		cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashRunEnv+"="+runID)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let it run a random while after its first acknowledgement.
		killAt := time.Duration(20+rng.IntN(250)) * time.Millisecond
		var timer <-chan time.Time
		killed := false
		for line := range lines {
			if strings.HasPrefix(line, "ERR") {
				t.Fatalf("child: %s", line)
			}
			var id string
			var from, to int
			if _, err := fmt.Sscanf(line, "ACK %s %d %d", &id, &from, &to); err != nil {
				continue
			}
			for i := from; i < to; i++ {
				acked[fmt.Sprintf("%s-%07d;", id, i)] = true
			}
			if timer == nil {
				timer = time.After(killAt)
			}
			select {
			case <-timer:
				if !killed {
					_ = cmd.Process.Kill() // SIGKILL
					killed = true
				}
			default:
			}
		}
		_ = cmd.Wait()
		if !killed {
			t.Fatalf("run %d: child exited by itself", run)
		}
		if planPending(t, dir) {
			pending++
		}
		// Recover in this process: everything acknowledged gets delivered.
		e := newLakeEnv(t, dir, nil)
		waitFor(t, 10*time.Second, "recovery delivery", func() bool {
			st, ok := e.m.Status("b")
			return ok && st.Backlog == 0
		})
		e.close()
	}
	// Every object must decode whole (listObjects fails on a corrupt one)
	// and hold only well-formed records.
	ls := lake.NewLocal(filepath.Join(dir, "lake"))
	delivered := make(map[string]int)
	for _, o := range listObjects(t, ls, "lake", "", compress.Gzip) {
		if len(o.Data) == 0 || o.Data[len(o.Data)-1] != ';' {
			t.Fatalf("object %s holds a partial record: %q", o.Key, o.Data)
		}
		for _, r := range strings.SplitAfter(string(o.Data), ";") {
			if r != "" {
				delivered[r]++
			}
		}
	}
	missing := 0
	for r := range acked {
		if delivered[r] == 0 {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged record %s not delivered", r)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged records missing", missing, len(acked))
	}
	dups := 0
	for _, n := range delivered {
		if n > 1 {
			dups++
		}
	}
	t.Logf("%d acknowledged, %d delivered, %d delivered more than once; %d of 10 kills left a batch pending", len(acked), len(delivered), dups, pending)
	if dups > 0 {
		// A replayed batch rewrites its own objects, so even at-least-once
		// never shows here as a duplicate.
		t.Fatalf("%d records delivered twice", dups)
	}
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged")
	}
}

// planPending reports whether the crashed child left a batch plan.
func planPending(t *testing.T, dir string) bool {
	t.Helper()
	ms, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	var rec stored
	if _, err := ms.Get(metaNS, "b", &rec); err != nil {
		t.Fatal(err)
	}
	return rec.State.Plan != nil
}
