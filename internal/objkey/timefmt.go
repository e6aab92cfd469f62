package objkey

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeFormat is a compiled java.time.format.DateTimeFormatter pattern, the
// language of !{timestamp:...}. Firehose evaluates it in UTC, so the zone
// and offset letters have fixed renderings.
type timeFormat struct {
	items []timeItem
}

// timeItem is one literal run or one field of a pattern.
type timeItem struct {
	lit    string
	letter byte // 0 for a literal
	count  int
	pad    int // width to left-pad with spaces (the 'p' modifier)
}

// errBadPattern marks a pattern Java's DateTimeFormatter.ofPattern would
// reject; Compile turns it into AWS's "Invalid conversion character" message.
type errBadPattern struct{ why string }

func (e errBadPattern) Error() string { return e.why }

// errUnsupportedLetter marks a letter Java accepts but rheo does not render
// (the locale-dependent week fields and zone names).
type errUnsupportedLetter struct{ letter byte }

func (e errUnsupportedLetter) Error() string {
	return fmt.Sprintf("rheo does not support the pattern letter '%c' in !{timestamp:...} expressions; "+
		"supported letters are G u y D M L d Q q E a h K k H m s S A n N O X x Z", e.letter)
}

// awsRejectedLetters are the ASCII letters the service rejects when used in
// a timestamp pattern: the letters java.time reserves, plus 'V' (valid only
// as "VV") and a lone pad modifier 'p'.
const awsRejectedLetters = "CIJPRTUbfijlort"

// unsupportedLetters are valid java.time letters whose rendering depends on a
// locale or zone database rheo does not model.
const unsupportedLetters = "BFWYcegvwz"

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// compileTimeFormat parses pattern with the rules of
// DateTimeFormatterBuilder.appendPattern: letters are fields (runs of one
// letter give the width), text in single quotes is literal (” is a quote),
// [ and ] delimit optional sections (always printed when formatting a full
// date-time), and #, { and } are reserved.
func compileTimeFormat(pattern string) (*timeFormat, error) {
	f := &timeFormat{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.items = append(f.items, timeItem{lit: lit.String()})
			lit.Reset()
		}
	}
	optDepth := 0
	pad := 0
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case isLetter(c):
			j := i
			for j < len(pattern) && pattern[j] == c {
				j++
			}
			count := j - i
			if c == 'p' {
				// Pad modifier: applies to the field that follows.
				if j >= len(pattern) || !isLetter(pattern[j]) || pattern[j] == 'p' {
					return nil, errBadPattern{"pad letter 'p' must be followed by a pattern letter"}
				}
				pad = count
				i = j
				continue
			}
			if err := checkLetter(c, count); err != nil {
				return nil, err
			}
			flush()
			f.items = append(f.items, timeItem{letter: c, count: count, pad: pad})
			pad = 0
			i = j
		case c == '\'':
			j := i + 1
			if j < len(pattern) && pattern[j] == '\'' {
				lit.WriteByte('\'')
				i = j + 1
				continue
			}
			closed := false
			for j < len(pattern) {
				if pattern[j] == '\'' {
					if j+1 < len(pattern) && pattern[j+1] == '\'' {
						lit.WriteByte('\'')
						j += 2
						continue
					}
					closed = true
					break
				}
				lit.WriteByte(pattern[j])
				j++
			}
			if !closed {
				return nil, errBadPattern{"pattern ends with an incomplete string literal"}
			}
			i = j + 1
		case c == '[':
			optDepth++
			i++
		case c == ']':
			if optDepth == 0 {
				return nil, errBadPattern{"pattern contains ] without previous ["}
			}
			optDepth--
			i++
		case c == '{' || c == '}' || c == '#':
			return nil, errBadPattern{fmt.Sprintf("pattern includes reserved character '%c'", c)}
		default:
			lit.WriteByte(c)
			i++
		}
		if pad > 0 && !isLetter(c) {
			return nil, errBadPattern{"pad letter 'p' must be followed by a pattern letter"}
		}
	}
	flush()
	return f, nil
}

// checkLetter applies java.time's width rules to a run of one letter.
func checkLetter(c byte, count int) error {
	if strings.IndexByte(awsRejectedLetters, c) >= 0 {
		return errBadPattern{fmt.Sprintf("unknown pattern letter '%c'", c)}
	}
	if c == 'V' {
		if count != 2 {
			return errBadPattern{"pattern letter count must be 2: V"}
		}
		return errUnsupportedLetter{c}
	}
	if strings.IndexByte(unsupportedLetters, c) >= 0 {
		return errUnsupportedLetter{c}
	}
	max := 0
	switch c {
	case 'd', 'h', 'H', 'k', 'K', 'm', 's':
		max = 2
	case 'D':
		max = 3
	case 'a':
		max = 1
	case 'M', 'L', 'Q', 'q', 'E', 'G', 'X', 'x', 'Z':
		max = 5
	case 'S', 'n', 'N', 'A':
		max = 9
		if c != 'S' {
			max = 19
		}
	case 'u', 'y':
		max = 19
	case 'O':
		if count != 1 && count != 4 {
			return errBadPattern{"pattern letter count must be 1 or 4: O"}
		}
		return nil
	default:
		return errBadPattern{fmt.Sprintf("unknown pattern letter '%c'", c)}
	}
	if count > max {
		return errBadPattern{fmt.Sprintf("too many pattern letters: %c", c)}
	}
	return nil
}

var (
	monthNames = [...]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}
	dayNames    = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	quarterName = [...]string{"1st quarter", "2nd quarter", "3rd quarter", "4th quarter"}
)

// appendTo formats t (converted to UTC) onto dst.
func (f *timeFormat) appendTo(dst []byte, t time.Time) []byte {
	t = t.UTC()
	for _, it := range f.items {
		if it.letter == 0 {
			dst = append(dst, it.lit...)
			continue
		}
		start := len(dst)
		dst = appendField(dst, it.letter, it.count, t)
		if n := len(dst) - start; it.pad > n {
			fill := it.pad - n
			dst = append(dst, make([]byte, fill)...)
			copy(dst[start+fill:], dst[start:start+n])
			for i := start; i < start+fill; i++ {
				dst[i] = ' '
			}
		}
	}
	return dst
}

// format is appendTo into a new string.
func (f *timeFormat) format(t time.Time) string { return string(f.appendTo(nil, t)) }

func appendNum(dst []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendText renders a text field: counts 1-3 short, 4 full, 5 narrow.
func appendText(dst []byte, full string, count int) []byte {
	switch {
	case count == 4:
		return append(dst, full...)
	case count == 5:
		return append(dst, full[:1]...)
	default:
		return append(dst, full[:3]...)
	}
}

func appendField(dst []byte, c byte, count int, t time.Time) []byte {
	switch c {
	case 'G':
		era, full := "AD", "Anno Domini"
		if t.Year() <= 0 {
			era, full = "BC", "Before Christ"
		}
		switch count {
		case 4:
			return append(dst, full...)
		case 5:
			return append(dst, era[:1]...)
		}
		return append(dst, era...)
	case 'u', 'y':
		y := int64(t.Year())
		if c == 'y' && y <= 0 {
			y = 1 - y // year of era
		}
		if count == 2 {
			return appendNum(dst, ((y%100)+100)%100, 2)
		}
		if count >= 4 && y > 9999 {
			dst = append(dst, '+') // SignStyle.EXCEEDS_PAD
		}
		return appendNum(dst, y, count)
	case 'M', 'L':
		m := int(t.Month())
		if count >= 3 {
			return appendText(dst, monthNames[m-1], count)
		}
		return appendNum(dst, int64(m), count)
	case 'd':
		return appendNum(dst, int64(t.Day()), count)
	case 'D':
		return appendNum(dst, int64(t.YearDay()), count)
	case 'Q', 'q':
		q := (int(t.Month())-1)/3 + 1
		switch count {
		case 3:
			return append(append(dst, 'Q'), byte('0'+q))
		case 4:
			return append(dst, quarterName[q-1]...)
		case 5:
			return appendNum(dst, int64(q), 1)
		}
		return appendNum(dst, int64(q), count)
	case 'E':
		return appendText(dst, dayNames[t.Weekday()], count)
	case 'a':
		if t.Hour() < 12 {
			return append(dst, "AM"...)
		}
		return append(dst, "PM"...)
	case 'H':
		return appendNum(dst, int64(t.Hour()), count)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return appendNum(dst, int64(h), count)
	case 'K':
		return appendNum(dst, int64(t.Hour()%12), count)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return appendNum(dst, int64(h), count)
	case 'm':
		return appendNum(dst, int64(t.Minute()), count)
	case 's':
		return appendNum(dst, int64(t.Second()), count)
	case 'S':
		frac := fmt.Sprintf("%09d", t.Nanosecond())
		return append(dst, frac[:count]...)
	case 'n':
		return appendNum(dst, int64(t.Nanosecond()), count)
	case 'N', 'A':
		h, m, s := t.Clock()
		nod := (int64(h)*3600+int64(m)*60+int64(s))*1e9 + int64(t.Nanosecond())
		if c == 'A' {
			nod /= 1e6
		}
		return appendNum(dst, nod, count)
	case 'O':
		return append(dst, "GMT"...)
	case 'X':
		return append(dst, 'Z')
	case 'x':
		switch count {
		case 1:
			return append(dst, "+00"...)
		case 2, 4:
			return append(dst, "+0000"...)
		}
		return append(dst, "+00:00"...)
	case 'Z':
		switch count {
		case 4:
			return append(dst, "GMT"...)
		case 5:
			return append(dst, 'Z')
		}
		return append(dst, "+0000"...)
	}
	return dst
}
