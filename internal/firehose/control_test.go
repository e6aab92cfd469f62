package firehose

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/delivery"
)

func TestCreateDescribeDirectPut(t *testing.T) {
	e := newEnv(t)
	out := e.ok("CreateDeliveryStream", map[string]any{
		"DeliveryStreamName":                 "web-logs",
		"ExtendedS3DestinationConfiguration": s3Config("lake-e2e"),
	})
	if got, want := out["DeliveryStreamARN"], "arn:aws:firehose:us-east-1:123456789012:deliverystream/web-logs"; got != want {
		t.Fatalf("ARN %v, want %v", got, want)
	}
	d := e.describe("web-logs")
	if d["DeliveryStreamStatus"] != "CREATING" {
		t.Fatalf("status %v, want CREATING", d["DeliveryStreamStatus"])
	}
	e.clk.advance(testDelay)
	d = e.describe("web-logs")
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"DeliveryStreamStatus"}, "ACTIVE"},
		{[]any{"DeliveryStreamType"}, "DirectPut"},
		{[]any{"VersionId"}, "1"},
		{[]any{"HasMoreDestinations"}, false},
		{[]any{"DeliveryStreamEncryptionConfiguration", "Status"}, "DISABLED"},
		{[]any{"Destinations", 0, "DestinationId"}, "destinationId-000000000001"},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "BucketARN"}, "arn:aws:s3:::lake-e2e"},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "BufferingHints", "SizeInMBs"}, 5.0},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "BufferingHints", "IntervalInSeconds"}, 300.0},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "CompressionFormat"}, "UNCOMPRESSED"},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "EncryptionConfiguration", "NoEncryptionConfig"}, "NoEncryption"},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "CloudWatchLoggingOptions", "Enabled"}, false},
		{[]any{"Destinations", 0, "ExtendedS3DestinationDescription", "S3BackupMode"}, "Disabled"},
		{[]any{"Destinations", 0, "S3DestinationDescription", "RoleARN"}, "arn:aws:iam::123456789012:role/firehose"},
		{[]any{"Destinations", 0, "S3DestinationDescription", "BufferingHints", "SizeInMBs"}, 5.0},
		{[]any{"CreateTimestamp"}, float64(e.fake.created.Unix())},
	}
	for _, c := range checks {
		if got := get(d, c.path...); got != c.want {
			t.Errorf("%v = %#v, want %#v", c.path, got, c.want)
		}
	}
	if d["LastUpdateTimestamp"] != nil || d["Source"] != nil || d["FailureDescription"] != nil {
		t.Errorf("unexpected members: %v", d)
	}
	def, _ := e.fake.Get("web-logs")
	want := delivery.Spec{Source: delivery.SourceDirectPut, Version: 1, Dest: delivery.Destination{
		ID: destinationID, Bucket: "lake-e2e", BufferBytes: 5 << 20, BufferInterval: 300 * time.Second, Compression: "UNCOMPRESSED",
	}}
	if fmt.Sprint(def.Spec) != fmt.Sprint(want) {
		t.Fatalf("spec\n got %+v\nwant %+v", def.Spec, want)
	}
}

func TestCreateSpecMapping(t *testing.T) {
	e := newEnv(t)
	ext := s3Config("lake-a")
	ext["Prefix"] = "data/region=!{partitionKeyFromQuery:region}/"
	ext["ErrorOutputPrefix"] = "errors/!{firehose:error-output-type}/"
	ext["BufferingHints"] = map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60}
	ext["CompressionFormat"] = "GZIP"
	ext["FileExtension"] = ".json.gz"
	ext["DynamicPartitioningConfiguration"] = map[string]any{"Enabled": true}
	ext["ProcessingConfiguration"] = map[string]any{"Enabled": true, "Processors": []any{
		map[string]any{"Type": "MetadataExtraction", "Parameters": []any{
			map[string]any{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{region: .region}"},
			map[string]any{"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
		}},
		map[string]any{"Type": "AppendDelimiterToRecord"},
	}}
	e.create("parts", ext)
	def, _ := e.fake.Get("parts")
	d := def.Spec.Dest
	if d.Bucket != "lake-a" || d.Prefix != ext["Prefix"] || d.ErrorOutputPrefix != ext["ErrorOutputPrefix"] ||
		d.BufferBytes != 64<<20 || d.BufferInterval != time.Minute || d.Compression != "GZIP" || d.FileExtension != ".json.gz" ||
		!d.AppendDelimiter || d.Partitioning == nil || d.Partitioning.Query != "{region: .region}" || d.Conversion != nil || d.Warehouse != nil {
		t.Fatalf("dest %+v", d)
	}

	conv := s3Config("lake-b")
	conv["BufferingHints"] = map[string]any{"SizeInMBs": 128, "IntervalInSeconds": 0}
	conv["DataFormatConversionConfiguration"] = map[string]any{
		"SchemaConfiguration":       map[string]any{"DatabaseName": "logs", "TableName": "events", "RoleARN": "arn:aws:iam::123456789012:role/glue"},
		"InputFormatConfiguration":  map[string]any{"Deserializer": map[string]any{"OpenXJsonSerDe": map[string]any{"CaseInsensitive": false, "ColumnToJsonKeyMappings": map[string]any{"ts": "timestamp"}}}},
		"OutputFormatConfiguration": map[string]any{"Serializer": map[string]any{"ParquetSerDe": map[string]any{"Compression": "GZIP"}}},
	}
	e.create("conv", conv)
	def, _ = e.fake.Get("conv")
	c := def.Spec.Dest.Conversion
	if c == nil || c.Database != "logs" || c.Table != "events" || c.Deserializer != "openx" || c.CaseInsensitive ||
		c.ColumnToJSONKey["ts"] != "timestamp" || c.Serializer != "parquet" || c.Compression != "GZIP" || def.Spec.Dest.BufferInterval != 0 {
		t.Fatalf("conversion %+v dest %+v", c, def.Spec.Dest)
	}
	if got := get(e.describe("conv"), "Destinations", 0, "ExtendedS3DestinationDescription", "DataFormatConversionConfiguration", "Enabled"); got != true {
		t.Fatalf("conversion Enabled default = %v", got)
	}

	e.ok("CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "to-warehouse",
		"RedshiftDestinationConfiguration": map[string]any{
			"RoleARN":        "arn:aws:iam::123456789012:role/firehose",
			"ClusterJDBCURL": "jdbc:redshift://rheo.abc123.us-east-1.redshift.amazonaws.com:5439/dev",
			"CopyCommand":    map[string]any{"DataTableName": "events", "DataTableColumns": "a,b", "CopyOptions": "JSON 'auto' GZIP"},
			"Username":       "admin",
			"Password":       "secret-password",
			"S3Configuration": map[string]any{
				"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::staging",
				"CompressionFormat": "GZIP", "BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 0},
			},
		},
	})
	def, _ = e.fake.Get("to-warehouse")
	w := def.Spec.Dest.Warehouse
	if w == nil || w.Table != "events" || w.Columns != "a,b" || w.CopyOptions != "JSON 'auto' GZIP" || def.Spec.Dest.Bucket != "staging" || def.Spec.Dest.BufferBytes != 1<<20 {
		t.Fatalf("warehouse dest %+v / %+v", def.Spec.Dest, w)
	}
	// RedshiftRetryOptions.DurationInSeconds defaults to 3600 s.
	if w.RetryFor == nil || *w.RetryFor != time.Hour {
		t.Fatalf("warehouse retry duration %v, want 1h", w.RetryFor)
	}
	e.clk.advance(testDelay)
	rd := get(e.describe("to-warehouse"), "Destinations", 0, "RedshiftDestinationDescription").(map[string]any)
	if rd["Password"] != nil || rd["Username"] != "admin" || get(rd, "S3DestinationDescription", "BucketARN") != "arn:aws:s3:::staging" ||
		get(rd, "CopyCommand", "CopyOptions") != "JSON 'auto' GZIP" || rd["S3Configuration"] != nil {
		t.Fatalf("redshift description %v", rd)
	}
	if strings.Contains(string(def.API), "secret-password") {
		t.Fatal("the Redshift password is stored in the API state")
	}
}

func TestCreateKinesisSource(t *testing.T) {
	e := newEnv(t)
	e.ok("CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "from-kinesis",
		"DeliveryStreamType": "KinesisStreamAsSource",
		"KinesisStreamSourceConfiguration": map[string]any{
			"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/src",
			"RoleARN":          "arn:aws:iam::123456789012:role/firehose",
		},
		"ExtendedS3DestinationConfiguration": map[string]any{
			"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::lake-e2e", "CompressionFormat": "GZIP",
		},
	})
	e.clk.advance(testDelay)
	def, _ := e.fake.Get("from-kinesis")
	if def.Spec.Source != delivery.SourceKinesis || def.Spec.KinesisStream != "src" {
		t.Fatalf("spec %+v", def.Spec)
	}
	d := e.describe("from-kinesis")
	if get(d, "Source", "KinesisStreamSourceDescription", "KinesisStreamARN") != "arn:aws:kinesis:us-east-1:123456789012:stream/src" ||
		get(d, "Source", "KinesisStreamSourceDescription", "DeliveryStartTimestamp") == nil ||
		d["DeliveryStreamEncryptionConfiguration"] != nil || d["DeliveryStreamType"] != "KinesisStreamAsSource" {
		t.Fatalf("description %v", d)
	}
	e.fail("PutRecord", map[string]any{"DeliveryStreamName": "from-kinesis", "Record": map[string]any{"Data": "YQ=="}},
		"InvalidArgumentException", "This operation is not permitted on KinesisStreamAsSource delivery stream type.")
	e.fail("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "from-kinesis"},
		"InvalidArgumentException", "KinesisStreamAsSource")
}

func TestCreateValidation(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/firehose"
	with := func(mut func(m map[string]any)) map[string]any {
		ext := s3Config("lake-v")
		mut(ext)
		return map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": ext}
	}
	dynamicOK := func(m map[string]any) {
		m["Prefix"] = "r=!{partitionKeyFromQuery:region}/"
		m["ErrorOutputPrefix"] = "err/"
		m["BufferingHints"] = map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60}
		m["DynamicPartitioningConfiguration"] = map[string]any{"Enabled": true}
		m["ProcessingConfiguration"] = map[string]any{"Enabled": true, "Processors": []any{map[string]any{"Type": "MetadataExtraction", "Parameters": []any{
			map[string]any{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{region: .region}"},
			map[string]any{"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
		}}}}
	}
	convOK := func(m map[string]any) {
		m["BufferingHints"] = map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60}
		m["DataFormatConversionConfiguration"] = map[string]any{
			"SchemaConfiguration":       map[string]any{"DatabaseName": "logs", "TableName": "events"},
			"InputFormatConfiguration":  map[string]any{"Deserializer": map[string]any{"HiveJsonSerDe": map[string]any{}}},
			"OutputFormatConfiguration": map[string]any{"Serializer": map[string]any{"ParquetSerDe": map[string]any{}}},
		}
	}
	cases := []struct {
		name      string
		body      any
		typ, want string
	}{
		{"no name", map[string]any{"ExtendedS3DestinationConfiguration": s3Config("b")}, "ValidationException",
			"1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null"},
		{"bad name", map[string]any{"DeliveryStreamName": "a b", "ExtendedS3DestinationConfiguration": s3Config("b")}, "ValidationException",
			"Value 'a b' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"long name", map[string]any{"DeliveryStreamName": strings.Repeat("a", 65), "ExtendedS3DestinationConfiguration": s3Config("b")}, "ValidationException",
			"Member must have length less than or equal to 64"},
		{"bad type", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "Kafka", "ExtendedS3DestinationConfiguration": s3Config("b")}, "ValidationException",
			"Value 'Kafka' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]"},
		{"no role", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": map[string]any{"BucketARN": "arn:aws:s3:::b"}}, "ValidationException",
			"Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null"},
		{"bad bucket arn", with(func(m map[string]any) { m["BucketARN"] = "lake" }), "ValidationException",
			"Value 'lake' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}"},
		{"bad role arn", with(func(m map[string]any) { m["RoleARN"] = "arn:aws:iam::1:role/x" }), "ValidationException", "at 'extendedS3DestinationConfiguration.roleARN'"},
		{"size 0", with(func(m map[string]any) { m["BufferingHints"] = map[string]any{"SizeInMBs": 0, "IntervalInSeconds": 60} }), "ValidationException",
			"Value '0' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"size 129", with(func(m map[string]any) { m["BufferingHints"] = map[string]any{"SizeInMBs": 129} }), "ValidationException",
			"Member must have value less than or equal to 128"},
		{"interval 901", with(func(m map[string]any) { m["BufferingHints"] = map[string]any{"IntervalInSeconds": 901} }), "ValidationException",
			"Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"two errors", with(func(m map[string]any) { m["BufferingHints"] = map[string]any{"SizeInMBs": 0, "IntervalInSeconds": -1} }), "ValidationException",
			"2 validation errors detected: "},
		{"compression", with(func(m map[string]any) { m["CompressionFormat"] = "LZ4" }), "ValidationException",
			"Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]"},
		{"file extension", with(func(m map[string]any) { m["FileExtension"] = "json" }), "ValidationException",
			"at 'extendedS3DestinationConfiguration.fileExtension' failed to satisfy constraint: Member must satisfy regular expression pattern: ^$|\\.[0-9a-z!\\-_.*'()]+"},
		{"prefix too long", with(func(m map[string]any) { m["Prefix"] = strings.Repeat("p", 1025) }), "ValidationException", "Member must have length less than or equal to 1024"},
		{"bucket name", with(func(m map[string]any) { m["BucketARN"] = "arn:aws:s3:::Lake_Upper" }), "InvalidArgumentException", "does not name a valid bucket"},
		{"processor type", with(func(m map[string]any) {
			m["ProcessingConfiguration"] = map[string]any{"Enabled": true, "Processors": []any{map[string]any{"Type": "Lambda"}}}
		}), "InvalidArgumentException", "Processor type Lambda is not supported by rheo"},
		{"processor enum", with(func(m map[string]any) {
			m["ProcessingConfiguration"] = map[string]any{"Processors": []any{map[string]any{"Type": "Nope"}}}
		}), "ValidationException", "at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.type'"},
		{"blank parameter", with(func(m map[string]any) {
			m["ProcessingConfiguration"] = map[string]any{"Processors": []any{map[string]any{"Type": "MetadataExtraction", "Parameters": []any{map[string]any{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "  "}}}}}
		}), "ValidationException", "processors.1.member.parameters.1.member.parameterValue"},
		{"dynamic small buffer", with(func(m map[string]any) {
			dynamicOK(m)
			m["BufferingHints"] = map[string]any{"SizeInMBs": 5, "IntervalInSeconds": 60}
		}), "InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled."},
		{"dynamic zero interval", with(func(m map[string]any) {
			dynamicOK(m)
			m["BufferingHints"] = map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 0}
		}), "InvalidArgumentException", "zero buffering"},
		{"dynamic no query", with(func(m map[string]any) {
			dynamicOK(m)
			delete(m, "ProcessingConfiguration")
		}), "InvalidArgumentException", "no MetadataExtraction processor"},
		{"query without dynamic", with(func(m map[string]any) {
			dynamicOK(m)
			delete(m, "DynamicPartitioningConfiguration")
		}), "InvalidArgumentException", "requires DynamicPartitioningConfiguration.Enabled"},
		{"dynamic prefix without keys", with(func(m map[string]any) {
			dynamicOK(m)
			m["Prefix"] = "static/"
		}), "InvalidArgumentException", "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled"},
		{"bad jq", with(func(m map[string]any) {
			dynamicOK(m)
			m["ProcessingConfiguration"].(map[string]any)["Processors"].([]any)[0].(map[string]any)["Parameters"].([]any)[0].(map[string]any)["ParameterValue"] = "{region: .region"
		}), "InvalidArgumentException", "MetadataExtractionQuery"},
		{"jq engine", with(func(m map[string]any) {
			dynamicOK(m)
			m["ProcessingConfiguration"].(map[string]any)["Processors"].([]any)[0].(map[string]any)["Parameters"].([]any)[1].(map[string]any)["ParameterValue"] = "JQ-2"
		}), "InvalidArgumentException", "JsonParsingEngine JQ-2 is not supported"},
		{"expression without error prefix", with(func(m map[string]any) { m["Prefix"] = "y=!{timestamp:yyyy}/" }), "InvalidArgumentException",
			"ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"},
		{"conversion compressed", with(func(m map[string]any) { convOK(m); m["CompressionFormat"] = "GZIP" }), "InvalidArgumentException",
			"CompressionFormat must be UNCOMPRESSED when data format conversion is enabled"},
		{"conversion small buffer", with(func(m map[string]any) {
			convOK(m)
			m["BufferingHints"] = map[string]any{"SizeInMBs": 63, "IntervalInSeconds": 60}
		}), "InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled."},
		{"conversion missing table", with(func(m map[string]any) {
			convOK(m)
			m["DataFormatConversionConfiguration"].(map[string]any)["SchemaConfiguration"] = map[string]any{"DatabaseName": "logs", "TableName": "missing"}
		}), "InvalidArgumentException", "does not exist"},
		{"conversion two deserializers", with(func(m map[string]any) {
			convOK(m)
			m["DataFormatConversionConfiguration"].(map[string]any)["InputFormatConfiguration"] = map[string]any{"Deserializer": map[string]any{"HiveJsonSerDe": map[string]any{}, "OpenXJsonSerDe": map[string]any{}}}
		}), "InvalidArgumentException", "Exactly one deserializer"},
		{"conversion orc", with(func(m map[string]any) {
			convOK(m)
			m["DataFormatConversionConfiguration"].(map[string]any)["OutputFormatConfiguration"] = map[string]any{"Serializer": map[string]any{"OrcSerDe": map[string]any{}}}
		}), "InvalidArgumentException", "OrcSerDe is not supported"},
		{"parquet block size", with(func(m map[string]any) {
			convOK(m)
			m["DataFormatConversionConfiguration"].(map[string]any)["OutputFormatConfiguration"] = map[string]any{"Serializer": map[string]any{"ParquetSerDe": map[string]any{"BlockSizeBytes": 1024}}}
		}), "ValidationException", "outputFormatConfiguration.serializer.parquetSerDe.blockSizeBytes"},
		{"time zone", with(func(m map[string]any) { m["CustomTimeZone"] = "Europe/Paris" }), "InvalidArgumentException", "CustomTimeZone Europe/Paris is not supported"},
		{"backup", with(func(m map[string]any) { m["S3BackupMode"] = "Enabled" }), "InvalidArgumentException", "S3BackupMode Enabled is not supported"},
		{"no destination", map[string]any{"DeliveryStreamName": "v"}, "InvalidArgumentException", "Exactly one destination configuration"},
		{"two destinations", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": s3Config("b12"), "S3DestinationConfiguration": s3Config("b12")},
			"InvalidArgumentException", "Exactly one destination configuration"},
		{"splunk", map[string]any{"DeliveryStreamName": "v", "SplunkDestinationConfiguration": map[string]any{"HECEndpoint": "https://x"}},
			"InvalidArgumentException", "rheo does not support SplunkDestinationConfiguration"},
		{"http endpoint", map[string]any{"DeliveryStreamName": "v", "HttpEndpointDestinationConfiguration": map[string]any{}},
			"InvalidArgumentException", "rheo does not support HttpEndpointDestinationConfiguration"},
		{"msk", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "MSKAsSource", "ExtendedS3DestinationConfiguration": s3Config("b12")},
			"InvalidArgumentException", "MSK"},
		{"kinesis without config", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "KinesisStreamAsSource", "ExtendedS3DestinationConfiguration": s3Config("b12")},
			"InvalidArgumentException", "KinesisStreamSourceConfiguration is required"},
		{"kinesis missing stream", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "KinesisStreamAsSource", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"KinesisStreamSourceConfiguration": map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/nope", "RoleARN": role}},
			"InvalidArgumentException", "Kinesis stream arn:aws:kinesis:us-east-1:123456789012:stream/nope does not exist."},
		{"kinesis bad arn", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "KinesisStreamAsSource", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"KinesisStreamSourceConfiguration": map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:1:stream/x", "RoleARN": role}},
			"ValidationException", "kinesisStreamSourceConfiguration.kinesisStreamARN"},
		{"kinesis with sse", map[string]any{"DeliveryStreamName": "v", "DeliveryStreamType": "KinesisStreamAsSource", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"KinesisStreamSourceConfiguration":           map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/src", "RoleARN": role},
			"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "AWS_OWNED_CMK"}},
			"InvalidArgumentException", "KinesisStreamAsSource"},
		{"cmk without arn", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "CUSTOMER_MANAGED_CMK"}},
			"InvalidArgumentException", "KeyARN is required"},
		{"key type", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "MINE"}},
			"ValidationException", "deliveryStreamEncryptionConfigurationInput.keyType"},
		{"tag key aws:", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"Tags": []any{map[string]any{"Key": "aws:x", "Value": "1"}}},
			"ValidationException", "Value 'aws:x' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)"},
		{"tag value chars", map[string]any{"DeliveryStreamName": "v", "ExtendedS3DestinationConfiguration": s3Config("b12"),
			"Tags": []any{map[string]any{"Key": "k", "Value": "a*b"}}},
			"ValidationException", "tags.1.member.value"},
		{"redshift snappy", map[string]any{"DeliveryStreamName": "v", "RedshiftDestinationConfiguration": map[string]any{
			"RoleARN": role, "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev",
			"CopyCommand":     map[string]any{"DataTableName": "t"},
			"S3Configuration": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::stage", "CompressionFormat": "Snappy"}}},
			"InvalidArgumentException", "Compression format Snappy is not supported for a Redshift destination"},
		{"redshift jdbc", map[string]any{"DeliveryStreamName": "v", "RedshiftDestinationConfiguration": map[string]any{
			"RoleARN": role, "ClusterJDBCURL": "jdbc:mysql://localhost:3306/db",
			"CopyCommand":     map[string]any{"DataTableName": "t"},
			"S3Configuration": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::stage"}}},
			"ValidationException", "redshiftDestinationConfiguration.clusterJDBCURL"},
		{"redshift short password", map[string]any{"DeliveryStreamName": "v", "RedshiftDestinationConfiguration": map[string]any{
			"RoleARN": role, "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev", "Password": "abc",
			"CopyCommand":     map[string]any{"DataTableName": "t"},
			"S3Configuration": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::stage"}}},
			"ValidationException", "Value 'abc' at 'redshiftDestinationConfiguration.password' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{"redshift missing copy", map[string]any{"DeliveryStreamName": "v", "RedshiftDestinationConfiguration": map[string]any{
			"RoleARN": role, "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev",
			"S3Configuration": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::stage"}}},
			"ValidationException", "Value null at 'redshiftDestinationConfiguration.copyCommand'"},
		{"redshift prefix expression", map[string]any{"DeliveryStreamName": "v", "RedshiftDestinationConfiguration": map[string]any{
			"RoleARN": role, "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev",
			"CopyCommand":     map[string]any{"DataTableName": "t"},
			"S3Configuration": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::stage", "Prefix": "!{timestamp:yyyy}/", "ErrorOutputPrefix": "e/"}}},
			"InvalidArgumentException", "not supported for this destination"},
		{"wrong member type", `{"DeliveryStreamName": 5}`, "SerializationException", ""},
		{"malformed", `{"DeliveryStreamName": `, "SerializationException", "Malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.fail("CreateDeliveryStream", c.body, c.typ, c.want)
			if len(e.fake.List()) != 0 {
				t.Fatal("a refused create stored a stream")
			}
		})
	}
}

func TestCreateExisting(t *testing.T) {
	e := newEnv(t)
	e.create("dup", nil)
	e.fail("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "dup", "ExtendedS3DestinationConfiguration": s3Config("lake-test")},
		"ResourceInUseException", "Firehose dup under accountId 123456789012 already exists")
}

func TestDeleteLifecycle(t *testing.T) {
	e := newEnv(t)
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "d", "ExtendedS3DestinationConfiguration": s3Config("lake-test")})
	e.fail("DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "d"}, "ResourceInUseException", "CREATING")
	e.clk.advance(testDelay)
	e.ok("DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "d", "AllowForceDelete": true})
	if _, ok := e.fake.Get("d"); ok {
		t.Fatal("engine still has the stream")
	}
	if got := e.describe("d")["DeliveryStreamStatus"]; got != "DELETING" {
		t.Fatalf("status %v, want DELETING", got)
	}
	e.ok("DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "d"}) // DELETING: allowed
	e.fail("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "d", "ExtendedS3DestinationConfiguration": s3Config("lake-test")},
		"ResourceInUseException", "already exists")
	e.fail("PutRecord", map[string]any{"DeliveryStreamName": "d", "Record": map[string]any{"Data": "YQ=="}},
		"ResourceNotFoundException", "Firehose d under account 123456789012 not found.")
	e.clk.advance(testDelay)
	e.fail("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "d"}, "ResourceNotFoundException", "Firehose d under account 123456789012 not found.")
	e.fail("DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "d"}, "ResourceNotFoundException", "not found.")
	e.create("d", nil) // the name is free again
}

func TestListDeliveryStreams(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"c", "a", "e", "b", "d"} {
		e.create(n, nil)
	}
	e.ok("CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "k", "DeliveryStreamType": "KinesisStreamAsSource",
		"KinesisStreamSourceConfiguration":   map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/src", "RoleARN": "arn:aws:iam::123456789012:role/r"},
		"ExtendedS3DestinationConfiguration": s3Config("lake-test"),
	})
	names := func(out map[string]any) string {
		var s []string
		for _, n := range out["DeliveryStreamNames"].([]any) {
			s = append(s, n.(string))
		}
		return strings.Join(s, ",") + fmt.Sprintf(" more=%v", out["HasMoreDeliveryStreams"])
	}
	cases := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{}, "a,b,c,d,e,k more=false"},
		{map[string]any{"Limit": 2}, "a,b more=true"},
		{map[string]any{"Limit": 2, "ExclusiveStartDeliveryStreamName": "b"}, "c,d more=true"},
		{map[string]any{"ExclusiveStartDeliveryStreamName": "bb"}, "c,d,e,k more=false"},
		{map[string]any{"DeliveryStreamType": "KinesisStreamAsSource"}, "k more=false"},
		{map[string]any{"DeliveryStreamType": "DirectPut", "Limit": 5}, "a,b,c,d,e more=false"},
		{map[string]any{"ExclusiveStartDeliveryStreamName": "k"}, " more=false"},
	}
	for _, c := range cases {
		if got := names(e.ok("ListDeliveryStreams", c.in)); got != c.want {
			t.Errorf("%v: got %q, want %q", c.in, got, c.want)
		}
	}
	e.fail("ListDeliveryStreams", map[string]any{"Limit": 0}, "ValidationException", "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	e.fail("ListDeliveryStreams", map[string]any{"Limit": 10001}, "ValidationException", "less than or equal to 10000")
	e.fail("ListDeliveryStreams", map[string]any{"DeliveryStreamType": "x"}, "ValidationException", "deliveryStreamType")
}

func TestDescribeValidationAndFailure(t *testing.T) {
	e := newEnv(t)
	e.fail("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "nope"}, "ResourceNotFoundException", "Firehose nope under account 123456789012 not found.")
	e.fail("DescribeDeliveryStream", map[string]any{}, "ValidationException", "Value null at 'deliveryStreamName'")
	e.fail("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "x", "Limit": 0}, "ValidationException", "at 'limit'")
	e.fail("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "x", "ExclusiveStartDestinationId": "a b"}, "ValidationException", "exclusiveStartDestinationId")
	e.create("f", nil)
	e.fake.status["f"] = delivery.Status{FailingSince: e.clk.now(), Attempts: 3, LastError: "put lake-test/x: disk full"}
	d := e.describe("f")
	if get(d, "FailureDescription", "Type") != "UNKNOWN_ERROR" || get(d, "FailureDescription", "Details") != "put lake-test/x: disk full" {
		t.Fatalf("failure description %v", d["FailureDescription"])
	}
	e.fake.status["f"] = delivery.Status{LastSuccess: e.clk.now()}
	if d := e.describe("f"); d["FailureDescription"] != nil {
		t.Fatalf("healthy stream shows %v", d["FailureDescription"])
	}
	e.ok("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "f", "Limit": 1, "ExclusiveStartDestinationId": "destinationId-000000000001"})
}

func TestAdapterErrors(t *testing.T) {
	e := newEnv(t)
	e.fail("NoSuchAction", `{}`, "UnknownOperationException", "")
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Amz-Target", targetPrefix+"ListDeliveryStreams")
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
	// Void actions answer {}.
	e.create("v", nil)
	code, out := e.call("TagDeliveryStream", map[string]any{"DeliveryStreamName": "v", "Tags": []any{map[string]any{"Key": "k"}}})
	if code != 200 || len(out) != 0 {
		t.Fatalf("tag: %d %v", code, out)
	}
	// An empty body is an empty object.
	e.fail("DescribeDeliveryStream", ``, "ValidationException", "Value null at 'deliveryStreamName'")
}

// TestAbandonedRequestNotLoggedAsFailure: a client that hangs up mid-call
// is not an internal failure of rheo's.
func TestAbandonedRequestNotLoggedAsFailure(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	e.srv.logger = slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	e.srv.writeError(httptest.NewRecorder(), req, fmt.Errorf("put: %w", context.Canceled))
	if strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("abandoned request logged as an error: %s", buf.String())
	}
	req = httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/", nil)
	e.srv.writeError(httptest.NewRecorder(), req, fmt.Errorf("disk on fire"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("internal failure not logged: %q", buf.String())
	}
}
