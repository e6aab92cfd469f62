package kinesis

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// testEnv is an in-process server on a random loopback port with a real
// aws-sdk-go-v2 client pointed at it.
type testEnv struct {
	srv    *Server
	meta   *meta.Store
	log    shardlog.Log
	url    string
	client *kin.Client
	clock  *testClock
}

// testClock is a settable clock; it starts at the real time. Tests move it
// while server goroutines read it, hence the atomic.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

type envOption func(*Config)

// startEnv starts a server with StateDelay 0 (streams are ACTIVE at once)
// over the memory log, unless options say otherwise.
func startEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	return startEnvWith(t, nil, opts...)
}

// startEnvWith is startEnv with the memory log wrapped by wrap (nil: none),
// for tests that inject log failures, and for benchmarks (tb).
func startEnvWith(tb testing.TB, wrap func(shardlog.Log) shardlog.Log, opts ...envOption) *testEnv {
	tb.Helper()
	st, err := meta.Open(filepath.Join(tb.TempDir(), "meta.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	clock := &testClock{}
	mem := shardlog.NewMemory(clock.now)
	var lg shardlog.Log = mem
	if wrap != nil {
		lg = wrap(mem)
	}
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	cfg.Now = clock.now
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tb.Cleanup(func() {
		hs.Close()
		srv.Close()
		mem.Close()
		st.Close()
	})
	client := kin.New(kin.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(hs.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       awsfix.HTTPClient(0),
	})
	return &testEnv{srv: srv, meta: st, log: lg, url: hs.URL, client: client, clock: clock}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
