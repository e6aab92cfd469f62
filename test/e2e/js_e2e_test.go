package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestFanoutJS runs js/fanout.test.mjs (enhanced fan-out with the AWS SDK
// for JavaScript v3: SubscribeToShard over h2c with the client's default
// NodeHttp2Handler and an explicit one, and over HTTP/1.1 with
// NodeHttpHandler) against the built binary. It needs node and the
// packages of js/package-lock.json, installed by `npm ci` in test/e2e/js.
func TestFanoutJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed (the JS SDK v3 fan-out test needs Node.js 20 or later):", err)
	}
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		t.Skipf("%s/node_modules missing: run npm ci in test/e2e/js (%v)", dir, err)
	}
	p := startRheo(t)

	// The scenario bounds each test at 30 s; this bounds node itself, so a
	// hung event stream cannot hold the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=tap", "fanout.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "RHEO_ENDPOINT="+p.endpoint())
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("node --test fanout.test.mjs:\n%s", out)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("node --test fanout.test.mjs did not finish within 2m: %v", err)
		}
		t.Fatalf("node --test fanout.test.mjs failed: %v", err)
	}
	// Exit 0 with every test skipped (say, RHEO_ENDPOINT not reaching the
	// script) would pass silently: require passes and no skips.
	pass := regexp.MustCompile(`(?m)^# pass (\d+)$`).FindSubmatch(out)
	skipped := regexp.MustCompile(`(?m)^# skipped (\d+)$`).FindSubmatch(out)
	if pass == nil || string(pass[1]) == "0" || skipped == nil || string(skipped[1]) != "0" {
		t.Fatalf("node --test fanout.test.mjs ran no test or skipped some (see its output above)")
	}
}
