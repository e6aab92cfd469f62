package sqlengine

import (
	"context"
	"regexp"
	"strconv"
	"strings"
)

// Result column names as Postgres gives them. DuckDB names an unaliased
// select item after its expression's text (count_star(), (id + 1),
// CAST(id AS VARCHAR)); Postgres after the function or column it is
// (count, ?column?, id: FigureColname in its parse_target.c), and folds
// unquoted aliases to lower case. BI tools and pandas show these names and
// look columns up by them, so rheo asks DuckDB's parser for the statement's
// tree (json_serialize_sql) and names each select item as Postgres would.
// Only the names change, never the query. Statements the tree does not
// map to the result columns one to one (a star over a table, an item list
// that does not match) keep DuckDB's names for the columns it does not
// cover.

// plainName matches names DuckDB gives only to a column or a lower-case
// alias, which Postgres would give too: results whose names all match need
// no parse.
var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// valuesName is DuckDB's name of a VALUES column (col0, col1, ...).
var valuesName = regexp.MustCompile(`^col[0-9]+$`)

// rewrittenName holds the names DuckDB gives the calls rheo's rewrites
// put in for a cast the client wrote (pgcompat.go): Postgres names
// c.oid::regclass oid, 't'::regclass regclass (figure).
var rewrittenName = map[string]bool{"regclass_name": true, "regclass_oid": true}

// maxNameDepth bounds the walk through subqueries and CTEs.
const maxNameDepth = 32

// pgColumnNames renames cols as Postgres names them, from the tree of src
// (the statement as the client wrote it, before rheo's rewrites of
// current_setting). It must run while no result of the session is open.
func (s *Session) pgColumnNames(ctx context.Context, src string, cols []Column) {
	need := false
	for _, c := range cols {
		if !plainName.MatchString(c.Name) || valuesName.MatchString(c.Name) || rewrittenName[c.Name] {
			need = true
			break
		}
	}
	if !need {
		return
	}
	vals, err := s.queryValues(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", src)
	if err != nil {
		return
	}
	text, _ := vals[0].(string)
	doc, err := decodeJSON(text)
	if err != nil || doc["error"] == true {
		return
	}
	stmts := list(doc["statements"])
	if len(stmts) != 1 {
		return
	}
	n := &namer{src: src}
	names := n.node(asMap(asMap(stmts[0])["node"]), len(cols), nil, 0)
	for i, name := range names {
		if name != "" {
			cols[i].Name = name
		}
	}
}

// namer figures Postgres's names from a DuckDB parse tree.
type namer struct{ src string }

// node names the n columns of a query node; "" keeps DuckDB's name, and
// nil keeps them all. ctes are the WITH clauses in scope, innermost last.
func (n *namer) node(node map[string]any, cols int, ctes []map[string]any, depth int) []string {
	if node == nil || depth > maxNameDepth {
		return nil
	}
	if m := asMap(node["cte_map"]); m != nil {
		if entries := list(m["map"]); len(entries) > 0 {
			scope := map[string]any{}
			for _, e := range entries {
				em := asMap(e)
				scope[strings.ToLower(str(em["key"]))] = em["value"]
			}
			ctes = append(ctes[:len(ctes):len(ctes)], scope)
		}
	}
	switch str(node["type"]) {
	case "SET_OPERATION_NODE":
		// Postgres names a UNION's columns after its leftmost query.
		left := asMap(node["left"])
		if left == nil {
			if ch := list(node["children"]); len(ch) > 0 {
				left = asMap(ch[0])
			}
		}
		return n.node(left, cols, ctes, depth+1)
	case "SELECT_NODE":
	default:
		return nil
	}
	items := list(node["select_list"])
	first, last := -1, -1
	for i, it := range items {
		if str(asMap(it)["class"]) == "STAR" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		if len(items) != cols {
			return nil
		}
		names := make([]string, cols)
		for i, it := range items {
			names[i] = n.item(asMap(it))
		}
		return names
	}
	if len(items) == 1 && plainStar(asMap(items[0])) {
		return n.from(asMap(node["from_table"]), cols, ctes, depth+1)
	}
	// Items around stars: those before the first and after the last
	// are at known positions.
	after := len(items) - 1 - last
	if first+after > cols {
		return nil
	}
	names := make([]string, cols)
	for i := range first {
		names[i] = n.item(asMap(items[i]))
	}
	for i := range after {
		names[cols-after+i] = n.item(asMap(items[last+1+i]))
	}
	return names
}

// plainStar reports whether a STAR is a bare *, without EXCLUDE, REPLACE,
// RENAME, COLUMNS or a table qualifier.
func plainStar(m map[string]any) bool {
	return str(m["relation_name"]) == "" && m["columns"] != true && m["expr"] == nil &&
		len(list(m["exclude_list"])) == 0 && len(list(m["qualified_exclude_list"])) == 0 &&
		len(list(m["replace_list"])) == 0 && len(list(m["rename_list"])) == 0
}

// from names the columns of SELECT * over one FROM item: a subquery or CTE
// passes its names on, VALUES has column1, column2, ...
func (n *namer) from(t map[string]any, cols int, ctes []map[string]any, depth int) []string {
	if t == nil || len(list(t["column_name_alias"])) > 0 {
		return nil
	}
	switch str(t["type"]) {
	case "SUBQUERY":
		return n.node(asMap(asMap(t["subquery"])["node"]), cols, ctes, depth)
	case "BASE_TABLE":
		if str(t["schema_name"]) != "" || str(t["catalog_name"]) != "" {
			return nil
		}
		name := strings.ToLower(str(t["table_name"]))
		for i := len(ctes) - 1; i >= 0; i-- {
			if cte, ok := ctes[i][name]; ok {
				cm := asMap(cte)
				if len(list(cm["aliases"])) > 0 {
					return nil
				}
				return n.node(asMap(asMap(cm["query"])["node"]), cols, ctes[:i+1], depth)
			}
		}
	case "EXPRESSION_LIST":
		rows := list(t["values"])
		if len(rows) == 0 || len(list(rows[0])) != cols || len(list(t["expected_names"])) > 0 {
			return nil
		}
		names := make([]string, cols)
		for i := range names {
			names[i] = "column" + strconv.Itoa(i+1)
		}
		return names
	}
	return nil
}

// item names one select item: its alias (folded as Postgres folds it), ""
// for a bare column (DuckDB names it after the column as Postgres does, in
// the catalog's spelling), else the name Postgres figures, or ?column?.
func (n *namer) item(e map[string]any) string {
	if a := str(e["alias"]); a != "" {
		return n.ident(a)
	}
	if str(e["class"]) == "COLUMN_REF" {
		return ""
	}
	if name, strength := n.figure(e); strength > 0 {
		return name
	}
	return "?column?"
}

// figure is Postgres's FigureColnameInternal over DuckDB's tree: a name
// and its strength (2: a column or function, 1: a type or "case", 0:
// none).
func (n *namer) figure(e map[string]any) (string, int) {
	if e == nil {
		return "", 0
	}
	switch str(e["class"]) {
	case "COLUMN_REF":
		parts := list(e["column_names"])
		if len(parts) == 0 {
			return "", 0
		}
		return n.ident(str(parts[len(parts)-1])), 2
	case "FUNCTION", "WINDOW":
		name := str(e["function_name"])
		if e["is_operator"] == true || !plainName.MatchString(strings.ToLower(name)) {
			return "", 0
		}
		if str(e["catalog"]) == pgShimDB {
			// Casts to regclass the rewrite made calls (pgcompat.go):
			// col::regclass is named after col, 'name'::regclass after
			// the type.
			switch name {
			case "regclass_name":
				if args := list(e["children"]); len(args) == 1 {
					return n.figure(asMap(args[0]))
				}
			case "regclass_oid":
				return "regclass", 1
			}
		}
		return n.funcName(name, e), 2
	case "CAST":
		name, strength := n.figure(asMap(e["child"]))
		if strength > 1 {
			return name, strength
		}
		if t := pgCastTypeName(asMap(e["cast_type"])); t != "" {
			return t, 1
		}
		return name, strength
	case "COLLATE":
		return n.figure(asMap(e["child"]))
	case "CASE":
		name, strength := n.figure(asMap(e["else_expr"]))
		if strength > 1 {
			return name, strength
		}
		return "case", 1
	case "SUBQUERY":
		switch str(e["subquery_type"]) {
		case "EXISTS":
			return "exists", 2
		case "SCALAR":
			// The name of the subquery's first column.
			sub := asMap(asMap(e["subquery"])["node"])
			for sub != nil && str(sub["type"]) == "SET_OPERATION_NODE" {
				sub = asMap(sub["left"])
			}
			items := list(sub["select_list"])
			if len(items) == 0 || str(asMap(items[0])["class"]) == "STAR" {
				return "", 0
			}
			first := asMap(items[0])
			if name := n.item(first); name != "" {
				return name, 2
			}
			return n.figure(first)
		}
	case "OPERATOR":
		ch := list(e["children"])
		switch str(e["type"]) {
		case "OPERATOR_COALESCE":
			return "coalesce", 2
		case "ARRAY_CONSTRUCTOR":
			return "array", 2
		case "GROUPING_FUNCTION":
			return "grouping", 2
		case "ARRAY_EXTRACT", "ARRAY_SLICE":
			if len(ch) > 0 {
				return n.figure(asMap(ch[0]))
			}
		case "STRUCT_EXTRACT":
			if len(ch) == 2 {
				if v := asMap(asMap(ch[1])["value"]); v != nil {
					if f := str(v["value"]); f != "" {
						return f, 2
					}
				}
			}
		}
	}
	return "", 0
}

// funcName is the name Postgres gives a call of DuckDB function name.
func (n *namer) funcName(name string, e map[string]any) string {
	name = strings.ToLower(name)
	switch name {
	case "count_star":
		return "count"
	case "trim":
		return "btrim" // Postgres's TRIM(...) is btrim
	case "date_part":
		// EXTRACT(field FROM x) parses as date_part; Postgres 14+ names it extract.
		if loc, ok := location(e); ok && loc < len(n.src) && hasPrefixFold(n.src[loc:], "extract") {
			return "extract"
		}
	}
	return name
}

// ident folds an identifier as Postgres does: lower case unless the
// statement spells it in double quotes (DuckDB's tree keeps the case
// as written but not whether it was quoted).
func (n *namer) ident(s string) string {
	if strings.ToLower(s) == s {
		return s
	}
	if strings.Contains(n.src, `"`+strings.ReplaceAll(s, `"`, `""`)+`"`) {
		return s
	}
	return strings.ToLower(s)
}

// location is an expression's offset in the statement, when DuckDB kept it.
func location(e map[string]any) (int, bool) {
	v, ok := e["query_location"].(interface{ Int64() (int64, error) })
	if !ok {
		return 0, false
	}
	i, err := v.Int64()
	if err != nil || i < 0 {
		return 0, false
	}
	return int(i), true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// pgCastTypeName is the name Postgres gives a cast of a constant to
// DuckDB type t: its internal type name ('t'::boolean is bool, 1::integer
// int4). DuckDB's tree says VARCHAR for text and varchar alike; text is
// the common spelling.
func pgCastTypeName(t map[string]any) string {
	id := str(t["id"])
	switch id {
	case "":
		return ""
	case "BOOLEAN":
		return "bool"
	case "SMALLINT":
		return "int2"
	case "INTEGER":
		return "int4"
	case "BIGINT":
		return "int8"
	case "FLOAT":
		return "float4"
	case "DOUBLE":
		return "float8"
	case "DECIMAL":
		return "numeric"
	case "VARCHAR":
		return "text"
	case "BLOB":
		return "bytea"
	case "TIMESTAMP WITH TIME ZONE":
		return "timestamptz"
	case "TIME WITH TIME ZONE":
		return "timetz"
	case "USER":
		if name := str(asMap(t["type_info"])["user_type_name"]); name != "" {
			return strings.ToLower(name)
		}
	}
	return strings.ToLower(id)
}
