package pgwire

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Session resets. Connection pools hand a server connection from one
// client to the next after a reset query: pgbouncer's server_reset_query
// is DISCARD ALL; others send RESET ALL, DEALLOCATE ALL, CLOSE ALL,
// UNLISTEN *, SET SESSION AUTHORIZATION DEFAULT and
// SELECT pg_advisory_unlock_all(). pgwire resets what it keeps (settings,
// prepared statements, portals, cursors) and passes RESET ALL, DISCARD and
// DEALLOCATE ALL on so the engine resets its own session state.

var (
	reResetAll    = regexp.MustCompile(`(?is)^\s*RESET\s+ALL\s*;?\s*$`)
	reDiscard     = regexp.MustCompile(`(?is)^\s*DISCARD\s+(ALL|PLANS|SEQUENCES|TEMP|TEMPORARY)\s*;?\s*$`)
	reDeallocate  = regexp.MustCompile(`(?is)^\s*DEALLOCATE\s+(?:PREPARE\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*;?\s*$`)
	reUnlisten    = regexp.MustCompile(`(?is)^\s*UNLISTEN\s+(?:\*|"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*;?\s*$`)
	reSessionAuth = regexp.MustCompile(`(?is)^\s*(?:SET\s+(?:SESSION\s+|LOCAL\s+)?SESSION\s+AUTHORIZATION\s+(DEFAULT|'(?:[^']|'')*'|"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)|RESET\s+SESSION\s+AUTHORIZATION)\s*;?\s*$`)
	reUnlockAll   = regexp.MustCompile(`(?is)^\s*SELECT\s+(?:pg_catalog\s*\.\s*)?pg_advisory_unlock_all\s*\(\s*\)\s*;?\s*$`)
)

// unlockAllCols is the result of SELECT pg_advisory_unlock_all(): one
// void value, which Postgres prints as an empty string; it is sent as an
// empty text, which every driver reads.
var unlockAllCols = []Column{{Name: "pg_advisory_unlock_all", Type: "VARCHAR"}}

// isResetStatement reports the reset statements pgwire answers, with the
// columns they return (nil for none).
func isResetStatement(sql string) ([]Column, bool) {
	switch {
	case reUnlockAll.MatchString(sql):
		return unlockAllCols, true
	case reResetAll.MatchString(sql), reDiscard.MatchString(sql), reDeallocate.MatchString(sql),
		reUnlisten.MatchString(sql), reSessionAuth.MatchString(sql):
		return nil, true
	}
	return nil, false
}

// resetStatement runs a reset statement; ok is false for other statements.
func (c *conn) resetStatement(ctx context.Context, sql string) (rows Rows, ok bool, err error) {
	if _, ok := isResetStatement(sql); !ok {
		return nil, false, nil
	}
	static := func(tag string) (Rows, bool, error) {
		return &staticRows{in: &intercepted{tag: tag}}, true, nil
	}
	switch {
	case reUnlockAll.MatchString(sql):
		// rheo takes no advisory locks: there are none to release.
		return &staticRows{in: &intercepted{cols: unlockAllCols, rows: [][]any{{""}}, tag: "SELECT 1"}}, true, nil
	case reUnlisten.MatchString(sql):
		return static("UNLISTEN") // rheo has no LISTEN, so nothing listens
	case reSessionAuth.MatchString(sql):
		m := reSessionAuth.FindStringSubmatch(sql)
		if user := m[1]; user != "" && !strings.EqualFold(user, "default") && unquoteName(user) != c.user {
			return nil, true, &Error{Code: codeFeatureNotSupported,
				Message: fmt.Sprintf("cannot set session authorization to %q: rheo sessions keep the role they logged in with", unquoteName(user))}
		}
		if m[1] == "" {
			return static("RESET")
		}
		return static("SET")
	case reResetAll.MatchString(sql):
		if err := c.engineReset(ctx, sql); err != nil {
			return nil, true, err
		}
		for name := range c.settings {
			c.saveParam(name, false)
		}
		c.resetSettings()
		c.refreshTimeZone(ctx, true)
		c.txTimeZone()
		return static("RESET")
	case reDeallocate.MatchString(sql):
		name := reDeallocate.FindStringSubmatch(sql)[1]
		if !strings.EqualFold(name, "all") {
			// A protocol-level statement (Parse) is pgwire's; other
			// names are the engine's SQL PREPAREs.
			if _, found := c.stmts[cursorName(name)]; found {
				delete(c.stmts, cursorName(name))
				return static("DEALLOCATE")
			}
			return nil, false, nil
		}
		if err := c.engineReset(ctx, sql); err != nil {
			return nil, true, err
		}
		c.deallocateAll()
		return static("DEALLOCATE ALL")
	}
	m := reDiscard.FindStringSubmatch(sql)
	what := strings.ToUpper(m[1])
	if what == "ALL" && c.tx != txIdle {
		return nil, true, &Error{Code: codeActiveTransaction, Message: "DISCARD ALL cannot run inside a transaction block"}
	}
	if err := c.engineReset(ctx, sql); err != nil {
		return nil, true, err
	}
	switch what {
	case "ALL":
		c.closeCursors(true)
		for name := range c.portals {
			if name != "" { // the unnamed one may be running this statement
				c.closePortal(name)
			}
		}
		c.deallocateAll()
		c.resetSettings()
		c.refreshTimeZone(ctx, true)
	case "TEMPORARY":
		what = "TEMP"
	}
	return static("DISCARD " + what)
}

// engineReset passes a reset statement to the engine's session.
func (c *conn) engineReset(ctx context.Context, sql string) error {
	rows, err := c.query(ctx, sql)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	err = rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// resetSettings puts pgwire's parameters back to their defaults,
// reporting those the client tracks (ParameterStatus) when they change.
func (c *conn) resetSettings() {
	for name, v := range c.settings {
		def := pgOnlyParams[name]
		if report, ok := reportedParams[name]; ok && v != def {
			c.be.Send(&pgproto3.ParameterStatus{Name: report, Value: def})
		}
		delete(c.settings, name)
	}
	c.stmtTimeout = 0
}

// deallocateAll drops every prepared statement except the unnamed one,
// which may be running this very statement and goes with the next Parse
// or Query anyway.
func (c *conn) deallocateAll() {
	for name := range c.stmts {
		if name != "" {
			delete(c.stmts, name)
		}
	}
}

// unquoteName reads an identifier or string literal naming a role.
func unquoteName(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		q := s[:1]
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return strings.ToLower(s)
}
