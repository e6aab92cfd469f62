package firehose

// Destinations: shape checks of the S3, ExtendedS3 and Redshift members
// (create and update), the canonical description stored in the API state
// (the configuration with AWS's defaults filled in, which is exactly what
// DescribeDeliveryStream shows), UpdateDestination's merge, and the
// service rules that turn a canonical description into a delivery.Spec.
//
// Service rules and their sources (Firehose API reference and developer
// guide; messages marked "AWS" are the service's, the rest are rheo's in
// AWS's style):
//   - BufferingHints SizeInMBs 1-128, IntervalInSeconds 0-900, defaults 5
//     and 300 (BufferingHints); a hint given alone gets the other's
//     default (AWS documents both as required together; rheo is lenient).
//   - with data format conversion: CompressionFormat must be UNCOMPRESSED
//     (S3 compression is replaced by the serializer's) and SizeInMBs >= 64
//     (AWS: "BufferingHints.SizeInMBs must be at least 64 when data format
//     conversion is enabled.").
//   - with dynamic partitioning: SizeInMBs >= 64 (AWS: "... when Dynamic
//     Partitioning is enabled."), no zero buffering interval ("Zero
//     buffering feature is not available for dynamic partitioning"), a
//     MetadataExtraction processor whose query yields every
//     !{partitionKeyFromQuery:k} of the Prefix; it cannot be turned on by
//     UpdateDestination for a stream created without it.
//   - the Redshift intermediate bucket cannot use ZIP, Snappy or
//     HADOOP_SNAPPY (CreateDeliveryStream docs).
//   - Prefix / ErrorOutputPrefix rules are objkey's (keys.go).
//
// Known gaps vs AWS: Lambda, RecordDeAggregation, Decompression and
// CloudWatchLogProcessing processors, S3 backup, ORC output and custom
// time zones other than UTC are refused with InvalidArgumentException;
// CloudWatch logging options and S3 SSE-KMS settings are echoed only.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/lake"
)

// Buffering defaults and the minimum size with conversion or partitioning.
const (
	defaultSizeMB      = 5
	defaultIntervalSec = 300
	minSizeMBLarge     = 64
)

// destinationID is the id of a stream's only destination, as AWS writes it.
const destinationID = "destinationId-000000000001"

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ---- shape checks -------------------------------------------------------

func checkBuffering(c *checker, path string, b *BufferingHints) {
	if b == nil {
		return
	}
	c.intRange(join(path, "SizeInMBs"), b.SizeInMBs, 1, 128)
	c.intRange(join(path, "IntervalInSeconds"), b.IntervalInSeconds, 0, 900)
}

func checkEncryptionConfig(c *checker, path string, e *EncryptionConfiguration) {
	if e == nil {
		return
	}
	c.enum(join(path, "NoEncryptionConfig"), e.NoEncryptionConfig, enumNoEnc)
	if k := e.KMSEncryptionConfig; k != nil {
		c.reqStr(join(join(path, "KMSEncryptionConfig"), "AWSKMSKeyARN"), k.AWSKMSKeyARN, 1, 512, reKMSARN, patKMSARN)
	}
}

func checkLogging(c *checker, path string, l *CloudWatchLoggingOptions) {
	if l == nil {
		return
	}
	c.str(join(path, "LogGroupName"), l.LogGroupName, 0, 512, reLogGroup, patLogGroup)
	c.str(join(path, "LogStreamName"), l.LogStreamName, 0, 512, reLogStream, patLogStream)
}

// checkS3Shape checks an S3 destination member; full requires RoleARN and
// BucketARN (a configuration rather than an update).
func checkS3Shape(c *checker, path string, d *S3Destination, full bool) {
	if d == nil {
		return
	}
	if full {
		c.reqStr(join(path, "RoleARN"), d.RoleARN, 1, 512, reRoleARN, patRoleARN)
		c.reqStr(join(path, "BucketARN"), d.BucketARN, 1, 2048, reBucketARN, patBucketARN)
	} else {
		c.str(join(path, "RoleARN"), d.RoleARN, 1, 512, reRoleARN, patRoleARN)
		c.str(join(path, "BucketARN"), d.BucketARN, 1, 2048, reBucketARN, patBucketARN)
	}
	c.str(join(path, "Prefix"), d.Prefix, 0, 1024, nil, patAnyText)
	c.str(join(path, "ErrorOutputPrefix"), d.ErrorOutputPrefix, 0, 1024, nil, patAnyText)
	checkBuffering(c, join(path, "BufferingHints"), d.BufferingHints)
	c.enum(join(path, "CompressionFormat"), d.CompressionFormat, enumCompression)
	checkEncryptionConfig(c, join(path, "EncryptionConfiguration"), d.EncryptionConfiguration)
	checkLogging(c, join(path, "CloudWatchLoggingOptions"), d.CloudWatchLoggingOptions)
}

func checkProcessing(c *checker, path string, p *ProcessingConfiguration) {
	if p == nil {
		return
	}
	for i, pr := range p.Processors {
		pp := fmt.Sprintf("%s.%d.member", join(path, "Processors"), i+1)
		if c.required(join(pp, "Type"), pr.Type) {
			c.enum(join(pp, "Type"), pr.Type, enumProcType)
		}
		for j, prm := range pr.Parameters {
			mp := fmt.Sprintf("%s.%d.member", join(pp, "Parameters"), j+1)
			if c.required(join(mp, "ParameterName"), prm.ParameterName) {
				c.enum(join(mp, "ParameterName"), prm.ParameterName, enumParamName)
			}
			if c.required(join(mp, "ParameterValue"), prm.ParameterValue) {
				c.fn(join(mp, "ParameterValue"), prm.ParameterValue, 1, 5120, nonBlank, patNonBlank)
			}
		}
	}
}

func checkConversion(c *checker, path string, d *DataFormatConversionConfiguration) {
	if d == nil {
		return
	}
	if sc := d.SchemaConfiguration; sc != nil {
		sp := join(path, "SchemaConfiguration")
		for _, m := range []struct {
			name string
			v    *string
		}{{"RoleARN", sc.RoleARN}, {"CatalogId", sc.CatalogId}, {"DatabaseName", sc.DatabaseName}, {"TableName", sc.TableName}, {"Region", sc.Region}, {"VersionId", sc.VersionId}} {
			c.str(join(sp, m.name), m.v, 1, 1024, reNoSpace, patNoSpace)
		}
	}
	if o := d.OutputFormatConfiguration; o != nil && o.Serializer != nil {
		sp := join(join(path, "OutputFormatConfiguration"), "Serializer")
		if p := o.Serializer.ParquetSerDe; p != nil {
			pp := join(sp, "ParquetSerDe")
			c.intRange(join(pp, "BlockSizeBytes"), p.BlockSizeBytes, 67108864, -1)
			c.intRange(join(pp, "PageSizeBytes"), p.PageSizeBytes, 65536, -1)
			c.enum(join(pp, "Compression"), p.Compression, enumParquetComp)
			c.intRange(join(pp, "MaxPaddingBytes"), p.MaxPaddingBytes, 0, -1)
			c.enum(join(pp, "WriterVersion"), p.WriterVersion, enumWriterVer)
		}
		if o := o.Serializer.OrcSerDe; o != nil {
			op := join(sp, "OrcSerDe")
			c.intRange(join(op, "StripeSizeBytes"), o.StripeSizeBytes, 8388608, -1)
			c.intRange(join(op, "BlockSizeBytes"), o.BlockSizeBytes, 67108864, -1)
			c.intRange(join(op, "RowIndexStride"), o.RowIndexStride, 1000, -1)
			c.floatRange(join(op, "PaddingTolerance"), o.PaddingTolerance, 0, 1)
			c.enum(join(op, "Compression"), o.Compression, enumOrcComp)
			c.floatRange(join(op, "BloomFilterFalsePositiveProbability"), o.BloomFilterFalsePositiveProbability, 0, 1)
			c.floatRange(join(op, "DictionaryKeyThreshold"), o.DictionaryKeyThreshold, 0, 1)
			c.enum(join(op, "FormatVersion"), o.FormatVersion, enumOrcVersion)
		}
	}
}

// checkExtShape checks an ExtendedS3 destination member.
func checkExtShape(c *checker, path string, d *ExtendedS3Destination, full bool) {
	if d == nil {
		return
	}
	checkS3Shape(c, path, &d.S3Destination, full)
	checkProcessing(c, join(path, "ProcessingConfiguration"), d.ProcessingConfiguration)
	c.enum(join(path, "S3BackupMode"), d.S3BackupMode, enumBackupMode)
	checkS3Shape(c, join(path, "S3BackupConfiguration"), d.S3BackupConfiguration, true)
	checkS3Shape(c, join(path, "S3BackupUpdate"), d.S3BackupUpdate, false)
	checkConversion(c, join(path, "DataFormatConversionConfiguration"), d.DataFormatConversionConfiguration)
	if dp := d.DynamicPartitioningConfiguration; dp != nil && dp.RetryOptions != nil {
		c.intRange(join(join(join(path, "DynamicPartitioningConfiguration"), "RetryOptions"), "DurationInSeconds"), dp.RetryOptions.DurationInSeconds, 0, 7200)
	}
	c.str(join(path, "FileExtension"), d.FileExtension, 0, 128, reFileExt, patFileExt)
	c.str(join(path, "CustomTimeZone"), d.CustomTimeZone, 0, 50, reTimeZone, patTimeZone)
}

// checkRedshiftShape checks a Redshift destination member.
func checkRedshiftShape(c *checker, path string, d *RedshiftDestination, full bool) {
	if d == nil {
		return
	}
	if full {
		c.reqStr(join(path, "RoleARN"), d.RoleARN, 1, 512, reRoleARN, patRoleARN)
		if c.required(join(path, "ClusterJDBCURL"), d.ClusterJDBCURL) {
			c.fn(join(path, "ClusterJDBCURL"), d.ClusterJDBCURL, 1, 512, jdbcURLOK, patJDBCURL)
		}
		if d.CopyCommand == nil {
			c.Null(join(path, "CopyCommand"))
		}
		if d.S3Configuration == nil {
			c.Null(join(path, "S3Configuration"))
		}
	} else {
		c.str(join(path, "RoleARN"), d.RoleARN, 1, 512, reRoleARN, patRoleARN)
		c.fn(join(path, "ClusterJDBCURL"), d.ClusterJDBCURL, 1, 512, jdbcURLOK, patJDBCURL)
	}
	if cc := d.CopyCommand; cc != nil {
		cp := join(path, "CopyCommand")
		c.reqStr(join(cp, "DataTableName"), cc.DataTableName, 1, 512, nil, patAnyText)
		c.str(join(cp, "DataTableColumns"), cc.DataTableColumns, 0, 10240, nil, patAnyText)
		c.str(join(cp, "CopyOptions"), cc.CopyOptions, 0, 10240, nil, patAnyText)
	}
	c.str(join(path, "Username"), d.Username, 1, 512, nil, patAnyText)
	c.str(join(path, "Password"), d.Password, 6, 512, nil, patAnyText)
	if d.RetryOptions != nil {
		c.intRange(join(join(path, "RetryOptions"), "DurationInSeconds"), d.RetryOptions.DurationInSeconds, 0, 7200)
	}
	checkS3Shape(c, join(path, "S3Configuration"), d.S3Configuration, true)
	checkS3Shape(c, join(path, "S3Update"), d.S3Update, false)
	checkProcessing(c, join(path, "ProcessingConfiguration"), d.ProcessingConfiguration)
	c.enum(join(path, "S3BackupMode"), d.S3BackupMode, enumBackupMode)
	checkS3Shape(c, join(path, "S3BackupConfiguration"), d.S3BackupConfiguration, true)
	checkS3Shape(c, join(path, "S3BackupUpdate"), d.S3BackupUpdate, false)
	checkLogging(c, join(path, "CloudWatchLoggingOptions"), d.CloudWatchLoggingOptions)
	if sm := d.SecretsManagerConfiguration; sm != nil {
		sp := join(path, "SecretsManagerConfiguration")
		c.str(join(sp, "SecretARN"), sm.SecretARN, 1, 2048, reSecretARN, patSecretARN)
		c.str(join(sp, "RoleARN"), sm.RoleARN, 1, 512, reRoleARN, patRoleARN)
		if sm.Enabled == nil {
			c.Null(join(sp, "Enabled"))
		}
	}
}

// ---- canonical descriptions ---------------------------------------------

// s3Defaults fills what DescribeDeliveryStream shows for omitted members.
func s3Defaults(d *S3Destination) {
	if d.BufferingHints == nil {
		d.BufferingHints = &BufferingHints{}
	}
	if d.BufferingHints.SizeInMBs == nil {
		d.BufferingHints.SizeInMBs = ptr[int64](defaultSizeMB)
	}
	if d.BufferingHints.IntervalInSeconds == nil {
		d.BufferingHints.IntervalInSeconds = ptr[int64](defaultIntervalSec)
	}
	if d.CompressionFormat == nil {
		d.CompressionFormat = ptr(compress.Uncompressed)
	}
	if d.EncryptionConfiguration == nil || (d.EncryptionConfiguration.NoEncryptionConfig == nil && d.EncryptionConfiguration.KMSEncryptionConfig == nil) {
		d.EncryptionConfiguration = &EncryptionConfiguration{NoEncryptionConfig: ptr("NoEncryption")}
	}
	if d.CloudWatchLoggingOptions == nil {
		d.CloudWatchLoggingOptions = &CloudWatchLoggingOptions{Enabled: ptr(false)}
	}
}

// canonicalExt is the stored description of an S3/ExtendedS3 destination.
func canonicalExt(d *ExtendedS3Destination) *ExtendedS3Destination {
	out := *d
	s3Defaults(&out.S3Destination)
	if out.S3BackupMode == nil {
		out.S3BackupMode = ptr("Disabled")
	}
	out.S3BackupDescription = out.S3BackupConfiguration
	out.S3BackupConfiguration, out.S3BackupUpdate = nil, nil
	if dc := out.DataFormatConversionConfiguration; dc != nil && dc.Enabled == nil {
		cp := *dc
		cp.Enabled = ptr(true)
		out.DataFormatConversionConfiguration = &cp
	}
	return &out
}

// canonicalRedshift is the stored description of a Redshift destination:
// the intermediate bucket under S3DestinationDescription, no Password
// (DescribeDeliveryStream never shows it: RedshiftDestinationDescription
// has no Password member).
func canonicalRedshift(d *RedshiftDestination) *RedshiftDestination {
	out := *d
	out.Password = nil
	s3 := S3Destination{}
	if d.S3Configuration != nil {
		s3 = *d.S3Configuration
	} else if d.S3DestinationDescription != nil {
		s3 = *d.S3DestinationDescription
	}
	s3Defaults(&s3)
	out.S3DestinationDescription = &s3
	out.S3Configuration, out.S3Update = nil, nil
	if out.S3BackupMode == nil {
		out.S3BackupMode = ptr("Disabled")
	}
	out.S3BackupDescription = out.S3BackupConfiguration
	out.S3BackupConfiguration, out.S3BackupUpdate = nil, nil
	if out.CloudWatchLoggingOptions == nil {
		out.CloudWatchLoggingOptions = &CloudWatchLoggingOptions{Enabled: ptr(false)}
	}
	return &out
}

// ---- UpdateDestination merge --------------------------------------------

// set assigns v to *d when the update sets it (non-nil).
func set[T any](d **T, v *T) {
	if v != nil {
		*d = v
	}
}

// mergeS3 applies the members an update sets; members it omits keep their
// values (UpdateDestination's documented merge).
func mergeS3(dst *S3Destination, u *S3Destination) {
	if u == nil {
		return
	}
	set(&dst.RoleARN, u.RoleARN)
	set(&dst.BucketARN, u.BucketARN)
	set(&dst.Prefix, u.Prefix)
	set(&dst.ErrorOutputPrefix, u.ErrorOutputPrefix)
	set(&dst.CompressionFormat, u.CompressionFormat)
	if u.BufferingHints != nil {
		b := BufferingHints{}
		if dst.BufferingHints != nil {
			b = *dst.BufferingHints
		}
		set(&b.SizeInMBs, u.BufferingHints.SizeInMBs)
		set(&b.IntervalInSeconds, u.BufferingHints.IntervalInSeconds)
		dst.BufferingHints = &b
	}
	set(&dst.EncryptionConfiguration, u.EncryptionConfiguration)
	set(&dst.CloudWatchLoggingOptions, u.CloudWatchLoggingOptions)
}

// mergeExt applies an ExtendedS3DestinationUpdate to a description.
func mergeExt(cur *ExtendedS3Destination, u *ExtendedS3Destination) *ExtendedS3Destination {
	out := *cur
	mergeS3(&out.S3Destination, &u.S3Destination)
	set(&out.ProcessingConfiguration, u.ProcessingConfiguration)
	set(&out.S3BackupMode, u.S3BackupMode)
	if u.S3BackupUpdate != nil {
		b := S3Destination{}
		if out.S3BackupDescription != nil {
			b = *out.S3BackupDescription
		}
		mergeS3(&b, u.S3BackupUpdate)
		out.S3BackupDescription = &b
	}
	set(&out.DataFormatConversionConfiguration, u.DataFormatConversionConfiguration)
	set(&out.DynamicPartitioningConfiguration, u.DynamicPartitioningConfiguration)
	set(&out.FileExtension, u.FileExtension)
	set(&out.CustomTimeZone, u.CustomTimeZone)
	return canonicalExt(&out)
}

// mergeRedshift applies a RedshiftDestinationUpdate to a description.
func mergeRedshift(cur *RedshiftDestination, u *RedshiftDestination) *RedshiftDestination {
	out := *cur
	set(&out.RoleARN, u.RoleARN)
	set(&out.ClusterJDBCURL, u.ClusterJDBCURL)
	if u.CopyCommand != nil {
		cc := CopyCommand{}
		if out.CopyCommand != nil {
			cc = *out.CopyCommand
		}
		set(&cc.DataTableName, u.CopyCommand.DataTableName)
		set(&cc.DataTableColumns, u.CopyCommand.DataTableColumns)
		set(&cc.CopyOptions, u.CopyCommand.CopyOptions)
		out.CopyCommand = &cc
	}
	set(&out.Username, u.Username)
	set(&out.RetryOptions, u.RetryOptions)
	if u.S3Update != nil {
		s3 := *out.S3DestinationDescription
		mergeS3(&s3, u.S3Update)
		out.S3DestinationDescription = &s3
	}
	set(&out.ProcessingConfiguration, u.ProcessingConfiguration)
	set(&out.S3BackupMode, u.S3BackupMode)
	set(&out.CloudWatchLoggingOptions, u.CloudWatchLoggingOptions)
	set(&out.SecretsManagerConfiguration, u.SecretsManagerConfiguration)
	return canonicalRedshift(&out)
}

// ---- service rules → Spec ------------------------------------------------

// bucketOf returns the bucket name of a BucketARN (shape already checked).
func bucketOf(arn string) string {
	_, b, _ := strings.Cut(arn, ":::")
	return b
}

// streamNameOf returns the stream name of a Kinesis stream ARN.
func streamNameOf(arn string) string {
	_, n, _ := strings.Cut(arn, ":stream/")
	return n
}

// specOf validates the canonical state's service rules and builds the
// engine's Spec. It checks external things (tables, buckets, streams)
// through the Config hooks.
func (s *Server) specOf(ctx context.Context, st *apiState, version int64) (delivery.Spec, error) {
	spec := delivery.Spec{Source: delivery.SourceDirectPut, Version: version}
	if st.Type == delivery.SourceKinesis {
		spec.Source = delivery.SourceKinesis
		spec.KinesisStream = streamNameOf(deref(st.Kinesis.KinesisStreamARN))
	}
	var d *S3Destination
	var ext *ExtendedS3Destination
	switch st.Kind {
	case kindRedshift:
		d = st.Redshift.S3DestinationDescription
	default:
		ext = st.S3
		d = &ext.S3Destination
	}
	dest := delivery.Destination{
		ID:                destinationID,
		Bucket:            bucketOf(deref(d.BucketARN)),
		Prefix:            deref(d.Prefix),
		ErrorOutputPrefix: deref(d.ErrorOutputPrefix),
		BufferBytes:       int(*d.BufferingHints.SizeInMBs) << 20,
		BufferInterval:    time.Duration(*d.BufferingHints.IntervalInSeconds) * time.Second,
		Compression:       *d.CompressionFormat,
	}
	if err := lake.ValidateBucket(dest.Bucket); err != nil {
		return spec, wire.InvalidArgument("BucketARN %s does not name a valid bucket: %s", deref(d.BucketARN), strings.TrimPrefix(err.Error(), lake.ErrInvalidBucket.Error()+" "))
	}
	if s.cfg.CheckBucket != nil {
		if err := s.cfg.CheckBucket(ctx, dest.Bucket); err != nil {
			return spec, wire.InvalidArgument("Bucket %s is not usable: %v", dest.Bucket, err)
		}
	}
	dynamic := false
	if ext != nil {
		if err := s.extRules(ctx, ext, &dest, &dynamic); err != nil {
			return spec, err
		}
	} else {
		if err := s.redshiftRules(st.Redshift, &dest); err != nil {
			return spec, err
		}
	}
	if err := checkLayout(dest.Prefix, dest.ErrorOutputPrefix, dynamic, dest.Partitioning); err != nil {
		return spec, err
	}
	spec.Dest = dest
	return spec, nil
}

// extRules applies the ExtendedS3-only rules and fills dest.
func (s *Server) extRules(ctx context.Context, ext *ExtendedS3Destination, dest *delivery.Destination, dynamic *bool) error {
	if deref(ext.S3BackupMode) == "Enabled" {
		return wire.InvalidArgument("S3BackupMode Enabled is not supported by rheo: records are kept in the delivery stream's internal log until delivered.")
	}
	if tz := deref(ext.CustomTimeZone); tz != "" && tz != "UTC" {
		return wire.InvalidArgument("CustomTimeZone %s is not supported by rheo; object keys use UTC.", tz)
	}
	if fe := deref(ext.FileExtension); fe != "" {
		if err := checkFileExtension(fe, dest.Compression); err != nil {
			return err
		}
		dest.FileExtension = fe
	}
	query, err := processors(ext.ProcessingConfiguration, dest)
	if err != nil {
		return err
	}
	size := *ext.BufferingHints.SizeInMBs
	if dp := ext.DynamicPartitioningConfiguration; dp != nil && deref(dp.Enabled) {
		*dynamic = true
		if size < minSizeMBLarge {
			return wire.InvalidArgument("BufferingHints.SizeInMBs must be at least %d when Dynamic Partitioning is enabled.", minSizeMBLarge)
		}
		if *ext.BufferingHints.IntervalInSeconds == 0 {
			return wire.InvalidArgument("BufferingHints.IntervalInSeconds must be greater than 0 when Dynamic Partitioning is enabled: zero buffering is not available for dynamic partitioning.")
		}
		if query == "" {
			return wire.InvalidArgument("Dynamic Partitioning is enabled but no MetadataExtraction processor with a MetadataExtractionQuery is configured (with ProcessingConfiguration.Enabled true); rheo supports partition keys from queries only (no Lambda).")
		}
		dest.Partitioning = &delivery.Partitioning{Query: query}
	} else if query != "" {
		return wire.InvalidArgument("The MetadataExtraction processor requires DynamicPartitioningConfiguration.Enabled to be true.")
	}
	if dc := ext.DataFormatConversionConfiguration; dc != nil && deref(dc.Enabled) {
		conv, err := s.conversion(ctx, dc)
		if err != nil {
			return err
		}
		if dest.Compression != compress.Uncompressed {
			return wire.InvalidArgument("CompressionFormat must be UNCOMPRESSED when data format conversion is enabled (the serializer compresses; got %s).", dest.Compression)
		}
		if size < minSizeMBLarge {
			return wire.InvalidArgument("BufferingHints.SizeInMBs must be at least %d when data format conversion is enabled.", minSizeMBLarge)
		}
		dest.Conversion = conv
	}
	return nil
}

// processors reads the processing configuration into dest; it returns the
// MetadataExtractionQuery if one is configured.
func processors(p *ProcessingConfiguration, dest *delivery.Destination) (string, error) {
	if p == nil || !deref(p.Enabled) {
		return "", nil
	}
	query := ""
	for _, pr := range p.Processors {
		params := map[string]string{}
		for _, prm := range pr.Parameters {
			params[deref(prm.ParameterName)] = deref(prm.ParameterValue)
		}
		switch t := deref(pr.Type); t {
		case "AppendDelimiterToRecord":
			dest.AppendDelimiter = true
		case "MetadataExtraction":
			q, ok := params["MetadataExtractionQuery"]
			if !ok {
				return "", wire.InvalidArgument("MetadataExtraction processor requires the MetadataExtractionQuery parameter.")
			}
			if eng, ok := params["JsonParsingEngine"]; ok && eng != "JQ-1.6" {
				return "", wire.InvalidArgument("JsonParsingEngine %s is not supported. Supported value: JQ-1.6.", eng)
			}
			if err := checkQuery(q); err != nil {
				return "", err
			}
			query = q
		default:
			return "", wire.InvalidArgument("Processor type %s is not supported by rheo; supported processors: MetadataExtraction, AppendDelimiterToRecord.", t)
		}
	}
	return query, nil
}

// conversion validates a DataFormatConversionConfiguration.
func (s *Server) conversion(ctx context.Context, dc *DataFormatConversionConfiguration) (*delivery.Conversion, error) {
	sc := dc.SchemaConfiguration
	if sc == nil || dc.InputFormatConfiguration == nil || dc.OutputFormatConfiguration == nil {
		return nil, wire.InvalidArgument("SchemaConfiguration, InputFormatConfiguration and OutputFormatConfiguration are required when data format conversion is enabled.")
	}
	if sc.DatabaseName == nil || sc.TableName == nil {
		return nil, wire.InvalidArgument("SchemaConfiguration.DatabaseName and SchemaConfiguration.TableName are required; in rheo they name a table of the SQL catalog.")
	}
	conv := &delivery.Conversion{Database: *sc.DatabaseName, Table: *sc.TableName, Serializer: "parquet", Compression: "SNAPPY"}
	des := dc.InputFormatConfiguration.Deserializer
	switch {
	case des == nil || (des.OpenXJsonSerDe == nil) == (des.HiveJsonSerDe == nil):
		return nil, wire.InvalidArgument("Exactly one deserializer (OpenXJsonSerDe or HiveJsonSerDe) must be specified.")
	case des.OpenXJsonSerDe != nil:
		o := des.OpenXJsonSerDe
		conv.Deserializer = "openx"
		conv.CaseInsensitive = o.CaseInsensitive == nil || *o.CaseInsensitive
		conv.DotsToUnderscores = deref(o.ConvertDotsInJsonKeysToUnderscores)
		conv.ColumnToJSONKey = o.ColumnToJsonKeyMappings
	default:
		conv.Deserializer = "hive"
		conv.TimestampFormats = des.HiveJsonSerDe.TimestampFormats
	}
	ser := dc.OutputFormatConfiguration.Serializer
	switch {
	case ser == nil || (ser.ParquetSerDe == nil) == (ser.OrcSerDe == nil):
		return nil, wire.InvalidArgument("Exactly one serializer (ParquetSerDe or OrcSerDe) must be specified.")
	case ser.OrcSerDe != nil:
		return nil, wire.InvalidArgument("OrcSerDe is not supported by rheo; use ParquetSerDe.")
	}
	if c := ser.ParquetSerDe.Compression; c != nil {
		conv.Compression = *c
	}
	if s.cfg.CheckTable == nil {
		return nil, wire.InvalidArgument("Record format conversion is not available on this server (no SQL engine).")
	}
	if err := s.cfg.CheckTable(ctx, conv.Database, conv.Table); err != nil {
		return nil, wire.InvalidArgument("The schema table %s.%s cannot be used for data format conversion: %v", conv.Database, conv.Table, err)
	}
	return conv, nil
}

// redshiftRules applies the Redshift-only rules and fills dest.
func (s *Server) redshiftRules(r *RedshiftDestination, dest *delivery.Destination) error {
	switch dest.Compression {
	case compress.Zip, compress.Snappy, compress.HadoopSnappy:
		return wire.InvalidArgument("Compression format %s is not supported for a Redshift destination: the COPY command cannot read it. Use UNCOMPRESSED or GZIP.", dest.Compression)
	}
	if deref(r.S3BackupMode) == "Enabled" {
		return wire.InvalidArgument("S3BackupMode Enabled is not supported by rheo.")
	}
	if err := checkRedshiftPrefix(dest.Prefix, dest.ErrorOutputPrefix); err != nil {
		return err
	}
	if _, err := processors(r.ProcessingConfiguration, dest); err != nil {
		return err
	}
	dest.Partitioning = nil
	// RetryOptions.DurationInSeconds: 3600 by default, 0 for no retry
	// (API reference, RedshiftRetryOptions); then the load is skipped.
	retry := defaultRedshiftRetry
	if r.RetryOptions != nil && r.RetryOptions.DurationInSeconds != nil {
		retry = time.Duration(*r.RetryOptions.DurationInSeconds) * time.Second
	}
	dest.Warehouse = &delivery.Warehouse{
		Table:       deref(r.CopyCommand.DataTableName),
		Columns:     deref(r.CopyCommand.DataTableColumns),
		CopyOptions: deref(r.CopyCommand.CopyOptions),
		RetryFor:    &retry,
	}
	return nil
}

// defaultRedshiftRetry is RedshiftRetryOptions.DurationInSeconds's default.
const defaultRedshiftRetry = time.Hour
