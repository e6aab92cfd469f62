package delivery

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestRecordFormatJSON: with RecordFormatJSON, records that are not JSON
// go to the error output, and a multi-line JSON record is written
// compacted, so objects keep one record per line.
func TestRecordFormatJSON(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 50*time.Millisecond)
	spec.Dest.Prefix = "ok/"
	spec.Dest.ErrorOutputPrefix = "err/!{firehose:error-output-type}/"
	spec.Dest.AppendDelimiter = true
	spec.Dest.RecordFormat = RecordFormatJSON
	if _, err := e.m.Create(ctx, "j", spec, nil); err != nil {
		t.Fatal(err)
	}
	recs := [][]byte{
		[]byte("{\n  \"a\": 1,\n  \"b\": [1, 2]\n}"),
		[]byte(`not json`),
		[]byte(`{"c":"x"}`),
		[]byte(`{"unterminated":`),
	}
	if _, _, err := e.m.Put(ctx, "j", recs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "objects", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 2 })
	ok := listObjects(t, e.store, "lake", "ok/", "")
	if len(ok) != 1 || string(ok[0].Data) != "{\"a\":1,\"b\":[1,2]}\n{\"c\":\"x\"}\n" {
		t.Fatalf("delivered %q", ok[0].Data)
	}
	errs := listObjects(t, e.store, "lake", "err/processing-failed/", "")
	if len(errs) != 1 {
		t.Fatalf("error objects %+v", errs)
	}
	lines := strings.Split(strings.TrimSuffix(string(errs[0].Data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("error lines %q", lines)
	}
	var er struct {
		ErrorCode string `json:"errorCode"`
		RawData   []byte `json:"rawData"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &er); err != nil {
		t.Fatal(err)
	}
	if er.ErrorCode != codeInvalidJSON || string(er.RawData) != "not json" {
		t.Fatalf("error record %+v", er)
	}
}

// TestRecordFormatString: STRING records must be UTF-8.
func TestRecordFormatString(t *testing.T) {
	valid, fails := checkFormat(RecordFormatString, []userRecord{{data: []byte("héllo")}, {data: []byte{0xff, 0xfe}}})
	if len(valid) != 1 || string(valid[0].data) != "héllo" || len(fails) != 1 || fails[0].code != codeInvalidString {
		t.Fatalf("valid %v fails %v", valid, fails)
	}
	all := []userRecord{{data: []byte{0xff}}}
	if v, f := checkFormat("", all); len(v) != 1 || f != nil {
		t.Fatal("no format must pass everything through")
	}
}
