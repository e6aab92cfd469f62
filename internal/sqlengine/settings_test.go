package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// TestSearchPathAndShow: Postgres's forms of SET search_path succeed
// (public is DuckDB's main; "$user" and missing schemas are skipped), and
// SHOW answers settings as Postgres does instead of describing a table.
func TestSearchPathAndShow(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE t (a INT)")
	exec(t, s, "CREATE SCHEMA other")
	exec(t, s, "CREATE TABLE other.o (b INT)")
	if got := one(t, s, "SHOW search_path"); got != `"$user", public` {
		t.Errorf("default search_path %q", got)
	}
	for _, c := range []struct{ set, show string }{
		{"SET search_path = public", "public"},
		{"SET search_path TO main, public", "main, public"},
		{`SET search_path TO "$user", public`, `"$user", public`},
		{"SET SESSION search_path TO 'public'", "public"},
		{"SET SCHEMA 'public'", "public"},
		{"SET search_path TO other, nope, public", "other, nope, public"},
	} {
		if r := exec(t, s, c.set); r.Tag() != "SET" {
			t.Errorf("%s: tag %q", c.set, r.Tag())
		}
		if got := one(t, s, "SHOW search_path"); got != c.show {
			t.Errorf("%s: SHOW search_path = %q, want %q", c.set, got, c.show)
		}
		if got := one(t, s, "SELECT count(*) FROM t"); got != "0" {
			t.Errorf("%s: t not found: %s", c.set, got)
		}
	}
	if got := one(t, s, "SELECT count(*) FROM o"); got != "0" { // other is on the path
		t.Errorf("o: %s", got)
	}
	exec(t, s, "RESET search_path")
	if got := one(t, s, "SHOW search_path"); got != `"$user", public` {
		t.Errorf("after RESET: %q", got)
	}
	if _, err := tryRows(s, "SELECT count(*) FROM o"); err == nil {
		t.Error("other still on the path after RESET")
	}

	exec(t, s, "SET TIME ZONE 'Europe/Paris'")
	for _, q := range []string{"SHOW TimeZone", "SHOW TIME ZONE", "show timezone;"} {
		r, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if cols := r.Columns(); len(cols) != 1 || cols[0].Name != "TimeZone" {
			t.Errorf("%s: columns %v", q, cols)
		}
		r.Close()
		if got := one(t, s, q); got != "Europe/Paris" {
			t.Errorf("%s = %q", q, got)
		}
	}
	if r := exec(t, s, "SHOW TimeZone"); r.Tag() != "SHOW" {
		t.Errorf("SHOW tag %q", r.Tag())
	}
	d, err := s.Describe(context.Background(), "SHOW TIME ZONE")
	if err != nil || len(d.Columns) != 1 || d.Columns[0].Name != "TimeZone" {
		t.Errorf("Describe(SHOW TIME ZONE) = %+v, %v", d, err)
	}
	// DuckDB's SHOW of a table still works.
	if got := rows(t, s, "SHOW t"); len(got) != 1 {
		t.Errorf("SHOW t: %v", got)
	}
	exec(t, s, "SET search_path = other")
	exec(t, s, "RESET ALL")
	if got := one(t, s, "SHOW search_path"); got != `"$user", public` {
		t.Errorf("after RESET ALL: %q", got)
	}
}

// TestCurrentSetting: current_setting in Postgres's forms, consistent with
// SET and SHOW.
func TestCurrentSetting(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "SET TimeZone = 'Asia/Tokyo'")
	exec(t, s, "SET search_path TO main, public")
	exec(t, s, "SET kinesis.checkpoint.logical.name = daily")
	for q, want := range map[string]string{
		"SELECT current_setting('TimeZone')":                        "Asia/Tokyo",
		"SELECT current_setting('timezone', false)":                 "Asia/Tokyo",
		"SELECT pg_catalog.current_setting('search_path')":          "main, public",
		"SELECT current_setting('kinesis.checkpoint.logical.name')": "daily",
		"SELECT current_setting('no.such', true) IS NULL":           "true",
		"SELECT coalesce(current_setting('nope', true), 'x')":       "x",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	for _, q := range []string{"SELECT current_setting('nope')", "SELECT current_setting('nope', false)"} {
		_, err := tryRows(s, q)
		if err == nil || sqlErr(t, err).Code != CodeUndefinedObject {
			t.Errorf("%s: %v, want 42704", q, err)
		}
	}
	d, err := s.Describe(context.Background(), "SELECT current_setting('TimeZone', true)")
	if err != nil || len(d.Columns) != 1 {
		t.Errorf("Describe: %+v, %v", d, err)
	}
}

// TestShowKinesisSetting: SHOW of a checkpoint setting gives the session's
// value, as SHOW does for other settings; DuckDB's parser cannot read the
// dotted name, so psql's "SHOW kinesis.checkpoint.iteration.no" failed
// with 42601.
func TestShowKinesisSetting(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "SET kinesis.checkpoint.enabled = true")
	exec(t, s, "SET kinesis.checkpoint.logical.name = TestLogicalName")
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 3")
	for q, want := range map[string]string{
		"SHOW kinesis.checkpoint.enabled":       "true",
		"SHOW kinesis.checkpoint.logical.name":  "TestLogicalName",
		"show KINESIS.Checkpoint.Iteration.No;": "3",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
		d, err := s.Describe(context.Background(), q)
		if err != nil || len(d.Columns) != 1 {
			t.Errorf("Describe %s: %+v, %v", q, d, err)
		}
	}
	exec(t, s, "RESET kinesis.checkpoint.iteration.no")
	if got := one(t, s, "SHOW kinesis.checkpoint.iteration.no"); got != "" {
		t.Errorf("iteration.no after RESET = %q, want empty", got)
	}
}

// TestKinesisSetDisplay: Hive's SET name (no value) shows "name=value";
// it used to fail with 22023 (invalid value ""). SHOW and current_setting of
// an ignored kinesis.* setting give the value the session keeps, and an
// unknown one is 42704 as in Postgres (SHOW was DuckDB's catalog error).
func TestKinesisSetDisplay(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "SET kinesis.checkpoint.iteration.no = 4")
	exec(t, s, "SET kinesis.iteration.timeout = 5")
	for q, want := range map[string]string{
		"SET kinesis.checkpoint.iteration.no;":                "kinesis.checkpoint.iteration.no=4",
		"set KINESIS.checkpoint.enabled":                      "KINESIS.checkpoint.enabled=false",
		"SET kinesis.checkpoint.logical.name":                 "kinesis.checkpoint.logical.name is undefined",
		"SET kinesis.iteration.timeout":                       "kinesis.iteration.timeout=5",
		"SET kinesis.nodata.timeout":                          "kinesis.nodata.timeout is undefined",
		"SHOW kinesis.iteration.timeout":                      "5",
		"SELECT current_setting('kinesis.iteration.timeout')": "5",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	d, err := s.Describe(context.Background(), "SET kinesis.checkpoint.iteration.no")
	if err != nil || len(d.Columns) != 1 {
		t.Errorf("Describe: %+v, %v", d, err)
	}
	for _, q := range []string{"SHOW kinesis.nodata.timeout", "SELECT current_setting('kinesis.nodata.timeout')"} {
		if _, err := tryRows(s, q); sqlErr(t, err).Code != CodeUndefinedObject || !strings.Contains(err.Error(), "unrecognized configuration parameter") {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := s.Describe(context.Background(), "SHOW kinesis.nodata.timeout"); err == nil {
		t.Error("Describe SHOW kinesis.nodata.timeout: no error")
	}
	exec(t, s, "RESET kinesis.iteration.timeout")
	if _, err := tryRows(s, "SHOW kinesis.iteration.timeout"); sqlErr(t, err).Code != CodeUndefinedObject {
		t.Errorf("after RESET: %v", err)
	}
	exec(t, s, "SET kinesis.iteration.timeout = 5")
	exec(t, s, "RESET ALL")
	if got := one(t, s, "SET kinesis.iteration.timeout"); got != "kinesis.iteration.timeout is undefined" {
		t.Errorf("after RESET ALL: %q", got)
	}
}
