package sqlengine

import (
	"context"
	"testing"
)

// The session's user is the login, not DuckDB's "duckdb", in every
// spelling Postgres has, and stays so across DISCARD ALL.
func TestSessionUser(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	if err := s.SetUser(context.Background(), "o'brien"); err != nil {
		t.Fatal(err)
	}
	const q = "SELECT current_user, session_user, current_role, user, current_user()"
	if got := one(t, s, q); got != "o'brien|o'brien|o'brien|o'brien|o'brien" {
		t.Errorf("before DISCARD ALL: %s", got)
	}
	exec(t, s, "CREATE TEMP MACRO tm(x) AS x + 1")
	exec(t, s, "DISCARD ALL")
	if got := one(t, s, q); got != "o'brien|o'brien|o'brien|o'brien|o'brien" {
		t.Errorf("after DISCARD ALL: %s", got)
	}
	if _, err := tryRows(s, "SELECT tm(1)"); err == nil {
		t.Error("the user's temp macro survived DISCARD ALL")
	}
	if got := one(t, e.session(), "SELECT current_user"); got != "duckdb" {
		t.Errorf("a session without a user: %s", got)
	}
}
