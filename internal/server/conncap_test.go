package server

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/testcert"
)

// TestHTTPMaxStartingRefusesSilentFlood: connections that never send a
// request are capped at Config.HTTPMaxStarting (the next one is closed at
// once), while connections past their first request (a keep-alive pool,
// HTTP/2 over TLS) do not count and keep working; once the flood is gone
// new clients get in again.
func TestHTTPMaxStartingRefusesSilentFlood(t *testing.T) {
	cert := testcert.New(t, t.TempDir())
	for _, tlsOn := range []bool{false, true} {
		name := "http"
		if tlsOn {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			const max = 4
			cfg := testConfig(t)
			cfg.HTTPMaxStarting = max
			if tlsOn {
				cfg.TLSCert, cfg.TLSKey = cert.CertFile, cert.KeyFile
			}
			s := startTest(t, cfg)
			sc := s.ln.(*startCap)
			waitStart := func(n int) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for sc.inStart() != n {
					if time.Now().After(deadline) {
						t.Fatalf("connections without a request = %d, want %d", sc.inStart(), n)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			newClient := func() *http.Client {
				tr := &http.Transport{ForceAttemptHTTP2: true, TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}
				t.Cleanup(tr.CloseIdleConnections)
				return &http.Client{Transport: tr, Timeout: 10 * time.Second}
			}
			health := func(c *http.Client) {
				t.Helper()
				resp, err := c.Get(s.URL() + "/health")
				if err != nil {
					t.Fatalf("GET /health: %v", err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /health: %s", resp.Status)
				}
				if tlsOn && resp.ProtoMajor != 2 {
					t.Fatalf("GET /health over TLS: %s, want HTTP/2", resp.Proto)
				}
			}

			// A pooled connection past its first request holds no place.
			early := newClient()
			health(early)
			waitStart(0)

			var silent []net.Conn
			for range max {
				nc, err := net.Dial("tcp", s.ln.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				silent = append(silent, nc)
			}
			waitStart(max)

			extra, err := net.Dial("tcp", s.ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer extra.Close()
			_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
			start := time.Now()
			var b [1]byte
			var ne net.Error
			if n, err := extra.Read(b[:]); err == nil || errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection beyond HTTPMaxStarting: read %d bytes, err %v; want it closed", n, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("connection beyond HTTPMaxStarting closed after %v, want at once", d)
			}

			health(early) // its pooled connection still serves
			waitStart(max)

			for _, nc := range silent {
				nc.Close()
			}
			waitStart(0)
			health(newClient())
			waitStart(0)
		})
	}
}
