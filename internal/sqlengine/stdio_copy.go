package sqlengine

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// COPY ... TO STDOUT and COPY ... FROM STDIN: what psql's \copy, JDBC's
// CopyManager and scripts send to export a query or load a local file.
//
// DuckDB would take STDOUT and STDIN as the server process's own standard
// streams, so an export would land in the server's log and the client
// would get nothing. Here STDOUT and STDIN become a temporary file: COPY
// TO runs into it and the Result hands its bytes to the client
// (Result.CopyOut); COPY FROM returns at once with Result.CopyIn, which
// the client's data goes through into the file before the COPY runs.
//
// Formats: the options DuckDB understands are passed on (CSV with HEADER,
// DELIMITER, ..., also in Postgres's old "CSV HEADER" spelling), with
// HEADER false unless HEADER is given, as in Postgres (csvHeaderOff). Without
// any option the format is Postgres's text format. TO STDOUT then runs the
// COPY's source as a query and returns its rows (CopyOutText), which the
// Postgres endpoint renders as it renders query results (t and f, not
// DuckDB's true and false); FROM STDIN converts the client's text into a
// tab-separated CSV for DuckDB (pgtext.go). CSV with Postgres's options
// only is handled the same way, so that values are spelled as Postgres
// spells them (t, {1,2}, \x0aff): TO STDOUT returns the rows with how to
// quote them (CopyOutCSV), FROM STDIN into BLOB or list columns
// converts those columns (pgCSVToCSV). FROM STDIN BINARY hands the
// caller the target's columns (CopyInBinary) to decode the rows into CSV;
// TO STDOUT BINARY is refused.

// stdioCopy is a COPY whose source or destination is the client.
type stdioCopy struct {
	at    token // the STDOUT or STDIN word
	out   bool  // TO STDOUT
	plain bool  // no options after it: Postgres's text format
}

// parseStdioCopy finds "TO STDOUT" or "FROM STDIN" outside parentheses in
// a COPY statement.
func parseStdioCopy(toks []token) (stdioCopy, bool) {
	if len(toks) < 4 || !toks[0].is("copy") {
		return stdioCopy{}, false
	}
	depth := 0
	for i := 1; i+1 < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
		case t.kind == tokPunct && t.text == ")":
			depth--
		case depth == 0 && (t.is("to") && toks[i+1].is("stdout") || t.is("from") && toks[i+1].is("stdin")):
			rest := toks[i+2:]
			if len(rest) > 0 && rest[len(rest)-1].kind == tokPunct && rest[len(rest)-1].text == ";" {
				rest = rest[:len(rest)-1]
			}
			return stdioCopy{at: toks[i+1], out: t.is("to"), plain: len(rest) == 0 || isTextFormat(rest)}, true
		}
	}
	return stdioCopy{}, false
}

// isTextFormat reports options that only name Postgres's text format:
// "[WITH] (FORMAT text)", text possibly quoted.
func isTextFormat(opts []token) bool {
	if len(opts) > 0 && opts[0].is("with") {
		opts = opts[1:]
	}
	return len(opts) == 4 && opts[0].kind == tokPunct && opts[0].text == "(" && opts[1].is("format") &&
		(opts[2].is("text") || opts[2].kind == tokString && strings.EqualFold(opts[2].text, "text")) &&
		opts[3].kind == tokPunct && opts[3].text == ")"
}

// isBinary reports the BINARY format ("FORMAT binary" or the old bare
// BINARY) among the options after at.
func (c stdioCopy) isBinary(toks []token) bool {
	for _, t := range toks {
		if t.pos > c.at.pos && t.is("binary") {
			return true
		}
	}
	return false
}

// runStdioCopy runs COPY ... TO STDOUT into a temporary file and returns
// its bytes as the Result's CopyOut, or prepares COPY ... FROM STDIN and
// returns its CopyIn. s.mu is held.
func (s *Session) runStdioCopy(ctx context.Context, st string, toks []token, c stdioCopy) (*Result, error) {
	var binCols []Column // FROM STDIN BINARY: the target's columns
	var kinds []textKind // FROM STDIN in text format or csvIn: the target's columns
	// csvIn: FROM STDIN in CSV into BLOB or list columns, whose values
	// Postgres spells as in the text format (pgCSVToCSV).
	var csvIn *csvOut
	if c.isBinary(toks) {
		if c.out {
			return nil, newErr(CodeFeature, "COPY ... TO STDOUT with the BINARY format is not supported; use the text or CSV format")
		}
		cols, err := s.copyTargetColumns(ctx, st, toks, c)
		if err != nil {
			return nil, err
		}
		binCols = cols
	} else if !c.out {
		if !c.plain {
			csvIn = parseCopyCSV(toks, c)
		}
		if c.plain || csvIn != nil {
			cols, err := s.copyTargetColumns(ctx, st, toks, c)
			if err != nil {
				return nil, err
			}
			conv := false // a column whose CSV needs pgCSVToCSV
			for _, col := range cols {
				k := textKindOf(col.Type)
				kinds = append(kinds, k)
				conv = conv || k != textPlain
			}
			if !conv {
				csvIn = nil // DuckDB reads it as it is
			}
		}
	}
	var csv *csvOut
	if c.out && !c.plain {
		csv = parseCopyCSV(toks, c)
	}
	if c.out && (c.plain || csv != nil) {
		q, err := copySourceQuery(st, toks, c)
		if err != nil {
			return nil, err
		}
		qToks, err := lex(q, false)
		if err != nil {
			return nil, toError(err)
		}
		r, err := s.run(ctx, q, qToks, nil)
		if err != nil {
			return nil, err
		}
		if csv == nil {
			r.copyText = true
			return r, nil
		}
		cc, err := csv.resolve(r.Columns())
		if err != nil {
			r.Close()
			return nil, err
		}
		r.copyCSV = cc
		return r, nil
	}
	f, err := os.CreateTemp(s.e.tempDir, "rheo-copy-stdio-*")
	if err != nil {
		return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("temporary file for COPY: %v", err), Err: err}
	}
	path := f.Name()
	f.Close()
	remove := func() { os.Remove(path) }
	rw := st[:c.at.pos] + quoteString(path) + csvHeaderOff(strings.TrimRight(st[c.at.end:], "; \t\r\n"))
	switch {
	case binCols != nil:
		// The client's binary rows reach the load as CSV (CopyInBinary).
		rw = st[:c.at.pos] + quoteString(path) + textCSVIn
	case c.plain, csvIn != nil:
		rw = st[:c.at.pos] + quoteString(path) + textCSVIn
	}
	rwToks, err := lex(rw, false)
	if err != nil {
		remove()
		return nil, toError(err)
	}
	if c.out {
		r, err := s.run(ctx, rw, rwToks, nil)
		if err != nil {
			remove()
			return nil, err
		}
		r.Close()
		data, err := os.Open(path)
		if err != nil {
			remove()
			return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("read COPY output: %v", err), Err: err}
		}
		return &Result{done: true, tag: r.tag, copyOut: data, release: func() { data.Close(); remove() }}, nil
	}
	load := func(ctx context.Context, src io.Reader) (string, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.usable(); err != nil {
			return "", err
		}
		dst, err := os.Create(path)
		if err != nil {
			return "", &Error{Code: CodeIO, Message: fmt.Sprintf("temporary file for COPY: %v", err), Err: err}
		}
		switch {
		case c.plain:
			err = pgTextToCSV(dst, src, kinds)
		case csvIn != nil:
			err = pgCSVToCSV(dst, src, csvIn.CopyCSV, kinds)
		default:
			_, err = io.Copy(dst, src)
		}
		if err != nil {
			dst.Close()
			return "", &Error{Code: CodeIO, Message: fmt.Sprintf("receive COPY data: %v", err), Err: err}
		}
		if err := dst.Close(); err != nil {
			return "", &Error{Code: CodeIO, Message: fmt.Sprintf("temporary file for COPY: %v", err), Err: err}
		}
		r, err := s.run(ctx, rw, rwToks, nil)
		if err != nil {
			return "", s.noteFatal(err)
		}
		r.Close()
		return r.tag, nil
	}
	return &Result{done: true, tag: "COPY 0", copyIn: load, copyBinary: binCols, release: remove}, nil
}

// copySourceQuery turns the source of a COPY ... TO STDOUT into the query
// it stands for: "COPY (query) TO" runs the query, "COPY t [(a, b)] TO"
// selects the listed columns, or all, of t.
func copySourceQuery(st string, toks []token, c stdioCopy) (string, error) {
	to := 0 // the TO before STDOUT
	for i := 2; i < len(toks); i++ {
		if toks[i].pos == c.at.pos {
			to = i - 1
			break
		}
	}
	if to <= 1 {
		return "", syntaxErr("COPY ... TO STDOUT needs a table or a (query) to copy")
	}
	src := strings.TrimSpace(st[toks[1].pos:toks[to].pos])
	if strings.HasPrefix(src, "(") && strings.HasSuffix(src, ")") {
		return src[1 : len(src)-1], nil
	}
	name, cols, hasCols := strings.Cut(src, "(")
	if !hasCols {
		return "SELECT * FROM " + src, nil
	}
	cols = strings.TrimSpace(cols)
	if !strings.HasSuffix(cols, ")") {
		return "", syntaxErr("COPY %s: unclosed column list", name)
	}
	return "SELECT " + strings.TrimSuffix(cols, ")") + " FROM " + name, nil
}

// copyTargetColumns returns the columns a COPY ... FROM STDIN fills (its
// column list, or every column of the table), from DuckDB's description
// of "SELECT <columns> FROM <table>".
func (s *Session) copyTargetColumns(ctx context.Context, st string, toks []token, c stdioCopy) ([]Column, error) {
	// COPY <table> [(<columns>)] FROM STDIN ...: the table runs up to the
	// first "(" or FROM.
	end, list := -1, ""
	for i := 1; i < len(toks) && toks[i].pos < c.at.pos; i++ {
		if toks[i].kind == tokPunct && toks[i].text == "(" {
			end = toks[i].pos
			if j := strings.IndexByte(st[end:], ')'); j > 0 {
				list = st[end+1 : end+j]
			}
			break
		}
		if toks[i].is("from") {
			end = toks[i].pos
			break
		}
	}
	if end < 0 || end <= toks[0].end {
		return nil, syntaxErr("COPY FROM STDIN names no table")
	}
	if strings.TrimSpace(list) == "" {
		list = "*"
	}
	q := "SELECT " + list + " FROM " + strings.TrimSpace(st[toks[0].end:end]) + " LIMIT 0"
	qt, err := lex(q, false)
	if err != nil {
		return nil, toError(err)
	}
	r, err := s.run(ctx, q, qt, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Columns(), nil
}

// CopyOut is the data of a COPY ... TO STDOUT, in the format the statement
// asked for; nil for any other statement. Read it before Close.
func (r *Result) CopyOut() io.Reader {
	if r.copyOut == nil {
		return nil
	}
	return r.copyOut
}

// CopyOutText reports that the rows are those of a COPY ... TO STDOUT in
// Postgres's text format, for the caller to send as COPY data, tagged
// "COPY n".
func (r *Result) CopyOutText() bool { return r.copyText }

// CopyCSV is how a COPY ... TO STDOUT in CSV format writes the rows of
// its Result, which the Postgres endpoint renders, as Postgres does, with
// each type's text output (t and f, arrays in braces, bytea in hex, in
// the session's TimeZone), not with DuckDB's CSV writer's spelling.
type CopyCSV struct {
	Delimiter, Quote, Escape byte
	Null                     string // how NULL is written, unquoted
	Header                   bool   // a first line of column names
	// ForceQuote says, per column, to quote every non-NULL value; nil
	// for none.
	ForceQuote []bool
}

// CopyOutCSV is, for a COPY ... TO STDOUT in CSV format, how to write
// the rows (which are the COPY's, tagged "COPY n"); nil otherwise. A CSV
// COPY with options only DuckDB knows (COMPRESSION, DATEFORMAT, ...) is
// written by DuckDB and comes as CopyOut instead.
func (r *Result) CopyOutCSV() *CopyCSV { return r.copyCSV }

// csvOut is the CSV options of a COPY ... TO STDOUT or FROM STDIN,
// FORCE_QUOTE by column name.
type csvOut struct {
	CopyCSV
	forceAll   bool
	forceNames []string
}

// parseCopyCSV reads the options after STDOUT or STDIN when they are
// Postgres's and name the CSV format, in either spelling: "[WITH] (FORMAT csv,
// HEADER, DELIMITER ',', QUOTE '"', ESCAPE '"', NULL 'x', FORCE_QUOTE (a,
// b) | *, ENCODING 'UTF8')" or the old "[WITH] CSV [HEADER] [DELIMITER
// [AS] ','] ... [FORCE QUOTE a, b | *]". nil for anything else, which
// DuckDB writes or reads.
func parseCopyCSV(toks []token, c stdioCopy) *csvOut {
	var opts []token
	for _, t := range toks {
		if t.pos > c.at.pos {
			opts = append(opts, t)
		}
	}
	if n := len(opts); n > 0 && opts[n-1].kind == tokPunct && opts[n-1].text == ";" {
		opts = opts[:n-1]
	}
	if len(opts) > 0 && opts[0].is("with") {
		opts = opts[1:]
	}
	o := &csvOut{CopyCSV: CopyCSV{Delimiter: ',', Quote: '"'}}
	escape := -1
	// setByte sets the one-character option name (DELIMITER, QUOTE or
	// ESCAPE) to the string token t; false if t is not one character.
	setByte := func(name, t token) bool {
		if t.kind != tokString || len(t.text) != 1 {
			return false
		}
		switch b := t.text[0]; {
		case name.is("delimiter"):
			o.Delimiter = b
		case name.is("quote"):
			o.Quote = b
		default:
			escape = int(b)
		}
		return true
	}
	punct := func(i int, p string) bool {
		return i < len(opts) && opts[i].kind == tokPunct && opts[i].text == p
	}
	csv := false
	if punct(0, "(") {
		if !punct(len(opts)-1, ")") {
			return nil
		}
		items := opts[1 : len(opts)-1]
		for i := 0; i < len(items); i++ {
			name := items[i]
			var val []token // up to the next top-level comma
			depth := 0
			j := i + 1
			for ; j < len(items); j++ {
				t := items[j]
				if t.kind == tokPunct && t.text == "(" {
					depth++
				} else if t.kind == tokPunct && t.text == ")" {
					depth--
				} else if depth == 0 && t.kind == tokPunct && t.text == "," {
					break
				}
				val = append(val, t)
			}
			i = j
			switch {
			case name.is("format"):
				if len(val) != 1 || !(val[0].is("csv") || val[0].kind == tokString && strings.EqualFold(val[0].text, "csv")) {
					return nil
				}
				csv = true
			case name.is("header"):
				switch {
				case len(val) == 0:
					o.Header = true
				case len(val) == 1:
					v := strings.ToLower(val[0].text)
					switch v {
					case "true", "on", "1":
						o.Header = true
					case "false", "off", "0":
						o.Header = false
					default:
						return nil
					}
				default:
					return nil
				}
			case name.is("delimiter") || name.is("quote") || name.is("escape"):
				if len(val) != 1 || !setByte(name, val[0]) {
					return nil
				}
			case name.is("null"):
				if len(val) != 1 || val[0].kind != tokString {
					return nil
				}
				o.Null = val[0].text
			case name.is("encoding"):
				if len(val) != 1 || val[0].kind != tokString || !isUTF8Name(val[0].text) {
					return nil
				}
			case name.is("force_quote"):
				switch {
				case len(val) == 1 && val[0].kind == tokPunct && val[0].text == "*":
					o.forceAll = true
				case len(val) >= 3 && val[0].kind == tokPunct && val[0].text == "(" && val[len(val)-1].kind == tokPunct && val[len(val)-1].text == ")":
					names, ok := nameList(val[1 : len(val)-1])
					if !ok {
						return nil
					}
					o.forceNames = append(o.forceNames, names...)
				default:
					return nil
				}
			default:
				return nil
			}
		}
	} else {
		for i := 0; i < len(opts); i++ {
			t := opts[i]
			switch {
			case t.is("csv"):
				csv = true
			case t.is("header"):
				o.Header = true
			case t.is("delimiter") || t.is("null") || t.is("quote") || t.is("escape"):
				j := i + 1
				if j < len(opts) && opts[j].is("as") {
					j++
				}
				if j >= len(opts) || opts[j].kind != tokString {
					return nil
				}
				if t.is("null") {
					o.Null = opts[j].text
				} else if !setByte(t, opts[j]) {
					return nil
				}
				i = j
			case t.is("force") && i+1 < len(opts) && opts[i+1].is("quote"):
				rest := opts[i+2:]
				if len(rest) == 1 && rest[0].kind == tokPunct && rest[0].text == "*" {
					o.forceAll = true
					i = len(opts)
					break
				}
				// The column list, "a, b", runs to the next option word.
				j := 1
				for j+1 < len(rest) && rest[j].kind == tokPunct && rest[j].text == "," {
					j += 2
				}
				names, ok := nameList(rest[:min(j, len(rest))])
				if !ok || len(names) == 0 {
					return nil
				}
				o.forceNames = append(o.forceNames, names...)
				i += 1 + j
			default:
				return nil
			}
		}
	}
	if !csv || o.Delimiter == o.Quote {
		return nil
	}
	o.Escape = o.Quote
	if escape >= 0 {
		o.Escape = byte(escape)
	}
	return o
}

// nameList reads "a, b, ..." (names, bare or quoted).
func nameList(toks []token) ([]string, bool) {
	var names []string
	for i, t := range toks {
		if i%2 == 1 {
			if t.kind != tokPunct || t.text != "," {
				return nil, false
			}
			continue
		}
		switch t.kind {
		case tokWord:
			names = append(names, strings.ToLower(t.text))
		case tokQIdent:
			names = append(names, t.text)
		default:
			return nil, false
		}
	}
	return names, len(toks)%2 == 1
}

// isUTF8Name reports an ENCODING that names UTF-8, the only encoding the
// Postgres endpoint speaks.
func isUTF8Name(s string) bool {
	s = strings.ToLower(strings.ReplaceAll(s, "-", ""))
	return s == "utf8" || s == "unicode"
}

// resolve turns the FORCE_QUOTE names into flags over cols: a name that
// is no column is 42703, as in Postgres.
func (o *csvOut) resolve(cols []Column) (*CopyCSV, error) {
	cc := o.CopyCSV
	if !o.forceAll && len(o.forceNames) == 0 {
		return &cc, nil
	}
	cc.ForceQuote = make([]bool, len(cols))
	for i := range cols {
		cc.ForceQuote[i] = o.forceAll
	}
	for _, n := range o.forceNames {
		found := false
		for i, col := range cols {
			if col.Name == n {
				cc.ForceQuote[i], found = true, true
			}
		}
		if !found {
			return nil, newErr(CodeUndefinedColumn, "column %q does not exist", n)
		}
	}
	return &cc, nil
}

// CopyInBinary is, for a COPY ... FROM STDIN BINARY, the columns the
// client's binary rows hold, in order: the caller decodes them and passes
// CopyIn tab-separated CSV instead (every value quoted, doubling quotes;
// NULL an unquoted \N; one row per line). nil otherwise.
func (r *Result) CopyInBinary() []Column { return r.copyBinary }

// CopyIn is set for a COPY ... FROM STDIN, which has not run yet: call it
// with the client's data (before Close) to load it; it returns the
// command tag ("COPY <rows>"). nil for any other statement.
func (r *Result) CopyIn() func(ctx context.Context, data io.Reader) (tag string, err error) {
	return r.copyIn
}

// NeedsClient fails a COPY ... TO STDOUT or FROM STDIN run where no
// client takes part (a scheduled job, the HTTP endpoint): 0A000 saying to
// copy to or from a file or s3:// path instead. nil for other statements.
func (r *Result) NeedsClient() error {
	switch {
	case r.copyOut != nil || r.copyText || r.copyCSV != nil:
		return newErr(CodeFeature, "COPY ... TO STDOUT needs a Postgres client to send the data to (psql's \\copy); here, COPY to a file or an s3:// path instead")
	case r.copyIn != nil:
		return newErr(CodeFeature, "COPY ... FROM STDIN needs a Postgres client to send the data (psql's \\copy); here, COPY from a file or an s3:// path instead")
	}
	return nil
}

// csvHeaderOff returns the options of a COPY ... TO STDOUT or FROM STDIN
// in CSV (opts: the text after STDOUT or STDIN) with HEADER false added
// when the client gave no HEADER. Postgres reads and writes CSV without a
// header unless told otherwise; DuckDB writes one and, reading, takes a
// first line it cannot tell from a header (a table of text columns) for
// one: psql's "\copy t from 'f.csv' csv" silently lost the first row.
// Postgres's old option spelling (CSV DELIMITER ',' ...) is rewritten as
// a parenthesized list, since it has no way to say HEADER false. Options
// of another format (json, parquet) and any it does not know are left
// as they are.
func csvHeaderOff(opts string) string {
	toks, err := lex(opts, false)
	if err != nil || len(toks) == 0 {
		return opts
	}
	if toks[0].is("with") {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return opts
	}
	if toks[0].kind == tokPunct && toks[0].text == "(" {
		// (name value, ...): the name starts each item.
		depth, first := 0, true
		for i, t := range toks {
			switch {
			case t.kind == tokPunct && t.text == "(":
				depth++
				continue
			case t.kind == tokPunct && t.text == ")":
				depth--
				continue
			case t.kind == tokPunct && t.text == "," && depth == 1:
				first = true
				continue
			}
			if depth != 1 || !first {
				continue
			}
			first = false
			switch {
			case t.is("header"):
				return opts
			case t.is("format") && i+1 < len(toks):
				if v := toks[i+1]; !(v.is("csv") || v.kind == tokString && strings.EqualFold(v.text, "csv")) {
					return opts
				}
			}
		}
		at := toks[0].end
		if len(toks) > 1 && toks[1].kind == tokPunct && toks[1].text == ")" {
			return opts[:at] + "HEADER false" + opts[at:] // "()"
		}
		return opts[:at] + "HEADER false, " + opts[at:]
	}
	// The old spelling: CSV, DELIMITER [AS] 'x', NULL [AS] 'x', QUOTE [AS]
	// 'x', ESCAPE [AS] 'x'.
	items := []string{"FORMAT csv"}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is("csv"):
		case t.is("header"):
			return opts
		case t.is("delimiter") || t.is("null") || t.is("quote") || t.is("escape"):
			j := i + 1
			if j < len(toks) && toks[j].is("as") {
				j++
			}
			if j >= len(toks) || toks[j].kind != tokString {
				return opts
			}
			items = append(items, strings.ToUpper(t.text)+" "+quoteString(toks[j].text))
			i = j
		default:
			return opts
		}
	}
	return " (" + strings.Join(append(items, "HEADER false"), ", ") + ")"
}
