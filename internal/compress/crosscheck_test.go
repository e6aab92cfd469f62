package compress

import (
	"archive/zip"
	"bytes"
	stdgzip "compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// GZIP output, parallel or not, is one valid gzip stream for the standard
// library and for gzip(1).
func TestGzipStdlibAndTool(t *testing.T) {
	in := accessLog(5<<20, 11)
	for _, opts := range []Options{{}, {Concurrency: 1}, {Concurrency: 4, Level: 5}} {
		out := compressAll(t, Gzip, opts, in, 2)
		zr, err := stdgzip.NewReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false) // one member: no concatenated streams
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%+v: stdlib read %d bytes, err %v", opts, len(got), err)
		}
		if _, err := exec.LookPath("gzip"); err != nil {
			continue
		}
		cmd := exec.Command("gzip", "-dc")
		cmd.Stdin = bytes.NewReader(out)
		got, err = cmd.Output()
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("%+v: gzip -dc gave %d bytes, err %v", opts, len(got), err)
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// ZIP output is one archive with one deflated entry, readable by the
// standard library and unzip(1); the entry is named as asked, or with a
// random UUID as Firehose names it.
func TestZipStdlibAndTool(t *testing.T) {
	in := accessLog(1<<20, 12)
	for _, name := range []string{"", "stream-1-2026-11-22-05-00-00-abc"} {
		out := compressAll(t, Zip, Options{ZipEntryName: name}, in, 3)
		zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 1 {
			t.Fatalf("%d entries, want 1", len(zr.File))
		}
		f := zr.File[0]
		if name == "" && !uuidRE.MatchString(f.Name) || name != "" && f.Name != name {
			t.Errorf("entry name %q (asked %q)", f.Name, name)
		}
		if f.Method != zip.Deflate {
			t.Errorf("method %d, want deflate", f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("stdlib read %d bytes, err %v", len(got), err)
		}
		if _, err := exec.LookPath("unzip"); err != nil {
			continue
		}
		path := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(path, out, 0o644)
		got, err = exec.Command("unzip", "-p", path).Output()
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("unzip -p gave %d bytes, err %v", len(got), err)
		}
		// The reader takes files without buffering them.
		fh, _ := os.Open(path)
		r, err := NewReader(fh, Zip)
		if err != nil {
			t.Fatal(err)
		}
		got, err = io.ReadAll(r)
		fh.Close()
		if err != nil || !bytes.Equal(got, in) {
			t.Fatalf("file read %d bytes, err %v", len(got), err)
		}
	}
}

// Hand-made reference objects: "abc" and "hello" as literal-only Snappy
// blocks (varint length, literal tag (len-1)<<2, bytes) in each container.
var (
	rawABC   = []byte{0x03, 0x08, 'a', 'b', 'c'}
	rawHello = []byte{0x05, 0x10, 'h', 'e', 'l', 'l', 'o'}
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func be32(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func TestSnappyReferenceFrames(t *testing.T) {
	header := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1}
	for _, tc := range []struct {
		name, format string
		obj          []byte
		want         string
	}{
		{"xerial", Snappy, cat(header, be32(5), rawABC), "abc"},
		{"xerial two blocks", Snappy, cat(header, be32(5), rawABC, be32(7), rawHello), "abchello"},
		{"xerial header only", Snappy, header, ""},
		{"xerial concatenated", Snappy, cat(header, be32(5), rawABC, header, be32(7), rawHello), "abchello"},
		{"xerial newer version", Snappy, cat(header[:8], be32(2), be32(1), be32(5), rawABC), "abc"},
		{"framing format", Snappy, cat([]byte{0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y'},
			[]byte{0x01, 7, 0, 0}, maskedCRC("abc"), []byte("abc")), "abc"},
		{"empty", Snappy, nil, ""},
		{"hadoop", HadoopSnappy, cat(be32(3), be32(5), rawABC), "abc"},
		{"hadoop two blocks", HadoopSnappy, cat(be32(3), be32(5), rawABC, be32(5), be32(7), rawHello), "abchello"},
		{"hadoop two chunks in a block", HadoopSnappy, cat(be32(8), be32(5), rawABC, be32(7), rawHello), "abchello"},
		// Hadoop's own writer gives a zero-length block and an empty chunk
		// for empty input; its reader stops at a zero length.
		{"hadoop empty by Hadoop", HadoopSnappy, cat(be32(0), be32(1), []byte{0}), ""},
		{"hadoop zero length ends", HadoopSnappy, cat(be32(3), be32(5), rawABC, be32(0), be32(3), be32(5), rawABC), "abc"},
		{"hadoop empty", HadoopSnappy, nil, ""},
	} {
		got, err := decompressAll(tc.format, tc.obj)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name, format string
		obj          []byte
	}{
		{"xerial no header", Snappy, cat(be32(5), rawABC)},
		{"xerial bad magic", Snappy, cat([]byte{0x82, 'X', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}, be32(5), rawABC)},
		{"xerial future compat version", Snappy, cat(header[:8], be32(2), be32(2), be32(5), rawABC)},
		{"xerial short header", Snappy, header[:10]},
		{"xerial huge chunk", Snappy, cat(header, be32(1<<30), rawABC)},
		{"xerial chunk overruns", Snappy, cat(header, be32(9), rawABC)},
		{"xerial bad block", Snappy, cat(header, be32(5), []byte{0x05, 0x08, 'a', 'b', 'c'})},
		{"hadoop block longer than chunks", HadoopSnappy, cat(be32(4), be32(5), rawABC)},
		{"hadoop chunk longer than block", HadoopSnappy, cat(be32(2), be32(5), rawABC)},
		{"hadoop huge block", HadoopSnappy, cat(be32(1<<30), be32(5), rawABC)},
		{"hadoop cut length", HadoopSnappy, []byte{0, 0}},
	} {
		if got, err := decompressAll(tc.format, tc.obj); err == nil {
			t.Errorf("%s: read %q without error", tc.name, got)
		}
	}
}

// maskedCRC is the framing format's checksum of data.
func maskedCRC(data string) []byte {
	c := crc32c([]byte(data))
	return binary.LittleEndian.AppendUint32(nil, (c>>15|c<<17)+0xa282ead8)
}

// The writers produce exactly the containers described, with 32 KiB blocks
// of raw Snappy that any Snappy decoder takes.
func TestSnappyWriterLayout(t *testing.T) {
	in := accessLog(100<<10, 13)[:100<<10] // 3 full blocks and 4 KiB
	wantBlocks := []int{32 << 10, 32 << 10, 32 << 10, 4 << 10}

	x := compressAll(t, Snappy, Options{}, in, 4)
	if !bytes.HasPrefix(x, []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}) {
		t.Fatalf("snappy-java header % x", x[:16])
	}
	checkBlocks(t, "Snappy", x[16:], in, wantBlocks, false)
	h := compressAll(t, HadoopSnappy, Options{}, in, 4)
	checkBlocks(t, "HADOOP_SNAPPY", h, in, wantBlocks, true)

	if e := compressAll(t, Snappy, Options{}, nil, 1); len(e) != 16 {
		t.Errorf("empty Snappy object is %d bytes, want the 16-byte header", len(e))
	}
	if e := compressAll(t, HadoopSnappy, Options{}, nil, 1); len(e) != 0 {
		t.Errorf("empty HADOOP_SNAPPY object is %d bytes, want 0", len(e))
	}
}

func checkBlocks(t *testing.T, name string, obj, in []byte, want []int, hadoop bool) {
	t.Helper()
	var got []int
	off := 0
	for len(obj) > 0 {
		if hadoop {
			n := int(binary.BigEndian.Uint32(obj))
			obj = obj[4:]
			got = append(got, n)
		}
		clen := int(binary.BigEndian.Uint32(obj))
		block, err := snappy.Decode(nil, obj[4:4+clen])
		if err != nil {
			t.Fatalf("%s: block %d: %v", name, len(got), err)
		}
		if s2d, err := s2.Decode(nil, obj[4:4+clen]); err != nil || !bytes.Equal(s2d, block) {
			t.Fatalf("%s: block %d differs between decoders", name, len(got))
		}
		if !hadoop {
			got = append(got, len(block))
		}
		if hadoop && got[len(got)-1] != len(block) {
			t.Fatalf("%s: block says %d bytes, holds %d", name, got[len(got)-1], len(block))
		}
		if !bytes.Equal(block, in[off:off+len(block)]) {
			t.Fatalf("%s: block %d content differs", name, len(got))
		}
		off += len(block)
		obj = obj[4+clen:]
	}
	if off != len(in) || len(got) != len(want) {
		t.Fatalf("%s: blocks %v, want %v", name, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: blocks %v, want %v", name, got, want)
		}
	}
}

// The Snappy reader takes the official framing format as other tools
// write it.
func TestSnappyReadsFramingFormat(t *testing.T) {
	in := accessLog(300<<10, 14)
	var buf bytes.Buffer
	w := snappy.NewBufferedWriter(&buf)
	w.Write(in)
	w.Close()
	got, err := decompressAll(Snappy, buf.Bytes())
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
}

// Archives from other tools may hold several entries and directories: the
// reader returns the files' contents in archive order.
func TestZipReaderSeveralEntries(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct{ name, body string }{{"dir/", ""}, {"dir/a", "first,"}, {"empty", ""}, {"b", "second"}} {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	got, err := decompressAll(Zip, buf.Bytes())
	if err != nil || string(got) != "first,second" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := decompressAll(Zip, []byte("PK not really")); err == nil {
		t.Fatal("garbage read as a ZIP")
	}
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
