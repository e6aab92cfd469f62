package objkey

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Record-level partitioning failures. Firehose writes a record that fails
// them to the error output instead of the data prefix; match with errors.Is.
var (
	// ErrMissingPartitionKey: the Prefix references a key the record has no
	// value for (the query found null or nothing).
	ErrMissingPartitionKey = errors.New("objkey: missing partition key value")
	// ErrPartitionValue: the value can't be part of an object key.
	ErrPartitionValue = errors.New("objkey: invalid partition key value")
)

// CheckPartition reports whether values hold a usable value for every key
// the Prefix references. Values render verbatim, as on Firehose, so "/"
// makes extra levels; rheo rejects what S3 would store but a filesystem
// lake can't: invalid UTF-8, control characters, and "." or ".." as a
// path segment.
func (l *Layout) CheckPartition(values map[string]string) error {
	for _, k := range l.partKeys {
		v, ok := values[k]
		if !ok {
			return fmt.Errorf("%w: %s", ErrMissingPartitionKey, k)
		}
		if err := ValidatePartitionValue(v); err != nil {
			return fmt.Errorf("partition key %s: %w", k, err)
		}
	}
	return nil
}

// ValidatePartitionValue checks one partition value (see CheckPartition).
func ValidatePartitionValue(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: not valid UTF-8", ErrPartitionValue)
	}
	if utf8.RuneCountInString(v) > MaxEvaluatedPrefixLength {
		return fmt.Errorf("%w: longer than %d characters", ErrPartitionValue, MaxEvaluatedPrefixLength)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: control character %U", ErrPartitionValue, r)
		}
	}
	for _, seg := range strings.Split(v, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q is not allowed as a path segment", ErrPartitionValue, seg)
		}
	}
	return nil
}
