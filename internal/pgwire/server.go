package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"runtime/debug"
	"sync"
	"time"
)

// DefaultServerVersion is the server_version reported to clients. Drivers
// parse it to pick features, so it names a real Postgres release.
const DefaultServerVersion = "15.0 (rheo)"

// DefaultMaxStarting is Config.MaxStarting's default: far more than
// legitimate clients have in start-up at once (it takes them
// milliseconds), far fewer than a process's file descriptor limit.
const DefaultMaxStarting = 256

// Config configures a Server. Backend is required.
type Config struct {
	// Backend opens one SQL session per connection.
	Backend Backend
	// Split cuts a simple-query string into statements; nil treats the
	// whole string as one statement.
	Split func(sql string) []string
	// Logger receives connection-level logs; nil discards them.
	Logger *slog.Logger
	// ServerVersion is reported as server_version; "" means
	// DefaultServerVersion.
	ServerVersion string
	// CheckPassword, when set, makes clients send a cleartext password
	// that it must accept; nil accepts every user without a password.
	CheckPassword func(user, password string) bool
	// Password, when set, makes clients authenticate with SCRAM-SHA-256
	// (the default of psql, libpq, pgx and JDBC), which proves knowledge
	// of the password without sending it: Password returns the user's
	// password, ok false for an unknown user (who then fails as a wrong
	// password would, at the same step, like Postgres). It takes
	// precedence over CheckPassword.
	Password func(user string) (password string, ok bool)
	// MaxMessageSize bounds one client message in bytes; 0 means 64 MiB.
	MaxMessageSize int
	// StartupTimeout bounds the start-up exchange; 0 means 30 s.
	StartupTimeout time.Duration
	// MaxStarting bounds the connections still in their start-up exchange
	// (accepted, not yet at their first ReadyForQuery); beyond it a new
	// connection is closed at once, before anything is read from it. 0
	// means DefaultMaxStarting, negative means no bound. StartupTimeout
	// alone still lets a flood of silent connections hold a file
	// descriptor each for that long.
	MaxStarting int
	// TLS, when set, answers a client's SSLRequest with 'S' and goes on
	// over TLS (what sslmode=require and prefer ask for); clients that do
	// not ask stay in plain text. nil answers 'N'. Its NextProtos should
	// offer "postgresql" (libpq 17 sends that ALPN).
	TLS *tls.Config
	// RequireTLS refuses clients that did not ask for TLS (FATAL, SQLSTATE
	// 28000) instead of serving them in plain text. It needs TLS.
	RequireTLS bool
}

// Server accepts Postgres wire connections and serves them from Backend.
type Server struct {
	cfg    Config
	logger *slog.Logger
	ctx    context.Context // cancelled by Close; parent of every connection
	stop   context.CancelFunc

	mu        sync.Mutex // guards the fields below and wg.Add
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[uint32]*conn // by process id, for CancelRequest
	nextPID   uint32
	starting  int            // connections in start-up (Config.MaxStarting)
	refusedAt time.Time      // when a refusal was last logged at Warn
	wg        sync.WaitGroup // Serve loops and connection goroutines

	scram *scramState // SCRAM-SHA-256 salt and derived keys (Config.Password)
}

// NewServer checks cfg and returns a server that is not yet listening.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("pgwire: Config.Backend is nil")
	}
	if cfg.RequireTLS && cfg.TLS == nil {
		return nil, errors.New("pgwire: Config.RequireTLS needs Config.TLS")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = 64 << 20
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = 30 * time.Second
	}
	if cfg.MaxStarting == 0 {
		cfg.MaxStarting = DefaultMaxStarting
	}
	ctx, stop := context.WithCancel(context.Background())
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	sc, err := newSCRAMState()
	if err != nil {
		stop()
		return nil, err
	}
	return &Server{
		scram:     sc,
		cfg:       cfg,
		logger:    cfg.Logger,
		ctx:       ctx,
		stop:      stop,
		listeners: map[net.Listener]struct{}{},
		conns:     map[uint32]*conn{},
		// Process ids start at a random small number so two servers'
		// ids rarely collide in a client's logs.
		nextPID: 1000 + binary.BigEndian.Uint32(seed[:])%100000,
	}, nil
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Serve accepts connections on ln until Close, then returns
// ErrServerClosed. It closes ln on return.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logger.Warn("pgwire: accept failed; retrying", "err", err, "in", backoff)
				select {
				case <-time.After(backoff):
				case <-s.ctx.Done():
					return ErrServerClosed
				}
				continue
			}
			return fmt.Errorf("pgwire: accept: %w", err)
		}
		backoff = 0
		started, closed := s.startConn(nc)
		if closed {
			nc.Close()
			return ErrServerClosed
		}
		if !started {
			nc.Close()
		}
	}
}

// startConn registers nc and runs it in its own goroutine. started is
// false when Config.MaxStarting connections are already in start-up (the
// caller closes nc then); closed is true once the server is closed.
func (s *Server) startConn(nc net.Conn) (started, closed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, true
	}
	if s.cfg.MaxStarting > 0 && s.starting >= s.cfg.MaxStarting {
		// Closed before reading anything: answering "too many clients"
		// (53300) would mean waiting for a start-up packet, which is
		// what the flood withholds. Logged at Warn once a minute at most,
		// so a flood cannot flood the log too.
		lvl := slog.LevelDebug
		if now := time.Now(); now.Sub(s.refusedAt) >= time.Minute {
			lvl, s.refusedAt = slog.LevelWarn, now
		}
		s.logger.Log(s.ctx, lvl, "pgwire: too many connections in start-up; closed a new one",
			"remote", nc.RemoteAddr().String(), "max", s.cfg.MaxStarting)
		return false, false
	}
	s.starting++
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// A bug below one connection (the backend's Go code runs on this
		// goroutine) must not take the whole process down with it: log
		// it and drop that connection only. serveConn's own defers have
		// closed its session by the time this runs.
		defer func() {
			if v := recover(); v != nil {
				s.logger.Error("pgwire: connection panicked; closed it", "remote", nc.RemoteAddr().String(),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				_ = nc.Close()
			}
		}()
		s.serveConn(nc)
	}()
	return true, false
}

// started marks the end of one connection's start-up (whatever its
// outcome): it no longer counts against Config.MaxStarting.
func (s *Server) started() {
	s.mu.Lock()
	s.starting--
	s.mu.Unlock()
}

// register gives c a process id and secret and makes it cancellable.
func (s *Server) register(c *conn) bool {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	for {
		// Process ids are Int32 in the protocol and pg_backend_pid() is an
		// integer: keep them positive, as Postgres's are.
		s.nextPID++
		if s.nextPID == 0 || s.nextPID > math.MaxInt32 {
			s.nextPID = 1
		}
		if _, taken := s.conns[s.nextPID]; !taken {
			break
		}
	}
	c.pid = s.nextPID
	c.secret = binary.BigEndian.Uint32(b[:])
	s.conns[c.pid] = c
	return true
}

// unregister forgets c.
func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.pid] == c {
		delete(s.conns, c.pid)
	}
}

// cancel handles a CancelRequest: it cancels the running query of the
// connection with that pid if the secret matches. Like Postgres it never
// tells the requester whether anything happened.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || len(secret) != 4 || binary.BigEndian.Uint32(secret) != c.secret {
		s.logger.Debug("pgwire: cancel request for an unknown connection", "pid", pid)
		return
	}
	c.cancelQuery()
}

// Close stops accepting, cancels every connection (and so its running
// query), and waits for all connection goroutines to return.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for ln := range s.listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pgwire: close: %w", err)
	}
	return nil
}
