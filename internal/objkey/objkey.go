// Package objkey names delivered objects exactly as Firehose does: the
// default YYYY/MM/dd/HH/<stream>-<version>-<time>-<random> layout, custom
// Prefix and ErrorOutputPrefix expressions (!{timestamp:...},
// !{firehose:random-string}, !{firehose:error-output-type},
// !{partitionKeyFromQuery:key}) with AWS's validation rules, and the
// MetadataExtractionQuery (a jq subset) that yields partition keys.
//
// The API layer calls Compile and ParseQuery when a delivery stream is
// created or updated and returns their *Error messages to the client as an
// InvalidArgumentException; the delivery engine calls Layout.Key,
// Layout.ErrorKey and Query.Eval for every object and record. The package
// has no state beyond what Compile and ParseQuery return, so both sides can
// share one compiled value across goroutines.
//
// The rules and messages follow the Firehose developer guide ("Custom
// prefixes for Amazon S3 objects", "Configure Amazon S3 object name format",
// "Dynamic partitioning") and the messages the service returns; see
// docs/format/object-keys.md for the layouts and the deviations.
package objkey

// Error is a configuration error in AWS's wording: the API layer returns
// Message unchanged as the message of an InvalidArgumentException (or, for
// ValidateFileExtension, as the constraint part of a ValidationException).
type Error struct {
	Message string
}

// Error returns the AWS message so the error reads the same in logs as it
// does in the client's exception.
func (e *Error) Error() string { return e.Message }

func errorf(msg string) error { return &Error{Message: msg} }

// Error output types: the values !{firehose:error-output-type} evaluates to,
// as listed in the developer guide. rheo produces the first two; the others
// exist so stored prefixes that mention them keep their meaning.
const (
	ErrorTypeProcessing       = "processing-failed"
	ErrorTypeFormatConversion = "format-conversion-failed"
	ErrorTypeElasticsearch    = "elasticsearch-failed"
	ErrorTypeSplunk           = "splunk-failed"
	ErrorTypeHTTPEndpoint     = "http-endpoint-failed"
)

// Limits from the Firehose API reference and developer guide.
const (
	// MaxPrefixLength is the length limit of the Prefix and
	// ErrorOutputPrefix members (API shapes Prefix, ErrorOutputPrefix). AWS
	// enforces it as a ValidationException before any semantic rule, so the
	// API layer should check it first; Compile rejects longer input too.
	MaxPrefixLength = 1024
	// MaxEvaluatedPrefixLength bounds an evaluated Prefix or
	// ErrorOutputPrefix ("Neither Prefix nor ErrorOutputPrefix can be
	// greater than 512 characters after they're evaluated").
	MaxEvaluatedPrefixLength = 512
	// MaxQueryLength is the length limit of a processor parameter value
	// (API shape ProcessorParameterValue), which holds the
	// MetadataExtractionQuery.
	MaxQueryLength = 5120
	// RandomStringLength is the length of !{firehose:random-string}.
	RandomStringLength = 11
)
