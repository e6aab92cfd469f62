package pgwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// errReader fails after its data, as a client whose file read fails does.
type errReader struct{ data io.Reader }

func (r errReader) Read(p []byte) (int, error) {
	n, err := r.data.Read(p)
	if errors.Is(err, io.EOF) {
		return n, errors.New("disk on fire")
	}
	return n, err
}

// TestCopyWithPgx runs COPY TO STDOUT and FROM STDIN through pgx's
// CopyTo and CopyFrom (the simple query flow psql and JDBC use too): the
// data arrive whole, in chunks larger than one message; a client that
// aborts (CopyFail) loads nothing and gets 57014; the extended protocol is
// refused with 0A000; the connection stays usable throughout.
func TestCopyWithPgx(t *testing.T) {
	_, fb, addr := startFake(t)
	conn := pgxConnect(t, addr)
	pc := conn.PgConn()
	ctx := context.Background()

	var out bytes.Buffer
	tag, err := pc.CopyTo(ctx, &out, "copyout 20000")
	if err != nil || tag.String() != "COPY 20000" {
		t.Fatalf("CopyTo: %v %q", err, tag)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 20000 || lines[0] != "0\tline-0" || lines[19999] != "19999\tline-19999" || out.Len() < 2*copyChunk {
		t.Fatalf("CopyTo data: %d lines, %d bytes", len(lines), out.Len())
	}

	// Rows of a text COPY, rendered as Postgres writes them.
	out.Reset()
	tag, err = pc.CopyTo(ctx, &out, "copytext")
	want := "1\tt\t\\\\x01ab\ttab\\tnl\\nback\\\\slash\n2\tf\t\\N\t\n"
	if err != nil || tag.String() != "COPY 2" || out.String() != want {
		t.Fatalf("CopyTo of rows: %v %q\n got %q\nwant %q", err, tag, out.String(), want)
	}

	data := strings.Repeat("a\tb\n", 50000)
	tag, err = pc.CopyFrom(ctx, strings.NewReader(data), "copyin")
	if err != nil || tag.String() != "COPY 50000" {
		t.Fatalf("CopyFrom: %v %q", err, tag)
	}
	_, err = pc.CopyFrom(ctx, errReader{strings.NewReader("x\n")}, "copyin")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || !strings.Contains(pe.Message, "COPY from stdin failed") {
		t.Fatalf("aborted CopyFrom: %v", err)
	}
	fb.mu.Lock()
	copied := fb.copied
	fb.mu.Unlock()
	if len(copied) != 1 || copied[0] != data {
		t.Fatalf("loads: %d, first %d bytes; want only the complete one", len(copied), len(copied[0]))
	}

	// Parse/Bind/Execute: refused, and the connection goes on.
	for _, q := range []string{"copyout 1", "copytext"} {
		rr := pc.ExecParams(ctx, q, nil, nil, nil, nil).Read()
		if !errors.As(rr.Err, &pe) || pe.Code != "0A000" {
			t.Fatalf("COPY in the extended protocol (%s): %v", q, rr.Err)
		}
	}
	var n int64
	var v string
	if err := conn.QueryRow(ctx, "rows 1").Scan(&n, &v); err != nil {
		t.Fatalf("query after the COPYs: %v", err)
	}
}

// TestBinaryCopyToCSV decodes a binary COPY stream as pgx writes it (NULLs,
// quotes, bytes, booleans) and refuses malformed ones with 22P04.
func TestBinaryCopyToCSV(t *testing.T) {
	oids := []uint32{OIDInt4, OIDText, OIDBool, OIDBytea}
	stream := func(rows ...[][]byte) []byte {
		b := append([]byte(nil), binaryCopySignature...)
		b = binary.BigEndian.AppendUint32(b, 0)
		b = binary.BigEndian.AppendUint32(b, 0)
		for _, r := range rows {
			b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
			for _, f := range r {
				if f == nil {
					b = binary.BigEndian.AppendUint32(b, 0xffffffff)
					continue
				}
				b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
				b = append(b, f...)
			}
		}
		return binary.BigEndian.AppendUint16(b, 0xffff)
	}
	row := [][]byte{binary.BigEndian.AppendUint32(nil, 7), []byte(`say "hi"` + "\t"), {1}, {0x00, 0xab}}
	var out bytes.Buffer
	if err := binaryCopyToCSV(&out, bytes.NewReader(stream(row, [][]byte{nil, nil, nil, nil})), oids); err != nil {
		t.Fatal(err)
	}
	want := `"7"` + "\t" + `"say ""hi""` + "\t\"\t" + `"true"` + "\t" + `"\x00\xAB"` + "\n" + `\N` + "\t" + `\N` + "\t" + `\N` + "\t" + `\N` + "\n"
	if out.String() != want {
		t.Fatalf("csv:\n got %q\nwant %q", out.String(), want)
	}
	// An int4[] column (pgx's CopyFrom of a []int32) loads as a DuckDB list literal.
	out.Reset()
	arr := hexBytes(t, "00000001 00000001 00000017 00000002 00000001 00000004 00000001 ffffffff")
	if err := binaryCopyToCSV(&out, bytes.NewReader(stream([][]byte{arr})), []uint32{OIDInt4Array}); err != nil ||
		out.String() != `"[""1"", NULL]"`+"\n" {
		t.Errorf("int4[] csv %q, %v", out.String(), err)
	}
	for name, bad := range map[string][]byte{
		"signature":   []byte("PGCOPY\nnope-----------"),
		"field count": stream([][]byte{{1}}),
		"short int4":  stream([][]byte{{1, 2}, nil, nil, nil}),
		"truncated":   stream(row)[:30],
	} {
		err := binaryCopyToCSV(io.Discard, bytes.NewReader(bad), oids)
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != "22P04" {
			t.Errorf("%s: %v, want 22P04", name, err)
		}
	}
}

// FuzzBinaryCopy: any bytes as a binary COPY stream end in CSV or a
// 22P04 error, never a panic or a hang.
func FuzzBinaryCopy(f *testing.F) {
	f.Add(append(append([]byte(nil), binaryCopySignature...), 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 'x', 0xff, 0xff))
	f.Add([]byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x7f\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeParam(OIDInt4Array, 1, data, nil)
		_, _ = decodeParam(OIDTextArray, 0, data, nil)
		err := binaryCopyToCSV(io.Discard, bytes.NewReader(data), []uint32{OIDText})
		var pe *Error
		if err != nil && (!errors.As(err, &pe) || pe.Code != "22P04") {
			t.Fatalf("error %v is not 22P04", err)
		}
	})
}

// appendCSVField quotes as Postgres's CSV output does.
func TestAppendCSVField(t *testing.T) {
	def := &CopyCSV{Delimiter: ',', Quote: '"', Escape: '"'}
	esc := &CopyCSV{Delimiter: '|', Quote: '\'', Escape: '\\', Null: "NA"}
	for _, tc := range []struct {
		csv           *CopyCSV
		v             string
		force, single bool
		want          string
	}{
		{def, "plain", false, false, "plain"},
		{def, "", false, false, `""`},
		{def, "a,b", false, false, `"a,b"`},
		{def, `say "hi"`, false, false, `"say ""hi"""`},
		{def, "two\nlines", false, false, "\"two\nlines\""},
		{def, "tab\there", false, false, "tab\there"},
		{def, "x", true, false, `"x"`},
		{def, `\.`, false, true, `"\."`},
		{def, `\.`, false, false, `\.`},
		{esc, "NA", false, false, "'NA'"},
		{esc, "a|b", false, false, "'a|b'"},
		{esc, `it's \ ok`, false, false, `'it\'s \\ ok'`},
		{esc, "", false, false, ""},
	} {
		if got := string(appendCSVField(nil, []byte(tc.v), tc.csv, tc.force, tc.single)); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.v, got, tc.want)
		}
	}
}
