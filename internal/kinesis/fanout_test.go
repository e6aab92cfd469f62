package kinesis

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"

	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// fanoutEnv is a testEnv whose HTTP server speaks a chosen protocol and
// carries fan-out settings in its BaseContext.
type fanoutEnv struct {
	*testEnv
	protos atomic.Value // last request's protocol, e.g. "HTTP/2.0"
}

type fanoutOpts struct {
	proto      string // "http1" (default), "h2c" or "h2tls"
	settings   fanoutSettings
	stateDelay time.Duration
}

// startFanoutEnv is startEnv with a server speaking opts.proto and a client
// speaking the same.
func startFanoutEnv(t *testing.T, opts fanoutOpts) *fanoutEnv {
	t.Helper()
	st, err := meta.Open(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{}
	lg := shardlog.NewMemory(clock.now)
	cfg := DefaultConfig()
	cfg.StateDelay = opts.stateDelay
	cfg.Now = clock.now
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := &fanoutEnv{}
	env.protos.Store("")
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.protos.Store(r.Proto)
		srv.ServeHTTP(w, r)
	}))
	settings := opts.settings
	hs.Config.BaseContext = func(net.Listener) context.Context {
		return withFanoutSettings(context.Background(), settings)
	}
	var transport *http.Transport
	switch opts.proto {
	case "", "http1":
		hs.Start()
		transport = &http.Transport{}
	case "h2c":
		p := new(http.Protocols)
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		hs.Config.Protocols = p
		hs.Start()
		transport = &http.Transport{Protocols: new(http.Protocols)}
		transport.Protocols.SetUnencryptedHTTP2(true)
	case "h2tls":
		hs.EnableHTTP2 = true
		hs.StartTLS()
		transport = hs.Client().Transport.(*http.Transport).Clone()
		transport.TLSClientConfig = &tls.Config{RootCAs: hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
		transport.ForceAttemptHTTP2 = true
	default:
		t.Fatalf("unknown proto %q", opts.proto)
	}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		hs.Close()
		srv.Close()
		lg.Close()
		st.Close()
	})
	client := kin.New(kin.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(hs.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: awsfix.Transport(transport)},
	})
	env.testEnv = &testEnv{srv: srv, meta: st, log: lg, url: hs.URL, client: client, clock: clock}
	return env
}

// apiErr asserts err is the API error typ with message msg (msg "" skips
// the message check).
func apiErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, typ)
	}
	if ae.ErrorCode() != typ || msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), typ, msg)
	}
}

func fanStream(t *testing.T, env *testEnv, name string, shards int32) string {
	t.Helper()
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	out, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamDescriptionSummary.StreamARN
}

func fanRegister(t *testing.T, env *testEnv, streamARN, name string) types.Consumer {
	t.Helper()
	out, err := env.client.RegisterStreamConsumer(testCtx(t), &kin.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Consumer
}

func TestConsumerLifecycle(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s1", 1)
	before := env.clock.now().Truncate(time.Second)
	c := fanRegister(t, env, arn, "app-1")
	if c.ConsumerStatus != types.ConsumerStatusCreating || *c.ConsumerName != "app-1" {
		t.Fatalf("register: %+v", c)
	}
	want := fmt.Sprintf("arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/app-1:%d", c.ConsumerCreationTimestamp.Unix())
	if *c.ConsumerARN != want {
		t.Fatalf("ARN %s, want %s", *c.ConsumerARN, want)
	}
	if c.ConsumerCreationTimestamp.Before(before) {
		t.Fatalf("creation %v before %v", c.ConsumerCreationTimestamp, before)
	}
	byARN, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	if err != nil {
		t.Fatal(err)
	}
	d := byARN.ConsumerDescription
	if d.ConsumerStatus != types.ConsumerStatusActive || *d.StreamARN != arn || *d.ConsumerARN != want || !d.ConsumerCreationTimestamp.Equal(*c.ConsumerCreationTimestamp) {
		t.Fatalf("describe by ARN: %+v", d)
	}
	byName, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app-1")})
	if err != nil {
		t.Fatal(err)
	}
	if *byName.ConsumerDescription.ConsumerARN != want {
		t.Fatalf("describe by name: %+v", byName.ConsumerDescription)
	}
	list, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Consumers) != 1 || *list.Consumers[0].ConsumerARN != want || list.NextToken != nil {
		t.Fatalf("list: %+v", list)
	}
	if n, err := env.srv.consumerCount(fanMustStream(t, env, "s1")); err != nil || n != 1 {
		t.Fatalf("consumerCount = %d, %v", n, err)
	}
	if _, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	_, err = env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	apiErr(t, err, "ResourceNotFoundException", "Consumer "+want+" under account 000000000000 not found.")
	_, err = env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("app-1")})
	apiErr(t, err, "ResourceNotFoundException", "Consumer app-1 under account 000000000000 not found.")

	// Re-registered later, the consumer gets a new ARN; the old one stays dead.
	env.clock.advance(2 * time.Second)
	c2 := fanRegister(t, env, arn, "app-1")
	if *c2.ConsumerARN == want {
		t.Fatalf("re-registered consumer kept ARN %s", want)
	}
	_, err = env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: aws.String(want)})
	apiErr(t, err, "ResourceNotFoundException", "")
	if err := env.srv.dropConsumers(fanMustStream(t, env, "s1").UID); err != nil {
		t.Fatal(err)
	}
	if n, _ := env.srv.consumerCount(fanMustStream(t, env, "s1")); n != 0 {
		t.Fatalf("consumerCount after drop = %d", n)
	}
}

func fanMustStream(t *testing.T, env *testEnv, name string) *meta.Stream {
	t.Helper()
	st, ok := env.meta.Stream(name)
	if !ok {
		t.Fatalf("stream %s missing", name)
	}
	return st
}

func TestConsumerStates(t *testing.T) {
	env := startEnv(t, func(c *Config) { c.StateDelay = time.Second })
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c")})
	apiErr(t, err, "ResourceInUseException", "Stream s under account 000000000000 not ACTIVE or UPDATING, instead in state CREATING")
	env.clock.advance(time.Second)
	c := fanRegister(t, env, arn, "c")
	desc := func() types.ConsumerStatus {
		t.Helper()
		out, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
		if err != nil {
			t.Fatal(err)
		}
		return out.ConsumerDescription.ConsumerStatus
	}
	if s := desc(); s != types.ConsumerStatusCreating {
		t.Fatalf("status %s, want CREATING", s)
	}
	_, err = env.client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	apiErr(t, err, "ResourceInUseException", fmt.Sprintf("Consumer c with creation timestamp %d under stream s and account 000000000000 is not in ACTIVE status.", c.ConsumerCreationTimestamp.Unix()))
	env.clock.advance(time.Second)
	if s := desc(); s != types.ConsumerStatusActive {
		t.Fatalf("status %s, want ACTIVE", s)
	}
	if _, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	if s := desc(); s != types.ConsumerStatusDeleting {
		t.Fatalf("status %s, want DELETING", s)
	}
	// Deregistering again while DELETING is a no-op; the name is still taken.
	if _, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	_, err = env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c")})
	apiErr(t, err, "ResourceInUseException", "Consumer c under stream s already exists for account 000000000000.")
	list, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn)})
	if err != nil || len(list.Consumers) != 1 || list.Consumers[0].ConsumerStatus != types.ConsumerStatusDeleting {
		t.Fatalf("list while DELETING: %+v, %v", list, err)
	}
	env.clock.advance(time.Second)
	_, err = env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	apiErr(t, err, "ResourceNotFoundException", "")
	list, err = env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn)})
	if err != nil || len(list.Consumers) != 0 {
		t.Fatalf("list after deletion: %+v, %v", list, err)
	}
	// The gone record was purged by the listing.
	var n int
	_ = env.meta.Scan(consumerNS, "", func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d consumer records left after purge", n)
	}
}

func TestConsumerLimits(t *testing.T) {
	t.Run("20 per stream", func(t *testing.T) {
		env := startEnv(t)
		arn := fanStream(t, env, "s", 1)
		for i := range 20 {
			fanRegister(t, env, arn, fmt.Sprintf("c%02d", i))
		}
		_, err := env.client.RegisterStreamConsumer(testCtx(t), &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c20")})
		apiErr(t, err, "LimitExceededException", "Stream s under account 000000000000 has reached the limit of 20 registered consumers.")
	})
	t.Run("5 creating", func(t *testing.T) {
		env := startEnv(t, func(c *Config) { c.StateDelay = time.Second })
		ctx := testCtx(t)
		if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
		env.clock.advance(time.Second)
		arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
		for i := range 5 {
			fanRegister(t, env, arn, fmt.Sprintf("c%d", i))
		}
		_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c5")})
		apiErr(t, err, "LimitExceededException", "Only 5 consumers can be in CREATING status at the same time for stream s under account 000000000000.")
		env.clock.advance(time.Second)
		fanRegister(t, env, arn, "c5")
	})
}

func TestConsumerValidation(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	longName := strings.Repeat("a", 129)
	badARN := "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/x"
	cases := []struct {
		name     string
		call     func() error
		typ, msg string
	}{
		{"register no members", func() error {
			return rawCall(t, env, "RegisterStreamConsumer", `{}`)
		}, "ValidationException", "2 validation errors detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null; Value null at 'consumerName' failed to satisfy constraint: Member must not be null"},
		{"register long name", func() error {
			_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String(longName)})
			return err
		}, "ValidationException", "1 validation error detected: Value '" + longName + "' at 'consumerName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"register bad name", func() error {
			_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("a b")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'a b' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"register bad stream ARN", func() error {
			_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String("nope"), ConsumerName: aws.String("c")})
			return err
		}, "ValidationException", "1 validation error detected: Value 'nope' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"},
		{"register missing stream", func() error {
			_, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/nope"), ConsumerName: aws.String("c")})
			return err
		}, "ResourceNotFoundException", "Stream nope under account 000000000000 not found."},
		{"describe nothing", func() error {
			_, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{})
			return err
		}, "InvalidArgumentException", "Either ConsumerARN or both StreamARN and ConsumerName must be provided."},
		{"describe name only", func() error {
			_, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerName: aws.String("c")})
			return err
		}, "InvalidArgumentException", "Either ConsumerARN or both StreamARN and ConsumerName must be provided."},
		{"describe bad ARN", func() error {
			_, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{ConsumerARN: aws.String(badARN)})
			return err
		}, "ValidationException", "1 validation error detected: Value '" + badARN + "' at 'consumerARN' failed to satisfy constraint: " + consumerARNPattern},
		{"describe missing", func() error {
			_, err := env.client.DescribeStreamConsumer(ctx, &kin.DescribeStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("ghost")})
			return err
		}, "ResourceNotFoundException", "Consumer ghost under account 000000000000 not found."},
		{"deregister nothing", func() error {
			_, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{})
			return err
		}, "InvalidArgumentException", "Either ConsumerARN or both StreamARN and ConsumerName must be provided."},
		{"list no stream", func() error {
			return rawCall(t, env, "ListStreamConsumers", `{}`)
		}, "ValidationException", "1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null"},
		{"list max results", func() error {
			_, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(0)})
			return err
		}, "ValidationException", "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list max results high", func() error {
			_, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(10001)})
			return err
		}, "ValidationException", "1 validation error detected: Value '10001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10000"},
		{"list bad token", func() error {
			_, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), NextToken: aws.String("garbage")})
			return err
		}, "InvalidArgumentException", "Invalid NextToken."},
		{"list wrong creation time", func() error {
			_, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), StreamCreationTimestamp: aws.Time(time.Unix(1, 0))})
			return err
		}, "ResourceNotFoundException", "Stream s under account 000000000000 not found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.call(), tc.typ, tc.msg) })
	}
}

// rawCall posts a JSON body the SDK would refuse to send and returns the
// API error it got back (nil on 200).
func rawCall(t *testing.T, env *testEnv, op, body string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, env.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return &smithy.GenericAPIError{Code: e.Type, Message: e.Message}
}

func TestListStreamConsumersPagination(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	for i := range 7 {
		fanRegister(t, env, arn, fmt.Sprintf("c%d", 6-i)) // out of order: listing sorts
	}
	st := fanMustStream(t, env, "s")
	var names []string
	in := &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(3), StreamCreationTimestamp: aws.Time(st.CreatedAt)}
	pages := 0
	var firstToken *string
	for {
		out, err := env.client.ListStreamConsumers(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.Consumers {
			names = append(names, *c.ConsumerName)
		}
		if out.NextToken == nil {
			break
		}
		if firstToken == nil {
			firstToken = out.NextToken
		}
		in = &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(3), NextToken: out.NextToken}
	}
	if got := strings.Join(names, ","); got != "c0,c1,c2,c3,c4,c5,c6" || pages != 3 {
		t.Fatalf("listed %s in %d pages", got, pages)
	}
	_, err := env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), NextToken: firstToken, StreamCreationTimestamp: aws.Time(st.CreatedAt)})
	apiErr(t, err, "InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
	env.clock.advance(301 * time.Second)
	_, err = env.client.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: aws.String(arn), NextToken: firstToken})
	apiErr(t, err, "ExpiredNextTokenException", "The pagination token passed to the operation is expired.")
}

// subscribe opens a subscription and returns its event stream.
func fanSubscribe(t *testing.T, ctx context.Context, env *testEnv, consumerARN, shard string, pos types.StartingPosition) *kin.SubscribeToShardEventStream {
	t.Helper()
	// A client per subscription: aws-sdk-go-v2 v1.56's event-stream codec
	// (smithy-go internal/eventstream.Codec.payloadBuf) is shared by all
	// streams of one client and races when two stream at once.
	client := kin.New(env.client.Options())
	out, err := client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: aws.String(consumerARN), ShardId: aws.String(shard), StartingPosition: &pos})
	if err != nil {
		t.Fatalf("SubscribeToShard: %v", err)
	}
	es := out.GetStream()
	t.Cleanup(func() { es.Close() })
	return es
}

// nextEvent waits for the next SubscribeToShardEvent; ok is false when the
// stream ended.
func nextEvent(t *testing.T, es *kin.SubscribeToShardEventStream, within time.Duration) (types.SubscribeToShardEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-es.Events():
		if !ok {
			return types.SubscribeToShardEvent{}, false
		}
		v, isEv := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEv {
			t.Fatalf("unexpected event %T", ev)
		}
		return v.Value, true
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
	}
	return types.SubscribeToShardEvent{}, false
}

// recordsUntil collects records from events until n have arrived.
func recordsUntil(t *testing.T, es *kin.SubscribeToShardEventStream, n int) ([]types.Record, types.SubscribeToShardEvent) {
	t.Helper()
	var recs []types.Record
	var last types.SubscribeToShardEvent
	for len(recs) < n {
		ev, ok := nextEvent(t, es, 10*time.Second)
		if !ok {
			t.Fatalf("stream ended after %d of %d records: %v", len(recs), n, es.Err())
		}
		recs = append(recs, ev.Records...)
		last = ev
	}
	return recs, last
}

func TestSubscribeToShardProtocols(t *testing.T) {
	for _, proto := range []string{"http1", "h2c", "h2tls"} {
		t.Run(proto, func(t *testing.T) {
			env := startFanoutEnv(t, fanoutOpts{proto: proto})
			ctx := testCtx(t)
			arn := fanStream(t, env.testEnv, "s", 1)
			c := fanRegister(t, env.testEnv, arn, "c")
			es := fanSubscribe(t, ctx, env.testEnv, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
			wantProto := map[string]string{"http1": "HTTP/1.1", "h2c": "HTTP/2.0", "h2tls": "HTTP/2.0"}[proto]
			if got := env.protos.Load().(string); got != wantProto {
				t.Fatalf("served over %s, want %s", got, wantProto)
			}
			payloads := [][]byte{[]byte("hello"), {0, 1, 2, 0xff, 0xfe, '"', '\\'}, {}, bytes.Repeat([]byte{0xab}, 300<<10)}
			var seqs []string
			for i, p := range payloads {
				out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: p, PartitionKey: aws.String(fmt.Sprintf("pk-<&>-%d", i))})
				if err != nil {
					t.Fatal(err)
				}
				seqs = append(seqs, *out.SequenceNumber)
			}
			recs, last := recordsUntil(t, es, len(payloads))
			if len(recs) != len(payloads) {
				t.Fatalf("%d records, want %d", len(recs), len(payloads))
			}
			for i, r := range recs {
				if !bytes.Equal(r.Data, payloads[i]) || *r.SequenceNumber != seqs[i] || *r.PartitionKey != fmt.Sprintf("pk-<&>-%d", i) || r.ApproximateArrivalTimestamp == nil {
					t.Fatalf("record %d: seq %s data %d bytes key %s", i, *r.SequenceNumber, len(r.Data), *r.PartitionKey)
				}
			}
			if *last.ContinuationSequenceNumber != seqs[len(seqs)-1] || *last.MillisBehindLatest != 0 {
				t.Fatalf("continuation %s behind %d, want %s and 0", *last.ContinuationSequenceNumber, *last.MillisBehindLatest, seqs[len(seqs)-1])
			}
		})
	}
}

func TestSubscribeToShardPositions(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	var seqs []string
	for i := range 5 {
		out, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: []byte{byte(i)}, PartitionKey: aws.String("k")})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	cases := []struct {
		pos   types.StartingPosition
		first int
	}{
		{types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}, 0},
		{types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(seqs[2])}, 2},
		{types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(seqs[2])}, 3},
		{types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(env.clock.now().Add(-time.Hour))}, 0},
	}
	for _, tc := range cases {
		t.Run(string(tc.pos.Type), func(t *testing.T) {
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			es := fanSubscribe(t, sctx, env, *c.ConsumerARN, "shardId-000000000000", tc.pos)
			recs, last := recordsUntil(t, es, 5-tc.first)
			if len(recs) != 5-tc.first || *recs[0].SequenceNumber != seqs[tc.first] {
				t.Fatalf("got %d records from %s", len(recs), *recs[0].SequenceNumber)
			}
			// Resuming AFTER the continuation gives nothing old.
			if *last.ContinuationSequenceNumber != seqs[4] {
				t.Fatalf("continuation %s, want %s", *last.ContinuationSequenceNumber, seqs[4])
			}
			es.Close()
			cancel()
			waitNoSubscriptions(t, env)
		})
	}
}

func TestSubscribeToShardErrors(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	other := seqnum.Encode(7, 0)
	sub := func(arn, shard string, pos *types.StartingPosition) error {
		_, err := env.client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: aws.String(arn), ShardId: aws.String(shard), StartingPosition: pos})
		return err
	}
	latest := &types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	cases := []struct {
		name     string
		err      error
		typ, msg string
	}{
		{"bad ARN", sub("arn:nope", "shardId-000000000000", latest), "ValidationException", "1 validation error detected: Value 'arn:nope' at 'consumerARN' failed to satisfy constraint: " + consumerARNPattern},
		{"unknown consumer", sub(arn+"/consumer/ghost:1", "shardId-000000000000", latest), "ResourceNotFoundException", "Consumer " + arn + "/consumer/ghost:1 under account 000000000000 not found."},
		{"stale ARN", sub(arn+"/consumer/c:1", "shardId-000000000000", latest), "ResourceNotFoundException", "Consumer " + arn + "/consumer/c:1 under account 000000000000 not found."},
		{"missing shard", sub(*c.ConsumerARN, "shardId-000000000009", latest), "ResourceNotFoundException", "Shard shardId-000000000009 in stream s under account 000000000000 does not exist"},
		{"no sequence number", sub(*c.ConsumerARN, "shardId-000000000000", &types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber}), "InvalidArgumentException",
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"other shard's number", sub(*c.ConsumerARN, "shardId-000000000000", &types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: aws.String(other)}), "InvalidArgumentException",
			"Invalid StartingSequenceNumber. It encodes shardId-000000000007, while it was used in a call to a shard with shardId-000000000000"},
		{"future timestamp", sub(*c.ConsumerARN, "shardId-000000000000", &types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(time.Now().Add(time.Hour))}), "InvalidArgumentException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.err, tc.typ, tc.msg) })
	}
}

func TestSubscribeToShardDuplicate(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 2)
	c := fanRegister(t, env, arn, "c")
	pos := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	sctx, cancel := context.WithCancel(ctx)
	es := fanSubscribe(t, sctx, env, *c.ConsumerARN, "shardId-000000000000", pos)
	_, err := env.client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &pos})
	apiErr(t, err, "ResourceInUseException", "Another active subscription exists for this consumer: 000000000000:s:shardId-000000000000:c")
	// Another shard, or another consumer on the same shard, is fine.
	fanSubscribe(t, ctx, env, *c.ConsumerARN, "shardId-000000000001", pos)
	c2 := fanRegister(t, env, arn, "c2")
	fanSubscribe(t, ctx, env, *c2.ConsumerARN, "shardId-000000000000", pos)
	// Once the first subscriber leaves, the consumer may subscribe again.
	es.Close()
	cancel()
	deadline := time.Now().Add(10 * time.Second)
	client := kin.New(env.client.Options())
	for {
		out, err := client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &pos})
		if err == nil {
			out.GetStream().Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resubscribe after disconnect: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSubscribeToShardTakeover checks AWS's rule for a second call with the
// same consumer and shard while the first subscription is still open: within
// 5 seconds of the first call it is refused with ResourceInUseException; 5
// seconds or more after it, it takes the subscription over and the first
// stream ends with ResourceInUseException (a consumer moved to a new
// process, or a KCL lease taken over, must not wait out the old
// connection's 5 minutes).
func TestSubscribeToShardTakeover(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	pos := types.StartingPosition{Type: types.ShardIteratorTypeLatest}
	first := fanSubscribe(t, ctx, env, *c.ConsumerARN, "shardId-000000000000", pos)
	env.clock.advance(4 * time.Second)
	_, err := kin.New(env.client.Options()).SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &pos})
	apiErr(t, err, "ResourceInUseException", "Another active subscription exists for this consumer: 000000000000:s:shardId-000000000000:c")

	env.clock.advance(time.Second)
	second := fanSubscribe(t, ctx, env, *c.ConsumerARN, "shardId-000000000000", pos)
	for {
		if _, ok := nextEvent(t, first, 10*time.Second); !ok {
			break
		}
	}
	apiErr(t, first.Err(), "ResourceInUseException", "")

	// The new subscription owns the shard: it gets the records, and a third
	// call right away is refused because of it.
	if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: []byte("r"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := recordsUntil(t, second, 1); string(recs[0].Data) != "r" {
		t.Fatalf("got %q", recs[0].Data)
	}
	_, err = kin.New(env.client.Options()).SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &pos})
	apiErr(t, err, "ResourceInUseException", "")
}

// sealWithChildren closes shard 0 of stream name through the log and the
// metadata and adds two children splitting its range, as SplitShard does.
func sealWithChildren(t *testing.T, env *testEnv, name string) {
	t.Helper()
	st := fanMustStream(t, env, name)
	info, err := env.log.Seal(testCtx(t), shardlog.ShardID{Stream: st.UID, Shard: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []uint32{1, 2} {
		if err := env.log.CreateShard(shardlog.ShardID{Stream: st.UID, Shard: idx}, shardlog.ShardConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = env.meta.UpdateStream(name, func(s *meta.Stream) error {
		p := uint32(0)
		sh := &s.Shards[0]
		sh.Closed, sh.ClosedAt = true, env.clock.now()
		if info.Next > 0 {
			sh.End = info.Next
		}
		s.Shards = append(s.Shards,
			meta.Shard{Index: 1, Parent: &p, HashKeyStart: "0", HashKeyEnd: "170141183460469231731687303715884105727", CreatedAt: env.clock.now()},
			meta.Shard{Index: 2, Parent: &p, HashKeyStart: "170141183460469231731687303715884105728", HashKeyEnd: "340282366920938463463374607431768211455", CreatedAt: env.clock.now()})
		s.NextShardIndex = 3
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSubscribeToShardChildShards(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	es := fanSubscribe(t, ctx, env, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: []byte("last"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	recs, _ := recordsUntil(t, es, 1)
	if string(recs[0].Data) != "last" {
		t.Fatalf("got %q", recs[0].Data)
	}
	sealWithChildren(t, env, "s")
	ev, ok := nextEvent(t, es, 10*time.Second)
	if !ok {
		t.Fatalf("stream ended before the ChildShards event: %v", es.Err())
	}
	if len(ev.ChildShards) != 2 || *ev.ChildShards[0].ShardId != "shardId-000000000001" || *ev.ChildShards[1].ShardId != "shardId-000000000002" ||
		len(ev.ChildShards[0].ParentShards) != 1 || ev.ChildShards[0].ParentShards[0] != "shardId-000000000000" ||
		*ev.ChildShards[1].HashKeyRange.StartingHashKey != "170141183460469231731687303715884105728" {
		t.Fatalf("child shards %+v", ev.ChildShards)
	}
	if len(ev.Records) != 0 {
		t.Fatalf("%d records in the last event", len(ev.Records))
	}
	// The shard's end is a null ContinuationSequenceNumber: KCL
	// (DataRetrievalUtil.isValidResult), Flink and Beam take it as the end
	// and reject an event with both a continuation and ChildShards.
	if ev.ContinuationSequenceNumber != nil {
		t.Fatalf("ContinuationSequenceNumber %q with ChildShards, want none", *ev.ContinuationSequenceNumber)
	}
	if _, ok := nextEvent(t, es, 10*time.Second); ok {
		t.Fatal("stream went on after the ChildShards event")
	}
	if err := es.Err(); err != nil {
		t.Fatalf("stream ended with %v", err)
	}
}

func TestSubscribeToShardLifetimeAndHeartbeat(t *testing.T) {
	env := startFanoutEnv(t, fanoutOpts{settings: fanoutSettings{Lifetime: 600 * time.Millisecond, Heartbeat: 100 * time.Millisecond}})
	ctx := testCtx(t)
	arn := fanStream(t, env.testEnv, "s", 1)
	c := fanRegister(t, env.testEnv, arn, "c")
	if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	es := fanSubscribe(t, ctx, env.testEnv, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	heartbeats := 0
	for {
		ev, ok := nextEvent(t, es, 10*time.Second)
		if !ok {
			break
		}
		if len(ev.Records) != 0 || *ev.ContinuationSequenceNumber != seqnum.Encode(0, 0) || *ev.MillisBehindLatest != 0 {
			t.Fatalf("heartbeat %+v", ev)
		}
		heartbeats++
	}
	took := time.Since(start)
	if es.Err() != nil {
		t.Fatalf("stream ended with %v", es.Err())
	}
	if heartbeats < 2 || took < 600*time.Millisecond {
		t.Fatalf("%d heartbeats, ended after %v", heartbeats, took)
	}
	// The subscription released its slot: subscribing again works.
	es2 := fanSubscribe(t, ctx, env.testEnv, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	if _, ok := nextEvent(t, es2, 10*time.Second); !ok {
		t.Fatalf("second subscription ended at once: %v", es2.Err())
	}
	// Deregistering ends the stream at the next heartbeat with an exception.
	if _, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := nextEvent(t, es2, 10*time.Second); !ok {
			break
		}
	}
	apiErr(t, es2.Err(), "ResourceNotFoundException", "Consumer c under account 000000000000 not found.")
}

// subscriptionGoroutines lists goroutines running subscription code.
func subscriptionGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	re := regexp.MustCompile(`kinesis\.\(\*(subscription|fanout)\)`)
	for _, g := range strings.Split(string(buf), "\n\n") {
		if re.MatchString(g) {
			out = append(out, g)
		}
	}
	return out
}

// waitNoSubscriptions fails unless every subscription goroutine is gone
// within a few seconds (a goroutine-leak check).
func waitNoSubscriptions(t *testing.T, env *testEnv) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := subscriptionGoroutines()
		if len(g) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscription goroutines leaked:\n%s", len(g), strings.Join(g, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSubscribeToShardDisconnectNoLeak(t *testing.T) {
	for _, proto := range []string{"http1", "h2c", "h2tls"} {
		t.Run(proto, func(t *testing.T) {
			env := startFanoutEnv(t, fanoutOpts{proto: proto})
			ctx := testCtx(t)
			arn := fanStream(t, env.testEnv, "s", 3)
			c := fanRegister(t, env.testEnv, arn, "c")
			for i := range 3 {
				sctx, cancel := context.WithCancel(ctx)
				es := fanSubscribe(t, sctx, env.testEnv, *c.ConsumerARN, fmt.Sprintf("shardId-%012d", i), types.StartingPosition{Type: types.ShardIteratorTypeLatest})
				if len(subscriptionGoroutines()) == 0 {
					t.Fatal("no subscription goroutine while subscribed: the leak check cannot see them")
				}
				es.Close()
				cancel()
			}
			waitNoSubscriptions(t, env.testEnv)
		})
	}
}

func TestSubscribeToShardServerClose(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	es := fanSubscribe(t, ctx, env, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
	env.srv.Close()
	if _, ok := nextEvent(t, es, 10*time.Second); ok {
		t.Fatal("event after Server.Close")
	}
	waitNoSubscriptions(t, env)
}

// TestSubscribeToShardCBOR subscribes with a CBOR request, as the Java SDK
// and the KCL do, and checks the events come back as CBOR with the data as
// a byte string.
func TestSubscribeToShardCBOR(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	body, err := cbor.Marshal(map[string]any{"ConsumerARN": *c.ConsumerARN, "ShardId": "shardId-000000000000", "StartingPosition": map[string]any{"Type": "LATEST"}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+"SubscribeToShard")
	req.Header.Set("Content-Type", contentTypeCBOR)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	dec := eventstream.NewDecoder()
	msg, err := dec.Decode(resp.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Headers.Get(":event-type").String() != "initial-response" || msg.Headers.Get(":content-type").String() != contentTypeCBOR || !bytes.Equal(msg.Payload, []byte{0xa0}) {
		t.Fatalf("initial message %v %x", msg.Headers, msg.Payload)
	}
	data := []byte{0, 1, 2, 0xff}
	put, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: data, PartitionKey: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	msg, err = dec.Decode(resp.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Headers.Get(":message-type").String() != "event" || msg.Headers.Get(":event-type").String() != "SubscribeToShardEvent" || msg.Headers.Get(":content-type").String() != contentTypeCBOR {
		t.Fatalf("event headers %v", msg.Headers)
	}
	var ev struct {
		Records []struct {
			SequenceNumber string
			Data           []byte
			PartitionKey   string
		}
		ContinuationSequenceNumber string
		MillisBehindLatest         int64
	}
	if err := cbor.Unmarshal(msg.Payload, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Records) != 1 || !bytes.Equal(ev.Records[0].Data, data) || ev.Records[0].SequenceNumber != *put.SequenceNumber || ev.ContinuationSequenceNumber != *put.SequenceNumber {
		t.Fatalf("event %+v", ev)
	}
}

// ConsumerCount is reported, and DeleteStream refuses a stream with
// consumers unless EnforceConsumerDeletion is set, which takes them along.
func TestDeleteStreamWithConsumers(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	arn := fanStream(t, env, "dc", 1)
	fanRegister(t, env, arn, "app-1")
	fanRegister(t, env, arn, "app-2")
	sum, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("dc")})
	if err != nil || aws.ToInt32(sum.StreamDescriptionSummary.ConsumerCount) != 2 {
		t.Fatalf("ConsumerCount: %v %+v", err, sum)
	}
	_, err = env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("dc")})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || inUse.ErrorMessage() != "Stream dc under account 000000000000 has registered consumers." {
		t.Fatalf("delete with consumers: %v", err)
	}
	// The UID is read first: the background sweeper may remove the stream
	// record as soon as DeleteStream returns.
	st, ok := env.meta.Stream("dc")
	if !ok {
		t.Fatal("stream dc missing before delete")
	}
	if _, err := env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("dc"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.finishDelete("dc", st.UID); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := env.meta.Scan(consumerNS, consumerPrefix(st.UID), func(string, []byte) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("consumer records left after delete: %d %v", n, err)
	}
}
