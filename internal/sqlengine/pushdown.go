package sqlengine

import (
	"context"
	"encoding/json"
	"strings"
)

// Pushdown: before a statement runs, rheo asks DuckDB's parser for the
// statement's AST (json_serialize_sql), finds every reference to a stream
// table and the top-level AND-ed comparisons of its _arrival_time or
// _sequence_number with constant expressions in the same SELECT, and
// evaluates those constants in the session (so now(), intervals, casts and
// the session time zone mean what they mean in the query). rheo_scan then
// reads only the matching offsets of each shard: time bounds through the
// log's time index (Seek AtTimestamp), sequence bounds by the encoding.
//
// Bounds only ever widen what is read, never change results: DuckDB still
// applies the WHERE clause. A table referenced several times reads the
// union of its references' bounds; a reference without bounds, or one hidden
// behind a user view, turns pushdown off for that table or query.

// upperSlack widens upper time bounds: the constant is evaluated just
// before the query runs, so now() in the query is slightly later.
const upperSlackMS = 5000

// pushdown returns the bounds of each stream table the statement reads.
func (s *Session) pushdown(ctx context.Context, st string, toks []token) map[string]bounds {
	// Cheap check first: does any word name a stream table?
	found := false
	s.e.mu.Lock()
	for _, t := range toks {
		if t.kind == tokWord || t.kind == tokQIdent {
			if _, ok := s.e.tables[strings.ToLower(t.text)]; ok {
				found = true
				break
			}
		}
	}
	s.e.mu.Unlock()
	if !found {
		return nil
	}
	q := queryPart(st, toks)
	if q == "" {
		return nil
	}
	vals, err := s.queryValues(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", q)
	if err != nil {
		return nil
	}
	text, _ := vals[0].(string)
	doc, err := decodeJSON(text)
	if err != nil || doc["error"] == true {
		return nil
	}
	a := &analysis{s: s, ctx: ctx, refs: map[string][]*bounds{}, total: map[string]int{}}
	var others []string
	walk(doc, func(m map[string]any) {
		if m["type"] == "BASE_TABLE" {
			name := strings.ToLower(str(m["table_name"]))
			if _, ok := s.e.table(name); ok && (str(m["schema_name"]) == "" || strings.EqualFold(str(m["schema_name"]), "main")) {
				a.total[name]++
			} else {
				others = append(others, name)
			}
		}
		if m["type"] == "SELECT_NODE" {
			a.selectNode(m)
		}
	})
	if len(others) > 0 && s.anyUserView(ctx, others) {
		return nil
	}
	out := map[string]bounds{}
	for name, list := range a.refs {
		if len(list) != a.total[name] || len(list) == 0 {
			continue
		}
		u := *list[0]
		for _, b := range list[1:] {
			u = union(u, *b)
		}
		if u.hasMinTS || u.hasMaxTS || u.hasMinSeq || u.hasMaxSeq {
			out[name] = u
		}
	}
	return out
}

// anyUserView reports whether one of names is a DuckDB view that is not a
// stream table: a view may read stream tables the AST does not show.
func (s *Session) anyUserView(ctx context.Context, names []string) bool {
	list, _ := json.Marshal(names)
	vals, err := s.queryValues(ctx, "SELECT count(*) FROM duckdb_views() WHERE NOT internal AND coalesce(comment, '') <> ? AND list_contains(?::VARCHAR[], lower(view_name)) AND lower(view_name) <> 'rheo_iterations'", viewComment, string(list))
	if err != nil {
		return true
	}
	n, _ := vals[0].(int64)
	return n > 0
}

// queryPart returns the query inside INSERT ... SELECT, CREATE TABLE ... AS
// and COPY (...) TO; the statement itself when it is a query.
func queryPart(st string, toks []token) string {
	depth := 0
	for i, t := range toks {
		switch {
		case t.text == "(" && t.kind == tokPunct:
			depth++
		case t.text == ")" && t.kind == tokPunct:
			depth--
		case t.is("select") || t.is("with") || (t.is("from") && i == 0):
			start, d := t.pos, depth
			for _, u := range toks[i+1:] {
				if u.kind == tokPunct && u.text == "(" {
					d++
				} else if u.kind == tokPunct && u.text == ")" {
					d--
					if d < depth {
						return st[start:u.pos]
					}
				}
			}
			return st[start:]
		}
	}
	return ""
}

// analysis collects per-reference bounds.
type analysis struct {
	s     *Session
	ctx   context.Context
	refs  map[string][]*bounds // stream table -> bounds of each analysed reference
	total map[string]int       // stream table -> references anywhere
}

type tableRef struct {
	name, key string // table name and the qualifier that names it
}

func (a *analysis) selectNode(m map[string]any) {
	var refs []tableRef
	var collect func(n any)
	collect = func(n any) {
		t, ok := n.(map[string]any)
		if !ok {
			return
		}
		switch t["type"] {
		case "BASE_TABLE":
			name := strings.ToLower(str(t["table_name"]))
			if _, ok := a.s.e.table(name); ok {
				key := strings.ToLower(str(t["alias"]))
				if key == "" {
					key = name
				}
				refs = append(refs, tableRef{name: name, key: key})
			}
		case "JOIN":
			collect(t["left"])
			collect(t["right"])
		}
	}
	collect(m["from_table"])
	if len(refs) == 0 {
		return
	}
	var conj []map[string]any
	var flatten func(n any)
	flatten = func(n any) {
		t, ok := n.(map[string]any)
		if !ok {
			return
		}
		if t["class"] == "CONJUNCTION" && t["type"] == "CONJUNCTION_AND" {
			for _, c := range list(t["children"]) {
				flatten(c)
			}
			return
		}
		conj = append(conj, t)
	}
	flatten(m["where_clause"])
	bs := make([]*bounds, len(refs))
	for i := range bs {
		bs[i] = &bounds{}
	}
	for _, c := range conj {
		switch c["class"] {
		case "COMPARISON":
			op := str(c["type"])
			l, r := asMap(c["left"]), asMap(c["right"])
			col, ri := a.column(l, refs)
			expr := r
			if col == "" {
				col, ri = a.column(r, refs)
				expr = l
				op = flip(op)
			}
			if col == "" || !constant(expr) {
				continue
			}
			a.apply(bs[ri], col, op, expr)
		case "BETWEEN":
			col, ri := a.column(asMap(c["input"]), refs)
			if col == "" {
				continue
			}
			if lo := asMap(c["lower"]); constant(lo) {
				a.apply(bs[ri], col, "COMPARE_GREATERTHANOREQUALTO", lo)
			}
			if hi := asMap(c["upper"]); constant(hi) {
				a.apply(bs[ri], col, "COMPARE_LESSTHANOREQUALTO", hi)
			}
		}
	}
	for i, r := range refs {
		a.refs[r.name] = append(a.refs[r.name], bs[i])
	}
}

// column returns "_arrival_time" or "_sequence_number" and the reference it
// belongs to, if e is such a column of a stream table of this SELECT.
func (a *analysis) column(e map[string]any, refs []tableRef) (string, int) {
	if e == nil || e["class"] != "COLUMN_REF" {
		return "", 0
	}
	parts := list(e["column_names"])
	if len(parts) == 0 {
		return "", 0
	}
	col := strings.ToLower(str(parts[len(parts)-1]))
	if col != "_arrival_time" && col != "_sequence_number" {
		return "", 0
	}
	if len(parts) == 1 {
		if len(refs) == 1 {
			return col, 0
		}
		return "", 0
	}
	q := strings.ToLower(str(parts[len(parts)-2]))
	for i, r := range refs {
		if r.key == q {
			return col, i
		}
	}
	return "", 0
}

// apply evaluates expr and tightens b.
func (a *analysis) apply(b *bounds, col, op string, expr map[string]any) {
	lower := op == "COMPARE_GREATERTHAN" || op == "COMPARE_GREATERTHANOREQUALTO" || op == "COMPARE_EQUAL"
	upper := op == "COMPARE_LESSTHAN" || op == "COMPARE_LESSTHANOREQUALTO" || op == "COMPARE_EQUAL"
	if !lower && !upper {
		return
	}
	sel := a.exprSQL(expr)
	if sel == "" {
		return
	}
	if col == "_arrival_time" {
		vals, err := a.s.queryValues(a.ctx, "SELECT epoch_ms(CAST(x AS TIMESTAMPTZ)) FROM ("+sel+") AS t(x)")
		if err != nil {
			return
		}
		ms, ok := vals[0].(int64)
		if !ok {
			return
		}
		if lower && (!b.hasMinTS || ms > b.minTS) {
			b.hasMinTS, b.minTS = true, ms
		}
		if upper && (!b.hasMaxTS || ms+upperSlackMS < b.maxTS) {
			b.hasMaxTS, b.maxTS = true, ms+upperSlackMS
		}
		return
	}
	vals, err := a.s.queryValues(a.ctx, "SELECT CAST(x AS VARCHAR), typeof(x) FROM ("+sel+") AS t(x)")
	if err != nil {
		return
	}
	v, ok1 := vals[0].(string)
	ty, ok2 := vals[1].(string)
	if !ok1 || !ok2 || ty != "VARCHAR" {
		return
	}
	strict := op == "COMPARE_GREATERTHAN" || op == "COMPARE_LESSTHAN"
	if lower && (!b.hasMinSeq || v > b.minSeq || (v == b.minSeq && strict)) {
		b.hasMinSeq, b.minSeq, b.minSeqStrict = true, v, strict
	}
	if upper && (!b.hasMaxSeq || v < b.maxSeq || (v == b.maxSeq && strict)) {
		b.hasMaxSeq, b.maxSeq, b.maxSeqStrict = true, v, strict
	}
}

// exprSQL renders a constant expression as "SELECT <expr>" through
// json_deserialize_sql, so rheo never re-implements DuckDB's printer.
func (a *analysis) exprSQL(expr map[string]any) string {
	vals, err := a.s.queryValues(a.ctx, "SELECT json_serialize_sql('SELECT 1')::VARCHAR")
	if err != nil {
		return ""
	}
	text, _ := vals[0].(string)
	doc, err := decodeJSON(text)
	if err != nil {
		return ""
	}
	stmts := list(doc["statements"])
	if len(stmts) != 1 {
		return ""
	}
	node := asMap(asMap(stmts[0])["node"])
	if node == nil {
		return ""
	}
	node["select_list"] = []any{expr}
	raw, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	vals, err = a.s.queryValues(a.ctx, "SELECT json_deserialize_sql(?::JSON)", string(raw))
	if err != nil {
		return ""
	}
	sql, _ := vals[0].(string)
	return sql
}

func union(a, b bounds) bounds {
	var u bounds
	if a.hasMinTS && b.hasMinTS {
		u.hasMinTS, u.minTS = true, min(a.minTS, b.minTS)
	}
	if a.hasMaxTS && b.hasMaxTS {
		u.hasMaxTS, u.maxTS = true, max(a.maxTS, b.maxTS)
	}
	if a.hasMinSeq && b.hasMinSeq {
		u.hasMinSeq, u.minSeq = true, min(a.minSeq, b.minSeq)
		u.minSeqStrict = (a.minSeq != u.minSeq || a.minSeqStrict) && (b.minSeq != u.minSeq || b.minSeqStrict)
	}
	if a.hasMaxSeq && b.hasMaxSeq {
		u.hasMaxSeq, u.maxSeq = true, max(a.maxSeq, b.maxSeq)
		u.maxSeqStrict = (a.maxSeq != u.maxSeq || a.maxSeqStrict) && (b.maxSeq != u.maxSeq || b.maxSeqStrict)
	}
	return u
}

func flip(op string) string {
	switch op {
	case "COMPARE_GREATERTHAN":
		return "COMPARE_LESSTHAN"
	case "COMPARE_GREATERTHANOREQUALTO":
		return "COMPARE_LESSTHANOREQUALTO"
	case "COMPARE_LESSTHAN":
		return "COMPARE_GREATERTHAN"
	case "COMPARE_LESSTHANOREQUALTO":
		return "COMPARE_GREATERTHANOREQUALTO"
	}
	return op
}

// constant reports whether an expression depends on no column, parameter
// or subquery, so it can be evaluated on its own.
func constant(e map[string]any) bool {
	if e == nil {
		return false
	}
	ok := true
	walk(e, func(m map[string]any) {
		switch m["class"] {
		case "COLUMN_REF", "SUBQUERY", "PARAMETER", "WINDOW", "STAR", "LAMBDA", "LAMBDA_REF", "POSITIONAL_REFERENCE", "DEFAULT":
			ok = false
		}
		if m["type"] == "AGGREGATE" {
			ok = false
		}
	})
	return ok
}

// decodeJSON keeps numbers exact (query locations are 2^64-1), so a tree
// re-encoded for json_deserialize_sql is what DuckDB wrote.
func decodeJSON(text string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	var doc map[string]any
	err := d.Decode(&doc)
	return doc, err
}

// walk calls fn on every object of a decoded JSON tree.
func walk(n any, fn func(map[string]any)) {
	switch v := n.(type) {
	case map[string]any:
		fn(v)
		for _, c := range v {
			walk(c, fn)
		}
	case []any:
		for _, c := range v {
			walk(c, fn)
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
