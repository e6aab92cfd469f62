package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/rheo-dev/rheo/internal/demo"
)

// newDemoCommand returns "rheo demo".
func newDemoCommand() *cobra.Command {
	o := demo.DefaultOptions()
	var logLevel string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a server with a live example pipeline: access logs → SQL job → Parquet lake",
		Long: `Run a rheo server with an example pipeline already running, to look around.

It creates the Kinesis stream AccessLogStream and feeds it realistic web access
logs (JSON: timestamp, region, page, status, latency_ms, user_agent, bytes, ip)
at --rate records per second; maps it to the SQL table access_log; schedules the
job top_errors_job, which every --job-every writes the top 10 errors by region
and page into the table top_errors; and creates the Firehose delivery stream
AccessLogToLake, which writes the stream to the lake as Parquet (read by the
table access_log_lake). Then it prints the console URL and psql and aws
commands to try. Ctrl+C stops it cleanly.

By default it listens on free loopback ports and keeps its data in a
temporary directory removed on exit; --data-dir keeps it (running the demo
again on it carries on where it stopped). See docs/demo.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(logLevel, "text")
			if err != nil {
				return err
			}
			o.Logger = logger
			o.Out = os.Stdout
			return demo.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DataDir, "data-dir", o.DataDir, "directory holding all state (default: a temporary directory, removed on exit)")
	f.StringVar(&o.Listen, "listen", o.Listen, "address of the HTTP API and console; port 0 picks a free one")
	f.StringVar(&o.PGListen, "pg-listen", o.PGListen, "address of the Postgres wire SQL endpoint; port 0 picks a free one")
	f.IntVar(&o.Rate, "rate", o.Rate, "access log records per second the built-in producer writes")
	f.StringVar(&o.JobEvery, "job-every", o.JobEvery, `interval of the top-errors job, as CREATE JOB takes it (e.g. "1 minute", "30s")`)
	f.DurationVar(&o.DeliveryInterval, "delivery-interval", o.DeliveryInterval, "buffering interval of the Parquet delivery stream (0s to 900s)")
	f.StringVar(&logLevel, "log-level", "warn", "server log level: debug, info, warn or error")
	return cmd
}
