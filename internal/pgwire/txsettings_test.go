package pgwire

import (
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestSetInTransaction: pgwire's parameters follow Postgres in
// transaction blocks. ROLLBACK (or the COMMIT of a failed block) undoes a
// SET, COMMIT keeps it, SET LOCAL and set_config(..., true) last until the
// block ends, and outside a block SET LOCAL warns and changes nothing.
func TestSetInTransaction(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	show := func(want ...string) {
		t.Helper()
		c.send(&pgproto3.Query{String: "SHOW application_name; SHOW statement_timeout"})
		expectFlow(t, c.until(0), "RowDescription(application_name:25/0)", "DataRow("+want[0]+")", "CommandComplete(SHOW)",
			"RowDescription(statement_timeout:25/0)", "DataRow("+want[1]+")", "CommandComplete(SHOW)", "Ready(I)")
	}

	c.send(&pgproto3.Query{String: "begin; SET application_name = 'job'; SET statement_timeout = 50; rollback"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "ParameterStatus(application_name=job)", "CommandComplete(SET)",
		"CommandComplete(SET)", "ParameterStatus(application_name=)", "CommandComplete(ROLLBACK)", "Ready(I)")
	show("", "0")

	c.send(&pgproto3.Query{String: "begin; SET application_name = 'kept'; SET statement_timeout = 2000; commit"})
	c.until(0)
	show("kept", "2s")

	// A failed block's COMMIT is a ROLLBACK.
	c.send(&pgproto3.Query{String: "begin; SET application_name = 'failed'; SET statement_timeout = 50"})
	c.until(0)
	c.send(&pgproto3.Query{String: "fail"})
	expectFlow(t, c.until(0), "Error(ERROR 42601)", "Ready(E)")
	c.send(&pgproto3.Query{String: "commit"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=kept)", "CommandComplete(ROLLBACK)", "Ready(I)")
	show("kept", "2s")

	// SET LOCAL lasts until COMMIT; a SET after it wins, a SET LOCAL after
	// a SET goes back to the SET's value.
	c.send(&pgproto3.Query{String: "begin; SET LOCAL statement_timeout = '1min'; SHOW statement_timeout; " +
		"SET LOCAL application_name = 'local'; SET application_name = 'session'; SET LOCAL application_name = 'local2'"})
	got := c.until(0)
	expectFlow(t, got[:3], "CommandComplete(BEGIN)", "CommandComplete(SET)", "RowDescription(statement_timeout:25/0)")
	expectFlow(t, got[3:4], "DataRow(1min)")
	c.send(&pgproto3.Query{String: "commit"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=session)", "CommandComplete(COMMIT)", "Ready(I)")
	show("session", "2s")

	// set_config(name, value, true) is SET LOCAL; outside a block it
	// changes nothing, and says nothing.
	c.send(&pgproto3.Query{String: "SELECT set_config('statement_timeout', '3000', true)"})
	expectFlow(t, c.until(0), "RowDescription(set_config:25/0)", "DataRow(3s)", "CommandComplete(SELECT 1)", "Ready(I)")
	show("session", "2s")
	c.send(&pgproto3.Query{String: "begin; SELECT set_config('statement_timeout', '3000', true); SHOW statement_timeout; commit"})
	got = c.until(0)
	expectFlow(t, got[4:6], "RowDescription(statement_timeout:25/0)", "DataRow(3s)")
	show("session", "2s")

	// Outside a block: Postgres's warning, and no change; a bad value
	// is still an error.
	c.send(&pgproto3.Query{String: "SET LOCAL application_name = 'nowhere'"})
	expectFlow(t, c.until(0), "Notice(SET LOCAL can only be used in transaction blocks)", "CommandComplete(SET)", "Ready(I)")
	c.send(&pgproto3.Query{String: "SET LOCAL statement_timeout = 'soon'"})
	expectFlow(t, c.until(0), "Notice(SET LOCAL can only be used in transaction blocks)", "Error(ERROR 22023)", "Ready(I)")
	show("session", "2s")

	// RESET ALL in a block is undone by ROLLBACK too.
	c.send(&pgproto3.Query{String: "begin; RESET ALL; rollback"})
	c.until(0)
	show("session", "2s")
}
