package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rheo-dev/rheo/internal/atrest"
	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/dirlock"
	"github.com/rheo-dev/rheo/internal/firehose"
	"github.com/rheo-dev/rheo/internal/kinesis"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/pgwire"
	"github.com/rheo-dev/rheo/internal/shardlog"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// IteratorKeySecret is the meta secret that signs shard iterators.
const IteratorKeySecret = "iterator-key"

// Server is a running rheo process: storage open, HTTP serving. Close it
// exactly once the caller is done (more calls are harmless).
type Server struct {
	cfg     Config
	logger  *slog.Logger
	dataDir string // absolute

	lock    *dirlock.Lock
	meta    *meta.Store
	log     shardlog.Log
	kinesis *kinesis.Server
	sql     *sqlengine.Engine
	objects lake.Store // the built-in lake or an S3-compatible service
	// delivery runs the delivery streams; firehose is its API.
	delivery    *delivery.Manager
	firehose    *firehose.Server
	kinesisAuth *auth.Store // nil: no SigV4 auth; shared by both APIs
	tempDir     string      // temporary files of SQL and delivery; "": os.TempDir()
	metrics     *metrics.Registry
	usage       usageCache // disk usage for /metrics (metrics.go)
	ln          net.Listener
	http        *http.Server
	pgLn        net.Listener   // nil when the Postgres endpoint is off
	pg          *pgwire.Server // nil when the Postgres endpoint is off
	pgDone      chan struct{}  // closed when pg's Serve has returned

	// sqlCtx ends SQL over HTTP that outlives the shutdown timeout.
	sqlCtx  context.Context
	sqlStop context.CancelFunc

	served    chan struct{} // closed when the HTTP serve loop has returned
	serveErr  error         // why it returned; valid once served is closed
	closeOnce sync.Once
	closeErr  error
}

// Start opens storage in the order of the package doc, starts serving
// HTTP, logs one startup line and returns. On error everything opened so
// far is closed again. ctx bounds the start-up only; stop the server with
// Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.ensureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("server: data dir %q: %w", cfg.DataDir, err)
	}
	s := &Server{cfg: cfg, logger: cfg.Logger, dataDir: abs, served: make(chan struct{})}
	s.sqlCtx, s.sqlStop = context.WithCancel(context.Background())
	if err := s.open(ctx); err != nil {
		return nil, errors.Join(err, s.closePG(), s.closeStorage())
	}
	go s.serve()
	attrs := []any{"listen", s.Addr().String(), "data_dir", s.dataDir, "sync", cfg.Sync}
	pg := "Postgres endpoint off"
	if s.pgLn != nil {
		s.pgDone = make(chan struct{})
		go func() {
			defer close(s.pgDone)
			if err := s.pg.Serve(s.pgLn); err != nil && !errors.Is(err, pgwire.ErrServerClosed) {
				s.logger.Error("Postgres endpoint stopped", "err", err)
			}
		}()
		attrs = append(attrs, "pg_listen", s.pgLn.Addr().String())
		pg = fmt.Sprintf("%s (SQL, Postgres wire)", s.PGURL())
	}
	cfg.StartupLogger.Info(fmt.Sprintf("rheo listening on %s (console, Kinesis and Firehose APIs, POST /v1/sql, /metrics), %s, data in %s, sync=%s",
		s.URL(), pg, s.dataDir, cfg.Sync), attrs...)
	return s, nil
}

// open acquires every resource in order. On error the caller releases
// whatever got set.
func (s *Server) open(ctx context.Context) error {
	var err error
	if s.lock, err = dirlock.Acquire(s.dataDir); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.meta, err = meta.Open(filepath.Join(s.dataDir, "meta.db"), s.logger.With("component", "meta")); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.metrics = s.newMetrics()
	if s.log, err = openLog(&s.cfg, s.dataDir, s.logger.With("component", "shardlog"), s.metrics.ObserveFsync); err != nil {
		return fmt.Errorf("server: open shard log: %w", err)
	}
	// Every reader (Kinesis, fan-out, SQL) goes through the at-rest wrapper,
	// so records of encrypted streams are sealed on disk and plain above it.
	master, err := s.masterKey()
	if err != nil {
		return err
	}
	keys, err := atrest.NewKeys(master)
	if err != nil {
		return fmt.Errorf("server: encryption keys: %w", err)
	}
	recordCheck, err := s.checkMasterKey(keys)
	if err != nil {
		return err
	}
	streams := kinesis.EncryptionLookup(s.meta)
	s.log = atrest.Wrap(s.log, keys, func(uid uint64) (string, bool) {
		key, on := streams(uid)
		// A Direct PUT delivery stream's internal log. s.firehose is set
		// during start, before anything can append.
		if !on && s.firehose != nil {
			key, on = s.firehose.EncryptionFor(uid)
		}
		if on {
			recordCheck()
		}
		return key, on
	})
	if s.objects, err = s.openObjects(ctx); err != nil {
		return err
	}
	env := map[string]string{auth.EnvAccessKeyID: s.cfg.AccessKeyID, auth.EnvSecretAccessKey: s.cfg.SecretAccessKey}
	if s.kinesisAuth, err = auth.FromEnv(func(k string) string { return env[k] }, s.cfg.CredentialsFile, auth.Options{Account: s.cfg.Account}); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	sqlOpts := sqlengine.Options{
		Objects:     s.objects,
		Path:        filepath.Join(s.dataDir, "warehouse.duckdb"),
		Meta:        s.meta,
		Log:         s.log,
		Logger:      s.logger.With("component", "sql"),
		MemoryLimit: s.cfg.SQLMemoryLimit,
		Threads:     s.cfg.SQLThreads,
		JobObserver: func(_ string, d time.Duration, failed bool) {
			s.metrics.ObserveSQL(metrics.ProtocolJob, d, failed)
		},
	}
	if s.kinesisAuth != nil {
		// rheo:ExecuteSQL must not grant every file rheo's user can read
		// (this credentials file, meta.db, the master key) nor let SQL
		// write anywhere: SQL gets the lake, and temporary files of its
		// own instead of os.TempDir's (docs/auth.md).
		if s.tempDir, err = cleanTempDir(filepath.Join(s.dataDir, "sql", "tmp")); err != nil {
			return err
		}
		sqlOpts.TempDir, sqlOpts.AllowedDirs = s.tempDir, append([]string{}, s.cfg.SQLAllowDirs...)
		if s.cfg.S3Endpoint == "" {
			sqlOpts.AllowedDirs = append(sqlOpts.AllowedDirs, filepath.Join(s.dataDir, "lake"))
		}
	}
	if s.sql, err = sqlengine.Open(ctx, sqlOpts); err != nil {
		return fmt.Errorf("server: open SQL engine: %w", err)
	}
	key, err := s.meta.Secret(IteratorKeySecret)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	kcfg := kinesis.DefaultConfig()
	kcfg.Account = s.cfg.Account
	kcfg.StateDelay = s.cfg.StateDelay
	kcfg.IteratorKey = key
	kcfg.EnforceLimits = s.cfg.EnforceLimits
	kcfg.Metrics = s.metrics
	kcfg.Auth = s.kinesisAuth
	// Delivery first: Kinesis channels run on it. Its workers only read
	// the log, and wait for a source shard that is not there yet.
	if err := s.openDelivery(ctx); err != nil {
		return err
	}
	kcfg.Channels = s.delivery
	if s.kinesis, err = kinesis.New(kcfg, s.meta, s.log, s.logger.With("component", "kinesis")); err != nil {
		return fmt.Errorf("server: start Kinesis API: %w", err)
	}
	if err := s.registerCollectors(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var lc net.ListenConfig
	if s.ln, err = lc.Listen(ctx, "tcp", s.cfg.Listen); err != nil {
		return fmt.Errorf("server: listen on %s%s: %w", s.cfg.Listen, portTakenHint(err, "--listen"), err)
	}
	// SubscribeToShard needs HTTP/2 for the JS SDK and works over HTTP/1.1
	// for boto3; h2c lets the Go SDK use h2 without TLS. No WriteTimeout:
	// event streams set a deadline per event.
	protos := new(http.Protocols)
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)
	protos.SetUnencryptedHTTP2(true)
	h, err := s.handler()
	if err != nil {
		s.ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	// A flood of connections that never send a request would otherwise
	// hold a file descriptor each for ReadHeaderTimeout (conncap.go).
	s.ln = newStartCap(s.ln, s.cfg.HTTPMaxStarting, s.logger)
	s.http = &http.Server{
		Handler:           releaseStarted(limitBodyTime(h, s.cfg.BodyTimeout)),
		ConnContext:       startCapConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		Protocols:         protos,
	}
	// Open subscriptions would hold Shutdown for its whole timeout.
	s.http.RegisterOnShutdown(func() { _ = s.kinesis.Close() })
	if s.cfg.TLSCert != "" {
		if s.http.TLSConfig, err = auth.TLSConfig(s.cfg.TLSCert, s.cfg.TLSKey); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	auth.WarnIfExposed(s.logger, "the API", s.ln.Addr().String(), kcfg.Auth != nil)
	return s.listenPG(ctx)
}

// portTakenHint suggests another address when a listen failed because the
// address is in use, and nothing for other failures (a malformed address,
// a privileged port), which the error itself explains.
func portTakenHint(err error, flag string) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return ""
	}
	return " (is the port taken? pick another with " + flag + ")"
}

// pgEnabled reports whether the config asks for the Postgres endpoint.
func (c *Config) pgEnabled() bool {
	return c.PGListen != "" && !strings.EqualFold(c.PGListen, "off")
}

// listenPG binds the Postgres wire endpoint, if enabled.
func (s *Server) listenPG(ctx context.Context) error {
	if !s.cfg.pgEnabled() {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.PGListen)
	if err != nil {
		if s.cfg.PGListenOptional {
			s.logger.Warn("Postgres endpoint disabled: cannot listen (pick another address with --pg-listen)",
				"pg_listen", s.cfg.PGListen, "err", err)
			return nil
		}
		return fmt.Errorf("server: listen on %s for Postgres%s: %w", s.cfg.PGListen, portTakenHint(err, `--pg-listen, or "off"`), err)
	}
	pcfg := pgwire.Config{
		Backend: sqlBackend{eng: s.sql, m: s.metrics, auth: s.kinesisAuth},
		Split:   sqlengine.SplitStatements,
		Logger:  s.logger.With("component", "pgwire"),
		// A flood of connections that never finish start-up would
		// otherwise hold a file descriptor each for StartupTimeout.
		MaxStarting: s.cfg.PGMaxStarting,
	}
	if t := s.http.TLSConfig; t != nil {
		// The API's certificate also serves clients that ask for TLS
		// (sslmode=require/prefer); the others stay in plain text.
		pcfg.TLS = t.Clone()
		pcfg.TLS.NextProtos = []string{"postgresql"}
		pcfg.RequireTLS = s.cfg.PGRequireTLS
	}
	if a := s.kinesisAuth; a != nil {
		// With auth on, Postgres clients log in with SCRAM-SHA-256 as
		// user = access key id, password = secret access key, and need
		// rheo:ExecuteSQL like POST /v1/sql (docs/auth.md).
		pcfg.Password = func(user string) (string, bool) {
			_, secret, ok := a.Password(user)
			return secret, ok
		}
	}
	pg, err := pgwire.NewServer(pcfg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	s.pgLn, s.pg = ln, pg
	// The Postgres endpoint may listen wider than the API (--pg-listen
	// 0.0.0.0 beside a loopback --listen); without auth it is as open.
	auth.WarnIfExposed(s.logger, "the Postgres endpoint", ln.Addr().String(), s.kinesisAuth != nil)
	return nil
}

// handler routes GET /health to a liveness answer, GET and HEAD of the
// web console's paths to the console (console.go) and the rest to Kinesis.
//
// Every request first passes the browser guards (browser_guard.go): a page
// on another site, or one that rebinds its name to 127.0.0.1, cannot make
// the visitor's browser post to rheo (say a form whose text/plain body is
// JSON for /v1/sql, where COPY ... TO can write files). SDKs, the CLI and
// curl send no browser headers and pass; the console is same-origin.
func (s *Server) handler() (http.Handler, error) {
	con := s.newConsole()
	return s.guardBrowsers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/sql" {
			s.handleSQL(w, r)
			return
		}
		if r.URL.Path == "/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("ok\n"))
			return
		}
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if !s.authorizeMetrics(w, r) {
				return
			}
			s.metrics.Handler().ServeHTTP(w, r)
			return
		}
		if isConsole(r) {
			con.ServeHTTP(w, r)
			return
		}
		if isFirehose(r) {
			s.firehose.ServeHTTP(w, r)
			return
		}
		s.kinesis.ServeHTTP(w, r)
	}))
}

// serve runs the HTTP loop until Close or a listener failure.
func (s *Server) serve() {
	var err error
	if s.http.TLSConfig != nil {
		err = s.http.ServeTLS(s.ln, "", "")
	} else {
		err = s.http.Serve(s.ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	} else if err != nil {
		err = fmt.Errorf("server: serve HTTP: %w", err)
	}
	s.serveErr = err
	close(s.served)
}

// Addr returns the address the HTTP listener is bound to.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// PGAddr returns the address of the Postgres endpoint, or nil when it is off.
func (s *Server) PGAddr() net.Addr {
	if s.pgLn == nil {
		return nil
	}
	return s.pgLn.Addr()
}

// PGURL returns a connection URL for the Postgres endpoint, e.g.
// postgres://rheo@127.0.0.1:5433/rheo, or "" when it is off.
func (s *Server) PGURL() string {
	if s.pgLn == nil {
		return ""
	}
	return "postgres://rheo@" + s.pgLn.Addr().String() + "/rheo"
}

// URL returns the base URL of the Kinesis API, e.g. http://127.0.0.1:4567.
func (s *Server) URL() string {
	if s.cfg.TLSCert != "" {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// DataDir returns the absolute path of the data directory.
func (s *Server) DataDir() string { return s.dataDir }

// Done is closed when the server stops serving, by Close or by a failure
// of the listener (see Err).
func (s *Server) Done() <-chan struct{} { return s.served }

// Err returns why serving stopped: nil after Close, the listener's error
// otherwise. Call it after Done is closed.
func (s *Server) Err() error {
	select {
	case <-s.served:
		return s.serveErr
	default:
		return nil
	}
}

// Close stops the server in the order of the package doc and returns the
// joined errors of every step. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		start := time.Now()
		s.logger.Info("rheo shutting down")
		var errs []error
		// HTTP and Postgres stop together: pgwire cancels running queries
		// and waits for its connections; HTTP lets requests finish.
		pgErr := make(chan error, 1)
		go func() { pgErr <- s.closePG() }()
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		if err := s.http.Shutdown(ctx); err != nil {
			s.logger.Warn("in-flight requests did not finish in time; closing connections",
				"timeout", s.cfg.ShutdownTimeout, "err", err)
			s.sqlStop()
			errs = append(errs, s.http.Close())
		}
		cancel()
		<-s.served
		errs = append(errs, <-pgErr)
		errs = append(errs, s.closeStorage())
		s.closeErr = errors.Join(errs...)
		if s.closeErr != nil {
			s.logger.Error("rheo shutdown finished with errors", "err", s.closeErr, "took", time.Since(start))
		} else {
			s.logger.Info("rheo stopped", "took", time.Since(start).Round(time.Millisecond))
		}
	})
	return s.closeErr
}

// closePG stops the Postgres endpoint and waits for its connections.
func (s *Server) closePG() error {
	if s.pg == nil {
		if s.pgLn != nil {
			return s.pgLn.Close()
		}
		return nil
	}
	err := s.pg.Close()
	if s.pgDone != nil {
		<-s.pgDone
	} else if s.pgLn != nil {
		_ = s.pgLn.Close() // Serve never started
	}
	if err != nil {
		return fmt.Errorf("close Postgres endpoint: %w", err)
	}
	return nil
}

// closeStorage releases everything after HTTP and Postgres, in reverse
// start order, skipping what was never opened.
func (s *Server) closeStorage() error {
	var errs []error
	if s.sqlStop != nil {
		s.sqlStop()
	}
	if s.firehose != nil {
		if err := s.firehose.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close Firehose API: %w", err))
		}
	}
	// Delivery reads the log and writes through the SQL engine: it stops
	// before both. A batch it was writing is replayed at the next start.
	if s.delivery != nil {
		if err := s.delivery.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close delivery: %w", err))
		}
	}
	if s.kinesis != nil {
		if err := s.kinesis.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close Kinesis API: %w", err))
		}
	}
	if s.sql != nil {
		if err := s.sql.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close SQL engine: %w", err))
		}
	}
	if s.log != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		if err := s.log.Sync(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sync shard log: %w", err))
		}
		cancel()
		if err := s.log.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close shard log: %w", err))
		}
	}
	if s.meta != nil {
		if err := s.meta.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close meta: %w", err))
		}
	}
	if s.ln != nil && s.http == nil {
		// Listening succeeded but serving never started.
		errs = append(errs, s.ln.Close())
	}
	if s.lock != nil {
		if err := s.lock.Release(); err != nil {
			errs = append(errs, fmt.Errorf("release data dir lock: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Run starts the server, serves until ctx is done (e.g. on SIGINT or
// SIGTERM) or serving fails, then shuts down in order. It returns nil after
// a clean shutdown requested through ctx.
func Run(ctx context.Context, cfg Config) error {
	s, err := Start(ctx, cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil // stopped while starting: Start has cleaned up
		}
		return err
	}
	select {
	case <-ctx.Done():
	case <-s.Done():
	}
	return errors.Join(s.Err(), s.Close())
}

// AtRestKeySecret is the meta secret used as the master key of encryption
// at rest when no key file is configured.
const AtRestKeySecret = "atrest-master"

// masterKey returns the master key of encryption at rest: the key file's
// if one is configured, else a random key kept in meta. Switching between
// the two makes records encrypted under the other unreadable (ErrWrongKey).
func (s *Server) masterKey() ([]byte, error) {
	if s.cfg.EncryptionKeyFile != "" {
		k, err := atrest.ReadKeyFile(s.cfg.EncryptionKeyFile)
		if err != nil {
			return nil, fmt.Errorf("server: encryption key file: %w", err)
		}
		warnIfKeyFileOpen(s.logger, s.cfg.EncryptionKeyFile)
		return k, nil
	}
	k, err := s.meta.Secret(AtRestKeySecret)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return k, nil
}

// warnIfKeyFileOpen warns, as ssh does for private keys, when the key
// file at path can be read by its group or others: anyone who can read it
// can read every encrypted record. Only a warning: the file's users may
// have their reasons (a group of service accounts), and Windows has no
// such mode bits.
func warnIfKeyFileOpen(logger *slog.Logger, path string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		return // ReadKeyFile just read it; nothing useful to add
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		logger.Warn("encryption key file is readable or writable by group or others; anyone who can read it can read every encrypted record: chmod 600 it",
			"file", path, "mode", fmt.Sprintf("%#o", perm))
	}
}

// atRestNS and atRestCheckKey locate the master key's check value in meta
// (docs/format/meta.md).
const (
	atRestNS       = "atrest"
	atRestCheckKey = "key-check"
)

// checkMasterKey refuses a master key other than the one the data dir's
// records were encrypted with: started with it, the server would fail every
// read of those records and seal new ones under a second key, so that
// neither key reads the whole stream any more. The check value is stored
// the first time a record is sealed (the returned function, called before
// every sealing append, does that once), so a data dir that never
// encrypted anything accepts any key.
func (s *Server) checkMasterKey(keys *atrest.Keys) (func(), error) {
	check, err := keys.Check()
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	var stored string
	found, err := s.meta.Get(atRestNS, atRestCheckKey, &stored)
	if err != nil {
		return nil, fmt.Errorf("server: encryption key check: %w", err)
	}
	if found && stored != check {
		src := "the master key kept in the data dir"
		if s.cfg.EncryptionKeyFile != "" {
			src = "encryption key file " + s.cfg.EncryptionKeyFile
		}
		return nil, fmt.Errorf("server: %s is not the master key the encrypted records in %s were written with (key check mismatch): start with the master key used before (its --encryption-key-file, or none if the data dir kept its own key), or those records would be unreadable", src, s.dataDir)
	}
	var recorded atomic.Bool
	recorded.Store(found)
	var mu sync.Mutex
	return func() {
		if recorded.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if recorded.Load() {
			return
		}
		// A failure is retried at the next sealing append: the append
		// itself must not fail for the want of a safety net.
		if err := s.meta.Put(atRestNS, atRestCheckKey, check); err != nil {
			s.logger.Error("could not record the encryption key check", "err", err)
			return
		}
		recorded.Store(true)
	}, nil
}

// cleanTempDir empties (of what a killed run left) and creates the
// temporary directory dir; the data-dir lock makes it this process's.
func cleanTempDir(dir string) (string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("server: clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("server: create %s: %w", dir, err)
	}
	return dir, nil
}
