package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// TestSQLStartupOptions: settings given at connect take effect, as in
// Postgres: "-c name=value" in the options parameter (libpq's options= and
// PGOPTIONS, so psycopg2's and SQLAlchemy's connect_args={"options": ...})
// and other start-up parameters (pgx's RuntimeParams). They were ignored,
// so a job connecting with -c TimeZone=... or -c statement_timeout=...
// ran with the defaults.
func TestSQLStartupOptions(t *testing.T) {
	s := startSQL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	setup := pgxConn(t, s)
	if _, err := setup.Exec(ctx, "CREATE SCHEMA other"); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, "CREATE TABLE other.only_here (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	show := func(c *pgx.Conn, name string) string {
		t.Helper()
		var v string
		if err := c.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatalf("SHOW %s: %v", name, err)
		}
		return v
	}

	cfg, err := pgx.ParseConfig(s.PGURL() + "?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["options"] = `-c TimeZone=America/New_York --statement-timeout=1500 -c search_path=other,public -c kinesis.checkpoint.logical.name=a\ b`
	cfg.RuntimeParams["extra_float_digits"] = "2"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect with options: %v", err)
	}
	defer c.Close(context.Background())
	if got := c.PgConn().ParameterStatus("TimeZone"); got != "America/New_York" {
		t.Errorf("ParameterStatus TimeZone = %q", got)
	}
	for name, want := range map[string]string{"TimeZone": "America/New_York", "statement_timeout": "1500ms",
		"search_path": "other, public", "kinesis.checkpoint.logical.name": "a b", "extra_float_digits": "2"} {
		if got := show(c, name); got != want {
			t.Errorf("SHOW %s = %q, want %q", name, got, want)
		}
	}
	if _, err := c.Exec(ctx, "SELECT count(*) FROM only_here"); err != nil {
		t.Errorf("search_path from options: %v", err)
	}
	_, err = c.Exec(ctx, "SELECT pg_sleep(5)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("statement_timeout from options: %v", err)
	}

	// A setting that cannot be applied fails the connection, as in Postgres.
	bad, err := pgx.ParseConfig(s.PGURL() + "?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	bad.RuntimeParams["options"] = "-c statement_timeout=soon"
	if c, err := pgx.ConnectConfig(ctx, bad); err == nil {
		c.Close(ctx)
		t.Error("connect with -c statement_timeout=soon succeeded")
	} else if !errors.As(err, &pe) || pe.Code != "22023" {
		t.Errorf("connect with a bad option: %v, want 22023", err)
	}

	// libpq (psql, psycopg2) sends PGOPTIONS as the options parameter.
	if _, err := exec.LookPath("psql"); err == nil {
		host, port, _ := strings.Cut(s.PGAddr().String(), ":")
		cmd := exec.CommandContext(ctx, "psql", "-h", host, "-p", port, "-U", "rheo", "-d", "rheo", "-X", "-A", "-t",
			"-c", "SHOW TimeZone", "-c", "SELECT TIMESTAMPTZ '2024-07-01 12:00:00+00'")
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c TimeZone=Asia/Tokyo")
		out, err := cmd.CombinedOutput()
		if want := "Asia/Tokyo\n2024-07-01 21:00:00+09\n"; err != nil || string(out) != want {
			t.Errorf("psql with PGOPTIONS: %v\n got %q\nwant %q", err, out, want)
		}
	}
}

// TestSQLPgxSetInTransaction: a SET in a transaction that rolls back is
// undone, and SET LOCAL lasts until the transaction ends, as in Postgres.
// Connection pools (SQLAlchemy's) roll back every connection they get
// back: a scheduled job's checkpoint settings stayed on the pooled
// connection, and the next pd.read_sql on it read only the job's
// checkpoint window of the stream.
func TestSQLPgxSetInTransaction(t *testing.T) {
	s := startSQL(t)
	kinesisCall(t, s, "CreateStream", `{"StreamName":"jobs","ShardCount":1}`)
	put := func(n int) {
		var recs []string
		for i := range n {
			recs = append(recs, fmt.Sprintf(`{"Data":"eA==","PartitionKey":"k%d"}`, i))
		}
		kinesisCall(t, s, "PutRecords", `{"StreamName":"jobs","Records":[`+strings.Join(recs, ",")+`]}`)
	}
	put(5)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE STREAM TABLE jt FROM STREAM 'jobs' FORMAT raw"); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		t.Helper()
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM jt").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	shows := func() string {
		t.Helper()
		var out []string
		for _, name := range []string{"kinesis.checkpoint.enabled", "TimeZone", "search_path", "statement_timeout", "default_order"} {
			var v string
			if err := c.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
				t.Fatalf("SHOW %s: %v", name, err)
			}
			out = append(out, v)
		}
		return strings.Join(out, "|")
	}
	initial := shows()
	initialTZ := c.PgConn().ParameterStatus("TimeZone")

	// The job: checkpointed in a transaction the pool rolls back.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET kinesis.checkpoint.enabled = true", "SET kinesis.checkpoint.logical.name = nightly",
		"SET kinesis.checkpoint.iteration.no = 0", "SET TimeZone = 'America/New_York'", "SET search_path = pg_catalog, public",
		"SET statement_timeout = '5s'", "SET default_order = 'desc'"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n := count(); n != 5 {
		t.Fatalf("iteration 0 read %d records, want 5", n)
	}
	if c.PgConn().ParameterStatus("TimeZone") != "America/New_York" {
		t.Errorf("TimeZone reported in the transaction: %q", c.PgConn().ParameterStatus("TimeZone"))
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	put(3)
	if got := shows(); got != initial {
		t.Errorf("settings after ROLLBACK: %s, want %s", got, initial)
	}
	if got := c.PgConn().ParameterStatus("TimeZone"); got != initialTZ {
		t.Errorf("TimeZone reported after ROLLBACK: %q, want %q", got, initialTZ)
	}
	if n := count(); n != 8 {
		t.Errorf("ad hoc read after the job's ROLLBACK saw %d records, want all 8 (the checkpoint settings stayed)", n)
	}

	// SET LOCAL and set_config(..., true) last until COMMIT.
	tx, err = c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET LOCAL kinesis.checkpoint.enabled = true", "SET LOCAL TimeZone = 'Asia/Tokyo'",
		"SELECT set_config('statement_timeout', '7s', true)", "SET LOCAL default_order = 'desc'"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var tz string
	if err := tx.QueryRow(ctx, "SHOW TimeZone").Scan(&tz); err != nil || tz != "Asia/Tokyo" {
		t.Errorf("TimeZone after SET LOCAL = %q, %v", tz, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := shows(); got != initial {
		t.Errorf("settings after COMMIT of SET LOCALs: %s, want %s", got, initial)
	}

	// Outside a transaction: Postgres's warning 25P01, and no change.
	pcfg, err := pgconn.ParseConfig(s.PGURL() + "?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	pcfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		notices = append(notices, n.Severity+" "+n.Code+" "+n.Message)
	}
	pc, err := pgconn.ConnectConfig(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close(context.Background())
	res, err := pc.Exec(ctx, "SET LOCAL TimeZone = 'Asia/Tokyo'; SET LOCAL kinesis.checkpoint.enabled = true; "+
		"SHOW TimeZone; SHOW kinesis.checkpoint.enabled").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res[2].Rows[0][0]) + "|" + string(res[3].Rows[0][0]); got != initialTZ+"|false" {
		t.Errorf("after SET LOCAL outside a transaction: %s", got)
	}
	const warning = "WARNING 25P01 SET LOCAL can only be used in transaction blocks"
	if len(notices) != 2 || notices[0] != warning || notices[1] != warning {
		t.Errorf("notices %q, want twice %q", notices, warning)
	}
}

// TestSQLPgxFailedCommitEndsTransaction: a COMMIT that fails (DuckDB checks
// a concurrent duplicate key at commit) fails with 23505 and ends the
// transaction, as in
// Postgres; the connection stayed in an aborted transaction whose every
// ROLLBACK failed ("no transaction is active"), poisoning a pooled
// connection for good.
func TestSQLPgxFailedCommitEndsTransaction(t *testing.T) {
	s := startSQL(t)
	a, b := pgxConn(t, s), pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := a.Exec(ctx, "CREATE TABLE uk (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	ta, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SET TimeZone = 'Asia/Tokyo'", "SET application_name = 'loser'", "INSERT INTO uk VALUES (1)"} {
		if _, err := tb.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := ta.Exec(ctx, "INSERT INTO uk VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if err := ta.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = tb.Commit(ctx)
	if err == nil {
		t.Fatal("second COMMIT of the same key worked")
	}
	// Postgres reports the loser's duplicate key as unique_violation, which
	// drivers' and ORMs' duplicate handling looks for.
	if pe := (*pgconn.PgError)(nil); !errors.As(err, &pe) || pe.Code != "23505" {
		t.Errorf("failed COMMIT: %v, want SQLSTATE 23505", err)
	}
	if st := b.PgConn().TxStatus(); st != 'I' {
		t.Errorf("transaction status after a failed COMMIT: %c, want I", st)
	}
	var tz, app string
	if err := b.QueryRow(ctx, "SELECT current_setting('TimeZone'), current_setting('application_name')").Scan(&tz, &app); err != nil {
		t.Fatalf("connection unusable after a failed COMMIT: %v", err)
	}
	if tz == "Asia/Tokyo" || app == "loser" {
		t.Errorf("settings of the failed transaction stayed: %s, %s", tz, app)
	}
	if _, err := b.Exec(ctx, "ROLLBACK"); err != nil {
		t.Errorf("ROLLBACK after a failed COMMIT: %v", err)
	}
}

// TestSQLPgxRowValue: a row value, (1,2,3), comes as Postgres's record
// text through both protocols; it failed with "API error: empty name".
func TestSQLPgxRowValue(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		var got string
		if err := c.QueryRow(ctx, "SELECT (1, 'a b', NULL, $1::BOOLEAN)", mode, true).Scan(&got); err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		if got != `(1,"a b",,t)` {
			t.Errorf("%v: %q, want (1,\"a b\",,t)", mode, got)
		}
	}
}
