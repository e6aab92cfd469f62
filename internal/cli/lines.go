package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// readLines calls fn with each line of r, without its line ending ("\n" or
// "\r\n"). A line longer than maxLen bytes is not buffered: fn gets a nil
// line and its full length instead. The line slice is only valid during the
// call. A final line without a newline counts as a line.
func readLines(r io.Reader, maxLen int, fn func(line []byte, tooLong int) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	n := 0 // length of the current line so far, also when not buffered
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			n += len(chunk)
			if n <= maxLen+2 { // room for the line ending
				buf = append(buf, chunk...)
			} else {
				buf = buf[:0]
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("read input: %w", err)
		}
		eof := err != nil
		if n > 0 {
			if n > maxLen+2 {
				// Not buffered: strip the line ending from the count.
				length := n
				if bytes.HasSuffix(chunk, []byte("\r\n")) {
					length -= 2
				} else if bytes.HasSuffix(chunk, []byte("\n")) {
					length--
				}
				if err := fn(nil, length); err != nil {
					return err
				}
			} else if line := bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r")); len(line) > maxLen {
				if err := fn(nil, len(line)); err != nil {
					return err
				}
			} else if err := fn(line, 0); err != nil {
				return err
			}
		}
		if eof {
			return nil
		}
		buf, n = buf[:0], 0
	}
}
