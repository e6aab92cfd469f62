package wire

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Timestamp is a point in time in the AWS JSON 1.1 encoding: a JSON number
// of seconds since the Unix epoch with a fractional part (millisecond
// precision). SDKs send numbers; a quoted number or an RFC 3339 string is
// accepted too because hand-written clients send them.
type Timestamp struct{ time.Time }

// MarshalJSON encodes the time as epoch seconds with millisecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(nil), nil
}

// AppendJSON appends the JSON encoding to dst without allocating.
func (t Timestamp) AppendJSON(dst []byte) []byte {
	ms := t.UnixMilli()
	dst = strconv.AppendInt(dst, ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		dst = append(dst, '.')
		dst = append(dst, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
		dst = bytes.TrimRight(dst, "0")
	}
	return dst
}

// UnmarshalJSON accepts a number of epoch seconds, the same quoted, or an
// RFC 3339 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
		if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.Time = ts
			return nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e13 {
		return fmt.Errorf("wire: invalid timestamp %q", b)
	}
	t.Time = time.UnixMilli(int64(math.Round(f * 1000)))
	return nil
}
