package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/dirlock"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Listen = "127.0.0.1:0"
	cfg.PGListen = ""
	cfg.StateDelay = 0
	return cfg
}

func startTest(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestHealthAndRestart(t *testing.T) {
	cfg := testConfig(t)
	s := startTest(t, cfg)
	resp, err := http.Get(s.URL() + "/health")
	if err != nil {
		t.Fatalf("GET /health: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /health = %d %q", resp.StatusCode, body)
	}
	if !filepath.IsAbs(s.DataDir()) {
		t.Errorf("DataDir %q is not absolute", s.DataDir())
	}
	for _, f := range []string{"LOCK", "meta.db"} {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	if _, err := http.Get(s.URL() + "/health"); err == nil {
		t.Error("server still answers after Close")
	}
	// Everything was released: the same dir opens again.
	s2 := startTest(t, cfg)
	if err := s2.Close(); err != nil {
		t.Fatalf("Close after restart: %v", err)
	}
}

func TestSecondServerOnSameDirFails(t *testing.T) {
	cfg := testConfig(t)
	startTest(t, cfg)
	start := time.Now()
	_, err := Start(context.Background(), cfg)
	if err == nil {
		t.Fatal("second Start on the same data dir succeeded")
	}
	if !errors.Is(err, dirlock.ErrLocked) {
		t.Errorf("err = %v, want dirlock.ErrLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "data") || !strings.Contains(msg, strconv.Itoa(os.Getpid())) {
		t.Errorf("error %q should name the dir and the owner pid", msg)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("second Start took %v", time.Since(start))
	}
}

func TestPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig(t)
	cfg.Listen = ln.Addr().String()
	_, err = Start(context.Background(), cfg)
	if err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
	if !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "address already in use") ||
		!strings.Contains(err.Error(), "pick another with --listen") {
		t.Errorf("unclear error: %v", err)
	}
	// The failed start released the data dir.
	l, err := dirlock.Acquire(cfg.DataDir)
	if err != nil {
		t.Fatalf("data dir still locked after failed Start: %v", err)
	}
	l.Release()
}

// TestBadListenAddress checks that a malformed --listen is reported as
// such, not as a port that may be taken.
func TestBadListenAddress(t *testing.T) {
	cfg := testConfig(t)
	cfg.Listen = "nonsense"
	s, err := Start(context.Background(), cfg)
	if err == nil {
		s.Close()
		t.Fatal("Start accepted --listen nonsense")
	}
	if !strings.Contains(err.Error(), "missing port") || strings.Contains(err.Error(), "taken") {
		t.Errorf("error for --listen nonsense: %v", err)
	}
}

func TestInvalidConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"sync":    func(c *Config) { c.Sync = "sometimes" },
		"account": func(c *Config) { c.Account = "12ab" },
		"segment": func(c *Config) { c.SegmentSize = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			mod(&cfg)
			if s, err := Start(context.Background(), cfg); err == nil {
				s.Close()
				t.Fatal("Start accepted an invalid config")
			}
		})
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	cfg := testConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	// Wait for the lock to be taken, then cancel.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "meta.db")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	l, err := dirlock.Acquire(cfg.DataDir)
	if err != nil {
		t.Fatalf("lock not released by Run: %v", err)
	}
	l.Release()
}

func TestCloseFinishesInFlightRequests(t *testing.T) {
	s := startTest(t, testConfig(t))
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{}`
	head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n" +
		"X-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	// Half a request is in flight when Close starts.
	if _, err := conn.Write([]byte(head + body[:1])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the in-flight request finished", err)
	default:
	}
	if _, err := conn.Write([]byte(body[1:])); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "StreamNames") {
		t.Errorf("in-flight ListStreams = %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after the request finished")
	}
}

// The segment handle cache leaves most descriptors to everything else
// (ulimit -n 256 gave it all 256).
func TestSegmentHandles(t *testing.T) {
	for _, c := range []struct {
		limit uint64
		want  int
	}{{0, 0}, {20, 16}, {256, 64}, {1024, 256}, {1 << 20, 256}} {
		if got := segmentHandles(c.limit); got != c.want {
			t.Errorf("segmentHandles(%d) = %d, want %d", c.limit, got, c.want)
		}
	}
}

// TestWarnsWhenPostgresExposed: without auth, a Postgres endpoint that
// listens beyond loopback is as open as the API would be (SQL reads every
// stream and the server's files), so it is warned about even when the
// API itself listens on loopback only.
func TestWarnsWhenPostgresExposed(t *testing.T) {
	var buf syncBuffer
	cfg := testConfig(t)
	cfg.PGListen = "0.0.0.0:0"
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	startTest(t, cfg)
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "the Postgres endpoint listens beyond loopback") {
		t.Fatalf("no warning about the exposed Postgres endpoint; log:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A negative --s3-request-timeout is refused rather than failing every
// request to the store at once.
func TestS3RequestTimeoutValidated(t *testing.T) {
	cfg := testConfig(t)
	cfg.S3RequestTimeout = -time.Second
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "S3 request timeout") {
		t.Fatalf("Validate: %v", err)
	}
	cfg.S3RequestTimeout = 30 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
