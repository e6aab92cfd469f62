package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rheo-dev/rheo/internal/server"
)

// newServeCommand returns "rheo serve".
func newServeCommand() *cobra.Command {
	cfg := server.DefaultConfig()
	var logLevel, logFormat, cpuProfile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the rheo server (Kinesis Data Streams and Firehose APIs, SQL)",
		Long: `Run the rheo server. It serves the Amazon Kinesis Data Streams API on --listen:
point AWS CLIs and SDKs at it with an endpoint override, e.g.

  aws --endpoint-url http://127.0.0.1:4567 kinesis create-stream --stream-name demo --shard-count 2

The Amazon Data Firehose API is served on the same address: delivery streams
write objects to the built-in lake (bucket arn:aws:s3:::NAME is the directory
<data-dir>/lake/NAME/) or, with --s3-endpoint, to any S3-compatible store.

SQL over the streams (DuckDB, Hive DDL, EMR-style checkpointed iterations) is
served over the Postgres wire protocol on --pg-listen (psql, pgx, JDBC, BI
tools; see "rheo sql") and as JSON at POST /v1/sql on --listen.

The web console is at http://<--listen>/ and Prometheus metrics at /metrics.

All state lives in --data-dir, which only one process may use at a time.
GET /health answers "ok" once the server is up. SIGINT or SIGTERM stops it
cleanly: in-flight requests finish, then everything is synced and closed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			// The startup line says where to connect: shown whatever the
			// level, in the same format.
			if cfg.StartupLogger, err = newLogger("info", logFormat); err != nil {
				return err
			}
			// The default Postgres port may be taken by a real Postgres:
			// then serve without it, unless the user asked for it.
			cfg.PGListenOptional = !cmd.Flags().Changed("pg-listen")
			// Secrets come from the environment only, never from flags
			// that every user of the machine can see in ps.
			cfg.AccessKeyID = os.Getenv("RHEO_ACCESS_KEY_ID")
			cfg.SecretAccessKey = os.Getenv("RHEO_SECRET_ACCESS_KEY")
			cfg.S3AccessKeyID = os.Getenv("RHEO_S3_ACCESS_KEY_ID")
			cfg.S3SecretAccessKey = os.Getenv("RHEO_S3_SECRET_ACCESS_KEY")
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			return server.Run(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory holding all state")
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address of the Kinesis API (HTTP); port 0 picks a free one")
	f.StringVar(&cfg.PGListen, "pg-listen", cfg.PGListen, `address of the Postgres wire SQL endpoint; "off" disables it`)
	f.StringVar(&cfg.SQLMemoryLimit, "sql-memory-limit", cfg.SQLMemoryLimit, `DuckDB memory limit for SQL, e.g. "2GB" (empty: the engine default)`)
	f.IntVar(&cfg.SQLThreads, "sql-threads", cfg.SQLThreads, "DuckDB worker threads for SQL (0: one per CPU)")
	f.StringArrayVar(&cfg.SQLAllowDirs, "sql-allow-dir", nil, "with auth on, a directory SQL may also read and write besides the lake (COPY ... TO exports, local files to load); repeatable")
	f.StringVar(&cfg.Sync, "sync", cfg.Sync, "when appended records are fsynced: always (before each acknowledgement), interval, or never")
	f.DurationVar(&cfg.SyncInterval, "sync-interval", cfg.SyncInterval, "fsync period with --sync interval (0: the storage default)")
	f.Int64Var(&cfg.SegmentSize, "segment-size", cfg.SegmentSize, "shard log segment file size in bytes (0: the storage default)")
	f.DurationVar(&cfg.StateDelay, "state-delay", cfg.StateDelay, "how long streams stay CREATING, UPDATING or DELETING")
	f.StringVar(&cfg.Account, "account", cfg.Account, "AWS account id used in ARNs")
	f.StringVar(&cfg.CredentialsFile, "credentials", cfg.CredentialsFile, "credentials file turning on SigV4 authentication with per-key permissions (docs/auth.md); RHEO_ACCESS_KEY_ID and RHEO_SECRET_ACCESS_KEY add one full-access key")
	f.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "TLS certificate (PEM) for --listen; with --tls-key serves HTTPS, and TLS on --pg-listen to clients that ask")
	f.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "TLS private key (PEM) for --tls-cert")
	f.BoolVar(&cfg.PGRequireTLS, "pg-require-tls", cfg.PGRequireTLS, "refuse Postgres clients that do not ask for TLS (needs --tls-cert and --tls-key)")
	f.StringSliceVar(&cfg.CORSOrigins, "cors-origins", cfg.CORSOrigins, `origins of browser apps that may call the Kinesis and Firehose APIs across origins (CORS), e.g. "http://localhost:3000", or "*" for any; default: none`)
	f.BoolVar(&cfg.EnforceLimits, "enforce-limits", cfg.EnforceLimits, "enforce AWS's per-shard throughput limits (1 MiB/s and 1000 records/s in, 2 MiB/s and 5 GetRecords/s out) and per-action call quotas (DescribeStream 10/s, ListShards 1000/s per stream, ...) so clients can test their backoff")
	f.StringVar(&cfg.EncryptionKeyFile, "encryption-key-file", cfg.EncryptionKeyFile, "master key for StartStreamEncryption (32 bytes raw, hex or base64); default: a random key kept in the data dir. once records are encrypted, the server refuses to start with another key")
	f.StringVar(&cfg.S3Endpoint, "s3-endpoint", cfg.S3Endpoint, "S3-compatible service (URL) for delivery destinations and SQL's s3:// URLs; default: the built-in lake, bucket NAME = <data-dir>/lake/NAME/. Credentials: RHEO_S3_ACCESS_KEY_ID and RHEO_S3_SECRET_ACCESS_KEY, else the AWS SDK's default chain")
	f.StringVar(&cfg.S3Region, "s3-region", cfg.S3Region, "region for --s3-endpoint requests (default us-east-1)")
	f.BoolVar(&cfg.S3PathStyle, "s3-path-style", cfg.S3PathStyle, "path-style bucket addressing for --s3-endpoint (MinIO and most S3-compatible servers)")
	f.DurationVar(&cfg.S3RequestTimeout, "s3-request-timeout", cfg.S3RequestTimeout, "how long one request to --s3-endpoint may take before it fails and is retried (0: 2m)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error (the startup line, where to connect, is shown at any level)")
	f.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	f.Int64Var(&cfg.Preallocate, "preallocate", cfg.Preallocate, "bytes of zeros the shard log keeps written ahead of small synced appends, so their fdatasync is data only (0: the default, 1 MiB; negative: off)")
	_ = f.MarkHidden("preallocate") // a storage tuning knob for benchmarks
	f.Int64Var(&cfg.Journal, "journal", cfg.Journal, "bytes of the shard log's journal, which makes a round of small synced appends to several shards durable with one fdatasync (0: the default, 32 MiB; negative: off)")
	_ = f.MarkHidden("journal") // a storage tuning knob for benchmarks
	f.StringVar(&cpuProfile, "cpu-profile", "", "write a Go CPU profile (pprof) to this file until the server stops")
	_ = f.MarkHidden("cpu-profile") // a tool for benchmarks and bug reports, not a setting
	return cmd
}

// startCPUProfile profiles the process into path; the returned function
// stops profiling and closes the file.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// newLogger builds the process logger, writing to stderr.
func newLogger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
