package sqlengine

import (
	"strings"
)

// Redshift functions DuckDB lacks or spells differently, rewritten into
// DuckDB's before it sees the statement (Database Developer Guide, "SQL
// functions reference"):
//   - GETDATE() is the statement's start as a TIMESTAMP in whole seconds,
//     SYSDATE the same with microseconds (DuckDB's clock is the
//     transaction's start, which is the statement's outside BEGIN);
//     TRUNC(GETDATE()) and TRUNC(SYSDATE) are the date, as is TRUNC of any
//     timestamp (rheo_pg's typed macro rheo_rs_trunc keeps TRUNC(number)
//     DuckDB's trunc); STRTOL is a Go function (redshift_udf.go);
//   - NVL(a, b, ...) is COALESCE; DECODE(expr, search, result, ...
//     [, default]) is a CASE that matches NULL to NULL, as Redshift's;
//     LEN is LENGTH; CHARINDEX(sub, s) is STRPOS(s, sub);
//   - DATEADD(part, n, t) adds n parts (months keep the day, or the
//     month's last when it has fewer days) and DATEDIFF(part, a, b) counts
//     the part's boundaries crossed from a to b (weeks start on Monday,
//     centuries with year ##01), with Redshift's names and abbreviations
//     of the parts (day, d, days, hh, hr, mins, qtr, ...);
//   - CONVERT_TIMEZONE([source,] target, ts) reads ts in source (UTC when
//     omitted) and gives it in target, as a TIMESTAMP;
//   - LISTAGG(expr [, delimiter]) [WITHIN GROUP (ORDER BY ...)] is
//     STRING_AGG, and APPROXIMATE COUNT(DISTINCT x) APPROX_COUNT_DISTINCT.
//
// The rewrite works on tokens, so string literals and quoted names are
// left alone.

// rsFuncWords are the words that make a statement worth rewriting.
var rsFuncWords = []string{"getdate", "sysdate", "nvl", "decode", "len", "charindex", "dateadd", "datediff",
	"convert_timezone", "listagg", "approximate", "trunc"}

// rsDateParts maps Redshift's date part names and abbreviations to
// DuckDB's ("Date parts for date or timestamp functions").
var rsDateParts = func() map[string]string {
	m := map[string]string{}
	add := func(canon string, names ...string) {
		for _, n := range names {
			m[n] = canon
		}
	}
	add("millennium", "millennium", "millennia", "mil", "mils")
	add("century", "century", "centuries", "c", "cent", "cents")
	add("decade", "decade", "decades", "dec", "decs")
	add("year", "year", "years", "y", "yr", "yrs")
	add("quarter", "quarter", "quarters", "qtr", "qtrs")
	add("month", "month", "months", "mon", "mons")
	add("week", "week", "weeks", "w")
	add("day", "day", "days", "d")
	add("hour", "hour", "hours", "h", "hr", "hrs")
	add("minute", "minute", "minutes", "m", "min", "mins")
	add("second", "second", "seconds", "s", "sec", "secs")
	add("millisecond", "millisecond", "milliseconds", "ms", "msec", "msecs", "msecond", "mseconds", "millisec", "millisecs", "millisecon")
	add("microsecond", "microsecond", "microseconds", "microsec", "microsecs", "microsecond", "usecond", "useconds", "us", "usec", "usecs")
	return m
}()

// rsIntervalUnit is DuckDB's interval unit of a canonical date part.
var rsIntervalUnit = map[string]string{
	"millennium": "1000 years", "century": "100 years", "decade": "10 years", "year": "1 year", "quarter": "3 months",
	"month": "1 month", "week": "7 days", "day": "1 day", "hour": "1 hour", "minute": "1 minute", "second": "1 second",
	"millisecond": "1 millisecond", "microsecond": "1 microsecond",
}

const (
	rsGetdate = "CAST(date_trunc('second', current_localtimestamp()) AS TIMESTAMP)"
	rsSysdate = "CAST(current_localtimestamp() AS TIMESTAMP)"
)

// redshiftFuncs rewrites Redshift's functions in st; st is returned as
// is when it has none.
func redshiftFuncs(st string, toks []token) string {
	if toks == nil {
		return st
	}
	low := strings.ToLower(st)
	found := false
	for _, w := range rsFuncWords {
		if strings.Contains(low, w) {
			found = true
			break
		}
	}
	if !found {
		return st
	}
	return rsRewrite(st, toks, false)
}

// redshiftNames rewrites the Redshift spellings DuckDB's parser refuses
// (SYSDATE aside, which it reads as a column) into calls it parses, so
// that result columns are named after the function, as in Redshift
// (colnames.go reads the statement's tree): sysdate, count, listagg.
func redshiftNames(st string) string {
	low := strings.ToLower(st)
	if !strings.Contains(low, "sysdate") && !strings.Contains(low, "approximate") && !strings.Contains(low, "within") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) == 0 {
		return st
	}
	return rsRewrite(st, toks, true)
}

// rsRewrite rewrites Redshift's functions, or in naming mode only those
// DuckDB cannot parse.
func rsRewrite(st string, toks []token, naming bool) string {
	r := &rsRewriter{st: st, toks: toks, naming: naming}
	out := r.span(0, len(toks))
	if !r.changed {
		return st
	}
	return st[:toks[0].pos] + out + st[toks[len(toks)-1].end:]
}

type rsRewriter struct {
	st      string
	toks    []token
	naming  bool // only make the statement parse, for the column names
	changed bool
}

// text is the source of tokens [lo, hi), rewritten.
func (r *rsRewriter) span(lo, hi int) string {
	if lo >= hi {
		return ""
	}
	var b strings.Builder
	last := r.toks[lo].pos
	for i := lo; i < hi; {
		rep, n := r.at(i, hi)
		if n == 0 {
			i++
			continue
		}
		b.WriteString(r.st[last:r.toks[i].pos])
		b.WriteString(rep)
		last = r.toks[i+n-1].end
		i += n
		r.changed = true
	}
	b.WriteString(r.st[last:r.toks[hi-1].end])
	return b.String()
}

// args splits the arguments of the call whose "(" is at open; close is
// the index of its ")".
func (r *rsRewriter) args(open, hi int) (args [][2]int, close int) {
	close = matchParen(r.toks[:hi], open)
	if close < 0 {
		return nil, -1
	}
	start := open + 1
	for j := open + 1; j <= close; j++ {
		if r.toks[j].kind != tokPunct {
			continue
		}
		switch r.toks[j].text {
		case "(", "[":
			if isPunct(r.toks[j], "(") {
				j = matchParen(r.toks[:close], j)
			} else {
				j = matchBracket(r.toks[:close], j)
			}
			if j < 0 {
				return nil, -1
			}
			continue
		case ",":
		case ")":
			if j != close {
				continue
			}
		default:
			continue
		}
		if j > start || len(args) > 0 || isPunct(r.toks[j], ",") {
			args = append(args, [2]int{start, j})
		}
		start = j + 1
	}
	return args, close
}

// arg is the rewritten text of an argument.
func (r *rsRewriter) arg(a [2]int) string { return r.span(a[0], a[1]) }

// datePart reads a date part argument: a bare word or a string.
func (r *rsRewriter) datePart(a [2]int) (string, bool) {
	if a[1]-a[0] != 1 {
		return "", false
	}
	t := r.toks[a[0]]
	if t.kind != tokWord && t.kind != tokString {
		return "", false
	}
	p, ok := rsDateParts[strings.ToLower(t.text)]
	return p, ok
}

// at rewrites a construct starting at token i; n is how many tokens it
// replaces (0: none starts here).
func (r *rsRewriter) at(i, hi int) (string, int) {
	t := r.toks[i]
	if t.kind != tokWord || i > 0 && isPunct(r.toks[i-1], ".") {
		return "", 0
	}
	call := i+1 < hi && isPunct(r.toks[i+1], "(")
	name := strings.ToLower(t.text)
	if name == "sysdate" && !call {
		if r.naming {
			return "sysdate()", 1
		}
		return rsSysdate, 1
	}
	if name == "approximate" && i+2 < hi && r.toks[i+1].is("count") && isPunct(r.toks[i+2], "(") {
		args, close := r.args(i+2, hi)
		if len(args) != 1 || !r.toks[args[0][0]].is("distinct") {
			return "", 0
		}
		if r.naming {
			return "count(" + r.span(args[0][0]+1, args[0][1]) + ")", close - i + 1
		}
		return "approx_count_distinct(" + r.span(args[0][0]+1, args[0][1]) + ")", close - i + 1
	}
	if !call {
		return "", 0
	}
	args, close := r.args(i+1, hi)
	if close < 0 {
		return "", 0
	}
	n := close - i + 1
	if r.naming && name != "listagg" {
		return "", 0
	}
	switch name {
	case "getdate":
		if len(args) == 0 {
			return rsGetdate, n
		}
	case "trunc":
		if len(args) == 1 && args[0][1]-args[0][0] >= 1 {
			a := r.toks[args[0][0]]
			if (a.is("getdate") || a.is("sysdate")) && (args[0][1]-args[0][0] == 1 || args[0][1]-args[0][0] == 3) {
				return "CAST(" + r.arg(args[0]) + " AS DATE)", n
			}
			return pgShimDB + ".main.rheo_rs_trunc(" + r.arg(args[0]) + ")", n
		}
	case "nvl":
		if len(args) >= 2 {
			return "coalesce(" + r.joinArgs(args) + ")", n
		}
	case "len":
		if len(args) == 1 {
			return "length(" + r.arg(args[0]) + ")", n
		}
	case "charindex":
		if len(args) == 2 {
			return "strpos(" + r.arg(args[1]) + ", " + r.arg(args[0]) + ")", n
		}
	case "decode":
		if len(args) >= 3 {
			var b strings.Builder
			b.WriteString("CASE")
			e := r.arg(args[0])
			k := 1
			for ; k+1 < len(args); k += 2 {
				b.WriteString(" WHEN (" + e + ") IS NOT DISTINCT FROM (" + r.arg(args[k]) + ") THEN " + r.arg(args[k+1]))
			}
			if k < len(args) {
				b.WriteString(" ELSE " + r.arg(args[k]))
			}
			b.WriteString(" END")
			return b.String(), n
		}
	case "dateadd":
		if len(args) == 3 {
			if p, ok := r.datePart(args[0]); ok {
				return "(CAST(" + r.arg(args[2]) + " AS TIMESTAMP) + CAST(" + r.arg(args[1]) + " AS BIGINT) * INTERVAL '" + rsIntervalUnit[p] + "')", n
			}
		}
	case "datediff":
		if len(args) == 3 {
			if p, ok := r.datePart(args[0]); ok {
				a, b := "CAST("+r.arg(args[1])+" AS TIMESTAMP)", "CAST("+r.arg(args[2])+" AS TIMESTAMP)"
				switch p {
				case "week":
					// DuckDB counts whole weeks; Redshift's boundaries
					// are Mondays (both truncations are Mondays, so the
					// division is exact).
					return "(date_diff('day', date_trunc('week', " + a + "), date_trunc('week', " + b + ")) // 7)", n
				case "century", "millennium":
					// DuckDB's centuries start at year ##00; Redshift's at
					// ##01 (its date parts' CENTURY notes).
					span := map[string]string{"century": "100", "millennium": "1000"}[p]
					return "((year(" + b + ") - 1) // " + span + " - (year(" + a + ") - 1) // " + span + ")", n
				}
				return "date_diff('" + p + "', " + a + ", " + b + ")", n
			}
		}
	case "convert_timezone":
		switch len(args) {
		case 2:
			return "timezone(" + r.arg(args[0]) + ", timezone('UTC', CAST(" + r.arg(args[1]) + " AS TIMESTAMP)))", n
		case 3:
			return "timezone(" + r.arg(args[1]) + ", timezone(" + r.arg(args[0]) + ", CAST(" + r.arg(args[2]) + " AS TIMESTAMP)))", n
		}
	case "listagg":
		if len(args) < 1 || len(args) > 2 {
			return "", 0
		}
		delim := "''"
		if len(args) == 2 {
			delim = r.arg(args[1])
		}
		order := ""
		if close+4 < hi && r.toks[close+1].is("within") && r.toks[close+2].is("group") && isPunct(r.toks[close+3], "(") {
			end := matchParen(r.toks[:hi], close+3)
			if end < 0 {
				return "", 0
			}
			order = " " + r.span(close+4, end)
			n = end - i + 1
		}
		if r.naming {
			return "listagg(" + r.joinArgs(args) + ")", n
		}
		return "string_agg(" + r.arg(args[0]) + ", " + delim + order + ")", n
	}
	return "", 0
}

// joinArgs is the rewritten arguments separated by commas.
func (r *rsRewriter) joinArgs(args [][2]int) string {
	parts := make([]string, len(args))
	for k, a := range args {
		parts[k] = r.arg(a)
	}
	return strings.Join(parts, ", ")
}

// matchBracket returns the index of the "]" closing toks[open], or -1.
func matchBracket(toks []token, open int) int {
	depth := 0
	for j := open; j < len(toks); j++ {
		if toks[j].kind != tokPunct {
			continue
		}
		switch toks[j].text {
		case "[":
			depth++
		case "]":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// matchParen returns the index of the ")" closing toks[open], or -1.
func matchParen(toks []token, open int) int {
	depth := 0
	for j := open; j < len(toks); j++ {
		if toks[j].kind != tokPunct {
			continue
		}
		switch toks[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// isPunct reports whether t is the punctuation p (not a string holding it).
func isPunct(t token, p string) bool { return t.kind == tokPunct && t.text == p }
