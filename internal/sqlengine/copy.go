package sqlengine

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// copyTarget is the table a COPY loads and the columns it fills, in the
// order of the source's fields.
type copyTarget struct {
	name string // quoted, possibly qualified
	cols []tableColumn
}

// copy runs a Redshift-style COPY statement (copyparse.go).
func (s *Session) copy(ctx context.Context, st string) (*Result, error) {
	c, err := parseCopy(st)
	if err != nil {
		return nil, toError(err)
	}
	n, err := s.runCopy(ctx, c, false)
	if err != nil {
		return nil, toError(err)
	}
	return &Result{tag: "COPY " + strconv.FormatInt(n, 10), notices: c.notices}, nil
}

// runCopy loads the files of c into its table and returns the row count.
// With exact, FROM names one object, not a prefix.
func (s *Session) runCopy(ctx context.Context, c *copyStmt, exact bool) (int64, error) {
	target, err := s.copyTarget(ctx, c)
	if err != nil {
		return 0, err
	}
	var sources []string
	if c.manifest {
		if sources, err = s.e.manifest(ctx, c.from); err != nil {
			return 0, err
		}
		exact = true
	} else {
		sources = []string{c.from}
	}
	var files []string
	for _, src := range sources {
		f, err := s.e.resolveSource(ctx, src, exact)
		if err != nil {
			var te *Error
			if c.manifest && errors.As(err, &te) && te.Code == CodeUndefinedFile {
				continue // manifest checked the mandatory entries
			}
			return 0, err
		}
		defer f.cleanup()
		files = append(files, f.paths...)
	}
	if len(files) == 0 {
		return 0, nil
	}
	sel, err := s.e.copySelect(ctx, c, target, files)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, col := range target.cols {
		names = append(names, quoteIdent(col.Name))
	}
	res, err := s.exec(ctx, "INSERT INTO "+target.name+" ("+strings.Join(names, ", ")+") "+sel)
	if err != nil {
		return 0, copyError(c, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// copyError adds which COPY failed to DuckDB's message.
func copyError(c *copyStmt, err error) error {
	te := toError(err)
	return &Error{Code: te.Code, Message: "COPY from " + c.from + " failed: " + te.Message, Err: err}
}

// manifest reads a Redshift manifest: {"entries": [{"url": "s3://...",
// "mandatory": true}, ...]}. A missing mandatory entry fails the COPY.
func (e *Engine) manifest(ctx context.Context, src string) ([]string, error) {
	b, err := e.readObject(ctx, src)
	if err != nil {
		return nil, err
	}
	var m struct {
		Entries []struct {
			URL       string `json:"url"`
			Mandatory bool   `json:"mandatory"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, newErr(CodeInvalidParameter, "manifest %s is not valid JSON: %v", src, err)
	}
	var out []string
	for _, en := range m.Entries {
		if en.Mandatory {
			if _, err := e.resolveSource(ctx, en.URL, true); err != nil {
				return nil, newErr(CodeUndefinedFile, "manifest %s: mandatory file %s not found", src, en.URL)
			}
		}
		out = append(out, en.URL)
	}
	return out, nil
}

// copyTarget finds the table and its columns.
func (s *Session) copyTarget(ctx context.Context, c *copyStmt) (*copyTarget, error) {
	var db, schema string
	name := c.table[len(c.table)-1]
	switch len(c.table) {
	case 2:
		schema = c.table[0]
	case 3:
		db, schema = c.table[0], c.table[1]
	case 1:
	default:
		return nil, syntaxErr("invalid table name %s", strings.Join(c.table, "."))
	}
	q := `SELECT c.database_name, c.schema_name, c.table_name, c.column_name, c.data_type
FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
WHERE lower(c.table_name) = lower(?)
  AND lower(c.schema_name) = lower(CASE WHEN ? = '' THEN current_schema() ELSE ? END)
  AND lower(c.database_name) = lower(CASE WHEN ? = '' THEN current_database() ELSE ? END)
ORDER BY c.column_index`
	rows, err := s.conn.QueryContext(ctx, q, namedArgs([]any{name, schema, schema, db, db}))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []tableColumn
	var qual []string
	vals := make([]driver.Value, 5)
	for {
		if err := rows.Next(vals); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		if qual == nil {
			qual = []string{quoteIdent(fmt.Sprint(vals[0])), quoteIdent(fmt.Sprint(vals[1])), quoteIdent(fmt.Sprint(vals[2]))}
		}
		all = append(all, tableColumn{Name: fmt.Sprint(vals[3]), Type: fmt.Sprint(vals[4])})
	}
	if len(all) == 0 {
		return nil, newErr(CodeUndefinedTable, "relation %q does not exist (COPY loads an existing table; create it first)", strings.Join(c.table, "."))
	}
	t := &copyTarget{name: strings.Join(qual, ".")}
	if len(c.columns) == 0 {
		t.cols = all
		return t, nil
	}
	seen := map[string]bool{}
	for _, want := range c.columns {
		found := false
		for _, col := range all {
			if strings.EqualFold(col.Name, want) {
				if seen[strings.ToLower(col.Name)] {
					return nil, newErr(CodeDuplicateTable, "column %q specified more than once", want)
				}
				seen[strings.ToLower(col.Name)] = true
				t.cols = append(t.cols, col)
				found = true
				break
			}
		}
		if !found {
			return nil, newErr(CodeUndefinedColumn, "column %q of relation %q does not exist", want, name)
		}
	}
	return t, nil
}

// copySelect renders the SELECT that reads files as the target's columns.
func (e *Engine) copySelect(ctx context.Context, c *copyStmt, t *copyTarget, files []string) (string, error) {
	list := sqlList(files)
	comp := ""
	if c.compression != "" {
		comp = ", compression=" + quoteString(c.compression)
	}
	switch c.format {
	case "parquet":
		// Redshift maps columnar files by position; DuckDB's INSERT checks
		// that the counts match. key=value directories (a Firehose prefix)
		// are not columns of the file, so DuckDB must not add them.
		return "SELECT * FROM read_parquet(" + list + ", hive_partitioning=false)", nil
	case "json":
		return e.copyJSONSelect(ctx, c, t, list, comp)
	}
	delim, quote, escape := "|", "", ""
	if c.format == "csv" {
		delim, quote = ",", `"`
		if c.quote != "" {
			quote = c.quote
		}
		escape = quote
	} else if c.removeQuotes {
		quote, escape = `"`, `"`
	}
	if c.hasDelimiter {
		delim = c.delimiter
	}
	if len(delim) > 4 {
		return "", newErr(CodeFeature, "DELIMITER %q is longer than the 4 bytes rheo supports", delim)
	}
	nullStr := `\N`
	if c.hasNullAs {
		nullStr = c.nullAs
	}
	if c.escape {
		return c.escapedSelect(t, list, delim, nullStr, comp)
	}
	var spec, cols []string
	for i, col := range t.cols {
		f := fmt.Sprintf("__f%d", i)
		spec = append(spec, quoteString(f)+": 'VARCHAR'")
		conv, err := c.convertField(f, col.Type, col.Name)
		if err != nil {
			return "", err
		}
		cols = append(cols, conv)
	}
	pad := "false"
	if c.fillRecord {
		pad = "true"
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM read_csv(" + list + ", columns={" + strings.Join(spec, ", ") + "}, delim=" +
		quoteString(delim) + ", quote=" + quoteString(quote) + ", escape=" + quoteString(escape) + ", header=false, skip=" +
		strconv.Itoa(c.ignoreHeader) + ", auto_detect=false, null_padding=" + pad + ", nullstr=" + quoteString(nullStr) +
		", allow_quoted_nulls=false, hive_partitioning=false" + comp + ")", nil
}

// escapedSelect reads text-format files with ESCAPE: a backslash makes
// the next character part of the field, so "a\|b" is one field "a|b"
// and "\\" a backslash. DuckDB's CSV reader knows escapes only inside
// quotes, so each line is read whole and split here on unescaped
// delimiters. A backslash before a line break (a field spanning lines)
// leaves the line one field short, which fails the load.
func (c *copyStmt) escapedSelect(t *copyTarget, list, delim, nullStr, comp string) (string, error) {
	if len(delim) != 1 {
		return "", newErr(CodeFeature, "ESCAPE with the multi-byte DELIMITER %q is not supported by rheo", delim)
	}
	if c.removeQuotes {
		return "", newErr(CodeFeature, "ESCAPE with REMOVEQUOTES is not supported by rheo")
	}
	d := delim
	if strings.ContainsAny(d, `\.+*?()|[]{}^$-`) {
		d = `\` + d
	}
	// Every field is followed by a delimiter once one is appended to the line.
	pattern := `((?:\\.|[^\\` + d + `])*)` + d
	split := "regexp_extract_all(coalesce(__l, '') || " + quoteString(delim) + ", " + quoteString(pattern) + ", 1)"
	n := len(t.cols)
	var cols []string
	for i, col := range t.cols {
		raw := fmt.Sprintf("__p[%d]", i+1)
		f := "CASE WHEN " + raw + " = " + quoteString(nullStr) + " THEN NULL ELSE regexp_replace(" + raw + `, '\\(.)', '\1', 'g') END`
		conv, err := c.convertField(f, col.Type, col.Name)
		if err != nil {
			return "", err
		}
		if i == 0 {
			cmp := "<>"
			if c.fillRecord {
				cmp = ">"
			}
			conv = "CASE WHEN len(__p) " + cmp + " " + strconv.Itoa(n) + " THEN error('Delimited value count wrong: ' || len(__p) || ' fields, " +
				strconv.Itoa(n) + " columns: ' || coalesce(__l, '')) ELSE " + conv + " END"
		}
		cols = append(cols, conv)
	}
	// A line never contains the 4-byte separator, so read_csv yields each line as one column.
	return "SELECT " + strings.Join(cols, ", ") + " FROM (SELECT __l, " + split + " AS __p FROM read_csv(" + list +
		", columns={'__l': 'VARCHAR'}, delim='\x01\x02\x03\x04', quote='', escape='', header=false, skip=" + strconv.Itoa(c.ignoreHeader) +
		", auto_detect=false, allow_quoted_nulls=false, hive_partitioning=false" + comp + "))", nil
}

// convertField converts text field f to column type typ with the COPY's
// conversion parameters. Empty fields of non-character types are NULL, as
// in Redshift.
func (c *copyStmt) convertField(f, typ, col string) (string, error) {
	t := strings.ToUpper(typ)
	if t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") {
		v := f
		if c.trimBlanks {
			v = "rtrim(" + v + ")"
		}
		switch {
		case c.blanksAsNull:
			v = "NULLIF(trim(" + v + "), '')"
		case c.emptyAsNull:
			v = "NULLIF(" + v + ", '')"
		}
		return v, nil
	}
	v := "NULLIF(trim(" + f + "), '')"
	return c.timeConv(v, t, col)
}

// integerTypes are the DuckDB integer types. Casting text to them in
// DuckDB rounds decimals and accepts exponents, hex and digit separators
// ('1.5' is 2, '1e3' is 1000); Redshift's COPY refuses all of these (load
// error 1207, "Invalid digit"), as Postgres does.
var integerTypes = map[string]bool{
	"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true, "HUGEINT": true,
	"UTINYINT": true, "USMALLINT": true, "UINTEGER": true, "UBIGINT": true, "UHUGEINT": true,
}

// strictInt casts text v to integer type t, failing the load on anything
// but optionally signed decimal digits.
func strictInt(v, t, col string) string {
	msg := quoteString("Invalid digit, Value '") + " || " + v + " || " + quoteString("', Type: "+strings.ToLower(t)+", Column: "+col)
	return "CASE WHEN " + v + " IS NULL OR regexp_full_match(" + v + `, '\s*[+-]?[0-9]+\s*') THEN CAST(` + v + " AS " + t + ") ELSE error(" + msg + ") END"
}

// timeConv casts v (text) to t, applying TIMEFORMAT/DATEFORMAT; col
// names the column in errors.
func (c *copyStmt) timeConv(v, t, col string) (string, error) {
	if integerTypes[t] {
		return strictInt(v, t, col), nil
	}
	isTS := strings.HasPrefix(t, "TIMESTAMP")
	format := ""
	switch {
	case isTS:
		format = c.timeFormat
	case t == "DATE":
		format = c.dateFormat
	}
	if format == "" {
		return "CAST(" + v + " AS " + t + ")", nil
	}
	f, err := redshiftTimeFormat(format)
	if err != nil {
		return "", err
	}
	switch f {
	case "auto":
		return autoTime(v, t), nil
	case "epochsecs":
		return "CAST(make_timestamp(CAST(CAST(" + v + " AS DOUBLE) * 1000000 AS BIGINT)) AS " + t + ")", nil
	case "epochmillisecs":
		return "CAST(make_timestamp(CAST(" + v + " AS BIGINT) * 1000) AS " + t + ")", nil
	}
	return "CAST(strptime(" + v + ", " + quoteString(f) + ") AS " + t + ")", nil
}

// autoFormats are the spellings Redshift's TIMEFORMAT/DATEFORMAT 'auto'
// recognizes ("Using automatic recognition with DATEFORMAT and
// TIMEFORMAT") that DuckDB's cast does not read, as strptime formats.
var autoFormats = []string{
	"%m/%d/%Y %H:%M:%S.%f", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
	"%Y%m%d %H%M%S", "%y%m%d %H%M%S", "%Y%m%d",
	"%d %b %H:%M:%S %Y", "%b %d %Y %H:%M:%S", "%b %d, %Y %H:%M:%S", "%b %d %Y", "%b %d, %Y", "%d %b %Y",
	"%Y.%j",
}

// autoTime casts text v to timestamp or date type t as 'auto' does: what
// DuckDB's cast reads (ISO 8601 and its variants), else one of
// autoFormats; anything else fails with the cast's error.
func autoTime(v, t string) string {
	var fs []string
	for _, f := range autoFormats {
		fs = append(fs, quoteString(f))
	}
	p := "try_strptime(" + v + ", [" + strings.Join(fs, ", ") + "])"
	return "CASE WHEN " + v + " IS NULL THEN NULL WHEN TRY_CAST(" + v + " AS " + t + ") IS NOT NULL THEN TRY_CAST(" + v + " AS " + t +
		") WHEN " + p + " IS NOT NULL THEN CAST(" + p + " AS " + t + ") ELSE CAST(" + v + " AS " + t + ") END"
}

// copyJSONSelect reads JSON documents (newline-delimited, concatenated or
// pretty-printed; DuckDB's format='auto') and maps keys to columns:
// 'auto' by name (the exact column name, or its lower case, Redshift's
// spelling: Redshift folds names to lower case and 'auto' is case
// sensitive, "COPY from JSON format" in the Redshift Database Developer
// Guide), 'auto ignorecase' ignoring case, a JSONPaths file by position.
func (e *Engine) copyJSONSelect(ctx context.Context, c *copyStmt, t *copyTarget, list, comp string) (string, error) {
	var paths [][]string // per column, the JSON paths tried in order
	arg := strings.ToLower(c.jsonArg)
	ignoreCase := arg == "auto ignorecase"
	if arg == "auto" || ignoreCase {
		for _, col := range t.cols {
			ps := []string{"$." + jsonKey(col.Name)}
			if l := strings.ToLower(col.Name); l != col.Name {
				ps = append(ps, "$."+jsonKey(l))
			}
			paths = append(paths, ps)
		}
	} else {
		jp, err := e.jsonPaths(ctx, c.jsonArg)
		if err != nil {
			return "", err
		}
		if len(jp) != len(t.cols) {
			return "", newErr(CodeInvalidParameter, "Number of jsonpaths and the number of columns should match. JSONPath size: %d, Number of columns in table or column list: %d", len(jp), len(t.cols))
		}
		for _, p := range jp {
			paths = append(paths, []string{p})
		}
	}
	var flat []string
	for _, ps := range paths {
		for _, p := range ps {
			flat = append(flat, quoteString(p))
		}
	}
	var cols []string
	k := 0
	for i, col := range t.cols {
		var alts []string
		nested := isNested(strings.ToUpper(col.Type))
		for range paths[i] {
			k++
			if nested {
				alts = append(alts, fmt.Sprintf("__j[%d]", k))
			} else {
				alts = append(alts, fmt.Sprintf("__s[%d]", k))
			}
		}
		v := alts[0]
		if len(alts) > 1 {
			v = "coalesce(" + strings.Join(alts, ", ") + ")"
		}
		if ignoreCase {
			key := "list_filter(json_keys(json), __k -> lower(__k) = " + quoteString(strings.ToLower(col.Name)) + ")[1]"
			path := "'$.\"' || replace(" + key + ", '\"', '\\\"') || '\"'"
			fn := "json_extract_string"
			if nested {
				fn = "json_extract"
			}
			v = "CASE WHEN " + v + " IS NOT NULL THEN " + v + " WHEN json_type(json) = 'OBJECT' THEN " + fn + "(json, " + path + ") END"
		}
		var conv string
		switch {
		case nested:
			conv = "CAST(" + v + " AS " + col.Type + ")"
		case strings.EqualFold(col.Type, "VARCHAR"):
			conv = v
			if c.emptyAsNull || c.blanksAsNull {
				conv = "NULLIF(trim(" + v + "), '')"
			}
		default:
			var err error
			if conv, err = c.timeConv(v, strings.ToUpper(col.Type), col.Name); err != nil {
				return "", err
			}
		}
		cols = append(cols, conv)
	}
	fl := "[" + strings.Join(flat, ", ") + "]"
	inner := "SELECT json, json_extract_string(json, " + fl + ") AS __s, json_extract(json, " + fl + ") AS __j FROM read_json_objects(" +
		list + ", format='auto', hive_partitioning=false" + comp + ")"
	return "SELECT " + strings.Join(cols, ", ") + " FROM (" + inner + ")", nil
}

// jsonPaths reads a JSONPaths file ({"jsonpaths": ["$.a", "$['b']", ...]})
// and returns DuckDB JSON paths.
func (e *Engine) jsonPaths(ctx context.Context, src string) ([]string, error) {
	b, err := e.readObject(ctx, src)
	if err != nil {
		return nil, err
	}
	var doc struct {
		JSONPaths []string `json:"jsonpaths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, newErr(CodeInvalidParameter, "JSONPaths file %s is not valid JSON: %v", src, err)
	}
	if doc.JSONPaths == nil {
		return nil, newErr(CodeInvalidParameter, "JSONPaths file %s has no \"jsonpaths\" array", src)
	}
	out := make([]string, len(doc.JSONPaths))
	for i, p := range doc.JSONPaths {
		dp, err := duckJSONPath(p)
		if err != nil {
			return nil, newErr(CodeInvalidParameter, "JSONPaths file %s: %v", src, err)
		}
		out[i] = dp
	}
	return out, nil
}

// duckJSONPath converts a Redshift JSONPath ($.a.b, $['a']['b'], $.a[0])
// to DuckDB's form ($."a"."b", $.a[0]).
func duckJSONPath(p string) (string, error) {
	if !strings.HasPrefix(p, "$") {
		return "", fmt.Errorf("JSONPath %q must start with $", p)
	}
	var b strings.Builder
	b.WriteString("$")
	for i := 1; i < len(p); {
		switch {
		case p[i] == '.':
			j := i + 1
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf("JSONPath %q has an empty member name", p)
			}
			b.WriteString("." + jsonKey(p[i+1:j]))
			i = j
		case strings.HasPrefix(p[i:], "['") || strings.HasPrefix(p[i:], `["`):
			q := p[i+1]
			end := strings.IndexByte(p[i+2:], q)
			if end < 0 || i+2+end+1 >= len(p) || p[i+2+end+1] != ']' {
				return "", fmt.Errorf("JSONPath %q has an unterminated bracket", p)
			}
			b.WriteString("." + jsonKey(p[i+2:i+2+end]))
			i += 2 + end + 2
		case p[i] == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return "", fmt.Errorf("JSONPath %q has an unterminated bracket", p)
			}
			idx := p[i+1 : i+end]
			if _, err := strconv.Atoi(idx); err != nil {
				return "", fmt.Errorf("JSONPath %q: only array indexes and names are supported", p)
			}
			b.WriteString("[" + idx + "]")
			i += end + 1
		default:
			return "", fmt.Errorf("JSONPath %q is not supported (use $.name, $['name'] or [index])", p)
		}
	}
	return b.String(), nil
}
