package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestUnstorableKeyGoesToErrorOutput checks that a record whose partition
// value makes a key the local lake cannot hold (a path segment longer than
// a file name, an empty segment) goes to the error output instead of
// failing its batch forever, and that the other records of the batch are
// delivered.
func TestUnstorableKeyGoesToErrorOutput(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 50*time.Millisecond)
	spec.Dest.Prefix = "!{partitionKeyFromQuery:region}/x/"
	spec.Dest.ErrorOutputPrefix = "err/!{firehose:error-output-type}/"
	spec.Dest.Partitioning = &Partitioning{Query: "{region: .region}"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	long := `{"region":"` + strings.Repeat("z", 300) + `"}`
	recs := [][]byte{[]byte(long), []byte(`{"region":"eu"}`), []byte(`{"region":""}`)}
	if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the batch", func() bool {
		return len(listObjects(t, e.store, "lake", "eu/", "")) == 1 && len(listObjects(t, e.store, "lake", "err/", "")) == 1
	})
	// The counters move when the batch's attempt returns, just after its
	// objects are written.
	waitFor(t, 5*time.Second, "the status of the batch", func() bool {
		st, _ := e.m.Status("b")
		return st.FailedRecords == 2 && st.Records == 1
	})
	if st, _ := e.m.Status("b"); st.Attempts != 0 || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}
	errs := listObjects(t, e.store, "lake", "err/processing-failed/", "")
	if len(errs) != 1 {
		t.Fatalf("error objects %+v", errs)
	}
	var raws []string
	for _, line := range strings.Split(strings.TrimSpace(string(errs[0].Data)), "\n") {
		var r errorRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.ErrorCode != codeMetadataExtraction || !strings.Contains(r.ErrorMessage, "cannot store") {
			t.Fatalf("error record %+v", r)
		}
		raws = append(raws, string(r.RawData))
	}
	if len(raws) != 2 || raws[0] != long || raws[1] != `{"region":""}` {
		t.Fatalf("error output holds %q", raws)
	}
}

// TestCreateRefusesPrefixTheStoreCannotHold checks that Create and Update
// refuse a Prefix or ErrorOutputPrefix whose every key the local lake
// would refuse (AWS accepts them on S3; the local lake maps keys to
// paths), instead of accepting a stream whose batches fail forever.
func TestCreateRefusesPrefixTheStoreCannotHold(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	for _, tc := range []struct{ prefix, errPrefix string }{
		{prefix: "a//"},
		{prefix: "/a/"},
		{prefix: "a/../b/"},
		{prefix: "logs/", errPrefix: "e//!{firehose:error-output-type}/"},
	} {
		spec := directSpec(1<<20, time.Second)
		spec.Dest.Prefix, spec.Dest.ErrorOutputPrefix = tc.prefix, tc.errPrefix
		if _, err := e.m.Create(ctx, "s", spec, nil); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "cannot store") {
			t.Errorf("Create with %+v: %v, want ErrUnsupported", tc, err)
		}
	}
	if _, err := e.m.Create(ctx, "s", directSpec(1<<20, time.Second), nil); err != nil {
		t.Fatal(err)
	}
	_, err := e.m.Update(ctx, "s", func(d *Definition) error { d.Spec.Dest.Prefix = "x//"; return nil })
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Update to an unstorable prefix: %v", err)
	}
	if d, _ := e.m.Get("s"); d.Spec.Dest.Prefix != "" {
		t.Fatalf("refused update changed the prefix to %q", d.Spec.Dest.Prefix)
	}
}

// A Prefix the local lake cannot store is refused with a message that
// names the bucket, not the server's lake directory.
func TestUnstorablePrefixMessageHidesPaths(t *testing.T) {
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, time.Second)
	spec.Dest.Prefix = "a/../b/"
	_, err := e.m.Create(context.Background(), "s", spec, nil)
	if err == nil {
		t.Fatal("created")
	}
	msg := err.Error()
	for _, leak := range []string{e.dir, "/lake", "lake:"} {
		if strings.Contains(msg, leak) {
			t.Errorf("message %q reveals %q", msg, leak)
		}
	}
	if want := `Prefix "a/../b/" gives object keys that bucket "lake" cannot store: ".." path segment`; !strings.Contains(msg, want) {
		t.Errorf("message %q, want it to contain %q", msg, want)
	}
}
