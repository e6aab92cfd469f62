package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestFirehoseS3Endpoint delivers to an S3-compatible server (gofakes3,
// in-process on loopback) through --s3-endpoint: while the bucket is
// missing the delivery stream reports the failure and keeps the records;
// once the bucket exists every record arrives, GZIP'd, under Firehose's
// default key layout. psql then reads them in place through an external
// table on the remote bucket.
func TestFirehoseS3Endpoint(t *testing.T) {
	backend := s3mem.New()
	fake := httptest.NewServer(gofakes3.New(backend).Server())
	defer fake.Close()
	t.Setenv("RHEO_S3_ACCESS_KEY_ID", "fake")
	t.Setenv("RHEO_S3_SECRET_ACCESS_KEY", "fake")
	pgAddr := freeAddr(t)
	p := startRheo(t, "--s3-endpoint", fake.URL, "--s3-path-style", "--pg-listen", pgAddr, "--sql-threads", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := newFirehose(p.endpoint(), nil)

	const bucket, name = "remote-lake", "to-s3"
	_, err := c.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:           aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:         aws.String("arn:aws:s3:::" + bucket),
			Prefix:            aws.String("events/"),
			CompressionFormat: types.CompressionFormatGzip,
			BufferingHints:    &types.BufferingHints{IntervalInSeconds: aws.Int32(0), SizeInMBs: aws.Int32(1)},
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		out, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive
	})

	var want []string
	put := func(from, to int) {
		var recs []types.Record
		for i := from; i < to; i++ {
			line := fmt.Sprintf(`{"n":%d,"msg":"hello s3"}`+"\n", i)
			want = append(want, strings.TrimSuffix(line, "\n"))
			recs = append(recs, types.Record{Data: []byte(line)})
		}
		out, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(name), Records: recs})
		if err != nil || aws.ToInt32(out.FailedPutCount) != 0 {
			t.Fatalf("PutRecordBatch: %v (%v failed)", err, out)
		}
	}
	put(0, 200)

	// The bucket does not exist yet: the failure shows, nothing is lost.
	waitUntil(t, 20*time.Second, func() bool {
		out, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeDeliveryStream: %v", err)
		}
		fd := out.DeliveryStreamDescription.FailureDescription
		return fd != nil && strings.Contains(strings.ToLower(aws.ToString(fd.Details)), "bucket")
	})
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	put(200, 300)

	keyRE := regexp.MustCompile(`^events/\d{4}/\d{2}/\d{2}/\d{2}/` + name + `-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]+\.gz$`)
	var got []string
	waitUntil(t, 60*time.Second, func() bool {
		got = got[:0]
		list, err := backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
		if err != nil {
			return false
		}
		for _, obj := range list.Contents {
			if !keyRE.MatchString(obj.Key) {
				t.Fatalf("object key %q does not follow Firehose's default layout", obj.Key)
			}
			o, err := backend.GetObject(bucket, obj.Key, nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(o.Contents)
			o.Contents.Close()
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("object %s is not gzip: %v", obj.Key, err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("object %s: %v", obj.Key, err)
			}
			got = append(got, strings.Split(strings.TrimSuffix(string(plain), "\n"), "\n")...)
		}
		return len(got) >= len(want)
	})
	seen := make(map[string]int)
	for _, g := range got {
		seen[g]++
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Fatalf("record %s never delivered", w)
		}
	}
	out, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if fd := out.DeliveryStreamDescription.FailureDescription; fd != nil {
		t.Fatalf("FailureDescription still set after recovery: %s", aws.ToString(fd.Details))
	}

	// The delivered objects, queried in place on the remote store.
	q := func(stmts ...string) string {
		t.Helper()
		out, err := psqlRun(t, pgAddr, stmts...)
		if err != nil {
			t.Fatalf("psql %v: %v: %s", stmts, err, out)
		}
		return strings.TrimSpace(out)
	}
	q(`CREATE EXTERNAL TABLE events (n INT, msg STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://` + bucket + `/events/'`)
	if got := q(`SELECT count(DISTINCT n), min(n), max(n), min(msg) FROM events`); got != "300|0|299|hello s3" {
		t.Fatalf("external table over the remote bucket: %q", got)
	}
	put(300, 310) // more objects arrive; the next query sees them
	waitUntil(t, 60*time.Second, func() bool { return q(`SELECT count(DISTINCT n) FROM events`) == "310" })
	// And by path, with a glob, as on the built-in lake.
	if got := q(`SELECT count(DISTINCT n) FROM read_json('s3://` + bucket + `/events/**/*.gz', format = 'newline_delimited')`); got != "310" {
		t.Fatalf("read_json over the remote bucket: %q", got)
	}
}
