package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/rheo-dev/rheo/internal/awsfix"
)

// newKinesis returns an aws-sdk-go-v2 Kinesis client for endpoint with
// dummy credentials and the SDK's standard retryer (without client-side
// rate limiting). Use it for reads and control calls: the SDK retries the
// "use of closed network connection" race of aws/aws-sdk-go-v2#2737, which
// a server answering on loopback within microseconds hits now and then.
func newKinesis(endpoint string) *kinesis.Client {
	return kinesisClient(endpoint, retry.NewStandard(func(o *retry.StandardOptions) {
		o.RateLimiter = ratelimit.None
	}))
}

// newKinesisNoRetry is newKinesis without retries, for writes whose
// outcome a durability check must know exactly: a retried PutRecords can
// write a record twice.
func newKinesisNoRetry(endpoint string) *kinesis.Client {
	return kinesisClient(endpoint, aws.NopRetryer{})
}

func kinesisClient(endpoint string, r aws.Retryer) *kinesis.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   &http.Client{Transport: awsfix.Transport(tr), Timeout: 30 * time.Second},
		Retryer:      r,
	})
}

// isSDKClosedConnRace reports whether err is the client-side race of
// aws/aws-sdk-go-v2#1825/#2737: net/http's write loop closes the
// connection while the response (often a 200) is being read. The request
// reached the server, so its outcome is unknown, like a cut connection.
func isSDKClosedConnRace(err error) bool {
	return errors.Is(err, net.ErrClosed)
}

// createStreamActive creates a stream and polls DescribeStreamSummary
// until it is ACTIVE.
func createStreamActive(ctx context.Context, t *testing.T, c *kinesis.Client, name string, shards int32) {
	t.Helper()
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("CreateStream %s: %v", name, err)
	}
	waitActive(ctx, t, c, name)
}

// waitActive polls DescribeStreamSummary until the stream is ACTIVE.
func waitActive(ctx context.Context, t *testing.T, c *kinesis.Client, name string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeStreamSummary %s: %v", name, err)
		}
		if out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s still %s after 15s", name, out.StreamDescriptionSummary.StreamStatus)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// listShardIDs returns every shard of the stream, following NextToken.
func listShardIDs(ctx context.Context, c *kinesis.Client, name string) ([]string, error) {
	var ids []string
	in := &kinesis.ListShardsInput{StreamName: aws.String(name)}
	for {
		out, err := c.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListShards: %w", err)
		}
		for _, s := range out.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		if out.NextToken == nil {
			return ids, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// readShard reads a shard from TRIM_HORIZON until a GetRecords call
// returns no records and MillisBehindLatest 0, or the shard is closed.
func readShard(ctx context.Context, c *kinesis.Client, stream, shard string) ([]types.Record, error) {
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName:        aws.String(stream),
		ShardId:           aws.String(shard),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return nil, fmt.Errorf("GetShardIterator %s: %w", shard, err)
	}
	iter := it.ShardIterator
	var recs []types.Record
	for calls := 0; iter != nil; calls++ {
		if calls > 100000 {
			return nil, errors.New("GetRecords never caught up (100000 calls)")
		}
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		if err != nil {
			return nil, fmt.Errorf("GetRecords %s after %d records: %w", shard, len(recs), err)
		}
		recs = append(recs, out.Records...)
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return recs, nil
}

// readAll reads every shard of the stream from TRIM_HORIZON, keyed by
// shard id.
func readAll(ctx context.Context, t *testing.T, c *kinesis.Client, stream string) map[string][]types.Record {
	t.Helper()
	ids, err := listShardIDs(ctx, c, stream)
	if err != nil {
		t.Fatalf("%v", err)
	}
	all := make(map[string][]types.Record, len(ids))
	for _, id := range ids {
		recs, err := readShard(ctx, c, stream, id)
		if err != nil {
			t.Fatalf("%v", err)
		}
		all[id] = recs
	}
	return all
}

// seqLess compares two decimal sequence numbers numerically.
func seqLess(a, b string) bool {
	x, ok1 := new(big.Int).SetString(a, 10)
	y, ok2 := new(big.Int).SetString(b, 10)
	if !ok1 || !ok2 {
		return a < b
	}
	return x.Cmp(y) < 0
}

// checkIncreasing fails the test if a shard's sequence numbers are not
// strictly increasing or not decimal.
func checkIncreasing(t *testing.T, all map[string][]types.Record) {
	t.Helper()
	for shard, recs := range all {
		for i, r := range recs {
			seq := aws.ToString(r.SequenceNumber)
			if _, ok := new(big.Int).SetString(seq, 10); !ok {
				t.Errorf("shard %s record %d: sequence number %q is not decimal", shard, i, seq)
				continue
			}
			if i > 0 && !seqLess(aws.ToString(recs[i-1].SequenceNumber), seq) {
				t.Errorf("shard %s record %d: sequence number %s not above previous %s",
					shard, i, seq, aws.ToString(recs[i-1].SequenceNumber))
			}
		}
	}
}
