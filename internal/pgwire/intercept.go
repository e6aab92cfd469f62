package pgwire

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
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
	// pg_dump sets these at start, and its scripts at their top.
	"synchronize_seqscans":        "on",
	"row_security":                "on",
	"quote_all_identifiers":       "off",
	"check_function_bodies":       "on",
	"xmloption":                   "content",
	"default_tablespace":          "",
	"default_table_access_method": "heap",
	// pg_dump 17's scripts set it too (0: none). Like lock_timeout and
	// idle_in_transaction_session_timeout, it is kept, not enforced.
	"transaction_timeout": "0",
}

// Read-only parameters answered by SHOW.
var pgReadOnlyParams = map[string]string{
	"server_encoding":               "UTF8",
	"integer_datetimes":             "on",
	"transaction_isolation":         "serializable",
	"default_transaction_isolation": "serializable",
	"transaction_read_only":         "off",
	"is_superuser":                  "on",
	"max_identifier_length":         "63",
}

// Parameters whose change Postgres reports back with ParameterStatus.
var reportedParams = map[string]string{
	"application_name": "application_name",
	"client_encoding":  "client_encoding",
	"datestyle":        "DateStyle",
	"intervalstyle":    "IntervalStyle",
}

var (
	reSet      = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+|(LOCAL)\s+)?([a-z_][a-z0-9_]*)\s*(?:=|\s+TO\s+)\s*(.*?)\s*;?\s*$`)
	reSetLocal = regexp.MustCompile(`(?is)^\s*SET\s+LOCAL\s`) // pgwire's parameters' or the engine's
	reSetTx    = regexp.MustCompile(`(?is)^\s*SET\s+(?:SESSION\s+CHARACTERISTICS\s+AS\s+)?TRANSACTION\s+.*$`)
	reSetNames = regexp.MustCompile(`(?is)^\s*SET\s+NAMES\s+(.*?)\s*;?\s*$`)
	reReset    = regexp.MustCompile(`(?is)^\s*RESET\s+([a-z_][a-z0-9_]*)\s*;?\s*$`)
	reShow     = regexp.MustCompile(`(?is)^\s*SHOW\s+([a-z_][a-z0-9_]*)\s*;?\s*$`)
	// SHOW TRANSACTION ISOLATION LEVEL is Postgres's spelling of SHOW
	// transaction_isolation; pgjdbc's getTransactionIsolation and
	// SQLAlchemy's connect send it.
	reShowIsolation = regexp.MustCompile(`(?is)^\s*SHOW\s+TRANSACTION\s+ISOLATION\s+LEVEL\s*;?\s*$`)
	reVersion       = regexp.MustCompile(`(?is)^\s*SELECT\s+(?:pg_catalog\.)?version\s*\(\s*\)\s*;?\s*$`)
)

// isSetLocal reports SET LOCAL; the regular expression runs only on
// statements that start with SET.
func isSetLocal(sql string) bool {
	sql = strings.TrimLeft(sql, " \t\r\n")
	return len(sql) > 9 && strings.EqualFold(sql[:3], "set") && reSetLocal.MatchString(sql)
}

// intercepted is what pgwire answers itself for a statement.
type intercepted struct {
	cols []Column
	rows [][]any
	tag  string
	// set is the parameter a SET changed (lower case), with its value;
	// local: by SET LOCAL.
	set, value string
	local      bool
	err        *Error // the statement fails with err
}

// intercept recognises the Postgres-only statements pgwire answers; nil
// means the statement goes to the engine.
func (c *conn) intercept(sql string) *intercepted {
	if m := reSet.FindStringSubmatch(sql); m != nil {
		name := strings.ToLower(m[2])
		if _, ok := pgOnlyParams[name]; ok {
			v := strings.TrimSpace(m[3])
			if len(v) >= 2 && (v[0] == '\'' && v[len(v)-1] == '\'') {
				v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
			}
			if strings.EqualFold(v, "default") {
				v = pgOnlyParams[name]
			}
			in := setParam(name, v, "SET")
			in.local = m[1] != ""
			return in
		}
		return nil
	}
	if m := reReset.FindStringSubmatch(sql); m != nil {
		name := strings.ToLower(m[1])
		if def, ok := pgOnlyParams[name]; ok {
			return setParam(name, def, "RESET")
		}
		return nil
	}
	if m := reSetNames.FindStringSubmatch(sql); m != nil {
		v := strings.TrimSpace(m[1])
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = strings.ReplaceAll(v[1:len(v)-1], "''", "'")
		}
		if strings.EqualFold(v, "default") {
			v = pgOnlyParams["client_encoding"]
		}
		return setParam("client_encoding", v, "SET")
	}
	if reSetTx.MatchString(sql) {
		return &intercepted{tag: "SET"}
	}
	if reShowIsolation.MatchString(sql) {
		sql = "SHOW transaction_isolation"
	}
	if m := reShow.FindStringSubmatch(sql); m != nil {
		name := strings.ToLower(m[1])
		v, ok := c.setting(name)
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

// setting returns the value of a parameter pgwire answers itself; ok is
// false for the engine's.
func (c *conn) setting(name string) (string, bool) {
	v, ok := c.settings[name]
	if !ok {
		v, ok = pgOnlyParams[name]
	}
	if !ok {
		v, ok = pgReadOnlyParams[name]
	}
	if !ok && name == "server_version" {
		v, ok = c.srv.cfg.ServerVersion, true
	}
	if !ok && name == "server_version_num" {
		v, ok = serverVersionNum(c.srv.cfg.ServerVersion), true
	}
	return v, ok
}

// serverVersionNum is server_version as Postgres numbers it: 15.0 is 150000.
func serverVersionNum(v string) string {
	major, minor := 0, 0
	f := strings.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if len(f) > 0 {
		major, _ = strconv.Atoi(f[0])
	}
	if len(f) > 1 {
		minor, _ = strconv.Atoi(f[1])
	}
	return strconv.Itoa(major*10000 + minor)
}

// setParam answers SET or RESET of a Postgres-only parameter; a value
// the parameter cannot take is an error, as in Postgres.
func setParam(name, v, tag string) *intercepted {
	if name == "client_encoding" {
		enc, err := clientEncoding(v)
		if err != nil {
			return &intercepted{err: err}
		}
		v = enc
	}
	if name == "statement_timeout" {
		d, ok := parseMillis(v)
		if !ok {
			return &intercepted{err: &Error{Code: codeInvalidParamValue,
				Message: fmt.Sprintf("invalid value for parameter \"statement_timeout\": %q", v)}}
		}
		v = formatMillis(d)
	}
	return &intercepted{tag: tag, set: name, value: v}
}

// pgEncodings are Postgres's other encoding names, folded as Postgres
// folds them (lower case, letters and digits only).
var pgEncodings = map[string]bool{
	"sqlascii": true, "latin1": true, "latin2": true, "latin3": true, "latin4": true, "latin5": true,
	"latin6": true, "latin7": true, "latin8": true, "latin9": true, "latin10": true, "iso88591": true,
	"iso88592": true, "iso88595": true, "iso88596": true, "iso88597": true, "iso88598": true, "iso88599": true,
	"iso885913": true, "iso885915": true, "win866": true, "win874": true, "win1250": true, "win1251": true,
	"win1252": true, "win1253": true, "win1254": true, "win1255": true, "win1256": true, "win1257": true,
	"win1258": true, "windows1252": true, "koi8r": true, "koi8u": true, "eucjp": true, "euccn": true,
	"euckr": true, "euctw": true, "eucjis2004": true, "sjis": true, "shiftjis": true, "shiftjis2004": true,
	"big5": true, "gbk": true, "uhc": true, "gb18030": true, "johab": true, "mulecode": true, "alt": true,
}

// clientEncoding checks a client_encoding: rheo sends and reads UTF-8
// only, so it takes Postgres's spellings of UTF8 and refuses the other
// encodings, as a server that cannot convert to them does, rather than
// accept them and send UTF-8 anyway.
func clientEncoding(v string) (string, *Error) {
	folded := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, v)
	switch {
	case folded == "utf8" || folded == "unicode":
		return "UTF8", nil
	case pgEncodings[folded]:
		return "", &Error{Code: codeFeatureNotSupported, Message: fmt.Sprintf("conversion between %s and UTF8 is not supported", strings.ToUpper(v)),
			Hint: "rheo speaks UTF8 only: set client_encoding to UTF8 and convert in the client."}
	}
	return "", &Error{Code: codeInvalidParamValue, Message: fmt.Sprintf("invalid value for parameter \"client_encoding\": %q", v)}
}

// parseMillis reads a time setting as Postgres does: a number of
// milliseconds, or a number with a unit (us, ms, s, min, h, d).
func parseMillis(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' })
	num, unit := v, "ms"
	if i >= 0 {
		num, unit = v[:i], strings.TrimSpace(v[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	units := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
		"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := units[unit]
	if !ok || f*float64(u) > float64(math.MaxInt32)*float64(time.Millisecond) {
		return 0, false
	}
	return time.Duration(math.Round(f*float64(u)/float64(time.Millisecond))) * time.Millisecond, true
}

// formatMillis shows a time setting as SHOW does in Postgres: in the
// largest unit that holds it exactly.
func formatMillis(d time.Duration) string {
	ms := d.Milliseconds()
	if ms == 0 {
		return "0"
	}
	for _, u := range []struct {
		n    int64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}} {
		if ms%u.n == 0 {
			return strconv.FormatInt(ms/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
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
