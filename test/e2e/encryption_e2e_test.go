package e2e

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// With StartStreamEncryption the record bytes never reach the segment files
// in clear, yet GetRecords returns them byte-exact, also after a restart.
func TestEncryptionAtRestBinary(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, time.Minute)
	c := newKinesisNoRetry(p.endpoint())
	createStreamActive(ctx, t, c, "secret", 1)
	if _, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{
		StreamName: aws.String("secret"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis"),
	}); err != nil {
		t.Fatal(err)
	}
	waitActive(ctx, t, c, "secret")
	plain := []byte("top-secret-payload-0123456789")
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("secret"), PartitionKey: aws.String("k"), Data: plain}); err != nil {
		t.Fatal(err)
	}
	p.term(10 * time.Second)
	segs, _ := filepath.Glob(filepath.Join(p.dataDir, "streams", "*", "*", "*.seg"))
	if len(segs) == 0 {
		t.Fatal("no segment files found")
	}
	for _, f := range segs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, plain) {
			t.Fatalf("%s holds the record in clear", f)
		}
	}
	p.start()
	c = newKinesisNoRetry(p.endpoint())
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("secret"),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || !bytes.Equal(out.Records[0].Data, plain) || out.Records[0].EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("read back %+v", out.Records)
	}
}

// --enforce-limits throttles a shard past 1000 records/s per record inside
// PutRecords, as AWS does, so clients can exercise their backoff.
func TestEnforceLimitsBinary(t *testing.T) {
	p := startRheo(t, "--enforce-limits")
	ctx := ctxT(t, time.Minute)
	c := newKinesisNoRetry(p.endpoint())
	createStreamActive(ctx, t, c, "lim", 1)
	throttled := 0
	for range 4 {
		var entries []types.PutRecordsRequestEntry
		for range 500 {
			entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("x")})
		}
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("lim"), Records: entries})
		if err != nil {
			var pe *types.ProvisionedThroughputExceededException
			if errors.As(err, &pe) {
				throttled += 500
				continue
			}
			t.Fatal(err)
		}
		for _, r := range out.Records {
			if aws.ToString(r.ErrorCode) == "ProvisionedThroughputExceededException" {
				throttled++
			}
		}
	}
	if throttled == 0 {
		t.Fatal("2000 records into one shard within a second were not throttled")
	}
}
