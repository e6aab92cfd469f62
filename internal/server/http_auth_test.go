package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// startWithUsers starts a server whose credentials file has an admin, a
// console viewer, a metrics scraper and a key allowed neither.
func startWithUsers(t *testing.T) *Server {
	t.Helper()
	creds := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(creds, []byte(`{"users": [
		{"name": "admin", "accessKeyId": "AKIDADMIN", "secretAccessKey": "admin-secret", "allow": [{"actions": ["*"]}]},
		{"name": "viewer", "accessKeyId": "AKIDVIEWER", "secretAccessKey": "viewer-secret", "allow": [{"actions": ["rheo:ViewConsole"]}]},
		{"name": "scraper", "accessKeyId": "AKIDSCRAPER", "secretAccessKey": "scraper-secret", "allow": [{"actions": ["rheo:GetMetrics"]}]},
		{"name": "producer", "accessKeyId": "AKIDPRODUCER", "secretAccessKey": "producer-secret", "allow": [{"actions": ["kinesis:Put*"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.CredentialsFile = creds
	return startTest(t, cfg)
}

// authGet GETs path, with HTTP Basic credentials (basic) or SigV4-signed
// for service "rheo" (as the console page signs) when akid is set, and
// returns the status, headers and body.
func authGet(t *testing.T, s *Server, path, akid, secret string, basic bool) (int, http.Header, string) {
	t.Helper()
	return send(t, s, http.MethodGet, path, "", nil, "", func(req *http.Request) {
		switch {
		case akid != "" && basic:
			req.SetBasicAuth(akid, secret)
		case akid != "":
			sum := sha256.Sum256(nil)
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
				req, hex.EncodeToString(sum[:]), "rheo", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestConsoleNeedsSignatureWhenAuthIsOn: with auth on, the console's page
// and its "info" stay open (the page must learn that it has to sign in),
// its other JSON endpoints need a SigV4 signature and rheo:ViewConsole, and
// "whoami" names any validly signed caller.
func TestConsoleNeedsSignatureWhenAuthIsOn(t *testing.T) {
	s := startWithUsers(t)
	if status, _, body := authGet(t, s, "/", "", "", false); status != http.StatusOK || !strings.Contains(body, "<script") {
		t.Fatalf("page: %d %.80s", status, body)
	}
	if status, _, body := authGet(t, s, "/console/api/info", "", "", false); status != http.StatusOK || !strings.Contains(body, `"authRequired":true`) {
		t.Fatalf("info: %d %s", status, body)
	}
	for _, tc := range []struct {
		name, path, akid, secret string
		status                   int
		code, msg                string
	}{
		{"unsigned", "/console/api/series", "", "", 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"wrong secret", "/console/api/deliveries", "AKIDADMIN", "nope", 403, "InvalidSignatureException", "The request signature we calculated does not match"},
		{"unknown key", "/console/api/lag", "AKIDNOBODY", "x", 403, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"not allowed", "/console/api/iterations", "AKIDPRODUCER", "producer-secret", 403, "AccessDeniedException",
			"User: arn:aws:iam::000000000000:user/producer is not authorized to perform: rheo:ViewConsole"},
		{"admin", "/console/api/series", "AKIDADMIN", "admin-secret", 200, "", ""},
		{"viewer", "/console/api/deliveries", "AKIDVIEWER", "viewer-secret", 200, "", ""},
		{"whoami needs no permission", "/console/api/whoami", "AKIDPRODUCER", "producer-secret", 200, "", ""},
	} {
		status, _, body := authGet(t, s, tc.path, tc.akid, tc.secret, false)
		var out map[string]any
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Errorf("%s: %d not JSON: %s", tc.name, status, body)
			continue
		}
		msg, _ := out["error"].(string)
		if status != tc.status || (tc.code != "" && (out["code"] != tc.code || !strings.HasPrefix(msg, tc.msg))) {
			t.Errorf("%s: %d %s; want %d %s %q", tc.name, status, body, tc.status, tc.code, tc.msg)
		}
	}
	_, _, body := authGet(t, s, "/console/api/whoami", "AKIDVIEWER", "viewer-secret", false)
	if !strings.Contains(body, `"identity":"arn:aws:iam::000000000000:user/viewer"`) {
		t.Errorf("whoami: %s", body)
	}
}

// TestMetricsNeedCredentialsWhenAuthIsOn: with auth on, /metrics wants
// HTTP Basic (access key id / secret, as Prometheus's basic_auth sends) or
// SigV4, from a key allowed rheo:GetMetrics; /health stays open.
func TestMetricsNeedCredentialsWhenAuthIsOn(t *testing.T) {
	s := startWithUsers(t)
	if status, _, _ := authGet(t, s, "/health", "", "", false); status != http.StatusOK {
		t.Fatalf("health: %d", status)
	}
	for _, tc := range []struct {
		name, akid, secret string
		basic              bool
		status             int
		want               string
	}{
		{"no credentials", "", "", false, 401, "Authentication is on"},
		{"wrong secret", "AKIDSCRAPER", "nope", true, 401, "The access key id or secret access key is wrong."},
		{"unknown key", "AKIDNOBODY", "scraper-secret", true, 401, "The access key id or secret access key is wrong."},
		{"bad signature", "AKIDSCRAPER", "nope", false, 401, "InvalidSignatureException"},
		{"not allowed", "AKIDVIEWER", "viewer-secret", true, 403, "User: arn:aws:iam::000000000000:user/viewer is not authorized to perform: rheo:GetMetrics"},
		{"basic", "AKIDSCRAPER", "scraper-secret", true, 200, "rheo_storage_fsync_seconds"},
		{"sigv4", "AKIDADMIN", "admin-secret", false, 200, "rheo_storage_fsync_seconds"},
	} {
		status, h, body := authGet(t, s, "/metrics", tc.akid, tc.secret, tc.basic)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %.200s; want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
		if status == 401 && h.Get("WWW-Authenticate") != `Basic realm="rheo", charset="UTF-8"` {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, h.Get("WWW-Authenticate"))
		}
	}
}
