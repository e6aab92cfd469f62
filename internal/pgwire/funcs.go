package pgwire

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Postgres's session functions over what pgwire keeps: current_setting of
// the parameters pgwire answers (application_name, statement_timeout,
// server_version, ...), set_config as a SET, and pg_backend_pid, the
// process id of BackendKeyData. current_setting of the engine's own
// settings (TimeZone, search_path) is the engine's.

var (
	reCurrentSetting = regexp.MustCompile(`(?i)\b(?:pg_catalog\s*\.\s*)?current_setting\s*\(\s*'((?:[^']|'')*)'\s*(?:,\s*(true|false|'t'|'f')\s*)?\)`)
	reBackendPID     = regexp.MustCompile(`(?i)\b(?:pg_catalog\s*\.\s*)?pg_backend_pid\s*\(\s*\)`)
	reSetConfig      = regexp.MustCompile(`(?is)^\s*SELECT\s+(?:pg_catalog\s*\.\s*)?set_config\s*\(\s*'((?:[^']|'')*)'\s*,\s*'((?:[^']|'')*)'\s*,\s*(true|false|'t'|'f')\s*\)\s*(?:AS\s+("?[a-z_][a-z0-9_]*"?)\s*)?;?\s*$`)
	reSelectOneCall  = regexp.MustCompile(`(?is)^\s*SELECT\s+((?:pg_catalog\s*\.\s*)?(current_setting|pg_backend_pid)\s*\((?:[^()']|'(?:[^']|'')*')*\))\s*;?\s*$`)
)

// rewriteFuncs replaces current_setting of pgwire's parameters and
// pg_backend_pid() by their values, before the engine sees the statement.
func (c *conn) rewriteFuncs(sql string) string {
	if lower := strings.ToLower(sql); !strings.Contains(lower, "current_setting") && !strings.Contains(lower, "pg_backend_pid") {
		return sql
	}
	sql = reCurrentSetting.ReplaceAllStringFunc(sql, func(m string) string {
		name := strings.ToLower(strings.ReplaceAll(reCurrentSetting.FindStringSubmatch(m)[1], "''", "'"))
		if v, ok := c.setting(name); ok {
			return "(SELECT '" + strings.ReplaceAll(v, "'", "''") + "' AS current_setting)"
		}
		return m
	})
	// As scalar subqueries, the values keep the function's name as an
	// unaliased select item's column name, as in Postgres.
	return reBackendPID.ReplaceAllString(sql, "(SELECT CAST("+strconv.FormatUint(uint64(c.pid), 10)+" AS INTEGER) AS pg_backend_pid)")
}

// sessionFunc answers SELECT set_config(...), and SELECT current_setting(...)
// or SELECT pg_backend_pid() alone, so their column is named as in
// Postgres; ok is false for other statements.
func (c *conn) sessionFunc(ctx context.Context, sql string) (rows Rows, ok bool, err error) {
	if m := reSetConfig.FindStringSubmatch(sql); m != nil {
		name := strings.ReplaceAll(m[1], "''", "'")
		value := m[2]
		set := "SET "
		local := strings.EqualFold(m[3], "true") || strings.EqualFold(m[3], "'t'")
		if local {
			set = "SET LOCAL "
		}
		// Outside a transaction block set_config(..., true) sets nothing,
		// without SET LOCAL's warning: the SELECT is a transaction of its
		// own in Postgres, which ends with it.
		r, err := c.runStatement(ctx, set+name+" = '"+value+"'", nil)
		if err != nil {
			return nil, true, err
		}
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			r.Close()
			return nil, true, err
		}
		r.Close()
		var v string
		if local && c.tx == txIdle {
			// The value it had for that moment: pgwire's parameters'
			// as SHOW shows them, the engine's as given.
			v = strings.ReplaceAll(value, "''", "'")
			if in := c.intercept("SET " + name + " = '" + value + "'"); in != nil && in.set != "" {
				v = in.value
			}
		} else if v, err = c.showValue(ctx, name); err != nil {
			return nil, true, err
		}
		col := "set_config"
		if m[4] != "" {
			col = strings.Trim(m[4], `"`)
		}
		return &staticRows{in: &intercepted{cols: []Column{{Name: col, Type: "VARCHAR"}}, rows: [][]any{{v}}, tag: "SELECT 1"}}, true, nil
	}
	m := reSelectOneCall.FindStringSubmatch(sql)
	if m == nil {
		return nil, false, nil
	}
	fn := strings.ToLower(m[2])
	if fn == "pg_backend_pid" {
		return &staticRows{in: &intercepted{cols: []Column{{Name: fn, Type: "INTEGER"}}, rows: [][]any{{int32(c.pid)}}, tag: "SELECT 1"}}, true, nil
	}
	cm := reCurrentSetting.FindStringSubmatch(m[1])
	if cm == nil {
		return nil, false, nil
	}
	name := strings.ToLower(strings.ReplaceAll(cm[1], "''", "'"))
	if _, mine := c.setting(name); !mine {
		// The engine's setting: its query, with Postgres's column name.
		r, err := c.query(ctx, "SELECT "+m[1]+" AS current_setting")
		return r, true, err
	}
	v, _ := c.setting(name)
	return &staticRows{in: &intercepted{cols: []Column{{Name: fn, Type: "VARCHAR"}}, rows: [][]any{{v}}, tag: "SELECT 1"}}, true, nil
}

// showValue reads a setting as SHOW shows it.
func (c *conn) showValue(ctx context.Context, name string) (string, error) {
	if v, ok := c.setting(strings.ToLower(name)); ok {
		return v, nil
	}
	r, err := c.run(ctx, "SHOW "+name, nil)
	if err != nil {
		return "", err
	}
	defer r.Close()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return "", err
		}
		return "", &Error{Code: codeInternal, Message: fmt.Sprintf("SHOW %s returned no row", name)}
	}
	row := r.Row()
	if len(row) != 1 {
		return "", &Error{Code: codeInternal, Message: fmt.Sprintf("SHOW %s returned %d values", name, len(row))}
	}
	v, _ := FormatText("VARCHAR", row[0])
	for r.Next() {
	}
	return v, r.Err()
}

// describeFunc describes what sessionFunc answers; ok is false for other
// statements.
func (c *conn) describeFunc(ctx context.Context, sql string) (d *Description, ok bool, err error) {
	if m := reSetConfig.FindStringSubmatch(sql); m != nil {
		col := "set_config"
		if m[4] != "" {
			col = strings.Trim(m[4], `"`)
		}
		return &Description{Columns: []Column{{Name: col, Type: "VARCHAR"}}}, true, nil
	}
	m := reSelectOneCall.FindStringSubmatch(sql)
	if m == nil {
		return nil, false, nil
	}
	if strings.EqualFold(m[2], "pg_backend_pid") {
		return &Description{Columns: []Column{{Name: "pg_backend_pid", Type: "INTEGER"}}}, true, nil
	}
	cm := reCurrentSetting.FindStringSubmatch(m[1])
	if cm == nil {
		return nil, false, nil
	}
	if _, mine := c.setting(strings.ToLower(strings.ReplaceAll(cm[1], "''", "'"))); mine {
		return &Description{Columns: []Column{{Name: "current_setting", Type: "VARCHAR"}}}, true, nil
	}
	d, err = c.sess.Describe(ctx, "SELECT "+m[1]+" AS current_setting")
	return d, true, err
}
