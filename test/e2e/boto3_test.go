package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBoto3 runs boto3_scenario.py: phase "write" against a fresh server,
// then a graceful restart, then phase "verify" on the same data directory.
func TestBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed:", err)
	}
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not importable: %v\n%s", err, out)
	}
	script, err := filepath.Abs("boto3_scenario.py")
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	p := startRheo(t)

	run := func(phase string) {
		t.Helper()
		cmd := exec.Command("python3", script, phase, p.endpoint(), state)
		out, err := cmd.CombinedOutput()
		t.Logf("boto3_scenario.py %s:\n%s", phase, out)
		if err != nil {
			t.Fatalf("boto3_scenario.py %s failed: %v", phase, err)
		}
	}
	run("write")
	p.restartAfterTerm()
	run("verify")
}
