package wire

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Timestamp is a point in time in the AWS JSON 1.1 encoding: a JSON number
// of seconds since the Unix epoch with a fractional part (millisecond
// precision). SDKs send numbers; a quoted number or an RFC 3339 string is
// accepted too because hand-written clients send them.
//
// In CBOR 1.1 (the Java SDK's and the KPL's default) a timestamp is CBOR
// tag 1 around an integer of MILLISECONDS since the epoch: AWS departs from
// RFC 8949, which says seconds, and its SDKs both send and expect
// milliseconds (aws-sdk-java-v2 issues #184 and #4661).
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

// cborTagEpoch is the CBOR tag of epoch-based date/time.
const cborTagEpoch = 1

// maxTimestampMillis bounds accepted timestamps, as UnmarshalJSON does.
const maxTimestampMillis = 1e16

// MarshalCBOR encodes the time as AWS CBOR does: tag 1 around integer
// epoch milliseconds.
func (t Timestamp) MarshalCBOR() ([]byte, error) {
	return t.AppendCBOR(make([]byte, 0, 10)), nil
}

// AppendCBOR appends the CBOR encoding (tag 1, integer milliseconds) to
// dst without allocating.
func (t Timestamp) AppendCBOR(dst []byte) []byte {
	dst = append(dst, 0xc0|cborTagEpoch)
	ms := t.UnixMilli()
	if ms >= 0 {
		return AppendCBORHead(dst, 0, uint64(ms))
	}
	return AppendCBORHead(dst, 1, uint64(-1-ms))
}

// AppendCBORHead appends a CBOR data item head of the given major type and
// argument, in the shortest form; the server's hand-written CBOR encoders
// share it.
func AppendCBORHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= math.MaxUint8:
		return append(dst, m|24, byte(n))
	case n <= math.MaxUint16:
		return append(dst, m|25, byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return append(dst, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// UnmarshalCBOR accepts what AWS CBOR clients send: an integer or float of
// epoch milliseconds, tagged 1 or untagged; an RFC 3339 text string is
// accepted too. null leaves t unchanged.
func (t *Timestamp) UnmarshalCBOR(b []byte) error {
	if len(b) > 0 && b[0] == 0xc0|cborTagEpoch {
		b = b[1:]
	}
	if len(b) == 1 && (b[0] == 0xf6 || b[0] == 0xf7) { // null, undefined
		return nil
	}
	var v any
	if err := cbor.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("wire: invalid CBOR timestamp: %w", err)
	}
	var ms float64
	switch x := v.(type) {
	case uint64:
		ms = float64(x)
	case int64:
		ms = float64(x)
	case float64:
		ms = x
	case string:
		ts, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return fmt.Errorf("wire: invalid CBOR timestamp %q", x)
		}
		t.Time = ts
		return nil
	default:
		return fmt.Errorf("wire: invalid CBOR timestamp of type %T", v)
	}
	if math.IsNaN(ms) || math.Abs(ms) > maxTimestampMillis {
		return fmt.Errorf("wire: CBOR timestamp %v out of range", ms)
	}
	t.Time = time.UnixMilli(int64(math.Round(ms)))
	return nil
}
