package sqlengine

import (
	"fmt"
	"regexp"
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

// Postgres types of catalog columns DuckDB has no type for. pg_index's
// indkey and indoption are int2vector, indclass and indcollation
// oidvector, whose text is the numbers separated by spaces ("1 2"), not
// an array's ("{1,2}"); and array_agg of a name column (attname, relname,
// ...) is name[], which node-postgres leaves as text. Sequelize's
// showIndex reads both so (indkey.split(" "), and column_names parsed by
// its own array parser) and failed on arrays. The types are given to
// result columns by their name, in statements that read pg_index or
// aggregate such a column; pgwire knows the names INT2VECTOR, OIDVECTOR
// and NAME.
var (
	pgNameAgg     = regexp.MustCompile(`(?i)\barray_agg\s*\(\s*(?:[a-z_]\w*\.)?(?:attname|relname|nspname|typname|conname|proname)\s*\)\s*(?:AS\s+)?([a-z_]\w*|"[^"]+")`)
	pgVectorTypes = map[string]string{"indkey": "INT2VECTOR", "indoption": "INT2VECTOR", "indclass": "OIDVECTOR", "indcollation": "OIDVECTOR"}
)

// A type's OID (pg_type.oid) is an oid (26) too, which node-postgres
// reads as a number and int8 as a string: Sequelize keys its parsers
// (DATEONLY's, which keeps a date a 'YYYY-MM-DD' string) by the number
// and never found them. Only where the query reads pg_type and none of
// the catalogs whose rows have the shim's OIDs past 2^32 (pg_class,
// pg_index, pg_constraint: a table's OID times a million), which an oid
// cannot hold.

// catalogColumnTypes sets the types above on the columns of st's result.
func catalogColumnTypes(st string, cols []Column) {
	lower := strings.ToLower(st)
	index, agg := strings.Contains(lower, "pg_index"), strings.Contains(lower, "array_agg")
	if strings.Contains(lower, "pg_type") && !index && !strings.Contains(lower, "pg_class") && !strings.Contains(lower, "pg_constraint") {
		for i, c := range cols {
			if c.Name == "oid" && (c.Type == "BIGINT" || c.Type == "INTEGER") {
				cols[i].Type = "OID"
			}
		}
	}
	if !index && !agg {
		return
	}
	names := map[string]bool{}
	if agg {
		for _, m := range pgNameAgg.FindAllStringSubmatch(st, -1) {
			if a := m[1]; strings.HasPrefix(a, `"`) {
				names[strings.Trim(a, `"`)] = true
			} else {
				names[strings.ToLower(a)] = true
			}
		}
	}
	for i, c := range cols {
		if !strings.HasSuffix(c.Type, "[]") {
			continue
		}
		if t, ok := pgVectorTypes[c.Name]; ok && index && !strings.HasSuffix(c.Type, "[][]") {
			cols[i].Type = t
		} else if names[c.Name] && c.Type == "VARCHAR[]" {
			cols[i].Type = "NAME[]"
		}
	}
}
