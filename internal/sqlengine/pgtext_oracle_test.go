package sqlengine

import (
	"bufio"
	"errors"
	"io"
)

// The inverse of pgTextToCSV, the oracle of FuzzPGText's round trip.

// csvToPGText rewrites DuckDB's tab-separated CSV (quoted where needed, NULL \N) as
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
