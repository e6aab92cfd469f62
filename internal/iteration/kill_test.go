package iteration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
)

const killChildEnv = "RHEO_ITERATION_KILL_CHILD"

// TestBoundariesSurviveKill9 runs iterations in a child process that
// SIGKILLs itself right after Window returns, then checks in this process
// that the reopened meta store lists exactly the windows the child got.
func TestBoundariesSurviveKill9(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "meta.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBoundariesSurviveKill9$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, stderr.Bytes())
	}
	var got [][]Range
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var r []Range
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("child output: %v\n%s", err, stdout.Bytes())
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("child reported %d windows, want 2; stderr:\n%s", len(got), stderr.Bytes())
	}

	m, err := meta.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	bs, err := New(m, nil, nil).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, w := range got {
		for _, r := range w {
			if r.From == r.To {
				want = append(want, "-") // empty window
				continue
			}
			want = append(want, seqnum.Encode(r.Shard, r.From)+"-"+seqnum.Encode(r.Shard, r.To-1))
		}
	}
	if len(bs) != len(want) {
		t.Fatalf("after kill -9: %d boundaries, want %d: %+v", len(bs), len(want), bs)
	}
	for i, b := range bs {
		if b.StartSequenceNumber+"-"+b.EndSequenceNumber != want[i] {
			t.Errorf("boundary %d = %s-%s, want %s", i, b.StartSequenceNumber, b.EndSequenceNumber, want[i])
		}
	}
}

// killChild is the child side: two iterations, print them, SIGKILL.
func killChild(t *testing.T, path string) {
	m, err := meta.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, path: path, clock: &clock{t: time.Now()}, meta: m}
	e.log = newMemoryLog(e.clock)
	e.it = New(m, e.log, nil)
	st := e.createStream("s", 2)
	e.put(st, 0, 3)
	e.put(st, 1, 1)
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(e.window("job", 0, st))
	e.put(st, 0, 2)
	_ = enc.Encode(e.window("job", 1, st))
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(10 * time.Second) // not reached
}
