package pgwire

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// COPY ... FROM STDIN BINARY (pgx's CopyFrom, JDBC's binary copy): the
// client's rows in Postgres's binary copy format are decoded with the
// parameter decoders and handed to the backend as the tab-separated CSV
// CopyBinaryRows asks for.

// CopyBinaryRows is implemented by Rows whose CopyIn takes binary rows:
// CopyInBinary lists the columns they hold (nil: text). pgwire then
// announces the binary format, decodes the rows and passes CopyIn
// tab-separated CSV: every value quoted with quotes doubled, NULL an
// unquoted \N, one row per line.
type CopyBinaryRows interface {
	CopyInBinary() []Column
}

// binaryCopySignature opens the binary copy format.
var binaryCopySignature = []byte("PGCOPY\n\xff\r\n\x00")

// maxCopyField bounds one field of a binary COPY.
const maxCopyField = 256 << 20

// binaryCopyToCSV decodes the binary copy stream r of rows of the given
// column types into CSV on w.
func binaryCopyToCSV(w io.Writer, r io.Reader, oids []uint32) error {
	br := bufio.NewReaderSize(r, copyChunk)
	var hdr [19]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return badCopy("COPY file signature not recognized")
	}
	if !bytes.Equal(hdr[:11], binaryCopySignature) {
		return badCopy("COPY file signature not recognized")
	}
	if _, err := br.Discard(int(binary.BigEndian.Uint32(hdr[15:19]))); err != nil {
		return badCopy("invalid COPY file header (missing extension)")
	}
	bw := bufio.NewWriterSize(w, copyChunk)
	var field []byte
	var text []byte
	for row := 1; ; row++ {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:2]); err != nil {
			if errors.Is(err, io.EOF) {
				return bw.Flush() // no trailer: the data simply end
			}
			return badCopy("unexpected end of data in row %d", row)
		}
		count := int16(binary.BigEndian.Uint16(n[:2]))
		if count == -1 {
			return bw.Flush()
		}
		if int(count) != len(oids) {
			return badCopy("row field count is %d, expected %d", count, len(oids))
		}
		for i, oid := range oids {
			if i > 0 {
				bw.WriteByte('\t')
			}
			if _, err := io.ReadFull(br, n[:]); err != nil {
				return badCopy("unexpected end of data in row %d", row)
			}
			size := int32(binary.BigEndian.Uint32(n[:]))
			if size == -1 {
				bw.WriteString(`\N`)
				continue
			}
			if size < 0 || size > maxCopyField {
				return badCopy("invalid field size %d in row %d", size, row)
			}
			// Grown as data arrive, so a lying size costs no memory.
			fb := bytes.NewBuffer(field[:0])
			if _, err := io.CopyN(fb, br, int64(size)); err != nil {
				return badCopy("unexpected end of data in row %d", row)
			}
			field = fb.Bytes()
			v, err := decodeParam(oid, 1, field, nil)
			if err != nil {
				return badCopy("row %d, column %d: %v", row, i+1, err)
			}
			text = copyText(text[:0], oid, v)
			bw.WriteByte('"')
			for _, c := range text {
				if c == '"' {
					bw.WriteByte('"')
				}
				bw.WriteByte(c)
			}
			bw.WriteByte('"')
		}
		bw.WriteByte('\n')
	}
}

// copyText renders a decoded value as DuckDB's CSV reader takes it: as
// Postgres text, except booleans (true/false) and bytes (\xHH per byte,
// DuckDB's BLOB escape).
func copyText(dst []byte, oid uint32, v any) []byte {
	switch x := v.(type) {
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case []byte:
		if oid == OIDBytea {
			const digits = "0123456789ABCDEF"
			for _, c := range x {
				dst = append(dst, '\\', 'x', digits[c>>4], digits[c&15])
			}
			return dst
		}
	}
	dst, _ = appendText(dst, oid, v)
	return dst
}

// badCopy is a malformed binary COPY stream (SQLSTATE 22P04).
func badCopy(format string, args ...any) error {
	return &Error{Code: "22P04", Message: fmt.Sprintf(format, args...)}
}
