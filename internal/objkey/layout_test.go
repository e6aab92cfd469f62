package objkey

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	aug27 = time.Date(2018, time.August, 27, 10, 30, 5, 0, time.UTC)
	jul06 = time.Date(2018, time.July, 6, 23, 59, 1, 0, time.UTC)
)

const batch = "a9fa96af-e4e4-409f-bac3-1f804714faaa"

func params(t time.Time) Params {
	return Params{Stream: "my-stream", Version: 3, Time: t, Random: batch, ErrorType: ErrorTypeProcessing}
}

func mustCompile(t *testing.T, prefix, errPrefix string, dynamic bool) *Layout {
	t.Helper()
	l, err := Compile(prefix, errPrefix, dynamic)
	if err != nil {
		t.Fatalf("Compile(%q, %q, %v): %v", prefix, errPrefix, dynamic, err)
	}
	return l
}

func TestDefaultLayout(t *testing.T) {
	l := mustCompile(t, "", "", false)
	p := params(aug27)
	const suffix = "my-stream-3-2018-08-27-10-30-05-" + batch
	if got, want := l.Key(p), "2018/08/27/10/"+suffix; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	if got, want := l.ErrorKey(p), "processing-failed/2018/08/27/10/"+suffix; got != want {
		t.Errorf("ErrorKey = %q, want %q", got, want)
	}
	p.Extension = ".gz"
	p.ErrorType = ErrorTypeFormatConversion
	if got, want := l.ErrorKey(p), "format-conversion-failed/2018/08/27/10/"+suffix+".gz"; got != want {
		t.Errorf("ErrorKey = %q, want %q", got, want)
	}
	if len(l.PartitionKeys()) != 0 || l.Dynamic() {
		t.Errorf("default layout has partition keys %v / dynamic %v", l.PartitionKeys(), l.Dynamic())
	}
}

// The suffix's time is the object's time in UTC whatever zone the caller uses.
func TestKeyUsesUTC(t *testing.T) {
	l := mustCompile(t, "", "", false)
	p := params(aug27.In(time.FixedZone("JST", 9*3600)))
	if got, want := l.Key(p), "2018/08/27/10/my-stream-3-2018-08-27-10-30-05-"+batch; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

func TestRenderedPrefixes(t *testing.T) {
	rs0, rs1 := randomString(batch, 0), randomString(batch, 1)
	tests := []struct {
		name              string
		prefix, errPrefix string
		dynamic           bool
		at                time.Time
		partition         map[string]string
		wantPrefix        string
		wantError         string
	}{
		{
			name:       "unspecified prefix, error prefix with type (guide example 1)",
			errPrefix:  "myFirehoseFailures/!{firehose:error-output-type}/",
			at:         aug27,
			wantPrefix: "2018/08/27/10/",
			wantError:  "myFirehoseFailures/processing-failed/",
		},
		{
			name:       "timestamp and random string (guide example 3)",
			prefix:     "myFirehose/DeliveredYear=!{timestamp:yyyy}/anyMonth/rand=!{firehose:random-string}",
			errPrefix:  "myFirehoseFailures/!{firehose:error-output-type}/!{timestamp:yyyy}/anyMonth/!{timestamp:dd}",
			at:         aug27,
			wantPrefix: "myFirehose/DeliveredYear=2018/anyMonth/rand=" + rs0,
			wantError:  "myFirehoseFailures/processing-failed/2018/anyMonth/27",
		},
		{
			name:       "hive style fields and quoted literals (guide example 4)",
			prefix:     "myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
			errPrefix:  "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/!{firehose:error-output-type}",
			at:         jul06,
			wantPrefix: "myPrefix/year=2018/month=07/day=06/hour=23/",
			wantError:  "myErrorPrefix/year=2018/month=07/day=06/hour=23/processing-failed",
		},
		{
			// The common typo YYYY (week-based year) for yyyy: 2020-12-28 is
			// in week 1 of week-year 2021 in Locale.US.
			name:       "week-based year and week",
			prefix:     "!{timestamp:YYYY/MM/dd}/w=!{timestamp:ww-e}/",
			errPrefix:  "err/!{timestamp:YYYY}/!{firehose:error-output-type}/",
			at:         time.Date(2020, time.December, 28, 1, 0, 0, 0, time.UTC),
			wantPrefix: "2021/12/28/w=01-2/",
			wantError:  "err/2021/processing-failed/",
		},
		{
			name:       "static prefix gets the time appended by concatenation",
			prefix:     "myFirehosePrefix",
			at:         aug27,
			wantPrefix: "myFirehosePrefix2018/08/27/10/",
			wantError:  "myFirehosePrefixprocessing-failed/2018/08/27/10/",
		},
		{
			name:       "static prefix with slash",
			prefix:     "logs/",
			at:         aug27,
			wantPrefix: "logs/2018/08/27/10/",
			wantError:  "logs/processing-failed/2018/08/27/10/",
		},
		{
			name:       "random string only: the time is still appended",
			prefix:     "logs/!{firehose:random-string}/",
			errPrefix:  "err/!{firehose:error-output-type}/",
			at:         aug27,
			wantPrefix: "logs/" + rs0 + "/2018/08/27/10/",
			wantError:  "err/processing-failed/",
		},
		{
			name:       "each random string differs",
			prefix:     "!{firehose:random-string}/!{firehose:random-string}/!{timestamp:yyyy}/",
			errPrefix:  "!{firehose:random-string}/!{firehose:error-output-type}",
			at:         aug27,
			wantPrefix: rs0 + "/" + rs1 + "/2018/",
			wantError:  rs0 + "/processing-failed",
		},
		{
			name:       "error type used twice",
			errPrefix:  "!{firehose:error-output-type}/x/!{firehose:error-output-type}/",
			at:         aug27,
			wantPrefix: "2018/08/27/10/",
			wantError:  "processing-failed/x/processing-failed/",
		},
		{
			name:       "literal error prefix is used as written",
			prefix:     "data/",
			errPrefix:  "errors/",
			at:         aug27,
			wantPrefix: "data/2018/08/27/10/",
			wantError:  "errors/",
		},
		{
			name:       "dynamic partitioning: no time appended",
			prefix:     "customer_id=!{partitionKeyFromQuery:customer_id}/device=!{partitionKeyFromQuery:device}/",
			errPrefix:  "errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/",
			dynamic:    true,
			at:         aug27,
			partition:  map[string]string{"customer_id": "1234567890", "device": "mobile"},
			wantPrefix: "customer_id=1234567890/device=mobile/",
			wantError:  "errors/processing-failed/2018/08/27/",
		},
		{
			name:       "dynamic partitioning with timestamps (Athena example)",
			prefix:     "prefix/!{timestamp:yyyy}-!{timestamp:MM}-!{timestamp:dd}/!{partitionKeyFromQuery:customer_id}/",
			errPrefix:  "err/!{firehose:error-output-type}/",
			dynamic:    true,
			at:         time.Date(2021, 11, 1, 0, 0, 0, 0, time.UTC),
			partition:  map[string]string{"customer_id": "customer-1234"},
			wantPrefix: "prefix/2021-11-01/customer-1234/",
			wantError:  "err/processing-failed/",
		},
		{
			name:       "same key twice",
			prefix:     "a=!{partitionKeyFromQuery:k}/b=!{partitionKeyFromQuery:k}/",
			errPrefix:  "e/!{firehose:error-output-type}",
			dynamic:    true,
			at:         aug27,
			partition:  map[string]string{"k": "v"},
			wantPrefix: "a=v/b=v/",
			wantError:  "e/processing-failed",
		},
		{
			name:       "braces and bangs outside expressions are literal",
			prefix:     "a}b!c{d!/",
			at:         aug27,
			wantPrefix: "a}b!c{d!/2018/08/27/10/",
			wantError:  "a}b!c{d!/processing-failed/2018/08/27/10/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustCompile(t, tt.prefix, tt.errPrefix, tt.dynamic)
			p := params(tt.at)
			p.Partition = tt.partition
			suffix := "my-stream-3-" + tt.at.UTC().Format("2006-01-02-15-04-05") + "-" + batch
			if got := l.Key(p); got != tt.wantPrefix+suffix {
				t.Errorf("Key = %q, want %q", got, tt.wantPrefix+suffix)
			}
			if got := l.ErrorKey(p); got != tt.wantError+suffix {
				t.Errorf("ErrorKey = %q, want %q", got, tt.wantError+suffix)
			}
			got, err := l.Prefix(p)
			if err != nil || got != tt.wantPrefix {
				t.Errorf("Prefix = %q, %v; want %q", got, err, tt.wantPrefix)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	const (
		badValuePrefix = "Invalid conversion character used in the value of the expression in Prefix"
		badValueError  = "Invalid conversion character used in the value of the expression in ErrorOutputPrefix"
		usage          = "Invalid expression usage"
		constraint     = "Ths supplied prefix(es) do not satisfy the following constraint: "
		needError      = constraint + "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
		needType       = constraint + "ErrorOutputPrefix must contain at least one occurrence of !{firehose:error-output-type}"
		typeInPrefix   = constraint + "Prefix must not contain any occurrence of !{firehose:error-output-type}"
		partInError    = "Dynamic Partitioning Namespaces can't be part of an error prefix expression"
		partNeedsDP    = "Dynamic Partitioning Namespaces can only be part of a prefix expression when Dynamic Partitioning is enabled."
		dpNeedsPart    = "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic Partitioning is enabled"
		tooLongPrefix  = constraint + "Length of evaluated prefix cannot be greater than 512"
		tooLongError   = constraint + "Length of evaluated ErrorOutputPrefix cannot be greater than 512"
		okErr          = "e/!{firehose:error-output-type}/"
	)
	tests := []struct {
		name              string
		prefix, errPrefix string
		dynamic           bool
		want              string // exact message, or a prefix of it ending in "…"
	}{
		{"unclosed expression", "a/!{timestamp:yyyy", okErr, false, usage},
		{"unclosed at end", "a/!{", okErr, false, usage},
		{"no colon", "!{timestamp}/", okErr, false, usage},
		{"empty namespace", "!{:yyyy}/", okErr, false, usage},
		{"namespace not letters", "!{time-stamp:yyyy}/", okErr, false, usage},
		{"nested brace", "!{timestamp:{yyyy}/", okErr, false, usage},
		{"unclosed in error prefix", "", "e/!{firehose:error-output-type", false, usage},
		{"unknown namespace", "!{foo:bar}/", okErr, false, "Namespace to the left of colon (foo) is an invalid keyword!"},
		{"namespace is case sensitive", "!{Timestamp:yyyy}/", okErr, false, "Namespace to the left of colon (Timestamp) is an invalid keyword!"},
		{"unknown namespace in error prefix", "", "!{firehose:error-output-type}!{bad:x}", false, "Namespace to the left of colon (bad) is an invalid keyword!"},
		{"unknown firehose value", "!{firehose:random}/", okErr, false, badValuePrefix},
		{"empty firehose value", "!{firehose:}/", okErr, false, badValuePrefix},
		{"unknown firehose value in error prefix", "", "!{firehose:error-output-type}/!{firehose:uuid}", false, badValueError},
		{"reserved pattern letter", "!{timestamp:yyyy-ii}/", okErr, false, badValuePrefix},
		{"too many pattern letters", "!{timestamp:ddd}/", okErr, false, badValuePrefix},
		{"unterminated quote", "!{timestamp:'year=yyyy}/", okErr, false, badValuePrefix},
		{"reserved hash", "!{timestamp:yyyy#}/", okErr, false, badValuePrefix},
		{"close bracket without open", "!{timestamp:yyyy]}/", okErr, false, badValuePrefix},
		{"bad pattern in error prefix", "", "!{firehose:error-output-type}/!{timestamp:T}", false, badValueError},
		{"week letter at a width Java rejects", "!{timestamp:www}/", okErr, false, badValuePrefix},
		{"error type in prefix", "a/!{firehose:error-output-type}/", okErr, false, typeInPrefix},
		{"partition key in error prefix", "!{partitionKeyFromQuery:k}/", "!{firehose:error-output-type}/!{partitionKeyFromQuery:k}", true, partInError},
		{"partition key without dynamic partitioning", "k=!{partitionKeyFromQuery:k}/", okErr, false, partNeedsDP},
		{"dynamic partitioning without partition key", "static/", okErr, true, dpNeedsPart},
		{"dynamic partitioning with empty prefix", "", okErr, true, dpNeedsPart},
		{"dynamic partitioning with timestamp only", "!{timestamp:yyyy}/", okErr, true, dpNeedsPart},
		{"empty partition key", "!{partitionKeyFromQuery:}/", okErr, true, badValuePrefix},
		{"lambda partition key", "!{partitionKeyFromLambda:k}/", okErr, true, "!{partitionKeyFromLambda:k} cannot be used: rheo does not run Lambda functions…"},
		{"expressions need an error prefix", "!{timestamp:yyyy}/", "", false, needError},
		{"random string needs an error prefix", "!{firehose:random-string}/", "", false, needError},
		{"dynamic partitioning needs an error prefix", "!{partitionKeyFromQuery:k}/", "", true, needError},
		{"error prefix expression without type", "", "errors/!{timestamp:yyyy}/", false, needType},
		{"error prefix random string without type", "p/!{firehose:random-string}", "e/!{firehose:random-string}", false, needType},
		{"evaluated prefix too long", strings.Repeat("a", 510) + "!{timestamp:yyyy}/", okErr, false, tooLongPrefix},
		{"appended time makes it too long", strings.Repeat("a", 500), "", false, tooLongPrefix},
		{"timestamp expands past 512", strings.Repeat("a", 480) + "!{timestamp:MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM}", okErr, false, tooLongPrefix},
		{"evaluated error prefix too long", "", strings.Repeat("e", 496) + "!{firehose:error-output-type}", false, tooLongError},
		{"default error prefix too long", strings.Repeat("a", 490), "", false, tooLongError},
		{"prefix longer than the member limit", strings.Repeat("a", 1025), "", false, "Prefix must have length less than or equal to 1024"},
		{"error prefix longer than the member limit", "", strings.Repeat("a", 1025), false, "ErrorOutputPrefix must have length less than or equal to 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Compile(tt.prefix, tt.errPrefix, tt.dynamic)
			if err == nil {
				t.Fatalf("Compile(%q, %q, %v) = %+v, want error %q", tt.prefix, tt.errPrefix, tt.dynamic, l, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if want, ok := strings.CutSuffix(tt.want, "…"); ok {
				if !strings.HasPrefix(e.Message, want) {
					t.Errorf("message %q, want prefix %q", e.Message, want)
				}
			} else if e.Message != tt.want {
				t.Errorf("message %q, want %q", e.Message, tt.want)
			}
			if e.Error() != e.Message {
				t.Errorf("Error() = %q, want the message", e.Error())
			}
		})
	}
}

// Prefixes right at the limits compile; one more character does not.
func TestCompileLengthBoundary(t *testing.T) {
	// 498 + "2018/08/27/10/" (14) = 512.
	if _, err := Compile(strings.Repeat("a", 498), "", false); err == nil {
		t.Fatal("default error prefix of 498+17+1+14 characters compiled")
	}
	if _, err := Compile(strings.Repeat("a", 498), "e/!{firehose:error-output-type}", false); err != nil {
		t.Fatalf("512-character evaluated prefix rejected: %v", err)
	}
	if _, err := Compile(strings.Repeat("a", 499), "e/!{firehose:error-output-type}", false); err == nil {
		t.Fatal("513-character evaluated prefix compiled")
	}
	if _, err := Compile(strings.Repeat("a", 1024), "", false); err == nil || !strings.HasSuffix(err.Error(), "Length of evaluated prefix cannot be greater than 512") {
		t.Fatalf("1024-character prefix: %v", err)
	}
}

func TestPrefixFailures(t *testing.T) {
	l := mustCompile(t, "r=!{partitionKeyFromQuery:region}/c=!{partitionKeyFromQuery:city}/", "e/!{firehose:error-output-type}/", true)
	if got, want := l.PartitionKeys(), []string{"region", "city"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("PartitionKeys = %v, want %v", got, want)
	}
	tests := []struct {
		name   string
		values map[string]string
		want   error
	}{
		{"missing key", map[string]string{"region": "eu"}, ErrMissingPartitionKey},
		{"nil map", nil, ErrMissingPartitionKey},
		{"control character", map[string]string{"region": "eu\n", "city": "x"}, ErrPartitionValue},
		{"dot dot segment", map[string]string{"region": "eu/../..", "city": "x"}, ErrPartitionValue},
		{"dot segment", map[string]string{"region": ".", "city": "x"}, ErrPartitionValue},
		{"invalid utf-8", map[string]string{"region": "\xff", "city": "x"}, ErrPartitionValue},
		{"too long", map[string]string{"region": strings.Repeat("x", 513), "city": "x"}, ErrPartitionValue},
		{"evaluated prefix too long", map[string]string{"region": strings.Repeat("x", 300), "city": strings.Repeat("y", 300)}, ErrPartitionValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(aug27)
			p.Partition = tt.values
			if _, err := l.Prefix(p); !errors.Is(err, tt.want) {
				t.Errorf("Prefix error = %v, want %v", err, tt.want)
			}
		})
	}
	p := params(aug27)
	p.Partition = map[string]string{"region": "eu-west/1", "city": "São Paulo", "extra": "ignored"}
	if got, err := l.Prefix(p); err != nil || got != "r=eu-west/1/c=São Paulo/" {
		t.Errorf("Prefix = %q, %v", got, err)
	}
	if err := l.CheckPartition(map[string]string{"region": "", "city": "..x"}); err != nil {
		t.Errorf("empty value and '..x' rejected: %v", err)
	}
}

func TestGroupKey(t *testing.T) {
	l := mustCompile(t, "!{partitionKeyFromQuery:a}/!{partitionKeyFromQuery:b}/", "e/!{firehose:error-output-type}", true)
	k1 := l.GroupKey(map[string]string{"a": "x", "b": "yz"})
	k2 := l.GroupKey(map[string]string{"a": "xy", "b": "z"})
	k3 := l.GroupKey(map[string]string{"a": "x", "b": "yz", "c": "other"})
	if k1 == k2 || k1 != k3 {
		t.Errorf("group keys %q %q %q", k1, k2, k3)
	}
	one := mustCompile(t, "!{partitionKeyFromQuery:a}/", "e/!{firehose:error-output-type}", true)
	if one.GroupKey(map[string]string{"a": "v"}) != "v" {
		t.Error("single-key group key is not the value")
	}
}

func TestCheckQuery(t *testing.T) {
	l := mustCompile(t, "r=!{partitionKeyFromQuery:region}/c=!{partitionKeyFromQuery:city}/", "e/!{firehose:error-output-type}/", true)
	tests := []struct {
		query string
		want  string
	}{
		{"{region: .region, city: .address.city}", ""},
		{"{city: .c, region: .r}", ""},
		{"{region: .region, city: .city, id: .id}", "MetaDataExtraction JQ Query can't contain keys that are not present in the S3 Prefix expression"},
		{"{region: .region}", "The S3 Prefix expression uses !{partitionKeyFromQuery:city} but the MetadataExtractionQuery does not produce the key city"},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		err = l.CheckQuery(q)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckQuery(%s) = %v", tt.query, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("CheckQuery(%s) = %v, want %q", tt.query, err, tt.want)
		}
	}
}

func TestValidateRedshiftPrefix(t *testing.T) {
	const msg = "Prefix Expressions or ErrorOutputPrefix is currently not supported for this destination"
	if err := ValidateRedshiftPrefix("static/", ""); err != nil {
		t.Errorf("static prefix: %v", err)
	}
	for _, c := range [][2]string{{"!{timestamp:yyyy}/", ""}, {"", "errors/"}} {
		if err := ValidateRedshiftPrefix(c[0], c[1]); err == nil || err.Error() != msg {
			t.Errorf("ValidateRedshiftPrefix(%q, %q) = %v", c[0], c[1], err)
		}
	}
}

// A layout is shared by the engine's goroutines.
func TestLayoutConcurrent(t *testing.T) {
	l := mustCompile(t, "x/!{timestamp:yyyy/MM}/!{firehose:random-string}/", "e/!{firehose:error-output-type}/", false)
	want := l.Key(params(aug27))
	done := make(chan string)
	for i := 0; i < 8; i++ {
		go func() {
			var k string
			for j := 0; j < 200; j++ {
				k = l.Key(params(aug27))
			}
			done <- k
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got != want {
			t.Errorf("concurrent Key = %q, want %q", got, want)
		}
	}
}

func TestKeyFields(t *testing.T) {
	l := mustCompile(t, "in/", "", false)
	p := Params{Stream: "a.b_c-d", Version: 1234567, Time: time.Date(2031, 12, 31, 23, 59, 59, 999999999, time.UTC),
		Random: batch, Extension: ".parquet"}
	want := "in/2031/12/31/23/a.b_c-d-1234567-2031-12-31-23-59-59-" + batch + ".parquet"
	if got := l.Key(p); got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

// An empty timestamp pattern is a timestamp expression: it renders nothing
// and stops the time from being appended.
func TestEmptyTimestampPattern(t *testing.T) {
	l := mustCompile(t, "x/!{timestamp:}", "e/!{firehose:error-output-type}", false)
	if got := l.Key(params(aug27)); !strings.HasPrefix(got, "x/my-stream-3-") {
		t.Errorf("Key = %q", got)
	}
}

// Bangs and braces that do not form "!{" stay literal; "!!{" is a literal
// bang before an expression.
func TestLiteralBang(t *testing.T) {
	l := mustCompile(t, "a!!{timestamp:yyyy}/", "e/!{firehose:error-output-type}", false)
	if got, err := l.Prefix(params(aug27)); err != nil || got != "a!2018/" {
		t.Errorf("Prefix = %q, %v", got, err)
	}
}
