package pgwire

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/testcert"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// testTLS is a server TLS config with a fresh self-signed certificate for
// 127.0.0.1, offering the "postgresql" ALPN as rheo serve does.
func testTLS(t testing.TB) *tls.Config {
	t.Helper()
	return &tls.Config{
		Certificates: []tls.Certificate{testcert.New(t, t.TempDir()).TLS},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"postgresql"},
	}
}

// TestTLSWithPgx: with Config.TLS, sslmode=require gets a TLS session
// (SCRAM login and queries over it) and sslmode=disable still works.
func TestTLSWithPgx(t *testing.T) {
	addr := serveConfig(t, Config{Backend: &fakeBackend{}, Split: splitSemicolons, TLS: testTLS(t),
		Password: func(u string) (string, bool) { return "s3cret", u == "AKIDTLS" }})
	for _, mode := range []string{"require", "disable"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := pgx.Connect(ctx, "postgres://AKIDTLS:s3cret@"+addr+"/rheo?sslmode="+mode)
		cancel()
		if err != nil {
			t.Fatalf("sslmode=%s: %v", mode, err)
		}
		_, isTLS := conn.PgConn().Conn().(*tls.Conn)
		if isTLS != (mode == "require") {
			t.Errorf("sslmode=%s: connection is TLS: %v", mode, isTLS)
		}
		var n int64
		var v string
		if err := conn.QueryRow(context.Background(), "rows 1").Scan(&n, &v); err != nil {
			t.Errorf("sslmode=%s: query: %v", mode, err)
		}
		conn.Close(context.Background())
	}
}

// TestTLSWithPsql: psql (libpq) with sslmode=require connects when TLS is
// configured and is refused, in libpq's words, when it is not.
func TestTLSWithPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	run := func(addr string) (string, error) {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command("psql", "host="+host+" port="+port+" user=rheo dbname=rheo sslmode=require", "-w", "-XAtc", "rows 1")
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	withTLS := serveConfig(t, Config{Backend: &fakeBackend{}, Split: splitSemicolons, TLS: testTLS(t)})
	if out, err := run(withTLS); err != nil {
		t.Fatalf("psql sslmode=require against TLS: %v\n%s", err, out)
	}
	plain := serveConfig(t, Config{Backend: &fakeBackend{}, Split: splitSemicolons})
	if out, err := run(plain); err == nil || !strings.Contains(out, "server does not support SSL") {
		t.Fatalf("psql sslmode=require against no TLS: %v\n%s", err, out)
	}
}

// TestTLSPlaintextAfterSSLRequest: bytes a client sends in plain text right
// behind its SSLRequest are never read as part of the session: the server
// answers 'S', the handshake fails on them, and the connection ends.
func TestTLSPlaintextAfterSSLRequest(t *testing.T) {
	fb := &fakeBackend{}
	addr := serveConfig(t, Config{Backend: fb, Split: splitSemicolons, TLS: testTLS(t)})
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	ssl := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), 80877103)
	params := []byte("user\x00rheo\x00\x00")
	startup := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(8+len(params))), 196608)
	startup = append(startup, params...)
	if _, err := nc.Write(append(ssl, startup...)); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 1)
	if _, err := io.ReadFull(nc, reply); err != nil || reply[0] != 'S' {
		t.Fatalf("answer to SSLRequest: %q %v", reply, err)
	}
	rest, err := io.ReadAll(nc) // a TLS alert at most, then EOF
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("after the plaintext start-up: %v", err)
	}
	if strings.Contains(string(rest), "server_version") || len(fb.log()) > 0 {
		t.Fatalf("the plaintext start-up was served: %q %v", rest, fb.log())
	}
}

// TestRequireTLS: with RequireTLS a client that does not ask for TLS is
// refused with 28000 saying how to connect; one that asks is served.
func TestRequireTLS(t *testing.T) {
	if _, err := NewServer(Config{Backend: &fakeBackend{}, RequireTLS: true}); err == nil {
		t.Fatal("RequireTLS without TLS accepted")
	}
	addr := serveConfig(t, Config{Backend: &fakeBackend{}, Split: splitSemicolons, TLS: testTLS(t), RequireTLS: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := pgx.Connect(ctx, "postgres://rheo@"+addr+"/rheo?sslmode=disable")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28000" || !strings.Contains(pe.Message, "sslmode=require") {
		t.Fatalf("plain client: %v", err)
	}
	conn, err := pgx.Connect(ctx, "postgres://rheo@"+addr+"/rheo?sslmode=require")
	if err != nil {
		t.Fatalf("TLS client: %v", err)
	}
	conn.Close(ctx)
}
