package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bind parameters: Postgres text and binary forms read into the Go values
// the engine takes.

// decodeParam turns one Bind parameter into the Go value passed to the
// engine. oid is the parameter's type (0 when neither client nor engine
// knows it); format is 0 (text) or 1 (binary); loc is the session's
// TimeZone (nil: UTC), in which a text timestamptz without an offset is
// read.
func decodeParam(oid uint32, format int16, b []byte, loc *time.Location) (any, error) {
	if b == nil {
		return nil, nil
	}
	if elem, ok := arrayElem(oid); ok && (format == 0 || format == 1) {
		return decodeArrayParam(elem, format, b, loc)
	}
	if format == 0 {
		return decodeTextParam(oid, string(b), loc)
	}
	if format != 1 {
		return nil, fmt.Errorf("unsupported format code: %d", format)
	}
	need := func(n int) error {
		if len(b) != n {
			return fmt.Errorf("incorrect binary data format: %d bytes for type OID %d, want %d", len(b), oid, n)
		}
		return nil
	}
	switch oid {
	case OIDBool:
		if err := need(1); err != nil {
			return nil, err
		}
		return b[0] != 0, nil
	case OIDInt2:
		if err := need(2); err != nil {
			return nil, err
		}
		return int16(binary.BigEndian.Uint16(b)), nil
	case OIDInt4:
		if err := need(4); err != nil {
			return nil, err
		}
		return int32(binary.BigEndian.Uint32(b)), nil
	case OIDInt8:
		if err := need(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case OIDFloat4:
		if err := need(4); err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
	case OIDFloat8:
		if err := need(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case OIDBytea:
		return slices.Clone(b), nil
	case OIDText, OIDVarchar, OIDUnknown, OIDJSON, 0:
		return string(b), nil
	case OIDJSONB:
		if len(b) == 0 || b[0] != 1 {
			return nil, errors.New("unsupported jsonb version")
		}
		return string(b[1:]), nil
	case OIDDate:
		if err := need(4); err != nil {
			return nil, err
		}
		switch d := int32(binary.BigEndian.Uint32(b)); d {
		case math.MaxInt32:
			return dateInf, nil
		case math.MinInt32:
			return dateNegInf, nil
		default:
			return pgEpoch.AddDate(0, 0, int(d)), nil
		}
	case OIDTime:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(b))
		return time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(us) * time.Microsecond), nil
	case OIDTimestamp, OIDTimestamptz:
		if err := need(8); err != nil {
			return nil, err
		}
		switch us := int64(binary.BigEndian.Uint64(b)); us {
		case math.MaxInt64:
			return "infinity", nil // duckdb-go binds no time past year 294246
		case math.MinInt64:
			return "-infinity", nil
		default:
			return time.Unix(pgEpoch.Unix()+us/1e6, (us%1e6)*1000).UTC(), nil
		}
	case OIDInterval:
		if err := need(16); err != nil {
			return nil, err
		}
		// In units the engine parses exactly (its cast of Postgres's
		// text form fails on signs such as "-1 years -2 mons").
		return fmt.Sprintf("%d months %d days %d microseconds", int32(binary.BigEndian.Uint32(b[12:])),
			int32(binary.BigEndian.Uint32(b[8:12])), int64(binary.BigEndian.Uint64(b[:8]))), nil
	case OIDNumeric:
		return decodeNumeric(b)
	case OIDUUID:
		if err := need(16); err != nil {
			return nil, err
		}
		return string(appendUUID(nil, b)), nil
	}
	return nil, fmt.Errorf("binary format for parameters of type OID %d is not supported; send it as text", oid)
}

// decodeTextParam parses a text-format parameter of type oid. A
// timestamptz without an offset is a wall-clock time in loc (nil: UTC),
// the session's TimeZone, as Postgres reads it.
func decodeTextParam(oid uint32, s string, loc *time.Location) (any, error) {
	bad := func(typ string) error {
		return &Error{Code: codeInvalidTextRep, Message: fmt.Sprintf("invalid input syntax for type %s: %q", typ, s)}
	}
	switch oid {
	case OIDBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "y", "yes", "on", "1":
			return true, nil
		case "f", "false", "n", "no", "off", "0":
			return false, nil
		}
		return nil, bad("boolean")
	case OIDInt2, OIDInt4, OIDInt8:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, bad("integer")
		}
		return n, nil
	case OIDFloat4, OIDFloat8:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "infinity", "+infinity", "inf":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		case "nan":
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, bad("double precision")
		}
		return f, nil
	case OIDBytea:
		if h, ok := strings.CutPrefix(s, `\x`); ok {
			b, err := hex.DecodeString(h)
			if err != nil {
				return nil, bad("bytea")
			}
			return b, nil
		}
		return []byte(s), nil
	case OIDDate, OIDTimestamp, OIDTimestamptz:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "infinity", "+infinity":
			if oid == OIDDate {
				return dateInf, nil
			}
			return "infinity", nil // as in binary
		case "-infinity":
			if oid == OIDDate {
				return dateNegInf, nil
			}
			return "-infinity", nil
		}
	}
	switch oid {
	case OIDDate:
		t, err := parseDate(s)
		if err != nil {
			return nil, bad("date")
		}
		return t, nil
	case OIDTimestamp:
		// Postgres ignores an offset given for a timestamp without time
		// zone: '10:00+02' is 10:00 (pgjdbc sends its timestamps so).
		t, err := parseTimestampIn(s, time.UTC)
		if err != nil {
			return nil, bad("timestamp")
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
	case OIDTimestamptz:
		if loc == nil {
			loc = time.UTC
		}
		t, err := parseTimestamp(s, loc)
		if err != nil {
			return nil, bad("timestamp with time zone")
		}
		return t, nil
	}
	return s, nil
}

// parseDate accepts a date, and as Postgres does a date followed by a
// time or a time zone, which are ignored: JDBC's setDate sends
// "2024-02-29 +02", pgx without a known type "2024-02-29 00:00:00Z".
func parseDate(s string) (time.Time, error) {
	s, bc := cutBC(s)
	d, rest, cut := strings.Cut(s, " ")
	if !cut {
		d, rest, _ = strings.Cut(s, "T")
	}
	t, err := time.Parse(layoutDate, d)
	if err != nil {
		return time.Time{}, err
	}
	if bc {
		t = yearBC(t)
	}
	if rest = strings.TrimSpace(rest); rest != "" && rest != "Z" && !reZone.MatchString(rest) {
		if _, err := parseTimestamp("2000-01-01 "+rest, time.UTC); err != nil {
			return time.Time{}, fmt.Errorf("invalid date %q", s)
		}
	}
	return t, nil
}

// reZone matches a numeric time zone: +02, -05:30, +0530.
var reZone = regexp.MustCompile(`^[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?$`)

// parseTimestamp accepts the forms drivers send for timestamps, and those
// people type (seconds left out); one without an offset is read in loc.
// The result is in UTC.
func parseTimestamp(s string, loc *time.Location) (time.Time, error) {
	t, err := parseTimestampIn(s, loc)
	return t.UTC(), err
}

// reSpacedZone matches a timestamp whose offset follows a space, as
// Sequelize writes them ("2026-11-22 19:58:53.001 +00:00"), and Postgres
// reads them: the offset is [2], the rest [1].
var reSpacedZone = regexp.MustCompile(`^(\d+-\d+-\d+[ T]\d+:\d+(?::\d+(?:\.\d*)?)?)\s+([+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|[Zz]|UTC|GMT)$`)

// parseTimestampIn is parseTimestamp with the result in the offset the
// text gives (loc when it gives none).
func parseTimestampIn(s string, loc *time.Location) (time.Time, error) {
	s, bc := cutBC(s)
	if m := reSpacedZone.FindStringSubmatch(s); m != nil {
		s = m[1] + zoneOffset(m[2])
	}
	for _, l := range []string{
		"2006-01-02 15:04:05.999999999Z07:00:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07",
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", layoutDate,
		// Seconds are optional in Postgres.
		"2006-01-02 15:04Z07:00", "2006-01-02 15:04Z07", "2006-01-02T15:04Z07:00", "2006-01-02 15:04", "2006-01-02T15:04",
	} {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			if bc {
				t = yearBC(t)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

// zoneOffset writes a zone reSpacedZone matched as the layouts of
// parseTimestampIn read it: "+0530" as "+05:30", UTC and GMT as Z.
func zoneOffset(z string) string {
	switch strings.ToUpper(z) {
	case "Z", "UTC", "GMT":
		return "Z"
	}
	sign, digits := z[:1], strings.ReplaceAll(z[1:], ":", "")
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	out := sign + digits[:2]
	for i := 2; i < len(digits); i += 2 {
		out += ":" + digits[i:i+2]
	}
	return out
}

// cutBC trims s and the " BC" that ends a date or timestamp before year
// 1 in Postgres's text ("0044-03-15 BC", "0044-03-15 10:00:00+00 BC").
func cutBC(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if n := len(s) - len(" BC"); n > 0 && strings.EqualFold(s[n:], " BC") {
		return strings.TrimSpace(s[:n]), true
	}
	return s, false
}

// yearBC moves t from year y AD to year y BC (year 1-y, as Go counts
// them: 1 BC is year 0).
func yearBC(t time.Time) time.Time {
	return time.Date(1-t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}
