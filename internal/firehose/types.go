package firehose

// Wire shapes of the Firehose API, named and spelled as in botocore's
// firehose/2015-08-04/service-2.json. One Go type serves a configuration,
// its update and its description where AWS's shapes share members; the
// members that exist in only one of them are marked. Pointers tell "absent"
// from zero, which UpdateDestination's merge and the defaults need.

import (
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// BufferingHints is the size/interval pair of an S3 destination.
type BufferingHints struct {
	SizeInMBs         *int64 `json:"SizeInMBs,omitempty"`
	IntervalInSeconds *int64 `json:"IntervalInSeconds,omitempty"`
}

// EncryptionConfiguration is S3 server-side encryption of delivered
// objects (accepted and echoed; the lake does not encrypt objects).
type EncryptionConfiguration struct {
	NoEncryptionConfig  *string              `json:"NoEncryptionConfig,omitempty"`
	KMSEncryptionConfig *KMSEncryptionConfig `json:"KMSEncryptionConfig,omitempty"`
}

// KMSEncryptionConfig names a KMS key for S3 SSE-KMS.
type KMSEncryptionConfig struct {
	AWSKMSKeyARN *string `json:"AWSKMSKeyARN,omitempty"`
}

// CloudWatchLoggingOptions is accepted and echoed (rheo logs to its own log).
type CloudWatchLoggingOptions struct {
	Enabled       *bool   `json:"Enabled,omitempty"`
	LogGroupName  *string `json:"LogGroupName,omitempty"`
	LogStreamName *string `json:"LogStreamName,omitempty"`
}

// ProcessingConfiguration lists the record processors.
type ProcessingConfiguration struct {
	Enabled    *bool       `json:"Enabled,omitempty"`
	Processors []Processor `json:"Processors,omitempty"`
}

// Processor is one record processor.
type Processor struct {
	Type       *string              `json:"Type,omitempty"`
	Parameters []ProcessorParameter `json:"Parameters,omitempty"`
}

// ProcessorParameter is one processor parameter.
type ProcessorParameter struct {
	ParameterName  *string `json:"ParameterName,omitempty"`
	ParameterValue *string `json:"ParameterValue,omitempty"`
}

// DataFormatConversionConfiguration converts JSON records to Parquet/ORC.
type DataFormatConversionConfiguration struct {
	SchemaConfiguration       *SchemaConfiguration       `json:"SchemaConfiguration,omitempty"`
	InputFormatConfiguration  *InputFormatConfiguration  `json:"InputFormatConfiguration,omitempty"`
	OutputFormatConfiguration *OutputFormatConfiguration `json:"OutputFormatConfiguration,omitempty"`
	Enabled                   *bool                      `json:"Enabled,omitempty"`
}

// SchemaConfiguration names the schema table; in rheo DatabaseName and
// TableName name a table of the SQL catalog instead of AWS Glue.
type SchemaConfiguration struct {
	RoleARN      *string `json:"RoleARN,omitempty"`
	CatalogId    *string `json:"CatalogId,omitempty"` //nolint:revive // AWS member name
	DatabaseName *string `json:"DatabaseName,omitempty"`
	TableName    *string `json:"TableName,omitempty"`
	Region       *string `json:"Region,omitempty"`
	VersionId    *string `json:"VersionId,omitempty"` //nolint:revive // AWS member name
}

// InputFormatConfiguration holds the deserializer.
type InputFormatConfiguration struct {
	Deserializer *Deserializer `json:"Deserializer,omitempty"`
}

// Deserializer is exactly one of the two JSON SerDes.
type Deserializer struct {
	OpenXJsonSerDe *OpenXJsonSerDe `json:"OpenXJsonSerDe,omitempty"` //nolint:revive // AWS member name
	HiveJsonSerDe  *HiveJsonSerDe  `json:"HiveJsonSerDe,omitempty"`  //nolint:revive // AWS member name
}

// OpenXJsonSerDe is the OpenX JSON deserializer's options.
type OpenXJsonSerDe struct { //nolint:revive // AWS shape name
	ConvertDotsInJsonKeysToUnderscores *bool             `json:"ConvertDotsInJsonKeysToUnderscores,omitempty"` //nolint:revive // AWS member name
	CaseInsensitive                    *bool             `json:"CaseInsensitive,omitempty"`
	ColumnToJsonKeyMappings            map[string]string `json:"ColumnToJsonKeyMappings,omitempty"` //nolint:revive // AWS member name
}

// HiveJsonSerDe is the Hive JSON deserializer's options.
type HiveJsonSerDe struct { //nolint:revive // AWS shape name
	TimestampFormats []string `json:"TimestampFormats,omitempty"`
}

// OutputFormatConfiguration holds the serializer.
type OutputFormatConfiguration struct {
	Serializer *Serializer `json:"Serializer,omitempty"`
}

// Serializer is exactly one of Parquet and ORC.
type Serializer struct {
	ParquetSerDe *ParquetSerDe `json:"ParquetSerDe,omitempty"`
	OrcSerDe     *OrcSerDe     `json:"OrcSerDe,omitempty"`
}

// ParquetSerDe is the Parquet writer's options; only Compression has an
// effect in rheo, the rest are validated and echoed.
type ParquetSerDe struct {
	BlockSizeBytes              *int64  `json:"BlockSizeBytes,omitempty"`
	PageSizeBytes               *int64  `json:"PageSizeBytes,omitempty"`
	Compression                 *string `json:"Compression,omitempty"`
	EnableDictionaryCompression *bool   `json:"EnableDictionaryCompression,omitempty"`
	MaxPaddingBytes             *int64  `json:"MaxPaddingBytes,omitempty"`
	WriterVersion               *string `json:"WriterVersion,omitempty"`
}

// OrcSerDe is the ORC writer's options (ORC output is refused by rheo).
type OrcSerDe struct {
	StripeSizeBytes                     *int64   `json:"StripeSizeBytes,omitempty"`
	BlockSizeBytes                      *int64   `json:"BlockSizeBytes,omitempty"`
	RowIndexStride                      *int64   `json:"RowIndexStride,omitempty"`
	EnablePadding                       *bool    `json:"EnablePadding,omitempty"`
	PaddingTolerance                    *float64 `json:"PaddingTolerance,omitempty"`
	Compression                         *string  `json:"Compression,omitempty"`
	BloomFilterColumns                  []string `json:"BloomFilterColumns,omitempty"`
	BloomFilterFalsePositiveProbability *float64 `json:"BloomFilterFalsePositiveProbability,omitempty"`
	DictionaryKeyThreshold              *float64 `json:"DictionaryKeyThreshold,omitempty"`
	FormatVersion                       *string  `json:"FormatVersion,omitempty"`
}

// DynamicPartitioningConfiguration turns on partitioning by record fields.
type DynamicPartitioningConfiguration struct {
	RetryOptions *RetryOptions `json:"RetryOptions,omitempty"`
	Enabled      *bool         `json:"Enabled,omitempty"`
}

// RetryOptions is a retry duration.
type RetryOptions struct {
	DurationInSeconds *int64 `json:"DurationInSeconds,omitempty"`
}

// S3Destination is S3DestinationConfiguration, S3DestinationUpdate and
// S3DestinationDescription (identical members).
type S3Destination struct {
	RoleARN                  *string                   `json:"RoleARN,omitempty"`
	BucketARN                *string                   `json:"BucketARN,omitempty"`
	Prefix                   *string                   `json:"Prefix,omitempty"`
	ErrorOutputPrefix        *string                   `json:"ErrorOutputPrefix,omitempty"`
	BufferingHints           *BufferingHints           `json:"BufferingHints,omitempty"`
	CompressionFormat        *string                   `json:"CompressionFormat,omitempty"`
	EncryptionConfiguration  *EncryptionConfiguration  `json:"EncryptionConfiguration,omitempty"`
	CloudWatchLoggingOptions *CloudWatchLoggingOptions `json:"CloudWatchLoggingOptions,omitempty"`
}

// ExtendedS3Destination is ExtendedS3DestinationConfiguration,
// ExtendedS3DestinationUpdate and ExtendedS3DestinationDescription. The
// backup member is S3BackupConfiguration in a configuration, S3BackupUpdate
// in an update and S3BackupDescription in a description.
type ExtendedS3Destination struct {
	S3Destination
	ProcessingConfiguration           *ProcessingConfiguration           `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                      *string                            `json:"S3BackupMode,omitempty"`
	S3BackupConfiguration             *S3Destination                     `json:"S3BackupConfiguration,omitempty"`
	S3BackupUpdate                    *S3Destination                     `json:"S3BackupUpdate,omitempty"`
	S3BackupDescription               *S3Destination                     `json:"S3BackupDescription,omitempty"`
	DataFormatConversionConfiguration *DataFormatConversionConfiguration `json:"DataFormatConversionConfiguration,omitempty"`
	DynamicPartitioningConfiguration  *DynamicPartitioningConfiguration  `json:"DynamicPartitioningConfiguration,omitempty"`
	FileExtension                     *string                            `json:"FileExtension,omitempty"`
	CustomTimeZone                    *string                            `json:"CustomTimeZone,omitempty"`
}

// CopyCommand is the Redshift COPY the warehouse load runs.
type CopyCommand struct {
	DataTableName    *string `json:"DataTableName,omitempty"`
	DataTableColumns *string `json:"DataTableColumns,omitempty"`
	CopyOptions      *string `json:"CopyOptions,omitempty"`
}

// SecretsManagerConfiguration is accepted and echoed.
type SecretsManagerConfiguration struct {
	SecretARN *string `json:"SecretARN,omitempty"`
	RoleARN   *string `json:"RoleARN,omitempty"`
	Enabled   *bool   `json:"Enabled,omitempty"`
}

// RedshiftDestination is RedshiftDestinationConfiguration,
// RedshiftDestinationUpdate and RedshiftDestinationDescription. The
// intermediate bucket is S3Configuration / S3Update /
// S3DestinationDescription; Password is never part of a description.
type RedshiftDestination struct {
	RoleARN                     *string                      `json:"RoleARN,omitempty"`
	ClusterJDBCURL              *string                      `json:"ClusterJDBCURL,omitempty"`
	CopyCommand                 *CopyCommand                 `json:"CopyCommand,omitempty"`
	Username                    *string                      `json:"Username,omitempty"`
	Password                    *string                      `json:"Password,omitempty"`
	RetryOptions                *RetryOptions                `json:"RetryOptions,omitempty"`
	S3Configuration             *S3Destination               `json:"S3Configuration,omitempty"`
	S3Update                    *S3Destination               `json:"S3Update,omitempty"`
	S3DestinationDescription    *S3Destination               `json:"S3DestinationDescription,omitempty"`
	ProcessingConfiguration     *ProcessingConfiguration     `json:"ProcessingConfiguration,omitempty"`
	S3BackupMode                *string                      `json:"S3BackupMode,omitempty"`
	S3BackupConfiguration       *S3Destination               `json:"S3BackupConfiguration,omitempty"`
	S3BackupUpdate              *S3Destination               `json:"S3BackupUpdate,omitempty"`
	S3BackupDescription         *S3Destination               `json:"S3BackupDescription,omitempty"`
	CloudWatchLoggingOptions    *CloudWatchLoggingOptions    `json:"CloudWatchLoggingOptions,omitempty"`
	SecretsManagerConfiguration *SecretsManagerConfiguration `json:"SecretsManagerConfiguration,omitempty"`
}

// KinesisStreamSourceConfiguration names the source Kinesis stream.
type KinesisStreamSourceConfiguration struct {
	KinesisStreamARN *string `json:"KinesisStreamARN,omitempty"`
	RoleARN          *string `json:"RoleARN,omitempty"`
}

// DirectPutSourceConfiguration is accepted and echoed.
type DirectPutSourceConfiguration struct {
	ThroughputHintInMBs *int64 `json:"ThroughputHintInMBs,omitempty"`
}

// EncryptionInput is DeliveryStreamEncryptionConfigurationInput.
type EncryptionInput struct {
	KeyARN  *string `json:"KeyARN,omitempty"`
	KeyType *string `json:"KeyType,omitempty"`
}

// Tag is one tag.
type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// unsupportedDestinations are the destination members rheo rejects, by
// their request member name and a human name for the message.
type unsupportedDestinations struct {
	ElasticsearchDestinationConfiguration              any `json:"ElasticsearchDestinationConfiguration,omitempty"`
	AmazonopensearchserviceDestinationConfiguration    any `json:"AmazonopensearchserviceDestinationConfiguration,omitempty"`
	SplunkDestinationConfiguration                     any `json:"SplunkDestinationConfiguration,omitempty"`
	HttpEndpointDestinationConfiguration               any `json:"HttpEndpointDestinationConfiguration,omitempty"` //nolint:revive // AWS member name
	AmazonOpenSearchServerlessDestinationConfiguration any `json:"AmazonOpenSearchServerlessDestinationConfiguration,omitempty"`
	SnowflakeDestinationConfiguration                  any `json:"SnowflakeDestinationConfiguration,omitempty"`
	IcebergDestinationConfiguration                    any `json:"IcebergDestinationConfiguration,omitempty"`
	MSKSourceConfiguration                             any `json:"MSKSourceConfiguration,omitempty"`
	DatabaseSourceConfiguration                        any `json:"DatabaseSourceConfiguration,omitempty"`
}

// CreateDeliveryStreamInput is the input of CreateDeliveryStream.
type CreateDeliveryStreamInput struct {
	DeliveryStreamName                         *string                           `json:"DeliveryStreamName,omitempty"`
	DeliveryStreamType                         *string                           `json:"DeliveryStreamType,omitempty"`
	DirectPutSourceConfiguration               *DirectPutSourceConfiguration     `json:"DirectPutSourceConfiguration,omitempty"`
	KinesisStreamSourceConfiguration           *KinesisStreamSourceConfiguration `json:"KinesisStreamSourceConfiguration,omitempty"`
	DeliveryStreamEncryptionConfigurationInput *EncryptionInput                  `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
	S3DestinationConfiguration                 *S3Destination                    `json:"S3DestinationConfiguration,omitempty"`
	ExtendedS3DestinationConfiguration         *ExtendedS3Destination            `json:"ExtendedS3DestinationConfiguration,omitempty"`
	RedshiftDestinationConfiguration           *RedshiftDestination              `json:"RedshiftDestinationConfiguration,omitempty"`
	Tags                                       []Tag                             `json:"Tags,omitempty"`
	unsupportedDestinations
}

// CreateDeliveryStreamOutput is the output of CreateDeliveryStream.
type CreateDeliveryStreamOutput struct {
	DeliveryStreamARN string `json:"DeliveryStreamARN"`
}

// NameInput is the input of every action that only names a stream:
// DescribeDeliveryStream (with Limit, ExclusiveStartDestinationId),
// DeleteDeliveryStream (AllowForceDelete), StopDeliveryStreamEncryption.
type NameInput struct {
	DeliveryStreamName          *string `json:"DeliveryStreamName,omitempty"`
	Limit                       *int64  `json:"Limit,omitempty"`
	ExclusiveStartDestinationId *string `json:"ExclusiveStartDestinationId,omitempty"` //nolint:revive // AWS member name
	AllowForceDelete            *bool   `json:"AllowForceDelete,omitempty"`
}

// DeliveryStreamDescription is DescribeDeliveryStream's description.
type DeliveryStreamDescription struct {
	DeliveryStreamName                    string                   `json:"DeliveryStreamName"`
	DeliveryStreamARN                     string                   `json:"DeliveryStreamARN"`
	DeliveryStreamStatus                  string                   `json:"DeliveryStreamStatus"`
	FailureDescription                    *FailureDescription      `json:"FailureDescription,omitempty"`
	DeliveryStreamEncryptionConfiguration *EncryptionDescription   `json:"DeliveryStreamEncryptionConfiguration,omitempty"`
	DeliveryStreamType                    string                   `json:"DeliveryStreamType"`
	VersionId                             string                   `json:"VersionId"` //nolint:revive // AWS member name
	CreateTimestamp                       *wire.Timestamp          `json:"CreateTimestamp,omitempty"`
	LastUpdateTimestamp                   *wire.Timestamp          `json:"LastUpdateTimestamp,omitempty"`
	Source                                *SourceDescription       `json:"Source,omitempty"`
	Destinations                          []DestinationDescription `json:"Destinations"`
	HasMoreDestinations                   bool                     `json:"HasMoreDestinations"`
}

// FailureDescription is a failure's type and details.
type FailureDescription struct {
	Type    string `json:"Type"`
	Details string `json:"Details"`
}

// EncryptionDescription is DeliveryStreamEncryptionConfiguration.
type EncryptionDescription struct {
	KeyARN             *string             `json:"KeyARN,omitempty"`
	KeyType            *string             `json:"KeyType,omitempty"`
	Status             string              `json:"Status"`
	FailureDescription *FailureDescription `json:"FailureDescription,omitempty"`
}

// SourceDescription describes the source.
type SourceDescription struct {
	DirectPutSourceDescription     *DirectPutSourceConfiguration   `json:"DirectPutSourceDescription,omitempty"`
	KinesisStreamSourceDescription *KinesisStreamSourceDescription `json:"KinesisStreamSourceDescription,omitempty"`
}

// KinesisStreamSourceDescription describes a Kinesis source.
type KinesisStreamSourceDescription struct {
	KinesisStreamARN       string          `json:"KinesisStreamARN"`
	RoleARN                string          `json:"RoleARN"`
	DeliveryStartTimestamp *wire.Timestamp `json:"DeliveryStartTimestamp,omitempty"`
}

// DestinationDescription describes the one destination.
type DestinationDescription struct {
	DestinationId                    string                 `json:"DestinationId"` //nolint:revive // AWS member name
	S3DestinationDescription         *S3Destination         `json:"S3DestinationDescription,omitempty"`
	ExtendedS3DestinationDescription *ExtendedS3Destination `json:"ExtendedS3DestinationDescription,omitempty"`
	RedshiftDestinationDescription   *RedshiftDestination   `json:"RedshiftDestinationDescription,omitempty"`
}

// DescribeDeliveryStreamOutput is the output of DescribeDeliveryStream.
type DescribeDeliveryStreamOutput struct {
	DeliveryStreamDescription *DeliveryStreamDescription `json:"DeliveryStreamDescription"`
}

// ListDeliveryStreamsInput is the input of ListDeliveryStreams.
type ListDeliveryStreamsInput struct {
	Limit                            *int64  `json:"Limit,omitempty"`
	DeliveryStreamType               *string `json:"DeliveryStreamType,omitempty"`
	ExclusiveStartDeliveryStreamName *string `json:"ExclusiveStartDeliveryStreamName,omitempty"`
}

// ListDeliveryStreamsOutput is the output of ListDeliveryStreams.
type ListDeliveryStreamsOutput struct {
	DeliveryStreamNames    []string `json:"DeliveryStreamNames"`
	HasMoreDeliveryStreams bool     `json:"HasMoreDeliveryStreams"`
}

// Record is one record of PutRecord/PutRecordBatch; Data is base64 on the
// wire. A nil Data means the member was absent or null; "" decodes to an
// empty, non-nil slice (a legal zero-length record).
type Record struct {
	Data []byte `json:"Data"`
}

// PutRecordInput is the input of PutRecord.
type PutRecordInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName,omitempty"`
	Record             *Record `json:"Record,omitempty"`
}

// PutRecordOutput is the output of PutRecord.
type PutRecordOutput struct {
	RecordId  string `json:"RecordId"` //nolint:revive // AWS member name
	Encrypted bool   `json:"Encrypted"`
}

// PutRecordBatchInput is the input of PutRecordBatch.
type PutRecordBatchInput struct {
	DeliveryStreamName *string   `json:"DeliveryStreamName,omitempty"`
	Records            []*Record `json:"Records"`
}

// PutRecordBatchResponseEntry is one record's result.
type PutRecordBatchResponseEntry struct {
	RecordId     string `json:"RecordId,omitempty"` //nolint:revive // AWS member name
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutRecordBatchOutput is the output of PutRecordBatch.
type PutRecordBatchOutput struct {
	FailedPutCount   int                           `json:"FailedPutCount"`
	Encrypted        bool                          `json:"Encrypted"`
	RequestResponses []PutRecordBatchResponseEntry `json:"RequestResponses"`
}

// UpdateDestinationInput is the input of UpdateDestination.
type UpdateDestinationInput struct {
	DeliveryStreamName                          *string                `json:"DeliveryStreamName,omitempty"`
	CurrentDeliveryStreamVersionId              *string                `json:"CurrentDeliveryStreamVersionId,omitempty"` //nolint:revive // AWS member name
	DestinationId                               *string                `json:"DestinationId,omitempty"`                  //nolint:revive // AWS member name
	S3DestinationUpdate                         *S3Destination         `json:"S3DestinationUpdate,omitempty"`
	ExtendedS3DestinationUpdate                 *ExtendedS3Destination `json:"ExtendedS3DestinationUpdate,omitempty"`
	RedshiftDestinationUpdate                   *RedshiftDestination   `json:"RedshiftDestinationUpdate,omitempty"`
	ElasticsearchDestinationUpdate              any                    `json:"ElasticsearchDestinationUpdate,omitempty"`
	AmazonopensearchserviceDestinationUpdate    any                    `json:"AmazonopensearchserviceDestinationUpdate,omitempty"`
	SplunkDestinationUpdate                     any                    `json:"SplunkDestinationUpdate,omitempty"`
	HttpEndpointDestinationUpdate               any                    `json:"HttpEndpointDestinationUpdate,omitempty"` //nolint:revive // AWS member name
	AmazonOpenSearchServerlessDestinationUpdate any                    `json:"AmazonOpenSearchServerlessDestinationUpdate,omitempty"`
	SnowflakeDestinationUpdate                  any                    `json:"SnowflakeDestinationUpdate,omitempty"`
	IcebergDestinationUpdate                    any                    `json:"IcebergDestinationUpdate,omitempty"`
}

// TagDeliveryStreamInput is the input of TagDeliveryStream.
type TagDeliveryStreamInput struct {
	DeliveryStreamName *string `json:"DeliveryStreamName,omitempty"`
	Tags               []Tag   `json:"Tags"`
}

// UntagDeliveryStreamInput is the input of UntagDeliveryStream.
type UntagDeliveryStreamInput struct {
	DeliveryStreamName *string  `json:"DeliveryStreamName,omitempty"`
	TagKeys            []string `json:"TagKeys"`
}

// ListTagsForDeliveryStreamInput is the input of ListTagsForDeliveryStream.
type ListTagsForDeliveryStreamInput struct {
	DeliveryStreamName   *string `json:"DeliveryStreamName,omitempty"`
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey,omitempty"`
	Limit                *int64  `json:"Limit,omitempty"`
}

// ListTagsForDeliveryStreamOutput is the output of ListTagsForDeliveryStream.
type ListTagsForDeliveryStreamOutput struct {
	Tags        []Tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}

// StartEncryptionInput is the input of StartDeliveryStreamEncryption.
type StartEncryptionInput struct {
	DeliveryStreamName                         *string          `json:"DeliveryStreamName,omitempty"`
	DeliveryStreamEncryptionConfigurationInput *EncryptionInput `json:"DeliveryStreamEncryptionConfigurationInput,omitempty"`
}

// Empty is the output of the actions that return nothing ({} on the wire).
type Empty struct{}
