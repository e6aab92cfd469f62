package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestSeed001StreamLakeWarehouseOverPsql is seed 001's pipeline against
// the binary: a Kinesis stream of JSON access logs, a Firehose delivery
// stream reading it into the lake partitioned by region
// (region=<value>/ directories), the raw lake data queried through psql as
// an EMR-style external table (SELECT * FROM access_log_raw LIMIT 1, with
// the partition column), then loaded into a warehouse table with a
// Redshift-style COPY and queried for the top errors.
func TestSeed001StreamLakeWarehouseOverPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	pgAddr := freeAddr(t)
	p := startRheo(t, "--pg-listen", pgAddr, "--sql-threads", "1", "--sql-memory-limit", "512MB")
	ctx := ctxT(t, 3*time.Minute)
	kc := newKinesis(p.endpoint())
	fc := newFirehose(p.endpoint(), nil)
	createStreamActive(ctx, t, kc, "AccessLogStream", 2)

	_, err := fc.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("access-log-to-lake"),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/AccessLogStream"),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/firehose"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN:                          aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:                        aws.String("arn:aws:s3:::my-bucket"),
			Prefix:                           aws.String("access-log-raw/region=!{partitionKeyFromQuery:region}/"),
			ErrorOutputPrefix:                aws.String("errors/!{firehose:error-output-type}/"),
			BufferingHints:                   &fhtypes.BufferingHints{SizeInMBs: aws.Int32(64), IntervalInSeconds: aws.Int32(1)},
			DynamicPartitioningConfiguration: &fhtypes.DynamicPartitioningConfiguration{Enabled: aws.Bool(true)},
			ProcessingConfiguration: &fhtypes.ProcessingConfiguration{
				Enabled: aws.Bool(true),
				Processors: []fhtypes.Processor{
					{Type: fhtypes.ProcessorTypeMetadataExtraction, Parameters: []fhtypes.ProcessorParameter{
						{ParameterName: fhtypes.ProcessorParameterNameMetadataExtractionQuery, ParameterValue: aws.String("{region: .region}")},
						{ParameterName: fhtypes.ProcessorParameterNameJsonParsingEngine, ParameterValue: aws.String("JQ-1.6")},
					}},
					{Type: fhtypes.ProcessorTypeAppendDelimiterToRecord},
				},
			},
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream: %v", err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		out, err := fc.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("access-log-to-lake")})
		return err == nil && out.DeliveryStreamDescription.DeliveryStreamStatus == fhtypes.DeliveryStreamStatusActive
	})

	regions := []string{"eu", "us", "ap"}
	const n = 300
	for b := 0; b < n/100; b++ {
		entries := make([]types.PutRecordsRequestEntry, 100)
		for i := range entries {
			k := b*100 + i
			rec := fmt.Sprintf(`{"ts":"2026-11-22 05:00:%02d","region":"%s","page":"/p/%d","status":%d,"latency_ms":%d}`,
				k%60, regions[k%3], k%7, []int{200, 200, 404, 500, 503}[k%5], 10+k%90)
			entries[i] = types.PutRecordsRequestEntry{Data: []byte(rec), PartitionKey: aws.String(strconv.Itoa(k))}
		}
		out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("AccessLogStream"), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v", err)
		}
	}
	// Wait until every region's directory holds its records.
	waitUntil(t, 60*time.Second, func() bool {
		total := 0
		for _, r := range regions {
			objs, _ := filepath.Glob(filepath.Join(p.dataDir, "lake", "my-bucket", "access-log-raw", "region="+r, "*"))
			if len(objs) == 0 {
				return false
			}
			total += len(objs)
		}
		out, err := psqlRun(t, pgAddr, `SELECT count(*) FROM read_json('s3://my-bucket/access-log-raw/**', format='newline_delimited')`)
		return err == nil && strings.TrimSpace(out) == strconv.Itoa(n)
	})

	q := func(stmts ...string) string {
		t.Helper()
		out, err := psqlRun(t, pgAddr, stmts...)
		if err != nil {
			t.Fatalf("psql %q: %v\n%s", stmts, err, out)
		}
		return strings.TrimSpace(out)
	}
	q(`CREATE EXTERNAL TABLE access_log_raw (ts string, page string, status int, latency_ms int)
		PARTITIONED BY (region string)
		ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
		LOCATION 's3://my-bucket/access-log-raw/'`)
	if row := q(`SELECT * FROM access_log_raw LIMIT 1`); strings.Count(row, "|") < 4 {
		t.Fatalf("SELECT * FROM access_log_raw LIMIT 1 = %q, want a row of five columns", row)
	}
	if got := q(`SELECT count(*) FROM access_log_raw`); got != strconv.Itoa(n) {
		t.Fatalf("access_log_raw has %s rows, want %d", got, n)
	}
	if got := q(`SELECT count(*) FROM access_log_raw WHERE region = 'eu'`); got != strconv.Itoa(n/3) {
		t.Fatalf("region eu has %s rows, want %d", got, n/3)
	}

	// The warehouse: Redshift-style COPY from the lake, then the report.
	q(`CREATE TABLE access_logs (ts timestamp, region varchar, page varchar, status int, latency_ms int)`)
	q(`COPY access_logs FROM 's3://my-bucket/access-log-raw/' IAM_ROLE 'arn:aws:iam::000000000000:role/redshift' FORMAT AS JSON 'auto'`)
	if got := q(`SELECT count(*) FROM access_logs`); got != strconv.Itoa(n) {
		t.Fatalf("access_logs has %s rows after COPY, want %d", got, n)
	}
	top := q(`SELECT region, page, count(*) AS errors FROM access_logs WHERE status >= 500
		GROUP BY region, page ORDER BY errors DESC, region, page LIMIT 10`)
	if lines := strings.Split(top, "\n"); len(lines) != 10 {
		t.Fatalf("top errors: %d rows, want 10:\n%s", len(lines), top)
	}
	// Cross-check the report against the raw lake table.
	want := q(`SELECT count(*) FROM access_log_raw WHERE status >= 500`)
	if got := q(`SELECT count(*) FROM access_logs WHERE status >= 500`); got != want || want != strconv.Itoa(n*2/5) {
		t.Fatalf("errors: warehouse %s, lake %s, want %d", got, want, n*2/5)
	}
}
