package objkey

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeFormat is a compiled java.time.format.DateTimeFormatter pattern, the
// language of !{timestamp:...}. Firehose formats with the default locale of
// its JVM (en_US) in the CustomTimeZone, which rheo accepts only as "UTC"
// (the ZoneId UTC, not the offset Z), so every field, including the
// locale's week fields and the zone names, has one fixed rendering: the one
// DateTimeFormatter.ofPattern(p, Locale.US).withZone(ZoneId.of("UTC"))
// gives on Java 17 (pinned by testdata/java_us_utc.tsv).
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

// awsRejectedLetters are the ASCII letters the service rejects when used in
// a timestamp pattern: the letters java.time reserves, plus 'V' (valid only
// as "VV") and a lone pad modifier 'p'.
const awsRejectedLetters = "CIJPRTUbfijlort"

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
	// Letters valid only at some exact widths.
	exact := ""
	switch c {
	case 'V':
		exact = "2"
	case 'O', 'v':
		exact = "14"
	case 'B':
		exact = "145"
	case 'c':
		exact = "1345"
	case 'F', 'W':
		exact = "1"
	}
	if exact != "" {
		if count > 9 || strings.IndexByte(exact, byte('0'+count)) < 0 {
			return errBadPattern{fmt.Sprintf("invalid pattern letter count %d: %c", count, c)}
		}
		return nil
	}
	max := 0
	switch c {
	case 'd', 'h', 'H', 'k', 'K', 'm', 's', 'w':
		max = 2
	case 'D':
		max = 3
	case 'a':
		max = 1
	case 'z':
		max = 4
	case 'M', 'L', 'Q', 'q', 'E', 'e', 'G', 'X', 'x', 'Z':
		max = 5
	case 'S':
		max = 9
	case 'n', 'N', 'A', 'u', 'y', 'Y', 'g':
		max = 19
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
	case 'u', 'y', 'Y':
		y := int64(t.Year())
		switch c {
		case 'y':
			if y <= 0 {
				y = 1 - y // year of era
			}
		case 'Y':
			y = int64(weekBasedYear(t))
		}
		if count == 2 {
			return appendNum(dst, ((y%100)+100)%100, 2)
		}
		if count >= 4 && count < 19 && y >= pow10(count) {
			dst = append(dst, '+') // SignStyle.EXCEEDS_PAD
		}
		return appendNum(dst, y, count)
	case 'w':
		return appendNum(dst, int64(weekOfWeekBasedYear(t)), count)
	case 'W':
		dow := localDayOfWeek(t)
		return appendNum(dst, int64(computeWeek(startOfWeekOffset(t.Day(), dow), t.Day())), count)
	case 'e', 'c':
		if count >= 3 {
			return appendText(dst, dayNames[t.Weekday()], count)
		}
		return appendNum(dst, int64(localDayOfWeek(t)), count)
	case 'F':
		// Java 8-19 map F to ALIGNED_DAY_OF_WEEK_IN_MONTH (JDK-8169833).
		return appendNum(dst, int64((t.Day()-1)%7+1), count)
	case 'g':
		return appendNum(dst, mjd(t), count)
	case 'B':
		p := dayPeriod(t.Hour()*60 + t.Minute())
		if count == 5 {
			switch p {
			case "midnight":
				p = "mi"
			case "noon":
				p = "n"
			}
		}
		return append(dst, p...)
	case 'z', 'v', 'V':
		if count == 4 {
			return append(dst, "Coordinated Universal Time"...)
		}
		return append(dst, "UTC"...)
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

// The week fields follow WeekFields.of(Locale.US): weeks start on Sunday and
// week 1 is the one holding January 1 (minimal days 1). The arithmetic is
// WeekFields.ComputedDayOfField's, kept general in minDays so it can be
// compared with the JDK source.
const weekMinDays = 1

// localDayOfWeek is the localized day of week, Sunday = 1.
func localDayOfWeek(t time.Time) int { return int(t.Weekday()) + 1 }

// startOfWeekOffset is the offset from day 1 of a month or year to the
// first day of its week 1, given that day is localized weekday dow.
func startOfWeekOffset(day, dow int) int {
	weekStart := ((day-dow)%7 + 7) % 7
	offset := -weekStart
	if weekStart+1 > weekMinDays {
		offset = 7 - weekStart // the first, partial week is week 0
	}
	return offset
}

func computeWeek(offset, day int) int { return (7 + offset + (day - 1)) / 7 }

// weekBased returns the week-based year and week of t.
func weekBased(t time.Time) (year, week int) {
	doy := t.YearDay()
	offset := startOfWeekOffset(doy, localDayOfWeek(t))
	week = computeWeek(offset, doy)
	if week == 0 {
		// The last week of the previous year.
		return weekBased(t.AddDate(0, 0, -doy))
	}
	yearLen := time.Date(t.Year(), time.December, 31, 0, 0, 0, 0, time.UTC).YearDay()
	if newYearWeek := computeWeek(offset, yearLen+weekMinDays); week >= newYearWeek {
		return t.Year() + 1, week - newYearWeek + 1
	}
	return t.Year(), week
}

func weekBasedYear(t time.Time) int {
	y, _ := weekBased(t)
	return y
}

func weekOfWeekBasedYear(t time.Time) int {
	_, w := weekBased(t)
	return w
}

// mjd is the modified Julian day of t's date (1858-11-17 is day 0).
func mjd(t time.Time) int64 {
	days := t.Unix() / 86400
	if t.Unix() < 0 && t.Unix()%86400 != 0 {
		days-- // floor for dates before 1970
	}
	return days + 40587
}

// dayPeriod is the en_US CLDR day period (pattern letter B) of a minute of
// the day: midnight and noon are the whole minute 00:00 and 12:00.
func dayPeriod(minute int) string {
	switch {
	case minute == 0:
		return "midnight"
	case minute == 12*60:
		return "noon"
	case minute < 6*60:
		return "at night"
	case minute < 12*60:
		return "in the morning"
	case minute < 18*60:
		return "in the afternoon"
	case minute < 21*60:
		return "in the evening"
	}
	return "at night"
}

func pow10(n int) int64 {
	v := int64(1)
	for ; n > 0; n-- {
		v *= 10
	}
	return v
}
