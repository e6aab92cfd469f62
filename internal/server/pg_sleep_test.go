package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestPgSleep: pg_sleep and friends sleep, answer Postgres's void (an
// empty string), and end early when the statement is cancelled.
func TestPgSleep(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx := context.Background()

	start := time.Now()
	var v string
	if err := c.QueryRow(ctx, "SELECT pg_sleep(0.2)").Scan(&v); err != nil || v != "" {
		t.Fatalf("pg_sleep(0.2) = %q, %v", v, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("pg_sleep(0.2) took %v", d)
	}
	for _, q := range []string{"SELECT pg_sleep(0)", "SELECT pg_sleep(-1)", "SELECT pg_sleep_for('10 milliseconds')",
		"SELECT pg_sleep_until(now())", "SELECT pg_catalog.pg_sleep(0)"} {
		if err := c.QueryRow(ctx, q).Scan(&v); err != nil || v != "" {
			t.Fatalf("%s = %q, %v", q, v, err)
		}
	}
	fields := c.PgConn().ExecParams(ctx, "SELECT pg_sleep(0)", nil, nil, nil, nil).Read().FieldDescriptions
	if len(fields) != 1 || fields[0].Name != "pg_sleep" {
		t.Fatalf("columns %+v, want pg_sleep", fields)
	}

	// statement_timeout stops a long sleep.
	if _, err := c.Exec(ctx, "SET statement_timeout = 200"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT pg_sleep(30)", "SELECT pg_sleep_for('30 seconds')"} {
		start = time.Now()
		_, err := c.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" {
			t.Fatalf("%s under statement_timeout: %v, want SQLSTATE 57014", q, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s under statement_timeout took %v", q, d)
		}
	}
	if _, err := c.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		t.Fatal(err)
	}

	// A CancelRequest (pgx sends one when the context ends) does too.
	qctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	start = time.Now()
	_, err := c.Exec(qctx, "SELECT pg_sleep(30)")
	cancel()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("cancelled pg_sleep: %v, want SQLSTATE 57014", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("cancelled pg_sleep took %v", d)
	}
	if err := c.QueryRow(ctx, "SELECT pg_sleep(0)").Scan(&v); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}
