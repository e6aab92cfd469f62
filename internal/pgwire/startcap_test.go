package pgwire

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startingConns is how many connections s counts as in start-up.
func startingConns(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starting
}

// waitStarting waits until s counts n connections in start-up.
func waitStarting(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for startingConns(s) != n {
		if time.Now().After(deadline) {
			t.Fatalf("connections in start-up = %d, want %d", startingConns(s), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A flood of connections that never send their start-up packet is capped
// at Config.MaxStarting: the next one is closed at once, connections past
// start-up do not count, and normal clients get in again once the flood
// is gone.
func TestMaxStartingRefusesSilentFlood(t *testing.T) {
	const max = 4
	srv, err := NewServer(Config{Backend: &fakeBackend{}, Split: splitSemicolons, MaxStarting: max})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})

	// A session that finished start-up holds no start-up slot.
	before := connect(t, addr, "early")
	waitStarting(t, srv, 0)

	silent := make([]net.Conn, max)
	for i := range silent {
		silent[i] = dialRaw(t, addr)
	}
	waitStarting(t, srv, max)

	extra := dialRaw(t, addr)
	_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	var b [1]byte
	var ne net.Error
	if n, err := extra.Read(b[:]); err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection beyond MaxStarting: read %d bytes, err %v; want it closed", n, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("connection beyond MaxStarting closed after %v, want at once", d)
	}

	// The session from before still works.
	ping(t, before)

	for _, nc := range silent {
		nc.Close()
	}
	waitStarting(t, srv, 0)
	after := connect(t, addr, "late")
	ping(t, after)
	waitStarting(t, srv, 0)
}

// ping runs a query on c and checks it ends at ReadyForQuery.
func ping(t *testing.T, c *client) {
	t.Helper()
	c.send(&pgproto3.Query{String: "select 1"})
	if got := c.until(0); got[len(got)-1] != "Ready(I)" {
		t.Fatalf("select 1: %v", got)
	}
}
