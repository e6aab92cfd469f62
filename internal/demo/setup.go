package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/jackc/pgx/v5"

	"github.com/rheo-dev/rheo/internal/awsfix"
)

// roleARN is what the Firehose API wants in RoleARN (rheo has no IAM).
const roleARN = "arn:aws:iam::000000000000:role/rheo-demo"

// streamTableDDL maps the stream to a table, in the Hive DDL of the EMR
// tutorials (docs/sql.md).
const streamTableDDL = `CREATE EXTERNAL TABLE IF NOT EXISTS ` + StreamTable + ` (
  ` + "`timestamp`" + ` TIMESTAMP,
  region STRING,
  page STRING,
  status INT,
  latency_ms INT,
  user_agent STRING,
  bytes BIGINT,
  ip STRING)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES ("kinesis.stream.name" = "` + StreamName + `")`

const warehouseDDL = `CREATE TABLE IF NOT EXISTS ` + WarehouseTable + ` (
  iteration BIGINT,
  computed_at TIMESTAMP WITH TIME ZONE,
  region VARCHAR,
  page VARCHAR,
  errors BIGINT,
  requests BIGINT,
  p95_latency_ms DOUBLE)`

// topErrorsSQL is the job's statement: over the records of one iteration
// (those that arrived since the previous run), the ten region/page pairs
// with the most server errors.
const topErrorsSQL = `INSERT INTO ` + WarehouseTable + `
SELECT getvariable('rheo_iteration'), now(), region, page,
  count(*) FILTER (WHERE status >= 500) AS errors,
  count(*) AS requests,
  round(quantile_cont(latency_ms, 0.95), 1) AS p95_latency_ms
FROM ` + StreamTable + `
WHERE _parse_error IS NULL
GROUP BY region, page
HAVING count(*) FILTER (WHERE status >= 500) > 0
ORDER BY errors DESC, region, page
LIMIT 10`

// lakeTableDDL reads the delivery stream's Parquet objects.
const lakeTableDDL = `CREATE EXTERNAL TABLE IF NOT EXISTS ` + LakeTable + ` (
  ` + "`timestamp`" + ` TIMESTAMP,
  region STRING,
  page STRING,
  status INT,
  latency_ms INT,
  user_agent STRING,
  bytes BIGINT,
  ip STRING)
PARTITIONED BY (dt STRING)
STORED AS PARQUET
LOCATION 's3://` + LakeBucket + `/` + LakePrefix + `'`

// setup creates the stream, the SQL objects and the delivery stream. Each
// step accepts what an earlier run on the same data dir left.
func (d *Demo) setup(ctx context.Context) error {
	d.kc = kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(d.srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("rheo", "rheo", ""),
		HTTPClient:   awsfix.HTTPClient(0),
	})
	d.fc = firehose.New(firehose.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(d.srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("rheo", "rheo", ""),
		HTTPClient:   awsfix.HTTPClient(0),
	})
	arn, err := d.createStream(ctx)
	if err != nil {
		return err
	}
	if err := d.createSQL(ctx); err != nil {
		return err
	}
	return d.createDelivery(ctx, arn)
}

// createStream creates AccessLogStream and waits until it is ACTIVE.
func (d *Demo) createStream(ctx context.Context) (arn string, err error) {
	_, err = d.kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(StreamName), ShardCount: aws.Int32(demoShards)})
	var inUse *ktypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return "", fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	for {
		out, err := d.kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(StreamName)})
		if err != nil {
			return "", fmt.Errorf("describe stream %s: %w", StreamName, err)
		}
		if s := out.StreamDescriptionSummary; s.StreamStatus == ktypes.StreamStatusActive {
			return aws.ToString(s.StreamARN), nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return "", fmt.Errorf("wait for stream %s: %w", StreamName, err)
		}
	}
}

// createSQL defines the tables and the job over the Postgres endpoint.
func (d *Demo) createSQL(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.srv.PGURL())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", d.srv.PGURL(), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, q := range []string{
		streamTableDDL,
		warehouseDDL,
		fmt.Sprintf("CREATE JOB IF NOT EXISTS %s EVERY '%s' AS %s", JobName, d.opts.JobEvery, topErrorsSQL),
		lakeTableDDL,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("SQL %q: %w", firstLine(q), err)
		}
	}
	return nil
}

// createDelivery creates the delivery stream from AccessLogStream to the
// lake as Parquet, with the stream table as its schema, and waits until it
// is ACTIVE. It reads from the stream's tip at creation, so it is created
// before the producer starts.
func (d *Demo) createDelivery(ctx context.Context, streamARN string) error {
	_, err := d.fc.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(DeliveryName),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String(streamARN),
			RoleARN:          aws.String(roleARN),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN:           aws.String(roleARN),
			BucketARN:         aws.String("arn:aws:s3:::" + LakeBucket),
			Prefix:            aws.String(LakePrefix + "dt=!{timestamp:yyyy-MM-dd}/"),
			ErrorOutputPrefix: aws.String("errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/"),
			BufferingHints: &fhtypes.BufferingHints{
				SizeInMBs:         aws.Int32(64),
				IntervalInSeconds: aws.Int32(int32(d.opts.DeliveryInterval / time.Second)),
			},
			CompressionFormat: fhtypes.CompressionFormatUncompressed,
			DataFormatConversionConfiguration: &fhtypes.DataFormatConversionConfiguration{
				Enabled: aws.Bool(true),
				SchemaConfiguration: &fhtypes.SchemaConfiguration{
					DatabaseName: aws.String("default"),
					TableName:    aws.String(StreamTable),
					RoleARN:      aws.String(roleARN),
				},
				InputFormatConfiguration: &fhtypes.InputFormatConfiguration{
					Deserializer: &fhtypes.Deserializer{OpenXJsonSerDe: &fhtypes.OpenXJsonSerDe{}},
				},
				OutputFormatConfiguration: &fhtypes.OutputFormatConfiguration{
					Serializer: &fhtypes.Serializer{ParquetSerDe: &fhtypes.ParquetSerDe{}},
				},
			},
		},
	})
	var inUse *fhtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create delivery stream %s: %w", DeliveryName, err)
	}
	for {
		out, err := d.fc.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(DeliveryName)})
		if err != nil {
			return fmt.Errorf("describe delivery stream %s: %w", DeliveryName, err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == fhtypes.DeliveryStreamStatusActive {
			return nil
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("wait for delivery stream %s: %w", DeliveryName, err)
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i] + " ..."
		}
	}
	return s
}
