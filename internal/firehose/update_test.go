package firehose

import (
	"testing"
	"time"
)

func update(name, version string, member string, upd map[string]any) map[string]any {
	return map[string]any{"DeliveryStreamName": name, "CurrentDeliveryStreamVersionId": version, "DestinationId": destinationID, member: upd}
}

func TestUpdateDestination(t *testing.T) {
	e := newEnv(t)
	ext := s3Config("lake-u")
	ext["Prefix"] = "raw/"
	ext["CompressionFormat"] = "GZIP"
	e.create("u", ext)
	start := e.clk.now()
	e.clk.advance(time.Minute)

	// Merge: only the buffering hints change; prefix and compression stay.
	e.ok("UpdateDestination", update("u", "1", "ExtendedS3DestinationUpdate", map[string]any{"BufferingHints": map[string]any{"IntervalInSeconds": 0}}))
	d := e.describe("u")
	ed := get(d, "Destinations", 0, "ExtendedS3DestinationDescription")
	if d["VersionId"] != "2" || get(ed, "Prefix") != "raw/" || get(ed, "CompressionFormat") != "GZIP" ||
		get(ed, "BufferingHints", "IntervalInSeconds") != 0.0 || get(ed, "BufferingHints", "SizeInMBs") != 5.0 {
		t.Fatalf("after merge: %v", d)
	}
	if d["LastUpdateTimestamp"] != float64(start.Add(time.Minute).Unix()) {
		t.Fatalf("LastUpdateTimestamp %v", d["LastUpdateTimestamp"])
	}
	def, _ := e.fake.Get("u")
	if def.Spec.Version != 2 || def.Spec.Dest.BufferInterval != 0 || def.Spec.Dest.Prefix != "raw/" || def.Spec.Dest.Compression != "GZIP" {
		t.Fatalf("spec after update %+v", def.Spec)
	}

	// Stale version: ConcurrentModificationException, nothing changes.
	e.fail("UpdateDestination", update("u", "1", "S3DestinationUpdate", map[string]any{"Prefix": "x/"}),
		"ConcurrentModificationException", "Cannot update firehose: u since the current version id: 2 and specified version id: 1 do not match")
	if got := get(e.describe("u"), "Destinations", 0, "ExtendedS3DestinationDescription", "Prefix"); got != "raw/" {
		t.Fatalf("a refused update changed the prefix to %v", got)
	}

	// The deprecated S3DestinationUpdate merges into the same destination.
	e.ok("UpdateDestination", update("u", "2", "S3DestinationUpdate", map[string]any{"BucketARN": "arn:aws:s3:::lake-v"}))
	def, _ = e.fake.Get("u")
	if def.Spec.Dest.Bucket != "lake-v" || def.Spec.Version != 3 || def.Spec.Dest.Prefix != "raw/" {
		t.Fatalf("after S3 update %+v", def.Spec)
	}

	// A rule violated by the merged result is refused.
	e.fail("UpdateDestination", update("u", "3", "ExtendedS3DestinationUpdate", map[string]any{
		"DataFormatConversionConfiguration": map[string]any{
			"SchemaConfiguration":       map[string]any{"DatabaseName": "logs", "TableName": "events"},
			"InputFormatConfiguration":  map[string]any{"Deserializer": map[string]any{"OpenXJsonSerDe": map[string]any{}}},
			"OutputFormatConfiguration": map[string]any{"Serializer": map[string]any{"ParquetSerDe": map[string]any{}}},
		}}), "InvalidArgumentException", "CompressionFormat must be UNCOMPRESSED")
	e.fail("UpdateDestination", update("u", "3", "ExtendedS3DestinationUpdate", map[string]any{
		"Prefix": "r=!{partitionKeyFromQuery:r}/", "ErrorOutputPrefix": "e/",
		"BufferingHints":                   map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60},
		"DynamicPartitioningConfiguration": map[string]any{"Enabled": true},
		"ProcessingConfiguration": map[string]any{"Enabled": true, "Processors": []any{map[string]any{"Type": "MetadataExtraction", "Parameters": []any{
			map[string]any{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{r: .r}"}}}}},
	}), "InvalidArgumentException", "You cannot enable dynamic partitioning for an existing Firehose stream")

	// Switching type merges nothing: all Redshift members are required.
	e.fail("UpdateDestination", update("u", "3", "RedshiftDestinationUpdate", map[string]any{"CopyCommand": map[string]any{"DataTableName": "t"}}),
		"InvalidArgumentException", "Changing the destination type to Redshift requires")
	role := "arn:aws:iam::123456789012:role/firehose"
	e.ok("UpdateDestination", update("u", "3", "RedshiftDestinationUpdate", map[string]any{
		"RoleARN": role, "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev",
		"CopyCommand": map[string]any{"DataTableName": "events", "CopyOptions": "JSON 'auto'"}, "Password": "password1",
		"S3Update": map[string]any{"RoleARN": role, "BucketARN": "arn:aws:s3:::staging"},
	}))
	d = e.describe("u")
	if get(d, "Destinations", 0, "ExtendedS3DestinationDescription") != nil || get(d, "Destinations", 0, "RedshiftDestinationDescription", "CopyCommand", "DataTableName") != "events" ||
		get(d, "Destinations", 0, "RedshiftDestinationDescription", "Password") != nil {
		t.Fatalf("after switch to Redshift: %v", d["Destinations"])
	}
	def, _ = e.fake.Get("u")
	if def.Spec.Dest.Warehouse == nil || def.Spec.Dest.Bucket != "staging" || def.Spec.Version != 4 {
		t.Fatalf("spec after switch %+v", def.Spec)
	}
	// Redshift merge: CopyOptions and the bucket compression change, the rest stays.
	e.ok("UpdateDestination", update("u", "4", "RedshiftDestinationUpdate", map[string]any{"CopyCommand": map[string]any{"DataTableName": "events", "CopyOptions": "JSON 'auto' GZIP"}, "S3Update": map[string]any{"CompressionFormat": "GZIP"},
		"RetryOptions": map[string]any{"DurationInSeconds": 0}}))
	def, _ = e.fake.Get("u")
	if w := def.Spec.Dest.Warehouse; w.Table != "events" || w.CopyOptions != "JSON 'auto' GZIP" || def.Spec.Dest.Compression != "GZIP" {
		t.Fatalf("redshift merge %+v %+v", def.Spec.Dest, w)
	}
	// RetryOptions.DurationInSeconds 0: no retry, a failing load is skipped at once.
	if w := def.Spec.Dest.Warehouse; w.RetryFor == nil || *w.RetryFor != 0 {
		t.Fatalf("retry duration after update %v, want 0", w.RetryFor)
	}
	// And back to S3, which needs RoleARN and BucketARN.
	e.fail("UpdateDestination", update("u", "5", "ExtendedS3DestinationUpdate", map[string]any{"Prefix": "x/"}), "InvalidArgumentException", "requires RoleARN and BucketARN")
	e.ok("UpdateDestination", update("u", "5", "ExtendedS3DestinationUpdate", s3Config("lake-w")))
	def, _ = e.fake.Get("u")
	if def.Spec.Dest.Warehouse != nil || def.Spec.Dest.Bucket != "lake-w" || def.Spec.Dest.Compression != "UNCOMPRESSED" {
		t.Fatalf("back to S3 %+v", def.Spec.Dest)
	}

	cases := []struct {
		body      map[string]any
		typ, want string
	}{
		{map[string]any{"DeliveryStreamName": "u", "DestinationId": destinationID, "S3DestinationUpdate": map[string]any{}}, "ValidationException", "Value null at 'currentDeliveryStreamVersionId'"},
		{map[string]any{"DeliveryStreamName": "u", "CurrentDeliveryStreamVersionId": "6", "S3DestinationUpdate": map[string]any{}}, "ValidationException", "Value null at 'destinationId'"},
		{update("u", "v6", "S3DestinationUpdate", map[string]any{}), "ValidationException", "Value 'v6' at 'currentDeliveryStreamVersionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+"},
		{update("u", "6", "S3DestinationUpdate", map[string]any{"BufferingHints": map[string]any{"SizeInMBs": 200}}), "ValidationException", "at 's3DestinationUpdate.bufferingHints.sizeInMBs'"},
		{update("u", "6", "ExtendedS3DestinationUpdate", map[string]any{"CompressionFormat": "zstd"}), "ValidationException", "at 'extendedS3DestinationUpdate.compressionFormat'"},
		{map[string]any{"DeliveryStreamName": "u", "CurrentDeliveryStreamVersionId": "6", "DestinationId": "destinationId-000000000002", "S3DestinationUpdate": map[string]any{}}, "InvalidArgumentException", "Destination Id destinationId-000000000002 not found"},
		{map[string]any{"DeliveryStreamName": "u", "CurrentDeliveryStreamVersionId": "6", "DestinationId": destinationID}, "InvalidArgumentException", "Exactly one destination update"},
		{update("u", "6", "SplunkDestinationUpdate", map[string]any{}), "InvalidArgumentException", "rheo does not support SplunkDestinationUpdate"},
		{update("nope", "1", "S3DestinationUpdate", map[string]any{}), "ResourceNotFoundException", "Firehose nope under account 123456789012 not found."},
	}
	for _, c := range cases {
		e.fail("UpdateDestination", c.body, c.typ, c.want)
	}
	if def, _ := e.fake.Get("u"); def.Spec.Version != 6 {
		t.Fatalf("refused updates changed the version to %d", def.Spec.Version)
	}

	// Not while CREATING.
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "young", "ExtendedS3DestinationConfiguration": s3Config("lake-test")})
	e.fail("UpdateDestination", update("young", "1", "S3DestinationUpdate", map[string]any{"Prefix": "p/"}), "ResourceInUseException", "Cannot update firehose: young when it is in CREATING status")
}

func TestUpdateKeepsDynamicPartitioning(t *testing.T) {
	e := newEnv(t)
	ext := s3Config("lake-d")
	ext["Prefix"] = "r=!{partitionKeyFromQuery:r}/"
	ext["ErrorOutputPrefix"] = "e/"
	ext["BufferingHints"] = map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60}
	ext["DynamicPartitioningConfiguration"] = map[string]any{"Enabled": true}
	ext["ProcessingConfiguration"] = map[string]any{"Enabled": true, "Processors": []any{map[string]any{"Type": "MetadataExtraction", "Parameters": []any{
		map[string]any{"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{r: .r}"}}}}}
	e.create("dyn", ext)
	e.ok("UpdateDestination", update("dyn", "1", "ExtendedS3DestinationUpdate", map[string]any{"BufferingHints": map[string]any{"SizeInMBs": 128}}))
	def, _ := e.fake.Get("dyn")
	if def.Spec.Dest.Partitioning == nil || def.Spec.Dest.BufferBytes != 128<<20 || def.Spec.Dest.BufferInterval != time.Minute {
		t.Fatalf("spec %+v", def.Spec.Dest)
	}
	e.fail("UpdateDestination", update("dyn", "2", "ExtendedS3DestinationUpdate", map[string]any{"BufferingHints": map[string]any{"SizeInMBs": 32}}),
		"InvalidArgumentException", "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.")
}
