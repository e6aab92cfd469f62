package sqlengine

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Postgres's jsonb operators, which DuckDB lacks (its ? is a parameter,
// and its @> and <@ take lists only):
//   - j ? key, j ?| keys and j ?& keys: whether key (any of keys, all of
//     keys) is a key of object j, a string element of array j, or j's
//     string itself;
//   - a @> b and b <@ a: whether a contains b as Postgres's jsonb does
//     (not DuckDB's json_contains, which finds b at any depth).
//
// Django's has_key, has_keys, has_any_keys, contains and contained_by
// lookups send them. jsonbOpsCompat rewrites each into a call of the
// function Postgres defines for it (jsonb_exists, jsonb_exists_any,
// jsonb_exists_all, jsonb_contains, jsonb_contained), which rheo
// registers as Go functions, so they can be called by name too.

// registerJSONBFuncs registers the functions on conn (DuckDB's catalog,
// so every connection sees them).
func registerJSONBFuncs(conn *sql.Conn) error {
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	vcList, _ := duckdb.NewListInfo(vc)
	bo, _ := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	exists := func(mode byte) func([]driver.Value) (any, error) {
		return func(args []driver.Value) (any, error) {
			j, err := parseJSONB(args[0])
			if err != nil {
				return nil, err
			}
			if mode == '?' {
				key, _ := args[1].(string)
				return jsonbExists(j, key), nil
			}
			keys, _ := args[1].([]any)
			for _, k := range keys {
				s, ok := k.(string)
				if !ok {
					continue // NULL keys are ignored, as in Postgres
				}
				if jsonbExists(j, s) == (mode == '|') {
					return mode == '|', nil
				}
			}
			return mode == '&', nil
		}
	}
	contains := func(swap bool) func([]driver.Value) (any, error) {
		return func(args []driver.Value) (any, error) {
			a, b := args[0], args[1]
			if swap {
				a, b = b, a
			}
			ja, err := parseJSONB(a)
			if err != nil {
				return nil, err
			}
			jb, err := parseJSONB(b)
			if err != nil {
				return nil, err
			}
			return jsonbTopContains(ja, jb), nil
		}
	}
	for _, f := range []struct {
		name string
		in   []duckdb.TypeInfo
		fn   func([]driver.Value) (any, error)
	}{
		{"jsonb_exists", []duckdb.TypeInfo{vc, vc}, exists('?')},
		{"jsonb_exists_any", []duckdb.TypeInfo{vc, vcList}, exists('|')},
		{"jsonb_exists_all", []duckdb.TypeInfo{vc, vcList}, exists('&')},
		{"jsonb_contains", []duckdb.TypeInfo{vc, vc}, contains(false)},
		{"jsonb_contained", []duckdb.TypeInfo{vc, vc}, contains(true)},
	} {
		err := duckdb.RegisterScalarUDF(conn, f.name, rsUDF{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: f.in, ResultTypeInfo: bo},
			fn:  f.fn,
		})
		if err != nil {
			return fmt.Errorf("register %s: %w", f.name, err)
		}
	}
	return nil
}

// parseJSONB decodes a JSON argument, numbers as json.Number.
func parseJSONB(v any) (any, error) {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return nil, fmt.Errorf("argument of type %T is not jsonb", v)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("invalid input syntax for type json: %w", err)
	}
	if d.More() {
		return nil, errors.New("invalid input syntax for type json: text after the value")
	}
	return out, nil
}

// jsonbExists is Postgres's jsonb ? text.
func jsonbExists(j any, key string) bool {
	switch x := j.(type) {
	case map[string]any:
		_, ok := x[key]
		return ok
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == key {
				return true
			}
		}
	case string:
		return x == key
	}
	return false
}

// jsonbTopContains is Postgres's jsonb @> jsonb: an object contains only
// objects, and an array may contain a scalar (as its element), which
// holds at the top level only.
func jsonbTopContains(a, b any) bool {
	_, ao := a.(map[string]any)
	_, bo := b.(map[string]any)
	if ao != bo {
		return false
	}
	arr, aIsArr := a.([]any)
	if _, bIsArr := b.([]any); aIsArr && !bIsArr {
		return jsonbContains(arr, []any{b})
	}
	return jsonbContains(a, b)
}

// jsonbContains reports whether a contains b: equal scalars; objects
// whose every key of b is in a with a value containing b's; arrays whose
// every element of b is contained in some element of a.
func jsonbContains(a, b any) bool {
	switch y := b.(type) {
	case map[string]any:
		x, ok := a.(map[string]any)
		if !ok {
			return false
		}
		for k, bv := range y {
			av, ok := x[k]
			if !ok || !jsonbContains(av, bv) {
				return false
			}
		}
		return true
	case []any:
		x, ok := a.([]any)
		if !ok {
			return false
		}
	next:
		for _, bv := range y {
			for _, av := range x {
				if jsonbContains(av, bv) {
					continue next
				}
			}
			return false
		}
		return true
	case json.Number:
		x, ok := a.(json.Number)
		if !ok {
			return false
		}
		p, ok1 := new(big.Rat).SetString(string(x))
		q, ok2 := new(big.Rat).SetString(string(y))
		return ok1 && ok2 && p.Cmp(q) == 0
	}
	return a == b // strings, booleans, null
}

// jsonbOps are the operators jsonbOpsCompat rewrites and the function each
// becomes.
var jsonbOps = map[string]string{
	"?": "jsonb_exists", "?|": "jsonb_exists_any", "?&": "jsonb_exists_all",
	"@>": "jsonb_contains", "<@": "jsonb_contained",
}

// jsonbOpsCompat rewrites Postgres's jsonb operators into function calls:
// l ? r becomes jsonb_exists(l, r), and so on. A ? is the operator only
// between two operands (not DuckDB's parameter, which follows an
// operator, a comma or a keyword). @> and <@, which DuckDB has for lists,
// are rewritten only when an operand is evidently JSON: a string literal
// holding JSON (not Postgres's '{a,b}' array form) or a cast to json or
// jsonb. The left operand is the chain of ->, ->>, #> and #>> before the
// operator (Postgres gives them all one precedence, left to right), the
// right one a single term; both with their casts.
func jsonbOpsCompat(st string) string {
	// Not any @: e-mail addresses in a bulk INSERT's values would have
	// it lexed.
	if !strings.Contains(st, "?") && !strings.Contains(st, "@>") && !strings.Contains(st, "<@") {
		return st
	}
	for range 64 { // one operator a round; a bound against surprises
		toks, err := lex(st, false)
		if err != nil {
			return st
		}
		done := true
		for i := 1; i+1 < len(toks); i++ {
			op, n := jsonbOpAt(st, toks, i)
			if op == "" || i+n >= len(toks) || !operandEnds(toks[i-1]) {
				continue
			}
			lo := leftOperand(toks, i)
			hi := rightTerm(toks, i+n)
			if lo < 0 || hi < 0 {
				continue
			}
			if op == "@>" || op == "<@" {
				l, r := toks[lo:i], toks[i+n:hi+1]
				if !isJSONOperand(l) && !isJSONOperand(r) || isListOperand(l) || isListOperand(r) {
					continue
				}
			}
			right := st[toks[i+n].pos:toks[hi].end]
			if op == "?|" || op == "?&" {
				// text[], as Postgres types the operand: a $n then
				// takes a slice and '{a,b}' is array text (arraySlots).
				right += "::VARCHAR[]"
			}
			st = st[:toks[lo].pos] + jsonbOps[op] + "(" + st[toks[lo].pos:toks[i-1].end] + ", " + right + ")" + st[toks[hi].end:]
			done = false
			break
		}
		if done {
			break
		}
	}
	return st
}

// jsonbOpAt returns the jsonb operator whose first character is toks[i]
// and its number of tokens, or "".
func jsonbOpAt(st string, toks []token, i int) (string, int) {
	t := toks[i]
	if t.kind != tokPunct {
		return "", 0
	}
	adj := func(s string) bool {
		return i+1 < len(toks) && toks[i+1].kind == tokPunct && toks[i+1].text == s && toks[i+1].pos == t.end
	}
	// Not part of a longer operator: the next character after the pair
	// must not be an operator character too.
	free := func(end int) bool {
		return end >= len(st) || !strings.ContainsRune("~!@#%^&|`?+-*/<>=", rune(st[end]))
	}
	before := t.pos == 0 || !strings.ContainsRune("~!@#%^&|`?+-*/<>=", rune(st[t.pos-1]))
	if !before {
		return "", 0
	}
	switch t.text {
	case "?":
		if adj("|") && free(toks[i+1].end) {
			return "?|", 2
		}
		if adj("&") && free(toks[i+1].end) {
			return "?&", 2
		}
		if free(t.end) {
			return "?", 1
		}
	case "@":
		if adj(">") && free(toks[i+1].end) {
			return "@>", 2
		}
	case "<":
		if adj("@") && free(toks[i+1].end) {
			return "<@", 2
		}
	}
	return "", 0
}

// sqlKeywords are words that end no operand: a ? after them is DuckDB's
// parameter.
var sqlKeywords = map[string]bool{
	"select": true, "where": true, "and": true, "or": true, "not": true, "limit": true, "offset": true,
	"by": true, "then": true, "else": true, "when": true, "in": true, "is": true, "on": true, "set": true,
	"values": true, "returning": true, "as": true, "like": true, "ilike": true, "between": true, "case": true,
	"having": true, "from": true, "distinct": true, "all": true, "any": true, "some": true, "using": true,
	"escape": true, "interval": true, "similar": true, "to": true, "array": true, "exists": true,
	// DuckDB's parameter follows these too (x GLOB ?, FETCH FIRST ? ROWS,
	// USING SAMPLE ?), and a clause's word starts no operand.
	"glob": true, "first": true, "next": true, "sample": true, "qualify": true, "order": true, "group": true,
	"window": true, "union": true, "except": true, "intersect": true, "fetch": true, "into": true, "return": true,
	"default": true,
}

// operandEnds reports whether t can end an operand.
func operandEnds(t token) bool {
	switch t.kind {
	case tokQIdent, tokString, tokNumber:
		return true
	case tokWord:
		return !sqlKeywords[strings.ToLower(t.text)]
	}
	return t.text == ")" || t.text == "]"
}

// leftOperand returns the index of the first token of the operand that
// ends at toks[i-1], or -1.
func leftOperand(toks []token, i int) int {
	j := i - 1
	for {
		start := termStart(toks, j)
		if start < 0 {
			return -1
		}
		// An arrow operator before the term: the chain goes on.
		if k := arrowBefore(toks, start); k >= 0 {
			j = k - 1
			continue
		}
		return start
	}
}

// arrowBefore returns the index of the first token of a ->, ->>, #> or
// #>> ending just before toks[i] (with an operand before it), or -1.
func arrowBefore(toks []token, i int) int {
	k := i - 1
	for k >= 0 && toks[k].kind == tokPunct && toks[k].text == ">" {
		k--
	}
	n := i - 1 - k // the >s
	if k < 1 || n < 1 || n > 2 || toks[k].kind != tokPunct || toks[k].text != "-" && toks[k].text != "#" {
		return -1
	}
	for m := k; m < i-1; m++ {
		if toks[m].end != toks[m+1].pos {
			return -1
		}
	}
	if !operandEnds(toks[k-1]) {
		return -1
	}
	return k
}

// termStart returns the index of the first token of the term (a primary
// with its casts and subscripts) ending at toks[j], or -1.
func termStart(toks []token, j int) int {
	// Casts: :: type, type[], type(n).
	for {
		switch {
		case j >= 2 && toks[j].kind == tokWord && isPunct(toks[j-1], ":") && isPunct(toks[j-2], ":"):
			j -= 3
			continue
		case j >= 4 && isPunct(toks[j], "]") && isPunct(toks[j-1], "[") && toks[j-2].kind == tokWord && isPunct(toks[j-3], ":") && isPunct(toks[j-4], ":"):
			j -= 5
			continue
		}
		break
	}
	for j >= 0 {
		t := toks[j]
		switch {
		case t.kind == tokPunct && (t.text == ")" || t.text == "]"):
			open := matchBack(toks, j)
			if open < 0 {
				return -1
			}
			if open == 0 {
				return 0
			}
			p := toks[open-1]
			if t.text == "]" && (operandEnds(p) || p.is("array")) || t.text == ")" && p.kind == tokWord && !sqlKeywords[strings.ToLower(p.text)] {
				j = open - 1 // a subscript, ARRAY[...], a call
				if p.is("array") {
					return j
				}
				continue
			}
			return open
		case t.kind == tokWord || t.kind == tokQIdent:
			// A qualified name a.b."c".
			for j >= 2 && isPunct(toks[j-1], ".") && (toks[j-2].kind == tokWord || toks[j-2].kind == tokQIdent) {
				j -= 2
			}
			return j
		case t.kind == tokString:
			return j
		case t.kind == tokNumber:
			if j >= 1 && isPunct(toks[j-1], "$") && toks[j-1].end == t.pos {
				return j - 1
			}
			return j
		}
		return -1
	}
	return -1
}

// rightTerm returns the index of the last token of the term starting at
// toks[i], or -1.
func rightTerm(toks []token, i int) int {
	j := -1
	t := toks[i]
	switch {
	case isPunct(t, "(") || isPunct(t, "["):
		j = matchFwd(toks, i)
	case t.is("array") && i+1 < len(toks) && (isPunct(toks[i+1], "[") || isPunct(toks[i+1], "(")):
		j = matchFwd(toks, i+1)
	case t.kind == tokWord && !sqlKeywords[strings.ToLower(t.text)] || t.kind == tokQIdent:
		j = i
		for j+2 < len(toks) && isPunct(toks[j+1], ".") && (toks[j+2].kind == tokWord || toks[j+2].kind == tokQIdent) {
			j += 2
		}
		if j+1 < len(toks) && isPunct(toks[j+1], "(") {
			j = matchFwd(toks, j+1)
		}
	case t.kind == tokString || t.kind == tokNumber:
		j = i
	case isPunct(t, "$") && i+1 < len(toks) && toks[i+1].kind == tokNumber:
		j = i + 1
	}
	if j < 0 {
		return -1
	}
	// Casts.
	for j+3 < len(toks) && isPunct(toks[j+1], ":") && isPunct(toks[j+2], ":") && toks[j+3].kind == tokWord {
		j += 3
		if j+2 < len(toks) && isPunct(toks[j+1], "[") && isPunct(toks[j+2], "]") {
			j += 2
		}
	}
	return j
}

// matchBack returns the index of the ( or [ that toks[j] closes, or -1.
func matchBack(toks []token, j int) int {
	depth := 0
	for k := j; k >= 0; k-- {
		switch {
		case isPunct(toks[k], ")") || isPunct(toks[k], "]"):
			depth++
		case isPunct(toks[k], "(") || isPunct(toks[k], "["):
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// matchFwd returns the index of the ) or ] that closes toks[i], or -1.
func matchFwd(toks []token, i int) int {
	depth := 0
	for k := i; k < len(toks); k++ {
		switch {
		case isPunct(toks[k], "(") || isPunct(toks[k], "["):
			depth++
		case isPunct(toks[k], ")") || isPunct(toks[k], "]"):
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// isListOperand reports whether an operand's tokens are evidently a
// list: cast to a list type (x::INT[]), a list literal or ARRAY[...].
// Against one, '[1]' is a list's text, and @> DuckDB's own.
func isListOperand(toks []token) bool {
	n := len(toks)
	switch {
	case n == 0:
		return false
	case n >= 5 && isPunct(toks[n-1], "]") && isPunct(toks[n-2], "[") && isPunct(toks[n-4], ":") && isPunct(toks[n-5], ":"):
		return true
	}
	return isPunct(toks[0], "[") || toks[0].is("array")
}

// isJSONOperand reports whether an operand's tokens are evidently JSON:
// a string literal holding JSON (Postgres's array literals, '{a,b}', are
// not; '{}' is taken for JSON), or cast to json or jsonb.
func isJSONOperand(toks []token) bool {
	for k, t := range toks {
		if k >= 2 && (t.is("json") || t.is("jsonb")) && isPunct(toks[k-1], ":") && isPunct(toks[k-2], ":") {
			return true
		}
	}
	return len(toks) == 1 && toks[0].kind == tokString && json.Valid([]byte(toks[0].text))
}
