package sqlengine

import (
	"context"
	"testing"
)

// settingsNow reads the settings the transaction tests change, as SHOW
// and current_setting show them.
const settingsNow = "SELECT current_setting('TimeZone'), current_setting('default_order'), current_setting('search_path'), " +
	"current_setting('kinesis.checkpoint.enabled'), current_setting('kinesis.checkpoint.logical.name'), current_setting('kinesis.checkpoint.iteration.no')"

// setAll changes every kind of setting the session has: DuckDB's,
// search_path and kinesis.*, as SET or SET LOCAL.
func setAll(t *testing.T, s *Session, set, tz, order string) {
	t.Helper()
	exec(t, s, set+" TimeZone = '"+tz+"'")
	exec(t, s, set+" default_order = '"+order+"'")
	exec(t, s, set+" search_path = other, public")
	exec(t, s, set+" kinesis.checkpoint.enabled = true")
	exec(t, s, set+" kinesis.checkpoint.logical.name = job-"+tz)
	exec(t, s, set+" kinesis.checkpoint.iteration.no = 7")
}

// TestSetInTransaction: as in Postgres, ROLLBACK (and the COMMIT of a
// failed block) undoes the block's SETs, COMMIT keeps them, and SET LOCAL
// lasts until the block ends; outside a block SET LOCAL changes nothing.
// SQLAlchemy's pool rolls back every connection it gets back, so a
// checkpointed job's settings must not outlive its transaction.
func TestSetInTransaction(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE SCHEMA other")
	const initial = "Etc/UTC|ASCENDING|\"$user\", public|false||"
	exec(t, s, "SET TimeZone = 'Etc/UTC'")
	if got := one(t, s, settingsNow); got != initial {
		t.Fatalf("initial settings: %s", got)
	}
	const changed = "Asia/Tokyo|DESC|other, public|true|job-Asia/Tokyo|7"

	exec(t, s, "BEGIN")
	setAll(t, s, "SET", "Asia/Tokyo", "desc")
	if got := one(t, s, settingsNow); got != changed {
		t.Errorf("in the block: %s", got)
	}
	exec(t, s, "ROLLBACK")
	if got := one(t, s, settingsNow); got != initial {
		t.Errorf("after ROLLBACK: %s, want %s", got, initial)
	}
	exec(t, s, "CREATE TABLE other.t (x INT)")
	if _, err := tryRows(s, "SELECT * FROM t"); err == nil {
		t.Error("search_path still reaches schema other after ROLLBACK")
	}

	// A failed block's COMMIT rolls back, settings included.
	exec(t, s, "BEGIN")
	setAll(t, s, "SET", "Asia/Tokyo", "desc")
	if _, err := tryRows(s, "SELECT 'a'::INT"); err == nil {
		t.Fatal("bad cast worked")
	}
	exec(t, s, "COMMIT")
	if got := one(t, s, settingsNow); got != initial {
		t.Errorf("after COMMIT of a failed block: %s", got)
	}

	// SET LOCAL: in effect in the block, gone at COMMIT.
	exec(t, s, "BEGIN")
	setAll(t, s, "SET LOCAL", "Asia/Tokyo", "desc")
	if got := one(t, s, settingsNow); got != changed {
		t.Errorf("SET LOCAL in the block: %s", got)
	}
	exec(t, s, "COMMIT")
	if got := one(t, s, settingsNow); got != initial {
		t.Errorf("after COMMIT of SET LOCALs: %s", got)
	}

	// Outside a block SET LOCAL changes nothing, but a bad one still fails.
	setAll(t, s, "SET LOCAL", "Asia/Tokyo", "desc")
	if got := one(t, s, settingsNow); got != initial {
		t.Errorf("after SET LOCAL outside a block: %s", got)
	}
	for _, q := range []string{"SET LOCAL default_order = 'sideways'", "SET LOCAL kinesis.checkpoint.iteration.no = -1", "SET LOCAL no_such_setting = 1"} {
		if _, err := s.Query(context.Background(), q); err == nil {
			t.Errorf("%s: no error", q)
		}
	}

	// COMMIT keeps plain SETs; a SET LOCAL after a SET goes back to the
	// SET's value, a SET after a SET LOCAL wins.
	exec(t, s, "BEGIN")
	setAll(t, s, "SET", "Asia/Tokyo", "desc")
	exec(t, s, "SET LOCAL TimeZone = 'Europe/Paris'")
	exec(t, s, "SET LOCAL kinesis.checkpoint.iteration.no = 8")
	exec(t, s, "SET LOCAL default_order = 'asc'")
	exec(t, s, "SET default_order = 'desc'")
	exec(t, s, "COMMIT")
	if got := one(t, s, settingsNow); got != changed {
		t.Errorf("after COMMIT: %s, want %s", got, changed)
	}

	// A ROLLBACK goes back to values SET before the block, and RESET ALL
	// in a block is undone too; RESET ALL after it still resets all.
	exec(t, s, "BEGIN")
	setAll(t, s, "SET", "Europe/Paris", "asc")
	exec(t, s, "RESET ALL")
	exec(t, s, "ROLLBACK")
	if got := one(t, s, settingsNow); got != changed {
		t.Errorf("after ROLLBACK of SET and RESET ALL: %s, want %s", got, changed)
	}
	exec(t, s, "BEGIN")
	exec(t, s, "RESET TimeZone")
	exec(t, s, "RESET kinesis.checkpoint.enabled")
	exec(t, s, "ROLLBACK")
	if got := one(t, s, settingsNow); got != changed {
		t.Errorf("after ROLLBACK of RESETs: %s, want %s", got, changed)
	}
	exec(t, s, "RESET ALL")
	exec(t, s, "SET TimeZone = 'Etc/UTC'")
	if got := one(t, s, settingsNow); got != initial {
		t.Errorf("after RESET ALL: %s", got)
	}

	// SET LOCAL of a DuckDB setting prepares (pgx describes statements).
	if d, err := s.Describe(context.Background(), "SET LOCAL TimeZone = 'Asia/Tokyo'"); err != nil || d.Columns != nil {
		t.Errorf("Describe(SET LOCAL) = %+v, %v", d, err)
	}
}

// TestSavepointOffPostgresEndpoint: the engine has no savepoints (the
// Postgres endpoint keeps them); a caller of the engine itself (POST
// /v1/sql, the console) is told so, not given a syntax error.
func TestSavepointOffPostgresEndpoint(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "BEGIN")
	for _, q := range []string{"SAVEPOINT a", "RELEASE SAVEPOINT a", "release a", "ROLLBACK TO SAVEPOINT a", "rollback work to a"} {
		_, err := s.Query(context.Background(), q)
		if e := sqlErr(t, err); e.Code != CodeFeature || e.Message != "savepoints work on the Postgres endpoint only" {
			t.Errorf("%s: %v", q, err)
		}
	}
	exec(t, s, "ROLLBACK")
}
