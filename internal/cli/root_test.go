package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestEnvOverrides(t *testing.T) {
	var dataDir, listen string
	var got []string
	newRoot := func() *cobra.Command {
		serve := &cobra.Command{Use: "serve", RunE: func(*cobra.Command, []string) error {
			got = []string{dataDir, listen}
			return nil
		}}
		serve.Flags().StringVar(&dataDir, "data-dir", "./rheo-data", "data dir")
		serve.Flags().StringVar(&listen, "listen", "127.0.0.1:4567", "listen")
		return NewRootCommand(serve)
	}
	t.Setenv("RHEO_DATA_DIR", "/from/env")
	t.Setenv("RHEO_LISTEN", "0.0.0.0:1")
	root := newRoot()
	root.SetArgs([]string{"serve", "--listen", "127.0.0.1:9"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got[0] != "/from/env" || got[1] != "127.0.0.1:9" {
		t.Errorf("got data-dir %q listen %q; want env for data-dir and the flag for listen", got[0], got[1])
	}
	var help strings.Builder
	root = newRoot()
	root.SetOut(&help)
	root.SetArgs([]string{"serve", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(help.String(), "(env RHEO_DATA_DIR)") {
		t.Errorf("help does not name the variable:\n%s", help.String())
	}
	t.Setenv("RHEO_ENDPOINT", "http://example:1")
	t.Setenv("RHEO_MAX", "notanumber")
	root = newRoot()
	root.SetArgs([]string{"tail", "--stream", "s"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "RHEO_MAX") {
		t.Errorf("bad env value: err = %v", err)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"data-dir": "RHEO_DATA_DIR", "sync": "RHEO_SYNC", "pg-listen": "RHEO_PG_LISTEN"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRefusedConnectionHint checks that the Kinesis client commands say
// what is probably wrong when nothing listens at --endpoint, as "rheo sql"
// does for --pg-url.
func TestRefusedConnectionHint(t *testing.T) {
	refused := fmt.Errorf("list streams: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	for name, run := range map[string]func(cmd *cobra.Command) error{
		"call": func(*cobra.Command) error { return refused },
		"put": func(cmd *cobra.Command) error {
			f := newFakePut(1)
			f.permanent = refused
			return putOutcome(runPut(cmd.Context(), f, putJob{
				putterConfig: fastConfig(), inputs: []input{{name: "stdin", r: strings.NewReader("x\n")}},
				stderr: io.Discard, drainTimeout: time.Second,
			}))
		},
	} {
		var cf clientFlags
		cmd := &cobra.Command{Use: "x", RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd) }}
		cf.register(cmd)
		cmd.SetArgs([]string{"--endpoint", "http://127.0.0.1:9"})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), `is "rheo serve" running?`) || !strings.Contains(err.Error(), "http://127.0.0.1:9") {
			t.Errorf("%s: err = %v, want a hint naming the endpoint", name, err)
		}
	}
	var cf clientFlags
	cf.endpoint = "aws"
	if err := cf.explain(refused); err != refused {
		t.Errorf("against AWS: err = %v, want it unchanged", err)
	}
}

// TestClientHonoursMaxAttempts checks that AWS_MAX_ATTEMPTS reaches the
// client commands' SDK retryer, as it does for the AWS CLI and SDKs.
func TestClientHonoursMaxAttempts(t *testing.T) {
	cf := clientFlags{endpoint: "http://127.0.0.1:9"}
	for env, want := range map[string]int{"": 3, "1": 1, "7": 7} {
		t.Setenv("AWS_MAX_ATTEMPTS", env)
		c, err := cf.client(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Options().Retryer.MaxAttempts(); got != want {
			t.Errorf("AWS_MAX_ATTEMPTS=%q: retryer allows %d attempts, want %d", env, got, want)
		}
	}
}
