package e2e

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuthBoto3 starts the built binary with RHEO_ACCESS_KEY_ID and
// RHEO_SECRET_ACCESS_KEY set and runs auth_boto3.py against it: signed
// calls work, and a wrong secret, an unknown key, an unsigned request and
// a skewed clock each fail with AWS's code and message.
func TestAuthBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed:", err)
	}
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not importable: %v\n%s", err, out)
	}
	script, err := filepath.Abs("auth_boto3.py")
	if err != nil {
		t.Fatal(err)
	}
	const key, secret = "AKIDE2EAUTH", "e2e-auth-secret"
	t.Setenv("RHEO_ACCESS_KEY_ID", key)
	t.Setenv("RHEO_SECRET_ACCESS_KEY", secret)
	p := startRheo(t)

	// With auth on, an unsigned request must be refused before anything else.
	req, _ := http.NewRequest(http.MethodPost, p.endpoint(), strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("unsigned ListStreams succeeded with RHEO_ACCESS_KEY_ID/RHEO_SECRET_ACCESS_KEY set")
	}

	out, err := exec.Command("python3", script, p.endpoint(), key, secret).CombinedOutput()
	t.Logf("auth_boto3.py:\n%s", out)
	if err != nil {
		t.Fatalf("auth_boto3.py failed: %v", err)
	}
}
