package compress

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

var allFormats = []string{Uncompressed, Gzip, Zip, Snappy, HadoopSnappy, Zstd}

// compressAll writes data through a writer of format in chunks of random
// sizes (seeded), as delivery writes records, and returns the output.
func compressAll(t testing.TB, format string, opts Options, data []byte, seed uint64) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, format, opts)
	if err != nil {
		t.Fatalf("NewWriter(%s): %v", format, err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+r.IntN(70000))
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatalf("%s Write: %v", format, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s Close: %v", format, err)
	}
	return out.Bytes()
}

func decompressAll(format string, data []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(data), format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func TestRoundTrip(t *testing.T) {
	random := make([]byte, 3<<20)
	rr := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(rr.Uint32())
	}
	inputs := map[string][]byte{
		"empty":      nil,
		"one byte":   []byte("x"),
		"one record": []byte(`{"a":1}`),
		"block":      accessLog(snappyBlockSize, 1)[:snappyBlockSize],
		"block+1":    accessLog(snappyBlockSize+1, 1)[:snappyBlockSize+1],
		"10 MiB":     accessLog(10<<20, 2)[:10<<20],
		"random":     random,
		"zeros":      make([]byte, 5<<20),
	}
	optsList := []Options{{}, {Level: 6}, {Concurrency: 1}, {Level: 9, ZipEntryName: "data.json"}}
	for _, format := range allFormats {
		for name, in := range inputs {
			for i, opts := range optsList {
				if i > 0 && len(in) > 4<<20 && format != Gzip {
					continue // levels matter little elsewhere; keep the test fast
				}
				out := compressAll(t, format, opts, in, uint64(len(in)))
				got, err := decompressAll(format, out)
				if err != nil {
					t.Fatalf("%s %s %+v: read: %v", format, name, opts, err)
				}
				if !bytes.Equal(got, in) {
					t.Fatalf("%s %s %+v: read %d bytes, wrote %d", format, name, opts, len(got), len(in))
				}
				if format != Uncompressed && name == "10 MiB" && len(out) > len(in)/3 {
					t.Errorf("%s %+v: 10 MiB of JSON compressed only to %d bytes", format, opts, len(out))
				}
			}
		}
	}
}

// A reader must not pass off a cut object as complete.
func TestTruncated(t *testing.T) {
	in := accessLog(200<<10, 5)
	for _, format := range allFormats[1:] {
		out := compressAll(t, format, Options{}, in, 1)
		for _, cut := range []int{len(out) - 1, len(out) - 5, len(out) / 2, 20, 3} {
			got, err := decompressAll(format, out[:cut])
			if err == nil {
				t.Errorf("%s cut to %d of %d bytes: read %d bytes without error", format, cut, len(out), len(got))
			}
		}
	}
}

// Every byte flipped in a small stream either fails or decodes; none
// panics or hangs (the fuzz test explores further).
func TestCorruptNoPanic(t *testing.T) {
	in := []byte(strings.Repeat(`{"k":"value"}`, 50))
	for _, format := range allFormats[1:] {
		out := compressAll(t, format, Options{}, in, 1)
		for i := range out {
			c := bytes.Clone(out)
			c[i] ^= 0x5a
			decompressAll(format, c)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	for _, f := range []string{"", "gzip", "SNAPPY", "snappy", "Zip", "zstd", "hadoop_snappy"} {
		if Valid(f) {
			t.Errorf("Valid(%q) = true", f)
		}
		if _, err := NewWriter(io.Discard, f, Options{}); err == nil {
			t.Errorf("NewWriter(%q): no error", f)
		}
		if _, err := NewReader(strings.NewReader(""), f); err == nil {
			t.Errorf("NewReader(%q): no error", f)
		}
	}
	for _, f := range allFormats {
		if Valid(f) != (f != Zstd) {
			t.Errorf("Valid(%q) = %v: ZSTD is not a Firehose format, the others are", f, Valid(f))
		}
	}
}

func TestExtensionAndEncoding(t *testing.T) {
	for _, tc := range []struct{ format, ext, enc string }{
		{Uncompressed, "", ""},
		{Gzip, ".gz", "gzip"},
		{Zip, ".zip", "zip"},
		{Snappy, ".snappy", "snappy-java"},
		{HadoopSnappy, ".snappy", "hadoop-snappy"},
		{"bogus", "", ""},
	} {
		if got := ContentEncoding(tc.format); got != tc.enc {
			t.Errorf("ContentEncoding(%s) = %q, want %q", tc.format, got, tc.enc)
		}
	}
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

// A failing destination surfaces as an error from Write or Close.
func TestWriterErrors(t *testing.T) {
	in := accessLog(3<<20, 9)
	for _, format := range allFormats {
		w, err := NewWriter(&failWriter{after: 1}, format, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, werr := w.Write(in[:len(in)/2])
		if werr == nil {
			_, werr = w.Write(in[len(in)/2:])
		}
		cerr := w.Close()
		if werr == nil && cerr == nil {
			t.Errorf("%s: no error writing to a failing writer", format)
		}
	}
	if _, err := NewWriter(io.Discard, Zip, Options{Level: 42}); err == nil {
		t.Error("zip level 42 accepted")
	}
	if _, err := NewWriter(io.Discard, Gzip, Options{Level: 42}); err == nil {
		t.Error("gzip level 42 accepted")
	}
}
