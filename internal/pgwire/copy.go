package pgwire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"
)

// The COPY sub-protocol of the simple query flow (CopyRows): CopyOut
// streams a COPY ... TO STDOUT's data to the client, copyIn feeds the
// client's data to a COPY ... FROM STDIN.

// copyChunk is the most data one CopyData message carries.
const copyChunk = 64 << 10

// copyOut sends data as CopyOutResponse, CopyData messages and CopyDone,
// then the command tag.
func (c *conn) copyOut(data io.Reader, tag string) error {
	c.be.Send(&pgproto3.CopyOutResponse{OverallFormat: 0})
	buf := make([]byte, copyChunk)
	for {
		n, err := data.Read(buf)
		if n > 0 {
			c.be.Send(&pgproto3.CopyData{Data: buf[:n]}) // Send copies
			c.pending += n
			if err := c.maybeFlush(); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// An ErrorResponse ends the COPY on the client's side too.
			return &Error{Code: "58030", Message: fmt.Sprintf("read COPY data: %v", err)}
		}
	}
	c.be.Send(&pgproto3.CopyDone{})
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

// copyOutRows sends rows as the data of a COPY ... TO STDOUT in text
// format (CopyTextRows): one line per row, tab-separated, each value as
// appendText renders it in query results, escaped, NULL as \N; or in CSV
// (CopyCSVRows), the same values quoted as Postgres quotes them; then the
// tag "COPY n".
func (c *conn) copyOutRows(rows Rows) error {
	cols := rows.Columns()
	oids := make([]uint32, len(cols))
	for i, col := range cols {
		oids[i], _ = TypeOID(col.Type)
	}
	csv := copyCSVOf(rows)
	c.be.Send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(cols))})
	var buf, val []byte
	if csv != nil && csv.Header {
		for i, col := range cols {
			if i > 0 {
				buf = append(buf, csv.Delimiter)
			}
			buf = appendCSVField(buf, []byte(col.Name), csv, false, len(cols) == 1)
		}
		buf = append(buf, '\n')
	}
	n := 0
	for rows.Next() {
		for i, v := range rows.Row() {
			if csv != nil {
				if i > 0 {
					buf = append(buf, csv.Delimiter)
				}
				var ok bool
				if val, ok = c.appendValue(val[:0], oids[i], v); !ok {
					buf = append(buf, csv.Null...)
				} else {
					buf = appendCSVField(buf, val, csv, i < len(csv.ForceQuote) && csv.ForceQuote[i], len(cols) == 1)
				}
				continue
			}
			if i > 0 {
				buf = append(buf, '\t')
			}
			// Rendered in place; copied aside only to be escaped.
			start := len(buf)
			var ok bool
			if buf, ok = c.appendValue(buf, oids[i], v); !ok {
				buf = append(buf[:start], `\N`...)
			} else if bytes.ContainsAny(buf[start:], "\\\t\n\r") {
				val = append(val[:0], buf[start:]...)
				buf = appendCopyEscaped(buf[:start], val)
			}
		}
		buf = append(buf, '\n')
		n++
		if len(buf) >= copyChunk {
			c.be.Send(&pgproto3.CopyData{Data: buf}) // Send copies
			c.pending += len(buf)
			buf = buf[:0]
			if err := c.maybeFlush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err // an ErrorResponse ends the COPY on the client's side too
	}
	if len(buf) > 0 {
		c.be.Send(&pgproto3.CopyData{Data: buf})
	}
	c.be.Send(&pgproto3.CopyDone{})
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(fmt.Sprintf("COPY %d", n))})
	return nil
}

// appendCSVField appends v as Postgres's CSV output does
// (CopyAttributeOutCSV): quoted when forced, when it is the NULL string
// (so that it reads back as a value), when it holds the delimiter, the
// quote, a newline or a carriage return, or when it is \. alone on a
// line (single: the only column); inside quotes the quote and escape
// characters are preceded by the escape.
func appendCSVField(dst, v []byte, csv *CopyCSV, force, single bool) []byte {
	quote := force || string(v) == csv.Null || single && string(v) == `\.`
	for i := 0; !quote && i < len(v); i++ {
		b := v[i]
		quote = b == csv.Delimiter || b == csv.Quote || b == '\n' || b == '\r'
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, csv.Quote)
	for _, b := range v {
		if b == csv.Quote || b == csv.Escape {
			dst = append(dst, csv.Escape)
		}
		dst = append(dst, b)
	}
	return append(dst, csv.Quote)
}

// appendCopyEscaped appends v with the text format's escapes: backslash,
// tab, newline and carriage return.
func appendCopyEscaped(dst, v []byte) []byte {
	for _, b := range v {
		switch b {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, b)
		}
	}
	return dst
}

// errCopyInAborted ends the reader of a COPY FROM STDIN whose client gave
// up (CopyFail) or broke the protocol.
var errCopyInAborted = errors.New("the client ended COPY FROM STDIN without CopyDone")

// copyIn sends CopyInResponse and passes the client's CopyData to load
// (which runs alongside, reading a pipe) until CopyDone, then sends the
// tag load returns. CopyFail or another message ends the COPY with an
// error, and load sees its data end with an error, so nothing is loaded.
// Flush and Sync are ignored meanwhile, as Postgres does.
//
// With binary columns (CopyBinaryRows) the client is asked for the binary
// format and load gets the rows as CSV, decoded on the way.
func (c *conn) copyIn(ctx context.Context, load func(context.Context, io.Reader) (string, error), binaryCols []Column) error {
	resp := &pgproto3.CopyInResponse{OverallFormat: 0}
	if binaryCols != nil {
		resp.OverallFormat = 1
		resp.ColumnFormatCodes = make([]uint16, len(binaryCols))
		oids := make([]uint32, len(binaryCols))
		for i, col := range binaryCols {
			resp.ColumnFormatCodes[i] = 1
			oids[i], _ = TypeOID(col.Type)
		}
		text := load
		load = func(ctx context.Context, data io.Reader) (string, error) {
			cr, cw := io.Pipe()
			go func() { cw.CloseWithError(binaryCopyToCSV(cw, data, oids)) }()
			tag, err := text(ctx, cr)
			cr.CloseWithError(errCopyInAborted) // stops the decoder if text stopped reading
			if err != nil {
				// A decoding failure is the better message.
				var pe *Error
				if derr := errors.Unwrap(err); derr != nil && errors.As(derr, &pe) && pe.Code == "22P04" {
					return "", pe
				}
			}
			return tag, err
		}
	}
	c.be.Send(resp)
	if err := c.flush(); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	type outcome struct {
		tag string
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		tag, err := load(ctx, pr)
		// A load that stopped reading must not block the receive loop.
		pr.CloseWithError(errCopyInAborted)
		done <- outcome{tag, err}
	}()
	abort := func(err error) {
		pw.CloseWithError(err)
		<-done
	}
	for {
		msg, err := c.receive()
		var te *Error
		if errors.As(err, &te) {
			abort(errCopyInAborted)
			return te // the session ends (terminate)
		}
		if err != nil {
			abort(errCopyInAborted)
			return fmt.Errorf("receive COPY data: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			_, _ = pw.Write(m.Data) // after a failed load, data are dropped until CopyDone
		case *pgproto3.CopyDone:
			pw.Close()
			o := <-done
			if o.err != nil {
				return o.err
			}
			c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(o.tag)})
			return nil
		case *pgproto3.CopyFail:
			abort(errCopyInAborted)
			return &Error{Code: codeQueryCanceled, Message: "COPY from stdin failed: " + m.Message}
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			abort(errCopyInAborted)
			return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("unexpected message %T during COPY from stdin", msg)}
		}
	}
}
