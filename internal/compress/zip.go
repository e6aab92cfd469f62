package compress

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/flate"
)

// zipWriter is an archive with one deflated entry that holds every byte
// written.
type zipWriter struct {
	zw    *zip.Writer
	entry io.Writer
}

func newZipWriter(w io.Writer, opts Options) (io.WriteCloser, error) {
	level := opts.Level
	if level == 0 {
		level = defaultDeflateLevel
	}
	if level < flate.HuffmanOnly || level > flate.BestCompression {
		return nil, fmt.Errorf("compress: zip: invalid level %d", level)
	}
	name := opts.ZipEntryName
	if name == "" {
		name = randomUUID()
	}
	zw := zip.NewWriter(w)
	// klauspost's deflate is several times faster than the stdlib's at the
	// same level; registered on this writer only.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, level)
	})
	entry, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return nil, fmt.Errorf("compress: zip: %w", err)
	}
	return &zipWriter{zw: zw, entry: entry}, nil
}

func (z *zipWriter) Write(p []byte) (int, error) { return z.entry.Write(p) }

// Close finishes the entry and writes the central directory.
func (z *zipWriter) Close() error { return z.zw.Close() }

// newZipReader returns the contents of the archive's entries, one after
// the other (Firehose writes one). A ZIP is read from its end, so unless r
// is a file the archive is read into memory first.
func newZipReader(r io.Reader) (io.ReadCloser, error) {
	var ra io.ReaderAt
	var size int64
	if f, ok := r.(*os.File); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("compress: zip: %w", err)
		}
		ra, size = f, st.Size()
	} else {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("compress: zip: %w", err)
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("compress: zip: %w", err)
	}
	zr.RegisterDecompressor(zip.Deflate, flate.NewReader)
	return &zipReader{files: zr.File}, nil
}

// zipReader concatenates the entries of an archive, skipping directories.
type zipReader struct {
	files []*zip.File
	cur   io.ReadCloser
}

func (z *zipReader) Read(p []byte) (int, error) {
	for {
		if z.cur == nil {
			if len(z.files) == 0 {
				return 0, io.EOF
			}
			f := z.files[0]
			z.files = z.files[1:]
			if f.FileInfo().IsDir() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return 0, fmt.Errorf("compress: zip entry %q: %w", f.Name, err)
			}
			z.cur = rc
		}
		n, err := z.cur.Read(p)
		if errors.Is(err, io.EOF) {
			cerr := z.cur.Close()
			z.cur = nil
			if cerr != nil {
				return n, fmt.Errorf("compress: zip: %w", cerr)
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			return n, fmt.Errorf("compress: zip: %w", err)
		}
		return n, nil
	}
}

func (z *zipReader) Close() error {
	if z.cur != nil {
		return z.cur.Close()
	}
	return nil
}

// randomUUID returns a version 4 UUID in its canonical text form.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
