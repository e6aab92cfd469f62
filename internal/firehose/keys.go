package firehose

// Object-key rules, delegated to internal/objkey so the API and the engine
// agree: Prefix and ErrorOutputPrefix expressions (objkey.Compile), the
// MetadataExtractionQuery (objkey.ParseQuery) and its agreement with the
// Prefix's partition keys, and the Redshift intermediate bucket's rule.
// objkey's *Error messages are AWS's and are returned unchanged as
// InvalidArgumentException.

import (
	"errors"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/objkey"
)

// keyErr turns an objkey error into the API error.
func keyErr(err error) error {
	var ke *objkey.Error
	if errors.As(err, &ke) {
		return wire.InvalidArgument("%s", ke.Message)
	}
	return wire.InvalidArgument("%v", err)
}

// checkLayout compiles the prefixes and, with dynamic partitioning, checks
// the query against the Prefix's partition keys.
func checkLayout(prefix, errorPrefix string, dynamic bool, p *delivery.Partitioning) error {
	l, err := objkey.Compile(prefix, errorPrefix, dynamic)
	if err != nil {
		return keyErr(err)
	}
	if p == nil {
		return nil
	}
	q, err := objkey.ParseQuery(p.Query)
	if err != nil {
		return keyErr(err)
	}
	if err := l.CheckQuery(q); err != nil {
		return keyErr(err)
	}
	return nil
}

// checkQuery parses a MetadataExtractionQuery.
func checkQuery(q string) error {
	if _, err := objkey.ParseQuery(q); err != nil {
		return keyErr(err)
	}
	return nil
}

// checkFileExtension applies objkey's FileExtension rule.
func checkFileExtension(ext, _ string) error {
	if err := objkey.ValidateFileExtension(ext); err != nil {
		var c checker
		c.Fail("extendedS3DestinationConfiguration.fileExtension", ext, err.Error())
		return c.Err()
	}
	return nil
}

// checkRedshiftPrefix applies the intermediate bucket's prefix rule.
func checkRedshiftPrefix(prefix, errorPrefix string) error {
	if err := objkey.ValidateRedshiftPrefix(prefix, errorPrefix); err != nil {
		return keyErr(err)
	}
	return nil
}
