package compress

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// newZstdWriter writes one Zstandard frame stream at the fastest level
// by default (delivery must keep up with ingest).
func newZstdWriter(w io.Writer, opts Options) (io.WriteCloser, error) {
	level := zstd.SpeedFastest
	if opts.Level > 0 {
		level = zstd.EncoderLevelFromZstd(opts.Level)
	}
	zo := []zstd.EOption{zstd.WithEncoderLevel(level)}
	if opts.Concurrency > 0 {
		zo = append(zo, zstd.WithEncoderConcurrency(opts.Concurrency))
	}
	enc, err := zstd.NewWriter(w, zo...)
	if err != nil {
		return nil, fmt.Errorf("compress: zstd writer: %w", err)
	}
	return enc, nil
}

// zstdReader closes the decoder (its goroutines) with the reader.
type zstdReader struct{ *zstd.Decoder }

func (r zstdReader) Close() error {
	r.Decoder.Close()
	return nil
}

// newZstdReader decodes a Zstandard stream; memory per window is bounded
// so a hostile header cannot make it allocate without limit.
func newZstdReader(r io.Reader) (io.ReadCloser, error) {
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, fmt.Errorf("compress: zstd reader: %w", err)
	}
	return zstdReader{dec}, nil
}
