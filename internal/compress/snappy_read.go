package compress

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
)

// framedStreamID starts a stream in the official framing format.
const framedStreamID = "\xff\x06\x00\x00sNaPpY"

// Limits a reader checks before allocating, so corrupt lengths fail
// instead of exhausting memory. Real blocks are 32 KiB (Hadoop's own
// default is 256 KiB).
const (
	maxSnappyBlock   = 64 << 20
	maxSnappyEncoded = maxSnappyBlock + maxSnappyBlock/6 + 32 // Snappy's worst-case expansion
)

// blockReader decodes a stream of framed Snappy blocks; next reads one
// block's decoded bytes (io.EOF at a clean end).
type blockReader struct {
	r    *bufio.Reader
	next func(br *blockReader) error
	out  []byte // decoded, not yet returned
	src  []byte // reused encoded block buffer
	dst  []byte // reused decoded block buffer
	acc  []byte // reused Hadoop block buffer
	// header is set once a snappy-java header was read: blocks may not
	// come before the first.
	header bool
	err    error
}

func (b *blockReader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		if err := b.next(b); err != nil {
			b.err = err
		}
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

func (b *blockReader) Close() error { return nil }

// readU32 reads a big-endian uint32; io.EOF only if no byte was there.
func (b *blockReader) readU32() (uint32, error) {
	var x [4]byte
	if _, err := io.ReadFull(b.r, x[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(x[:]), nil
}

// decodeChunk reads a compressed length and chunk and decodes it into
// b.dst; limit bounds the decoded length.
func (b *blockReader) decodeChunk(limit int) ([]byte, error) {
	n, err := b.readU32()
	if err != nil {
		return nil, truncated(err)
	}
	if n > maxSnappyEncoded {
		return nil, fmt.Errorf("compress: snappy: chunk of %d bytes is too large", n)
	}
	src, err := b.readChunk(int(n))
	if err != nil {
		return nil, err
	}
	dlen, err := snappy.DecodedLen(src)
	if err != nil {
		return nil, fmt.Errorf("compress: snappy: %w", err)
	}
	if dlen > limit {
		return nil, fmt.Errorf("compress: snappy: chunk decodes to %d bytes, more than the %d allowed", dlen, limit)
	}
	if cap(b.dst) < dlen {
		b.dst = make([]byte, dlen)
	}
	dst, err := snappy.Decode(b.dst[:dlen], src)
	if err != nil {
		return nil, fmt.Errorf("compress: snappy: %w", err)
	}
	return dst, nil
}

// readChunk reads n bytes into b.src, growing it only as bytes arrive so a
// corrupt length over a short input does not allocate the whole length.
func (b *blockReader) readChunk(n int) ([]byte, error) {
	if cap(b.src) >= n {
		src := b.src[:n]
		if _, err := io.ReadFull(b.r, src); err != nil {
			return nil, truncated(err)
		}
		return src, nil
	}
	buf := bytes.NewBuffer(b.src[:0])
	buf.Grow(min(n, 1<<20))
	if m, err := buf.ReadFrom(io.LimitReader(b.r, int64(n))); err != nil {
		return nil, truncated(err)
	} else if m < int64(n) {
		return nil, truncated(io.ErrUnexpectedEOF)
	}
	b.src = buf.Bytes()
	return b.src, nil
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("compress: snappy: truncated stream: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("compress: snappy: %w", err)
}

// newSnappyReader reads a snappy-java stream (several concatenated are
// fine, as snappy-java reads them), or a stream in the official framing
// format. Empty input is an empty stream.
func newSnappyReader(r io.Reader) io.ReadCloser {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(len(framedStreamID)); string(head) == framedStreamID {
		return io.NopCloser(snappy.NewReader(br))
	}
	return &blockReader{r: br, next: (*blockReader).nextXerial}
}

func (b *blockReader) nextXerial() error {
	head, err := b.r.Peek(len(xerialHeader))
	if len(head) == 0 && err == io.EOF {
		return io.EOF
	}
	if len(head) > 0 && head[0] == xerialHeader[0] {
		// A header: at the start, or of a concatenated stream. A block
		// length never starts with 0x82 (it would exceed 2 GiB).
		if len(head) < len(xerialHeader) {
			return truncated(io.ErrUnexpectedEOF)
		}
		if string(head[:8]) != xerialHeader[:8] {
			return errors.New("compress: snappy: not a snappy-java stream (bad magic)")
		}
		if compat := binary.BigEndian.Uint32(head[12:16]); compat > 1 {
			return fmt.Errorf("compress: snappy: stream needs snappy-java format version %d", compat)
		}
		b.r.Discard(len(xerialHeader))
		b.header = true
		return nil // the next call reads a block
	}
	if !b.header {
		return errors.New("compress: snappy: not a snappy-java stream (no header)")
	}
	dst, err := b.decodeChunk(maxSnappyBlock)
	if err != nil {
		return err
	}
	b.out = dst
	return nil
}

// newHadoopReader reads Hadoop's block format: each block is its
// uncompressed length, then chunks (compressed length + raw Snappy) until
// that many bytes are decoded.
func newHadoopReader(r io.Reader) io.ReadCloser {
	return &blockReader{r: bufio.NewReaderSize(r, 64<<10), next: (*blockReader).nextHadoop}
}

func (b *blockReader) nextHadoop() error {
	total, err := b.readU32()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		return truncated(err)
	}
	if total == 0 {
		// Hadoop's BlockDecompressorStream ends the stream at a zero
		// length: BlockCompressorStream writes one (and an empty chunk)
		// for empty input.
		return io.EOF
	}
	if total > maxSnappyBlock {
		return fmt.Errorf("compress: hadoop-snappy: block of %d bytes is too large", total)
	}
	out := b.acc[:0]
	for len(out) < int(total) {
		dst, err := b.decodeChunk(int(total) - len(out))
		if err != nil {
			return err
		}
		if len(dst) == 0 {
			return errors.New("compress: hadoop-snappy: empty chunk in a block")
		}
		out = append(out, dst...)
	}
	b.acc = out
	b.out = out
	return nil
}
