package pgwire

import (
	"regexp"
	"strings"
)

// Drivers set and read Postgres session parameters the engine does not
// have (JDBC sends "SET extra_float_digits = 3" and
// "SET application_name = ..." at connect). Failing those would fail the
// connection, so pgwire keeps them per connection itself.
var pgOnlyParams = map[string]string{
	"application_name":                    "",
	"extra_float_digits":                  "1",
	"client_encoding":                     "UTF8",
	"datestyle":                           "ISO, MDY",
	"intervalstyle":                       "postgres",
	"client_min_messages":                 "notice",
	"statement_timeout":                   "0",
	"lock_timeout":                        "0",
	"idle_in_transaction_session_timeout": "0",
	"standard_conforming_strings":         "on",
	"bytea_output":                        "hex",
	"jit":                                 "off",
	"escape_string_warning":               "on",
	"synchronous_commit":                  "on",
	"geqo":                                "on",
}

// Read-only parameters answered by SHOW.
var pgReadOnlyParams = map[string]string{
	"server_encoding":       "UTF8",
	"integer_datetimes":     "on",
	"transaction_isolation": "serializable",
	"is_superuser":          "on",
	"max_identifier_length": "63",
}

// Parameters whose change Postgres reports back with ParameterStatus.
var reportedParams = map[string]string{
	"application_name": "application_name",
	"client_encoding":  "client_encoding",
	"datestyle":        "DateStyle",
	"intervalstyle":    "IntervalStyle",
}

var (
	reSet      = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?([a-z_][a-z0-9_]*)\s*(?:=|\s+TO\s+)\s*(.*?)\s*;?\s*$`)
	reSetTx    = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+CHARACTERISTICS\s+AS\s+)?TRANSACTION\s+.*$`)
	reSetNames = regexp.MustCompile(`(?is)^\s*SET\s+NAMES\s+.*$`)
	reShow     = regexp.MustCompile(`(?is)^\s*SHOW\s+([a-z_][a-z0-9_]*)\s*;?\s*$`)
	reVersion  = regexp.MustCompile(`(?is)^\s*SELECT\s+(?:pg_catalog\.)?version\s*\(\s*\)\s*;?\s*$`)
)

// intercepted is what pgwire answers itself for a statement.
type intercepted struct {
	cols []Column
	rows [][]any
	tag  string
	// set is the parameter a SET changed (lower case), with its value.
	set, value string
}

// intercept recognises the Postgres-only statements pgwire answers; nil
// means the statement goes to the engine.
func (c *conn) intercept(sql string) *intercepted {
	if m := reSet.FindStringSubmatch(sql); m != nil {
		name := strings.ToLower(m[1])
		if _, ok := pgOnlyParams[name]; ok {
			v := strings.TrimSpace(m[2])
			if len(v) >= 2 && (v[0] == '\'' && v[len(v)-1] == '\'') {
				v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
			}
			if strings.EqualFold(v, "default") {
				v = pgOnlyParams[name]
			}
			return &intercepted{tag: "SET", set: name, value: v}
		}
		return nil
	}
	if reSetTx.MatchString(sql) || reSetNames.MatchString(sql) {
		return &intercepted{tag: "SET"}
	}
	if m := reShow.FindStringSubmatch(sql); m != nil {
		name := strings.ToLower(m[1])
		v, ok := c.settings[name]
		if !ok {
			v, ok = pgReadOnlyParams[name]
		}
		if !ok && name == "server_version" {
			v, ok = c.srv.cfg.ServerVersion, true
		}
		if !ok {
			return nil
		}
		return &intercepted{cols: []Column{{Name: name, Type: "VARCHAR"}}, rows: [][]any{{v}}, tag: "SHOW"}
	}
	if reVersion.MatchString(sql) {
		v := "PostgreSQL " + c.srv.cfg.ServerVersion + " on rheo (DuckDB engine)"
		return &intercepted{cols: []Column{{Name: "version", Type: "VARCHAR"}}, rows: [][]any{{v}}, tag: "SELECT 1"}
	}
	return nil
}

// staticRows serves an intercepted answer through the Rows interface.
type staticRows struct {
	in *intercepted
	i  int
}

func (r *staticRows) Columns() []Column { return r.in.cols }
func (r *staticRows) Next() bool {
	if r.i >= len(r.in.rows) {
		return false
	}
	r.i++
	return true
}
func (r *staticRows) Row() []any        { return r.in.rows[r.i-1] }
func (r *staticRows) Err() error        { return nil }
func (r *staticRows) Close() error      { return nil }
func (r *staticRows) Tag() string       { return r.in.tag }
func (r *staticRows) Notices() []string { return nil }
