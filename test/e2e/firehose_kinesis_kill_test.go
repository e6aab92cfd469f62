package e2e

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestFirehoseKinesisSourceReshardKill9 runs a Kinesis-sourced delivery
// stream (GZIP objects) while producers write to the source with
// PutRecords, reshards the source (2 → 3 shards) and kills the server with
// SIGKILL twice. After the last restart every acknowledged record is in
// the lake exactly once: batches replayed after a crash replace their
// objects, and the children of a reshard are read after their parents.
func TestFirehoseKinesisSourceReshardKill9(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 120*time.Second)
	kc := newKinesis(p.endpoint())
	createStreamActive(ctx, t, kc, "src", 2)
	fh := newFirehose(p.endpoint(), nil)
	_, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("from-src"),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/src"),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/firehose"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN:           aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:         aws.String("arn:aws:s3:::lake-ksrc"),
			CompressionFormat: fhtypes.CompressionFormatGzip,
			BufferingHints:    &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(1)},
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}

	var mu sync.Mutex
	acked := map[string]bool{}
	produce := func(stop <-chan struct{}, w string) {
		c := newKinesisNoRetry(p.endpoint())
		for b := 0; ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			entries := make([]ktypes.PutRecordsRequestEntry, 100)
			for i := range entries {
				entries[i] = ktypes.PutRecordsRequestEntry{
					Data:         []byte(fmt.Sprintf("%s-b%05d-r%03d %s\n", w, b, i, strings.Repeat("k", 100))),
					PartitionKey: aws.String(fmt.Sprintf("pk-%s-%d", w, i)),
				}
			}
			out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("src"), Records: entries})
			if err != nil {
				time.Sleep(20 * time.Millisecond) // down, or outcome unknown: not acknowledged
				continue
			}
			mu.Lock()
			for i, r := range out.Records {
				if r.SequenceNumber != nil {
					acked[string(entries[i].Data)] = true
				}
			}
			mu.Unlock()
		}
	}
	run := func(n int, d time.Duration, during func()) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(w string) { defer wg.Done(); produce(stop, w) }(fmt.Sprintf("run%d-w%d", n, w))
		}
		time.Sleep(d / 2)
		if during != nil {
			during()
		}
		time.Sleep(d / 2)
		p.kill()
		close(stop)
		wg.Wait()
		p.start()
	}
	run(1, 2*time.Second, func() {
		if _, err := kc.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
			StreamName: aws.String("src"), TargetShardCount: aws.Int32(3), ScalingType: ktypes.ScalingTypeUniformScaling,
		}); err != nil {
			t.Errorf("UpdateShardCount: %v", err)
		}
	})
	run(2, 2*time.Second, nil)
	mu.Lock()
	want := len(acked)
	mu.Unlock()
	if want == 0 {
		t.Fatal("no record was acknowledged")
	}

	var lines []string
	waitLake(t, p.dataDir, "lake-ksrc", "", 60*time.Second, func(objs []lakeObject) bool {
		lines = gunzipLines(t, objs)
		return len(lines) >= want
	})
	seen := map[string]int{}
	for _, l := range lines {
		seen[l]++
	}
	var missing, dups []string
	for r := range acked {
		if seen[r] == 0 {
			missing = append(missing, r)
		}
	}
	for l, n := range seen {
		if n > 1 {
			dups = append(dups, l)
		}
	}
	sort.Strings(missing)
	sort.Strings(dups)
	if len(missing) > 0 || len(dups) > 0 {
		t.Fatalf("%d acknowledged, %d lines: %d missing (first %q), %d duplicated (first %q)",
			want, len(lines), len(missing), first(missing), len(dups), first(dups))
	}
	t.Logf("%d acknowledged records delivered exactly once across a reshard and two kill -9", want)
}

// first returns the first element of s, or "".
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
