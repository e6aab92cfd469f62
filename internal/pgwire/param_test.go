package pgwire

import (
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
		v, err := decodeTextParam(c.oid, c.in)
		if err != nil {
			t.Errorf("%d %q: %v", c.oid, c.in, err)
			continue
		}
		if got, ok := v.(time.Time); !ok || !got.Equal(c.want) {
			t.Errorf("%d %q = %v, want %v", c.oid, c.in, v, c.want)
		}
	}
	for _, in := range []string{"23:00", "23:00:00", "23:00:00.5"} {
		if _, err := decodeTextParam(OIDTime, in); err != nil {
			t.Errorf("time %q: %v", in, err)
		}
	}
}
