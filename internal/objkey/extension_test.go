package objkey

import (
	"regexp"
	"strings"
	"testing"
)

func TestExtension(t *testing.T) {
	tests := []struct {
		compression string
		parquet     bool
		custom      string
		want        string
	}{
		{"UNCOMPRESSED", false, "", ""},
		{"", false, "", ""},
		{"GZIP", false, "", ".gz"},
		{"ZIP", false, "", ".zip"},
		{"Snappy", false, "", ".snappy"},
		{"HADOOP_SNAPPY", false, "", ".hsnappy"},
		{"UNCOMPRESSED", true, "", ".parquet"},
		{"GZIP", false, ".json.gz", ".json.gz"},
		{"UNCOMPRESSED", true, ".pq", ".pq"},
		{"UNCOMPRESSED", false, ".jsonl", ".jsonl"},
	}
	for _, tt := range tests {
		if got := Extension(tt.compression, tt.parquet, tt.custom); got != tt.want {
			t.Errorf("Extension(%q, %v, %q) = %q, want %q", tt.compression, tt.parquet, tt.custom, got, tt.want)
		}
	}
	if got := FormatExtension("UNCOMPRESSED", "orc", ""); got != ".orc" {
		t.Errorf("ORC extension = %q", got)
	}
}

func TestValidateFileExtension(t *testing.T) {
	const patternMsg = `Member must satisfy regular expression pattern: ^$|\.[0-9a-z!\-_.*'()]+`
	tests := []struct {
		ext  string
		want string
	}{
		{"", ""},
		{".json", ""},
		{".json.gz", ""},
		{".a-b_c!d*e'f(g)h.0", ""},
		{"." + strings.Repeat("a", 127), ""},
		{"." + strings.Repeat("a", 128), "Member must have length less than or equal to 128"},
		{".", patternMsg},
		{"json", patternMsg},
		{".JSON", patternMsg},
		{".js on", patternMsg},
		{".json/x", patternMsg},
		{"..", ""},
		{".é", patternMsg},
	}
	// The member's own pattern, matched in full, agrees with the hand-written check.
	re := regexp.MustCompile(`^(?:|\.[0-9a-z!\-_.*'()]+)$`)
	for _, tt := range tests {
		err := ValidateFileExtension(tt.ext)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("ValidateFileExtension(%q) = %q, want %q", tt.ext, got, tt.want)
		}
		if len(tt.ext) <= MaxFileExtensionLength && re.MatchString(tt.ext) != (err == nil) {
			t.Errorf("ValidateFileExtension(%q) disagrees with the API pattern", tt.ext)
		}
	}
}

func TestNewRandom(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		r := NewRandom()
		if !uuid.MatchString(r) {
			t.Fatalf("NewRandom() = %q, not a version 4 UUID", r)
		}
		if seen[r] {
			t.Fatalf("NewRandom() repeated %q", r)
		}
		seen[r] = true
	}
}

func TestDerivedRandom(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	batch := NewRandom()
	d := DerivedRandom(batch, "error-output")
	if !uuid.MatchString(d) || d == batch {
		t.Fatalf("DerivedRandom(%q) = %q, want another version 4 UUID", batch, d)
	}
	if again := DerivedRandom(batch, "error-output"); again != d {
		t.Fatalf("DerivedRandom not repeatable: %q then %q", d, again)
	}
	if other := DerivedRandom(batch, "x"); other == d {
		t.Fatalf("DerivedRandom ignores its salt: %q", d)
	}
}

func TestRandomString(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{2}$`)
	a0, a1, b0 := randomString("batch-a", 0), randomString("batch-a", 1), randomString("batch-b", 0)
	for _, s := range []string{a0, a1, b0} {
		if len(s) != RandomStringLength || !form.MatchString(s) {
			t.Errorf("random string %q is not like 046b6c7f-0b", s)
		}
	}
	if a0 == a1 || a0 == b0 {
		t.Errorf("random strings repeat: %q %q %q", a0, a1, b0)
	}
	if randomString("batch-a", 0) != a0 {
		t.Error("random string of a retried batch changed")
	}
}
