package kinesis

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// metricsServer is benchServer with a metrics registry.
func metricsServer(tb testing.TB, shards int, opts ...envOption) (*Server, *metrics.Registry) {
	tb.Helper()
	st, err := meta.Open(filepath.Join(tb.TempDir(), "meta.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	lg := shardlog.NewMemory(nil)
	reg := metrics.New(metrics.Options{})
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	cfg.Metrics = reg
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close(); lg.Close(); st.Close() })
	body := fmt.Sprintf(`{"StreamName":"bench","ShardCount":%d}`, shards)
	if _, err := srv.ops["CreateStream"](context.Background(), &call{body: []byte(body)}); err != nil {
		tb.Fatal(err)
	}
	return srv, reg
}

// BenchmarkPutRecordsMetrics is BenchmarkPutRecords with metrics on:
// compare the two for the hot-path cost of instrumentation.
func BenchmarkPutRecordsMetrics(b *testing.B) {
	srv, _ := metricsServer(b, 4)
	body := putRecordsBody(500, 1024)
	work := make([]byte, len(body))
	ctx := context.Background()
	out := make([]byte, 0, 64<<10)
	b.SetBytes(500 * 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(work, body)
		res, err := srv.putRecordsOp(ctx, &call{body: work})
		if err != nil {
			b.Fatal(err)
		}
		out = res.(jsonAppender).AppendJSON(out[:0])
	}
}

// TestPutRecordsMetrics checks that PutRecords counts every record once,
// on the shard it landed on, with the data bytes.
func TestPutRecordsMetrics(t *testing.T) {
	srv, reg := metricsServer(t, 4)
	ctx := context.Background()
	for range 3 {
		if _, err := srv.putRecordsOp(ctx, &call{body: putRecordsBody(100, 10)}); err != nil {
			t.Fatal(err)
		}
	}
	tot := reg.StreamTotals()["bench"]
	if tot.IncomingRecords != 300 || tot.IncomingBytes != 3000 {
		t.Errorf("totals = %+v, want 300 records, 3000 bytes", tot)
	}
	var sum float64
	mfs, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "rheo_kinesis_put_records_latency_seconds" {
			if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != 3 {
				t.Errorf("PutRecords latency samples = %d, want 3", n)
			}
		}
		if mf.GetName() != "rheo_kinesis_incoming_records_total" {
			continue
		}
		if n := len(mf.GetMetric()); n != 4 {
			t.Errorf("incoming records series = %d, want one per shard (4)", n)
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	if sum != 300 {
		t.Errorf("sum of incoming records = %v, want 300", sum)
	}
}

// TestSubscribeToShardMetrics checks the fan-out series: records and bytes
// pushed, MillisBehindLatest in StreamTotals while subscribed and gone
// after, and that a deregistered consumer's series go at the next prune.
func TestSubscribeToShardMetrics(t *testing.T) {
	var srv *Server
	reg := metrics.New(metrics.Options{ConsumerLive: func(uid uint64, c string) bool { return srv.ConsumerExists(uid, c) }})
	env := startEnv(t, func(c *Config) { c.Metrics = reg })
	srv = env.srv
	ctx := testCtx(t)
	arn := fanStream(t, env, "s", 1)
	c := fanRegister(t, env, arn, "c")
	for i := range 3 {
		if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("s"), Data: []byte{'x', byte(i)}, PartitionKey: aws.String("k")}); err != nil {
			t.Fatal(err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	es := fanSubscribe(t, sctx, env, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	recordsUntil(t, es, 3)
	// While subscribed, the consumer's lag is reported: caught up.
	eventually(t, "consumer c caught up in StreamTotals", func() bool {
		lag, ok := reg.StreamTotals()["s"].Consumers["c"]
		return ok && lag == 0
	})
	es.Close()
	cancel()
	waitNoSubscriptions(t, env)

	// Unsubscribed, it has no lag any more (the console says "not
	// subscribed") rather than its last one.
	tot := reg.StreamTotals()["s"]
	if _, ok := tot.Consumers["c"]; ok {
		t.Errorf("Consumers = %v after the subscription ended, want c absent", tot.Consumers)
	}
	if tot.IncomingRecords != 3 || tot.IncomingBytes != 6 {
		t.Errorf("totals %+v, want 3 records, 6 bytes", tot)
	}
	mfs, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"rheo_kinesis_subscribe_to_shard_event_records_total": 3, "rheo_kinesis_subscribe_to_shard_event_bytes_total": 6}
	for _, mf := range mfs {
		if w, ok := want[mf.GetName()]; ok {
			if got := mf.GetMetric()[0].GetCounter().GetValue(); got != w {
				t.Errorf("%s = %v, want %v", mf.GetName(), got, w)
			}
			delete(want, mf.GetName())
		}
	}
	if len(want) > 0 {
		t.Errorf("missing series: %v", want)
	}

	if _, err := env.client.DeregisterStreamConsumer(ctx, &kin.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	env.clock.advance(time.Minute) // past DELETING
	reg.Prune()                    // what each scrape does first
	if got := counterSum(t, reg, "rheo_kinesis_subscribe_to_shard_event_records_total"); got != 0 {
		t.Errorf("deregistered consumer's records series still there: %v", got)
	}
}

// counterSum adds up every series of a counter family.
func counterSum(t *testing.T, reg *metrics.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestThrottleMetrics checks Write- and ReadProvisionedThroughputExceeded
// under --enforce-limits against the API's own answers.
func TestThrottleMetrics(t *testing.T) {
	clock := &testClock{}
	srv, reg := metricsServer(t, 1, func(c *Config) { c.EnforceLimits = true; c.Now = clock.now })
	ctx := context.Background()
	res, err := srv.putRecordsOp(ctx, &call{body: putRecordsBody(500, 4096)}) // 2 MiB into a 1 MiB/s shard
	if err != nil {
		t.Fatal(err)
	}
	failed := res.(*putRecordsOutput).failed
	if failed == 0 || failed == 500 {
		t.Fatalf("%d of 500 records throttled; the test needs some of each", failed)
	}
	if got := counterSum(t, reg, "rheo_kinesis_write_provisioned_throughput_exceeded_total"); got != float64(failed) {
		t.Errorf("write exceeded = %v, want %d", got, failed)
	}
	if got := counterSum(t, reg, "rheo_kinesis_incoming_records_total"); got != float64(500-failed) {
		t.Errorf("incoming records = %v, want %d", got, 500-failed)
	}
	it, err := srv.getShardIterator(ctx, &wire.GetShardIteratorInput{StreamName: ptr("bench"), ShardId: ptr("shardId-000000000000"), ShardIteratorType: ptr("LATEST")})
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	for range 7 {
		if _, err := srv.getRecords(ctx, &wire.GetRecordsInput{ShardIterator: &it.ShardIterator}); err != nil {
			throttled++
		}
	}
	if throttled != 2 {
		t.Fatalf("%d of 7 GetRecords throttled, want 2 (5 calls/s)", throttled)
	}
	if got := counterSum(t, reg, "rheo_kinesis_read_provisioned_throughput_exceeded_total"); got != 2 {
		t.Errorf("read exceeded = %v, want 2", got)
	}
}
