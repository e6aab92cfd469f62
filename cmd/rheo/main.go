// Command rheo is a self-hosted streaming data platform in one binary:
// "rheo serve" runs a server speaking the Amazon Kinesis Data Streams API,
// plus SQL over Postgres wire and HTTP, and the other subcommands (put,
// tail, streams, sql) are clients of it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rheo-dev/rheo/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks for a clean stop; a second one kills at once.
	context.AfterFunc(ctx, stop)
	root := cli.NewRootCommand(newServeCommand(), cli.NewSQLCommand(), newDemoCommand())
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "rheo: %v\n", err)
		os.Exit(1)
	}
}
