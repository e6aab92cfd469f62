package pgwire

import (
	"context"
	"regexp"
	"strconv"
	"time"

	// The engine knows every IANA zone wherever rheo runs; so must the
	// rendering of timestamptz values, even without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/jackc/pgx/v5/pgproto3"
)

// The session's TimeZone is the engine's setting (it decides what casts
// and date_trunc of a timestamptz mean); pgwire follows it to render
// timestamptz values in text, as Postgres does, and to report it to the
// client (ParameterStatus TimeZone) at start-up and whenever it changes.

// reTimeZone finds statements that may change the TimeZone (SET TimeZone,
// SET TIME ZONE, RESET, set_config's SET); RESET ALL and DISCARD ALL
// refresh it themselves.
var reTimeZone = regexp.MustCompile(`(?i)\btime\s*zone\b`)

// refreshTimeZone reads the engine's TimeZone; report sends it to the
// client if it changed. An engine that cannot tell keeps UTC.
func (c *conn) refreshTimeZone(ctx context.Context, report bool) {
	v, ok := c.engineTimeZone(ctx)
	if !ok || v == c.tz {
		return
	}
	c.tz = v
	c.loc = nil
	if loc, err := time.LoadLocation(v); err == nil && loc != time.UTC {
		c.loc = loc
	}
	if report {
		c.be.Send(&pgproto3.ParameterStatus{Name: "TimeZone", Value: v})
	}
}

// engineTimeZone asks the engine for its TimeZone setting.
func (c *conn) engineTimeZone(ctx context.Context) (string, bool) {
	v, err := c.sess.Setting(ctx, "TimeZone")
	return v, err == nil && v != ""
}

// appendValue appends a value's text form, timestamptz in the session's
// time zone.
func (c *conn) appendValue(dst []byte, oid uint32, v any) ([]byte, bool) {
	if elem, ok := arrayElem(oid); ok && v != nil {
		if out, ok := appendArrayText(dst, elem, v, c.appendValue); ok {
			return out, true
		}
	}
	if t, ok := v.(time.Time); ok && oid == OIDTimestamptz {
		return appendTimestamptz(dst, t, c.loc), true
	}
	return appendText(dst, oid, v)
}

// appendTimestamptz writes t in loc (nil: UTC) as Postgres does, with
// its offset (appendOffset).
func appendTimestamptz(dst []byte, t time.Time, loc *time.Location) []byte {
	if loc == nil {
		loc = time.UTC
	}
	if infinity(t) == 0 {
		t = t.In(loc)
	}
	return appendTimeText(dst, t, layoutTimestamp, func(dst []byte) []byte { return appendOffset(dst, t) })
}

// appendOffset appends t's offset from UTC as Postgres writes it: in
// hours, with minutes and seconds only when it has them (+01, +05:30,
// -03:30).
func appendOffset(dst []byte, t time.Time) []byte {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	two := func(dst []byte, n int) []byte {
		if n < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(n), 10)
	}
	dst = two(dst, off/3600)
	if off%3600 != 0 {
		dst = two(append(dst, ':'), off%3600/60)
		if off%60 != 0 {
			dst = two(append(dst, ':'), off%60)
		}
	}
	return dst
}
