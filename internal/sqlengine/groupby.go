package sqlengine

import (
	"context"
	"database/sql/driver"
	"strings"
)

// GROUP BY a primary key. Postgres lets a query grouped by a table's
// primary key select that table's other columns, which depend on the key
// (Django's annotate(n=Count("orders")) sends SELECT "c"."id", "c"."name",
// COUNT(...) ... GROUP BY "c"."id"); DuckDB refuses them ("must appear in
// the GROUP BY clause"). groupByKeys adds the table's other columns to
// such a GROUP BY: grouping by columns that depend on the key groups the
// same rows, so the result is the one Postgres gives.

// tableKey is a table's primary key and all its columns.
type tableKey struct {
	pk, cols []string
}

// groupByKeys rewrites st (tokens toks) as described above; it asks the
// catalog only when a GROUP BY lists a qualified column and the statement
// names another column of the same qualifier outside it.
func (s *Session) groupByKeys(ctx context.Context, st string, toks []token) string {
	groups := findGroupBys(toks)
	if len(groups) == 0 {
		return st
	}
	aliases := fromAliases(toks)
	for n := range shadowedNames(toks) {
		delete(aliases, n)
	}
	var tables []string
	for _, g := range groups {
		for q := range g.cols {
			if t, ok := aliases[strings.ToLower(q)]; ok && needsKeyColumns(toks, q, g) {
				tables = append(tables, t)
			}
		}
	}
	if len(tables) == 0 {
		return st
	}
	keys := s.tableKeys(ctx, tables)
	if len(keys) == 0 {
		return st
	}
	return addKeyColumns(st, toks, groups, aliases, keys)
}

// groupBy is one GROUP BY clause: its qualified columns by qualifier (as
// written) and the end of its last item in the statement.
type groupBy struct {
	cols map[string]map[string]bool // qualifier → lower-case column names
	end  int
	// quals keeps the qualifiers' text in the order first seen.
	quals []string
	qtext map[string]string
}

// findGroupBys returns the GROUP BY clauses whose items include a
// qualified column (q.col).
func findGroupBys(toks []token) []groupBy {
	var out []groupBy
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].is("group") || !toks[i+1].is("by") {
			continue
		}
		g := groupBy{cols: map[string]map[string]bool{}, qtext: map[string]string{}}
		depth := 0
		last := -1
		for j := i + 2; j < len(toks); j++ {
			t := toks[j]
			if isPunct(t, "(") || isPunct(t, "[") {
				depth++
			} else if isPunct(t, ")") || isPunct(t, "]") {
				if depth == 0 {
					break
				}
				depth--
			} else if depth == 0 && (isPunct(t, ";") || t.kind == tokWord && groupByEnd[strings.ToLower(t.text)]) {
				break
			}
			last = j
			// An item that is exactly q.col: after GROUP BY or a comma,
			// before a comma or the clause's end.
			if depth == 0 && j+2 < len(toks) && isName(t) && isPunct(toks[j+1], ".") && isName(toks[j+2]) &&
				(isPunct(toks[j-1], ",") || j == i+2) && (j+3 >= len(toks) || !isPunct(toks[j+3], ".") && !isPunct(toks[j+3], "(")) {
				q := strings.ToLower(t.text)
				if g.cols[q] == nil {
					g.cols[q] = map[string]bool{}
					g.quals = append(g.quals, q)
					g.qtext[q] = toks[j].text
				}
				g.cols[q][strings.ToLower(toks[j+2].text)] = true
			}
		}
		if last < 0 || len(g.cols) == 0 {
			continue
		}
		g.end = toks[last].end
		out = append(out, g)
	}
	return out
}

// groupByEnd are the words that end a GROUP BY list.
var groupByEnd = map[string]bool{
	"having": true, "order": true, "limit": true, "offset": true, "window": true, "qualify": true,
	"union": true, "except": true, "intersect": true, "fetch": true, "for": true,
}

// needsKeyColumns reports whether the statement names a column q.x that
// g does not group by.
func needsKeyColumns(toks []token, q string, g groupBy) bool {
	for j := 0; j+2 < len(toks); j++ {
		if isName(toks[j]) && strings.EqualFold(toks[j].text, q) && isPunct(toks[j+1], ".") && isName(toks[j+2]) &&
			(j == 0 || !isPunct(toks[j-1], ".")) && !g.cols[q][strings.ToLower(toks[j+2].text)] {
			return true
		}
	}
	return false
}

// fromAliases maps the lower-case names and aliases of the tables after
// FROM and JOIN to their lower-case table names.
func fromAliases(toks []token) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].is("from") && !toks[i].is("join") {
			continue
		}
		j := i + 1
		if !isName(toks[j]) {
			continue
		}
		// A qualified name: the table is its last part.
		for j+2 < len(toks) && isPunct(toks[j+1], ".") && isName(toks[j+2]) {
			j += 2
		}
		table := strings.ToLower(toks[j].text)
		if j+1 < len(toks) && isPunct(toks[j+1], "(") {
			continue // a table function
		}
		m[table] = table
		k := j + 1
		if k < len(toks) && toks[k].is("as") {
			k++
		}
		if k < len(toks) && (toks[k].kind == tokQIdent || toks[k].kind == tokWord && !aliasStop[strings.ToLower(toks[k].text)]) {
			m[strings.ToLower(toks[k].text)] = table
		}
	}
	return m
}

// shadowedNames returns the lower-case names the statement binds to
// something other than a table: a CTE (name [(cols)] AS (...)), a
// subquery's or a table function's alias (...) [AS] name. A qualifier of
// that name may not be the table of that name, whose key says nothing of
// its rows: grouping by more columns would split its groups.
func shadowedNames(toks []token) map[string]bool {
	m := map[string]bool{}
	for i := 0; i+1 < len(toks); i++ {
		switch {
		case isName(toks[i]) && toks[i+1].is("as") && i+2 < len(toks) && (isPunct(toks[i+2], "(") || toks[i+2].is("materialized") || toks[i+2].is("not")):
			m[strings.ToLower(toks[i].text)] = true
		case isName(toks[i]) && isPunct(toks[i+1], "("):
			if c := matchParen(toks, i+1); c > 0 && c+2 < len(toks) && toks[c+1].is("as") && isPunct(toks[c+2], "(") {
				m[strings.ToLower(toks[i].text)] = true // name(cols) AS (
			}
		case isPunct(toks[i], ")"):
			k := i + 1
			if toks[k].is("as") {
				k++
			}
			if k < len(toks) && (toks[k].kind == tokQIdent || toks[k].kind == tokWord && !aliasStop[strings.ToLower(toks[k].text)]) {
				m[strings.ToLower(toks[k].text)] = true
			}
		}
	}
	return m
}

// aliasStop are words after a table name that are not its alias.
var aliasStop = map[string]bool{
	"on": true, "using": true, "where": true, "group": true, "order": true, "having": true, "limit": true,
	"offset": true, "left": true, "right": true, "inner": true, "full": true, "cross": true, "join": true,
	"natural": true, "union": true, "except": true, "intersect": true, "window": true, "qualify": true,
	"for": true, "fetch": true, "tablesample": true, "using_sample": true, "lateral": true, "positional": true,
	"anti": true, "semi": true, "asof": true,
}

// tableKeys looks up the primary keys and columns of tables (lower-case
// names); a name several tables share is left out.
func (s *Session) tableKeys(ctx context.Context, tables []string) map[string]tableKey {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = quoteString(t)
	}
	rows, err := s.conn.QueryContext(ctx, `SELECT lower(c.table_name), c.column_name, list_contains(k.constraint_column_names, c.column_name), `+
		`count(DISTINCT c.table_oid) OVER (PARTITION BY lower(c.table_name)) `+
		`FROM duckdb_columns() c JOIN duckdb_constraints() k ON k.table_oid = c.table_oid AND k.constraint_type = 'PRIMARY KEY' `+
		`WHERE c.database_name = current_database() AND lower(c.table_name) IN (`+strings.Join(names, ", ")+`) `+
		`ORDER BY c.table_oid, c.column_index`, nil)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[string]tableKey{}
	vals := make([]driver.Value, 4)
	for rows.Next(vals) == nil {
		name, _ := vals[0].(string)
		col, _ := vals[1].(string)
		if n, _ := vals[3].(int64); n != 1 {
			continue // several tables of that name
		}
		k := out[name]
		if pk, _ := vals[2].(bool); pk {
			k.pk = append(k.pk, strings.ToLower(col))
		}
		k.cols = append(k.cols, col)
		out[name] = k
	}
	return out
}

// addKeyColumns appends to each GROUP BY the other columns of the tables
// whose whole primary key it lists.
func addKeyColumns(st string, toks []token, groups []groupBy, aliases map[string]string, keys map[string]tableKey) string {
	e := edits{src: st}
	for _, g := range groups {
		var add []string
		for _, q := range g.quals {
			k, ok := keys[aliases[q]]
			if !ok || len(k.pk) == 0 || !needsKeyColumns(toks, q, g) {
				continue
			}
			all := true
			for _, c := range k.pk {
				all = all && g.cols[q][c]
			}
			if !all {
				continue
			}
			for _, c := range k.cols {
				if !g.cols[q][strings.ToLower(c)] {
					add = append(add, quoteIdent(g.qtext[q])+"."+quoteIdent(c))
				}
			}
		}
		if len(add) == 0 {
			continue
		}
		e.replace(g.end, g.end, ", "+strings.Join(add, ", "))
	}
	return e.String()
}
