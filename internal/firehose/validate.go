package firehose

// Shape constraints of service-2.json, checked before any action logic and
// reported together as one ValidationException in AWS's wording:
//
//	1 validation error detected: Value 'a b' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+
//
// Paths are the members' lowerCamel names joined with dots, list members
// written 'records.1.member.data' (1-based), as AWS does.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// Patterns as service-2.json spells them (for messages) and as RE2
// anchored regexps (for checks). Patterns with look-around are checked by
// hand (see tagKeyOK, nonBlank, jdbcURLOK).
const (
	patName       = `[a-zA-Z0-9_.-]+`
	patRoleARN    = `arn:.*:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+`
	patBucketARN  = `arn:.*:s3:::[\w\.\-]{1,255}`
	patKinesisARN = `arn:.*:kinesis:[a-zA-Z0-9\-]+:\d{12}:stream/[a-zA-Z0-9_.-]+`
	patKMSARN     = `arn:.*:kms:[a-zA-Z0-9\-]+:\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\-_/]+`
	patSecretARN  = `arn:.*:secretsmanager:[a-zA-Z0-9\-]+:\d{12}:secret:[a-zA-Z0-9\-/_+=.@!]+`
	patFileExt    = `^$|\.[0-9a-z!\-_.*'()]+`
	patTimeZone   = `^$|[a-zA-Z/_]+`
	patLogGroup   = `[\.\-_/#A-Za-z0-9]*`
	patLogStream  = `[^:*]*`
	patNoSpace    = `^\S+$`
	patNonBlank   = `^(?!\s*$).+`
	patDestID     = `[a-zA-Z0-9-]+`
	patVersionID  = `[0-9]+`
	patTagKey     = `^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`
	patTagValue   = `^[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$`
	patJDBCURL    = `jdbc:(redshift|postgresql)://((?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+`
	patAnyText    = `.*`
	maxRecordSize = 1024000 // Record.Data, bytes
)

var (
	reName       = regexp.MustCompile(`^(?:` + patName + `)$`)
	reRoleARN    = regexp.MustCompile(`^(?:` + patRoleARN + `)$`)
	reBucketARN  = regexp.MustCompile(`^(?:` + patBucketARN + `)$`)
	reKinesisARN = regexp.MustCompile(`^(?:` + patKinesisARN + `)$`)
	reKMSARN     = regexp.MustCompile(`^(?:` + patKMSARN + `)$`)
	reSecretARN  = regexp.MustCompile(`^(?:` + patSecretARN + `)$`)
	reFileExt    = regexp.MustCompile(`^(?:` + patFileExt + `)$`)
	reTimeZone   = regexp.MustCompile(`^(?:` + patTimeZone + `)$`)
	reLogGroup   = regexp.MustCompile(`^(?:` + patLogGroup + `)$`)
	reLogStream  = regexp.MustCompile(`^(?:` + patLogStream + `)$`)
	reNoSpace    = regexp.MustCompile(patNoSpace)
	reDestID     = regexp.MustCompile(`^(?:` + patDestID + `)$`)
	reVersionID  = regexp.MustCompile(`^(?:` + patVersionID + `)$`)
	reJDBCTail   = regexp.MustCompile(`^(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+$`)
)

// Enumerations in service-2.json's order (AWS prints them so).
var (
	enumStreamType  = []string{"DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource"}
	enumCompression = []string{"UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"}
	enumKeyType     = []string{"AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"}
	enumNoEnc       = []string{"NoEncryption"}
	enumBackupMode  = []string{"Disabled", "Enabled"}
	enumProcType    = []string{"RecordDeAggregation", "Decompression", "CloudWatchLogProcessing", "Lambda", "MetadataExtraction", "AppendDelimiterToRecord"}
	enumParamName   = []string{"LambdaArn", "NumberOfRetries", "MetadataExtractionQuery", "JsonParsingEngine", "RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds", "SubRecordType", "Delimiter", "CompressionFormat", "DataMessageExtraction"}
	enumParquetComp = []string{"UNCOMPRESSED", "GZIP", "SNAPPY"}
	enumWriterVer   = []string{"V1", "V2"}
	enumOrcComp     = []string{"NONE", "ZLIB", "SNAPPY"}
	enumOrcVersion  = []string{"V0_11", "V0_12"}
)

// checker wraps wire.Validation with the constraint kinds of the model.
type checker struct{ wire.Validation }

// join builds a member path.
func join(path, member string) string {
	m := lowerFirst(member)
	if path == "" {
		return m
	}
	return path + "." + m
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// required records a missing required member; it reports whether p is set.
func (c *checker) required(path string, p *string) bool {
	if p == nil {
		c.Null(path)
		return false
	}
	return true
}

// str checks the length (in characters) and pattern of an optional string.
// re nil means no pattern check; custom, when set, replaces re.
func (c *checker) str(path string, p *string, minLen, maxLen int, re *regexp.Regexp, pattern string) {
	if p == nil {
		return
	}
	n := utf8.RuneCountInString(*p)
	switch {
	case n < minLen:
		c.Fail(path, *p, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case maxLen > 0 && n > maxLen:
		c.Fail(path, *p, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case re != nil && !re.MatchString(*p):
		c.Fail(path, *p, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// reqStr is str for a required member.
func (c *checker) reqStr(path string, p *string, minLen, maxLen int, re *regexp.Regexp, pattern string) {
	if c.required(path, p) {
		c.str(path, p, minLen, maxLen, re, pattern)
	}
}

// fn checks a string against a hand-written predicate standing for pattern.
func (c *checker) fn(path string, p *string, minLen, maxLen int, ok func(string) bool, pattern string) {
	if p == nil {
		return
	}
	n := utf8.RuneCountInString(*p)
	switch {
	case n < minLen:
		c.Fail(path, *p, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case maxLen > 0 && n > maxLen:
		c.Fail(path, *p, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case !ok(*p):
		c.Fail(path, *p, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// enum checks an optional enumerated string.
func (c *checker) enum(path string, p *string, values []string) {
	if p == nil {
		return
	}
	for _, v := range values {
		if *p == v {
			return
		}
	}
	c.Fail(path, *p, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// intRange checks an optional integer; max < 0 means unbounded.
func (c *checker) intRange(path string, p *int64, minV, maxV int64) {
	if p == nil {
		return
	}
	switch {
	case *p < minV:
		c.Fail(path, strconv.FormatInt(*p, 10), fmt.Sprintf("Member must have value greater than or equal to %d", minV))
	case maxV >= 0 && *p > maxV:
		c.Fail(path, strconv.FormatInt(*p, 10), fmt.Sprintf("Member must have value less than or equal to %d", maxV))
	}
}

// floatRange checks an optional proportion.
func (c *checker) floatRange(path string, p *float64, minV, maxV float64) {
	if p == nil {
		return
	}
	if *p < minV {
		c.Fail(path, strconv.FormatFloat(*p, 'f', -1, 64), fmt.Sprintf("Member must have value greater than or equal to %v", minV))
	} else if *p > maxV {
		c.Fail(path, strconv.FormatFloat(*p, 'f', -1, 64), fmt.Sprintf("Member must have value less than or equal to %v", maxV))
	}
}

// name checks a DeliveryStreamName member.
func (c *checker) name(path string, p *string, required bool) {
	if required && !c.required(path, p) {
		return
	}
	c.str(path, p, 1, 64, reName, patName)
}

// nonBlank is ^(?!\s*$).+ : not empty and not only white space.
func nonBlank(s string) bool {
	return strings.TrimFunc(s, unicode.IsSpace) != "" && !strings.ContainsAny(s, "\n\r")
}

// tagKeyOK is ^(?!aws:)[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$.
func tagKeyOK(s string) bool {
	return !strings.HasPrefix(s, "aws:") && tagValueOK(s)
}

// tagValueOK is ^[\p{L}\p{Z}\p{N}_.:\/=+\-@%]*$.
func tagValueOK(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@%", r) {
			continue
		}
		return false
	}
	return true
}

// jdbcURLOK is ClusterJDBCURL's pattern, whose host labels use
// look-around: jdbc:(redshift|postgresql)://(label.)+redshift[-serverless].rest:port/db.
func jdbcURLOK(s string) bool {
	rest, ok := strings.CutPrefix(s, "jdbc:redshift://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "jdbc:postgresql://"); !ok {
			return false
		}
	}
	// At least one label before the "redshift" label; try every split.
	labels := 0
	for {
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			return false
		}
		label := rest[:dot]
		if labels > 0 && reJDBCTail.MatchString(rest) {
			return true
		}
		if !labelOK(label) {
			return false
		}
		labels++
		rest = rest[dot+1:]
	}
}

// labelOK is (?!-)[A-Za-z0-9-]{1,63}(?<!-).
func labelOK(l string) bool {
	if len(l) < 1 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// blobValue renders a blob the way AWS's Java validators print it.
func blobValue(n int) string {
	return fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", n, n)
}
