package sqlengine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Postgres's spellings of settings DuckDB also has. DuckDB reads SHOW x
// as "describe table x" and keeps search_path as one string of existing
// schemas; clients (JDBC's setSchema, ORMs, BI tools, pg_dump output)
// send Postgres's forms.

// defaultSearchPath is what SHOW search_path gives before any SET, as in
// Postgres.
const defaultSearchPath = `"$user", public`

// isSearchPathSet reports SET [SESSION | LOCAL] search_path {= | TO} ...,
// Postgres's SET SCHEMA 'name' (and DuckDB's SET schema = 'name'), and
// RESET search_path.
func isSearchPathSet(toks []token) bool {
	if len(toks) < 2 || !toks[0].is("set") && !toks[0].is("reset") {
		return false
	}
	n := setVarName(toks)
	return n == "search_path" || n == "schema" && toks[0].is("set")
}

// setSearchPath runs SET or RESET search_path. Postgres's public, where
// Postgres clients put their tables, is DuckDB's main, and "$user" and
// schemas that do not exist are skipped as Postgres skips them. SHOW
// search_path answers the list as given, in Postgres's spelling.
func (s *Session) setSearchPath(ctx context.Context, toks []token) (*Result, error) {
	tag := strings.ToUpper(toks[0].text)
	var items []string // as Postgres shows them
	if toks[0].is("set") {
		i := 1
		for i < len(toks) && !(toks[i].text == "=" || toks[i].is("to")) {
			i++
		}
		if i == len(toks) { // SET SCHEMA 'name': the value follows the name
			for i = 1; i < len(toks) && !strings.EqualFold(toks[i].text, "schema"); i++ {
			}
		}
		i++
		for ; i < len(toks) && toks[i].text != ";"; i++ {
			t := toks[i]
			switch {
			case t.text == ",":
			case t.is("default") && len(items) == 0:
				items = nil
				i = len(toks)
			case t.kind == tokWord:
				items = append(items, strings.ToLower(t.text))
			case t.kind == tokQIdent:
				items = append(items, t.text)
			case t.kind == tokString:
				// DuckDB's form, 'a,b', is a list too.
				for _, p := range strings.Split(t.text, ",") {
					if p = strings.TrimSpace(p); p != "" {
						items = append(items, strings.Trim(p, `"`))
					}
				}
			default:
				return nil, syntaxErr("syntax error in SET search_path at %q", t.text)
			}
		}
	}
	var keep []string // in DuckDB's terms
	for _, it := range items {
		switch it {
		case "$user":
			continue
		case "public":
			it = "main"
		}
		if _, err := s.exec(ctx, "SET search_path = "+quoteString(quoteIdent(it))); err == nil {
			keep = append(keep, quoteIdent(it))
		}
	}
	var err error
	if len(keep) == 0 {
		_, err = s.exec(ctx, "RESET search_path")
	} else {
		_, err = s.exec(ctx, "SET search_path = "+quoteString(strings.Join(keep, ",")))
	}
	if err != nil {
		return nil, toError(err)
	}
	s.changed["search_path"] = true
	s.searchPath = ""
	if len(items) > 0 {
		shown := make([]string, len(items))
		for i, it := range items {
			shown[i] = pgQuoteIdent(it)
		}
		s.searchPath = strings.Join(shown, ", ")
	}
	return &Result{tag: tag, done: true}, nil
}

// plainSettingName is a setting's name that needs no quotes in SET.
var plainSettingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// pgQuoteIdent quotes a name as Postgres shows it: only when it needs it.
func pgQuoteIdent(s string) string {
	if plainIdent.MatchString(s) {
		return s
	}
	return quoteIdent(s)
}

// showQuery turns SHOW name into a query of the setting's value when name
// is a setting (Postgres's SHOW): search_path as the session set it, TIME
// ZONE as TimeZone, kinesis.checkpoint.* as the session set them, DuckDB's
// settings by their name. ok is false for
// DuckDB's SHOW of a table (SHOW TABLES, SHOW t). A kinesis.* name the
// session does not hold is 42704, as an unknown setting is in Postgres.
func (s *Session) showQuery(ctx context.Context, toks []token) (string, bool, error) {
	if len(toks) < 2 || !toks[0].is("show") {
		return "", false, nil
	}
	n := len(toks)
	if toks[n-1].text == ";" {
		n--
	}
	if name, ok := dottedName(toks[1:n]); ok {
		// The checkpoint settings live in the session, not DuckDB, whose
		// parser would read kinesis.checkpoint.x as a catalog and table.
		if v, ok := s.ownSetting(name); ok {
			return "SELECT " + quoteString(v) + " AS " + quoteIdent(strings.ToLower(name)), true, nil
		}
		if strings.HasPrefix(strings.ToLower(name), "kinesis.") {
			return "", false, newErr(CodeUndefinedObject, "unrecognized configuration parameter %q", name)
		}
	}
	var name string
	switch {
	case n == 3 && toks[1].is("time") && toks[2].is("zone"):
		name = "timezone"
	case n == 2 && (toks[1].kind == tokWord || toks[1].kind == tokQIdent):
		name = strings.ToLower(toks[1].text)
	default:
		return "", false, nil
	}
	if name == "search_path" {
		v := s.searchPath
		if v == "" {
			v = defaultSearchPath
		}
		return "SELECT " + quoteString(v) + " AS search_path", true, nil
	}
	canonical, err := s.settingName(ctx, name)
	if err != nil || canonical == "" {
		return "", false, nil
	}
	return "SELECT current_setting(" + quoteString(canonical) + ")::VARCHAR AS " + quoteIdent(canonical), true, nil
}

// dottedName joins word tokens separated by "." (kinesis.checkpoint.enabled)
// into one name; ok is false unless toks are exactly that, with a dot.
func dottedName(toks []token) (string, bool) {
	if len(toks) < 3 || len(toks)%2 == 0 {
		return "", false
	}
	var b strings.Builder
	for i, t := range toks {
		if i%2 == 1 {
			if t.kind != tokPunct || t.text != "." {
				return "", false
			}
		} else if t.kind != tokWord {
			return "", false
		}
		b.WriteString(t.text)
	}
	return b.String(), true
}

// settingName returns DuckDB's spelling of a setting's name (TimeZone for
// timezone), or "" when DuckDB has no such setting.
func (s *Session) settingName(ctx context.Context, name string) (string, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT name FROM duckdb_settings() WHERE lower(name) = lower($1)",
		namedArgs([]any{name}))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		return "", err
	}
	v, _ := vals[0].(string)
	return v, nil
}

var reCurrentSetting = regexp.MustCompile(`(?i)\b(?:pg_catalog\s*\.\s*)?current_setting\s*\(\s*'((?:[^']|'')*)'\s*(?:,\s*(true|false|'t'|'f')\s*)?\)`)

// settingFuncs rewrites current_setting('name') and Postgres's
// current_setting('name', missing_ok), which DuckDB lacks: the session's
// own settings (search_path as shown, kinesis.checkpoint.*) become their
// values, DuckDB's stay DuckDB's, and an unknown name is NULL with
// missing_ok, else error 42704 as in Postgres.
func (s *Session) settingFuncs(ctx context.Context, st string) (string, error) {
	if !strings.Contains(strings.ToLower(st), "current_setting") {
		return st, nil
	}
	var firstErr error
	out := reCurrentSetting.ReplaceAllStringFunc(st, func(m string) string {
		sub := reCurrentSetting.FindStringSubmatch(m)
		name := strings.ReplaceAll(sub[1], "''", "'")
		missingOK := strings.EqualFold(sub[2], "true") || strings.EqualFold(sub[2], "'t'")
		if v, ok := s.ownSetting(name); ok {
			return quoteString(v)
		}
		canonical, err := s.settingName(ctx, name)
		switch {
		case err != nil:
			if firstErr == nil {
				firstErr = toError(err)
			}
			return m
		case canonical != "":
			return "current_setting(" + quoteString(canonical) + ")::VARCHAR"
		case missingOK:
			return "CAST(NULL AS VARCHAR)"
		}
		if firstErr == nil {
			firstErr = newErr(CodeUndefinedObject, "unrecognized configuration parameter %q", name)
		}
		return m
	})
	return out, firstErr
}

// ownSetting returns a setting the session keeps itself rather than DuckDB.
func (s *Session) ownSetting(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "search_path":
		if s.searchPath == "" {
			return defaultSearchPath, true
		}
		return s.searchPath, true
	case "kinesis.checkpoint.enabled":
		if s.ckptEnabled {
			return "true", true
		}
		return "false", true
	case "kinesis.checkpoint.logical.name":
		return s.ckptName, true
	case "kinesis.checkpoint.iteration.no":
		if !s.ckptIterSet {
			return "", true
		}
		return strconv.FormatInt(s.ckptIter, 10), true
	}
	if v, ok := s.kinesisOther[strings.ToLower(name)]; ok {
		return v, true
	}
	return "", false
}

// sessionScoped makes a SET, RESET or PRAGMA assignment of a DuckDB setting
// apply to this session only, as SET does in Postgres. Left unscoped,
// DuckDB applies options such as default_order or integer_division to the
// whole database, so one client's SET would change every other client's
// results until the server restarts. A setting DuckDB keeps only
// database-wide (threads, memory_limit, ...) is then refused by DuckDB,
// and SET GLOBAL here: the server's flags own those. st is returned as is
// when it is no such statement.
func (s *Session) sessionScoped(ctx context.Context, st string, toks []token) (string, error) {
	if len(toks) < 2 {
		return st, nil
	}
	switch {
	case toks[0].is("set") || toks[0].is("reset"):
		switch {
		case toks[1].is("global"):
			return "", privilegeErr(setVarName(toks))
		case toks[1].is("local"):
			// DuckDB has no SET LOCAL: the session undoes it when the
			// transaction block ends (txsettings.go).
			return st[:toks[1].pos] + "SESSION" + st[toks[1].end:], nil
		case toks[1].is("session") || toks[1].is("variable"):
			return st, nil // scoped already, or a DuckDB variable
		case toks[1].kind != tokWord && toks[1].kind != tokQIdent:
			return st, nil
		}
		return st[:toks[1].pos] + "SESSION " + st[toks[1].pos:], nil
	case toks[0].is("pragma") && len(toks) >= 4 && (toks[2].text == "=" || toks[2].text == "("):
		name, err := s.settingName(ctx, toks[1].text)
		if err != nil || name == "" {
			return st, nil // a pragma function (table_info, ...), not a setting
		}
		value := strings.TrimSpace(st[toks[3].pos:])
		if toks[2].text == "(" {
			value = strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(value, ";")), ")")
		}
		return "SET SESSION " + quoteIdent(name) + " = " + value, nil
	}
	return st, nil
}

// privilegeErr is Postgres's refusal of a setting a session may not
// change.
func privilegeErr(name string) *Error {
	return &Error{Code: CodePrivilege, Message: fmt.Sprintf("permission denied to set parameter %q: DuckDB keeps it for the whole database, "+
		"so a session may not change it for every other client (rheo serve --sql-threads and --sql-memory-limit set threads and memory_limit)", name)}
}

// reLocalOnly is DuckDB's refusal of SET SESSION for a database-wide
// option.
var reLocalOnly = regexp.MustCompile(`option "([^"]+)" cannot be (?:set|reset) locally`)

// asPrivilegeErr turns DuckDB's refusal to scope a database-wide option to
// the session into privilegeErr; other errors pass through.
func asPrivilegeErr(err error) error {
	if err == nil {
		return nil
	}
	if m := reLocalOnly.FindStringSubmatch(err.Error()); m != nil {
		return privilegeErr(m[1])
	}
	return err
}

// Setting returns a DuckDB setting's current value in this session, for
// callers that follow one (pgwire renders timestamptz in the TimeZone).
func (s *Session) Setting(ctx context.Context, name string) (string, error) {
	r, err := s.Query(ctx, "SELECT current_setting("+quoteString(name)+")::VARCHAR")
	if err != nil {
		return "", err
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return "", err
		}
		return "", newErr(CodeUndefinedObject, "unrecognized configuration parameter %q", name)
	}
	v, _ := r.Row()[0].(string)
	return v, nil
}

// SetSetting sets a setting for this session, as SET name = 'value' does
// (so RESET ALL undoes it).
func (s *Session) SetSetting(ctx context.Context, name, value string) error {
	n := quoteIdent(name)
	if plainSettingName.MatchString(name) {
		n = name // kinesis.checkpoint.enabled is rheo's only when written as a name
	}
	r, err := s.Query(ctx, "SET "+n+" = "+quoteString(value))
	if err != nil {
		return err
	}
	return r.Close()
}

// reNotATable is DuckDB's refusal to INSERT into a view, which is what
// stream and lake tables are; reNotABaseTable its refusal to UPDATE or
// DELETE from one (TRUNCATE is a DELETE), which does not name the view.
var (
	reNotATable     = regexp.MustCompile(`Catalog Error: (?:[^ ]+\.)?([^ .]+) is not an? table`)
	reNotABaseTable = regexp.MustCompile(`Can only (?:update|delete from) base table`)
)

// asReadOnlyErr explains DuckDB's refusal to write to a view when the view
// is a stream or lake table: both are read-only, and the error says how to
// write to what lies under them (Hive scripts INSERT into S3-backed tables;
// rheo does not). toks is the failed statement.
func (e *Engine) asReadOnlyErr(err error, toks []token) error {
	if err == nil {
		return nil
	}
	var name string
	if m := reNotATable.FindStringSubmatch(err.Error()); m != nil {
		name = strings.ToLower(m[1])
	} else if reNotABaseTable.MatchString(err.Error()) {
		name = dmlTarget(toks)
	}
	if name == "" {
		return err
	}
	e.mu.Lock()
	st, isStream := e.tables[name]
	ext, isLake := e.externals[name]
	e.mu.Unlock()
	switch {
	case isStream:
		return newErr(CodeFeature, "cannot write to stream table %q: it is read-only; put records to stream %q with PutRecord/PutRecords (rheo put, the AWS SDKs) instead", name, st.Stream)
	case isLake:
		loc := strings.TrimSuffix(ext.Location, "/") + "/"
		hint := "write objects under " + loc + " instead (a delivery stream, or your S3 tools)"
		if !ext.remote {
			switch ext.Format {
			case formatParquet:
				hint = "write objects under its location instead, e.g. COPY (SELECT ...) TO '" + loc + "part-0001.parquet' (FORMAT parquet)"
			case formatJSON:
				hint = "write objects under its location instead, e.g. COPY (SELECT ...) TO '" + loc + "part-0001.json' (FORMAT json)"
			}
		}
		return newErr(CodeFeature, "cannot write to lake table %q: it is read-only; %s", name, hint)
	}
	return err
}

// dmlTarget is the table an UPDATE, DELETE FROM or TRUNCATE [TABLE] names
// (the last part of a qualified name, lower-cased), or "".
func dmlTarget(toks []token) string {
	i := 1
	switch {
	case len(toks) > 2 && toks[0].is("delete") && toks[1].is("from"):
		i = 2
	case len(toks) > 2 && toks[0].is("truncate") && toks[1].is("table"):
		i = 2
	case len(toks) > 1 && (toks[0].is("update") || toks[0].is("truncate")):
	default:
		return ""
	}
	for i+2 < len(toks) && toks[i+1].text == "." {
		i += 2
	}
	return strings.ToLower(toks[i].text)
}
