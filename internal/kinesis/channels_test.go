package kinesis

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/fxamacker/cbor/v2"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/objkey"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// lateEngine forwards to a delivery.Manager built after the server (the
// Manager needs the harness's meta store and log).
type lateEngine struct{ m *delivery.Manager }

func (l *lateEngine) Create(ctx context.Context, name string, spec delivery.Spec, api json.RawMessage) (delivery.Definition, error) {
	return l.m.Create(ctx, name, spec, api)
}
func (l *lateEngine) Get(name string) (delivery.Definition, bool) { return l.m.Get(name) }
func (l *lateEngine) List() []delivery.Definition                 { return l.m.List() }
func (l *lateEngine) Update(ctx context.Context, name string, fn func(*delivery.Definition) error) (delivery.Definition, error) {
	return l.m.Update(ctx, name, fn)
}
func (l *lateEngine) Delete(ctx context.Context, name string) error { return l.m.Delete(ctx, name) }

// fakeLoader records warehouse loads; with fail set, loads fail (a batch
// the table does not accept).
type fakeLoader struct {
	mu       sync.Mutex
	loads    []string // "table bucket/key"
	fail     bool
	attempts int
}

func (f *fakeLoader) Load(_ context.Context, w *delivery.Warehouse, bucket, key, _ string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.fail {
		return 0, fmt.Errorf("COPY %s from s3://%s/%s failed: Conversion Error", w.Table, bucket, key)
	}
	f.loads = append(f.loads, w.Table+" "+w.CopyOptions+" "+bucket+"/"+key)
	return 1, nil
}

func (f *fakeLoader) setFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *fakeLoader) tries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

func (f *fakeLoader) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.loads...)
}

// channelEnv is a test server with channels on a real delivery engine
// writing to a local lake.
type channelEnv struct {
	*testEnv
	store  *lake.Local
	m      *delivery.Manager
	loader *fakeLoader
}

func startChannelEnv(t *testing.T, stateDelay time.Duration) *channelEnv {
	t.Helper()
	late := &lateEngine{}
	env := startEnv(t, func(c *Config) { c.Channels, c.StateDelay = late, stateDelay })
	store := lake.NewLocal(t.TempDir())
	loader := &fakeLoader{}
	m, err := delivery.New(context.Background(), delivery.Options{
		Meta: env.meta, Log: env.log, Store: store, Warehouse: loader, Now: env.clock.now,
		RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	late.m = m
	t.Cleanup(func() { m.Close() })
	return &channelEnv{testEnv: env, store: store, m: m, loader: loader}
}

// onDemand creates an ON_DEMAND stream and returns its ARN.
func (e *channelEnv) onDemand(t *testing.T, name string) string {
	t.Helper()
	_, err := e.client.CreateStream(testCtx(t), &kin.CreateStreamInput{
		StreamName: aws.String(name), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
	})
	if err != nil {
		t.Fatal(err)
	}
	return "arn:aws:kinesis:us-east-1:000000000000:stream/" + name
}

// s3Channel is a valid CreateChannel request for an S3 destination.
func s3Channel(name, streamARN string) *kin.CreateChannelInput {
	return &kin.CreateChannelInput{
		ChannelName:             aws.String(name),
		ServiceExecutionRoleARN: aws.String("arn:aws:iam::000000000000:role/channel"),
		StreamConfigurationList: []types.ChannelStreamConfiguration{{
			StreamARN:           aws.String(streamARN),
			RecordConfiguration: &types.RecordConfiguration{RecordFormatType: types.RecordFormatTypeJson},
		}},
		S3DestinationConfiguration: &types.S3DestinationConfiguration{
			StorageConfiguration: &types.S3StorageConfiguration{
				BucketARN:           aws.String("arn:aws:s3:::lake-bucket"),
				CompressionType:     types.S3CompressionTypeGzip,
				ExpectedBucketOwner: aws.String("000000000000"),
			},
		},
	}
}

func TestChannelLifecycle(t *testing.T) {
	env := startChannelEnv(t, time.Hour)
	ctx := testCtx(t)
	streamARN := env.onDemand(t, "src")
	env.clock.advance(2 * time.Hour) // stream ACTIVE

	out, err := env.client.CreateChannel(ctx, s3Channel("orders", streamARN))
	if err != nil {
		t.Fatal(err)
	}
	d := out.ChannelDescription
	if d.ChannelStatus != types.ChannelStatusCreating {
		t.Fatalf("status %s, want CREATING", d.ChannelStatus)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(*d.ChannelId) {
		t.Fatalf("channel id %q is not a UUID", *d.ChannelId)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:channel/orders"
	if *d.ChannelARN != arn || *d.ChannelName != "orders" {
		t.Fatalf("arn %q name %q", *d.ChannelARN, *d.ChannelName)
	}
	s3 := d.S3DestinationConfiguration
	if s3 == nil || *s3.DataFreshnessInSeconds != 300 {
		t.Fatalf("freshness default: %+v", s3)
	}
	dlq := s3.DeadLetterQueueS3Configuration
	if *dlq.BucketARN != "arn:aws:s3:::lake-bucket" || *dlq.ErrorOutputPrefix != "kinesis-channel/errors/orders/"+*d.ChannelId+"/" {
		t.Fatalf("default DLQ %q %q", *dlq.BucketARN, *dlq.ErrorOutputPrefix)
	}
	if d.LoggingConfiguration == nil || *d.LoggingConfiguration.CloudWatchLogs.Enabled {
		t.Fatalf("logging: %+v", d.LoggingConfiguration)
	}
	if len(d.StreamConfigurationList) != 1 || *d.StreamConfigurationList[0].StreamARN != streamARN ||
		d.StreamConfigurationList[0].RecordConfiguration.RecordFormatType != types.RecordFormatTypeJson {
		t.Fatalf("streams: %+v", d.StreamConfigurationList)
	}

	desc := func() *types.ChannelDescription {
		t.Helper()
		o, err := env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return o.ChannelDescription
	}
	if st := desc().ChannelStatus; st != types.ChannelStatusCreating {
		t.Fatalf("describe: %s, want CREATING", st)
	}
	_, err = env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: aws.String(arn),
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(600)}})
	wantAPIError(t, err, "ResourceInUseException", "Channel orders under account 000000000000 not ACTIVE, instead in state CREATING")

	env.clock.advance(time.Hour)
	got := desc()
	if got.ChannelStatus != types.ChannelStatusActive || *got.ChannelId != *d.ChannelId || !got.ChannelCreationTimestamp.Equal(*d.ChannelCreationTimestamp) {
		t.Fatalf("after delay: %s %s", got.ChannelStatus, *got.ChannelId)
	}

	up, err := env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: aws.String(arn),
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(600)},
		LoggingConfiguration:       &types.ChannelLoggingUpdateInput{CloudWatchLogs: &types.CloudWatchLogsUpdateInput{Enabled: aws.Bool(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	if up.ChannelDescription.ChannelStatus != types.ChannelStatusUpdating || *up.ChannelDescription.S3DestinationConfiguration.DataFreshnessInSeconds != 600 {
		t.Fatalf("update: %s", up.ChannelDescription.ChannelStatus)
	}
	if lg := up.ChannelDescription.LoggingConfiguration.CloudWatchLogs; !*lg.Enabled || *lg.LogGroupName != "/aws/kinesis/orders/"+*d.ChannelId || *lg.LogStreamName != "DestinationDelivery" {
		t.Fatalf("logging defaults: %+v", lg)
	}
	if def, _ := env.m.Get("channel:orders"); def.Spec.Dest.BufferInterval != 600*time.Second {
		t.Fatalf("engine interval %v", def.Spec.Dest.BufferInterval)
	}
	if st := desc().ChannelStatus; st != types.ChannelStatusUpdating {
		t.Fatalf("describe after update: %s", st)
	}
	env.clock.advance(time.Hour)

	if _, err := env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := env.m.Get("channel:orders"); ok {
		t.Fatal("delivery definition still there after DeleteChannel")
	}
	if st := desc().ChannelStatus; st != types.ChannelStatusDeleting {
		t.Fatalf("after delete: %s, want DELETING", st)
	}
	_, err = env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: aws.String(arn)})
	wantAPIError(t, err, "ResourceInUseException", "Channel orders under account 000000000000 is already being deleted.")
	_, err = env.client.CreateChannel(ctx, s3Channel("orders", streamARN))
	wantAPIError(t, err, "ResourceInUseException", "Channel orders under account 000000000000 already exists.")
	env.clock.advance(time.Hour)
	_, err = env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: aws.String(arn)})
	wantAPIError(t, err, "ResourceNotFoundException", "Channel orders under account 000000000000 not found.")
	// The name is free again.
	if _, err := env.client.CreateChannel(ctx, s3Channel("orders", streamARN)); err != nil {
		t.Fatal(err)
	}
}

func TestChannelErrors(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	streamARN := env.onDemand(t, "src")
	env.create(t, "prov", 1)
	if _, err := env.client.CreateChannel(ctx, s3Channel("first", streamARN)); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(in *kin.CreateChannelInput)) *kin.CreateChannelInput {
		in := s3Channel("c", streamARN)
		f(in)
		return in
	}
	tables := &types.S3TablesDestinationConfiguration{
		DeadLetterQueueS3Configuration: &types.DeadLetterQueueS3Configuration{BucketARN: aws.String("arn:aws:s3:::dlq-bucket"), ExpectedBucketOwner: aws.String("000000000000")},
		S3TablesConfigurationList: []types.S3TablesConfiguration{{
			CompressionType: types.S3TablesCompressionTypeSnappy, Namespace: aws.String("sales"),
			TableBucketARN: aws.String("arn:aws:s3tables:us-east-1:000000000000:bucket/table-bucket"), TableName: aws.String("orders"),
		}},
	}
	cases := []struct {
		name, typ, msg string
		in             *kin.CreateChannelInput
	}{
		{"bad name", "ValidationException", "1 validation error detected: Value 'a b' at 'channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
			mod(func(in *kin.CreateChannelInput) { in.ChannelName = aws.String("a b") })},
		{"long name", "ValidationException", "1 validation error detected: Value '" + strings.Repeat("n", 129) + "' at 'channelName' failed to satisfy constraint: Member must have length less than or equal to 128",
			mod(func(in *kin.CreateChannelInput) { in.ChannelName = aws.String(strings.Repeat("n", 129)) })},
		{"bucket arn", "ValidationException", "1 validation error detected: Value 'arn:aws:s3:::B' at 's3DestinationConfiguration.storageConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration.StorageConfiguration.BucketARN = aws.String("arn:aws:s3:::B")
			})},
		{"compression enum", "ValidationException", "1 validation error detected: Value 'LZ4' at 's3DestinationConfiguration.storageConfiguration.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, GZIP, ZSTD]",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration.StorageConfiguration.CompressionType = "LZ4"
			})},
		{"owner", "ValidationException", "1 validation error detected: Value '12x456789012' at 's3DestinationConfiguration.storageConfiguration.expectedBucketOwner' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration.StorageConfiguration.ExpectedBucketOwner = aws.String("12x456789012")
			})},
		{"stream arn", "ValidationException", "1 validation error detected: Value 'src' at 'streamConfigurationList.1.member.streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+",
			mod(func(in *kin.CreateChannelInput) { in.StreamConfigurationList[0].StreamARN = aws.String("src") })},
		{"template chars", "ValidationException", "1 validation error detected: Value 'a b/!{yyyy}' at 's3DestinationConfiguration.storageConfiguration.outputKeyTemplate' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z!\\-_'.*()\\/=:{}]+",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration.StorageConfiguration.OutputKeyTemplate = aws.String("a b/!{yyyy}")
			})},
		{"template var", "InvalidArgumentException", "Invalid OutputKeyTemplate x/!{topic-name}: unknown variable !{topic-name}.",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration.StorageConfiguration.OutputKeyTemplate = aws.String("x/!{topic-name}")
			})},
		{"no destination", "InvalidArgumentException", "Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.",
			mod(func(in *kin.CreateChannelInput) { in.S3DestinationConfiguration = nil })},
		{"both destinations", "InvalidArgumentException", "Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.",
			mod(func(in *kin.CreateChannelInput) { in.S3TablesDestinationConfiguration = tables })},
		{"freshness", "InvalidArgumentException", "DataFreshnessInSeconds must be between 300 and 900 seconds.",
			mod(func(in *kin.CreateChannelInput) { in.S3DestinationConfiguration.DataFreshnessInSeconds = aws.Int32(60) })},
		{"gsr json to s3", "InvalidArgumentException", "RecordFormatType GSR_JSON is supported only for S3 Tables destinations.",
			mod(func(in *kin.CreateChannelInput) {
				in.StreamConfigurationList[0].RecordConfiguration.RecordFormatType = types.RecordFormatTypeGsrJson
			})},
		{"string to tables", "InvalidArgumentException", "RecordFormatType STRING is supported only for general purpose S3 destinations.",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration, in.S3TablesDestinationConfiguration = nil, tables
				in.StreamConfigurationList[0].RecordConfiguration.RecordFormatType = types.RecordFormatTypeString
			})},
		{"tables json without schema", "InvalidArgumentException", "GSRSchemaARN is required for RecordFormatType JSON with an S3 Tables destination.",
			mod(func(in *kin.CreateChannelInput) {
				in.S3DestinationConfiguration, in.S3TablesDestinationConfiguration = nil, tables
			})},
		{"table bucket", "InvalidArgumentException", "Invalid TableBucketARN arn:aws:s3tables:us-east-1:000000000000:bucket/tb: expected arn:aws:s3tables:<region>:<account>:bucket/<name>.",
			mod(func(in *kin.CreateChannelInput) {
				t2 := *tables
				t2.S3TablesConfigurationList = []types.S3TablesConfiguration{tables.S3TablesConfigurationList[0]}
				t2.S3TablesConfigurationList[0].TableBucketARN = aws.String("arn:aws:s3tables:us-east-1:000000000000:bucket/tb")
				in.S3DestinationConfiguration, in.S3TablesDestinationConfiguration = nil, &t2
				in.StreamConfigurationList[0].RecordConfiguration.GSRSchemaARN = aws.String("arn:aws:glue:us-east-1:000000000000:schema/r/s")
			})},
		{"empty stream list", "ValidationException", "1 validation error detected: Value '[]' at 'streamConfigurationList' failed to satisfy constraint: Member must have length greater than or equal to 1",
			mod(func(in *kin.CreateChannelInput) { in.StreamConfigurationList = []types.ChannelStreamConfiguration{} })},
		{"tag key", "ValidationException", "1 validation error detected: Value '{=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
			mod(func(in *kin.CreateChannelInput) { in.Tags = map[string]string{"": "v"} })},
		{"tag chars", "InvalidArgumentException", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.",
			mod(func(in *kin.CreateChannelInput) { in.Tags = map[string]string{"k": "v!"} })},
		{"two streams", "InvalidArgumentException", "StreamConfigurationList must contain exactly one stream; it has 2.",
			mod(func(in *kin.CreateChannelInput) {
				in.StreamConfigurationList = append(in.StreamConfigurationList, in.StreamConfigurationList[0])
			})},
		{"missing stream", "ResourceNotFoundException", "Stream nope under account 000000000000 not found.",
			mod(func(in *kin.CreateChannelInput) {
				in.StreamConfigurationList[0].StreamARN = aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/nope")
			})},
		{"provisioned", "InvalidArgumentException", "Channels are only supported for streams with the ON_DEMAND capacity mode; stream prov under account 000000000000 is PROVISIONED.",
			mod(func(in *kin.CreateChannelInput) {
				in.StreamConfigurationList[0].StreamARN = aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/prov")
			})},
		{"duplicate", "ResourceInUseException", "Channel first under account 000000000000 already exists.",
			mod(func(in *kin.CreateChannelInput) { in.ChannelName = aws.String("first") })},
		{"second s3 channel", "LimitExceededException", "Stream src under account 000000000000 already has a channel of destination type S3 (first); the limit is one per destination type.",
			s3Channel("second", streamARN)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.client.CreateChannel(ctx, tc.in)
			wantAPIError(t, err, tc.typ, tc.msg)
		})
	}
	code, typ, msg := env.raw(t, "CreateChannel", `{"ChannelName":"x","StreamConfigurationList":[{"StreamARN":"`+streamARN+`","RecordConfiguration":{}}]}`)
	if code != 400 || typ != "ValidationException" || msg != "2 validation errors detected: "+
		"Value null at 'serviceExecutionRoleARN' failed to satisfy constraint: Member must not be null; "+
		"Value null at 'streamConfigurationList.1.member.recordConfiguration.recordFormatType' failed to satisfy constraint: Member must not be null" {
		t.Errorf("missing members: %d %s %s", code, typ, msg)
	}
	for _, op := range []string{"DescribeChannel", "DeleteChannel", "UpdateChannel"} {
		code, typ, msg := env.raw(t, op, `{"ChannelARN":"arn:aws:kinesis:us-east-1:000000000000:stream/x"}`)
		if code != 400 || typ != "ValidationException" || !strings.Contains(msg, `Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:channel/\S+`) {
			t.Errorf("%s with a stream ARN: %d %s %s", op, code, typ, msg)
		}
		_, typ, msg = env.raw(t, op, `{"ChannelARN":"arn:aws:kinesis:us-east-1:000000000000:channel/ghost"}`)
		if typ != "ResourceNotFoundException" || msg != "Channel ghost under account 000000000000 not found." {
			t.Errorf("%s of a missing channel: %s %s", op, typ, msg)
		}
	}
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/first")
	_, err := env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: arn,
		S3TablesDestinationConfiguration: &types.S3TablesDestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(300)}})
	wantAPIError(t, err, "InvalidArgumentException", "Channel first delivers to a general purpose S3 bucket; use S3DestinationConfiguration.")
	_, err = env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: arn,
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(901)}})
	wantAPIError(t, err, "InvalidArgumentException", "DataFreshnessInSeconds must be between 300 and 900 seconds.")
	_, err = env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: arn})
	wantAPIError(t, err, "InvalidArgumentException", "UpdateChannel needs S3DestinationConfiguration, S3TablesDestinationConfiguration or LoggingConfiguration.")
	_, err = env.client.ListChannels(ctx, &kin.ListChannelsInput{NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid NextToken.")

	// The stream cannot be deleted while it has a channel, as on AWS.
	_, err = env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("src")})
	wantAPIError(t, err, "ResourceInUseException", "Stream src under account 000000000000 has channel first; delete its channels (ListChannels with a StreamFilter finds them) before the stream.")
	// A source that vanishes anyway (metadata removed behind the API's
	// back) makes the channel FAILED.
	if err := env.srv.meta.DeleteStream("src"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "FAILED", func() bool {
		o, err := env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: arn})
		return err == nil && o.ChannelDescription.ChannelStatus == types.ChannelStatusFailed &&
			*o.ChannelDescription.ChannelStatusReason == "Source stream src no longer exists."
	})
}

func TestChannelsWithoutEngine(t *testing.T) {
	env := startEnv(t)
	_, err := env.client.ListChannels(testCtx(t), &kin.ListChannelsInput{})
	wantAPIError(t, err, "InvalidArgumentException", "Channels are not available: this server runs without the delivery engine.")
}

func TestListChannels(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	var names []string
	for i := 0; i < 5; i++ {
		stream := fmt.Sprintf("s%d", i)
		arn := env.onDemand(t, stream)
		name := fmt.Sprintf("ch-%d", 4-i) // created out of name order
		if _, err := env.client.CreateChannel(ctx, s3Channel(name, arn)); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	// A Firehose delivery stream in the same engine is not a channel.
	if _, err := env.m.Create(ctx, "firehose-ds", delivery.Spec{Source: delivery.SourceDirectPut,
		Dest: delivery.Destination{Bucket: "bkt", BufferBytes: 1 << 20, BufferInterval: time.Minute}}, nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	var tok *string
	pages := 0
	for {
		out, err := env.client.ListChannels(ctx, &kin.ListChannelsInput{MaxResults: aws.Int32(2), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.ChannelSummaries {
			got = append(got, *s.ChannelName)
			if s.ChannelDestinationType != types.ChannelDestinationTypeS3 || s.ChannelStatus != types.ChannelStatusActive || len(s.Streams) != 1 {
				t.Fatalf("summary %+v", s)
			}
		}
		if out.NextToken == nil {
			break
		}
		tok = out.NextToken
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("pages %d, names %v, want %v", pages, got, names)
	}
	out, err := env.client.ListChannels(ctx, &kin.ListChannelsInput{MaxResults: aws.Int32(1000)})
	if err != nil || len(out.ChannelSummaries) != 5 || out.NextToken != nil {
		t.Fatalf("MaxResults 1000: %v %+v", err, out)
	}
	out, err = env.client.ListChannels(ctx, &kin.ListChannelsInput{StreamFilter: []types.StreamFilter{
		{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s1")},
		{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/s3"), StreamCreationTimestamp: aws.Time(time.Unix(1, 0))},
	}})
	if err != nil || len(out.ChannelSummaries) != 1 || *out.ChannelSummaries[0].ChannelName != "ch-3" {
		t.Fatalf("filter: %v %+v", err, out)
	}
	_, err = env.client.ListChannels(ctx, &kin.ListChannelsInput{MaxResults: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

// waitObjects polls the lake until bucket holds n objects under prefix.
func (e *channelEnv) waitObjects(t *testing.T, bucket, prefix string, n int) []lake.Object {
	t.Helper()
	var objs []lake.Object
	eventually(t, fmt.Sprintf("%d objects", n), func() bool {
		objs = objs[:0]
		_ = e.store.List(context.Background(), bucket, prefix, func(o lake.Object) error {
			objs = append(objs, o)
			return nil
		})
		return len(objs) >= n
	})
	return objs
}

func (e *channelEnv) put(t *testing.T, stream string, recs ...string) {
	t.Helper()
	for i, r := range recs {
		_, err := e.client.PutRecord(testCtx(t), &kin.PutRecordInput{StreamName: aws.String(stream), Data: []byte(r), PartitionKey: aws.String(fmt.Sprint(i))})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChannelDeliversToS3(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	out, err := env.client.CreateChannel(ctx, s3Channel("orders", arn))
	if err != nil {
		t.Fatal(err)
	}
	id := *out.ChannelDescription.ChannelId
	var want []string
	for i := 0; i < 20; i++ {
		want = append(want, fmt.Sprintf(`{"n":%d}`, i))
	}
	env.put(t, "src", want...)
	env.clock.advance(301 * time.Second) // past DataFreshnessInSeconds
	objs := env.waitObjects(t, "lake-bucket", "kinesis-channel/", 1)
	if len(objs) != 1 {
		t.Fatalf("%d objects", len(objs))
	}
	keyRE := regexp.MustCompile(`^kinesis-channel/orders/` + id + `/\d{4}/\d{2}/\d{2}/\d{2}/orders-` + id +
		`-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-channel:orders-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[^/]+\.gz$`)
	if !keyRE.MatchString(objs[0].Key) {
		t.Fatalf("key %q does not match %s", objs[0].Key, keyRE)
	}
	rc, err := env.store.Get(ctx, "lake-bucket", objs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(body, []byte("\n")) {
		t.Fatalf("object does not end with a newline: %q", body)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	sort.Strings(lines)
	sort.Strings(want)
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("object lines %v\nwant %v", lines, want)
	}

	// After DeleteChannel nothing more is delivered.
	if _, err := env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: out.ChannelDescription.ChannelARN}); err != nil {
		t.Fatal(err)
	}
	env.put(t, "src", `{"late":1}`)
	env.clock.advance(301 * time.Second)
	time.Sleep(1500 * time.Millisecond) // longer than the engine's recheck of a Kinesis source
	n := 0
	_ = env.store.List(ctx, "lake-bucket", "", func(lake.Object) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d objects after DeleteChannel, want 1", n)
	}
}

func TestChannelByteArrayCustomTemplate(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	in := s3Channel("raw", arn)
	in.StreamConfigurationList[0].RecordConfiguration.RecordFormatType = types.RecordFormatTypeByteArray
	sc := in.S3DestinationConfiguration.StorageConfiguration
	sc.CompressionType = types.S3CompressionTypeNone
	sc.OutputKeyTemplate = aws.String("data/!{channel-name}/year=!{yyyy}/month=!{MM}/part!{extension}")
	if _, err := env.client.CreateChannel(ctx, in); err != nil {
		t.Fatal(err)
	}
	env.put(t, "src", "ab")
	env.clock.advance(301 * time.Second)
	objs := env.waitObjects(t, "lake-bucket", "data/", 1)
	re := regexp.MustCompile(`^data/raw/year=\d{4}/month=\d{2}/part-channel:raw-1-[-0-9]+-[^/]+$`)
	if !re.MatchString(objs[0].Key) {
		t.Fatalf("key %q", objs[0].Key)
	}
	rc, err := env.store.Get(ctx, "lake-bucket", objs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "ab" {
		t.Fatalf("BYTE_ARRAY object %q, want the record as sent", b)
	}
}

func TestChannelS3Tables(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	if _, err := env.client.CreateChannel(ctx, s3Channel("to-s3", arn)); err != nil {
		t.Fatal(err)
	}
	in := s3Channel("to-table", arn)
	in.S3DestinationConfiguration = nil
	in.StreamConfigurationList[0].RecordConfiguration.GSRSchemaARN = aws.String("arn:aws:glue:us-east-1:000000000000:schema/r/s")
	in.S3TablesDestinationConfiguration = &types.S3TablesDestinationConfiguration{
		DeadLetterQueueS3Configuration: &types.DeadLetterQueueS3Configuration{BucketARN: aws.String("arn:aws:s3:::dlq-bucket"), ExpectedBucketOwner: aws.String("000000000000")},
		S3TablesConfigurationList: []types.S3TablesConfiguration{{
			CompressionType: types.S3TablesCompressionTypeSnappy, Namespace: aws.String("sales"),
			TableBucketARN: aws.String("arn:aws:s3tables:us-east-1:000000000000:bucket/table-bucket"), TableName: aws.String("orders"),
		}},
	}
	out, err := env.client.CreateChannel(ctx, in) // one S3 and one S3 Tables channel per stream
	if err != nil {
		t.Fatal(err)
	}
	if out.ChannelDescription.S3TablesDestinationConfiguration == nil || *out.ChannelDescription.S3TablesDestinationConfiguration.DataFreshnessInSeconds != 300 {
		t.Fatalf("%+v", out.ChannelDescription.S3TablesDestinationConfiguration)
	}
	in.ChannelName = aws.String("to-table-2")
	_, err = env.client.CreateChannel(ctx, in)
	wantAPIError(t, err, "LimitExceededException", "Stream src under account 000000000000 already has a channel of destination type S3_TABLES (to-table); the limit is one per destination type.")

	env.put(t, "src", `{"a":1}`)
	env.clock.advance(301 * time.Second)
	eventually(t, "warehouse load", func() bool { return len(env.loader.all()) == 1 })
	load := env.loader.all()[0]
	if !strings.HasPrefix(load, "sales.orders JSON 'auto' table-bucket/kinesis-channel/to-table/") {
		t.Fatalf("load %q", load)
	}
	ls, err := env.client.ListChannels(ctx, &kin.ListChannelsInput{})
	if err != nil || len(ls.ChannelSummaries) != 2 || ls.ChannelSummaries[1].ChannelDestinationType != types.ChannelDestinationTypeS3Tables {
		t.Fatalf("list: %v %+v", err, ls)
	}
}

// A crash between the DELETING tombstone and the engine's delete is
// finished by the next lookup.
func TestChannelDeleteFinishesAfterCrash(t *testing.T) {
	env := startChannelEnv(t, time.Minute)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	env.clock.advance(2 * time.Minute)
	out, err := env.client.CreateChannel(ctx, s3Channel("c", arn))
	if err != nil {
		t.Fatal(err)
	}
	c := channelState{Name: "c", ID: *out.ChannelDescription.ChannelId, Status: channelDeleting, ReadyAt: env.clock.now().Add(time.Minute)}
	if err := env.meta.Put(channelDeletingNS, "c", &c); err != nil {
		t.Fatal(err)
	}
	d, err := env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: out.ChannelDescription.ChannelARN})
	if err != nil || d.ChannelDescription.ChannelStatus != types.ChannelStatusDeleting {
		t.Fatalf("%v %+v", err, d)
	}
	if _, ok := env.m.Get("channel:c"); ok {
		t.Fatal("engine definition survived the lookup")
	}
}

func TestRenderKeyTemplate(t *testing.T) {
	cases := []struct{ template, want, err string }{
		{defaultKeyTemplate, "kinesis-channel/ch/ID/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/ch-ID-!{timestamp:yyyy}-!{timestamp:MM}-!{timestamp:dd}-!{timestamp:HH}-!{timestamp:mm}-", ""},
		{"a/!{YY}/", "", "it must not end with '/'."},
		{"x/!{HH}-", "x/!{timestamp:HH}-", ""},
		{"p=!{channel-id}/q", "p=ID/q-", ""},
		{"/a/!{yyyy}", "", "it must not start with '/'."},
		{"a/../!{yyyy}", "", "it must not contain '..'."},
		{"a/!{yyyy", "", "every '!{' must be closed by '}'."},
		{"a/!{kafka-offset}", "", "unknown variable !{kafka-offset}."},
		{"a/!{extension}/b", "", "!{extension} can only end the template."},
		{"plain", "plain-", ""},
	}
	for _, tc := range cases {
		got, err := renderKeyTemplate(tc.template, "ch", "ID")
		switch {
		case tc.err != "" && (err == nil || !strings.HasSuffix(err.Error(), tc.err)):
			t.Errorf("%q: err %v, want ...%s", tc.template, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %q %v, want %q", tc.template, got, err, tc.want)
		}
	}
}

func FuzzParseKeyTemplate(f *testing.F) {
	for _, s := range []string{defaultKeyTemplate, "!{", "!{}", "a!{b}c", "!{yyyy}!{extension}", "}!{", "!!{mm}", "",
		"a}b/!{yyyy}", "{x}/!{mm}", "a!b", "x:y=!{dd}/'*()", "!", "a/!", "!{channel-name}{", strings.Repeat("!{YY}", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := parseKeyTemplate(s)
		if err != nil {
			return
		}
		// Parts put back together give the template.
		var b strings.Builder
		for _, p := range parts {
			if p.variable {
				b.WriteString("!{" + p.text + "}")
			} else {
				b.WriteString(p.text)
			}
		}
		if b.String() != s {
			t.Fatalf("%q reassembled as %q", s, b.String())
		}
		prefix, err := renderKeyTemplate(s, "n", "i")
		if err != nil {
			if len(s) > 0 && strings.Contains(err.Error(), "too long") {
				return
			}
			t.Fatalf("%q parses but does not render: %v", s, err)
		}
		// A template the API accepts must give a prefix the engine accepts.
		var v wire.Validation
		checkPattern(&v, "t", s, 1, 1024, "", "!-_'.*()/=:{}")
		if v.Failed() {
			return
		}
		if _, err := objkey.Compile(prefix, "e/!{firehose:error-output-type}/!{timestamp:yyyy}/", false); err != nil {
			t.Fatalf("template %q: the engine rejects prefix %q: %v", s, prefix, err)
		}
	})
}

func TestChannelTags(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	in := s3Channel("tagged", env.onDemand(t, "src"))
	in.Tags = map[string]string{"a": "1"}
	if _, err := env.client.CreateChannel(ctx, in); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:channel/tagged"
	if !isChannelARN(arn) || isChannelARN("arn:aws:kinesis:us-east-1:000000000000:stream/x") {
		t.Fatal("isChannelARN")
	}
	err := env.srv.updateChannelTags(ctx, arn, func(tags map[string]string) error {
		tags["b"] = "2"
		delete(tags, "a")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := env.srv.channelTags(ctx, arn)
	if err != nil || len(tags) != 1 || tags["b"] != "2" {
		t.Fatalf("tags %v %v", tags, err)
	}
	err = env.srv.updateChannelTags(ctx, arn, func(tags map[string]string) error {
		for i := 0; i < 50; i++ {
			tags[fmt.Sprint("k", i)] = "v"
		}
		return nil
	})
	wantWireErr(t, err, "InvalidArgumentException", "Failed to add tags to channel tagged under account 000000000000 because a given resource cannot have more than 50 tags associated with it.")
	if tags, _ := env.srv.channelTags(ctx, arn); len(tags) != 1 {
		t.Fatalf("a failed update changed the tags: %v", tags)
	}
	_, err = env.srv.channelTags(ctx, "arn:aws:kinesis:us-east-1:000000000000:channel/none")
	wantWireErr(t, err, "ResourceNotFoundException", "Channel none under account 000000000000 not found.")
}

// wantWireErr asserts err is the *wire.Error of type typ with message msg.
func wantWireErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	e, ok := wire.AsError(err)
	if !ok || e.Type != typ || e.Message != msg {
		t.Fatalf("got %v, want %s: %s", err, typ, msg)
	}
}

// The Java SDK speaks CBOR: CreateChannel and DescribeChannel work in it,
// with timestamps as CBOR tag 1 (milliseconds).
func TestChannelCBOR(t *testing.T) {
	env := startChannelEnv(t, 0)
	arn := env.onDemand(t, "src")
	in := map[string]any{
		"ChannelName":             "cb",
		"ServiceExecutionRoleARN": "arn:aws:iam::000000000000:role/r",
		"StreamConfigurationList": []any{map[string]any{"StreamARN": arn, "RecordConfiguration": map[string]any{"RecordFormatType": "STRING"}}},
		"S3DestinationConfiguration": map[string]any{
			"DataFreshnessInSeconds": 450,
			"StorageConfiguration": map[string]any{
				"BucketARN": "arn:aws:s3:::cbor-bucket", "CompressionType": "NONE", "ExpectedBucketOwner": "000000000000",
			},
		},
	}
	var created struct {
		ChannelDescription struct {
			ChannelID                  string `cbor:"ChannelId"`
			ChannelStatus              string
			S3DestinationConfiguration struct{ DataFreshnessInSeconds int }
		}
	}
	postCBOR(t, env.url, "CreateChannel", in, nil).ok(t, &created)
	if created.ChannelDescription.ChannelStatus != "CREATING" || created.ChannelDescription.S3DestinationConfiguration.DataFreshnessInSeconds != 450 {
		t.Fatalf("%+v", created)
	}
	var desc struct {
		ChannelDescription struct {
			ChannelID                string `cbor:"ChannelId"`
			ChannelCreationTimestamp cbor.RawTag
		}
	}
	postCBOR(t, env.url, "DescribeChannel", map[string]any{"ChannelARN": "arn:aws:kinesis:us-east-1:000000000000:channel/cb"}, nil).ok(t, &desc)
	if desc.ChannelDescription.ChannelID != created.ChannelDescription.ChannelID {
		t.Fatalf("ids %q %q", desc.ChannelDescription.ChannelID, created.ChannelDescription.ChannelID)
	}
	if ms := millisOf(t, desc.ChannelDescription.ChannelCreationTimestamp); time.Since(time.UnixMilli(ms)) > time.Minute {
		t.Fatalf("creation timestamp %d ms", ms)
	}
	postCBOR(t, env.url, "DescribeChannel", map[string]any{"ChannelARN": "arn:aws:kinesis:us-east-1:000000000000:channel/no"}, nil).
		wantErr(t, 400, "ResourceNotFoundException", "Channel no under account 000000000000 not found.")
}

// Channels and their DELETING tombstones live in meta: a new server and
// engine over the same store see them as before.
func TestChannelSurvivesRestart(t *testing.T) {
	env := startChannelEnv(t, time.Minute)
	ctx := testCtx(t)
	arnA, arnB := env.onDemand(t, "sa"), env.onDemand(t, "sb")
	env.clock.advance(2 * time.Minute)
	a, err := env.client.CreateChannel(ctx, s3Channel("a", arnA))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.CreateChannel(ctx, s3Channel("b", arnB)); err != nil {
		t.Fatal(err)
	}
	env.clock.advance(2 * time.Minute)
	if _, err := env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/b")}); err != nil {
		t.Fatal(err)
	}
	env.m.Close()

	m2, err := delivery.New(ctx, delivery.Options{Meta: env.meta, Log: env.log, Store: env.store, Now: env.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	cfg := DefaultConfig()
	cfg.Now, cfg.StateDelay, cfg.Channels = env.clock.now, time.Minute, m2
	srv2, err := New(cfg, env.meta, env.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	describe := func(name string) (*channelDescriptionOutput, error) {
		arn := "arn:aws:kinesis:us-east-1:000000000000:channel/" + name
		return srv2.describeChannel(ctx, &channelARNInput{ChannelARN: &arn})
	}
	da, err := describe("a")
	if err != nil || da.ChannelDescription.ChannelStatus != channelActive || da.ChannelDescription.ChannelID != *a.ChannelDescription.ChannelId {
		t.Fatalf("a after restart: %v %+v", err, da)
	}
	if db, err := describe("b"); err != nil || db.ChannelDescription.ChannelStatus != channelDeleting {
		t.Fatalf("b after restart: %v %+v", err, db)
	}
	env.clock.advance(2 * time.Minute)
	_, err = describe("b")
	wantWireErr(t, err, "ResourceNotFoundException", "Channel b under account 000000000000 not found.")
	if ok, _ := env.meta.Get(channelDeletingNS, "b", new(channelState)); ok {
		t.Fatal("tombstone left after the deletion finished")
	}
}

// FuzzChannelRequests posts arbitrary bodies to the channel actions: every
// answer is a 200 or a 4xx with an error type, never a 5xx or a panic.
func FuzzChannelRequests(f *testing.F) {
	seeds := []string{
		`{}`, ``, `null`, `[]`, `{"ChannelARN":"arn:aws:kinesis:us-east-1:000000000000:channel/c"}`,
		`{"ChannelName":"c","ServiceExecutionRoleARN":"r","StreamConfigurationList":[{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","RecordConfiguration":{"RecordFormatType":"JSON"}}],` +
			`"S3DestinationConfiguration":{"StorageConfiguration":{"BucketARN":"arn:aws:s3:::bkt","CompressionType":"GZIP","ExpectedBucketOwner":"000000000000","OutputKeyTemplate":"a/!{yyyy}"}}}`,
		`{"MaxResults":1,"NextToken":"x","StreamFilter":[{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","StreamCreationTimestamp":1}]}`,
		`{"ChannelARN":"arn:aws:kinesis:us-east-1:000000000000:channel/c","S3DestinationConfiguration":{"DataFreshnessInSeconds":600},"LoggingConfiguration":{"CloudWatchLogs":{"Enabled":true}}}`,
		`{"ChannelName":"c","S3TablesDestinationConfiguration":{"S3TablesConfigurationList":[{}]}}`,
	}
	ops := []string{"CreateChannel", "DescribeChannel", "ListChannels", "UpdateChannel", "DeleteChannel"}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	ms, err := meta.Open(f.TempDir()+"/meta.db", nil)
	if err != nil {
		f.Fatal(err)
	}
	lg := shardlog.NewMemory(nil)
	m, err := delivery.New(context.Background(), delivery.Options{Meta: ms, Log: lg, Store: lake.NewLocal(f.TempDir())})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Config{StateDelay: -1, Channels: m}, ms, lg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close(); m.Close(); lg.Close(); ms.Close() })
	if _, err := srv.createStream(context.Background(), &wire.CreateStreamInput{StreamName: aws.String("s"),
		StreamModeDetails: &wire.StreamModeDetails{StreamMode: aws.String("ON_DEMAND")}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+ops[int(op)%len(ops)])
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req.WithContext(context.Background()))
		if rec.Code == http.StatusOK {
			return
		}
		var e struct {
			Type string `json:"__type"`
		}
		if rec.Code < 400 || rec.Code > 499 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Type == "" {
			t.Fatalf("%s %q: %d %s", ops[int(op)%len(ops)], body, rec.Code, rec.Body.String())
		}
	})
}

// channelSpec's prefixes must be valid for the delivery engine (objkey
// compiles them for every batch) and give the documented keys.
func TestChannelSpec(t *testing.T) {
	str := func(s string) *string { return &s }
	n300, n600 := int64(300), int64(600)
	at := time.Date(2026, 11, 22, 5, 41, 7, 0, time.UTC)
	cases := []struct {
		name            string
		c               channelState
		key, errKey     string
		bucket, comp    string
		delimit         bool
		interval        time.Duration
		warehouse, copy string
	}{
		{
			name: "default template",
			c: channelState{Name: "orders", ID: "ID", Record: recordConfiguration{RecordFormatType: str("JSON")},
				S3: &s3DestinationConfiguration{
					StorageConfiguration:           &s3StorageConfiguration{BucketARN: str("arn:aws:s3:::lake-b"), CompressionType: str("GZIP")},
					DataFreshnessInSeconds:         &n300,
					DeadLetterQueueS3Configuration: &dlqConfiguration{ErrorOutputPrefix: str("kinesis-channel/errors/orders/ID/")},
				}},
			key:    "kinesis-channel/orders/ID/2026/11/22/05/orders-ID-2026-11-22-05-41-channel:orders-1-2026-11-22-05-41-07-R.gz",
			errKey: "kinesis-channel/errors/orders/ID/processing-failed/2026/11/22/05/channel:orders-1-2026-11-22-05-41-07-R.gz",
			bucket: "lake-b", comp: "GZIP", delimit: true, interval: 300 * time.Second,
		},
		{
			name: "custom template, byte array, custom DLQ prefix",
			c: channelState{Name: "raw", ID: "ID", Record: recordConfiguration{RecordFormatType: str("BYTE_ARRAY")},
				S3: &s3DestinationConfiguration{
					StorageConfiguration: &s3StorageConfiguration{BucketARN: str("arn:aws-cn:s3:::b.c"), CompressionType: str("NONE"),
						OutputKeyTemplate: str("y=!{YY}/h=!{HH}/!{channel-id}!{extension}")},
					DataFreshnessInSeconds:         &n600,
					DeadLetterQueueS3Configuration: &dlqConfiguration{ErrorOutputPrefix: str("dlq!(x)/")},
				}},
			key:    "y=26/h=05/ID-channel:raw-1-2026-11-22-05-41-07-R",
			errKey: "dlq!(x)/processing-failed/2026/11/22/05/channel:raw-1-2026-11-22-05-41-07-R",
			bucket: "b.c", comp: "UNCOMPRESSED", interval: 600 * time.Second,
		},
		{
			name: "S3 Tables",
			c: channelState{Name: "t", ID: "ID", Record: recordConfiguration{RecordFormatType: str("JSON")},
				S3Tables: &s3TablesDestinationConfiguration{
					S3TablesConfigurationList: []s3TablesConfiguration{{TableBucketARN: str("arn:aws:s3tables:us-east-1:000000000000:bucket/tbl-bucket"),
						Namespace: str("sales"), TableName: str("orders")}},
					DataFreshnessInSeconds:         &n300,
					DeadLetterQueueS3Configuration: &dlqConfiguration{ErrorOutputPrefix: str("e/")},
				}},
			key:    "kinesis-channel/t/ID/2026/11/22/05/t-ID-2026-11-22-05-41-channel:t-1-2026-11-22-05-41-07-R",
			errKey: "e/processing-failed/2026/11/22/05/channel:t-1-2026-11-22-05-41-07-R",
			bucket: "tbl-bucket", comp: "UNCOMPRESSED", delimit: true, interval: 300 * time.Second,
			warehouse: "sales.orders", copy: "JSON 'auto'",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := channelSpec(&tc.c)
			if err != nil {
				t.Fatal(err)
			}
			d := spec.Dest
			if spec.Source != delivery.SourceKinesis || d.Bucket != tc.bucket || d.Compression != tc.comp || d.AppendDelimiter != tc.delimit ||
				d.BufferInterval != tc.interval || d.BufferBytes != channelBufferBytes {
				t.Fatalf("spec %+v", spec)
			}
			if (d.Warehouse == nil) != (tc.warehouse == "") || d.Warehouse != nil && (d.Warehouse.Table != tc.warehouse || d.Warehouse.CopyOptions != tc.copy) {
				t.Fatalf("warehouse %+v", d.Warehouse)
			}
			layout, err := objkey.Compile(d.Prefix, d.ErrorOutputPrefix, false)
			if err != nil {
				t.Fatalf("the engine rejects prefix %q / %q: %v", d.Prefix, d.ErrorOutputPrefix, err)
			}
			p := objkey.Params{Stream: deliveryName(tc.c.Name), Version: 1, Time: at, Random: "R",
				Extension: objkey.Extension(d.Compression, false, ""), ErrorType: "processing-failed"}
			if got := layout.Key(p); got != tc.key {
				t.Errorf("key\n got %s\nwant %s", got, tc.key)
			}
			if got := layout.ErrorKey(p); got != tc.errKey {
				t.Errorf("error key\n got %s\nwant %s", got, tc.errKey)
			}
		})
	}
}

func TestChannelEdgeCases(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	out, err := env.client.CreateChannel(ctx, s3Channel("e", arn))
	if err != nil {
		t.Fatal(err)
	}
	// StreamFilter with the stream's exact creation time matches.
	created := out.ChannelDescription.StreamConfigurationList[0].StreamCreationTimestamp
	ls, err := env.client.ListChannels(ctx, &kin.ListChannelsInput{StreamFilter: []types.StreamFilter{{StreamARN: aws.String(arn), StreamCreationTimestamp: created}}})
	if err != nil || len(ls.ChannelSummaries) != 1 {
		t.Fatalf("filter by creation time: %v %+v", err, ls)
	}
	// An ARN with the channel id after the name addresses the channel too.
	withID := *out.ChannelDescription.ChannelARN + "/" + *out.ChannelDescription.ChannelId
	if _, err := env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: aws.String(withID)}); err != nil {
		t.Fatal(err)
	}
	// A FAILED channel (source gone) can be deleted; UpdateChannel refuses it.
	if err := env.srv.meta.DeleteStream("src"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "stream gone", func() bool {
		_, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("src")})
		return err != nil
	})
	_, err = env.client.UpdateChannel(ctx, &kin.UpdateChannelInput{ChannelARN: out.ChannelDescription.ChannelARN,
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(300)}})
	wantAPIError(t, err, "ResourceInUseException", "Channel e under account 000000000000 not ACTIVE, instead in state FAILED")
	if _, err := env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: out.ChannelDescription.ChannelARN}); err != nil {
		t.Fatal(err)
	}
	_, err = env.client.DescribeChannel(ctx, &kin.DescribeChannelInput{ChannelARN: out.ChannelDescription.ChannelARN})
	wantAPIError(t, err, "ResourceNotFoundException", "Channel e under account 000000000000 not found.")
}

// TestChannelTagsThroughResourceAPI tags a channel with the SDK's
// TagResource, UntagResource and ListTagsForResource by its ARN.
func TestChannelTagsThroughResourceAPI(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	out, err := env.client.CreateChannel(ctx, s3Channel("rtag", env.onDemand(t, "src")))
	if err != nil {
		t.Fatal(err)
	}
	arn := out.ChannelDescription.ChannelARN
	if _, err := env.client.TagResource(ctx, &kin.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"team": "data", "env": "dev"}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := env.client.UntagResource(ctx, &kin.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	lt, err := env.client.ListTagsForResource(ctx, &kin.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil {
		t.Fatalf("ListTagsForResource: %v", err)
	}
	if len(lt.Tags) != 1 || aws.ToString(lt.Tags[0].Key) != "team" || aws.ToString(lt.Tags[0].Value) != "data" {
		t.Fatalf("tags = %+v, want team=data", lt.Tags)
	}
	_, err = env.client.ListTagsForResource(ctx, &kin.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:channel/none")})
	if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Fatalf("unknown channel: %v", err)
	}
}

// A stream with a channel cannot be deleted (AWS: "A stream cannot be
// deleted while it has active channels"); once the channel is being
// deleted, it can.
func TestStreamChannelsInUse(t *testing.T) {
	env := startChannelEnv(t, time.Minute)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	env.onDemand(t, "other")
	env.clock.advance(2 * time.Minute)
	out, err := env.client.CreateChannel(ctx, s3Channel("c", arn))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := env.meta.Stream("src")
	other, _ := env.meta.Stream("other")
	wantWireErr(t, env.srv.streamChannelsInUse(ctx, src), "ResourceInUseException",
		"Stream src under account 000000000000 has channel c; delete its channels (ListChannels with a StreamFilter finds them) before the stream.")
	if err := env.srv.streamChannelsInUse(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.DeleteChannel(ctx, &kin.DeleteChannelInput{ChannelARN: out.ChannelDescription.ChannelARN}); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.streamChannelsInUse(ctx, src); err != nil {
		t.Fatal(err)
	}
	noEngine := startEnv(t)
	if err := noEngine.srv.streamChannelsInUse(ctx, src); err != nil {
		t.Fatal(err)
	}
}

// A batch the table never accepts (a bad record) must not wedge an S3
// Tables channel: after channelLoadRetry it is skipped, with a manifest
// naming its staged object, and later batches load.
func TestChannelS3TablesSkipsFailingLoad(t *testing.T) {
	env := startChannelEnv(t, 0)
	ctx := testCtx(t)
	arn := env.onDemand(t, "src")
	in := s3Channel("to-table", arn)
	in.S3DestinationConfiguration = nil
	in.StreamConfigurationList[0].RecordConfiguration.GSRSchemaARN = aws.String("arn:aws:glue:us-east-1:000000000000:schema/r/s")
	in.S3TablesDestinationConfiguration = &types.S3TablesDestinationConfiguration{
		DeadLetterQueueS3Configuration: &types.DeadLetterQueueS3Configuration{BucketARN: aws.String("arn:aws:s3:::dlq-bucket"), ExpectedBucketOwner: aws.String("000000000000")},
		S3TablesConfigurationList: []types.S3TablesConfiguration{{
			CompressionType: types.S3TablesCompressionTypeSnappy, Namespace: aws.String("sales"),
			TableBucketARN: aws.String("arn:aws:s3tables:us-east-1:000000000000:bucket/table-bucket"), TableName: aws.String("orders"),
		}},
	}
	if _, err := env.client.CreateChannel(ctx, in); err != nil {
		t.Fatal(err)
	}
	env.loader.setFail(true)
	env.put(t, "src", `{"a":"not a number"}`)
	env.clock.advance(301 * time.Second)
	eventually(t, "a failed load", func() bool { return env.loader.tries() > 0 })
	// The next record is already due when the worker gets past the bad
	// batch (the worker's waits are in real time; the test clock jumps).
	env.put(t, "src", `{"a":2}`)
	env.clock.advance(channelLoadRetry + time.Minute)
	eventually(t, "the skipped batch's manifest", func() bool {
		found := false
		_ = env.store.List(context.Background(), "table-bucket", "", func(o lake.Object) error {
			found = found || strings.Contains(o.Key, "errors/manifests/")
			return nil
		})
		return found
	})
	env.loader.setFail(false)
	eventually(t, "the next batch's load", func() bool { return len(env.loader.all()) == 1 })
}

// TestChannelRecordFormat maps RecordFormatType to the engine's check.
func TestChannelRecordFormat(t *testing.T) {
	for in, want := range map[string]string{
		"JSON": delivery.RecordFormatJSON, "GSR_JSON": delivery.RecordFormatJSON,
		"STRING": delivery.RecordFormatString, "BYTE_ARRAY": "",
	} {
		if got := channelRecordFormat(in); got != want {
			t.Errorf("channelRecordFormat(%s) = %q, want %q", in, got, want)
		}
	}
}
