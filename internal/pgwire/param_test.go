package pgwire

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestTimeParamsWithoutSeconds: Postgres reads timestamps and dates with
// hours and minutes only; so must rheo.
func TestTimeParamsWithoutSeconds(t *testing.T) {
	for _, c := range []struct {
		oid  uint32
		in   string
		want time.Time
	}{
		{OIDTimestamp, "2025-03-01 23:00", time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)},
		{OIDTimestamp, "2025-03-01T23:00", time.Date(2025, 3, 1, 23, 0, 0, 0, time.UTC)},
		{OIDTimestamptz, "2025-03-01 23:00+02", time.Date(2025, 3, 1, 21, 0, 0, 0, time.UTC)},
		{OIDTimestamptz, "2025-03-01 23:00:00+02:00", time.Date(2025, 3, 1, 21, 0, 0, 0, time.UTC)},
		{OIDDate, "2025-03-01 23:00", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
	} {
		v, err := decodeTextParam(c.oid, c.in, nil)
		if err != nil {
			t.Errorf("%d %q: %v", c.oid, c.in, err)
			continue
		}
		if got, ok := v.(time.Time); !ok || !got.Equal(c.want) {
			t.Errorf("%d %q = %v, want %v", c.oid, c.in, v, c.want)
		}
	}
	for _, in := range []string{"23:00", "23:00:00", "23:00:00.5"} {
		if _, err := decodeTextParam(OIDTime, in, nil); err != nil {
			t.Errorf("time %q: %v", in, err)
		}
	}
}

// TestBinaryIntervalParam: pgx sends pgtype.Interval in Postgres's binary
// form (int64 microseconds, int32 days, int32 months).
func TestBinaryIntervalParam(t *testing.T) {
	micros, days, months := int64(-3723500000), int32(3), int32(-14)
	b := binary.BigEndian.AppendUint64(nil, uint64(micros))
	b = binary.BigEndian.AppendUint32(b, uint32(days))
	b = binary.BigEndian.AppendUint32(b, uint32(months))
	v, err := decodeParam(OIDInterval, 1, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v != "-14 months 3 days -3723500000 microseconds" {
		t.Errorf("interval = %#v", v)
	}
	if _, err := decodeParam(OIDInterval, 1, b[:15], nil); err == nil {
		t.Error("15 bytes accepted")
	}
}

// TestTimestampParamSpacedOffset: Sequelize binds its dates as
// "2026-11-22 19:58:53.001 +00:00", with a space before the offset, which
// Postgres reads for timestamptz (applying the offset) and for timestamp
// (ignoring it, as it ignores any offset given for a timestamp).
func TestTimestampParamSpacedOffset(t *testing.T) {
	for _, c := range []struct {
		oid  uint32
		in   string
		want time.Time
	}{
		{OIDTimestamptz, "2026-11-22 19:58:53.001 +00:00", time.Date(2026, 11, 22, 19, 58, 53, 1e6, time.UTC)},
		{OIDTimestamptz, "2026-11-22 19:58:53.001 +02:00", time.Date(2026, 11, 22, 17, 58, 53, 1e6, time.UTC)},
		{OIDTimestamptz, "2026-11-22 19:58:53 -0530", time.Date(2026, 11, 23, 1, 28, 53, 0, time.UTC)},
		{OIDTimestamptz, "2026-11-22 19:58 +5", time.Date(2026, 11, 22, 14, 58, 0, 0, time.UTC)},
		{OIDTimestamptz, "2026-11-22 19:58:53 UTC", time.Date(2026, 11, 22, 19, 58, 53, 0, time.UTC)},
		{OIDTimestamptz, "2026-11-22T19:58:53Z", time.Date(2026, 11, 22, 19, 58, 53, 0, time.UTC)},
		{OIDTimestamp, "2026-11-22 19:58:53.001 +00:00", time.Date(2026, 11, 22, 19, 58, 53, 1e6, time.UTC)},
		{OIDTimestamp, "2026-11-22 19:58:53.001 +02:00", time.Date(2026, 11, 22, 19, 58, 53, 1e6, time.UTC)},
		{OIDTimestamp, "2026-11-22 19:58:53+02", time.Date(2026, 11, 22, 19, 58, 53, 0, time.UTC)},
		{OIDTimestamp, "0044-03-15 10:00:00 +01 BC", time.Date(-43, 3, 15, 10, 0, 0, 0, time.UTC)},
	} {
		v, err := decodeTextParam(c.oid, c.in, nil)
		if err != nil {
			t.Errorf("%d %q: %v", c.oid, c.in, err)
			continue
		}
		if got, ok := v.(time.Time); !ok || !got.Equal(c.want) {
			t.Errorf("%d %q = %v, want %v", c.oid, c.in, v, c.want)
		}
	}
	for _, in := range []string{"2026-11-22 19:58:53 +", "2026-11-22 19:58:53 CEST x"} {
		if v, err := decodeTextParam(OIDTimestamptz, in, nil); err == nil {
			t.Errorf("%q accepted: %v", in, v)
		}
	}
}
