package sqlengine

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Array values where Postgres types them by their place in a statement.
// Postgres makes $1 in "id = ANY($1)" (ALL, SOME) an array of id's type,
// and a string literal there, or cast to an array type, or inserted into
// an array column, is read as array text ('{1,2}'). DuckDB leaves such a
// parameter unresolved (and with it every other parameter of the
// statement), reports a parameter cast to a list or inserted into one
// only as "a list" without its element type, and casts only its own list
// text ('[1, 2]') to a list. Without the element type the Postgres
// endpoint cannot tell clients the parameter is an int8[], and pgx then
// cannot send a Go slice. arraySlots finds these places, asks DuckDB the
// element type where the statement does not spell it (the left side of
// the comparison, the target column), and rewrites the statement so that
// DuckDB gets a typed list.

// arraySlot is one parameter or array-text literal where Postgres expects
// an array.
type arraySlot struct {
	param      int    // n of $n; 0 for a literal
	lit        string // a literal's DuckDB list text
	start, end int    // the $n or the literal in the statement
	// anyStart and anyEnd span "ANY ( slot )" when the slot is the right
	// side of a comparison with ANY, SOME or ALL; anyEnd is 0 otherwise.
	anyStart, anyEnd int
	cast             bool   // cast to an array type (elem is its element)
	col              string // the target column of an INSERT or UPDATE
	elem             string // DuckDB element type; "" when unknown
}

// arrayRewrite is what arraySlots found: the statement to run and the
// list types of parameters ($n → "BIGINT[]").
type arrayRewrite struct {
	sql    string
	params map[int]string
}

// arraySlots rewrites st (tokens toks) for DuckDB as described above. It
// prepares probe statements only when a slot's element type is not in the
// statement; when nothing applies it returns st unchanged.
func (s *Session) arraySlots(ctx context.Context, st string, toks []token) arrayRewrite {
	out := arrayRewrite{sql: st}
	slots, maxParam := findArraySlots(st, toks)
	if len(slots) == 0 {
		return out
	}
	s.probeAnyElems(ctx, st, slots, maxParam)
	s.targetElems(ctx, st, toks, slots)
	s.castElems(ctx, slots)
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, sl := range slots {
		if sl.elem == "" {
			continue
		}
		if sl.param > 0 {
			if out.params == nil {
				out.params = map[int]string{}
			}
			out.params[sl.param] = sl.elem + "[]"
		}
		val := st[sl.start:sl.end]
		if sl.param == 0 {
			val = quoteString(sl.lit)
		}
		switch {
		case sl.anyEnd > 0:
			edits = append(edits, edit{sl.start, sl.end, "CAST(" + val + " AS " + sl.elem + "[])"})
		case sl.param == 0:
			edits = append(edits, edit{sl.start, sl.end, val})
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, e := range edits {
		out.sql = out.sql[:e.start] + e.text + out.sql[e.end:]
	}
	return out
}

// findArraySlots returns the slots of st and the highest $n in it.
func findArraySlots(st string, toks []token) ([]*arraySlot, int) {
	var slots []*arraySlot
	maxParam := 0
	insertRow := insertColumns(toks)
	for i := 0; i < len(toks); i++ {
		sl := &arraySlot{start: toks[i].pos}
		j := i + 1
		switch {
		case toks[i].text == "$" && toks[i].kind == tokPunct && j < len(toks) && toks[j].kind == tokNumber && toks[j].pos == toks[i].end:
			n, err := strconv.Atoi(toks[j].text)
			if err != nil || n <= 0 {
				continue
			}
			sl.param, sl.end = n, toks[j].end
			maxParam = max(maxParam, n)
			j++
		case toks[i].kind == tokString && strings.HasPrefix(strings.TrimSpace(toks[i].text), "{"):
			lit, ok := pgArrayToDuckDB([]byte(toks[i].text), false)
			if !ok {
				continue
			}
			sl.lit, sl.end = string(lit), toks[i].end
		default:
			continue
		}
		switch {
		case i >= 3 && toks[i-1].text == "(" && (toks[i-2].is("any") || toks[i-2].is("some") || toks[i-2].is("all")) &&
			isCompareOp(toks[i-3]) && j < len(toks) && toks[j].text == ")":
			sl.anyStart, sl.anyEnd = toks[i-2].pos, toks[j].end
		case j+1 < len(toks) && toks[j].text == ":" && toks[j+1].text == ":" && toks[j+1].pos == toks[j].end:
			sl.elem, sl.cast = arrayTypeAt(st, toks, j+2, "")
		case i >= 2 && toks[i-1].text == "(" && toks[i-2].is("cast") && j < len(toks) && toks[j].is("as"):
			sl.elem, sl.cast = arrayTypeAt(st, toks, j+1, ")")
		case insertRow != nil:
			sl.col = insertRow(i, j)
		case i >= 3 && toks[0].is("update") && toks[i-1].text == "=" && toks[i-2].kind != tokPunct &&
			(toks[i-3].is("set") || toks[i-3].text == ",") && (j == len(toks) || toks[j].text == "," || toks[j].is("where") || toks[j].is("from") || toks[j].is("returning")):
			sl.col = toks[i-2].text
		}
		if sl.anyEnd > 0 || sl.cast || sl.col != "" {
			slots = append(slots, sl)
		}
		i = j - 1
	}
	return slots, maxParam
}

// isCompareOp reports whether t ends a comparison operator (=, <>, !=, <,
// <=, >, >=), the ones DuckDB takes with ANY and ALL.
func isCompareOp(t token) bool {
	return t.kind == tokPunct && (t.text == "=" || t.text == "<" || t.text == ">")
}

// arrayTypeAt reads a type name at toks[k] followed by [] (and then by
// closer when it is not ""): its element type as written, and ok.
func arrayTypeAt(st string, toks []token, k int, closer string) (string, bool) {
	first, depth := k, 0
	for ; k < len(toks); k++ {
		t := toks[k]
		switch {
		case t.text == "(":
			depth++
		case t.text == ")" && depth > 0:
			depth--
		case depth > 0 || t.kind == tokWord || t.kind == tokQIdent || t.text == ".":
		case t.text == "[" && k > first && k+1 < len(toks) && toks[k+1].text == "]":
			if k+2 < len(toks) && toks[k+2].text == "[" { // a multi-dimensional array: left to DuckDB
				return "", false
			}
			if closer != "" && (k+2 >= len(toks) || toks[k+2].text != closer) {
				return "", false
			}
			return st[toks[first].pos:toks[k-1].end], true
		default:
			return "", false
		}
	}
	return "", false
}

// insertColumns returns, for INSERT INTO name [(cols)] VALUES (...), ...,
// a function naming the column a value spanning toks[i:j] goes to ("" if
// it is not a whole value of a row); nil for other statements. Without a
// column list the column is "#k", the k-th of the table (0-based).
func insertColumns(toks []token) func(i, j int) string {
	if len(toks) < 4 || !toks[0].is("insert") || !toks[1].is("into") {
		return nil
	}
	k := 2
	for k < len(toks) && toks[k].text != "(" && !toks[k].is("values") {
		k++
	}
	var cols []string
	if k < len(toks) && toks[k].text == "(" {
		for k++; k < len(toks) && toks[k].text != ")"; k++ {
			if toks[k].kind == tokWord || toks[k].kind == tokQIdent {
				cols = append(cols, toks[k].text)
			} else if toks[k].text != "," {
				return nil
			}
		}
		k++
	}
	if k >= len(toks) || !toks[k].is("values") {
		return nil
	}
	values := k
	return func(i, j int) string {
		if i <= values+1 || j >= len(toks) || (toks[i-1].text != "(" && toks[i-1].text != ",") || (toks[j].text != ")" && toks[j].text != ",") {
			return ""
		}
		// The value's position in its row: count the commas back to the
		// row's opening parenthesis, which must be at depth zero.
		pos, depth := 0, 0
		for k := i - 1; k > values; k-- {
			switch toks[k].text {
			case ")":
				depth++
			case "(":
				if depth == 0 {
					if toks[k-1].is("values") || toks[k-1].text == "," {
						if cols == nil {
							return "#" + strconv.Itoa(pos)
						}
						if pos < len(cols) {
							return cols[pos]
						}
					}
					return ""
				}
				depth--
			case ",":
				if depth == 0 {
					pos++
				}
			}
		}
		return ""
	}
}

// probeAnyElems finds the element type of the ANY slots: the type DuckDB
// gives a parameter standing in place of "ANY (slot)", that of the other
// side of the comparison.
func (s *Session) probeAnyElems(ctx context.Context, st string, slots []*arraySlot, maxParam int) {
	var anys []*arraySlot
	for _, sl := range slots {
		if sl.anyEnd > 0 {
			anys = append(anys, sl)
		}
	}
	if len(anys) == 0 {
		return
	}
	probe := st
	idx := make([]int, len(anys))
	next := maxParam
	for k := len(anys) - 1; k >= 0; k-- {
		sl := anys[k]
		if sl.param > 0 {
			idx[k] = sl.param
		} else {
			next++
			idx[k] = next
		}
		probe = probe[:sl.anyStart] + "$" + strconv.Itoa(idx[k]) + probe[sl.anyEnd:]
	}
	stmt, err := s.prepareProbe(ctx, probe)
	if err != nil {
		return
	}
	defer stmt.Close()
	for k, sl := range anys {
		if idx[k] > stmt.NumInput() {
			continue
		}
		t, err := stmt.ParamType(idx[k])
		if err != nil {
			continue
		}
		switch t {
		case duckdb.TYPE_INVALID, duckdb.TYPE_ANY, duckdb.TYPE_LIST, duckdb.TYPE_ARRAY, duckdb.TYPE_STRUCT,
			duckdb.TYPE_MAP, duckdb.TYPE_UNION, duckdb.TYPE_ENUM, duckdb.TYPE_SQLNULL:
			continue
		}
		name := duckTypeString(t)
		if ti, err := duckdb.NewTypeInfo(t); err == nil {
			name = typeName(ti)
		}
		if name != "UNKNOWN" {
			sl.elem = name
		}
	}
}

// targetElems finds the element type of INSERT and UPDATE slots from the
// target table's columns; slots going to a column that is not a list are
// dropped (their elem stays "").
func (s *Session) targetElems(ctx context.Context, st string, toks []token, slots []*arraySlot) {
	need := false
	for _, sl := range slots {
		need = need || sl.col != ""
	}
	if !need {
		return
	}
	var name string
	switch {
	case toks[0].is("insert"):
		end := 2
		for end < len(toks) && toks[end].text != "(" && !toks[end].is("values") {
			end++
		}
		name = st[toks[2].pos:toks[end-1].end]
	case toks[0].is("update"):
		end := 1
		for end < len(toks) && !toks[end].is("set") {
			end++
		}
		if end == 1 || end == len(toks) {
			return
		}
		name = st[toks[1].pos:toks[end-1].end]
	default:
		return
	}
	stmt, err := s.prepareProbe(ctx, "SELECT * FROM "+name+" LIMIT 0")
	if err != nil {
		return
	}
	cols := stmtColumns(stmt)
	stmt.Close()
	for _, sl := range slots {
		if sl.col == "" {
			continue
		}
		for k, c := range cols {
			if c.Name == sl.col || strings.EqualFold(c.Name, sl.col) || sl.col == "#"+strconv.Itoa(k) {
				if e, ok := strings.CutSuffix(c.Type, "[]"); ok && !strings.HasSuffix(e, "]") {
					sl.elem = e
				}
				break
			}
		}
	}
}

// castElems gives the element types parameters are cast to in DuckDB's
// spelling (int -> INTEGER, double precision -> DOUBLE), which the
// Postgres endpoint maps to OIDs.
func (s *Session) castElems(ctx context.Context, slots []*arraySlot) {
	var casts []*arraySlot
	var items []string
	for _, sl := range slots {
		if sl.cast && sl.param > 0 && sl.elem != "" {
			casts = append(casts, sl)
			items = append(items, "NULL::"+sl.elem)
		}
	}
	if len(casts) == 0 {
		return
	}
	stmt, err := s.prepareProbe(ctx, "SELECT "+strings.Join(items, ", "))
	if err != nil {
		return
	}
	defer stmt.Close()
	cols := stmtColumns(stmt)
	for k, sl := range casts {
		if k < len(cols) && cols[k].Type != "UNKNOWN" {
			sl.elem = cols[k].Type
		}
	}
}

// prepareProbe prepares st to read its types only: stream scans are bound
// but not read and record no iteration.
func (s *Session) prepareProbe(ctx context.Context, st string) (*duckdb.Stmt, error) {
	pctx := context.WithValue(ctx, planKey{}, &queryPlan{describe: true})
	ds, err := s.conn.PrepareContext(pctx, st)
	if err != nil {
		return nil, err
	}
	return ds.(*duckdb.Stmt), nil
}
