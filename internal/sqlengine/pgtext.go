package sqlengine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Postgres's COPY text format (the format of COPY ... FROM STDIN without
// options), converted to the tab-separated CSV DuckDB reads. In the text
// format a row is one line, columns are separated by tabs, \N is NULL,
// and backslash escapes stand for backslash, tab, newline and the like;
// nothing is quoted, so a JSON value goes through as it is. In the CSV,
// NULL is an unquoted \N and every value is quoted. (COPY ... TO STDOUT in
// text format is rendered by the Postgres endpoint from the rows.)

const copyBuffer = 64 << 10

// textCSVIn are the options under which DuckDB reads what pgTextToCSV
// writes (a quoted "\N" is then the two characters, not NULL).
const textCSVIn = ` (FORMAT csv, DELIMITER E'\t', NULLSTR '\N', HEADER false, QUOTE '"', ESCAPE '"', ALLOW_QUOTED_NULLS false)`

// pgTextToCSV rewrites Postgres text format as tab-separated CSV for
// textCSVIn: every value quoted, NULL an unquoted \N. A line "\." ends the
// data, as in Postgres.
//
// blob marks the target's BLOB columns: their values in Postgres's bytea
// hex form (\x0aff) become DuckDB's escapes (\x0A\xFF).
func pgTextToCSV(dst io.Writer, src io.Reader, blob []bool) error {
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
				if i < len(blob) && blob[i] {
					v = byteaHexToDuckDB(v)
				}
				w.WriteByte('"')
				for _, c := range v {
					if c == '"' {
						w.WriteByte('"')
					}
					w.WriteByte(c)
				}
				w.WriteByte('"')
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
