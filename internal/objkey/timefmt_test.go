package objkey

import (
	"errors"
	"testing"
	"time"
)

func TestTimeFormat(t *testing.T) {
	// Saturday 2018-07-07 03:04:05.006007008 UTC, day 188 of the year.
	at := time.Date(2018, time.July, 7, 3, 4, 5, 6007008, time.UTC)
	tests := []struct {
		pattern string
		want    string
	}{
		{"yyyy/MM/dd/HH/", "2018/07/07/03/"},
		{"yyyy-MM-dd'T'HH:mm:ss", "2018-07-07T03:04:05"},
		{"'year='yyyy'/month='MM'/day='dd'/hour='HH", "year=2018/month=07/day=07/hour=03"},
		{"yy", "18"},
		{"y", "2018"},
		{"yyy", "2018"},
		{"yyyyy", "02018"},
		{"uuuu", "2018"},
		{"M", "7"},
		{"MM", "07"},
		{"MMM", "Jul"},
		{"MMMM", "July"},
		{"MMMMM", "J"},
		{"LLL", "Jul"},
		{"d", "7"},
		{"dd", "07"},
		{"D", "188"},
		{"DD", "188"},
		{"DDD", "188"},
		{"H", "3"},
		{"HH", "03"},
		{"h a", "3 AM"},
		{"K", "3"},
		{"k", "3"},
		{"m", "4"},
		{"mm", "04"},
		{"s", "5"},
		{"ss", "05"},
		{"S", "0"},
		{"SSS", "006"},
		{"SSSSSSSSS", "006007008"},
		{"n", "6007008"},
		{"A", "11045006"},
		{"N", "11045006007008"},
		{"E", "Sat"},
		{"EEE", "Sat"},
		{"EEEE", "Saturday"},
		{"EEEEE", "S"},
		{"Q", "3"},
		{"QQ", "03"},
		{"QQQ", "Q3"},
		{"QQQQ", "3rd quarter"},
		{"q", "3"},
		{"G", "AD"},
		{"GGGG", "Anno Domini"},
		{"X", "Z"},
		{"xxx", "+00:00"},
		{"x", "+00"},
		{"Z", "+0000"},
		{"ZZZZZ", "Z"},
		{"O", "GMT"},
		{"ppH", " 3"},
		{"pppMM", " 07"},
		{"''", "'"},
		{"'it''s'", "it's"},
		{"[yyyy]", "2018"},
		{"yyyy[-MM[-dd]]", "2018-07-07"},
		{"", ""},
		{"/-_.=,;: ", "/-_.=,;: "},
		{"é/ü", "é/ü"},
	}
	for _, tt := range tests {
		f, err := compileTimeFormat(tt.pattern)
		if err != nil {
			t.Errorf("compile %q: %v", tt.pattern, err)
			continue
		}
		if got := f.format(at); got != tt.want {
			t.Errorf("format %q = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestTimeFormatHours(t *testing.T) {
	tests := []struct {
		hour          int
		H, k, K, h, a string
	}{
		{0, "00", "24", "0", "12", "AM"},
		{11, "11", "11", "11", "11", "AM"},
		{12, "12", "12", "0", "12", "PM"},
		{23, "23", "23", "11", "11", "PM"},
	}
	for _, tt := range tests {
		at := time.Date(2020, 1, 1, tt.hour, 0, 0, 0, time.UTC)
		for pattern, want := range map[string]string{"HH": tt.H, "k": tt.k, "K": tt.K, "h": tt.h, "a": tt.a} {
			f, err := compileTimeFormat(pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.format(at); got != want {
				t.Errorf("hour %d: %q = %q, want %q", tt.hour, pattern, got, want)
			}
		}
	}
}

// The pattern is evaluated in UTC whatever the location of the time value.
func TestTimeFormatUTC(t *testing.T) {
	f, err := compileTimeFormat("yyyy-MM-dd HH")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2018, 1, 1, 2, 0, 0, 0, time.FixedZone("X", 5*3600))
	if got := f.format(at); got != "2017-12-31 21" {
		t.Errorf("format = %q", got)
	}
}

func TestTimeFormatErrors(t *testing.T) {
	bad := []string{
		"'open", "yyyy'", "#", "{", "}", "]", "yyyy]",
		"ddd", "HHH", "hhh", "mmm", "sss", "DDDD", "aa", "MMMMMM", "EEEEEE", "SSSSSSSSSS", "OO", "V", "VVV",
		"p", "pp", "p-", "p'x'",
	}
	// Every letter the service rejects, measured over the ASCII letters.
	for _, c := range awsRejectedLetters {
		bad = append(bad, string(c))
	}
	for _, pattern := range bad {
		_, err := compileTimeFormat(pattern)
		var bp errBadPattern
		if !errors.As(err, &bp) {
			t.Errorf("compile %q = %v, want a bad-pattern error", pattern, err)
		}
	}
	for _, pattern := range []string{"B", "F", "W", "Y", "c", "e", "g", "v", "w", "z", "VV", "YYYY"} {
		_, err := compileTimeFormat(pattern)
		var ul errUnsupportedLetter
		if !errors.As(err, &ul) {
			t.Errorf("compile %q = %v, want an unsupported-letter error", pattern, err)
		}
	}
}

// Every ASCII letter is either rendered, unsupported by rheo, or rejected as
// the service rejects it, never silently copied.
func TestEveryLetterClassified(t *testing.T) {
	at := time.Date(2018, 7, 7, 3, 4, 5, 0, time.UTC)
	for c := byte('A'); c <= 'z'; c++ {
		if !isLetter(c) {
			continue
		}
		f, err := compileTimeFormat(string(c))
		if err != nil {
			continue
		}
		if got := f.format(at); got == "" || got == string(c) {
			t.Errorf("letter %c renders %q", c, got)
		}
	}
}
