package sqlengine

import (
	"strconv"
	"strings"
)

// unnestMultiCompat rewrites Postgres's unnest of several arrays in a
// FROM clause, which DuckDB's one-argument unnest lacks:
//
//	unnest(a, b) [WITH ORDINALITY] [AS] t(x, y[, n])
//
// becomes a LATERAL subquery zipping them as Postgres does (the shorter
// padded with NULLs), the ordinality a subscript:
//
//	LATERAL (SELECT unnest(a) AS x, unnest(b) AS y[, generate_subscripts(a, 1) AS n]) t
//
// Django's inspectdb reads an index's columns and their order so
// (unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)).
// Without column names the columns are named unnest, unnest_2, ....
func unnestMultiCompat(st string) string {
	if !containsFold(st, "unnest") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil {
		return st
	}
	from := newFromTracker()
	for i := 0; i+1 < len(toks); i++ {
		if from.step(toks[i]) || i == 0 {
			continue
		}
		// In a FROM list: a select list's unnest(l, recursive := true)
		// is DuckDB's own.
		if !toks[i].is("unnest") || !isPunct(toks[i+1], "(") || !(isPunct(toks[i-1], ",") && from.in() || toks[i-1].is("from") || toks[i-1].is("join")) {
			continue
		}
		closeIdx := matchFwd(toks, i+1)
		if closeIdx < 0 {
			return st
		}
		// The arguments, split at the top level's commas.
		var args []string
		from, depth := i+2, 0
		for k := i + 2; k <= closeIdx; k++ {
			switch {
			case isPunct(toks[k], "(") || isPunct(toks[k], "["):
				depth++
			case (isPunct(toks[k], ")") || isPunct(toks[k], "]")) && k < closeIdx:
				depth--
			case depth == 0 && isPunct(toks[k], ":") && k+1 < closeIdx && isPunct(toks[k+1], "="):
				return st // DuckDB's named parameter (recursive := true); Postgres's unnest has none
			case depth == 0 && (isPunct(toks[k], ",") || k == closeIdx):
				if k == from {
					return st
				}
				args = append(args, st[toks[from].pos:toks[k-1].end])
				from = k + 1
			}
		}
		if len(args) < 2 {
			continue
		}
		j := closeIdx + 1
		ord := false
		if j+1 < len(toks) && toks[j].is("with") && toks[j+1].is("ordinality") {
			ord = true
			j += 2
		}
		if j < len(toks) && toks[j].is("as") {
			j++
		}
		alias := "unnest"
		var cols []string
		end := toks[closeIdx].end
		if j < len(toks) && isName(toks[j]) && !aliasStop[strings.ToLower(toks[j].text)] {
			alias = st[toks[j].pos:toks[j].end]
			end = toks[j].end
			if j+1 < len(toks) && isPunct(toks[j+1], "(") {
				c := matchFwd(toks, j+1)
				if c < 0 {
					return st
				}
				for k := j + 2; k < c; k++ {
					if isName(toks[k]) {
						cols = append(cols, st[toks[k].pos:toks[k].end])
					}
				}
				end = toks[c].end
			}
		} else if ord {
			end = toks[j-1].end
		}
		col := func(n int) string {
			if n < len(cols) {
				return cols[n]
			}
			if n == 0 {
				return "unnest"
			}
			if ord && n == len(args) {
				return "ordinality"
			}
			return "unnest_" + strconv.Itoa(n+1)
		}
		var b strings.Builder
		b.WriteString("LATERAL (SELECT ")
		for n, a := range args {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString("unnest(" + a + ") AS " + col(n))
		}
		if ord {
			b.WriteString(", generate_subscripts(" + args[0] + ", 1) AS " + col(len(args)))
		}
		b.WriteString(") " + alias)
		return unnestMultiCompat(st[:toks[i].pos] + b.String() + st[end:])
	}
	return st
}
