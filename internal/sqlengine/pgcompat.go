package sqlengine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Catalog queries of Postgres clients. psql's \dt, \d t, \l, \dn and the
// schema browsers of BI tools read pg_catalog, which DuckDB emulates,
// with a few spellings DuckDB does not parse or functions it lacks.
// Statements naming pg_catalog get those rewritten:
//   - OPERATOR(pg_catalog.~) and its kin become the bare operator; as
//     DuckDB's ~ and !~ match the whole string and Postgres's search in
//     it, a literal pattern on the right of either becomes
//     '.*(?:pattern).*';
//   - COLLATE pg_catalog.default goes (DuckDB's collation is the default);
//   - casts to pg_catalog.<type> (:: or CAST ... AS) become casts to
//     <type>; of the reg* object types DuckDB lacks, '<oid>'::regclass
//     becomes the number, 'name'::regclass (and $1::regclass) the
//     relation's OID, so that attrelid = 'public.t'::regclass (Rails)
//     finds its rows, column::regclass the relation's name and
//     column::regtype the type's (as Postgres prints them), and other
//     casts to them casts to text;
//   - pg_catalog.pg_encoding_to_char(<column>) becomes 'UTF8';
//   - pg_catalog.pg_get_userbyid(<column>) becomes 'rheo', the only owner;
//   - json_build_object and jsonb_build_object become DuckDB's json_object;
//   - generate_series(...) s gets the column alias s too: Postgres lets
//     the table alias of a one-column function stand for its value;
//   - pg_index's int2vector columns cast to text read as Postgres prints
//     them, numbers separated by spaces ("1 2"), not as a list ("[1, 2]");
//   - column = ANY(array_column) becomes list_contains(array_column,
//     column): DuckDB plans ANY as a subquery, which it refuses in the
//     ON of an outer join (SQLAlchemy's get_indexes);
//   - information_schema.columns and constraint_column_usage go to the
//     shim's, in Postgres's terms (pgcatalog.go);
//   - to_regclass goes to the shim's (in any statement), and outside
//     catalog queries 'name'::regclass is the name, and
//     'name'::regclass::oid the OID (regclassCompat);
//   - (in any statement) public.<name> goes to main.<name>, and
//     current_schema and current_schemas to the shim's (pgschema.go);
//   - pg_catalog names the shim completes go to the shim (pgcatalog.go),
//     also when a FROM clause names them without pg_catalog. (as
//     SQLAlchemy's get_pk_constraint and get_indexes do), which would
//     read DuckDB's own.
//
// The rewrite is textual (a string literal holding these spellings would
// change too), which is fine for the generated queries it is meant for.
var (
	pgRegexLit    = regexp.MustCompile(`(^|[^~!])(!?~)\s*'((?:[^']|'')*)'`)
	pgOperator    = regexp.MustCompile(`(?i)\bOPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!=<>@#%^&|*+\-/]+)\s*\)`)
	pgCollate     = regexp.MustCompile(`(?i)\s+COLLATE\s+pg_catalog\s*\.\s*(?:"default"|default)\b`)
	pgCast        = regexp.MustCompile(`(?i)::\s*pg_catalog\s*\.\s*`)
	pgCastAs      = regexp.MustCompile(`(?i)\bAS\s+pg_catalog\s*\.\s*(text|name|oid|int[248]|bool|char|varchar)\b`)
	pgRegClassLit = regexp.MustCompile(`(?i)'(\d+)'\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b`)
	pgRegClassCol = regexp.MustCompile(`(?i)\b([a-z_]\w*(?:\.[a-z_]\w*)?)\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b`)
	// A name cast to regclass and to_regclass, outside catalog queries
	// (regclassCompat). The name's literal is left as it is: schemaCompat
	// maps public. in nextval's argument.
	pgRegClassName = regexp.MustCompile(`(?i)('(?:[^']|'')*[^'\d](?:[^']|'')*')\s*::\s*regclass\b`)
	pgToRegclass   = regexp.MustCompile(`(?i)(^|[^\w.])(?:pg_catalog\s*\.\s*)?to_regclass\s*\(`)
	pgSerialSeq    = regexp.MustCompile(`(?i)(^|[^\w.])pg_get_serial_sequence\s*\(`)
	// A column cast to regtype (not regtype[]): pgcli's column and
	// function metadata read atttypid::regtype::text for the type's name.
	pgRegTypeCol = regexp.MustCompile(`(?i)\b([a-z_]\w*(?:\.[a-z_]\w*)?)\s*::\s*(?:pg_catalog\s*\.\s*)?regtype\b(\s*\[)?`)
	pgRegType    = regexp.MustCompile(`(?i)::\s*(?:pg_catalog\s*\.\s*)?(?:regclass|regtype|regproc|regprocedure|regoper|regoperator|regnamespace|regrole|regconfig|regdictionary)\b`)
	pgEncoding   = regexp.MustCompile(`(?i)\bpg_catalog\s*\.\s*pg_encoding_to_char\s*\(\s*[\w."]+\s*\)`)
	pgUserByID   = regexp.MustCompile(`(?i)\bpg_catalog\s*\.\s*pg_get_userbyid\s*\(\s*[\w."]+\s*\)`)
	pgAnyColumn  = regexp.MustCompile(`(?i)([a-z_][\w.]*)\s*=\s*ANY\s*\(\s*([a-z_][\w.]*)\s*\)`)
	pgVectorText = regexp.MustCompile(`(?i)\b((?:[a-z_]\w*\.)?(?:indkey|indoption|indclass|indcollation))\s*::\s*(?:varchar|text)\b`)
	pgJSONBuild  = regexp.MustCompile(`(?i)\b(?:pg_catalog\s*\.\s*)?jsonb?_build_object\s*\(`)
	pgTZInterval = regexp.MustCompile(`(?i)^(\s*SET\s+(?:SESSION\s+|LOCAL\s+)?TIME\s+ZONE\s+)INTERVAL\s*'\s*([+-]?)0*(\d{1,2})(?::00)?\s*'(?:\s*HOUR\s+TO\s+MINUTE)?(\s*;?\s*)$`)
	pgSeries     = regexp.MustCompile(`(?i)(\bgenerate_series\s*\((?:[^()]|\([^()]*\))*\))\s+(?:AS\s+)?([a-z_]\w*)\b(\s*\()?`)
)

// A name cast to regclass in a catalog query, and a name cast to
// regclass and on to an OID in any: the relation's OID (regclass_oid).
var (
	pgRegClassNameOID = regexp.MustCompile(`(?i)('(?:[^']|'')*[^'\d](?:[^']|'')*')\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b`)
	pgRegClassParam   = regexp.MustCompile(`(?i)(\$\d+)\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\b`)
	pgRegClassShim    = regexp.MustCompile(`(\.main\.regclass_oid\()'` + pgShimDB + `\.main\.`)
	pgRegClassToOID   = regexp.MustCompile(`(?i)('(?:[^']|'')*[^'\d](?:[^']|'')*')\s*::\s*(?:pg_catalog\s*\.\s*)?regclass\s*::\s*(?:pg_catalog\s*\.\s*)?(oid|int4|int8|integer|bigint)\b`)
)

// pgCompat rewrites what DuckDB cannot run in a Postgres catalog query;
// other statements are returned as they are.
func pgCompat(st string) string {
	st = schemaCompat(st)
	st = beginCompat(st)
	st = byteaCompat(st)
	st = jsonbCompat(st)
	st = jsonbOpsCompat(st)
	st = unnestMultiCompat(st)
	st = indexCompat(st)
	st = sequenceCompat(st)
	st = opclassCompat(st)
	st = lockingCompat(st)
	st = timeZoneIntervalCompat(st)
	st = spacedOffsetCompat(st)
	st = jsonPathCompat(st)
	// Unqualified names go to the shim also when others are qualified
	// (GORM's ColumnTypes joins pg_type to pg_catalog.pg_description).
	if q, ok := qualifyCatalog(st); ok {
		st = q
	} else if lower := strings.ToLower(st); !strings.Contains(lower, "pg_catalog") {
		st = regclassCompat(st, lower)
		if strings.Contains(lower, "information_schema") {
			return pgShim(st)
		}
		return st
	}
	st = pgToRegclass.ReplaceAllString(st, "${1}"+pgShimDB+".main.to_regclass(")
	st = pgOperator.ReplaceAllString(st, " $1 ")
	st = pgAnyColumn.ReplaceAllString(st, "list_contains(${2}, ${1})")
	st = pgRegexLit.ReplaceAllString(st, "${1}${2} '.*(?:${3}).*'")
	st = pgRegClassLit.ReplaceAllString(st, "${1}")
	st = pgRegClassNameOID.ReplaceAllString(st, pgShimDB+".main.regclass_oid(${1})")
	st = pgRegClassParam.ReplaceAllString(st, pgShimDB+".main.regclass_oid(${1}::VARCHAR)")
	st = pgRegClassCol.ReplaceAllString(st, pgShimDB+".main.regclass_name(${1})")
	st = pgRegTypeCol.ReplaceAllStringFunc(st, func(m string) string {
		sub := pgRegTypeCol.FindStringSubmatch(m)
		if sub[2] != "" {
			return m // an array of OIDs: left to pgRegType
		}
		return pgShimDB + ".main.regtype_name(" + sub[1] + ")"
	})
	st = pgRegType.ReplaceAllString(st, "::VARCHAR")
	st = pgCollate.ReplaceAllString(st, "")
	st = pgCast.ReplaceAllString(st, "::")
	st = pgCastAs.ReplaceAllString(st, "AS ${1}")
	st = pgVectorText.ReplaceAllString(st, "array_to_string(${1}, ' ')")
	st = pgEncoding.ReplaceAllString(st, "'UTF8'")
	st = pgUserByID.ReplaceAllString(st, "'rheo'")
	st = pgJSONBuild.ReplaceAllString(st, "json_object(")
	st = pgSeries.ReplaceAllStringFunc(st, func(m string) string {
		sub := pgSeries.FindStringSubmatch(m)
		switch strings.ToLower(sub[2]) {
		case "where", "on", "join", "left", "right", "inner", "cross", "order", "group", "limit", "union":
			return m
		}
		if sub[3] != "" {
			return m // it names its column already
		}
		return sub[1] + " AS " + sub[2] + "(" + sub[2] + ")"
	})
	// pgShim sends pg_catalog.<name> to the shim also in a literal
	// ('pg_catalog.pg_extension'::regclass, psql's \dx): it names the
	// relation of pg_catalog still.
	return pgRegClassShim.ReplaceAllString(pgShim(st), "${1}'pg_catalog.")
}

// regclassCompat handles regclass outside catalog queries (lower is st
// in lower case): a name cast to it, 'public.s'::regclass, is the name,
// as DuckDB's nextval, currval and setval take it (pg_dump writes column
// defaults so: DEFAULT nextval('public.t_id_seq'::regclass));
// cast on to an OID ('t'::regclass::oid) it is the relation's OID;
// to_regclass('name') goes to the shim's, the relation's name or NULL, and
// so does pg_get_serial_sequence.
func regclassCompat(st, lower string) string {
	if strings.Contains(lower, "pg_get_serial_sequence") {
		// Django's sequence reset calls it outside catalog queries.
		st = pgSerialSeq.ReplaceAllString(st, "${1}"+pgShimDB+".main.pg_get_serial_sequence(")
	}
	if !strings.Contains(lower, "regclass") {
		return st
	}
	st = pgRegClassToOID.ReplaceAllString(st, pgShimDB+".main.regclass_oid(${1})::${2}")
	st = pgRegClassName.ReplaceAllString(st, "${1}")
	return pgToRegclass.ReplaceAllString(st, "${1}"+pgShimDB+".main.to_regclass(")
}

// beginCompat drops the transaction modes DuckDB does not parse from
// BEGIN and START TRANSACTION (drivers send them: pgx's BeginTx with an
// IsoLevel, psycopg2 with an isolation level or read-only session):
// ISOLATION LEVEL (DuckDB's transactions are snapshot isolated whatever
// is asked) and [NOT] DEFERRABLE. READ ONLY, which DuckDB has, is kept.
// Statements that are not exactly a BEGIN with modes are unchanged.
func beginCompat(st string) string {
	if w := leadWord(st); w != "begin" && w != "start" {
		return st // not lexed: every statement passes here
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 2 {
		return st
	}
	i := 1
	switch {
	case toks[0].is("begin"):
		if toks[1].is("work") || toks[1].is("transaction") {
			i = 2
		}
	case toks[0].is("start") && toks[1].is("transaction"):
		i = 2
	default:
		return st
	}
	readOnly, changed := false, false
	for i < len(toks) {
		switch {
		case toks[i].text == ";" && i == len(toks)-1, toks[i].text == ",":
			i++
		case toks[i].is("isolation") && i+2 < len(toks) && toks[i+1].is("level"):
			switch {
			case toks[i+2].is("serializable"):
				i += 3
			case i+3 < len(toks) && (toks[i+2].is("repeatable") && toks[i+3].is("read") ||
				toks[i+2].is("read") && (toks[i+3].is("committed") || toks[i+3].is("uncommitted"))):
				i += 4
			default:
				return st
			}
			changed = true
		case toks[i].is("deferrable"):
			i++
			changed = true
		case toks[i].is("not") && i+1 < len(toks) && toks[i+1].is("deferrable"):
			i += 2
			changed = true
		case toks[i].is("read") && i+1 < len(toks) && (toks[i+1].is("only") || toks[i+1].is("write")):
			readOnly = readOnly || toks[i+1].is("only")
			i += 2
		default:
			return st
		}
	}
	if !changed {
		return st
	}
	if readOnly {
		return "BEGIN TRANSACTION READ ONLY"
	}
	return "BEGIN TRANSACTION"
}

// byteaCompat rewrites Postgres's hex bytea literals, '\x0001ff'::bytea or
// CAST('\x0001ff' AS bytea), into DuckDB's escapes ('\x00\x01\xff'), which
// DuckDB would otherwise read as the byte 0x00 followed by the characters
// "01ff". psycopg2 and pgx's simple protocol send bytea parameters so.
func byteaCompat(st string) string {
	if !strings.Contains(st, `'\x`) && !strings.Contains(st, `'\X`) {
		return st
	}
	toks, err := lex(st, false)
	if err != nil {
		return st
	}
	isBytea := func(t token) bool { return t.is("bytea") || t.is("blob") }
	e := edits{src: st}
	for i, t := range toks {
		if t.kind != tokString || !isHexBytea(t.text) || t.pos > 0 && (st[t.pos-1] == 'e' || st[t.pos-1] == 'E') {
			continue
		}
		cast := i+3 < len(toks) && toks[i+1].text == ":" && toks[i+2].text == ":" && isBytea(toks[i+3]) ||
			i >= 2 && i+2 < len(toks) && toks[i-1].text == "(" && toks[i-2].is("cast") && toks[i+1].is("as") && isBytea(toks[i+2])
		if !cast {
			continue
		}
		var lit strings.Builder
		lit.WriteByte('\'')
		for j := 2; j < len(t.text); j += 2 {
			lit.WriteString(`\x`)
			lit.WriteString(t.text[j : j+2])
		}
		lit.WriteByte('\'')
		e.replace(t.pos, t.end, lit.String())
	}
	return e.String()
}

// opclassCompat drops the operator classes from the columns of CREATE
// INDEX, which DuckDB refuses ("Index with opclass not supported yet"):
// Django indexes every CharField it indexes a second time with
// varchar_pattern_ops, for LIKE 'x%' under a locale other than C. An
// operator class chooses how Postgres's btree compares; DuckDB's index
// compares values as they are, and its LIKE needs no special class.
func opclassCompat(st string) string {
	if !containsFold(st, "_ops") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 4 || !toks[0].is("create") {
		return st
	}
	i := 1
	if toks[i].is("unique") {
		i++
	}
	if !toks[i].is("index") {
		return st
	}
	for i < len(toks) && !toks[i].is("on") {
		i++
	}
	for i < len(toks) && !isPunct(toks[i], "(") {
		i++
	}
	end := -1
	if i < len(toks) {
		end = matchParen(toks, i)
	}
	if end < 0 {
		return st
	}
	e := edits{src: st}
	for j := i + 1; j < end; j++ {
		t := toks[j]
		if t.kind != tokWord || !strings.HasSuffix(strings.ToLower(t.text), "_ops") {
			continue
		}
		from := j
		if j >= 2 && isPunct(toks[j-1], ".") && toks[j-2].is("pg_catalog") {
			from = j - 2
		}
		// It follows a column or an expression: a column of that name
		// follows "(" or ",".
		if prev := toks[from-1]; prev.kind != tokWord && prev.kind != tokQIdent && !isPunct(prev, ")") || from-1 == i {
			continue
		}
		e.replace(toks[from].pos, t.end, "")
	}
	return e.String()
}

// lockingCompat drops the row-locking clauses of a SELECT (FOR UPDATE,
// FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE, with OF tables, NOWAIT or
// SKIP LOCKED), which DuckDB refuses ("SELECT locking clause is not
// supported"): Django's update_or_create and select_for_update send
// them. DuckDB locks no rows; of two transactions that update the same
// row, the second fails with a conflict rather than waiting.
func lockingCompat(st string) string {
	if w := leadWord(st); w != "select" && w != "with" && w != "(" ||
		!containsFold(st, "for") || !containsFold(st, "update") && !containsFold(st, "share") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 4 || !toks[0].is("select") && !toks[0].is("with") && !isPunct(toks[0], "(") {
		return st
	}
	at := func(j int, w string) bool { return j < len(toks) && toks[j].is(w) }
	e := edits{src: st}
	for j := 0; j < len(toks); j++ {
		if !at(j, "for") { // FOR in substring(s FOR n) is followed by no such word
			continue
		}
		k := j + 1
		switch {
		case at(k, "update"), at(k, "share"):
			k++
		case at(k, "no") && at(k+1, "key") && at(k+2, "update"):
			k += 3
		case at(k, "key") && at(k+1, "share"):
			k += 2
		default:
			continue
		}
		if at(k, "of") {
			k++
			for k < len(toks) && (toks[k].kind == tokWord || toks[k].kind == tokQIdent || isPunct(toks[k], ".") || isPunct(toks[k], ",")) &&
				!at(k, "nowait") && !at(k, "skip") && !at(k, "for") && !at(k, "limit") && !at(k, "offset") {
				k++
			}
		}
		switch {
		case at(k, "nowait"):
			k++
		case at(k, "skip") && at(k+1, "locked"):
			k += 2
		}
		end := len(st)
		if k < len(toks) {
			end = toks[k].pos
		}
		e.replace(toks[j].pos, end, "")
		j = k - 1
	}
	return e.String()
}

// timeZoneIntervalCompat rewrites SET TIME ZONE INTERVAL '+02:00' HOUR
// TO MINUTE, Postgres's offset form, which Sequelize sends on every
// connection ('+00:00' by default), into the zone of that offset: UTC, or
// Etc/GMT-2 (whose sign is POSIX's, west positive). DuckDB reads the
// INTERVAL as its own. An offset that is not whole hours has no such
// zone and is left to fail.
func timeZoneIntervalCompat(st string) string {
	m := pgTZInterval.FindStringSubmatch(st)
	if m == nil {
		return st
	}
	h, err := strconv.Atoi(m[3])
	if err != nil || h > 14 {
		return st
	}
	zone := "UTC"
	if h != 0 {
		sign := "-" // east of Greenwich is Etc/GMT-h
		if m[2] == "-" {
			sign = "+"
		}
		zone = fmt.Sprintf("Etc/GMT%s%d", sign, h)
	}
	return m[1] + quoteString(zone) + m[4]
}

// A string literal holding a timestamp with a space before its offset,
// as Sequelize writes dates into its statements ('2026-11-22 19:58:53.001
// +00:00'). hasSpacedOffset finds one cheaply in the statement;
// pgSpacedOffset matches the literal's text.
var pgSpacedOffset = regexp.MustCompile(`^(\d{4,}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?) ([+-]\d\d(?::\d\d)?)$`)

// spacedOffsetCompat joins the offset of such literals to the time
// ('2026-11-22 19:58:53.001+00:00'): Postgres reads both forms as a
// timestamptz (and as a timestamp, ignoring the offset), DuckDB only the
// second ("invalid timestamp field format"). Sequelize's bulkCreate,
// findOrCreate and every where clause on a date send them. Without the
// column types the rewrite cannot tell a timestamp from text, so a text
// value of exactly this form loses the space too.
func spacedOffsetCompat(st string) string {
	if !hasSpacedOffset(st) {
		return st
	}
	toks, err := lex(st, false)
	if err != nil {
		return st
	}
	e := edits{src: st}
	for _, t := range toks {
		if t.kind != tokString || st[t.pos] != '\'' {
			continue // a $$...$$ string is left alone
		}
		m := pgSpacedOffset.FindStringSubmatch(t.text)
		if m == nil {
			continue
		}
		e.replace(t.pos, t.end, quoteString(m[1]+m[2]))
	}
	return e.String()
}

// hasSpacedOffset reports whether st may hold such a literal: a digit, a
// space, a sign, two digits, maybe :two digits, and the closing quote. It
// runs on every statement, so it looks for " +" and " -" with
// strings.Index rather than a regular expression, which scanned a
// multi-megabyte INSERT at a fifth of the speed.
func hasSpacedOffset(st string) bool {
	isDigit := func(i int) bool { return i >= 0 && i < len(st) && st[i] >= '0' && st[i] <= '9' }
	for from := 0; ; {
		i := strings.Index(st[from:], " ")
		if i < 0 {
			return false
		}
		i += from
		from = i + 1
		if i+4 >= len(st) || (st[i+1] != '+' && st[i+1] != '-') || !isDigit(i-1) || !isDigit(i+2) || !isDigit(i+3) {
			continue
		}
		j := i + 4
		if st[j] == ':' && isDigit(j+1) && isDigit(j+2) {
			j += 3
		}
		if j < len(st) && st[j] == '\'' {
			return true
		}
	}
}

// leadWord returns a statement's first word in lower case (or "(" when it
// opens with one), past whitespace and comments, without lexing the rest:
// a rewrite of some statements only looks at others no further.
func leadWord(st string) string {
	i := 0
	for i < len(st) {
		switch c := st[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case strings.HasPrefix(st[i:], "--"):
			j := strings.IndexByte(st[i:], '\n')
			if j < 0 {
				return ""
			}
			i += j + 1
		case strings.HasPrefix(st[i:], "/*"):
			j := strings.Index(st[i+2:], "*/")
			if j < 0 {
				return ""
			}
			i += j + 4
		case c == '(':
			return "("
		default:
			j := i
			for j < len(st) && (st[j]|0x20 >= 'a' && st[j]|0x20 <= 'z' || st[j] == '_') {
				j++
			}
			return strings.ToLower(st[i:j])
		}
	}
	return ""
}

// jsonPathCompat rewrites Postgres's path operators on JSON, x #> '{a,b}'
// and x #>> '{a,b}', which DuckDB lacks, into DuckDB's -> and ->> with the
// JSON pointer '/a/b' (the whole value for '{}'). Sequelize writes a
// where on a nested key ({ 'data.a.b': 1 }) so. Only a column (a.b.c)
// on the left and a literal path on the right are rewritten.
func jsonPathCompat(st string) string {
	if !strings.Contains(st, "#>") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil {
		return st
	}
	e := edits{src: st}
	for i := 1; i+2 < len(toks); i++ {
		if !isPunct(toks[i], "#") || !isPunct(toks[i+1], ">") || toks[i+1].pos != toks[i].end {
			continue
		}
		op, path := "->", i+2
		if isPunct(toks[path], ">") && toks[path].pos == toks[i+1].end {
			op, path = "->>", path+1
		}
		if path >= len(toks) || toks[path].kind != tokString || st[toks[path].pos] != '\'' {
			continue
		}
		ptr, ok := jsonPointer(toks[path].text)
		if !ok {
			continue
		}
		start := i - 1 // the column: names joined by dots
		if toks[start].kind != tokWord && toks[start].kind != tokQIdent {
			continue
		}
		for start >= 2 && isPunct(toks[start-1], ".") && (toks[start-2].kind == tokWord || toks[start-2].kind == tokQIdent) {
			start -= 2
		}
		if toks[start].pos < e.last {
			continue
		}
		e.replace(toks[start].pos, toks[path].end, "("+st[toks[start].pos:toks[i-1].end]+" "+op+" "+quoteString(ptr)+")")
		i = path
	}
	return e.String()
}

// jsonPointer turns a Postgres text[] path ('{a,"b c",0}') into a JSON
// pointer ('/a/b c/0'); '{}' is the whole value, '$'.
func jsonPointer(path string) (string, bool) {
	path = strings.TrimSpace(path)
	if len(path) < 2 || path[0] != '{' || path[len(path)-1] != '}' {
		return "", false
	}
	body := strings.TrimSpace(path[1 : len(path)-1])
	if body == "" {
		return "$", true
	}
	var out strings.Builder
	for i := 0; i <= len(body); {
		var el strings.Builder
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) && body[i] == '"' {
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				el.WriteByte(body[i])
			}
			if i >= len(body) {
				return "", false // unterminated
			}
			i++
			for i < len(body) && body[i] == ' ' {
				i++
			}
		} else {
			j := strings.IndexByte(body[i:], ',')
			if j < 0 {
				j = len(body) - i
			}
			el.WriteString(strings.TrimSpace(body[i : i+j]))
			i += j
		}
		if i < len(body) && body[i] != ',' {
			return "", false
		}
		i++
		out.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(el.String(), "~", "~0"), "/", "~1"))
	}
	return out.String(), true
}

// jsonbCompat makes Postgres's jsonb type DuckDB's JSON, which DuckDB
// lacks: in casts ('{}'::jsonb, CAST(x AS jsonb)) and in the column
// definitions of CREATE TABLE and ALTER TABLE (knex's jsonb(), GORM's
// datatypes.JSON). Other words jsonb (a column of that name, a function
// jsonb_...) are left alone.
func jsonbCompat(st string) string {
	if !containsFold(st, "jsonb") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) == 0 {
		return st
	}
	ddl := toks[0].is("create") || toks[0].is("alter")
	e := edits{src: st}
	for i, t := range toks {
		if !t.is("jsonb") || i == 0 || i+1 < len(toks) && isPunct(toks[i+1], "(") {
			continue
		}
		if !jsonbIsType(toks, i, ddl) {
			continue
		}
		e.replace(t.pos, t.end, "JSON")
	}
	return e.String()
}

// jsonbIsType reports whether toks[i], the word jsonb, is a type: after
// :: , as CAST's AS (before its ")" or "["), or in DDL after TYPE or a
// column's name in its definition ("(" or "," or ADD [COLUMN] [IF NOT
// EXISTS] before the name). A table, column or alias named jsonb (RENAME
// ... TO jsonb, DROP COLUMN jsonb, FROM jsonb, AS jsonb) stays a name.
func jsonbIsType(toks []token, i int, ddl bool) bool {
	prev := toks[i-1]
	next := func(text string) bool { return i+1 < len(toks) && isPunct(toks[i+1], text) }
	switch {
	case isPunct(prev, ":"):
		return true
	case prev.is("as"):
		return next(")") || next("[")
	case !ddl:
		return false
	case prev.is("type"):
		return true
	case i < 2 || prev.kind != tokQIdent && (prev.kind != tokWord || prev.is("column")):
		return false
	}
	pp := toks[i-2]
	return isPunct(pp, "(") || isPunct(pp, ",") || pp.is("column") || pp.is("add") || pp.is("exists")
}

// isHexBytea reports whether s is bytea's hex form: \x and pairs of hex digits.
func isHexBytea(s string) bool {
	if len(s) < 2 || s[0] != '\\' || s[1] != 'x' && s[1] != 'X' || len(s)%2 != 0 {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// qualifyCatalog prefixes pg_catalog. to the shim's relations named
// without it in a FROM clause (after FROM, JOIN, or a comma of the FROM
// list); ok is false when there is none.
func qualifyCatalog(st string) (string, bool) {
	if !strings.Contains(strings.ToLower(st), "pg_") {
		return st, false
	}
	toks, err := lex(st, false)
	if err != nil {
		return st, false
	}
	from := newFromTracker()
	e := edits{src: st}
	for i, t := range toks {
		if from.step(t) {
			continue
		}
		if t.kind != tokWord || !pgShimViewNames[strings.ToLower(t.text)] || i == 0 {
			continue
		}
		prev := toks[i-1]
		if !(prev.is("from") || prev.is("join") || prev.kind == tokPunct && prev.text == "," && from.in()) {
			continue
		}
		if i+1 < len(toks) && toks[i+1].kind == tokPunct && (toks[i+1].text == "." || toks[i+1].text == "(") {
			continue
		}
		e.replace(t.pos, t.pos, "pg_catalog.")
	}
	return e.String(), e.changed
}

// fromTracker follows, token by token, whether a statement is in a FROM
// clause at the current parenthesis depth, where a comma separates
// relations.
type fromTracker struct{ inFrom []bool }

func newFromTracker() *fromTracker { return &fromTracker{inFrom: []bool{false}} }

// step takes the next token and reports whether it was one that opens or
// ends a clause or a parenthesis (nothing else to do with it).
func (f *fromTracker) step(t token) bool {
	d := len(f.inFrom) - 1
	switch {
	case isPunct(t, "("):
		f.inFrom = append(f.inFrom, false)
	case isPunct(t, ")"):
		if d > 0 {
			f.inFrom = f.inFrom[:d]
		}
	case t.is("from"):
		f.inFrom[d] = true
	case t.is("select") || t.is("where") || t.is("group") || t.is("having") || t.is("order") ||
		t.is("limit") || t.is("union") || t.is("window") || t.is("qualify") || t.is("returning") || t.is("set"):
		f.inFrom[d] = false
	default:
		return false
	}
	return true
}

// in reports whether the last token was in a FROM clause.
func (f *fromTracker) in() bool { return f.inFrom[len(f.inFrom)-1] }

// depth is the parenthesis depth, 0 outside any.
func (f *fromTracker) depth() int { return len(f.inFrom) - 1 }

// indexCompat drops the access method of CREATE INDEX ... USING btree
// (or hash): pg_dump, Alembic and Django write it, and DuckDB, whose
// only index is its own (art), refuses the name ("Unknown index type").
// Other methods (gin, gist, ...) still fail, as they change what the
// index does.
func indexCompat(st string) string {
	if !containsFold(st, "using") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 4 || !toks[0].is("create") || !(toks[1].is("index") || toks[1].is("unique") && toks[2].is("index")) {
		return st
	}
	for i := 2; i+1 < len(toks); i++ {
		if isPunct(toks[i], "(") {
			break // the method comes before the column list
		}
		if toks[i].is("using") && (toks[i+1].is("btree") || toks[i+1].is("hash")) {
			return st[:toks[i].pos] + st[toks[i+1].end:]
		}
	}
	return st
}

// sequenceCompat drops what DuckDB refuses in CREATE SEQUENCE and
// pg_dump writes for a serial column's sequence: the data type (AS
// integer; DuckDB's sequences are BIGINT, and MAXVALUE, if given, still
// bounds the values) and CACHE n (how many values a Postgres backend
// reserves at once, which changes no value).
func sequenceCompat(st string) string {
	if !containsFold(st, "sequence") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) < 4 || !toks[0].is("create") {
		return st
	}
	i := 1
	for i < len(toks) && (toks[i].is("temp") || toks[i].is("temporary") || toks[i].is("unlogged")) {
		i++
	}
	if i >= len(toks) || !toks[i].is("sequence") {
		return st
	}
	e := edits{src: st}
	for i++; i+1 < len(toks); i++ {
		drop := false
		switch {
		case toks[i].is("as") && toks[i+1].kind == tokWord:
			switch strings.ToLower(toks[i+1].text) {
			case "smallint", "int2", "integer", "int", "int4", "bigint", "int8":
				drop = true
			}
		case toks[i].is("cache") && toks[i+1].kind == tokNumber:
			drop = true
		}
		if drop {
			e.replace(toks[i].pos, toks[i+1].end, "")
			i++
		}
	}
	return e.String()
}

// edits builds a statement from src with byte ranges replaced, in order
// of position: the rewrites' common splice.
type edits struct {
	src     string
	b       strings.Builder
	last    int // end of the last range replaced
	changed bool
}

// replace puts with in place of src[from:to]; from is at or after the
// end of the range replaced before.
func (e *edits) replace(from, to int, with string) {
	e.b.WriteString(e.src[e.last:from])
	e.b.WriteString(with)
	e.last, e.changed = to, true
}

// String is the edited statement: src itself when nothing was replaced.
func (e *edits) String() string {
	if !e.changed {
		return e.src
	}
	e.b.WriteString(e.src[e.last:])
	return e.b.String()
}
