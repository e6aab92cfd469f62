package objkey

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// defaultTimePattern is what Firehose appends to a Prefix that has no
// timestamp expression, and the time part of the default error prefix.
const defaultTimePattern = "yyyy/MM/dd/HH/"

// suffixTimeLayout is the time in the object name suffix,
// <year>-<month>-<day>-<hour>-<minute>-<second>, in Go's layout notation.
const suffixTimeLayout = "2006-01-02-15-04-05"

// Layout is a compiled destination naming: Prefix + ErrorOutputPrefix. It
// is immutable and safe for concurrent use.
type Layout struct {
	prefix  string // as written
	dynamic bool

	data *expression // the Prefix as written
	// appendTime says Firehose appends !{timestamp:yyyy/MM/dd/HH/} to the
	// Prefix: it has no timestamp expression and dynamic partitioning is off.
	appendTime bool
	// errExpr is the ErrorOutputPrefix as written; nil means the default
	// <Prefix><error-output-type>/yyyy/MM/dd/HH/.
	errExpr  *expression
	defTime  *timeFormat
	partKeys []string
}

// Compile validates prefix and errorPrefix exactly as Firehose does and
// compiles them. dynamic is DynamicPartitioningConfiguration.Enabled.
// Errors are *Error whose Message is AWS's wording for the
// InvalidArgumentException.
//
// The rules, in the order they are checked (developer guide, "Custom
// prefixes for Amazon S3 objects" and "Dynamic partitioning"; messages as
// the service returns them):
//   - "!{" only opens a !{namespace:value} expression;
//   - the namespace is timestamp, firehose, partitionKeyFromQuery or
//     partitionKeyFromLambda, and the value is valid for it;
//   - Prefix can't contain !{firehose:error-output-type};
//   - ErrorOutputPrefix can't contain partition key namespaces;
//   - partition key namespaces need dynamic partitioning, and dynamic
//     partitioning needs at least one in Prefix;
//   - ErrorOutputPrefix can be empty only if Prefix has no expressions;
//   - an ErrorOutputPrefix with expressions has !{firehose:error-output-type};
//   - neither evaluates to more than 512 characters.
func Compile(prefix, errorPrefix string, dynamic bool) (*Layout, error) {
	if len(prefix) > MaxPrefixLength {
		return nil, errorf(fmt.Sprintf("Prefix must have length less than or equal to %d", MaxPrefixLength))
	}
	if len(errorPrefix) > MaxPrefixLength {
		return nil, errorf(fmt.Sprintf("ErrorOutputPrefix must have length less than or equal to %d", MaxPrefixLength))
	}
	data, err := parseExpression(prefix, "Prefix")
	if err != nil {
		return nil, err
	}
	errExpr, err := parseExpression(errorPrefix, "ErrorOutputPrefix")
	if err != nil {
		return nil, err
	}
	switch {
	case data.hasErrorType:
		return nil, constraintError("Prefix must not contain any occurrence of !{firehose:error-output-type}")
	case errExpr.hasPartition:
		return nil, errorf("Dynamic Partitioning Namespaces can't be part of an error prefix expression")
	case data.hasPartition && !dynamic:
		return nil, errorf("Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled.")
	case dynamic && !data.hasPartition:
		return nil, errorf("S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled")
	case data.hasExpr && errorPrefix == "":
		return nil, constraintError("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions")
	case errExpr.hasExpr && !errExpr.hasErrorType:
		return nil, constraintError("ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}")
	}
	defTime, err := compileTimeFormat(defaultTimePattern)
	if err != nil {
		return nil, fmt.Errorf("objkey: default time pattern: %w", err)
	}
	l := &Layout{
		prefix:     prefix,
		dynamic:    dynamic,
		data:       data,
		appendTime: !data.hasTimestamp && !dynamic,
		defTime:    defTime,
		partKeys:   data.partKeys,
	}
	if errorPrefix != "" {
		l.errExpr = errExpr
	}
	// The evaluated length depends on the data; like the service, reject
	// what is too long for certain: partition values count one character,
	// random strings eleven, the error type its shortest rheo value.
	sample := Params{Time: sampleTime, Random: "00000000-0000-0000-0000-000000000000", ErrorType: ErrorTypeProcessing}
	sample.Partition = make(map[string]string, len(l.partKeys))
	for _, k := range l.partKeys {
		sample.Partition[k] = "x"
	}
	if utf8.RuneCount(l.appendPrefix(nil, sample)) > MaxEvaluatedPrefixLength {
		return nil, constraintError("Length of evaluated prefix cannot be greater than 512")
	}
	if utf8.RuneCount(l.appendErrorPrefix(nil, sample)) > MaxEvaluatedPrefixLength {
		return nil, constraintError("Length of evaluated ErrorOutputPrefix cannot be greater than 512")
	}
	return l, nil
}

// constraintError words a violated prefix rule as the service does. The
// lead-in (with its typo) is verbatim from a real InvalidArgumentException
// for the empty-ErrorOutputPrefix rule; the other rules phrased as
// constraints are assumed to share it, so a client matching on the rule's
// own words still matches.
func constraintError(rule string) error {
	return errorf("Ths supplied prefix(es) do not satisfy the following constraint: " + rule)
}

// sampleTime has two-digit fields everywhere, so a rendering at it is a fair
// lower bound for the length of any rendering.
var sampleTime = time.Date(2018, time.August, 27, 10, 30, 0, 0, time.UTC)

// ValidateRedshiftPrefix applies the rule for the intermediate S3
// destination of a Redshift destination: "Prefix must not contain
// expressions and ErrorOutputPrefix must be null".
func ValidateRedshiftPrefix(prefix, errorPrefix string) error {
	if errorPrefix != "" || strings.Contains(prefix, "!{") {
		return errorf("Prefix Expressions or ErrorOutputPrefix is currently not supported for this destination")
	}
	return nil
}

// Params are the per-object values.
type Params struct {
	Stream    string            // delivery stream name
	Version   int64             // delivery stream version id (1, 2, ...)
	Time      time.Time         // approximate arrival time of the oldest record in the object (UTC used)
	Random    string            // per-batch random id (see NewRandom); same value for retries of a batch
	ErrorType string            // error-output-type value ("processing-failed", "format-conversion-failed", ...)
	Partition map[string]string // partitionKeyFromQuery values
	Extension string            // file extension incl. dot (".gz", ".parquet", ...) or ""
}

// Key returns the object key for delivered data:
// <evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random><ext>.
// Partition values are rendered verbatim; call CheckPartition (or Prefix)
// first to route a record without valid values to the error output.
func (l *Layout) Key(p Params) string {
	b := l.appendPrefix(make([]byte, 0, 128), p)
	return string(appendSuffix(b, p))
}

// ErrorKey returns the object key for error output: the evaluated
// ErrorOutputPrefix, or <Prefix><error-output-type>/yyyy/MM/dd/HH/ when it
// is empty, followed by the same suffix as Key.
func (l *Layout) ErrorKey(p Params) string {
	b := l.appendErrorPrefix(make([]byte, 0, 128), p)
	return string(appendSuffix(b, p))
}

// Prefix returns the evaluated Prefix of Key, failing as Firehose fails a
// record: a referenced partition key without a valid value, or an
// evaluated prefix longer than 512 characters.
func (l *Layout) Prefix(p Params) (string, error) {
	if err := l.CheckPartition(p.Partition); err != nil {
		return "", err
	}
	b := l.appendPrefix(nil, p)
	if utf8.RuneCount(b) > MaxEvaluatedPrefixLength {
		return "", recordErr(ErrPartitionValue, "", "length of evaluated prefix cannot be greater than 512")
	}
	return string(b), nil
}

// PartitionKeys returns the keys referenced by !{partitionKeyFromQuery:...}
// in the Prefix, in order of first use.
func (l *Layout) PartitionKeys() []string {
	return append([]string(nil), l.partKeys...)
}

// Dynamic reports whether the layout was compiled for dynamic partitioning.
func (l *Layout) Dynamic() bool { return l.dynamic }

// CheckQuery checks a MetadataExtractionQuery against the Prefix: every key
// the query produces must appear in the Prefix (AWS's rule), and, because
// rheo has no Lambda to supply keys, every key the Prefix uses must come
// from the query.
func (l *Layout) CheckQuery(q *Query) error {
	for _, k := range q.Keys() {
		if !contains(l.partKeys, k) {
			return errorf("MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression")
		}
	}
	for _, k := range l.partKeys {
		if !contains(q.Keys(), k) {
			return errorf(fmt.Sprintf("The S3 Prefix expression uses !{partitionKeyFromQuery:%s} but the "+
				"MetadataExtractionQuery does not produce the key %s", k, k))
		}
	}
	return nil
}

// GroupKey returns a string that is equal for two records exactly when
// they have the same values for the Prefix's partition keys: the engine
// groups records by it. Distinct values can still render the same prefix
// ("x-y"+"z" and "x"+"y-z" under "!{partitionKeyFromQuery:a}-!{partitionKeyFromQuery:b}/"),
// so writers must compare rendered keys before naming objects.
func (l *Layout) GroupKey(values map[string]string) string {
	if len(l.partKeys) == 1 {
		return values[l.partKeys[0]]
	}
	var b strings.Builder
	for i, k := range l.partKeys {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(values[k])
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (l *Layout) appendPrefix(dst []byte, p Params) []byte {
	dst = appendExpression(dst, l.data, p, "")
	if l.appendTime {
		dst = l.defTime.appendTo(dst, p.Time)
	}
	return dst
}

func (l *Layout) appendErrorPrefix(dst []byte, p Params) []byte {
	if l.errExpr != nil {
		return appendExpression(dst, l.errExpr, p, p.ErrorType)
	}
	dst = append(dst, l.prefix...)
	dst = append(dst, p.ErrorType...)
	dst = append(dst, '/')
	return l.defTime.appendTo(dst, p.Time)
}

// appendExpression evaluates e. Every timestamp uses the same instant; the
// n-th random string is derived from the batch's random id, so a retried
// batch gets the same key while each instance still differs.
func appendExpression(dst []byte, e *expression, p Params, errType string) []byte {
	nrand := 0
	for _, s := range e.segs {
		switch s.kind {
		case segLiteral:
			dst = append(dst, s.text...)
		case segTimestamp:
			dst = s.ts.appendTo(dst, p.Time)
		case segRandom:
			dst = append(dst, randomString(p.Random, nrand)...)
			nrand++
		case segErrorType:
			dst = append(dst, errType...)
		case segPartition:
			dst = append(dst, p.Partition[s.text]...)
		}
	}
	return dst
}

func appendSuffix(dst []byte, p Params) []byte {
	dst = append(dst, p.Stream...)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, p.Version, 10)
	dst = append(dst, '-')
	dst = p.Time.UTC().AppendFormat(dst, suffixTimeLayout)
	dst = append(dst, '-')
	dst = append(dst, p.Random...)
	return append(dst, p.Extension...)
}
