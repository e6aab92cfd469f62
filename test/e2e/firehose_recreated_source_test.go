package e2e

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestFirehoseFollowsRecreatedKinesisSource: a KinesisStreamAsSource
// delivery stream is bound by the source's ARN, which holds only its name.
// While the source is deleted DescribeDeliveryStream reports the failure
// (Firehose retries DescribeStream/GetRecords indefinitely); once a stream
// of that name exists again, its records are delivered, from its start.
func TestFirehoseFollowsRecreatedKinesisSource(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 60*time.Second)
	kc, fc := newKinesis(p.endpoint()), newFirehose(p.endpoint(), nil)
	createStreamActive(ctx, t, kc, "re-src", 1)
	_, err := fc.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("re-hose"),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/re-src"),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/firehose"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN:        aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:      aws.String("arn:aws:s3:::lake-re"),
			BufferingHints: &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)},
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	describe := func() *fhtypes.DeliveryStreamDescription {
		t.Helper()
		out, err := fc.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("re-hose")})
		if err != nil {
			t.Fatalf("DescribeDeliveryStream: %v", err)
		}
		return out.DeliveryStreamDescription
	}
	waitUntil(t, 10*time.Second, func() bool { return describe().DeliveryStreamStatus == fhtypes.DeliveryStreamStatusActive })
	put := func(data string) {
		t.Helper()
		if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("re-src"),
			PartitionKey: aws.String("k"), Data: []byte(data)}); err != nil {
			t.Fatalf("PutRecord %q: %v", data, err)
		}
	}
	delivered := func(n int) []string {
		t.Helper()
		objs := waitLake(t, p.dataDir, "lake-re", "", 20*time.Second, func(objs []lakeObject) bool {
			return len(recordLines(objs)) >= n
		})
		return recordLines(objs)
	}
	put("old-1\n")
	if got := delivered(1); fmt.Sprint(got) != "[old-1\n]" {
		t.Fatalf("before the delete: %q", got)
	}

	if _, err := kc.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("re-src")}); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		_, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("re-src")})
		var nf *ktypes.ResourceNotFoundException
		return errors.As(err, &nf)
	})
	var failure *fhtypes.FailureDescription
	waitUntil(t, 10*time.Second, func() bool {
		failure = describe().FailureDescription
		return failure != nil
	})
	if failure.Type != fhtypes.DeliveryStreamFailureTypeUnknownError || !strings.Contains(aws.ToString(failure.Details), "re-src") {
		t.Fatalf("FailureDescription while the source is missing: %+v", *failure)
	}

	// Records put into the new stream before the delivery stream notices
	// it are delivered too: it is read from its trim horizon.
	createStreamActive(ctx, t, kc, "re-src", 2)
	for i := 0; i < 4; i++ {
		if _, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("re-src"),
			PartitionKey: aws.String(fmt.Sprintf("k%d", i)), Data: []byte(fmt.Sprintf("new-%d\n", i))}); err != nil {
			t.Fatalf("PutRecord: %v", err)
		}
	}
	got := delivered(5)
	if want := "[new-0\n new-1\n new-2\n new-3\n old-1\n]"; fmt.Sprint(got) != want {
		t.Fatalf("after the re-create: %q, want %q", got, want)
	}
	waitUntil(t, 10*time.Second, func() bool { return describe().FailureDescription == nil })
}
