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

// A session's SET stays in the session, as in Postgres: DuckDB applies an
// unscoped SET of options such as default_order to the whole database.
// Options DuckDB keeps only database-wide are refused.
func TestSetStaysInSession(t *testing.T) {
	e := newEnv(t, envOpt{})
	a, b := e.session(), e.session()
	exec(t, a, "SET default_order = 'desc'")
	exec(t, a, "PRAGMA default_null_order = 'nulls_first'")
	exec(t, a, "SET TIME ZONE 'Asia/Tokyo'")
	if got := one(t, a, "SELECT current_setting('default_order'), current_setting('default_null_order'), current_setting('TimeZone')"); got != "DESC|NULLS_FIRST|Asia/Tokyo" {
		t.Errorf("session a: %s", got)
	}
	if got := one(t, b, "SELECT current_setting('default_order'), current_setting('default_null_order'), current_setting('TimeZone') != 'Asia/Tokyo'"); got != "ASCENDING|NULLS_LAST|true" {
		t.Errorf("session b sees a's settings: %s", got)
	}
	if got := one(t, a, "SELECT string_agg(x::VARCHAR, ',') FROM (SELECT x FROM range(3) r(x) ORDER BY x)"); got != "2,1,0" {
		t.Errorf("ORDER BY in a: %s", got)
	}
	if got := one(t, b, "SELECT string_agg(x::VARCHAR, ',') FROM (SELECT x FROM range(3) r(x) ORDER BY x)"); got != "0,1,2" {
		t.Errorf("ORDER BY in b: %s", got)
	}
	for _, q := range []string{"SET threads = 1", "SET memory_limit = '1MB'", "PRAGMA threads = 1", "PRAGMA threads(1)",
		"RESET threads", "SET GLOBAL default_order = 'desc'"} {
		_, err := a.Query(context.Background(), q)
		if err == nil || sqlErr(t, err).Code != CodePrivilege {
			t.Errorf("%s: %v, want %s", q, err, CodePrivilege)
		}
	}
	if got := one(t, b, "SELECT current_setting('threads') = 2, current_setting('default_order')"); got != "true|ASCENDING" {
		t.Errorf("database-wide settings after refused SETs: %s", got)
	}
	exec(t, a, "RESET ALL")
	if got := one(t, a, "SELECT current_setting('default_order'), current_setting('default_null_order')"); got != "ASCENDING|NULLS_LAST" {
		t.Errorf("session a after RESET ALL: %s", got)
	}
	// PRAGMAs that are not settings still run.
	exec(t, a, "CREATE TABLE pt (x INT)")
	if got := one(t, a, "SELECT count(*) FROM pragma_table_info('pt')"); got != "1" {
		t.Errorf("pragma_table_info: %s", got)
	}
	exec(t, a, "PRAGMA table_info('pt')")
}
