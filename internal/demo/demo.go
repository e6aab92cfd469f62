// Package demo is "rheo demo": a rheo server with a small, realistic
// pipeline already running, so a newcomer sees every part working within
// a minute of downloading rheo.
//
// It starts a server (free loopback ports and a temporary data dir unless
// told otherwise), creates the Kinesis stream AccessLogStream, and feeds it
// web access logs from a built-in producer at a steady rate. On the SQL
// side it maps the stream to the table access_log (Hive JSON SerDe DDL),
// creates the warehouse table top_errors and the job top_errors_job that
// writes the top 10 errors by region and page into it every minute, as
// checkpointed iterations. A Firehose delivery stream copies the stream
// to the lake as Parquet, where the lake table access_log_lake reads it.
// Then it prints the console URL and commands to try.
//
// Everything is done as a user would: the Kinesis and Firehose APIs through
// the AWS SDK for Go v2, SQL through pgx over the Postgres endpoint. Only
// starting the server is in-process.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/rheo-dev/rheo/internal/server"
)

// Names of what the demo creates, for users' scripts and the tests.
const (
	StreamName     = "AccessLogStream" // the Kinesis stream
	StreamTable    = "access_log"      // the stream table over it
	WarehouseTable = "top_errors"      // what the job writes
	JobName        = "top_errors_job"  // the scheduled job (and its logical name)
	DeliveryName   = "AccessLogToLake" // the Firehose delivery stream
	LakeBucket     = "lake"            // its bucket in the built-in lake
	LakePrefix     = "access-logs/"    // its key prefix
	LakeTable      = "access_log_lake" // the lake table over its objects
)

const (
	demoShards    = 2
	maxBatch      = 500 // PutRecords' limit
	setupDeadline = 30 * time.Second
)

// Options configure the demo. Start with DefaultOptions.
type Options struct {
	// DataDir holds the server's state; "" means a temporary directory,
	// removed by Close.
	DataDir string
	// Listen and PGListen are the server's HTTP and Postgres addresses.
	Listen, PGListen string
	// Rate is how many access log records per second the producer writes.
	Rate int
	// JobEvery is the interval of the top-errors job, as CREATE JOB takes it.
	JobEvery string
	// DeliveryInterval is the delivery stream's buffering interval, in whole
	// seconds from 0 to 900 (0: deliver within about a second).
	DeliveryInterval time.Duration
	// Seed seeds the producer; 0 picks one from the clock.
	Seed uint64
	// Out receives the banner; nil discards it.
	Out io.Writer
	// Logger receives the server's and the producer's logs; nil discards.
	Logger *slog.Logger
}

// DefaultOptions returns the settings of a plain "rheo demo".
func DefaultOptions() Options {
	return Options{
		Listen:           "127.0.0.1:0",
		PGListen:         "127.0.0.1:0",
		Rate:             50,
		JobEvery:         "1 minute",
		DeliveryInterval: time.Minute,
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.Rate <= 0 || o.Rate > 100_000 {
		errs = append(errs, fmt.Errorf("rate %d: want 1 to 100000 records per second", o.Rate))
	}
	if o.DeliveryInterval < 0 || o.DeliveryInterval > 900*time.Second {
		errs = append(errs, fmt.Errorf("delivery interval %v: want 0s to 900s", o.DeliveryInterval))
	}
	if o.JobEvery == "" {
		errs = append(errs, errors.New("job interval is empty"))
	}
	if o.PGListen == "" || o.PGListen == "off" {
		errs = append(errs, errors.New("the demo needs the Postgres endpoint: give --pg-listen an address"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// Demo is a running demo: the server, the pipeline and the producer.
type Demo struct {
	opts   Options
	logger *slog.Logger
	srv    *server.Server
	tmpDir string // removed by Close; "" with Options.DataDir
	kc     *kinesis.Client
	fc     *firehose.Client

	stopProducer context.CancelFunc
	producerDone chan struct{}
	produced     atomic.Int64 // records acknowledged by PutRecords
	failed       atomic.Int64 // records PutRecords did not take

	closeOnce sync.Once
	closeErr  error
}

// Start starts the server, sets the pipeline up and starts the producer.
// ctx bounds the set-up only; stop the demo with Close.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(time.Now().UnixNano())
	}
	d := &Demo{opts: opts, logger: opts.Logger, producerDone: make(chan struct{})}
	cfg := server.DefaultConfig()
	cfg.DataDir = opts.DataDir
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "rheo-demo-")
		if err != nil {
			return nil, fmt.Errorf("demo: data dir: %w", err)
		}
		d.tmpDir, cfg.DataDir = dir, dir
	}
	cfg.Listen, cfg.PGListen = opts.Listen, opts.PGListen
	cfg.Logger = opts.Logger
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		d.removeTemp()
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.srv = srv
	sctx, cancel := context.WithTimeout(ctx, setupDeadline)
	defer cancel()
	if err := d.setup(sctx); err != nil {
		close(d.producerDone)
		return nil, errors.Join(fmt.Errorf("demo: set-up: %w", err), d.Close())
	}
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	d.stopProducer = stop
	go func() {
		defer close(d.producerDone)
		d.produce(pctx)
	}()
	return d, nil
}

// Run runs the demo until ctx ends (Ctrl+C) or the server fails, printing
// the banner once everything is up, and then shuts it down cleanly.
func Run(ctx context.Context, opts Options) error {
	d, err := Start(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			// Ctrl+C before the demo was up: a stop, not a failure
			// (Start has shut down what it had started).
			if opts.Out != nil {
				fmt.Fprintln(opts.Out, "Stopped before the demo was up.")
			}
			return nil
		}
		return err
	}
	d.PrintBanner(d.opts.Out)
	select {
	case <-ctx.Done():
	case <-d.srv.Done():
	}
	fmt.Fprintf(d.opts.Out, "\nStopping the demo (%d records produced", d.Produced())
	if n := d.failed.Load(); n > 0 {
		fmt.Fprintf(d.opts.Out, ", %d refused", n)
	}
	fmt.Fprintln(d.opts.Out, ")...")
	serveErr := d.srv.Err()
	if err := d.Close(); err != nil {
		return errors.Join(serveErr, err)
	}
	if serveErr != nil {
		return fmt.Errorf("demo: server stopped: %w", serveErr)
	}
	fmt.Fprintln(d.opts.Out, "Stopped.")
	return nil
}

// URL is the server's HTTP base URL (the Kinesis and Firehose APIs and the
// console).
func (d *Demo) URL() string { return d.srv.URL() }

// PGURL is the Postgres connection URL of the server.
func (d *Demo) PGURL() string { return d.srv.PGURL() }

// DataDir is the server's data directory.
func (d *Demo) DataDir() string { return d.srv.DataDir() }

// Produced is how many records the producer has written so far.
func (d *Demo) Produced() int64 { return d.produced.Load() }

// Close stops the producer, then the server, and removes a temporary data
// dir. It is safe to call more than once.
func (d *Demo) Close() error {
	d.closeOnce.Do(func() {
		if d.stopProducer != nil {
			d.stopProducer()
		}
		<-d.producerDone
		if d.srv != nil {
			d.closeErr = d.srv.Close()
		}
		d.removeTemp()
	})
	return d.closeErr
}

func (d *Demo) removeTemp() {
	if d.tmpDir != "" {
		if err := os.RemoveAll(d.tmpDir); err != nil {
			d.logger.Warn("demo: cannot remove the temporary data dir", "dir", d.tmpDir, "err", err)
		}
	}
}
