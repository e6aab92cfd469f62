package sqlengine

import (
	"bytes"
	"strconv"
	"strings"
)

// Redshift-style COPY (the warehouse load statement):
//
//	COPY table [(col, ...)] FROM 's3://bucket/prefix' | '/abs/path'
//	  [authorization] [[FORMAT] [AS] data_format] [parameter [argument] ...]
//
// Parameters follow the Redshift Database Developer Guide, "COPY
// parameters": data format (CSV, DELIMITER, FIXEDWIDTH, JSON, PARQUET,
// ORC, AVRO), compression (GZIP, BZIP2, LZOP, ZSTD), conversion
// (EMPTYASNULL, BLANKSASNULL, NULL AS, TIMEFORMAT, DATEFORMAT, ...) and
// load options. rheo implements the ones DuckDB can honour and accepts the
// ones that only tune Redshift (authorization, REGION, COMPUPDATE,
// STATUPDATE, ...); the rest fail with SQLSTATE 0A000, never silently.
//
// DuckDB has its own COPY (COPY t FROM 'f' (FORMAT csv), COPY ... TO ...);
// a COPY is Redshift-style only when FROM '...' is followed by bare
// parameters, or its source is s3:// (DuckDB reads s3:// only through
// httpfs, which rheo does not load).

// copyStmt is a parsed Redshift COPY.
type copyStmt struct {
	table   []string // the name, possibly schema-qualified
	columns []string // explicit column list; nil for all
	from    string

	format       string // "text" (default), "csv", "json", "parquet"
	jsonArg      string // JSON: "auto", "auto ignorecase" or a JSONPaths URL
	delimiter    string
	hasDelimiter bool
	quote        string
	ignoreHeader int
	compression  string // "", "gzip", "zstd"
	nullAs       string
	hasNullAs    bool
	emptyAsNull  bool
	blanksAsNull bool
	trimBlanks   bool
	fillRecord   bool
	removeQuotes bool
	escape       bool
	timeFormat   string
	dateFormat   string
	manifest     bool
	maxError     int
	truncate     bool
	notices      []string
}

// isRedshiftCopy reports whether a COPY statement is Redshift's.
func isRedshiftCopy(toks []token) bool {
	p := &parser{toks: toks}
	if !p.accept("copy") {
		return false
	}
	if _, err := p.qualifiedParts(); err != nil {
		return false
	}
	if p.acceptPunct("(") {
		for !p.acceptPunct(")") {
			if p.eof() {
				return false
			}
			p.next()
		}
	}
	if !p.accept("from") {
		return false
	}
	src := p.next()
	if src.kind != tokString {
		return false
	}
	// DuckDB's options: "(...)" or "WITH (...)".
	duckOpts := p.acceptPunct("(") || (p.accept("with") && p.acceptPunct("("))
	if duckOpts {
		return false
	}
	if _, ok := parseS3(src.text); ok {
		return true
	}
	return !p.eof()
}

// qualifiedParts reads name[.name[.name]] keeping every part.
func (p *parser) qualifiedParts() ([]string, error) {
	n, err := p.ident()
	if err != nil {
		return nil, err
	}
	parts := []string{n}
	for p.acceptPunct(".") {
		if n, err = p.ident(); err != nil {
			return nil, err
		}
		parts = append(parts, n)
	}
	return parts, nil
}

// parseCopy parses a Redshift COPY statement.
func parseCopy(st string) (*copyStmt, error) {
	toks, err := lex(st, false)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if !p.accept("copy") {
		return nil, p.errorf("expected COPY")
	}
	c := &copyStmt{format: "text"}
	if c.table, err = p.qualifiedParts(); err != nil {
		return nil, err
	}
	if p.acceptPunct("(") {
		for {
			n, err := p.ident()
			if err != nil {
				return nil, err
			}
			c.columns = append(c.columns, n)
			if p.acceptPunct(")") {
				break
			}
			if err := p.expectPunct(","); err != nil {
				return nil, err
			}
		}
	}
	if !p.accept("from") {
		return nil, p.errorf("expected FROM")
	}
	if c.from, err = p.str(); err != nil {
		return nil, err
	}
	formatSet := false
	setFormat := func(f string) error {
		if formatSet && c.format != f {
			return syntaxErr("conflicting data formats in COPY: %s and %s", strings.ToUpper(c.format), strings.ToUpper(f))
		}
		c.format, formatSet = f, true
		return nil
	}
	for !p.eof() {
		if p.acceptPunct(",") || p.acceptPunct(";") {
			continue
		}
		t := p.next()
		if t.kind != tokWord {
			p.i--
			return nil, p.errorf("expected a COPY parameter")
		}
		kw := strings.ToUpper(t.text)
		switch kw {
		// Authorization and routing: meaningless for rheo, accepted.
		case "IAM_ROLE":
			if !p.accept("default") {
				if _, err := p.str(); err != nil {
					return nil, err
				}
			}
		case "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "REGION", "MASTER_SYMMETRIC_KEY", "KMS_KEY_ID":
			p.accept("as")
			if _, err := p.str(); err != nil {
				return nil, err
			}
		case "WITH":
			// WITH CREDENTIALS: an old spelling.
		case "FORMAT":
			p.accept("as")
			f := p.next()
			if f.kind != tokWord {
				p.i--
				return nil, p.errorf("expected a data format after FORMAT")
			}
			p.i--
			continue
		case "CSV":
			if err := setFormat("csv"); err != nil {
				return nil, err
			}
			if p.accept("quote") {
				p.accept("as")
				if c.quote, err = p.str(); err != nil {
					return nil, err
				}
			}
		case "QUOTE":
			p.accept("as")
			if c.quote, err = p.str(); err != nil {
				return nil, err
			}
		case "DELIMITER":
			p.accept("as")
			if c.delimiter, err = p.str(); err != nil {
				return nil, err
			}
			c.hasDelimiter = true
		case "JSON":
			if err := setFormat("json"); err != nil {
				return nil, err
			}
			p.accept("as")
			c.jsonArg = "auto"
			if t := p.peek(); t.kind == tokString {
				p.next()
				c.jsonArg = t.text
			}
		case "PARQUET":
			if err := setFormat("parquet"); err != nil {
				return nil, err
			}
		case "ORC", "AVRO", "FIXEDWIDTH", "SHAPEFILE":
			return nil, newErr(CodeFeature, "COPY format %s is not supported by rheo (use CSV, DELIMITER, JSON or PARQUET)", kw)
		case "GZIP":
			c.compression = "gzip"
		case "ZSTD":
			c.compression = "zstd"
		case "BZIP2", "LZOP":
			return nil, newErr(CodeFeature, "COPY compression %s is not supported by rheo (use GZIP or ZSTD)", kw)
		case "IGNOREHEADER":
			p.accept("as")
			if c.ignoreHeader, err = p.number(); err != nil {
				return nil, err
			}
		case "MAXERROR":
			p.accept("as")
			if c.maxError, err = p.number(); err != nil {
				return nil, err
			}
			if c.maxError > 0 {
				c.notices = append(c.notices, "MAXERROR is accepted but rheo fails the load on the first bad row")
			}
		case "TIMEFORMAT", "DATEFORMAT":
			p.accept("as")
			v, err := p.str()
			if err != nil {
				return nil, err
			}
			if kw == "TIMEFORMAT" {
				c.timeFormat = v
			} else {
				c.dateFormat = v
			}
		case "NULL":
			p.accept("as")
			if c.nullAs, err = p.str(); err != nil {
				return nil, err
			}
			c.hasNullAs = true
		case "EMPTYASNULL":
			c.emptyAsNull = true
		case "BLANKSASNULL":
			c.blanksAsNull = true
		case "TRIMBLANKS":
			c.trimBlanks = true
		case "FILLRECORD":
			c.fillRecord = true
		case "REMOVEQUOTES":
			c.removeQuotes = true
		case "ESCAPE":
			c.escape = true
		case "TRUNCATECOLUMNS":
			c.truncate = true
		case "MANIFEST":
			c.manifest = true
		case "ACCEPTINVCHARS":
			p.accept("as")
			if t := p.peek(); t.kind == tokString {
				p.next()
			}
		case "ACCEPTANYDATE", "IGNOREBLANKLINES", "EXPLICIT_IDS", "ROUNDEC", "NOLOAD", "IGNOREALLERRORS":
			// Tuning of Redshift's loader; rheo's behaviour is the
			// closest it has (blank lines and bad dates fail).
		case "COMPUPDATE", "STATUPDATE":
			if t := p.peek(); t.kind == tokWord && (t.is("on") || t.is("off") || t.is("true") || t.is("false") || t.is("preset")) {
				p.next()
			}
		case "COMPROWS":
			if _, err := p.number(); err != nil {
				return nil, err
			}
		case "ENCRYPTED", "READRATIO", "SSH", "SERIALIZETOJSON":
			return nil, newErr(CodeFeature, "COPY parameter %s is not supported by rheo", kw)
		default:
			p.i--
			return nil, p.errorf("unknown COPY parameter %s", kw)
		}
	}
	return c, c.validate()
}

// number reads a non-negative integer.
func (p *parser) number() (int, error) {
	t := p.next()
	if t.kind != tokNumber {
		p.i--
		return 0, p.errorf("expected a number")
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		return 0, p.errorf("expected a whole number")
	}
	return n, nil
}

// validate applies Redshift's rules on which parameters go together.
func (c *copyStmt) validate() error {
	if c.quote != "" && c.format != "csv" {
		return syntaxErr("QUOTE can only be used with CSV")
	}
	if len(c.quote) > 1 {
		return newErr(CodeInvalidParameter, "QUOTE must be one character, got %q", c.quote)
	}
	switch c.format {
	case "parquet":
		// Redshift: columnar COPY takes no data conversion or compression
		// parameters ("... argument is not supported for PARQUET based COPY").
		bad := ""
		switch {
		case c.compression != "":
			bad = strings.ToUpper(c.compression)
		case c.hasDelimiter:
			bad = "DELIMITER"
		case c.ignoreHeader > 0:
			bad = "IGNOREHEADER"
		case c.timeFormat != "" || c.dateFormat != "":
			bad = "TIMEFORMAT/DATEFORMAT"
		case c.emptyAsNull || c.blanksAsNull || c.hasNullAs:
			bad = "EMPTYASNULL/BLANKSASNULL/NULL AS"
		}
		if bad != "" {
			return newErr(CodeFeature, "%s argument is not supported for PARQUET based COPY", bad)
		}
	case "json":
		if c.hasDelimiter {
			return syntaxErr("DELIMITER cannot be used with JSON")
		}
		a := strings.ToLower(c.jsonArg)
		if a != "auto" && a != "auto ignorecase" && !strings.HasPrefix(a, "s3://") && !strings.HasPrefix(a, "/") {
			return newErr(CodeInvalidParameter, "JSON argument must be 'auto', 'auto ignorecase' or the s3:// URL of a JSONPaths file, got %q", c.jsonArg)
		}
	}
	if c.hasDelimiter && (c.delimiter == "" || strings.ContainsRune(c.delimiter, 0)) {
		return newErr(CodeInvalidParameter, "invalid DELIMITER %q", c.delimiter)
	}
	if c.removeQuotes && c.format == "csv" {
		return syntaxErr("REMOVEQUOTES cannot be used with CSV")
	}
	if c.escape && c.format == "csv" {
		return syntaxErr("ESCAPE cannot be used with CSV")
	}
	if c.timeFormat != "" {
		if _, err := redshiftTimeFormat(c.timeFormat); err != nil {
			return err
		}
	}
	if c.dateFormat != "" {
		if _, err := redshiftTimeFormat(c.dateFormat); err != nil {
			return err
		}
	}
	return nil
}

// redshiftTimeFormat converts a Redshift TIMEFORMAT/DATEFORMAT string to a
// strptime format; "auto", "epochsecs" and "epochmillisecs" come back as
// is.
func redshiftTimeFormat(f string) (string, error) {
	switch strings.ToLower(f) {
	case "auto", "epochsecs", "epochmillisecs":
		return strings.ToLower(f), nil
	}
	repl := []struct{ from, to string }{
		{"YYYY", "%Y"}, {"YY", "%y"}, {"MONTH", "%B"}, {"MON", "%b"}, {"MM", "%m"}, {"DD", "%d"},
		{"HH24", "%H"}, {"HH12", "%I"}, {"HH", "%H"}, {"MI", "%M"}, {"SS", "%S"}, {"AM", "%p"}, {"PM", "%p"},
		{"TZH:TZM", "%z"}, {"TZH", "%z"},
	}
	var b strings.Builder
	// ASCII upper case only: it keeps byte offsets aligned with f
	// (strings.ToUpper can shorten a string: "ı" is 2 bytes, "I" 1).
	up := []byte(f)
	for i, c := range up {
		if c >= 'a' && c <= 'z' {
			up[i] = c - 'a' + 'A'
		}
	}
	for i := 0; i < len(f); {
		if up[i] == '.' && bytes.HasPrefix(up[i+1:], []byte("SSSSSS")) {
			b.WriteString(".%f")
			i += 7
			continue
		}
		if up[i] == '.' && bytes.HasPrefix(up[i+1:], []byte("SSS")) {
			b.WriteString(".%g")
			i += 4
			continue
		}
		matched := false
		for _, r := range repl {
			if bytes.HasPrefix(up[i:], []byte(r.from)) {
				b.WriteString(r.to)
				i += len(r.from)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := f[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			if c != 'T' && c != 't' {
				return "", newErr(CodeInvalidParameter, "unsupported datetime format %q (rheo knows YYYY MM DD HH24 HH MI SS .SSS .SSSSSS MON AM TZH:TZM, 'auto', 'epochsecs', 'epochmillisecs')", f)
			}
		}
		if c == '%' {
			b.WriteString("%%")
		} else {
			b.WriteByte(c)
		}
		i++
	}
	return b.String(), nil
}
