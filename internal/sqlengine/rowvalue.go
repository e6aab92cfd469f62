package sqlengine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/rheo-dev/rheo/internal/iteration"
)

// Row values: Postgres's (1,2,3) and ROW(1,2,3), which psycopg2 sends for
// a Python tuple, are DuckDB's unnamed structs, whose values the driver
// cannot read at all ("API error: empty name": it names every struct
// field). A query with such a result column is run wrapped, the column
// rendered in SQL as Postgres's record text: (1,"a b",,t), a field
// quoted when empty or holding a quote, backslash, comma, parenthesis or
// space, NULL fields empty. The column is text (OID 25), not record
// (2249), whose binary form pgx would ask for.

// rowValueQuery returns st wrapped so that its unnamed-struct result
// columns come as record text, or "" when it has none (or its columns
// cannot be described, when the driver's error stands).
func (s *Session) rowValueQuery(ctx context.Context, stmt *duckdb.Stmt, st string, args []any) string {
	n, err := stmt.ColumnCount()
	if err != nil || n == 0 {
		return ""
	}
	var rec []bool
	for i := range n {
		if t, err := stmt.ColumnType(i); err != nil || t != duckdb.TYPE_STRUCT {
			continue
		}
		if _, err := stmt.ColumnTypeInfo(i); err == nil {
			continue // named fields: read as JSON
		}
		if rec == nil {
			rec = make([]bool, n)
		}
		rec[i] = true
	}
	if rec == nil {
		return ""
	}
	// The field types, from DESCRIBE, which binds without running; a bind
	// only, never recording an iteration.
	body := strings.TrimRight(strings.TrimSpace(st), "; \t\r\n")
	dctx := context.WithValue(ctx, planKey{}, &queryPlan{describe: true, windows: map[string][]iteration.Range{}})
	rows, err := s.conn.QueryContext(dctx, "DESCRIBE "+body, namedArgs(args))
	if err != nil {
		return ""
	}
	var types []string
	vals := make([]driver.Value, len(rows.Columns()))
	for rows.Next(vals) == nil {
		if len(vals) < 2 {
			break
		}
		t, _ := vals[1].(string)
		types = append(types, t)
	}
	rows.Close()
	if len(types) != n {
		return ""
	}
	sel := make([]string, n)
	inner := make([]string, n)
	for i := range n {
		name, _ := stmt.ColumnName(i)
		inner[i] = quoteIdent(fmt.Sprintf("__rheo_c%d", i+1))
		sel[i] = inner[i]
		if rec[i] {
			fields, ok := structFieldTypes(types[i])
			if !ok {
				return ""
			}
			sel[i] = recordText(inner[i], fields)
		}
		sel[i] += " AS " + quoteIdent(name)
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + body + "\n) AS __rheo_row(" + strings.Join(inner, ", ") + ")"
}

// structFieldTypes splits "STRUCT(INTEGER, DECIMAL(18,3), VARCHAR)" into
// its field types.
func structFieldTypes(t string) ([]string, bool) {
	t = strings.TrimSpace(t)
	if !strings.HasPrefix(strings.ToUpper(t), "STRUCT(") || !strings.HasSuffix(t, ")") {
		return nil, false
	}
	t = t[len("STRUCT(") : len(t)-1]
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(t[start:i]))
			start = i + 1
		}
	}
	out = append(out, strings.TrimSpace(t[start:]))
	return out, len(out) > 0 && out[0] != ""
}

// recordText is the SQL rendering col, an unnamed struct of the given
// field types, as Postgres's record_out does.
func recordText(col string, fields []string) string {
	var b strings.Builder
	b.WriteString("CASE WHEN " + col + " IS NULL THEN NULL ELSE '(' || ")
	for i, typ := range fields {
		if i > 0 {
			b.WriteString(" || ',' || ")
		}
		f := fmt.Sprintf("struct_extract(%s, %d)", col, i+1)
		var v string
		switch strings.ToUpper(typ) {
		case "BOOLEAN":
			v = "CASE WHEN " + f + " THEN 't' ELSE 'f' END"
		case "BLOB":
			v = `'\x' || lower(hex(` + f + "))"
		default:
			v = "CAST(" + f + " AS VARCHAR)"
		}
		fmt.Fprintf(&b, `CASE WHEN %[1]s IS NULL THEN '' WHEN %[2]s = '' OR regexp_matches(%[2]s, '[",\\()\s]') `+
			`THEN '"' || replace(replace(%[2]s, '\', '\\'), '"', '""') || '"' ELSE %[2]s END`, f, v)
	}
	b.WriteString(" || ')' END")
	return b.String()
}
