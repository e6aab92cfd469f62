package compress

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
)

// benchInput is 16 MiB of ~1 KiB JSON access-log records, built once.
var benchInput = sync.OnceValue(func() []byte { return accessLog(16<<20, 42) })

// benchWriter compresses benchInput record by record (delivery appends
// records one at a time) to io.Discard; MB/s counts input bytes.
func benchWriter(b *testing.B, format string, opts Options) {
	in := benchInput()
	recs := records(in)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	var outLen int
	for range b.N {
		cw := &countWriter{}
		w, err := NewWriter(cw, format, opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if _, err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		outLen = cw.n
	}
	b.ReportMetric(float64(len(in))/float64(outLen), "ratio")
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func BenchmarkWriterUncompressed(b *testing.B) { benchWriter(b, Uncompressed, Options{}) }
func BenchmarkWriterGzip(b *testing.B)         { benchWriter(b, Gzip, Options{}) }
func BenchmarkWriterGzipSerial(b *testing.B)   { benchWriter(b, Gzip, Options{Concurrency: 1}) }

// BenchmarkWriterGzipLevels shows the speed/ratio trade of the levels
// around the default (2).
func BenchmarkWriterGzipLevels(b *testing.B) {
	for _, level := range []int{1, 2, 3, 4, 6, 9} {
		b.Run(fmt.Sprintf("level=%d", level), func(b *testing.B) { benchWriter(b, Gzip, Options{Level: level}) })
	}
}
func BenchmarkWriterZip(b *testing.B)          { benchWriter(b, Zip, Options{}) }
func BenchmarkWriterSnappy(b *testing.B)       { benchWriter(b, Snappy, Options{}) }
func BenchmarkWriterHadoopSnappy(b *testing.B) { benchWriter(b, HadoopSnappy, Options{}) }

// benchReader decompresses benchInput compressed in format; MB/s counts
// decompressed bytes.
func benchReader(b *testing.B, format string) {
	in := benchInput()
	out := compressAll(b, format, Options{}, in, 1)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for range b.N {
		r, err := NewReader(bytes.NewReader(out), format)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReaderGzip(b *testing.B)         { benchReader(b, Gzip) }
func BenchmarkReaderZip(b *testing.B)          { benchReader(b, Zip) }
func BenchmarkReaderSnappy(b *testing.B)       { benchReader(b, Snappy) }
func BenchmarkReaderHadoopSnappy(b *testing.B) { benchReader(b, HadoopSnappy) }
