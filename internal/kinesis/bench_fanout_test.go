package kinesis

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// BenchmarkFanoutLatency measures put → event latency: the time from
// sending a PutRecord (aws-sdk-go-v2, HTTP/1.1, loopback) to receiving its
// SubscribeToShardEvent on an open subscription, one record at a time. It
// reports p50, p99 and max over b.N puts, for the memory log and for the
// file log with fsync on every commit (SyncAlways) and with interval sync.
//
//	go test ./internal/kinesis -run '^$' -bench FanoutLatency -benchtime 2000x
func BenchmarkFanoutLatency(b *testing.B) {
	logs := []struct {
		name string
		open func(b *testing.B) shardlog.Log
	}{
		{"memory", func(b *testing.B) shardlog.Log { return shardlog.NewMemory(nil) }},
		{"file-sync-always", func(b *testing.B) shardlog.Log { return openBenchFile(b, shardlog.SyncAlways) }},
		{"file-sync-interval", func(b *testing.B) shardlog.Log { return openBenchFile(b, shardlog.SyncInterval) }},
	}
	for _, l := range logs {
		b.Run(l.name, func(b *testing.B) { benchFanoutLatency(b, l.open(b)) })
	}
}

func openBenchFile(b *testing.B, p shardlog.SyncPolicy) shardlog.Log {
	lg, err := shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(b.TempDir(), "log"), Sync: p})
	if err != nil {
		b.Fatal(err)
	}
	return lg
}

func benchFanoutLatency(b *testing.B, lg shardlog.Log) {
	st, err := meta.Open(filepath.Join(b.TempDir(), "meta.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close(); lg.Close(); st.Close() }()
	opts := kin.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: awsfix.HTTPClient(0)}
	client, subClient := kin.New(opts), kin.New(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("b"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	reg, err := client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/b"), ConsumerName: aws.String("c")})
	if err != nil {
		b.Fatal(err)
	}
	sub, err := subClient.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	if err != nil {
		b.Fatal(err)
	}
	es := sub.GetStream()
	defer es.Close()
	data := make([]byte, 100)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("b"), Data: data, PartitionKey: aws.String("k")}); err != nil {
			b.Fatal(err)
		}
		for got := false; !got; {
			ev, ok := <-es.Events()
			if !ok {
				b.Fatalf("stream ended: %v", es.Err())
			}
			if e, isEv := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent); isEv && len(e.Value.Records) > 0 {
				got = true
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.Logf("%s", fmt.Sprintf("n=%d p50=%.3fms p99=%.3fms max=%.3fms", len(lat), q(0.5), q(0.99), float64(lat[len(lat)-1].Microseconds())/1000))
}
