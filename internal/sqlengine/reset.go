package sqlengine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Session resets. Connection pools hand a server session from one client
// to the next after a reset: pgbouncer's server_reset_query is DISCARD ALL,
// other pools send RESET ALL and DEALLOCATE ALL. DuckDB has none of these,
// so the session keeps what it needs to undo: the names of the DuckDB
// settings SET on it and of the statements PREPAREd on it.

// track records what a statement that succeeded changed in the session,
// for a later reset.
func (s *Session) track(toks []token) {
	if len(toks) < 2 {
		return
	}
	switch {
	case toks[0].is("set"):
		if name := setVarName(toks); name != "" {
			s.changed[name] = true
		}
	case toks[0].is("reset"):
		if name := setVarName(toks); name != "" {
			delete(s.changed, name)
		}
	case toks[0].is("prepare"):
		s.prepared[strings.ToLower(toks[1].text)] = true
	case toks[0].is("deallocate"):
		name := toks[1]
		if name.is("prepare") && len(toks) > 2 {
			name = toks[2]
		}
		delete(s.prepared, strings.ToLower(name.text))
	}
}

// setVarName returns the variable a SET or RESET statement names, lower
// case ("timezone" for SET TIME ZONE); "" if it names none.
func setVarName(toks []token) string {
	i := 1
	for i < len(toks) && (toks[i].is("session") || toks[i].is("local") || toks[i].is("global")) {
		i++
	}
	if i >= len(toks) {
		return ""
	}
	if toks[i].is("time") && i+1 < len(toks) && toks[i+1].is("zone") {
		return "timezone"
	}
	if toks[i].kind != tokWord && toks[i].kind != tokQIdent {
		return ""
	}
	return strings.ToLower(toks[i].text)
}

// isResetStatement reports RESET ALL, DISCARD {ALL | PLANS | SEQUENCES |
// TEMP} and DEALLOCATE [PREPARE] ALL, returned as upper-case words.
func isResetStatement(toks []token) (string, bool) {
	words := make([]string, 0, 3)
	for _, t := range toks {
		if t.text == ";" {
			break
		}
		if t.kind != tokWord || len(words) == 3 {
			return "", false
		}
		words = append(words, strings.ToUpper(t.text))
	}
	switch w := strings.Join(words, " "); w {
	case "RESET ALL", "DEALLOCATE ALL", "DEALLOCATE PREPARE ALL", "DISCARD PLANS", "DISCARD SEQUENCES",
		"DISCARD TEMP", "DISCARD TEMPORARY", "DISCARD ALL":
		return w, true
	}
	return "", false
}

// resetStatement runs the statements isResetStatement reports; ok is
// false for the others.
func (s *Session) resetStatement(ctx context.Context, toks []token) (r *Result, ok bool, err error) {
	w, ok := isResetStatement(toks)
	if !ok {
		return nil, false, nil
	}
	switch w {
	case "RESET ALL":
		undo := s.saveAll(ctx)
		if err := s.resetAll(ctx); err != nil {
			return nil, true, err
		}
		for _, u := range undo {
			_ = s.settled(ctx, u) // in a transaction block: records only
		}
		return &Result{tag: "RESET", done: true}, true, nil
	case "DEALLOCATE ALL", "DEALLOCATE PREPARE ALL":
		return &Result{tag: "DEALLOCATE ALL", done: true}, true, s.deallocateAll(ctx)
	case "DISCARD TEMP", "DISCARD TEMPORARY":
		return &Result{tag: "DISCARD TEMP", done: true}, true, s.dropTemp(ctx)
	case "DISCARD ALL":
		err := errors.Join(s.deallocateAll(ctx), s.dropTemp(ctx), s.resetAll(ctx))
		if err != nil {
			err = toError(err)
		}
		return &Result{tag: "DISCARD ALL", done: true}, true, err
	}
	return &Result{tag: w, done: true}, true, nil // DISCARD PLANS, SEQUENCES: nothing is cached
}

// resetAll puts every setting the session changed back to its default.
func (s *Session) resetAll(ctx context.Context) error {
	s.ckptEnabled, s.ckptName, s.ckptIter, s.ckptIterSet = false, "", 0, false
	s.kinesisOther = nil
	s.searchPath = ""
	var errs []error
	for name := range s.changed {
		if _, err := s.exec(ctx, "RESET SESSION "+quoteIdent(name)); err != nil { // SET made it the session's (sessionScoped)
			errs = append(errs, fmt.Errorf("reset %s: %w", name, err))
		}
		delete(s.changed, name)
	}
	if err := errors.Join(errs...); err != nil {
		return toError(err)
	}
	return nil
}

// deallocateAll drops the statements PREPAREd on the session.
func (s *Session) deallocateAll(ctx context.Context) error {
	var errs []error
	for name := range s.prepared {
		if _, err := s.exec(ctx, "DEALLOCATE "+quoteIdent(name)); err != nil {
			errs = append(errs, fmt.Errorf("deallocate %s: %w", name, err))
		}
		delete(s.prepared, name)
	}
	if err := errors.Join(errs...); err != nil {
		return toError(err)
	}
	return nil
}

// dropTemp drops the session's temporary views, tables, sequences and
// macros, as DISCARD TEMP does in Postgres.
func (s *Session) dropTemp(ctx context.Context) error {
	s.tempFuncs = nil
	const q = `SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND NOT internal
		UNION ALL SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary
		UNION ALL SELECT 'SEQUENCE', sequence_name FROM duckdb_sequences() WHERE temporary
		UNION ALL SELECT CASE WHEN function_type = 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END, function_name
			FROM duckdb_functions() WHERE database_name = 'temp' AND NOT internal AND function_type IN ('macro', 'table_macro')`
	rows, err := s.conn.QueryContext(ctx, q, nil)
	if err != nil {
		return toError(fmt.Errorf("list temporary objects: %w", err))
	}
	var drops []string
	vals := make([]driver.Value, 2)
	for {
		if err := rows.Next(vals); err != nil {
			if !errors.Is(err, io.EOF) {
				rows.Close()
				return toError(fmt.Errorf("list temporary objects: %w", err))
			}
			break
		}
		kind, _ := vals[0].(string)
		name, _ := vals[1].(string)
		drops = append(drops, "DROP "+kind+" IF EXISTS temp.main."+quoteIdent(name))
	}
	rows.Close()
	for _, d := range drops {
		if _, err := s.exec(ctx, d); err != nil {
			return toError(fmt.Errorf("discard temporary objects: %w", err))
		}
	}
	// The session's identity is not one of the user's objects.
	return s.defineUser(ctx)
}
