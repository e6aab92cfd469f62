package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBodyTimeout: a client that sends headers and then stalls in its body
// is cut off after the body timeout (found with a raw socket: the
// connection stayed open for good, before any signature check), while a
// request whose body has arrived may run past the timeout without its
// context being cancelled (SubscribeToShard, slow SQL).
func TestBodyTimeout(t *testing.T) {
	const d = 200 * time.Millisecond
	srv := httptest.NewUnstartedServer(limitBodyTime(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		select {
		case <-time.After(3 * d):
		case <-r.Context().Done():
			http.Error(w, "cancelled", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "read %d", len(b))
	}), d))
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	defer srv.Close()

	// A stalled body: the server closes the connection.
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(c)
	if err != nil {
		t.Fatalf("stalled body: connection still open after %v: %v", time.Since(start), err)
	}

	// A whole body, then a handler longer than the timeout, twice on one
	// keep-alive connection.
	c2, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	br := bufio.NewReader(c2)
	for i := range 2 {
		if _, err := io.WriteString(c2, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "read 5") {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, b)
		}
	}
}
