package compress

import (
	"fmt"
	"io"
	"runtime"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"
)

// gzipBlockSize is the input each parallel GZIP block compresses. 512 KiB
// keeps the ratio within a fraction of a percent of one stream while giving
// two cores work from the first MiB.
const gzipBlockSize = 512 << 10

// defaultDeflateLevel is the GZIP and ZIP level of Options.Level 0 (see
// there and BenchmarkWriterGzipLevels).
const defaultDeflateLevel = 2

// newGzipWriter writes one gzip member. With more than one goroutine it is
// pgzip's: the input is cut into blocks deflated in parallel and joined
// with sync flushes, a single valid deflate stream any gzip reader takes.
func newGzipWriter(w io.Writer, opts Options) (io.WriteCloser, error) {
	level := opts.Level
	if level == 0 {
		level = defaultDeflateLevel
	}
	n := opts.Concurrency
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if n == 1 {
		zw, err := gzip.NewWriterLevel(w, level)
		if err != nil {
			return nil, fmt.Errorf("compress: gzip: %w", err)
		}
		return zw, nil
	}
	zw, err := pgzip.NewWriterLevel(w, level)
	if err != nil {
		return nil, fmt.Errorf("compress: gzip: %w", err)
	}
	// Two blocks in flight per goroutine keep every core busy while the
	// caller fills the next block.
	if err := zw.SetConcurrency(gzipBlockSize, 2*n); err != nil {
		return nil, fmt.Errorf("compress: gzip: %w", err)
	}
	return zw, nil
}

// newGzipReader reads concatenated gzip members, as gzip -d does.
func newGzipReader(r io.Reader) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("compress: gzip: %w", err)
	}
	return zr, nil
}
