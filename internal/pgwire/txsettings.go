package pgwire

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Parameters in transaction blocks. In Postgres a SET inside a block is
// undone when the block rolls back (or fails), and SET LOCAL lasts until
// the block ends. pgwire does so for the parameters it keeps (intercept.go);
// the engine's session does for its own settings, and pgwire reads the
// TimeZone again after a block that may have changed it. Connection pools
// roll back every connection they get back and count on a rolled-back SET
// not reaching the next user.

// txParams is what the open block changed in pgwire's parameters.
type txParams struct {
	// orig holds the values at BEGIN (ROLLBACK puts them back), atCommit
	// those a SET LOCAL masks (COMMIT puts them back).
	orig, atCommit map[string]savedParam
	// tz: a statement of the block may have changed the engine's
	// TimeZone, so the block's end may change it back.
	tz bool
}

// savedParam is a parameter's value; set is false for the default.
type savedParam struct {
	v   string
	set bool
}

// block returns the open block's record, made on first use.
func (c *conn) block() *txParams {
	if c.txp == nil {
		c.txp = &txParams{orig: map[string]savedParam{}, atCommit: map[string]savedParam{}}
	}
	return c.txp
}

// saveParam keeps what a SET (local false) or SET LOCAL about to change
// name must put back at the end of the block; nothing outside one.
func (c *conn) saveParam(name string, local bool) {
	if c.tx == txIdle {
		return
	}
	b := c.block()
	v, set := c.settings[name]
	now := savedParam{v: v, set: set}
	if _, ok := b.orig[name]; !ok {
		b.orig[name] = now
	}
	if !local {
		delete(b.atCommit, name) // a plain SET's value is what COMMIT keeps
	} else if _, ok := b.atCommit[name]; !ok {
		b.atCommit[name] = now
	}
}

// putParam sets a parameter (set false: back to its default), reporting
// it to the client when the client follows it (ParameterStatus).
func (c *conn) putParam(name, v string, set bool) {
	old, _ := c.setting(name)
	if set {
		c.settings[name] = v
	} else {
		delete(c.settings, name)
		v = pgOnlyParams[name]
	}
	if name == "statement_timeout" {
		c.stmtTimeout, _ = parseMillis(v)
	}
	if report, ok := reportedParams[name]; ok && (set || v != old) {
		c.be.Send(&pgproto3.ParameterStatus{Name: report, Value: v})
	}
}

// txTimeZone notes that a statement of the open block may have changed
// the engine's TimeZone.
func (c *conn) txTimeZone() {
	if c.tx != txIdle {
		c.block().tz = true
	}
}

// endTxParams undoes the ended block's changes: all of them after a
// rollback, the SET LOCALs after a commit.
func (c *conn) endTxParams(ctx context.Context, commit bool) {
	b := c.txp
	if b == nil {
		return
	}
	c.txp = nil
	undo := b.orig
	if commit {
		undo = b.atCommit
	}
	for name, p := range undo {
		if cur, set := c.settings[name]; set != p.set || cur != p.v {
			c.putParam(name, p.v, p.set)
		}
	}
	if b.tz {
		c.refreshTimeZone(ctx, true)
	}
}
