package sqlengine

import (
	"context"
	"testing"
)

// TestSessionReset: the statements connection pools send between clients
// (RESET ALL, DISCARD ALL, DEALLOCATE ALL) succeed and undo what the
// session changed: DuckDB settings, checkpoint settings, prepared
// statements and temporary objects.
func TestSessionReset(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "SET TimeZone = 'Europe/Paris'")
	exec(t, s, "SET kinesis.checkpoint.enabled = true")
	if r := exec(t, s, "RESET ALL"); r.Tag() != "RESET" {
		t.Errorf("RESET ALL tag %q", r.Tag())
	}
	if got := one(t, s, "SELECT current_setting('TimeZone')"); got == "Europe/Paris" {
		t.Errorf("TimeZone after RESET ALL = %s", got)
	}
	if s.ckptEnabled {
		t.Error("checkpointing still on after RESET ALL")
	}

	exec(t, s, "SET TIME ZONE 'Asia/Tokyo'")
	exec(t, s, "PREPARE p1 AS SELECT 1")
	exec(t, s, "CREATE TEMP TABLE tt (a INT)")
	exec(t, s, "CREATE TEMP VIEW tv AS SELECT 1")
	exec(t, s, "CREATE TEMP MACRO tm(x) AS x + 1")
	exec(t, s, "CREATE TABLE kept (a INT)")
	for _, q := range []string{"DISCARD PLANS", "DISCARD SEQUENCES"} {
		if r := exec(t, s, q); r.Tag() != q {
			t.Errorf("%s tag %q", q, r.Tag())
		}
	}
	if r := exec(t, s, "DISCARD ALL"); r.Tag() != "DISCARD ALL" {
		t.Errorf("DISCARD ALL tag %q", r.Tag())
	}
	if got := one(t, s, "SELECT current_setting('TimeZone')"); got == "Asia/Tokyo" {
		t.Errorf("TimeZone after DISCARD ALL = %s", got)
	}
	for _, q := range []string{"EXECUTE p1", "SELECT * FROM tt", "SELECT * FROM tv", "SELECT tm(1)"} {
		if _, err := tryRows(s, q); err == nil {
			t.Errorf("%s works after DISCARD ALL", q)
		}
	}
	if got := one(t, s, "SELECT count(*) FROM kept"); got != "0" {
		t.Errorf("kept: %s", got)
	}

	exec(t, s, "PREPARE p2 AS SELECT 2")
	if r := exec(t, s, "DEALLOCATE ALL"); r.Tag() != "DEALLOCATE ALL" {
		t.Errorf("DEALLOCATE ALL tag %q", r.Tag())
	}
	if _, err := tryRows(s, "EXECUTE p2"); err == nil {
		t.Error("EXECUTE p2 works after DEALLOCATE ALL")
	}
	for _, q := range []string{"RESET ALL", "DISCARD ALL", "DEALLOCATE PREPARE ALL", "DISCARD TEMP"} {
		d, err := s.Describe(context.Background(), q)
		if err != nil || d.Columns != nil {
			t.Errorf("Describe(%s) = %+v, %v", q, d, err)
		}
	}
}
