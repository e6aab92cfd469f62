package pgwire

import (
	"math"
	"strconv"
	"time"
)

// Infinite and BC dates and timestamps. DuckDB has 'infinity' and
// '-infinity' dates and timestamps as Postgres does; they reach pgwire as
// the times their largest and smallest day or microsecond counts name
// (year 5881580, 294247, ...), which Postgres prints as infinity and
// -infinity and sends in binary as the largest and smallest int32 (date)
// or int64 (timestamp). Years before 1 are years BC, which Postgres
// prints as "0044-03-15 BC", not "-0043-03-15", the form drivers refuse.

var (
	dateInf      = time.Date(5881580, 7, 11, 0, 0, 0, 0, time.UTC)
	dateNegInf   = time.Date(-5877641, 6, 24, 0, 0, 0, 0, time.UTC)
	tsInf        = time.UnixMicro(math.MaxInt64).UTC()
	tsNegInf     = time.UnixMicro(-math.MaxInt64).UTC()
	tsNanoInf    = time.Unix(0, math.MaxInt64).UTC() // TIMESTAMP_NS
	tsNanoNegInf = time.Unix(0, -math.MaxInt64).UTC()
)

// infinity is 1 for a DuckDB infinity, -1 for -infinity, else 0.
func infinity(t time.Time) int {
	if y := t.Year(); y > 0 && y < 2262 {
		return 0
	}
	switch {
	case t.Equal(dateInf), t.Equal(tsInf), t.Equal(tsNanoInf):
		return 1
	case t.Equal(dateNegInf), t.Equal(tsNegInf), t.Equal(tsNanoNegInf):
		return -1
	}
	return 0
}

// appendInfinity appends Postgres's text of an infinite t; ok is false
// when t is finite.
func appendInfinity(dst []byte, t time.Time) ([]byte, bool) {
	switch infinity(t) {
	case 1:
		return append(dst, "infinity"...), true
	case -1:
		return append(dst, "-infinity"...), true
	}
	return dst, false
}

// appendTimeText appends t in layout (which starts with the year, as
// Postgres's ISO forms do), years before 1 as Postgres writes them: the
// year BC, then " BC" after the rest (zone included, which zone appends).
func appendTimeText(dst []byte, t time.Time, layout string, zone func([]byte) []byte) []byte {
	if out, ok := appendInfinity(dst, t); ok {
		return out
	}
	bc := t.Year() <= 0
	if !bc {
		dst = t.AppendFormat(dst, layout)
	} else {
		y := 1 - t.Year()
		for n := 1000; n > 1 && y < n; n /= 10 {
			dst = append(dst, '0')
		}
		dst = strconv.AppendInt(dst, int64(y), 10)
		dst = t.AppendFormat(dst, layout[len("2006"):])
	}
	if zone != nil {
		dst = zone(dst)
	}
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}
