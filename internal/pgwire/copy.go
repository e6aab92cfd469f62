package pgwire

import (
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
		msg, err := c.be.Receive()
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
