package kinesis

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// frozenClock stands still unless a test moves it, so token buckets see
// exactly the time the test says.
type frozenClock struct{ ns atomic.Int64 }

func newFrozenClock() *frozenClock {
	c := &frozenClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *frozenClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *frozenClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// withLimits turns limits on under a frozen clock.
func withLimits(c *frozenClock) envOption {
	return func(cfg *Config) { cfg.EnforceLimits = true; cfg.Now = c.now }
}

func putBatch(t *testing.T, env *testEnv, stream string, n, size int) *kin.PutRecordsOutput {
	t.Helper()
	recs := make([]types.PutRecordsRequestEntry, n)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: bytes.Repeat([]byte{byte(i)}, size)}
	}
	out, err := env.client.PutRecords(testCtx(t), &kin.PutRecordsInput{StreamName: aws.String(stream), Records: recs})
	if err != nil {
		t.Fatalf("PutRecords: %v", err)
	}
	return out
}

// TestLimitsOffByDefault checks that without EnforceLimits nothing is
// throttled, however fast a shard is written and read.
func TestLimitsOffByDefault(t *testing.T) {
	env := startEnv(t)
	env.create(t, "free", 1)
	if env.srv.limits != nil {
		t.Fatal("limiter built with EnforceLimits off")
	}
	for range 3 {
		if out := putBatch(t, env, "free", 500, 3000); aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("%d records failed with limits off", aws.ToInt32(out.FailedRecordCount))
		}
	}
	it, err := env.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{StreamName: aws.String("free"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1)}); err != nil {
			t.Fatalf("GetRecords %d: %v", i, err)
		}
	}
}

// TestPutRecordsThrottledPerRecord checks the 1 MiB/s and 1,000 records/s
// write budgets: records past them fail one by one with AWS's ErrorCode
// and ErrorMessage while the others are written; PutRecord fails the call;
// the budget comes back with time.
func TestPutRecordsThrottledPerRecord(t *testing.T) {
	clock := newFrozenClock()
	env := startEnv(t, withLimits(clock))
	env.create(t, "lim", 1)
	const msg = "Rate exceeded for shard shardId-000000000000 in stream lim under account 000000000000."

	// 500 records of 3,001 bytes: 349 fit in 1 MiB.
	out := putBatch(t, env, "lim", 500, 3000)
	fit := (1 << 20) / 3001
	if got := int(aws.ToInt32(out.FailedRecordCount)); got != 500-fit {
		t.Fatalf("FailedRecordCount %d, want %d", got, 500-fit)
	}
	for i, r := range out.Records {
		if i < fit {
			if r.ErrorCode != nil || r.SequenceNumber == nil {
				t.Fatalf("record %d failed: %s", i, aws.ToString(r.ErrorMessage))
			}
			continue
		}
		if aws.ToString(r.ErrorCode) != "ProvisionedThroughputExceededException" || aws.ToString(r.ErrorMessage) != msg || r.SequenceNumber != nil {
			t.Fatalf("record %d: %s %q, want the throttling error", i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
		}
	}
	_, err := env.client.PutRecord(testCtx(t), &kin.PutRecordInput{StreamName: aws.String("lim"), PartitionKey: aws.String("k"), Data: make([]byte, 10000)})
	wantAPIError(t, err, "ProvisionedThroughputExceededException", msg)

	// Recovery: a second later the budget is whole again.
	clock.advance(time.Second)
	if _, err := env.client.PutRecord(testCtx(t), &kin.PutRecordInput{StreamName: aws.String("lim"), PartitionKey: aws.String("k"), Data: make([]byte, 10000)}); err != nil {
		t.Fatalf("PutRecord after recovery: %v", err)
	}

	// The records budget: 1,000 a second, whatever their size.
	clock.advance(time.Second)
	for i, wantFailed := range []int32{0, 0, 500} {
		if got := aws.ToInt32(putBatch(t, env, "lim", 500, 1).FailedRecordCount); got != wantFailed {
			t.Fatalf("small batch %d: %d failed, want %d", i, got, wantFailed)
		}
	}
	clock.advance(250 * time.Millisecond)
	if got := aws.ToInt32(putBatch(t, env, "lim", 500, 1).FailedRecordCount); got != 250 {
		t.Fatalf("after 250 ms: %d failed, want 250", got)
	}
	// Everything written reads back: nothing throttled was stored.
	recs := readAllRecords(t, env, "lim", "shardId-000000000000")
	if want := fit + 1 + 1000 + 250; len(recs) != want {
		t.Fatalf("read %d records, want %d", len(recs), want)
	}
}

func readAllRecords(t *testing.T, env *testEnv, stream, shard string) []types.Record {
	t.Helper()
	it, err := env.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	var recs []types.Record
	next := it.ShardIterator
	for range 1000 {
		out, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: next})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 {
			return recs
		}
		next = out.NextShardIterator
	}
	t.Fatal("never caught up")
	return nil
}

// TestGetRecordsThrottled checks the 5 calls/s and 2 MiB/s read budgets:
// the sixth call in a second and a call after a large read fail with
// AWS's message, and both recover on time.
func TestGetRecordsThrottled(t *testing.T) {
	clock := newFrozenClock()
	env := startEnv(t, withLimits(clock))
	env.create(t, "rd", 1)
	const msg = "Rate exceeded for Shard - 000000000000/rd/shardId-000000000000"
	it, err := env.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{StreamName: aws.String("rd"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	get := func() error {
		_, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
		return err
	}
	for i := range readCallsPerSec {
		if err := get(); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	wantAPIError(t, get(), "ProvisionedThroughputExceededException", msg)
	clock.advance(200 * time.Millisecond) // one call's worth
	if err := get(); err != nil {
		t.Fatalf("call after 200 ms: %v", err)
	}
	wantAPIError(t, get(), "ProvisionedThroughputExceededException", msg)

	// 3 MB written over three seconds, then read in one call: the shard
	// owes about 0.43 s of reading.
	for range 3 {
		clock.advance(time.Second)
		if got := aws.ToInt32(putBatch(t, env, "rd", 10, 100000).FailedRecordCount); got != 0 {
			t.Fatalf("%d records throttled", got)
		}
	}
	out, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(out.Records) != 30 {
		t.Fatalf("large read: %d records, %v", len(out.Records), err)
	}
	clock.advance(400 * time.Millisecond)
	wantAPIError(t, get(), "ProvisionedThroughputExceededException", msg)
	clock.advance(100 * time.Millisecond)
	if err := get(); err != nil {
		t.Fatalf("call after the debt is paid: %v", err)
	}
}

// TestConsumerReadPacing checks the fan-out budget API: 2 MiB/s per
// consumer per shard, paced rather than refused, independent per consumer.
func TestConsumerReadPacing(t *testing.T) {
	clock := newFrozenClock()
	cfg := Config{EnforceLimits: true, Now: clock.now}
	l := newLimiter(&cfg)
	id := shardlog.ShardID{Stream: 1, Shard: 0}
	if d := l.consumerRead("a", id, 2<<20); d != 0 {
		t.Fatalf("first 2 MiB paused %v", d)
	}
	if d := l.consumerRead("a", id, 1<<20); d != 500*time.Millisecond {
		t.Fatalf("3rd MiB: pause %v, want 500ms", d)
	}
	if d := l.consumerRead("b", id, 1<<20); d != 0 {
		t.Fatalf("another consumer paused %v", d)
	}
	clock.advance(time.Second)
	if d := l.consumerRead("a", id, 1<<20); d != 0 {
		t.Fatalf("after a second: pause %v", d)
	}
	var off *limiter
	if off.consumerRead("a", id, 100<<20) != 0 || !off.admitRead(id) {
		t.Fatal("nil limiter limited")
	}
	l.maxBudgets = 8
	for i := range 5000 { // many shards: the stripes prune idle budgets
		l.admitRead(shardlog.ShardID{Stream: uint64(i), Shard: 1})
		clock.advance(10 * time.Millisecond)
	}
	total := 0
	for i := range l.stripes {
		total += len(l.stripes[i].shards)
	}
	if total >= 5000 {
		t.Fatalf("%d budgets kept, want idle ones pruned", total)
	}
}

// BenchmarkPutRecordsLimits measures a 500 × 1 KiB PutRecords (memory log,
// 4 shards, in-process) with limits off and on; with limits on the frozen
// clock moves a second per call, so nothing is throttled and the cost is
// the budget checks alone.
func BenchmarkPutRecordsLimits(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			st, err := meta.Open(filepath.Join(b.TempDir(), "meta.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			clock := newFrozenClock()
			lg := shardlog.NewMemory(nil)
			cfg := DefaultConfig()
			cfg.StateDelay = 0
			cfg.EnforceLimits = on
			cfg.Now = clock.now
			srv, err := New(cfg, st, lg, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close(); lg.Close(); st.Close() })
			if _, err := srv.ops["CreateStream"](context.Background(), &call{body: []byte(`{"StreamName":"bench","ShardCount":4}`)}); err != nil {
				b.Fatal(err)
			}
			body := putRecordsBody(500, 1024)
			work := make([]byte, len(body))
			ctx := context.Background()
			b.SetBytes(500 * 1024)
			b.ReportAllocs()
			for b.Loop() {
				clock.advance(time.Second)
				copy(work, body)
				res, err := srv.putRecordsOp(ctx, &call{body: work})
				if err != nil {
					b.Fatal(err)
				}
				if res.(*putRecordsOutput).failed != 0 {
					b.Fatal("records failed")
				}
			}
		})
	}
}

// TestCallQuotas checks the control-plane call quotas under limits:
// per account (DescribeStream 10/s over every stream, ListStreams 5/s),
// per stream (ListStreamConsumers 5/s) and per open shard
// (GetShardIterator 5/s), each action with its own budget, AWS's
// LimitExceededException messages, and recovery with time.
func TestCallQuotas(t *testing.T) {
	clock := newFrozenClock()
	env := startEnv(t, withLimits(clock))
	env.create(t, "q", 2)
	env.create(t, "r", 1)
	c := kin.New(env.client.Options(), func(o *kin.Options) { o.Retryer = aws.NopRetryer{} })
	ctx := testCtx(t)
	clock.advance(time.Second) // what creating the streams used is back
	const acct = "000000000000"

	for i := range 10 {
		name := []string{"q", "r"}[i%2]
		if _, err := c.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String(name)}); err != nil {
			t.Fatalf("DescribeStream %d: %v", i, err)
		}
	}
	_, err := c.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("q")})
	wantAPIError(t, err, "LimitExceededException", "Rate exceeded for stream q under account "+acct+".")
	if _, err := c.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("q")}); err != nil {
		t.Fatalf("DescribeStreamSummary has its own quota: %v", err)
	}

	for i := range 5 {
		if _, err := c.ListStreams(ctx, &kin.ListStreamsInput{}); err != nil {
			t.Fatalf("ListStreams %d: %v", i, err)
		}
	}
	_, err = c.ListStreams(ctx, &kin.ListStreamsInput{})
	wantAPIError(t, err, "LimitExceededException", "Rate exceeded for account "+acct+".")

	arn := func(name string) *string {
		return aws.String("arn:aws:kinesis:us-east-1:" + acct + ":stream/" + name)
	}
	for i := range 5 {
		if _, err := c.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: arn("q")}); err != nil {
			t.Fatalf("ListStreamConsumers %d: %v", i, err)
		}
	}
	_, err = c.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: arn("q")})
	wantAPIError(t, err, "LimitExceededException", "Rate exceeded for stream q under account "+acct+".")
	if _, err := c.ListStreamConsumers(ctx, &kin.ListStreamConsumersInput{StreamARN: arn("r")}); err != nil {
		t.Fatalf("ListStreamConsumers is per stream: %v", err)
	}

	iter := func(shard string) error {
		_, err := c.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("q"), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeLatest})
		return err
	}
	for i := range 5 {
		if err := iter("shardId-000000000000"); err != nil {
			t.Fatalf("GetShardIterator %d: %v", i, err)
		}
	}
	wantAPIError(t, iter("shardId-000000000000"), "LimitExceededException", "Rate exceeded for stream q under account "+acct+".")
	// The short form of a shard id names the same shard and its quota.
	wantAPIError(t, iter("0"), "LimitExceededException", "Rate exceeded for stream q under account "+acct+".")
	if err := iter("shardId-000000000001"); err != nil {
		t.Fatalf("GetShardIterator is per shard: %v", err)
	}

	// UpdateShardCount: 10 calls per second per account (the calls past the
	// first meet the UPDATING stream, but each one counts).
	usc := func(name string) error {
		_, err := c.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String(name), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling})
		return err
	}
	for i := range 10 {
		var inUse *types.ResourceInUseException
		if err := usc([]string{"q", "r"}[i%2]); err != nil && !errors.As(err, &inUse) {
			t.Fatalf("UpdateShardCount %d: %v", i, err)
		}
	}
	wantAPIError(t, usc("r"), "LimitExceededException", "Rate exceeded for stream r under account "+acct+".")

	clock.advance(time.Second)
	if _, err := c.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("q")}); err != nil {
		t.Fatalf("DescribeStream a second later: %v", err)
	}
	if _, err := c.ListStreams(ctx, &kin.ListStreamsInput{}); err != nil {
		t.Fatalf("ListStreams a second later: %v", err)
	}
	if err := iter("shardId-000000000000"); err != nil {
		t.Fatalf("GetShardIterator a second later: %v", err)
	}
}

// TestCallQuotaBodies: the quota key and message come from CBOR bodies as
// from JSON; a body that does not decode names nothing but still counts;
// actions without a quota are never refused.
func TestCallQuotaBodies(t *testing.T) {
	clock := newFrozenClock()
	l := newLimiter(&Config{EnforceLimits: true, Now: clock.now})
	cc, err := newCBORCodec()
	if err != nil {
		t.Fatal(err)
	}
	body, err := cc.enc.Marshal(map[string]string{"StreamName": "c", "ShardId": "shardId-000000000003"})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(err error) string {
		e, _ := wire.AsError(err)
		return e.Type + ": " + e.Message
	}
	for _, tc := range []struct {
		name string
		c    *call
		want string
	}{
		{"cbor", &call{body: body, codec: codecCBOR, cbor: cc}, "LimitExceededException: Rate exceeded for stream c under account 1."},
		{"malformed json", &call{body: []byte(`{"StreamName":`), codec: codecJSON}, "LimitExceededException: Rate exceeded for account 1."},
	} {
		for i := range 5 {
			if err := l.admitCall("GetShardIterator", tc.c, "1"); err != nil {
				t.Fatalf("%s: call %d refused: %v", tc.name, i, err)
			}
		}
		if got := msg(l.admitCall("GetShardIterator", tc.c, "1")); got != tc.want {
			t.Errorf("%s: sixth call %q, want %q", tc.name, got, tc.want)
		}
	}
	for i := range 100 {
		if err := l.admitCall("PutRecord", &call{codec: codecJSON}, "1"); err != nil {
			t.Fatalf("PutRecord %d refused by a call quota: %v", i, err)
		}
	}
	var off *limiter
	if err := off.admitCall("DescribeLimits", &call{codec: codecJSON}, "1"); err != nil {
		t.Fatalf("limits off: %v", err)
	}
}

// TestSubscribeToShardCallQuota: one SubscribeToShard call per second per
// registered consumer per shard, as AWS documents; other consumers and
// other shards have their own budget.
func TestSubscribeToShardCallQuota(t *testing.T) {
	clock := newFrozenClock()
	env := startEnv(t, withLimits(clock))
	arn := fanStream(t, env, "s", 2)
	c1 := fanRegister(t, env, arn, "c1")
	c2 := fanRegister(t, env, arn, "c2")
	ctx := testCtx(t)
	sub := func(consumer *string, shard string) error {
		// A client per call: the SDK's event-stream codec is shared by the
		// streams of one client and races (see fanSubscribe).
		c := kin.New(env.client.Options(), func(o *kin.Options) { o.Retryer = aws.NopRetryer{} })
		out, err := c.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: consumer, ShardId: aws.String(shard),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
		if err == nil {
			out.GetStream().Close()
		}
		return err
	}
	if err := sub(c1.ConsumerARN, "shardId-000000000000"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, sub(c1.ConsumerARN, "shardId-000000000000"), "LimitExceededException",
		"Rate exceeded for consumer "+*c1.ConsumerARN+" and shard shardId-000000000000")
	// Another shard has its own budget; the short form of its id names it.
	if err := sub(c1.ConsumerARN, "1"); err != nil {
		t.Fatalf("the same consumer on another shard: %v", err)
	}
	wantAPIError(t, sub(c1.ConsumerARN, "shardId-000000000001"), "LimitExceededException",
		"Rate exceeded for consumer "+*c1.ConsumerARN+" and shard shardId-000000000001")
	if err := sub(c2.ConsumerARN, "shardId-000000000000"); err != nil {
		t.Fatalf("another consumer on the same shard: %v", err)
	}
	clock.advance(time.Second)
	var le *types.LimitExceededException
	if err := sub(c1.ConsumerARN, "shardId-000000000000"); errors.As(err, &le) {
		t.Fatalf("a second later: %v", err)
	}
}
