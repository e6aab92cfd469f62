package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"

	"github.com/rheo-dev/rheo/internal/awsfix"
)

// newFirehose returns an aws-sdk-go-v2 Firehose client for endpoint; r nil
// means the standard retryer without client-side rate limiting.
func newFirehose(endpoint string, r aws.Retryer) *firehose.Client {
	if r == nil {
		r = retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.None })
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        16,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	return firehose.New(firehose.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   &http.Client{Transport: awsfix.Transport(tr), Timeout: 30 * time.Second},
		Retryer:      r,
	})
}

// createHose creates a DirectPut delivery stream into bucket and waits
// until it is ACTIVE.
func createHose(ctx context.Context, t *testing.T, c *firehose.Client, name, bucket string, hints *types.BufferingHints) {
	t.Helper()
	_, err := c.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(name),
		DeliveryStreamType: types.DeliveryStreamTypeDirectPut,
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN:        aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:      aws.String("arn:aws:s3:::" + bucket),
			BufferingHints: hints,
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", name, err)
	}
	for {
		out, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeDeliveryStream: %v", err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ACTIVE: %v", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestFirehoseGoSDK(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 60*time.Second)
	c := newFirehose(p.endpoint(), nil)
	createHose(ctx, t, c, "sdk-hose", "lake-sdk", &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)})

	var want []string
	var records []types.Record
	for i := 0; i < 500; i++ {
		line := fmt.Sprintf("sdk record %03d %s\n", i, strings.Repeat("x", i%7))
		want = append(want, line)
		records = append(records, types.Record{Data: []byte(line)})
	}
	out, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("sdk-hose"), Records: records})
	if err != nil || aws.ToInt32(out.FailedPutCount) != 0 || len(out.RequestResponses) != 500 {
		t.Fatalf("PutRecordBatch: %v %+v", err, out)
	}
	objs := waitLake(t, p.dataDir, "lake-sdk", "", 20*time.Second, func(o []lakeObject) bool { return len(recordLines(o)) >= 500 })
	if got := recordLines(objs); strings.Join(got, "") != strings.Join(want, "") {
		t.Fatalf("lake holds %d records, want 500", len(got))
	}

	// Limits and errors come back as the SDK's typed errors.
	_, err = c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("sdk-hose"), Records: append(records, types.Record{Data: []byte("501")})})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "Member must have length less than or equal to 500") {
		t.Fatalf("501 records: %v", err)
	}
	_, err = c.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("sdk-hose"), Record: &types.Record{Data: make([]byte, 1024001)}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "at 'record.data'") {
		t.Fatalf("oversized record: %v", err)
	}
	_, err = c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Firehose nope under account 000000000000 not found." {
		t.Fatalf("missing stream: %v", err)
	}
	d, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("sdk-hose")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateDestination(ctx, &firehose.UpdateDestinationInput{
		DeliveryStreamName: aws.String("sdk-hose"), CurrentDeliveryStreamVersionId: aws.String("9"),
		DestinationId:               d.DeliveryStreamDescription.Destinations[0].DestinationId,
		ExtendedS3DestinationUpdate: &types.ExtendedS3DestinationUpdate{Prefix: aws.String("x/")},
	})
	var cm *types.ConcurrentModificationException
	if !errors.As(err, &cm) {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := c.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("sdk-hose")}); err != nil {
		t.Fatal(err)
	}
}

// TestFirehoseKill9 puts batches in a loop with the Go SDK (no retries, so
// each acknowledgement is exact), kills the server with SIGKILL while
// delivery is in progress, restarts it on the same data dir and checks
// that every acknowledged record reaches the lake (at least once).
func TestFirehoseKill9(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 120*time.Second)
	setup := newFirehose(p.endpoint(), nil)
	// A 2 s interval and 4 MiB objects: megabytes of acknowledged records
	// are buffered or in flight at any moment.
	createHose(ctx, t, setup, "crash-hose", "lake-crash", &types.BufferingHints{SizeInMBs: aws.Int32(4), IntervalInSeconds: aws.Int32(2)})

	c := newFirehose(p.endpoint(), aws.NopRetryer{})
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				recs := make([]types.Record, 200)
				for i := range recs {
					recs[i] = types.Record{Data: []byte(fmt.Sprintf("w%d-b%05d-r%03d %s\n", w, b, i, strings.Repeat("p", 200)))}
				}
				out, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("crash-hose"), Records: recs})
				if err != nil {
					continue // unknown outcome: not acknowledged
				}
				mu.Lock()
				for i, r := range out.RequestResponses {
					if r.RecordId != nil && r.ErrorCode == nil {
						acked[string(recs[i].Data)] = true
					}
				}
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(2500 * time.Millisecond)
	p.kill()
	close(stop)
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no record was acknowledged before the kill")
	}
	before := len(recordLines(lakeObjects(t, p.dataDir, "lake-crash", "")))
	t.Logf("acknowledged %d records; %d in the lake at the kill", n, before)

	p.start()
	var missing []string
	waitLake(t, p.dataDir, "lake-crash", "", 60*time.Second, func(o []lakeObject) bool {
		have := map[string]bool{}
		for _, l := range recordLines(o) {
			have[l] = true
		}
		missing = missing[:0]
		for r := range acked {
			if !have[r] {
				missing = append(missing, r)
			}
		}
		return len(missing) == 0
	})
	// The stream keeps working after recovery.
	c2 := newFirehose(p.endpoint(), nil)
	if _, err := c2.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("crash-hose"), Record: &types.Record{Data: []byte("after restart\n")}}); err != nil {
		t.Fatalf("PutRecord after restart: %v", err)
	}
	waitLake(t, p.dataDir, "lake-crash", "", 30*time.Second, func(o []lakeObject) bool {
		for _, l := range recordLines(o) {
			if l == "after restart\n" {
				return true
			}
		}
		return false
	})
}

// TestFirehoseAuth runs the binary with a credentials file: requests are
// SigV4-checked for service "firehose" and "firehose:<Action>" rules
// match delivery stream names.
func TestFirehoseAuth(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "credentials.json")
	file := `{"users": [
  {"name": "admin", "accessKeyId": "AKIDADMIN", "secretAccessKey": "admin-secret", "allow": [{"actions": ["*"]}]},
  {"name": "producer", "accessKeyId": "AKIDPROD", "secretAccessKey": "prod-secret",
   "allow": [{"actions": ["firehose:PutRecord*", "firehose:DescribeDeliveryStream"], "resources": ["orders-*"]}]}
]}`
	if err := os.WriteFile(creds, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startRheo(t, "--credentials", creds)
	ctx := ctxT(t, 60*time.Second)
	client := func(akid, secret string) *firehose.Client {
		c := newFirehose(p.endpoint(), nil)
		return firehose.New(c.Options(), func(o *firehose.Options) {
			o.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, "")
		})
	}
	admin, producer := client("AKIDADMIN", "admin-secret"), client("AKIDPROD", "prod-secret")
	createHose(ctx, t, admin, "orders-eu", "lake-auth", &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)})
	createHose(ctx, t, admin, "billing", "lake-auth", nil)

	if _, err := producer.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("orders-eu"), Record: &types.Record{Data: []byte("ok\n")}}); err != nil {
		t.Fatalf("producer PutRecord on orders-eu: %v", err)
	}
	var ae smithy.APIError
	_, err := producer.PutRecord(ctx, &firehose.PutRecordInput{DeliveryStreamName: aws.String("billing"), Record: &types.Record{Data: []byte("no\n")}})
	want := "User: arn:aws:iam::000000000000:user/producer is not authorized to perform: firehose:PutRecord on resource: " +
		"arn:aws:firehose:us-east-1:000000000000:deliverystream/billing because no identity-based policy allows the firehose:PutRecord action"
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || ae.ErrorMessage() != want {
		t.Fatalf("producer PutRecord on billing: %v", err)
	}
	if _, err := producer.DeleteDeliveryStream(ctx, &firehose.DeleteDeliveryStreamInput{DeliveryStreamName: aws.String("orders-eu")}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("producer DeleteDeliveryStream: %v", err)
	}
	_, err = client("AKIDADMIN", "wrong").ListDeliveryStreams(ctx, &firehose.ListDeliveryStreamsInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	objs := waitLake(t, p.dataDir, "lake-auth", "", 20*time.Second, func(o []lakeObject) bool { return len(recordLines(o)) >= 1 })
	if got := recordLines(objs); len(got) != 1 || got[0] != "ok\n" {
		t.Fatalf("lake %q", got)
	}
}

// sqlQuery runs statements through POST /v1/sql and returns the rows of
// the last one.
func sqlQuery(t *testing.T, endpoint, sql string) [][]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"sql": sql})
	resp, err := http.Post(endpoint+"/v1/sql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /v1/sql: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Rows  [][]any
		Error any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/sql %q: HTTP %d %v %v", sql, resp.StatusCode, err, out.Error)
	}
	return out.Rows
}

// TestFirehoseWarehouseAndParquet: a Redshift destination loads each
// object into a SQL table; a conversion destination writes Parquet with a
// SQL table as its schema, and a record that does not convert goes under
// format-conversion-failed/.
func TestFirehoseWarehouseAndParquet(t *testing.T) {
	p := startRheo(t)
	ctx := ctxT(t, 60*time.Second)
	sqlQuery(t, p.endpoint(), "CREATE TABLE wh_events (id INTEGER, region VARCHAR); CREATE TABLE conv_events (id INTEGER, region VARCHAR)")
	c := newFirehose(p.endpoint(), nil)
	role := aws.String("arn:aws:iam::000000000000:role/firehose")
	zero := &types.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)}
	_, err := c.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("to-wh"),
		RedshiftDestinationConfiguration: &types.RedshiftDestinationConfiguration{
			RoleARN:        role,
			ClusterJDBCURL: aws.String("jdbc:redshift://rheo.local.us-east-1.redshift.amazonaws.com:5439/dev"),
			CopyCommand:    &types.CopyCommand{DataTableName: aws.String("wh_events"), CopyOptions: aws.String("JSON 'auto' GZIP")},
			Username:       aws.String("loader"),
			Password:       aws.String("not-stored"),
			S3Configuration: &types.S3DestinationConfiguration{RoleARN: role, BucketARN: aws.String("arn:aws:s3:::staging"),
				BufferingHints: zero, CompressionFormat: types.CompressionFormatGzip},
		},
	})
	if err != nil {
		t.Fatalf("create Redshift destination: %v", err)
	}
	_, err = c.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("to-parquet"),
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			RoleARN: role, BucketARN: aws.String("arn:aws:s3:::lake-parquet"),
			BufferingHints: &types.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(0)},
			DataFormatConversionConfiguration: &types.DataFormatConversionConfiguration{
				SchemaConfiguration:       &types.SchemaConfiguration{DatabaseName: aws.String("main"), TableName: aws.String("conv_events")},
				InputFormatConfiguration:  &types.InputFormatConfiguration{Deserializer: &types.Deserializer{OpenXJsonSerDe: &types.OpenXJsonSerDe{}}},
				OutputFormatConfiguration: &types.OutputFormatConfiguration{Serializer: &types.Serializer{ParquetSerDe: &types.ParquetSerDe{}}},
			},
		},
	})
	if err != nil {
		t.Fatalf("create conversion destination: %v", err)
	}
	d, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("to-wh")})
	if err != nil {
		t.Fatal(err)
	}
	if rd := d.DeliveryStreamDescription.Destinations[0].RedshiftDestinationDescription; rd == nil || aws.ToString(rd.Username) != "loader" ||
		aws.ToString(rd.CopyCommand.DataTableName) != "wh_events" || rd.S3DestinationDescription.CompressionFormat != types.CompressionFormatGzip {
		t.Fatalf("Redshift description %+v", rd)
	}
	for _, name := range []string{"to-wh", "to-parquet"} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			d, err := c.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
			if err == nil && d.DeliveryStreamDescription.DeliveryStreamStatus == types.DeliveryStreamStatusActive {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ACTIVE: %v", name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	recs := []types.Record{{Data: []byte(`{"id":1,"region":"eu"}` + "\n")}, {Data: []byte(`{"id":2,"region":"us"}` + "\n")}}
	if _, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("to-wh"), Records: recs}); err != nil {
		t.Fatal(err)
	}
	conv := append(recs, types.Record{Data: []byte("not json")})
	if _, err := c.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String("to-parquet"), Records: conv}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows := sqlQuery(t, p.endpoint(), "SELECT id, region FROM wh_events ORDER BY id")
		if fmt.Sprint(rows) == "[[1 eu] [2 us]]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("warehouse table holds %v", rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
	objs := waitLake(t, p.dataDir, "lake-parquet", "", 20*time.Second, func(o []lakeObject) bool {
		var parquet, failed bool
		for _, ob := range o {
			parquet = parquet || strings.HasSuffix(ob.Key, ".parquet")
			failed = failed || strings.HasPrefix(ob.Key, "format-conversion-failed/")
		}
		return parquet && failed
	})
	for _, ob := range objs {
		if strings.HasSuffix(ob.Key, ".parquet") {
			path := filepath.Join(p.dataDir, "lake", "lake-parquet", ob.Key)
			rows := sqlQuery(t, p.endpoint(), "SELECT id, region FROM read_parquet('"+path+"') ORDER BY id")
			if fmt.Sprint(rows) != "[[1 eu] [2 us]]" {
				t.Fatalf("parquet rows %v", rows)
			}
		}
	}
}
