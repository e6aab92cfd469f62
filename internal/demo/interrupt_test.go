package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunInterruptedDuringSetup: Ctrl+C while the demo is still setting
// up is a clean stop (no error, nothing left running, the temporary data
// dir gone), at any moment of the set-up.
func TestRunInterruptedDuringSetup(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, after := range []time.Duration{0, 50 * time.Millisecond, 300 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		opts := DefaultOptions()
		opts.Rate = 100
		var out bytes.Buffer
		opts.Out = &out
		go func() {
			time.Sleep(after)
			cancel()
		}()
		done := make(chan error, 1)
		go func() { done <- Run(ctx, opts) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("interrupted after %v: %v", after, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("interrupted after %v: Run did not return", after)
		}
		cancel()
		if !strings.Contains(out.String(), "Stopped") {
			t.Errorf("interrupted after %v: output %q", after, out.String())
		}
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "rheo-demo-*"))
	for _, d := range left {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("temporary data dir left behind: %s", d)
		}
	}
}
