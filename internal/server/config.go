package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Config holds everything "rheo serve" can be told. Zero values mean the
// defaults of DefaultConfig, except where a field says otherwise.
type Config struct {
	// DataDir holds all state: LOCK, meta.db and streams/.
	DataDir string
	// Listen is the address of the HTTP (Kinesis API) listener; port 0
	// picks a free port (see Server.Addr).
	Listen string
	// PGListen is the address of the Postgres wire SQL endpoint; "" or
	// "off" disables it. Port 0 picks a free port (see Server.PGAddr).
	PGListen string
	// PGListenOptional turns a failure to listen on PGListen into a
	// warning instead of a start-up error ("rheo serve" sets it when the
	// address is the default one, not one the user asked for).
	PGListenOptional bool
	// SQLMemoryLimit is DuckDB's memory_limit, e.g. "2GB"; "" means the
	// engine's default.
	SQLMemoryLimit string
	// SQLThreads is DuckDB's worker thread count; 0 means one per CPU.
	SQLThreads int
	// SQLAllowDirs are directories SQL may read and write besides the lake
	// when auth is on (with auth off SQL reaches every file anyway): for
	// exports (COPY ... TO) and local files to load.
	SQLAllowDirs []string
	// AccessKeyID and SecretAccessKey, both set, turn on SigV4 auth with one
	// full-access credential (RHEO_ACCESS_KEY_ID / RHEO_SECRET_ACCESS_KEY).
	AccessKeyID, SecretAccessKey string
	// CredentialsFile names a credentials file (docs/auth.md) that turns on
	// SigV4 auth with per-key permissions. Empty: none.
	CredentialsFile string
	// TLSCert and TLSKey, both set, serve HTTPS (HTTP/2 and HTTP/1.1) on
	// Listen instead of plain HTTP (HTTP/1.1 and h2c), and TLS on PGListen
	// to Postgres clients that ask for it.
	TLSCert, TLSKey string
	// HTTPMaxStarting bounds the API's connections that have not yet had a
	// request reach the server (TLS handshake, first request's headers);
	// beyond it new ones are closed at once. Connections past their first
	// request (keep-alive pools, SubscribeToShard streams) never count.
	// 0 means 1024, negative means no bound.
	HTTPMaxStarting int
	// PGMaxStarting bounds the Postgres connections still in their
	// start-up exchange (pgwire.Config.MaxStarting); beyond it new ones are
	// closed at once. 0 means pgwire.DefaultMaxStarting (256), negative
	// means no bound.
	PGMaxStarting int
	// PGRequireTLS refuses Postgres clients that do not ask for TLS; it
	// needs TLSCert and TLSKey.
	PGRequireTLS bool
	// CORSOrigins are the origins ("scheme://host[:port]", or "*" for any)
	// of browser apps allowed to call the Kinesis and Firehose APIs across
	// origins (cors.go); none by default.
	CORSOrigins []string
	// EnforceLimits turns on AWS's per-shard throughput limits, so clients
	// can test their backoff (ProvisionedThroughputExceededException).
	EnforceLimits bool
	// EncryptionKeyFile holds the master key of encryption at rest (32 raw
	// bytes, 64 hex digits or base64). Empty: a random key kept in meta.db.
	EncryptionKeyFile string
	// Sync is the shard log's fsync policy: "always", "interval" or "never".
	Sync string
	// SyncInterval is the fsync period under Sync "interval"; 0 means the
	// shard log's default.
	SyncInterval time.Duration
	// SegmentSize is the shard log's segment file size in bytes; 0 means
	// the shard log's default.
	SegmentSize int64
	// Preallocate is how far ahead of small synced appends the shard log
	// writes zeros (shardlog.Options.Preallocate); negative turns it off,
	// 0 means the default.
	Preallocate int64
	// Journal is the size of the shard log's shared journal for small
	// synced rounds (shardlog.Options.Journal); negative turns it off, 0
	// means the default.
	Journal int64
	// StateDelay is how long streams stay CREATING, UPDATING or DELETING;
	// 0 makes transitions immediate. Negative means the default.
	StateDelay time.Duration
	// Account is the AWS account id used in ARNs.
	Account string
	// S3Endpoint, when set, makes delivery destinations and SQL's s3://
	// URLs use that S3-compatible service instead of the built-in lake
	// (<data-dir>/lake/<bucket>/).
	S3Endpoint string
	// S3Region is the region signed into S3 requests; "" means us-east-1.
	S3Region string
	// S3PathStyle addresses buckets as <endpoint>/<bucket> (MinIO and most
	// S3-compatible servers) instead of <bucket>.<endpoint>.
	S3PathStyle bool
	// S3RequestTimeout bounds each request to the S3-compatible service;
	// 0 means lake.DefaultRequestTimeout (2 minutes).
	S3RequestTimeout time.Duration
	// S3AccessKeyID and S3SecretAccessKey are static S3 credentials
	// (RHEO_S3_ACCESS_KEY_ID / RHEO_S3_SECRET_ACCESS_KEY); empty means the
	// AWS SDK's default chain (AWS_* variables, shared config).
	S3AccessKeyID, S3SecretAccessKey string
	// ShutdownTimeout bounds how long Close waits for in-flight requests
	// before it cuts connections; 0 means the default.
	ShutdownTimeout time.Duration
	// BodyTimeout bounds how long a client may take to send a request
	// body; 0 means the default (2 minutes).
	BodyTimeout time.Duration
	// Logger receives all logs; nil discards them.
	Logger *slog.Logger
	// StartupLogger receives the one startup line (where the server
	// listens, where its data lives); nil means Logger. rheo serve gives
	// one at info whatever --log-level: users need that line to connect.
	StartupLogger *slog.Logger
}

// DefaultConfig returns the defaults of "rheo serve".
func DefaultConfig() Config {
	return Config{
		DataDir:         "./rheo-data",
		Listen:          "127.0.0.1:4567",
		PGListen:        "127.0.0.1:5433",
		Sync:            "always",
		StateDelay:      500 * time.Millisecond,
		Account:         "000000000000",
		ShutdownTimeout: 10 * time.Second,
		BodyTimeout:     defaultBodyTimeout,
	}
}

// ensureDefaults fills zero fields from DefaultConfig.
func (c *Config) ensureDefaults() {
	d := DefaultConfig()
	if c.DataDir == "" {
		c.DataDir = d.DataDir
	}
	if c.Listen == "" {
		c.Listen = d.Listen
	}
	if c.Sync == "" {
		c.Sync = d.Sync
	}
	if c.StateDelay < 0 {
		c.StateDelay = d.StateDelay
	}
	if c.Account == "" {
		c.Account = d.Account
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = d.BodyTimeout
	}
	if c.HTTPMaxStarting == 0 {
		c.HTTPMaxStarting = defaultHTTPMaxStarting
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.StartupLogger == nil {
		c.StartupLogger = c.Logger
	}
}

// Validate reports settings that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if c.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("sync interval %v is negative", c.SyncInterval))
	}
	if c.SQLThreads < 0 {
		errs = append(errs, fmt.Errorf("SQL threads %d is negative", c.SQLThreads))
	}
	if c.S3RequestTimeout < 0 {
		errs = append(errs, fmt.Errorf("S3 request timeout %v is negative", c.S3RequestTimeout))
	}
	if c.SegmentSize < 0 {
		errs = append(errs, fmt.Errorf("segment size %d is negative", c.SegmentSize))
	}
	if len(c.Account) != 12 {
		errs = append(errs, fmt.Errorf("account %q is not a 12-digit AWS account id", c.Account))
	} else {
		for _, r := range c.Account {
			if r < '0' || r > '9' {
				errs = append(errs, fmt.Errorf("account %q is not a 12-digit AWS account id", c.Account))
				break
			}
		}
	}
	if (c.S3AccessKeyID == "") != (c.S3SecretAccessKey == "") {
		errs = append(errs, errors.New("set both the S3 access key id and secret access key, or neither"))
	}
	if c.S3Endpoint != "" {
		if u, err := url.Parse(c.S3Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("S3 endpoint %q is not an http(s) URL", c.S3Endpoint))
		}
	}
	if _, err := newCORSPolicy(c.CORSOrigins); err != nil {
		errs = append(errs, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("set both the TLS certificate and key, or neither"))
	}
	if c.PGRequireTLS && c.TLSCert == "" {
		errs = append(errs, errors.New("requiring TLS on the Postgres endpoint needs a TLS certificate and key"))
	}
	if _, err := parseSync(c.Sync); err != nil {
		errs = append(errs, err)
	} else if opts, err := logOptions(c, "validate", nil); err != nil {
		errs = append(errs, err)
	} else if err := opts.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("server: invalid config: %w", err)
	}
	return nil
}
