package sqlengine

import (
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Command tags: how a statement's completion is named to Postgres
// clients (INSERT 0 n, SELECT n, CREATE TABLE).

// returningVerb returns the start of the command tag ("INSERT 0",
// "UPDATE", "DELETE") of an INSERT, UPDATE or DELETE with a RETURNING
// clause, whose rows go to the client as a query's do, the tag counting
// them as Postgres does; "" for any other statement. RETURNING is reserved
// in Postgres, so outside parentheses it can only be the clause.
func returningVerb(t duckdb.StmtType, toks []token) string {
	var verb string
	switch t {
	case duckdb.STATEMENT_TYPE_INSERT:
		verb = "INSERT 0"
	case duckdb.STATEMENT_TYPE_UPDATE:
		verb = "UPDATE"
	case duckdb.STATEMENT_TYPE_DELETE:
		verb = "DELETE"
	default:
		return ""
	}
	if wordOutsideParens(toks, "returning") {
		return verb
	}
	return ""
}

// returnsRows reports whether a statement type gives a row result (the
// others give at most a Count row, which becomes the command tag).
func returnsRows(t duckdb.StmtType) bool {
	switch t {
	case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN, duckdb.STATEMENT_TYPE_PRAGMA,
		duckdb.STATEMENT_TYPE_CALL, duckdb.STATEMENT_TYPE_EXECUTE, duckdb.STATEMENT_TYPE_RELATION,
		duckdb.STATEMENT_TYPE_LOGICAL_PLAN:
		return true
	}
	return false
}

// wordOutsideParens reports whether the keyword w (lower case) appears
// outside parentheses: AS in CREATE TABLE t AS SELECT but not in a column's
// GENERATED ALWAYS AS (...).
func wordOutsideParens(toks []token, w string) bool {
	depth := 0
	for _, tk := range toks {
		switch {
		case tk.text == "(":
			depth++
		case tk.text == ")":
			depth--
		case depth == 0 && tk.is(w):
			return true
		}
	}
	return false
}

// commandTag renders the Postgres command tag of a statement that returns
// no rows.
func commandTag(toks []token, t duckdb.StmtType, count int64) string {
	n := strconv.FormatInt(count, 10)
	switch t {
	case duckdb.STATEMENT_TYPE_INSERT:
		return "INSERT 0 " + n
	case duckdb.STATEMENT_TYPE_UPDATE:
		return "UPDATE " + n
	case duckdb.STATEMENT_TYPE_DELETE:
		return "DELETE " + n
	case duckdb.STATEMENT_TYPE_COPY:
		return "COPY " + n
	}
	var words []string
	for _, tk := range toks {
		if tk.kind != tokWord {
			break
		}
		words = append(words, strings.ToUpper(tk.text))
	}
	if len(words) == 0 {
		return ""
	}
	switch words[0] {
	case "CREATE":
		obj := ""
		for _, w := range words[1:] {
			switch w {
			case "OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "PERSISTENT", "GLOBAL", "LOCAL":
				continue
			}
			obj = w
			break
		}
		switch obj {
		case "":
			return "CREATE"
		case "MACRO", "FUNCTION":
			return "CREATE FUNCTION"
		case "TABLE":
			if wordOutsideParens(toks, "as") {
				return "SELECT " + n // CREATE TABLE AS, as Postgres tags it
			}
		}
		return "CREATE " + obj
	case "DROP", "ALTER":
		if len(words) > 1 {
			return words[0] + " " + words[1]
		}
		return words[0]
	case "BEGIN", "START":
		return "BEGIN"
	case "COMMIT", "END":
		return "COMMIT"
	case "ROLLBACK", "ABORT":
		return "ROLLBACK"
	}
	return words[0]
}
