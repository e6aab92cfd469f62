package sqlengine

import (
	"context"
	"fmt"
)

// identityFuncs are the functions that name the session's user. DuckDB
// answers "duckdb" to all of them; Postgres the role that logged in, which
// tools show (DBeaver, pgAdmin) and use in their catalog queries.
var identityFuncs = []string{"current_user", "session_user", "current_role"}

// SetUser makes current_user, session_user, current_role and user answer
// name, the login of the connection ("" leaves DuckDB's answer). They are
// temporary macros, which DuckDB looks up before its own functions; DISCARD
// TEMP keeps them, as Postgres's session identity survives it.
func (s *Session) SetUser(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	s.user = name
	if err := s.defineUser(ctx); err != nil {
		return s.noteFatal(err)
	}
	return nil
}

// defineUser (re)creates the identity macros; s.mu is held.
func (s *Session) defineUser(ctx context.Context) error {
	if s.user == "" {
		return nil
	}
	for _, f := range identityFuncs {
		if _, err := s.exec(ctx, "CREATE OR REPLACE TEMP MACRO "+f+"() AS "+quoteString(s.user)); err != nil {
			return toError(fmt.Errorf("define %s: %w", f, err))
		}
	}
	return nil
}
