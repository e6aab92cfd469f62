package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/cli"
	"github.com/rheo-dev/rheo/internal/server"
)

// startServer runs a real server on a random port over dir.
func startServer(t *testing.T, dir string) *server.Server {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	cfg.PGListen = ""
	cfg.StateDelay = 50 * time.Millisecond
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rheo runs a client subcommand against url, the way the binary would.
func rheo(t *testing.T, url string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	var out, errOut bytes.Buffer
	root := cli.NewRootCommand()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	root.SetIn(stdin)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append(args, "--endpoint", url))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func mustRheo(t *testing.T, url string, stdin io.Reader, args ...string) string {
	t.Helper()
	out, errOut, err := rheo(t, url, stdin, args...)
	if err != nil {
		t.Fatalf("rheo %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestE2EStreamsPutTail(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "data"))
	url := s.URL()

	mustRheo(t, url, nil, "streams", "create", "demo", "--shards", "2", "--wait")
	if _, _, err := rheo(t, url, nil, "streams", "create", "demo"); err == nil || !strings.Contains(err.Error(), "ResourceInUse") {
		t.Errorf("create of an existing stream: err = %v", err)
	}
	if out := mustRheo(t, url, nil, "streams", "list"); strings.TrimSpace(out) != "demo" {
		t.Errorf("streams list = %q", out)
	}
	desc := mustRheo(t, url, nil, "streams", "describe", "demo")
	for _, want := range []string{"ACTIVE", "shardId-000000000000", "shardId-000000000001", "arn:aws:kinesis:"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe lacks %q:\n%s", want, desc)
		}
	}

	const n = 1200
	var in strings.Builder
	var want []string
	for i := range n {
		line := fmt.Sprintf(`{"user":"u%d","i":%d}`, i%13, i)
		want = append(want, line)
		in.WriteString(line + "\n")
	}
	_, putErr, err := rheo(t, url, strings.NewReader(in.String()), "put", "--stream", "demo", "--partition-key-field", "user")
	if err != nil {
		t.Fatalf("put: %v\n%s", err, putErr)
	}
	if !strings.Contains(putErr, fmt.Sprintf("%d records", n)) || !strings.Contains(putErr, "0 failed") {
		t.Errorf("put summary: %s", putErr)
	}

	out := mustRheo(t, url, nil, "tail", "--stream", "demo", "--from", "trim-horizon", "--follow=false")
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tail returned %d lines, want the %d put", len(got), len(want))
	}
	// Order per partition key is kept.
	out = mustRheo(t, url, nil, "tail", "--stream", "demo", "--from", "trim-horizon", "--follow=false", "--json")
	last := map[string]float64{}
	lines := 0
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var rec struct {
			ShardID, SequenceNumber, PartitionKey, ArrivalTime string
			Data                                               struct {
				User string
				I    float64
			}
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("tail --json line %q: %v", l, err)
		}
		if rec.PartitionKey != rec.Data.User || rec.ShardID == "" || len(rec.SequenceNumber) < 20 {
			t.Fatalf("bad record %s", l)
		}
		if _, err := time.Parse(time.RFC3339, rec.ArrivalTime); err != nil {
			t.Fatalf("arrival time %q: %v", rec.ArrivalTime, err)
		}
		if p, ok := last[rec.PartitionKey]; ok && p > rec.Data.I {
			t.Fatalf("key %s: %v after %v", rec.PartitionKey, rec.Data.I, p)
		}
		last[rec.PartitionKey] = rec.Data.I
		lines++
	}
	if lines != n {
		t.Errorf("tail --json printed %d records, want %d", lines, n)
	}

	// --from latest sees only records put after it started.
	done := make(chan string)
	go func() {
		out, errOut, err := rheo(t, url, nil, "tail", "--stream", "demo", "--max", "3")
		if err != nil {
			t.Errorf("tail --max: %v\n%s", err, errOut)
		}
		done <- out
	}()
	time.Sleep(300 * time.Millisecond)
	mustRheo(t, url, strings.NewReader("new1\nnew2\nnew3\nnew4\n"), "put", "--stream", "demo", "--partition-key", "k")
	select {
	case out := <-done:
		if out != "new1\nnew2\nnew3\n" {
			t.Errorf("tail --from latest --max 3 = %q", out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("tail --max 3 did not finish")
	}

	if _, errOut, err := rheo(t, url, strings.NewReader("x\n"), "put", "--stream", "nope"); err == nil {
		t.Errorf("put to a missing stream succeeded: %s", errOut)
	}
	mustRheo(t, url, nil, "streams", "delete", "demo", "--wait")
	if out := mustRheo(t, url, nil, "streams", "list"); strings.TrimSpace(out) != "" {
		t.Errorf("streams list after delete = %q", out)
	}
}

func TestE2ERestartKeepsRecords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dir)
	mustRheo(t, s.URL(), nil, "streams", "create", "keep", "--shards", "3", "--wait")
	var in strings.Builder
	for i := range 500 {
		fmt.Fprintf(&in, "rec-%03d\n", i)
	}
	mustRheo(t, s.URL(), strings.NewReader(in.String()), "put", "--stream", "keep")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = startServer(t, dir)
	out := mustRheo(t, s.URL(), nil, "tail", "--stream", "keep", "--from", "trim-horizon", "--follow=false")
	got := strings.Split(strings.TrimSpace(out), "\n")
	slices.Sort(got)
	wantLines := strings.Split(strings.TrimSpace(in.String()), "\n")
	if !slices.Equal(got, wantLines) {
		t.Fatalf("after restart tail returned %d records, want %d", len(got), len(wantLines))
	}
}
