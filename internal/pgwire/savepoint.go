package pgwire

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Savepoints: SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT],
// which ORMs send for nested transactions (GORM's nested Transaction,
// SQLAlchemy's begin_nested, Django's nested atomic, pgx's Tx.Begin,
// psycopg's nested transaction()). The engine (DuckDB) has no savepoints
// and cannot undo part of a transaction, so pgwire keeps them, as far as
// it can be exact:
//   - SAVEPOINT and RELEASE are what Postgres does: names on a stack,
//     a name may repeat (the newest wins), RELEASE drops the savepoint
//     and those set after it. Neither changes any data, so keeping them
//     is all there is to do.
//   - ROLLBACK TO a savepoint after which nothing has run (nothing but
//     savepoint commands, and no error other than theirs) undoes nothing:
//     it succeeds, and keeps the savepoint, as Postgres does.
//   - ROLLBACK TO a savepoint after which a statement ran, or failed (it
//     may have written before it failed, or aborted the engine's
//     transaction), would have to undo it: that fails with feature_not_supported and leaves
//     the block aborted, so only ROLLBACK ends it and the client never
//     goes on believing statements were undone that were not. Its COMMIT
//     then fails too, rather than answer ROLLBACK as for any failed
//     block: many clients (GORM, pgjdbc's autosave, Django) swallow the
//     error of a ROLLBACK TO, and many (pgjdbc, psycopg2) do not check
//     COMMIT's tag, so they would report a commit that never was.
//
// pgwire rather than the engine's session owns the stack because the
// transaction-block status (and its aborted state) lives here, and only
// here is every statement of the client seen, also those pgwire answers
// itself (SET of its own parameters, cursors), which a ROLLBACK TO would
// have to undo too.

// savepointCmds are the savepoint commands by savepointVerb: how to read
// one, its name in Postgres's errors, and its syntax.
var savepointCmds = map[string]struct {
	re           *regexp.Regexp
	stmt, syntax string
}{
	"SAVEPOINT": {regexp.MustCompile(`(?is)^\s*SAVEPOINT\s+("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\s|;|--[^\n]*|/\*.*?\*/)*$`),
		"SAVEPOINT", "SAVEPOINT name"},
	"RELEASE": {regexp.MustCompile(`(?is)^\s*RELEASE\s+(?:SAVEPOINT\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\s|;|--[^\n]*|/\*.*?\*/)*$`),
		"RELEASE SAVEPOINT", "RELEASE [ SAVEPOINT ] name"},
	"ROLLBACK TO": {regexp.MustCompile(`(?is)^\s*ROLLBACK\s+(?:(?:WORK|TRANSACTION)\s+)?TO\s+(?:SAVEPOINT\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\s|;|--[^\n]*|/\*.*?\*/)*$`),
		"ROLLBACK TO SAVEPOINT", "ROLLBACK [ WORK | TRANSACTION ] TO [ SAVEPOINT ] name"},
}

// savepoint is one SAVEPOINT of the open block.
type savepoint struct {
	name string
	// work is conn.txWork when the savepoint was set: if it has moved
	// since, something may have changed the block after the savepoint.
	work uint64
}

// savepointRows is the result of a savepoint command; its tag (ROLLBACK
// for ROLLBACK TO) does not end the block.
type savepointRows struct{ staticRows }

// cleanError is the error of a statement that changed nothing, so a
// ROLLBACK TO an earlier savepoint can still be exact: a savepoint
// command's own error, or a statement refused in an aborted block.
type cleanError struct{ pe *Error }

func (e *cleanError) Error() string { return e.pe.Error() }
func (e *cleanError) Unwrap() error { return e.pe }

// isClean reports a cleanError.
func isClean(err error) bool {
	var ce *cleanError
	return errors.As(err, &ce)
}

// savepointVerb classifies a savepoint command: "SAVEPOINT", "RELEASE",
// "ROLLBACK TO", or "" for any other statement. It looks at the first
// words only, so it costs little on every statement.
func savepointVerb(sql string) string {
	f := strings.Fields(strings.ToUpper(firstWords(skipComments(sql), 4)))
	if len(f) == 0 {
		return ""
	}
	switch f[0] {
	case "SAVEPOINT":
		return "SAVEPOINT"
	case "RELEASE":
		return "RELEASE"
	case "ROLLBACK":
		if len(f) > 1 && f[1] == "TO" || len(f) > 2 && (f[1] == "WORK" || f[1] == "TRANSACTION") && f[2] == "TO" {
			return "ROLLBACK TO"
		}
	}
	return ""
}

// firstWords is the start of sql holding at most its first n words.
func firstWords(sql string, n int) string {
	sql = strings.TrimLeft(sql, " \t\r\n")
	words, space := 0, true
	for i, r := range sql {
		isSpace := r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ';'
		if space && !isSpace {
			if words == n {
				return sql[:i]
			}
			words++
		}
		space = isSpace
	}
	return sql
}

// savepointCommand runs a savepoint command; ok is false for any other
// statement.
func (c *conn) savepointCommand(sql string) (rows Rows, ok bool, err error) {
	verb := savepointVerb(sql)
	if verb == "" {
		return nil, false, nil
	}
	cmd := savepointCmds[verb]
	m := cmd.re.FindStringSubmatch(skipComments(sql))
	if m == nil {
		return nil, true, &cleanError{&Error{Code: codeSyntaxError,
			Message: fmt.Sprintf("syntax error in %s (%s)", cmd.stmt, cmd.syntax)}}
	}
	name := cursorName(m[1])
	if c.tx == txIdle {
		return nil, true, &Error{Code: codeNoActiveTransaction, Message: cmd.stmt + " can only be used in transaction blocks"}
	}
	tag := verb
	switch verb {
	case "SAVEPOINT":
		c.savepoints = append(c.savepoints, savepoint{name: name, work: c.txWork})
	case "RELEASE":
		i := c.findSavepoint(name)
		if i < 0 {
			return nil, true, noSavepoint(name)
		}
		c.savepoints = c.savepoints[:i]
	case "ROLLBACK TO":
		i := c.findSavepoint(name)
		if i < 0 {
			return nil, true, noSavepoint(name)
		}
		if c.savepoints[i].work != c.txWork {
			// Not a cleanError: the block stays aborted whatever
			// savepoint is named next.
			c.partial = true
			return nil, true, &Error{Code: codeFeatureNotSupported,
				Message: `ROLLBACK TO SAVEPOINT cannot undo the statements run after savepoint "` + name + `"`,
				Detail:  "rheo's SQL engine (DuckDB) has no partial rollback; the transaction is aborted and none of its statements will be committed.",
				Hint:    "ROLLBACK the whole transaction and run it again."}
		}
		c.savepoints = c.savepoints[:i+1]
		c.tx = txBlock // nothing to undo: an aborted block is usable again
		tag = "ROLLBACK"
	}
	return &savepointRows{staticRows{in: &intercepted{tag: tag}}}, true, nil
}

// findSavepoint is the index of the newest savepoint called name, or -1.
func (c *conn) findSavepoint(name string) int {
	for i := len(c.savepoints) - 1; i >= 0; i-- {
		if c.savepoints[i].name == name {
			return i
		}
	}
	return -1
}

// noSavepoint is Postgres's error for a savepoint not on the stack.
func noSavepoint(name string) error {
	return &cleanError{&Error{Code: codeNoSavepoint, Message: `savepoint "` + name + `" does not exist`}}
}

// commitPartial answers the COMMIT of a block whose ROLLBACK TO was
// refused: the engine rolls it back, the block ends, and the COMMIT
// fails, as one that failed in Postgres does.
func (c *conn) commitPartial(ctx context.Context) error {
	rows, err := c.query(ctx, "ROLLBACK")
	if err == nil {
		err = rows.Close()
	}
	c.endBlock(ctx, false)
	if err != nil {
		return err
	}
	return &Error{Code: codeFeatureNotSupported,
		Message: "the transaction was rolled back, not committed: a ROLLBACK TO SAVEPOINT in it could not be done",
		Hint:    "rheo's SQL engine (DuckDB) has no partial rollback; run the transaction again without ROLLBACK TO SAVEPOINT after its statements."}
}
