package sqlengine

import (
	"context"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// isQuery reports a statement that only reads (SELECT, WITH ... SELECT,
// DuckDB's FROM-first form, VALUES), which QueryLimit may wrap.
func isQuery(toks []token) bool {
	return len(toks) > 0 && (toks[0].is("select") || toks[0].is("with") || toks[0].is("from") || toks[0].is("values"))
}

// limitQuery wraps query st so that DuckDB computes at most limit rows. The
// newline before the closing parenthesis ends a trailing -- comment. A
// subquery keeps its ORDER BY's order under an outer LIMIT in DuckDB.
func limitQuery(st string, limit int) string {
	return "SELECT * FROM (" + strings.TrimRight(st, "; \t\r\n") + "\n) LIMIT " + strconv.Itoa(limit)
}

// limited returns stmt, the prepared query st with cols columns, as
// limitQuery's wrapper when that prepares to the same number of columns;
// else stmt itself. s.mu is held.
func (s *Session) limited(ctx context.Context, stmt *duckdb.Stmt, st string, limit, cols int) *duckdb.Stmt {
	ds, err := s.conn.PrepareContext(ctx, limitQuery(st, limit))
	if err != nil {
		return stmt
	}
	w := ds.(*duckdb.Stmt)
	if n, err := w.ColumnCount(); err != nil || n != cols {
		w.Close()
		return stmt
	}
	stmt.Close()
	return w
}
