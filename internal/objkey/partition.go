package objkey

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Record-level partitioning failures. Firehose writes a record that fails
// them to the error output instead of the data prefix; match with errors.Is.
// The errors are *RecordError, whose Message is the text for the error
// record.
var (
	// ErrMissingPartitionKey: the Prefix references a key the record has no
	// value for (the query found null or nothing).
	ErrMissingPartitionKey = errors.New("objkey: missing partition key value")
	// ErrPartitionValue: the value can't be part of an object key.
	ErrPartitionValue = errors.New("objkey: invalid partition key value")
)

// RecordError is a record-level failure: Kind is ErrMissingPartitionKey,
// ErrPartitionValue or ErrNotJSON, Key the partition key concerned (if
// known), Detail what is wrong.
type RecordError struct {
	Kind   error
	Key    string
	Detail string
}

func (e *RecordError) Error() string {
	s := e.Kind.Error()
	if e.Key != "" {
		s = "partition key " + e.Key + ": " + s
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap makes errors.Is match Kind.
func (e *RecordError) Unwrap() error { return e.Kind }

// Message is the errorMessage of the record's error output line: a
// sentence for the user who reads the error object, with no Go package
// names.
func (e *RecordError) Message() string {
	var s string
	switch e.Kind {
	case ErrNotJSON:
		s = "Non JSON record provided"
	case ErrMissingPartitionKey:
		return fmt.Sprintf("The MetadataExtractionQuery produced no value for partition key %s (missing or null in the record).", e.Key)
	case ErrPartitionValue:
		s = "A partition key value cannot be used in the S3 prefix"
		if e.Key != "" {
			s = "The value of partition key " + e.Key + " cannot be used in the S3 prefix"
		}
	default:
		s = e.Kind.Error()
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s + "."
}

func recordErr(kind error, key, format string, args ...any) *RecordError {
	return &RecordError{Kind: kind, Key: key, Detail: fmt.Sprintf(format, args...)}
}

// CheckPartition reports whether values hold a usable value for every key
// the Prefix references. Values render verbatim, as on Firehose, so "/"
// makes extra levels; rheo rejects what S3 would store but a filesystem
// lake can't: invalid UTF-8, control characters, and "." or ".." as a
// path segment.
func (l *Layout) CheckPartition(values map[string]string) error {
	for _, k := range l.partKeys {
		v, ok := values[k]
		if !ok {
			return &RecordError{Kind: ErrMissingPartitionKey, Key: k}
		}
		if err := ValidatePartitionValue(v); err != nil {
			var re *RecordError
			if errors.As(err, &re) {
				re.Key = k
			}
			return err
		}
	}
	return nil
}

// ValidatePartitionValue checks one partition value (see CheckPartition).
func ValidatePartitionValue(v string) error {
	if !utf8.ValidString(v) {
		return recordErr(ErrPartitionValue, "", "not valid UTF-8")
	}
	if utf8.RuneCountInString(v) > MaxEvaluatedPrefixLength {
		return recordErr(ErrPartitionValue, "", "longer than %d characters", MaxEvaluatedPrefixLength)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return recordErr(ErrPartitionValue, "", "control character %U", r)
		}
	}
	for _, seg := range strings.Split(v, "/") {
		if seg == "." || seg == ".." {
			return recordErr(ErrPartitionValue, "", "%q is not allowed as a path segment", seg)
		}
	}
	return nil
}
