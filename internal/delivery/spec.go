package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Record formats a destination can require (Destination.RecordFormat).
const (
	RecordFormatJSON   = "JSON"
	RecordFormatString = "STRING"
)

// Source kinds, spelled as the Firehose API's DeliveryStreamType.
const (
	SourceDirectPut = "DirectPut"
	SourceKinesis   = "KinesisStreamAsSource"
)

// Spec is what a delivery stream does: where records come from and where
// they go. The API layer (internal/firehose) builds it from the request
// after validating it; the engine trusts it.
type Spec struct {
	Source string // SourceDirectPut or SourceKinesis
	// KinesisStream is the name of the source stream (SourceKinesis).
	KinesisStream string
	// Version is the delivery stream's version id: 1 at creation, +1 per
	// UpdateDestination. It appears in default object keys.
	Version int64
	Dest    Destination
}

// Destination is one S3-style destination (ExtendedS3, S3, or the
// intermediate bucket of a Redshift destination, then Warehouse is set).
type Destination struct {
	ID                string // "destinationId-000000000001"
	Bucket            string // bucket name, from BucketARN
	Prefix            string // raw Prefix expression, "" for the default
	ErrorOutputPrefix string // raw ErrorOutputPrefix expression
	BufferBytes       int    // SizeInMBs in bytes
	BufferInterval    time.Duration
	Compression       string // compress.* format name
	FileExtension     string // CustomFileExtension; "" for the format's default
	// AppendDelimiter adds "\n" after each record (the
	// AppendDelimiterToRecord processor).
	AppendDelimiter bool
	// RecordFormat, when set, is checked before delivery (Kinesis
	// channels' RecordFormatType): RecordFormatJSON records must be one
	// JSON document each and are written compacted (so one per line stays
	// one per line); RecordFormatString records must be UTF-8. Records
	// that fail go to the error output. "" writes records as sent.
	RecordFormat string
	Conversion   *Conversion   // nil: records are written as sent
	Partitioning *Partitioning // nil: no dynamic partitioning
	Warehouse    *Warehouse    // non-nil: COPY each object into a table
}

// Conversion is DataFormatConversionConfiguration: JSON records become
// rows of a columnar file whose schema is a table of the SQL catalog.
type Conversion struct {
	Database string // SchemaConfiguration.DatabaseName
	Table    string // SchemaConfiguration.TableName
	// Deserializer is "openx" (OpenXJsonSerDe) or "hive" (HiveJsonSerDe).
	Deserializer      string
	CaseInsensitive   bool              // OpenX, default true
	ColumnToJSONKey   map[string]string // OpenX ColumnToJsonKeyMappings
	DotsToUnderscores bool              // OpenX ConvertDotsInJsonKeysToUnderscores
	TimestampFormats  []string          // Hive
	Serializer        string            // "parquet" or "orc"
	Compression       string            // serializer compression: SNAPPY (default), GZIP, UNCOMPRESSED, ZSTD
}

// Partitioning is DynamicPartitioningConfiguration with its
// MetadataExtraction processor.
type Partitioning struct {
	Query string // MetadataExtractionQuery, e.g. "{region: .region}"
}

// Warehouse is the Redshift role: after an object is written, the engine
// loads it into Table with a Redshift-style COPY.
type Warehouse struct {
	Table       string // CopyCommand.DataTableName
	Columns     string // CopyCommand.DataTableColumns, "" for all
	CopyOptions string // CopyCommand.CopyOptions, e.g. "JSON 'auto' GZIP"
	// RetryFor is RetryOptions.DurationInSeconds: how long a failing load
	// is retried, from the batch's first attempt, before its object is
	// skipped (listed in a manifest under errors/manifests/ for a manual
	// backfill, as Firehose does); a COPY that cannot succeed (a record
	// that does not fit the table) must not block the stream forever. Nil
	// retries forever.
	RetryFor *time.Duration `json:",omitempty"`
}

// Definition is a stored delivery stream.
type Definition struct {
	Name    string
	UID     uint64 // shard-log stream id of the internal log (DirectPut)
	Created time.Time
	Spec    Spec
	// API is opaque state of the API layer (status, ARN, tags, encryption,
	// the destination description as sent), stored atomically with Spec.
	API json.RawMessage
}

// Status is the delivery health of one stream, for DescribeDeliveryStream,
// metrics and the console.
type Status struct {
	Records, Bytes, Objects int64 // delivered since start of process
	// Incoming and IncomingBytes count the records (and their data bytes)
	// accepted by PutRecord and PutRecordBatch since the process started:
	// Firehose's IncomingRecords and IncomingBytes. Zero for a stream
	// reading a Kinesis stream.
	Incoming, IncomingBytes int64
	FailedRecords           int64     // written under the error prefix
	LastSuccess             time.Time // last object written
	FailingSince            time.Time // zero when the last attempt succeeded
	Attempts                int       // failed attempts of the current batch
	LastError               string    // of the last failed attempt
	Backlog                 int64     // records accepted, not yet delivered
	// Lost counts records that expired from the log (24 h for Direct PUT,
	// the stream's retention for a Kinesis source) before delivery; AWS
	// discards them too.
	Lost          int64
	OldestPending time.Time // arrival of the oldest undelivered record (DataFreshness)
}

// Converter turns JSON records into a columnar file; the SQL engine
// implements it (the server adapts sqlengine to it).
type Converter interface {
	// CheckTable fails if the schema table does not exist.
	CheckTable(ctx context.Context, database, table string) error
	// Convert writes the records that convert as rows of one file at path
	// and reports the others by index, with Firehose's error code and a
	// message. A returned error means the whole batch failed (retry).
	Convert(ctx context.Context, c *Conversion, records [][]byte, path string) (ConvertResult, error)
}

// ConvertResult is what Convert did.
type ConvertResult struct {
	Rows   int
	Failed []RecordFailure
}

// RecordFailure is one record that could not be converted.
type RecordFailure struct {
	Index   int    // into the records passed to Convert
	Code    string // e.g. "DataFormatConversion.MalformedData"
	Message string
}

// Warehouse loads delivered objects into SQL tables; the SQL engine
// implements it.
type WarehouseLoader interface {
	// Load runs COPY w.Table FROM the object with w.CopyOptions. loadID
	// names the batch: a load with an id already applied does nothing, so
	// a batch retried after a crash is not loaded twice.
	Load(ctx context.Context, w *Warehouse, bucket, key, loadID string) (rows int64, err error)
}

// Errors of the Manager; match with errors.Is.
var (
	ErrExists   = errors.New("delivery: delivery stream exists")
	ErrNotFound = errors.New("delivery: delivery stream not found")
	ErrClosed   = errors.New("delivery: manager closed")
)
