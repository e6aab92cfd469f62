package sqlengine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Postgres's COPY text format (the format of COPY ... TO STDOUT and FROM
// STDIN without options), converted to and from the tab-separated CSV
// DuckDB reads and writes. In the text format a row is one line, columns
// are separated by tabs, \N is NULL, and backslash escapes stand for
// backslash, tab, newline and the like; nothing is quoted, so a JSON value
// goes through as it is. In the CSV, NULL is an unquoted \N and every
// value is quoted (pgTextToCSV) or quoted when needed (DuckDB's writer).

const copyBuffer = 64 << 10

// textCSVOut are the options under which DuckDB writes what csvToPGText
// reads; textCSVIn those under which it reads what pgTextToCSV writes (a
// quoted "\N" is then the two characters, not NULL).
const (
	textCSVOut = ` (FORMAT csv, DELIMITER E'\t', NULLSTR '\N', HEADER false, QUOTE '"', ESCAPE '"')`
	textCSVIn  = ` (FORMAT csv, DELIMITER E'\t', NULLSTR '\N', HEADER false, QUOTE '"', ESCAPE '"', ALLOW_QUOTED_NULLS false)`
)

// csvToPGText rewrites DuckDB's tab-separated CSV (textCSVOut) as
// Postgres text format.
func csvToPGText(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, copyBuffer)
	w := bufio.NewWriterSize(dst, copyBuffer)
	var field []byte
	quoted, inQuotes, pending := false, false, false // pending: a row has begun
	emit := func(end byte) {
		if !quoted && string(field) == `\N` {
			w.WriteString(`\N`)
		} else {
			writeTextEscaped(w, field)
		}
		w.WriteByte(end)
		field, quoted = field[:0], false
		pending = end == '\t'
	}
	for {
		c, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			if inQuotes {
				return errors.New("COPY output ends inside a quoted value")
			}
			if pending || quoted || len(field) > 0 {
				emit('\n')
			}
			return w.Flush()
		}
		if err != nil {
			return err
		}
		switch {
		case inQuotes:
			if c != '"' {
				field = append(field, c)
				continue
			}
			if next, err := r.ReadByte(); err == nil && next == '"' {
				field = append(field, '"')
			} else {
				if err == nil {
					_ = r.UnreadByte()
				}
				inQuotes = false
			}
		case c == '"' && len(field) == 0 && !quoted:
			inQuotes, quoted, pending = true, true, true
		case c == '\t':
			emit('\t')
		case c == '\n':
			emit('\n')
		default:
			field = append(field, c)
			pending = true
		}
	}
}

// writeTextEscaped writes v with the text format's escapes.
func writeTextEscaped(w *bufio.Writer, v []byte) {
	for _, c := range v {
		switch c {
		case '\\':
			w.WriteString(`\\`)
		case '\t':
			w.WriteString(`\t`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		default:
			w.WriteByte(c)
		}
	}
}

// pgTextToCSV rewrites Postgres text format as tab-separated CSV for
// textCSVIn: every value quoted, NULL an unquoted \N. A line "\." ends the
// data, as in Postgres.
func pgTextToCSV(dst io.Writer, src io.Reader) error {
	r := bufio.NewReaderSize(src, copyBuffer)
	w := bufio.NewWriterSize(dst, copyBuffer)
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
				w.WriteByte('"')
				writeUnescapedQuoted(w, f)
				w.WriteByte('"')
			}
			w.WriteByte('\n')
		}
		if err != nil { // io.EOF
			return w.Flush()
		}
	}
}

// writeUnescapedQuoted writes a text-format value without its backslash
// escapes, doubling double quotes for the CSV.
func writeUnescapedQuoted(w *bufio.Writer, f []byte) {
	put := func(c byte) {
		if c == '"' {
			w.WriteByte('"')
		}
		w.WriteByte(c)
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 == len(f) {
			put(c)
			continue
		}
		i++
		switch e := f[i]; e {
		case 'b':
			put('\b')
		case 'f':
			put('\f')
		case 'n':
			put('\n')
		case 'r':
			put('\r')
		case 't':
			put('\t')
		case 'v':
			put('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(f[i]-'0')
			}
			put(byte(v))
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(f) && isHex(f[i+1]) {
				i++
				v = v*16 + hexVal(f[i])
				n++
			}
			if n == 0 {
				put('x')
			} else {
				put(byte(v))
			}
		default:
			put(e)
		}
	}
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
