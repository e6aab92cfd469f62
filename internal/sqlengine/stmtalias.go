package sqlengine

import (
	"reflect"

	"github.com/duckdb/duckdb-go/mapping"
	"github.com/duckdb/duckdb-go/v2"
)

// A prepared statement's JSON columns and parameters. DuckDB's JSON is VARCHAR with the
// alias "JSON"; duckdb-go v2.5.4 reads the alias for a result's columns
// (rows.ColumnTypeDatabaseTypeName says JSON) but not for a prepared
// statement's (Stmt.ColumnTypeInfo and ParamType say VARCHAR). A Describe would then
// tell a client text (25) where the rows it gets are json (114), and
// pgx, which decodes by the described type, would scan a string, not an
// object; and a $1::json parameter would be text, which pgx will not
// encode a map or struct as. duckdb-go has no exported way to the statement's logical types,
// so stmtAliases reads its unexported handle, checking the field's type
// first, and falls back to no aliases if duckdb-go's layout changes.

// preparedStmtType is the type of duckdb.Stmt's preparedStmt field.
var preparedStmtType = reflect.TypeOf((*mapping.PreparedStatement)(nil))

// preparedHandle returns stmt's DuckDB prepared statement; false if
// duckdb-go's Stmt does not hold one where v2.5.4 does.
func preparedHandle(stmt *duckdb.Stmt) (ps *mapping.PreparedStatement, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f := reflect.ValueOf(stmt).Elem().FieldByName("preparedStmt")
	if !f.IsValid() || f.Type() != preparedStmtType || f.IsNil() {
		return nil, false
	}
	return (*mapping.PreparedStatement)(f.UnsafePointer()), true
}

// isJSONColumn reports whether result column i of stmt is DuckDB's JSON.
// Only a column's own type counts, as for a result's columns (a JSON[]
// column is VARCHAR[] there too).
func isJSONColumn(stmt *duckdb.Stmt, i int) bool {
	ps, ok := preparedHandle(stmt)
	if !ok {
		return false
	}
	lt := mapping.PreparedStatementColumnLogicalType(*ps, mapping.IdxT(i))
	defer mapping.DestroyLogicalType(&lt)
	return mapping.LogicalTypeGetAlias(lt) == "JSON"
}

// isJSONParam reports whether parameter i (1-based) of stmt is DuckDB's
// JSON.
func isJSONParam(stmt *duckdb.Stmt, i int) bool {
	ps, ok := preparedHandle(stmt)
	if !ok {
		return false
	}
	lt := mapping.ParamLogicalType(*ps, mapping.IdxT(i))
	defer mapping.DestroyLogicalType(&lt)
	return mapping.LogicalTypeGetAlias(lt) == "JSON"
}
