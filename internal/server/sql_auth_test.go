package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSQLHTTPNeedsSignatureWhenAuthIsOn: with SigV4 auth configured, POST
// /v1/sql is refused unsigned or with a wrong secret, and runs when signed
// by an allowed key.
func TestSQLHTTPNeedsSignatureWhenAuthIsOn(t *testing.T) {
	cfg := testConfig(t)
	cfg.AccessKeyID, cfg.SecretAccessKey = "AKIDSQL", "sql-secret"
	s := startTest(t, cfg)
	post := func(akid, secret string) (int, map[string]any) {
		t.Helper()
		raw := []byte(`{"sql":"SELECT 41 + 1 AS answer"}`)
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/sql", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if akid != "" {
			sum := sha256.Sum256(raw)
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
				req, hex.EncodeToString(sum[:]), "rheo", "us-east-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, tc := range []struct {
		name, akid, secret, code string
	}{
		{"unsigned", "", "", "28000"},
		{"unknown key", "AKIDOTHER", "x", "28000"},
		{"wrong secret", "AKIDSQL", "nope", "28000"},
	} {
		status, out := post(tc.akid, tc.secret)
		e, _ := out["error"].(map[string]any)
		if status != http.StatusForbidden || e == nil || e["code"] != tc.code {
			t.Errorf("%s: status %d body %v, want 403 with SQLSTATE %s", tc.name, status, out, tc.code)
		}
	}
	status, out := post("AKIDSQL", "sql-secret")
	if status != http.StatusOK {
		t.Fatalf("signed: status %d body %v", status, out)
	}
	if b, _ := json.Marshal(out); !bytes.Contains(b, []byte("42")) {
		t.Fatalf("signed: %s", b)
	}
}
