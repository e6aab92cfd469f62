package compress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// Firehose's two Snappy formats are containers around raw Snappy blocks,
// as written by snappy-java (github.com/xerial/snappy-java), which the
// floci emulator found to reproduce AWS's objects byte for byte
// (floci-io/floci#2328):
//
//   - "Snappy" is SnappyOutputStream's format: a 16-byte header (the magic
//     0x82 "SNAPPY" 0x00, then version 1 and minimum compatible version 1
//     as big-endian int32s), then per block of at most 32 KiB of input a
//     big-endian int32 compressed length and the raw Snappy block. The
//     header is written even for empty input.
//   - "HADOOP_SNAPPY" is SnappyHadoopCompatibleOutputStream's, which is
//     Hadoop's BlockCompressorStream framing with one chunk per block:
//     per block a big-endian int32 uncompressed length, then a big-endian
//     int32 compressed length and the raw Snappy block. No header; empty
//     input gives an empty object.
//
// Neither is the official Snappy framing format (github.com/google/snappy
// framing_format.txt, the "sNaPpY" stream identifier); the Snappy reader
// accepts that too, since it is what most other tools write.

// snappyBlockSize is snappy-java's default block size, the one Firehose's
// objects use.
const snappyBlockSize = 32 << 10

// xerialHeader starts every snappy-java stream: magic, version 1,
// minimum compatible version 1.
const xerialHeader = "\x82SNAPPY\x00" + "\x00\x00\x00\x01" + "\x00\x00\x00\x01"

type framing int

const (
	xerialFraming framing = iota
	hadoopFraming
)

// snappyWriter buffers one block of input and writes it framed.
type snappyWriter struct {
	w       io.Writer
	framing framing
	encode  func(dst, src []byte) []byte
	buf     []byte // pending input, cap snappyBlockSize
	enc     []byte // reused encoder output
	out     []byte // reused output: frame header + encoded block
	started bool   // xerial header written
	err     error  // sticky write error
}

func newSnappyWriter(w io.Writer, opts Options, f framing) *snappyWriter {
	encode := s2.EncodeSnappy
	switch {
	case opts.Level >= 9:
		encode = s2.EncodeSnappyBest
	case opts.Level >= 2:
		encode = s2.EncodeSnappyBetter
	}
	return &snappyWriter{
		w:       w,
		framing: f,
		encode:  encode,
		buf:     make([]byte, 0, snappyBlockSize),
		enc:     make([]byte, snappy.MaxEncodedLen(snappyBlockSize)),
		out:     make([]byte, 0, len(xerialHeader)+8+snappy.MaxEncodedLen(snappyBlockSize)),
	}
}

func (s *snappyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := 0
	for len(p) > 0 {
		take := min(len(p), snappyBlockSize-len(s.buf))
		s.buf = append(s.buf, p[:take]...)
		p = p[take:]
		n += take
		if len(s.buf) == snappyBlockSize {
			if err := s.flushBlock(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// flushBlock writes the pending input as one framed block (and the xerial
// header before the first).
func (s *snappyWriter) flushBlock() error {
	out := s.out[:0]
	if s.framing == xerialFraming && !s.started {
		out = append(out, xerialHeader...)
		s.started = true
	}
	if len(s.buf) > 0 {
		if s.framing == hadoopFraming {
			out = binary.BigEndian.AppendUint32(out, uint32(len(s.buf)))
		}
		s.enc = s.encode(s.enc[:cap(s.enc)], s.buf)
		out = binary.BigEndian.AppendUint32(out, uint32(len(s.enc)))
		out = append(out, s.enc...)
		s.buf = s.buf[:0]
	}
	if len(out) == 0 {
		return nil
	}
	if _, err := s.w.Write(out); err != nil {
		s.err = fmt.Errorf("compress: snappy: %w", err)
		return s.err
	}
	return nil
}

// Close writes the last partial block.
func (s *snappyWriter) Close() error {
	if s.err != nil {
		return s.err
	}
	if err := s.flushBlock(); err != nil {
		return err
	}
	s.err = errors.New("compress: snappy: writer closed")
	return nil
}
