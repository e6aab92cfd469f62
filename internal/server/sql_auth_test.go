package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/testcert"

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

// TestPostgresNeedsPasswordWhenAuthIsOn: with auth configured, Postgres
// clients log in as access key id / secret access key (SCRAM-SHA-256),
// and only keys allowed rheo:ExecuteSQL get a session. psql is the client.
func TestPostgresNeedsPasswordWhenAuthIsOn(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	creds := filepath.Join(t.TempDir(), "credentials.json")
	if err := os.WriteFile(creds, []byte(`{"users": [
		{"name": "admin", "accessKeyId": "AKIDADMIN", "secretAccessKey": "admin-secret", "allow": [{"actions": ["*"]}]},
		{"name": "analyst", "accessKeyId": "AKIDANALYST", "secretAccessKey": "analyst-secret",
		 "allow": [{"actions": ["kinesis:Get*", "kinesis:Describe*"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.CredentialsFile = creds
	cfg.PGListen = "127.0.0.1:0"
	s := startTest(t, cfg)
	host, port, _ := net.SplitHostPort(s.PGAddr().String())
	psql := func(user, pw string) (string, error) {
		cmd := exec.Command("psql", "-h", host, "-p", port, "-U", user, "-d", "rheo", "-w", "-XAtc", "SELECT 41 + 1")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := psql("AKIDADMIN", "admin-secret"); err != nil || out != "42" {
		t.Fatalf("admin: %v: %s", err, out)
	}
	for _, tc := range []struct{ user, pw, want string }{
		{"AKIDADMIN", "wrong", `password authentication failed for user "AKIDADMIN"`},
		{"AKIDADMIN", "", "no password supplied"}, // psql's words: the server asked for one
		{"AKIDNOBODY", "admin-secret", `password authentication failed for user "AKIDNOBODY"`},
		{"AKIDANALYST", "analyst-secret", "User: arn:aws:iam::000000000000:user/analyst is not authorized to perform: rheo:ExecuteSQL"},
	} {
		out, err := psql(tc.user, tc.pw)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s / %q: %v: %s; want %q", tc.user, tc.pw, err, out, tc.want)
		}
	}
}

// TestPostgresTLS: with --tls-cert/--tls-key the Postgres endpoint serves
// TLS with the same certificate to clients that ask (psql with
// sslmode=verify-full checks it against the certificate as its root), and
// still serves clients that do not ask.
func TestPostgresTLS(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	cert := testcert.New(t, t.TempDir())
	cfg := testConfig(t)
	cfg.TLSCert, cfg.TLSKey = cert.CertFile, cert.KeyFile
	cfg.AccessKeyID, cfg.SecretAccessKey = "AKIDTLS", "tls-secret"
	cfg.PGListen = "127.0.0.1:0"
	s := startTest(t, cfg)
	host, port, _ := net.SplitHostPort(s.PGAddr().String())
	psql := func(host, port, mode string) (string, error) {
		cmd := exec.Command("psql", "host="+host+" port="+port+" user=AKIDTLS dbname=rheo sslmode="+mode, "-w", "-XAtc", "SELECT 41 + 1")
		cmd.Env = append(os.Environ(), "PGPASSWORD=tls-secret", "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, mode := range []string{"verify-full sslrootcert=" + cert.CertFile, "disable"} {
		if out, err := psql(host, port, mode); err != nil || out != "42" {
			t.Errorf("psql sslmode=%s: %v\n%s", mode, err, out)
		}
	}
	// --pg-require-tls refuses the plain-text client.
	cfg = testConfig(t)
	cfg.TLSCert, cfg.TLSKey = cert.CertFile, cert.KeyFile
	cfg.AccessKeyID, cfg.SecretAccessKey = "AKIDTLS", "tls-secret"
	cfg.PGListen, cfg.PGRequireTLS = "127.0.0.1:0", true
	strict := startTest(t, cfg)
	host, port, _ = net.SplitHostPort(strict.PGAddr().String())
	if out, err := psql(host, port, "disable"); err == nil || !strings.Contains(out, "requires TLS") {
		t.Errorf("plain psql against --pg-require-tls: %v\n%s", err, out)
	}
	if out, err := psql(host, port, "require"); err != nil || out != "42" {
		t.Errorf("psql sslmode=require against --pg-require-tls: %v\n%s", err, out)
	}
	cfg.TLSCert, cfg.TLSKey = "", ""
	if err := cfg.Validate(); err == nil {
		t.Error("--pg-require-tls without a certificate accepted")
	}
}

// TestSQLFilesConfinedWhenAuthIsOn: with auth on, a key allowed
// rheo:ExecuteSQL reads and writes files in the lake only: not the
// credentials file (every other key's secret), not meta.db, not anywhere
// else by COPY ... TO. Found with psql as a user holding only
// rheo:ExecuteSQL: read_text('/etc/rheo/credentials.json') showed the
// admin's secret.
func TestSQLFilesConfinedWhenAuthIsOn(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials.json")
	if err := os.WriteFile(creds, []byte(`{"users": [
		{"name": "admin", "accessKeyId": "AKIDADMIN", "secretAccessKey": "admin-secret", "allow": [{"actions": ["*"]}]},
		{"name": "analyst", "accessKeyId": "AKIDSQL", "secretAccessKey": "sql-secret", "allow": [{"actions": ["rheo:ExecuteSQL"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.CredentialsFile = creds
	exports := filepath.Join(dir, "exports")
	if err := os.Mkdir(exports, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.SQLAllowDirs = []string{exports}
	s := startTest(t, cfg)
	post := func(sql string) (int, string) {
		t.Helper()
		raw, _ := json.Marshal(map[string]string{"sql": sql})
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/sql", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDSQL", SecretAccessKey: "sql-secret"},
			req, hex.EncodeToString(sum[:]), "rheo", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	written := filepath.Join(dir, "written.csv")
	for _, q := range []string{
		"SELECT content FROM read_text('" + creds + "')",
		"SELECT * FROM read_blob('" + filepath.Join(cfg.DataDir, "meta.db") + "')",
		"COPY (SELECT 1) TO '" + written + "'",
	} {
		status, body := post(q)
		if status == http.StatusOK || !strings.Contains(body, `"42501"`) || strings.Contains(body, "admin-secret") {
			t.Errorf("%s: status %d body %s, want SQLSTATE 42501", q, status, body)
		}
	}
	if _, err := os.Stat(written); err == nil {
		t.Error("COPY ... TO wrote outside the lake")
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if status, body := post("COPY (SELECT 42 AS n) TO '" + filepath.Join(cfg.DataDir, "lake", "n.csv") + "'"); status != http.StatusOK {
		t.Fatalf("COPY into the lake: %d %s", status, body)
	}
	if status, body := post("SELECT n FROM read_csv('" + filepath.Join(cfg.DataDir, "lake", "n.csv") + "')"); status != http.StatusOK || !strings.Contains(body, "[[42]]") {
		t.Fatalf("read from the lake: %d %s", status, body)
	}
	// --sql-allow-dir opens one more directory, and only it.
	if status, body := post("COPY (SELECT 7 AS n) TO '" + filepath.Join(exports, "n.csv") + "'"); status != http.StatusOK {
		t.Fatalf("COPY into an allowed dir: %d %s", status, body)
	}
	if status, body := post("COPY (SELECT 7 AS n) TO '" + exports + "-other.csv'"); status == http.StatusOK || !strings.Contains(body, `"42501"`) {
		t.Errorf("COPY beside the allowed dir: %d %s, want 42501", status, body)
	}
}
