package sqlengine

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Stream table formats.
const (
	formatCSV   = "csv"
	formatJSON  = "json"
	formatRegex = "regex"
	formatRaw   = "raw"
)

// Hive class names rheo recognises.
const (
	kinesisHandler = "com.amazon.emr.kinesis.hive.KinesisStorageHandler"
	regexSerDe     = "org.apache.hadoop.hive.serde2.RegexSerDe"
	regexSerDe2    = "org.apache.hadoop.hive.contrib.serde2.RegexSerDe"
	openxJSONSerDe = "org.openx.data.jsonserde.JsonSerDe"
	hcatJSONSerDe  = "org.apache.hive.hcatalog.data.JsonSerDe"
	lazySimple     = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
)

// streamTable is the persisted definition of a stream table (meta
// namespace "sqltables", key = lower-case name).
type streamTable struct {
	Name      string        `json:"name"`
	Stream    string        `json:"stream"`
	Format    string        `json:"format"`
	Columns   []tableColumn `json:"columns"`
	Delimiter string        `json:"delimiter,omitempty"`
	// Collection and MapKey split ARRAY and MAP fields of csv tables;
	// empty (as in definitions stored before they existed) means Hive's
	// defaults, \002 and \003.
	Collection string `json:"collection,omitempty"`
	MapKey     string `json:"map_key,omitempty"`
	// Null is the spelling of NULL in csv fields (NULL DEFINED AS); nil,
	// as in definitions stored before it existed, means Hive's \N.
	Null *string `json:"null,omitempty"`
	// RawBinary takes BINARY fields of csv tables as they are; false (Hive's
	// default) base64-decodes the fields that are base64.
	RawBinary bool   `json:"raw_binary,omitempty"`
	Regex     string `json:"regex,omitempty"`
	DDL       string `json:"ddl"`
}

// collectionDelim is the delimiter between ARRAY items and MAP entries of a
// csv table (one character, as Hive uses one byte).
func (st *streamTable) collectionDelim() string { return firstChar(st.Collection, "\x02") }

// mapKeyDelim is the delimiter between a MAP entry's key and value.
func (st *streamTable) mapKeyDelim() string { return firstChar(st.MapKey, "\x03") }

// firstChar returns the first character of s, or def if s is empty.
func firstChar(s, def string) string {
	for _, r := range s {
		return string(r)
	}
	return def
}

// tableColumn is a user column with its DuckDB type.
type tableColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// createStmt is a parsed CREATE [EXTERNAL|STREAM] TABLE that rheo handles.
type createStmt struct {
	ifNotExists bool
	stream      *streamTable   // nil: an ordinary table, created with duckSQL
	external    *externalTable // a lake table (LOCATION without STORED BY)
	duckSQL     string
	notices     []string
}

// parser walks tokens of one statement.
type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{kind: tokPunct, text: ""}
}

func (p *parser) eof() bool {
	return p.i >= len(p.toks) || (p.toks[p.i].text == ";" && p.i == len(p.toks)-1)
}

func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

// accept consumes the words ws if they come next.
func (p *parser) accept(ws ...string) bool {
	for k, w := range ws {
		if p.i+k >= len(p.toks) || !p.toks[p.i+k].is(w) {
			return false
		}
	}
	p.i += len(ws)
	return true
}

func (p *parser) acceptPunct(s string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return p.errorf("expected %q", s)
	}
	return nil
}

func (p *parser) errorf(format string, a ...any) *Error {
	at := "end of statement"
	if t := p.peek(); t.text != "" {
		at = fmt.Sprintf("%q", t.text)
	}
	return syntaxErr("syntax error at or near %s: %s", at, fmt.Sprintf(format, a...))
}

func (p *parser) ident() (string, error) {
	t := p.next()
	switch t.kind {
	case tokWord:
		return t.text, nil
	case tokQIdent:
		return t.text, nil
	}
	p.i--
	return "", p.errorf("expected a name")
}

// qualifiedName reads name or db.name; a Hive database prefix is dropped.
func (p *parser) qualifiedName() (string, error) {
	n, err := p.ident()
	if err != nil {
		return "", err
	}
	for p.acceptPunct(".") {
		if n, err = p.ident(); err != nil {
			return "", err
		}
	}
	return n, nil
}

func (p *parser) str() (string, error) {
	t := p.next()
	if t.kind != tokString {
		p.i--
		return "", p.errorf("expected a quoted string")
	}
	return t.text, nil
}

// properties reads ( 'k' = 'v', ... ) into a map with lower-case keys.
func (p *parser) properties() (map[string]string, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for !p.acceptPunct(")") {
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		m[strings.ToLower(k)] = v
		if !p.acceptPunct(",") {
			if err := p.expectPunct(")"); err != nil {
				return nil, err
			}
			break
		}
	}
	return m, nil
}

// isHiveCreate reports whether a CREATE TABLE statement needs rheo's Hive
// translation rather than DuckDB: EXTERNAL, or any Hive-only clause.
func isHiveCreate(raw string, toks []token) bool {
	if len(toks) < 3 || !toks[0].is("create") {
		return false
	}
	if toks[1].is("external") || toks[1].is("stream") {
		return true
	}
	if !toks[1].is("table") {
		return false
	}
	for i, t := range toks {
		if t.is("as") && i > 2 {
			return false // CREATE TABLE ... AS SELECT: DuckDB's
		}
		switch {
		case t.is("stored"), t.is("tblproperties"), t.is("location"), t.is("partitioned"), t.is("clustered"):
			return true
		case t.is("row") && i+1 < len(toks) && toks[i+1].is("format"):
			return true
		}
		if t.kind == tokQIdent && raw[t.pos] == '`' {
			return true
		}
	}
	return false
}

// parseCreate parses Hive DDL (CREATE [EXTERNAL] TABLE) and rheo's native
// CREATE STREAM TABLE. raw is the statement text, kept for SHOW.
func parseCreate(raw string) (*createStmt, error) {
	toks, err := lex(raw, true)
	// In the native form double quotes are identifiers, as in SQL;
	// strings keep the backslash escapes they always had.
	if sq, sqErr := lexWith(raw, false, true); sqErr == nil && len(sq) > 2 && sq[0].is("create") && sq[1].is("stream") && sq[2].is("table") {
		toks, err = sq, nil
	}
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if !p.accept("create") {
		return nil, p.errorf("expected CREATE")
	}
	native := false
	switch {
	case p.accept("external", "table"), p.accept("table"):
	case p.accept("stream", "table"):
		native = true
	default:
		return nil, p.errorf("expected TABLE")
	}
	cs := &createStmt{}
	if p.accept("if", "not", "exists") {
		cs.ifNotExists = true
	}
	name, err := p.qualifiedName()
	if err != nil {
		return nil, err
	}
	var cols []tableColumn
	if p.acceptPunct("(") {
		if cols, err = p.columnDefs(); err != nil {
			return nil, err
		}
	}
	if native {
		return p.nativeRest(cs, name, cols, raw)
	}
	var (
		delim, serde, handler string
		collection, mapKey    string
		null                  *string
		storedAs, inputFormat string
		location              string
		hasLocation           bool
		parts                 []tableColumn
		serdeProps, tblProps  map[string]string
		rowDelimited          bool
	)
	for !p.eof() {
		switch {
		case p.accept("comment"):
			if _, err := p.str(); err != nil {
				return nil, err
			}
		case p.accept("partitioned", "by"):
			if err := p.expectPunct("("); err != nil {
				return nil, err
			}
			if parts, err = p.columnDefs(); err != nil {
				return nil, err
			}
		case p.accept("row", "format", "delimited"):
			rowDelimited = true
			for {
				switch {
				case p.accept("fields", "terminated", "by"):
					if delim, err = p.str(); err != nil {
						return nil, err
					}
					if p.accept("escaped", "by") {
						if _, err := p.str(); err != nil {
							return nil, err
						}
						cs.notices = append(cs.notices, "ESCAPED BY is ignored: fields are split on the delimiter only")
					}
					continue
				case p.accept("lines", "terminated", "by"):
					// One record is one row: there are no lines to split.
					if _, err := p.str(); err != nil {
						return nil, err
					}
					continue
				case p.accept("collection", "items", "terminated", "by"):
					if collection, err = p.str(); err != nil {
						return nil, err
					}
					continue
				case p.accept("map", "keys", "terminated", "by"):
					if mapKey, err = p.str(); err != nil {
						return nil, err
					}
					continue
				case p.accept("null", "defined", "as"):
					n, err := p.str()
					if err != nil {
						return nil, err
					}
					null = &n
					continue
				}
				break
			}
		case p.accept("row", "format", "serde"):
			if serde, err = p.str(); err != nil {
				return nil, err
			}
			if p.accept("with", "serdeproperties") {
				if serdeProps, err = p.properties(); err != nil {
					return nil, err
				}
			}
		case p.accept("stored", "by"):
			if handler, err = p.str(); err != nil {
				return nil, err
			}
			if p.accept("with", "serdeproperties") {
				if _, err = p.properties(); err != nil {
					return nil, err
				}
			}
		case p.accept("stored", "as", "inputformat"):
			if inputFormat, err = p.str(); err != nil {
				return nil, err
			}
			if p.accept("outputformat") {
				if _, err := p.str(); err != nil {
					return nil, err
				}
			}
		case p.accept("stored", "as"):
			if storedAs, err = p.ident(); err != nil {
				return nil, err
			}
		case p.accept("location"):
			if location, err = p.str(); err != nil {
				return nil, err
			}
			hasLocation = true
		case p.accept("tblproperties"):
			if tblProps, err = p.properties(); err != nil {
				return nil, err
			}
		case p.acceptPunct(";"):
		default:
			return nil, p.errorf("unexpected clause in CREATE TABLE")
		}
	}
	if handler == "" && hasLocation {
		// A table over files of the lake (external.go).
		if cs.external, err = buildExternal(name, cols, parts, serde, serdeProps, rowDelimited, delim, storedAs, inputFormat, location, raw); err != nil {
			return nil, err
		}
		// Lake tables read files with DuckDB's read_csv, which rheo does
		// not teach these clauses (stream tables apply them): say so.
		if collection != "" || mapKey != "" {
			cs.notices = append(cs.notices, "COLLECTION ITEMS and MAP KEYS TERMINATED BY are ignored on a lake table: ARRAY and MAP fields are not split")
		}
		if null != nil {
			cs.notices = append(cs.notices, "NULL DEFINED AS is ignored on a lake table: only \\N is NULL")
		}
		return cs, nil
	}
	if hasLocation {
		cs.notices = append(cs.notices, "LOCATION is ignored: a stream table reads its stream")
	}
	if len(parts) > 0 {
		if handler != "" {
			return nil, newErr(CodeFeature, "PARTITIONED BY is not supported on stream tables: a stream table is partitioned by shard and arrival time already (see _shard_id, _arrival_time)")
		}
		return nil, newErr(CodeFeature, "PARTITIONED BY needs a LOCATION (a table over the lake's key=value directories)")
	}
	if handler == "" {
		// A plain Hive table: an ordinary DuckDB table with the same columns.
		if len(cols) == 0 {
			return nil, syntaxErr("CREATE TABLE %s needs a column list", name)
		}
		cs.duckSQL = ordinaryCreate(name, cols, cs.ifNotExists)
		return cs, nil
	}
	if !strings.EqualFold(handler, kinesisHandler) {
		return nil, newErr(CodeFeature, "storage handler %q is not supported; use %q", handler, kinesisHandler)
	}
	stream := tblProps["kinesis.stream.name"]
	if stream == "" {
		return nil, newErr(CodeInvalidParameter, `TBLPROPERTIES ("kinesis.stream.name" = "...") is required for a Kinesis table`)
	}
	st := &streamTable{Name: strings.ToLower(name), Stream: stream, Columns: cols, DDL: raw}
	switch {
	case serde == "" || strings.EqualFold(serde, lazySimple) || rowDelimited:
		st.Format = formatCSV
		st.Delimiter = delim
		if st.Delimiter == "" {
			if d, ok := serdeProps["field.delim"]; ok {
				st.Delimiter = d
			} else {
				st.Delimiter = "\x01" // Hive's default field delimiter
			}
		}
		st.Collection, st.MapKey = collection, mapKey
		if st.Collection == "" {
			// Hive's own property name has a typo ("colelction"), which
			// DDL that Hive generates carries; both spellings work there.
			st.Collection = cmp.Or(serdeProps["collection.delim"], serdeProps["colelction.delim"])
		}
		if st.MapKey == "" {
			st.MapKey = serdeProps["mapkey.delim"]
		}
		st.Null = null
		for _, props := range []map[string]string{serdeProps, tblProps} {
			for _, k := range []string{"hive.serialization.decode.binary.as.base64", "serialization.decode.binary.as.base64"} {
				if v, ok := props[k]; ok {
					st.RawBinary = strings.EqualFold(strings.TrimSpace(v), "false")
				}
			}
		}
		if st.Null == nil {
			// Hive reads SerDe properties from TBLPROPERTIES too, where
			// serialization.null.format is usually set.
			for _, props := range []map[string]string{serdeProps, tblProps} {
				if n, ok := props["serialization.null.format"]; ok && st.Null == nil {
					st.Null = &n
				}
			}
		}
	case strings.EqualFold(serde, regexSerDe), strings.EqualFold(serde, regexSerDe2):
		st.Format = formatRegex
		st.Regex = serdeProps["input.regex"]
	case strings.EqualFold(serde, openxJSONSerDe), strings.EqualFold(serde, hcatJSONSerDe):
		st.Format = formatJSON
	default:
		return nil, newErr(CodeFeature, "SerDe %q is not supported; use RegexSerDe, a JSON SerDe or ROW FORMAT DELIMITED", serde)
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	cs.stream = st
	return cs, nil
}

// columnDefs reads "name type [COMMENT 'c'], ... )" after the "(".
func (p *parser) columnDefs() ([]tableColumn, error) {
	var cols []tableColumn
	for {
		cn, err := p.ident()
		if err != nil {
			return nil, err
		}
		ty, err := p.hiveType()
		if err != nil {
			return nil, err
		}
		if p.accept("comment") {
			if _, err := p.str(); err != nil {
				return nil, err
			}
		}
		cols = append(cols, tableColumn{Name: cn, Type: ty})
		if p.acceptPunct(")") {
			return cols, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// nativeRest parses FROM STREAM 'S' FORMAT f [OPTIONS (k 'v', ...)].
func (p *parser) nativeRest(cs *createStmt, name string, cols []tableColumn, raw string) (*createStmt, error) {
	if !p.accept("from", "stream") {
		return nil, p.errorf("expected FROM STREAM 'name'")
	}
	stream, err := p.str()
	if err != nil {
		t := p.peek()
		if t.kind != tokWord && t.kind != tokQIdent {
			return nil, err
		}
		p.i++
		stream = t.text
	}
	st := &streamTable{Name: strings.ToLower(name), Stream: stream, Columns: cols, DDL: raw, Format: formatRaw}
	if p.accept("format") {
		f, err := p.ident()
		if err != nil {
			return nil, err
		}
		st.Format = strings.ToLower(f)
	}
	if p.accept("options") {
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		for !p.acceptPunct(")") {
			k, err := p.ident()
			if err != nil {
				return nil, err
			}
			for p.acceptPunct(".") { // Hive property names: collection.delim
				n, err := p.ident()
				if err != nil {
					return nil, err
				}
				k += "." + n
			}
			p.acceptPunct("=")
			v, err := p.str()
			if err != nil {
				return nil, err
			}
			switch strings.ToLower(k) {
			case "delimiter", "delim", "field.delim":
				st.Delimiter = v
			case "collection.delim", "collection_delimiter":
				st.Collection = v
			case "mapkey.delim", "map_key_delimiter":
				st.MapKey = v
			case "null", "null.format", "serialization.null.format":
				st.Null = &v
			case "decode.binary.as.base64", "serialization.decode.binary.as.base64":
				st.RawBinary = strings.EqualFold(strings.TrimSpace(v), "false")
			case "regex", "input.regex":
				st.Regex = v
			default:
				return nil, newErr(CodeInvalidParameter, "unknown stream table option %q (known: delimiter, collection.delim, mapkey.delim, null, decode.binary.as.base64, regex)", k)
			}
			p.acceptPunct(",")
		}
	}
	p.acceptPunct(";")
	if !p.eof() {
		return nil, p.errorf("unexpected text after CREATE STREAM TABLE")
	}
	if st.Format == formatCSV && st.Delimiter == "" {
		st.Delimiter = ","
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	cs.stream = st
	return cs, nil
}

// validate checks a definition before it is stored.
func (st *streamTable) validate() error {
	for _, c := range st.Columns {
		if strings.HasPrefix(strings.ToLower(c.Name), "_") && isMetaColumn(c.Name) {
			return newErr(CodeDuplicateTable, "column %q is a metadata column every stream table has; rename it", c.Name)
		}
	}
	switch st.Format {
	case formatCSV:
		if len(st.Columns) == 0 {
			return syntaxErr("a csv stream table needs a column list")
		}
		if st.Delimiter == "" {
			return newErr(CodeInvalidParameter, "empty field delimiter")
		}
	case formatJSON:
		if len(st.Columns) == 0 {
			return syntaxErr("a json stream table needs a column list")
		}
	case formatRegex:
		if st.Regex == "" {
			return newErr(CodeInvalidParameter, `RegexSerDe needs WITH SERDEPROPERTIES ("input.regex" = "...")`)
		}
		re, err := regexp.Compile(st.Regex)
		if err != nil {
			return newErr(CodeInvalidParameter, "input.regex does not compile (rheo uses RE2 syntax): %v", err)
		}
		if re.NumSubexp() != len(st.Columns) {
			return newErr(CodeInvalidParameter, "input.regex has %d capturing groups but the table has %d columns", re.NumSubexp(), len(st.Columns))
		}
	case formatRaw:
		if len(st.Columns) > 1 {
			return syntaxErr("a raw stream table has at most one column, which gets the whole record")
		}
		if len(st.Columns) == 1 && st.Columns[0].Type != "VARCHAR" && st.Columns[0].Type != "BLOB" {
			return syntaxErr("the column of a raw stream table is STRING/VARCHAR or BINARY/BLOB, not %s", st.Columns[0].Type)
		}
	default:
		return newErr(CodeInvalidParameter, "unknown stream table format %q (csv, json, regex or raw)", st.Format)
	}
	return nil
}

// hiveType reads a Hive (or DuckDB) type and returns the DuckDB type.
func (p *parser) hiveType() (string, error) {
	t := p.next()
	if t.kind != tokWord {
		p.i--
		return "", p.errorf("expected a type")
	}
	name := strings.ToUpper(t.text)
	switch name {
	case "ARRAY":
		if err := p.expectPunct("<"); err != nil {
			return "", err
		}
		el, err := p.hiveType()
		if err != nil {
			return "", err
		}
		if err := p.expectPunct(">"); err != nil {
			return "", err
		}
		return el + "[]", nil
	case "MAP":
		if err := p.expectPunct("<"); err != nil {
			return "", err
		}
		k, err := p.hiveType()
		if err != nil {
			return "", err
		}
		if err := p.expectPunct(","); err != nil {
			return "", err
		}
		v, err := p.hiveType()
		if err != nil {
			return "", err
		}
		if err := p.expectPunct(">"); err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", nil
	case "STRUCT":
		if err := p.expectPunct("<"); err != nil {
			return "", err
		}
		var fields []string
		for {
			fn, err := p.ident()
			if err != nil {
				return "", err
			}
			if err := p.expectPunct(":"); err != nil {
				return "", err
			}
			ft, err := p.hiveType()
			if err != nil {
				return "", err
			}
			fields = append(fields, quoteIdent(fn)+" "+ft)
			if p.acceptPunct(">") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return "", err
			}
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", nil
	}
	var args []string
	if p.acceptPunct("(") {
		for {
			n := p.next()
			if n.kind != tokNumber {
				p.i--
				return "", p.errorf("expected a number in type %s", name)
			}
			args = append(args, n.text)
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return "", err
			}
		}
	}
	if name == "DOUBLE" {
		p.accept("precision")
	}
	switch name {
	case "STRING", "VARCHAR", "CHAR", "TEXT":
		return "VARCHAR", nil
	case "INT", "INTEGER":
		return "INTEGER", nil
	case "BIGINT", "SMALLINT", "TINYINT", "BOOLEAN", "DATE", "TIMESTAMP", "DOUBLE", "FLOAT", "HUGEINT", "UUID", "INTERVAL", "TIME", "BLOB", "TIMESTAMPTZ", "REAL", "UBIGINT", "UINTEGER", "JSON":
		return name, nil
	case "BINARY":
		return "BLOB", nil
	case "DECIMAL", "NUMERIC":
		switch len(args) {
		case 0:
			return "DECIMAL(10,0)", nil // Hive's default
		case 1:
			return "DECIMAL(" + args[0] + ",0)", nil
		case 2:
			pr, _ := strconv.Atoi(args[0])
			if pr < 1 || pr > 38 {
				return "", newErr(CodeInvalidParameter, "DECIMAL precision %s is outside 1..38", args[0])
			}
			return "DECIMAL(" + args[0] + "," + args[1] + ")", nil
		}
	}
	return "", newErr(CodeUndefinedObject, "type %q does not exist", t.text)
}

// ordinaryCreate renders a DuckDB CREATE TABLE for plain Hive DDL.
func ordinaryCreate(name string, cols []tableColumn, ifNotExists bool) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	if ifNotExists {
		b.WriteString("IF NOT EXISTS ")
	}
	b.WriteString(quoteIdent(name))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.Name) + " " + c.Type)
	}
	b.WriteString(")")
	return b.String()
}

// quoteIdent double-quotes a name for DuckDB.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString single-quotes a literal for DuckDB (standard strings: only
// the quote needs doubling).
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
