package server

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// TestSQLPgxSessionReset: pgx through the whole stack sends what
// connection pools send between clients; it succeeds and undoes the
// session's settings, prepared statements and temporary tables.
func TestSQLPgxSessionReset(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []string{"SET TimeZone = 'Europe/Paris'", "CREATE TEMP TABLE tt (a INT)", "PREPARE p AS SELECT 1"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := c.Prepare(ctx, "named", "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DISCARD ALL", "RESET ALL", "CLOSE ALL", "UNLISTEN *", "SET SESSION AUTHORIZATION DEFAULT",
		"SELECT pg_advisory_unlock_all()"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := c.DeallocateAll(ctx); err != nil {
		t.Fatalf("DeallocateAll: %v", err)
	}
	var tz string
	if err := c.QueryRow(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz == "Europe/Paris" {
		t.Errorf("TimeZone after DISCARD ALL = %q, %v", tz, err)
	}
	if _, err := c.Exec(ctx, "SELECT * FROM tt"); err == nil {
		t.Error("temporary table survived DISCARD ALL")
	}
	if _, err := c.Exec(ctx, "EXECUTE p"); err == nil {
		t.Error("prepared statement survived DISCARD ALL")
	}
	// The login stays the session's user, as tools read it.
	var user, sessUser string
	if err := c.QueryRow(ctx, "SELECT current_user, session_user").Scan(&user, &sessUser); err != nil || user != "rheo" || sessUser != "rheo" {
		t.Errorf("current_user, session_user = %q, %q, %v; want the login rheo", user, sessUser, err)
	}
}

// TestSQLPgxIntervalParam: pgx sends pgtype.Interval in binary.
func TestSQLPgxIntervalParam(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got string
	iv := pgtype.Interval{Months: -14, Days: 3, Microseconds: -3723500000, Valid: true}
	if err := c.QueryRow(ctx, "SELECT ($1::INTERVAL)::VARCHAR", iv).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "-1 year -2 months 3 days -01:02:03.5" {
		t.Errorf("interval = %q", got)
	}
}
