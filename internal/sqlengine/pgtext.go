package sqlengine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// Postgres's COPY text format (the format of COPY ... FROM STDIN without
// options), converted to the tab-separated CSV DuckDB reads. In the text
// format a row is one line, columns are separated by tabs, \N is NULL,
// and backslash escapes stand for backslash, tab, newline and the like;
// nothing is quoted, so a JSON value goes through as it is. In the CSV,
// NULL is an unquoted \N and every value is quoted. (COPY ... TO STDOUT in
// text format is rendered by the Postgres endpoint from the rows.)

const copyBuffer = 64 << 10

// textKind is how pgTextToCSV reads a column's values.
type textKind uint8

// Kinds of columns of a COPY FROM in text format.
const (
	textPlain    textKind = iota
	textBlob              // BLOB: bytea's hex form
	textList              // a list: Postgres's array form
	textBlobList          // BLOB[]: Postgres's array form of bytea
)

// textKindOf is the kind of a column of DuckDB type typ.
func textKindOf(typ string) textKind {
	switch {
	case typ == "BLOB":
		return textBlob
	case typ == "BLOB[]":
		return textBlobList
	case strings.HasSuffix(typ, "]"):
		return textList
	}
	return textPlain
}

// textCSVIn are the options under which DuckDB reads what pgTextToCSV
// writes (a quoted "\N" is then the two characters, not NULL).
const textCSVIn = ` (FORMAT csv, DELIMITER E'\t', NULLSTR '\N', HEADER false, QUOTE '"', ESCAPE '"', ALLOW_QUOTED_NULLS false)`

// pgTextToCSV rewrites Postgres text format as tab-separated CSV for
// textCSVIn: every value quoted, NULL an unquoted \N. A line "\." ends the
// data, as in Postgres.
//
// kinds are the target's columns' kinds (missing: textPlain): values of
// BLOB columns in Postgres's bytea hex form (\x0aff) become DuckDB's
// escapes (\x0A\xFF), and those of list columns in Postgres's array form
// ({1,2}) DuckDB's list literals.
func pgTextToCSV(dst io.Writer, src io.Reader, kinds []textKind) error {
	r := bufio.NewReaderSize(src, copyBuffer)
	w := bufio.NewWriterSize(dst, copyBuffer)
	var v []byte
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if len(line) > 0 {
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if string(line) == `\.` {
				return w.Flush()
			}
			for i, f := range bytes.Split(line, []byte("\t")) {
				if i > 0 {
					w.WriteByte('\t')
				}
				if string(f) == `\N` {
					w.WriteString(`\N`)
					continue
				}
				v = unescapeText(v[:0], f)
				if i < len(kinds) {
					switch kinds[i] {
					case textBlob:
						v = byteaHexToDuckDB(v)
					case textList, textBlobList:
						if l, ok := pgArrayToDuckDB(v, kinds[i] == textBlobList); ok {
							v = append(v[:0], l...)
						}
					}
				}
				writeQuotedField(w, v)
			}
			w.WriteByte('\n')
		}
		if err != nil { // io.EOF
			return w.Flush()
		}
	}
}

// unescapeText appends f with the text format's backslash escapes undone.
func unescapeText(dst, f []byte) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 == len(f) {
			dst = append(dst, c)
			continue
		}
		i++
		switch e := f[i]; e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(f[i]-'0')
			}
			dst = append(dst, byte(v))
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(f) && isHex(f[i+1]) {
				i++
				v = v*16 + hexVal(f[i])
				n++
			}
			if n == 0 {
				dst = append(dst, 'x')
			} else {
				dst = append(dst, byte(v))
			}
		default:
			dst = append(dst, e)
		}
	}
	return dst
}

// byteaHexToDuckDB rewrites a bytea value in hex form, \x and an even
// number of hex digits, as DuckDB's BLOB text (\xHH per byte); anything
// else (DuckDB's own escapes, as an older export wrote them) is kept.
func byteaHexToDuckDB(v []byte) []byte {
	if len(v) < 2 || v[0] != '\\' || v[1] != 'x' || len(v)%2 != 0 {
		return v
	}
	for _, c := range v[2:] {
		if !isHex(c) {
			return v
		}
	}
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(v))
	for i := 2; i < len(v); i += 2 {
		b := hexVal(v[i])<<4 | hexVal(v[i+1])
		out = append(out, '\\', 'x', digits[b>>4], digits[b&15])
	}
	return out
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// pgArrayToDuckDB rewrites a Postgres array in text form ({1,NULL,3},
// {"a b",c}, {{1,2},{3,4}}), as the Postgres endpoint writes a list, as
// the list literal DuckDB casts to a list (["1", NULL, "3"]), every
// element quoted. blob elements in bytea's hex form become DuckDB's
// escapes. ok is false when v is not an array in text form.
func pgArrayToDuckDB(v []byte, blob bool) (out []byte, ok bool) {
	s := bytes.TrimSpace(v)
	if len(s) > 0 && s[0] == '[' { // dimension decoration: [1:3]={...}
		i := bytes.IndexByte(s, '=')
		if i < 0 {
			return nil, false
		}
		s = bytes.TrimSpace(s[i+1:])
	}
	p := &pgArrayParser{s: s, blob: blob}
	if !p.array(1) {
		return nil, false
	}
	if p.skipSpace(); p.i != len(p.s) {
		return nil, false
	}
	return p.out, true
}

// pgArrayParser reads Postgres's array text (array_in) and writes DuckDB's.
type pgArrayParser struct {
	s    []byte
	i    int
	out  []byte
	blob bool
	elem []byte
}

func (p *pgArrayParser) skipSpace() {
	for p.i < len(p.s) && isArraySpace(p.s[p.i]) {
		p.i++
	}
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// maxArrayDims is Postgres's limit on an array's dimensions (MAXDIM).
const maxArrayDims = 6

// array reads {elem,elem,...} at p.i, dimension dim.
func (p *pgArrayParser) array(dim int) bool {
	p.skipSpace()
	if dim > maxArrayDims || p.i >= len(p.s) || p.s[p.i] != '{' {
		return false
	}
	p.i++
	p.out = append(p.out, '[')
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.out = append(p.out, ']')
		return true
	}
	for n := 0; ; n++ {
		if n > 0 {
			p.out = append(p.out, ", "...)
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return false
		}
		if p.s[p.i] == '{' {
			if !p.array(dim + 1) {
				return false
			}
		} else if !p.element() {
			return false
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			p.out = append(p.out, ']')
			return true
		default:
			return false
		}
	}
}

// element reads one quoted or unquoted element at p.i.
func (p *pgArrayParser) element() bool {
	p.elem = p.elem[:0]
	quoted := false
	if p.s[p.i] == '"' {
		quoted = true
		p.i++
		for {
			if p.i >= len(p.s) {
				return false
			}
			c := p.s[p.i]
			p.i++
			if c == '"' {
				break
			}
			if c == '\\' {
				if p.i >= len(p.s) {
					return false
				}
				c = p.s[p.i]
				p.i++
			}
			p.elem = append(p.elem, c)
		}
	} else {
		trail := 0 // unescaped trailing white space, which is not part of it
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == ',' || c == '}' {
				break
			}
			if c == '{' || c == '"' {
				return false
			}
			p.i++
			if c == '\\' {
				if p.i >= len(p.s) {
					return false
				}
				c = p.s[p.i]
				p.i++
				trail = 0
			} else if isArraySpace(c) {
				trail++
			} else {
				trail = 0
			}
			p.elem = append(p.elem, c)
		}
		p.elem = p.elem[:len(p.elem)-trail]
		if len(p.elem) == 0 {
			return false
		}
	}
	if !quoted && string(bytes.ToUpper(p.elem)) == "NULL" {
		p.out = append(p.out, "NULL"...)
		return true
	}
	if p.blob {
		p.elem = byteaHexToDuckDB(p.elem)
	}
	p.out = append(p.out, '"')
	for _, c := range p.elem {
		if c == '"' || c == '\\' {
			p.out = append(p.out, '\\')
		}
		p.out = append(p.out, c)
	}
	p.out = append(p.out, '"')
	return true
}

// pgCSVToCSV rewrites CSV as Postgres reads it under o (its delimiter,
// quote, escape and NULL string; a header line skipped) as tab-separated
// CSV for textCSVIn, converting values of BLOB and list columns as
// pgTextToCSV does: Postgres writes arrays ({1,2}) and bytea (\x0aff) in
// CSV as in the text format, which DuckDB's CSV reader takes for other
// values or none. An unquoted field equal to the NULL string is NULL; a
// line "\." ends the data.
func pgCSVToCSV(dst io.Writer, src io.Reader, o CopyCSV, kinds []textKind) error {
	r := bufio.NewReaderSize(src, copyBuffer)
	w := bufio.NewWriterSize(dst, copyBuffer)
	var v []byte
	skip := o.Header
	for {
		// One record: fields up to a newline outside quotes.
		var fields [][]byte
		var nulls []bool
		v = v[:0]
		inQuote, quoted, sawAny := false, false, false
		start := 0 // where the current field starts in v
		end := func() {
			f := v[start:]
			fields = append(fields, f)
			nulls = append(nulls, !quoted && string(f) == o.Null)
			start, quoted = len(v), false
		}
		var err error
		for {
			var c byte
			c, err = r.ReadByte()
			if err != nil {
				break
			}
			sawAny = true
			if inQuote {
				switch {
				case c == o.Escape && o.Escape != o.Quote || c == o.Quote && o.Escape == o.Quote:
					// An escape (or a doubled quote) keeps the next quote
					// or escape; anything else after it is as it is.
					n, perr := r.Peek(1)
					if perr == nil && (n[0] == o.Quote || n[0] == o.Escape) {
						r.ReadByte()
						v = append(v, n[0])
						continue
					}
					if c == o.Quote {
						inQuote = false
						continue
					}
					v = append(v, c)
				case c == o.Quote:
					inQuote = false
				default:
					v = append(v, c)
				}
				continue
			}
			switch c {
			case o.Quote:
				inQuote, quoted = true, true
				continue
			case o.Delimiter:
				end()
				continue
			case '\n':
			case '\r':
				if n, perr := r.Peek(1); perr == nil && n[0] == '\n' {
					r.ReadByte()
				}
			default:
				v = append(v, c)
				continue
			}
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if !sawAny {
			return w.Flush()
		}
		lastQuoted := quoted
		end()
		if len(fields) == 1 && !lastQuoted && string(fields[0]) == `\.` {
			return w.Flush()
		}
		if skip {
			skip = false
			continue
		}
		var buf []byte
		for i, f := range fields {
			if i > 0 {
				w.WriteByte('\t')
			}
			if nulls[i] {
				w.WriteString(`\N`)
				continue
			}
			if i < len(kinds) {
				switch kinds[i] {
				case textBlob:
					f = byteaHexToDuckDB(f)
				case textList, textBlobList:
					if l, ok := pgArrayToDuckDB(f, kinds[i] == textBlobList); ok {
						buf = append(buf[:0], l...)
						f = buf
					}
				}
			}
			writeQuotedField(w, f)
		}
		w.WriteByte('\n')
		if err != nil { // io.EOF
			return w.Flush()
		}
	}
}

// writeQuotedField writes v as one double-quoted field of the CSV DuckDB
// reads (quotes doubled), which keeps tabs, newlines and \N as data.
func writeQuotedField(w *bufio.Writer, v []byte) {
	w.WriteByte('"')
	for _, c := range v {
		if c == '"' {
			w.WriteByte('"')
		}
		w.WriteByte(c)
	}
	w.WriteByte('"')
}
