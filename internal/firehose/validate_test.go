package firehose

import (
	"regexp"
	"testing"
)

// The hand-written stand-ins for the model's look-around patterns.
func TestPatternPredicates(t *testing.T) {
	jdbc := []struct {
		url string
		ok  bool
	}{
		{"jdbc:redshift://rheo.abc123.us-east-1.redshift.amazonaws.com:5439/dev", true},
		{"jdbc:postgresql://a.b.redshift-serverless.amazonaws.com:5439/db_1$", true},
		{"jdbc:redshift://c.redshift.amazonaws.com:5439/dev", true},
		{"jdbc:redshift://redshift.amazonaws.com:5439/dev", false}, // no label before "redshift"
		{"jdbc:redshift://-bad.x.redshift.amazonaws.com:5439/dev", false},
		{"jdbc:redshift://bad-.x.redshift.amazonaws.com:5439/dev", false},
		{"jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com/dev", false}, // no port
		{"jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:123456/dev", false},
		{"jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/", false},
		{"jdbc:mysql://c.abc.redshift.amazonaws.com:5439/dev", false},
		{"jdbc:redshift://c_d.abc.redshift.amazonaws.com:5439/dev", false},
		{"", false},
	}
	for _, c := range jdbc {
		if got := jdbcURLOK(c.url); got != c.ok {
			t.Errorf("jdbcURLOK(%q) = %v, want %v", c.url, got, c.ok)
		}
	}
	// Without look-around the model's pattern equals this RE2 one for
	// labels that neither start nor end with '-': cross-check.
	re := regexp.MustCompile(`^jdbc:(redshift|postgresql)://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(redshift(-serverless)?)\.([a-zA-Z0-9\.\-]+):\d{1,5}/[a-zA-Z0-9_$-]+$`)
	for _, c := range jdbc {
		if re.MatchString(c.url) != c.ok {
			t.Errorf("RE2 cross-check disagrees on %q", c.url)
		}
	}
	tags := []struct {
		s          string
		key, value bool
	}{
		{"team", true, true},
		{"aws:x", false, true},
		{"AWS:x", true, true},
		{"a b_c.d:e/f=g+h-i@j%k", true, true},
		{"héllo 世界 ٣", true, true},
		{"a*b", false, false},
		{"a,b", false, false},
		{"", true, true},
	}
	for _, c := range tags {
		if tagKeyOK(c.s) != c.key || tagValueOK(c.s) != c.value {
			t.Errorf("%q: key %v value %v, want %v %v", c.s, tagKeyOK(c.s), tagValueOK(c.s), c.key, c.value)
		}
	}
	for s, want := range map[string]bool{"x": true, " x ": true, "": false, "   ": false, "\t": false, "a\nb": false} {
		if nonBlank(s) != want {
			t.Errorf("nonBlank(%q) = %v", s, !want)
		}
	}
}
