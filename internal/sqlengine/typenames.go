package sqlengine

import (
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Type names: the DuckDB types of a prepared statement's columns,
// spelled as rheo reports them.

// stmtColumns returns a prepared statement's result columns.
func stmtColumns(stmt *duckdb.Stmt) []Column {
	n, _ := stmt.ColumnCount()
	cols := make([]Column, 0, n)
	for i := range n {
		name, _ := stmt.ColumnName(i)
		ti, err := stmt.ColumnTypeInfo(i)
		tn := "UNKNOWN"
		if err == nil {
			tn = typeName(ti)
		} else if t, _ := stmt.ColumnType(i); t == duckdb.TYPE_STRUCT {
			tn = "VARCHAR" // a row value, which comes as record text (rowvalue.go)
		}
		if tn == "VARCHAR" && isJSONColumn(stmt, i) {
			tn = "JSON"
		}
		cols = append(cols, Column{Name: name, Type: tn})
	}
	return cols
}

// typeName renders a DuckDB type as DuckDB spells it in SQL.
func typeName(ti duckdb.TypeInfo) string {
	switch d := ti.Details().(type) {
	case *duckdb.DecimalDetails:
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Width, d.Scale)
	case *duckdb.ListDetails:
		return typeName(d.Child) + "[]"
	case *duckdb.ArrayDetails:
		return fmt.Sprintf("%s[%d]", typeName(d.Child), d.Size)
	case *duckdb.MapDetails:
		return "MAP(" + typeName(d.Key) + ", " + typeName(d.Value) + ")"
	case *duckdb.StructDetails:
		parts := make([]string, len(d.Entries))
		for i, en := range d.Entries {
			parts[i] = quoteIdentIfNeeded(en.Name()) + " " + typeName(en.Info())
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	case *duckdb.EnumDetails:
		return "ENUM"
	}
	return duckTypeString(ti.InternalType())
}

func duckTypeString(t duckdb.Type) string {
	switch t {
	case duckdb.TYPE_TIMESTAMP_TZ:
		return "TIMESTAMP WITH TIME ZONE"
	case duckdb.TYPE_TIME_TZ:
		return "TIME WITH TIME ZONE"
	}
	names := map[duckdb.Type]string{
		duckdb.TYPE_BOOLEAN: "BOOLEAN", duckdb.TYPE_TINYINT: "TINYINT", duckdb.TYPE_SMALLINT: "SMALLINT",
		duckdb.TYPE_INTEGER: "INTEGER", duckdb.TYPE_BIGINT: "BIGINT", duckdb.TYPE_UTINYINT: "UTINYINT",
		duckdb.TYPE_USMALLINT: "USMALLINT", duckdb.TYPE_UINTEGER: "UINTEGER", duckdb.TYPE_UBIGINT: "UBIGINT",
		duckdb.TYPE_FLOAT: "FLOAT", duckdb.TYPE_DOUBLE: "DOUBLE", duckdb.TYPE_TIMESTAMP: "TIMESTAMP",
		duckdb.TYPE_DATE: "DATE", duckdb.TYPE_TIME: "TIME", duckdb.TYPE_INTERVAL: "INTERVAL",
		duckdb.TYPE_HUGEINT: "HUGEINT", duckdb.TYPE_UHUGEINT: "UHUGEINT", duckdb.TYPE_VARCHAR: "VARCHAR",
		duckdb.TYPE_BLOB: "BLOB", duckdb.TYPE_TIMESTAMP_S: "TIMESTAMP_S", duckdb.TYPE_TIMESTAMP_MS: "TIMESTAMP_MS",
		duckdb.TYPE_TIMESTAMP_NS: "TIMESTAMP_NS", duckdb.TYPE_UUID: "UUID", duckdb.TYPE_BIT: "BIT",
		duckdb.TYPE_SQLNULL: "NULL", duckdb.TYPE_DECIMAL: "DECIMAL",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return "UNKNOWN"
}

// normalizeTypeName turns duckdb-go's result type names into DuckDB's SQL
// spelling (TIMESTAMPTZ -> TIMESTAMP WITH TIME ZONE).
func normalizeTypeName(s string) string {
	s = strings.ReplaceAll(s, "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
	return strings.ReplaceAll(s, "TIMETZ", "TIME WITH TIME ZONE")
}
