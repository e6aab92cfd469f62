package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// defaultHTTPMaxStarting is Config.HTTPMaxStarting's default. Higher than
// the Postgres endpoint's: SDKs open many connections at once in a burst
// (one per goroutine of a load test), and a refused one costs them a
// retry.
const defaultHTTPMaxStarting = 1024

// startCap bounds the HTTP connections that have not yet had a request
// reach the handler: those in the TLS handshake, the first request's
// headers (ReadHeaderTimeout), or an HTTP/2 preface with no stream yet.
// Beyond the bound, Accept closes new connections at once. A global
// connection limit (netutil.LimitListener) would be wrong here:
// SubscribeToShard streams and pooled keep-alive connections live for
// minutes, and legitimate clients could be starved by them. A connection
// leaves the count at its first request (or its close), so those never
// count; only silent or slow openers do, and they are what a flood is.
type startCap struct {
	net.Listener
	max    int
	logger *slog.Logger

	mu        sync.Mutex
	starting  int
	refusedAt time.Time // when a refusal was last logged at Warn
}

// newStartCap wraps ln; max <= 0 means no bound (but still counts).
func newStartCap(ln net.Listener, max int, logger *slog.Logger) *startCap {
	return &startCap{Listener: ln, max: max, logger: logger}
}

// Accept returns the next connection, closing those beyond the bound.
func (l *startCap) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.max > 0 && l.starting >= l.max {
			lvl := slog.LevelDebug
			if now := time.Now(); now.Sub(l.refusedAt) >= time.Minute {
				lvl, l.refusedAt = slog.LevelWarn, now
			}
			l.mu.Unlock()
			l.logger.Log(context.Background(), lvl, "too many HTTP connections without a first request; closed a new one",
				"remote", c.RemoteAddr().String(), "max", l.max)
			_ = c.Close()
			continue
		}
		l.starting++
		l.mu.Unlock()
		return &startingConn{Conn: c, cap: l}, nil
	}
}

// inStart is how many connections count against the bound.
func (l *startCap) inStart() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.starting
}

// startingConn is a connection that counts against its startCap until its
// first request or its close.
type startingConn struct {
	net.Conn
	cap  *startCap
	done atomic.Bool
}

// started takes c out of the count, once.
func (c *startingConn) started() {
	if c.done.CompareAndSwap(false, true) {
		c.cap.mu.Lock()
		c.cap.starting--
		c.cap.mu.Unlock()
	}
}

// Close releases c's place in the count and closes it.
func (c *startingConn) Close() error {
	c.started()
	return c.Conn.Close()
}

// startingConnKey is the context key of a request's *startingConn.
type startingConnKey struct{}

// startCapConnContext is http.Server.ConnContext: it gives the requests of
// c a way back to their *startingConn (through TLS, which wraps it).
func startCapConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = tc.NetConn()
	}
	if sc, ok := c.(*startingConn); ok {
		return context.WithValue(ctx, startingConnKey{}, sc)
	}
	return ctx
}

// releaseStarted takes a request's connection out of the start-up count
// as the request reaches the handler.
func releaseStarted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sc, ok := r.Context().Value(startingConnKey{}).(*startingConn); ok && !sc.done.Load() {
			sc.started()
		}
		h.ServeHTTP(w, r)
	})
}
