package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestFanoutBoto3 runs fanout_boto3.py (register, subscribe_to_shard over
// HTTP/1.1 with botocore's event-stream parser, errors, pagination,
// deregistration) against the built binary.
func TestFanoutBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed:", err)
	}
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not importable: %v\n%s", err, out)
	}
	script, err := filepath.Abs("fanout_boto3.py")
	if err != nil {
		t.Fatal(err)
	}
	p := startRheo(t)
	out, err := exec.Command("python3", script, p.endpoint()).CombinedOutput()
	t.Logf("fanout_boto3.py:\n%s", out)
	if err != nil {
		t.Fatalf("fanout_boto3.py failed: %v", err)
	}
}

// TestFanoutSDK subscribes with aws-sdk-go-v2 to the built binary over
// HTTP/1.1 and checks that records put after subscribing arrive byte-exact.
func TestFanoutSDK(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 60*time.Second)
	kin := newKinesis(p.endpoint())
	if _, err := kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("fan"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	var streamARN string
	waitUntil(t, 15*time.Second, func() bool {
		out, err := kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("fan")})
		if err != nil || out.StreamDescriptionSummary.StreamStatus != types.StreamStatusActive {
			return false
		}
		streamARN = *out.StreamDescriptionSummary.StreamARN
		return true
	})
	reg, err := kin.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN), ConsumerName: aws.String("go")})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, func() bool {
		out, err := kin.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
		return err == nil && out.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive
	})
	// A client of its own for the stream (the SDK's event-stream codec is
	// per client and not safe for concurrent streams).
	subClient := kinesis.New(kin.Options())
	sub, err := subClient.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{
		ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"),
		StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest},
	})
	if err != nil {
		t.Fatal(err)
	}
	es := sub.GetStream()
	defer es.Close()
	put := newKinesisNoRetry(p.endpoint())
	for i := range 20 {
		data := bytes.Repeat([]byte{byte(i), 0xff, 0}, i*100)
		out, err := put.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fan"), Data: data, PartitionKey: aws.String(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
		r := nextSDKRecord(t, ctx, es)
		if *r.SequenceNumber != *out.SequenceNumber || !bytes.Equal(r.Data, data) {
			t.Fatalf("record %d: got seq %s (%d bytes), want %s (%d bytes)", i, *r.SequenceNumber, len(r.Data), *out.SequenceNumber, len(data))
		}
	}
}

// nextSDKRecord returns the record of the next event that has one.
func nextSDKRecord(t *testing.T, ctx context.Context, es *kinesis.SubscribeToShardEventStream) types.Record {
	t.Helper()
	for {
		select {
		case ev, ok := <-es.Events():
			if !ok {
				t.Fatalf("event stream ended: %v", es.Err())
			}
			e, isEv := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !isEv {
				t.Fatalf("unexpected event %T", ev)
			}
			if len(e.Value.Records) == 0 {
				continue
			}
			if len(e.Value.Records) != 1 {
				t.Fatalf("event with %d records, want 1 (one put at a time)", len(e.Value.Records))
			}
			return e.Value.Records[0]
		case <-ctx.Done():
			t.Fatal("no record before the deadline")
		}
	}
}

// waitUntil polls cond every 20 ms until it holds or d passes.
func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
