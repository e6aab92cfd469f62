// Package compress implements the object compression formats of Firehose
// delivery (UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY) and the
// matching readers, used by delivery and by the SQL engine's COPY.
//
// The two Snappy formats follow what Firehose delivers, not the official
// Snappy framing format: "Snappy" is the snappy-java (xerial) stream format
// and "HADOOP_SNAPPY" is Hadoop's block format, both in 32 KiB blocks (see
// snappy.go). The reader of "Snappy" also accepts the framing format.
package compress

import (
	"fmt"
	"io"
)

// Format names, spelled as the Firehose API spells CompressionFormat.
const (
	Uncompressed = "UNCOMPRESSED"
	Gzip         = "GZIP"
	Zip          = "ZIP"
	Snappy       = "Snappy"
	HadoopSnappy = "HADOOP_SNAPPY"
	// Zstd is not a Firehose format (Valid rejects it): Kinesis channels
	// offer it for their S3 objects.
	Zstd = "ZSTD"
)

// Options tune a writer. The zero value is the fast default.
type Options struct {
	// Level is the compression level: 0 means the format's default
	// (GZIP and ZIP: deflate level 2, which in klauspost/compress is as
	// fast as level 1 on JSON and compresses 3% better, and several times
	// faster than level 6, so GZIP delivery keeps up with ingest; Snappy:
	// the fast encoder). For GZIP and ZIP 1–9 are deflate levels and -2 is
	// Huffman-only; for the Snappy formats 2–9 select slower encoders with
	// better ratios.
	Level int
	// Concurrency is how many GZIP blocks are compressed in parallel: 0
	// means GOMAXPROCS, 1 a single goroutine. Other formats ignore it.
	Concurrency int
	// ZipEntryName names the one entry of a ZIP archive; "" gives a random
	// UUID, as Firehose does (its entry name is unrelated to the key).
	ZipEntryName string
}

// Valid reports whether format is a CompressionFormat this package
// implements. Names are case-sensitive, as in the Firehose API ("SNAPPY"
// is not "Snappy").
func Valid(format string) bool {
	switch format {
	case Uncompressed, Gzip, Zip, Snappy, HadoopSnappy:
		return true
	}
	return false
}

// NewWriter wraps w so that bytes written are compressed in format; Close
// flushes (does not close w). Call Close even after a failed Write: the
// parallel GZIP writer's goroutines end only then.
func NewWriter(w io.Writer, format string, opts Options) (io.WriteCloser, error) {
	switch format {
	case Uncompressed:
		return nopWriteCloser{w}, nil
	case Gzip:
		return newGzipWriter(w, opts)
	case Zip:
		return newZipWriter(w, opts)
	case Snappy:
		return newSnappyWriter(w, opts, xerialFraming), nil
	case HadoopSnappy:
		return newSnappyWriter(w, opts, hadoopFraming), nil
	case Zstd:
		return newZstdWriter(w, opts)
	}
	return nil, fmt.Errorf("compress: unknown format %q", format)
}

// NewReader returns the decompressed bytes of r, which holds one object in
// format. Closing the reader does not close r. Corrupt input gives an
// error from Read (or from NewReader, for GZIP and ZIP headers).
func NewReader(r io.Reader, format string) (io.ReadCloser, error) {
	switch format {
	case Uncompressed:
		return io.NopCloser(r), nil
	case Gzip:
		return newGzipReader(r)
	case Zip:
		return newZipReader(r)
	case Snappy:
		return newSnappyReader(r), nil
	case HadoopSnappy:
		return newHadoopReader(r), nil
	case Zstd:
		return newZstdReader(r)
	}
	return nil, fmt.Errorf("compress: unknown format %q", format)
}

// ContentEncoding is the Content-Encoding Firehose sets on objects in
// format ("" for none); it is what tells the two Snappy formats apart
// (same source as Extension).
func ContentEncoding(format string) string {
	switch format {
	case Gzip:
		return "gzip"
	case Zip:
		return "zip"
	case Snappy:
		return "snappy-java"
	case HadoopSnappy:
		return "hadoop-snappy"
	case Zstd:
		return "zstd"
	}
	return ""
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
