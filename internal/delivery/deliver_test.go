package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/compress"
	"github.com/rheo-dev/rheo/internal/kpl"
	"github.com/rheo-dev/rheo/internal/lake"
)

// defaultKey matches Firehose's default key layout for stream "b"
// version 1: YYYY/MM/dd/HH/b-1-YYYY-MM-dd-HH-MM-SS-<random>.
var defaultKey = regexp.MustCompile(`^(\d{4})/(\d{2})/(\d{2})/(\d{2})/b-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f-]+$`)

func TestPutDeliversWithDefaultKey(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC()
	recs := [][]byte{[]byte(`{"a":1}`), []byte(`{"a":2}`), []byte(`xyz`)}
	if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
		t.Fatal(err)
	}
	var objs []object
	waitFor(t, 5*time.Second, "object", func() bool {
		objs = listObjects(t, e.store, "lake", "", "")
		return len(objs) > 0
	})
	if len(objs) != 1 {
		t.Fatalf("got %d objects", len(objs))
	}
	m := defaultKey.FindStringSubmatch(objs[0].Key)
	if m == nil {
		t.Fatalf("key %q does not match the default layout", objs[0].Key)
	}
	if m[1] != m[5] || m[2] != m[6] || m[3] != m[7] || m[4] != m[8] {
		t.Fatalf("key %q: prefix and name times differ", objs[0].Key)
	}
	if want := before.Format("2006/01/02/"); !strings.HasPrefix(objs[0].Key, want) {
		t.Fatalf("key %q, want prefix %q (UTC arrival)", objs[0].Key, want)
	}
	if got, want := string(objs[0].Data), `{"a":1}{"a":2}xyz`; got != want {
		t.Fatalf("content %q, want %q (concatenated as sent)", got, want)
	}
	waitFor(t, time.Second, "status", func() bool {
		st, _ := e.m.Status("b")
		return st.Records == 3 && st.Objects == 1 && st.Backlog == 0
	})
	st, _ := e.m.Status("b")
	if st.Bytes != int64(len(`{"a":1}{"a":2}xyz`)) || st.LastSuccess.IsZero() || st.Attempts != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestSizeTrigger(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	if _, err := e.m.Create(ctx, "b", directSpec(1000, time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	rec := bytes.Repeat([]byte("x"), 300)
	for i := 0; i < 9; i++ { // 2700 bytes: two batches of 1200, 300 left
		if _, _, err := e.m.Put(ctx, "b", [][]byte{rec}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, "two objects", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 2 })
	time.Sleep(200 * time.Millisecond)
	objs := listObjects(t, e.store, "lake", "", "")
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2 (the rest waits for the interval)", len(objs))
	}
	for _, o := range objs {
		if len(o.Data) != 1200 {
			t.Fatalf("object of %d bytes, want 1200", len(o.Data))
		}
	}
	st, _ := e.m.Status("b")
	if st.Backlog != 1 {
		t.Fatalf("backlog %d, want 1", st.Backlog)
	}
	if st.Incoming != 9 || st.IncomingBytes != 2700 {
		t.Fatalf("incoming %d records, %d bytes; want 9, 2700", st.Incoming, st.IncomingBytes)
	}
	if st.OldestPending.IsZero() {
		t.Fatal("no OldestPending with a backlog")
	}
}

func TestIntervalTrigger(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 200*time.Millisecond), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("a")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("b")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "object", func() bool { return len(listObjects(t, e.store, "lake", "", "")) > 0 })
	if el := time.Since(start); el < 190*time.Millisecond {
		t.Fatalf("delivered after %v, before the 200ms interval", el)
	}
	// Normally one object "ab"; a stalled machine may split it in two.
	waitFor(t, 3*time.Second, "both records", func() bool {
		got := string(concat(listObjects(t, e.store, "lake", "", "")))
		return got == "ab" || got == "ba"
	})
}

func TestCompressionRoundTrip(t *testing.T) {
	for _, format := range []string{compress.Uncompressed, compress.Gzip, compress.Zip, compress.Snappy, compress.HadoopSnappy} {
		t.Run(format, func(t *testing.T) {
			ctx := context.Background()
			e := newLakeEnv(t, "", nil)
			spec := directSpec(1<<20, 0)
			spec.Dest.Compression = format
			spec.Dest.AppendDelimiter = true
			if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			var recs [][]byte
			for i := 0; i < 500; i++ {
				r := []byte(fmt.Sprintf(`{"i":%d,"path":"/index.html","status":200}`, i))
				recs = append(recs, r)
				want.Write(r)
				want.WriteByte('\n')
			}
			if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
				t.Fatal(err)
			}
			var objs []object
			waitFor(t, 5*time.Second, "object", func() bool {
				objs = listObjects(t, e.store, "lake", "", format)
				return len(objs) > 0
			})
			if !bytes.Equal(concat(objs), want.Bytes()) {
				t.Fatalf("round trip differs: got %d bytes, want %d", len(concat(objs)), want.Len())
			}
			ext := map[string]string{compress.Gzip: ".gz", compress.Zip: ".zip", compress.Snappy: ".snappy", compress.HadoopSnappy: ".hsnappy"}[format]
			if !strings.HasSuffix(objs[0].Key, ext) || (ext == "" && strings.Contains(objs[0].Key[strings.LastIndex(objs[0].Key, "/"):], ".")) {
				t.Fatalf("key %q, want extension %q", objs[0].Key, ext)
			}
		})
	}
}

func TestDynamicPartitioning(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 100*time.Millisecond)
	spec.Dest.Prefix = "region=!{partitionKeyFromQuery:region}/"
	spec.Dest.ErrorOutputPrefix = "err/!{firehose:error-output-type}/"
	spec.Dest.Partitioning = &Partitioning{Query: "{region: .region}"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	recs := [][]byte{
		[]byte(`{"region":"eu","n":1}`),
		[]byte(`{"region":"us","n":2}`),
		[]byte(`{"n":3}`),
		[]byte(`{"region":"eu","n":4}`),
		[]byte(`not json`),
	}
	if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "objects", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 3 })
	eu := listObjects(t, e.store, "lake", "region=eu/", "")
	us := listObjects(t, e.store, "lake", "region=us/", "")
	errs := listObjects(t, e.store, "lake", "err/processing-failed/", "")
	if len(eu) != 1 || string(eu[0].Data) != `{"region":"eu","n":1}{"region":"eu","n":4}` {
		t.Fatalf("eu objects %+v", eu)
	}
	if len(us) != 1 || string(us[0].Data) != `{"region":"us","n":2}` {
		t.Fatalf("us objects %+v", us)
	}
	if len(errs) != 1 {
		t.Fatalf("error objects %+v", errs)
	}
	lines := strings.Split(strings.TrimSuffix(string(errs[0].Data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("error lines %q", lines)
	}
	var er struct {
		AttemptsMade     int    `json:"attemptsMade"`
		ArrivalTimestamp int64  `json:"arrivalTimestamp"`
		ErrorCode        string `json:"errorCode"`
		ErrorMessage     string `json:"errorMessage"`
		RawData          []byte `json:"rawData"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &er); err != nil {
		t.Fatal(err)
	}
	if string(er.RawData) != `{"n":3}` || er.ErrorCode != codeMetadataExtraction || er.ErrorMessage == "" || er.AttemptsMade != 1 || er.ArrivalTimestamp == 0 {
		t.Fatalf("error record %+v", er)
	}
	waitFor(t, time.Second, "status", func() bool { st, _ := e.m.Status("b"); return st.FailedRecords == 2 && st.Records == 3 })
	if st, _ := e.m.Status("b"); st.Bytes != int64(len(recs[0])+len(recs[1])+len(recs[3])) {
		t.Fatalf("delivered bytes %d, want those of the 3 partitioned records", st.Bytes)
	}
}

func TestConversionFailures(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", func(o *Options) { o.Converter = fakeConverter{} })
	spec := directSpec(1<<20, 0)
	spec.Dest.Prefix = "data/"
	spec.Dest.ErrorOutputPrefix = "errors/!{firehose:error-output-type}/"
	spec.Dest.Conversion = &Conversion{Database: "db", Table: "t", Serializer: "parquet"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	bad := spec
	bad.Dest.Conversion = &Conversion{Table: "missing"}
	if _, err := e.m.Create(ctx, "c", bad, nil); err == nil {
		t.Fatal("create with a missing schema table succeeded")
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte(`{"ok":1}`), []byte(`{"bad":2}`), []byte(`{"ok":3}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "objects", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 2 })
	data := listObjects(t, e.store, "lake", "data/", "")
	if len(data) != 1 || string(data[0].Data) != "{\"ok\":1}\n{\"ok\":3}\n" || !strings.HasSuffix(data[0].Key, ".parquet") {
		t.Fatalf("data objects %+v", data)
	}
	errs := listObjects(t, e.store, "lake", "errors/format-conversion-failed/", "")
	if len(errs) != 1 {
		t.Fatalf("error objects %+v", errs)
	}
	var er map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(errs[0].Data), &er); err != nil {
		t.Fatal(err)
	}
	if er["lastErrorCode"] != "DataFormatConversion.MalformedData" || er["rawData"] != "eyJiYWQiOjJ9" {
		t.Fatalf("error record %v", er)
	}
	if tbl, _ := er["dataCatalogTable"].(map[string]any); tbl["tableName"] != "t" || tbl["databaseName"] != "db" {
		t.Fatalf("dataCatalogTable %v", er["dataCatalogTable"])
	}
}

func TestKinesisSource(t *testing.T) {
	ctx := context.Background()
	e, ord := newOrderedEnv(t)
	createKinesisStream(t, e, "src", 2)
	putKinesis(t, e, "src", 0, []byte("before-create|")) // LATEST: not delivered
	spec := directSpec(1<<20, 100*time.Millisecond)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	putKinesis(t, e, "src", 0, []byte("p1|"), []byte("p2|"))
	putKinesis(t, e, "src", 1, []byte("q1|"))
	// Reshard: shard 0 is sealed with a child that gets records after.
	child := splitShard(t, e, "src", 0)
	putKinesis(t, e, "src", child, []byte("c1|"))
	agg := kpl.Aggregate([]kpl.Record{{PartitionKey: "k", Data: []byte("u1|")}, {PartitionKey: "k", Data: []byte("u2|")}})
	putKinesis(t, e, "src", child, agg)
	want := map[string]bool{"p1|": true, "p2|": true, "q1|": true, "c1|": true, "u1|": true, "u2|": true}
	var all string
	waitFor(t, 5*time.Second, "all records", func() bool {
		all = ord.delivered(t, "lake")
		return strings.Count(all, "|") >= len(want)
	})
	if strings.Contains(all, "before-create") {
		t.Fatalf("record put before Create was delivered: %q", all)
	}
	for r := range want {
		if strings.Count(all, r) != 1 {
			t.Fatalf("%q appears %d times in %q", r, strings.Count(all, r), all)
		}
	}
	// Per-key order across the reshard: parent's records before the child's.
	if strings.Index(all, "p2|") > strings.Index(all, "c1|") || strings.Index(all, "c1|") > strings.Index(all, "u1|") || strings.Index(all, "u1|") > strings.Index(all, "u2|") {
		t.Fatalf("order broken: %q", all)
	}
}

func TestKinesisSourceDeleted(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	createKinesisStream(t, e, "src", 1)
	spec := directSpec(1<<20, 0)
	spec.Source, spec.KinesisStream = SourceKinesis, "src"
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.meta.DeleteStream("src"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "LastError", func() bool {
		st, _ := e.m.Status("b")
		return strings.Contains(st.LastError, "not found") && !st.FailingSince.IsZero()
	})
}

func TestDestinationFailureRetries(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fl := &flakyStore{fails: 4}
	e := newLakeEnv(t, dir, func(o *Options) {
		fl.Store = o.Store
		o.Store = fl
		o.RetryMin, o.RetryMax = 50*time.Millisecond, 50*time.Millisecond
	})
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("r1,")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "failure in status", func() bool {
		st, _ := e.m.Status("b")
		return st.Attempts >= 2 && !st.FailingSince.IsZero() && strings.Contains(st.LastError, "injected")
	})
	// Records keep being accepted while the destination fails.
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("r2,")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "recovery", func() bool {
		st, _ := e.m.Status("b")
		return st.Backlog == 0 && st.Attempts == 0 && st.Records == 2
	})
	st, _ := e.m.Status("b")
	if !st.FailingSince.IsZero() || st.LastError != "" {
		t.Fatalf("status after recovery %+v", st)
	}
	all := string(concat(listObjects(t, e.store, "lake", "", "")))
	if strings.Count(all, "r1,") != 1 || strings.Count(all, "r2,") != 1 {
		t.Fatalf("delivered %q: each record exactly once expected", all)
	}
}

func TestUpdateAppliesToNextBatch(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("one")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "first", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 1 })
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error {
		d.Spec.Version = 2
		d.Spec.Dest.Prefix = "v2/"
		d.Spec.Dest.Compression = compress.Gzip
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("two")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "second", func() bool { return len(listObjects(t, e.store, "lake", "v2/", compress.Gzip)) == 1 })
	o := listObjects(t, e.store, "lake", "v2/", compress.Gzip)[0]
	if string(o.Data) != "two" || !strings.Contains(o.Key, "/b-2-") || !strings.HasSuffix(o.Key, ".gz") {
		t.Fatalf("second object %q %q", o.Key, o.Data)
	}
}

func TestWarehouseLoad(t *testing.T) {
	ctx := context.Background()
	ld := &fakeLoader{}
	e := newLakeEnv(t, "", func(o *Options) { o.Warehouse = ld })
	spec := directSpec(1<<20, 0)
	spec.Dest.Warehouse = &Warehouse{Table: "events", CopyOptions: "JSON 'auto'"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "load", func() bool { ld.mu.Lock(); defer ld.mu.Unlock(); return len(ld.loads) == 1 })
	objs := listObjects(t, e.store, "lake", "", "")
	ld.mu.Lock()
	defer ld.mu.Unlock()
	if len(objs) != 1 || !strings.HasSuffix(ld.loads[0], " events "+objs[0].Key) {
		t.Fatalf("loads %q, objects %+v", ld.loads, objs)
	}
	noWh := newLakeEnv(t, "", nil)
	if _, err := noWh.m.Create(ctx, "b", spec, nil); err == nil {
		t.Fatal("warehouse destination accepted without a loader")
	}
}

// writeThenFail writes every object, then reports failure: the batch's
// objects exist but it is never committed, as after a crash at that point.
type writeThenFail struct {
	lake.Store
	mu   sync.Mutex
	keys []string
}

func (s *writeThenFail) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	if err := s.Store.Put(ctx, bucket, key, body, size); err != nil {
		return err
	}
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return errors.New("injected: lost the reply")
}

func TestReplayedBatchReplacesItsObject(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wf := &writeThenFail{}
	e := newLakeEnv(t, dir, func(o *Options) { wf.Store = o.Store; o.Store = wf })
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "two attempts", func() bool { wf.mu.Lock(); defer wf.mu.Unlock(); return len(wf.keys) >= 2 })
	e.close()
	wf.mu.Lock()
	first := wf.keys[0]
	for _, k := range wf.keys {
		if k != first {
			t.Fatalf("retries wrote different keys: %q", wf.keys)
		}
	}
	wf.mu.Unlock()
	// Restart with a working store: the pending plan is replayed.
	e = newLakeEnv(t, dir, nil)
	waitFor(t, 3*time.Second, "commit", func() bool { st, _ := e.m.Status("b"); return st.Backlog == 0 && st.Objects == 1 })
	objs := listObjects(t, e.store, "lake", "", "")
	if len(objs) != 1 || objs[0].Key != first || string(objs[0].Data) != "ab" {
		t.Fatalf("objects after replay %+v, want one at %q", objs, first)
	}
	// Later batches get new keys.
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("c")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "second object", func() bool { return len(listObjects(t, e.store, "lake", "", "")) == 2 })
}

// A failing object write is described once: lake's error names the object
// and delivery does not name it again (FailureDescription shows it).
func TestDestinationErrorNamesObjectOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The bucket's directory is a file: every object write fails.
	if err := os.WriteFile(filepath.Join(dir, "lake", "lake"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e := newLakeEnv(t, dir, func(o *Options) { o.RetryMin, o.RetryMax = 50*time.Millisecond, 50*time.Millisecond })
	if _, err := e.m.Create(ctx, "b", directSpec(1<<20, 0), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte("r1")}); err != nil {
		t.Fatal(err)
	}
	var st Status
	waitFor(t, 5*time.Second, "failure in status", func() bool {
		st, _ = e.m.Status("b")
		return st.LastError != ""
	})
	if n := strings.Count(st.LastError, "put "); n != 1 {
		t.Fatalf("LastError names the object %d times: %q", n, st.LastError)
	}
}

// Two partition value sets can render the same prefix ("x-y"+"z" and
// "x"+"y-z" under "!{a}-!{b}/"): their records must share the object,
// not overwrite each other's (they have the same batch uuid and second).
func TestPartitionsRenderingOnePrefixShareAnObject(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 100*time.Millisecond)
	spec.Dest.Prefix = "p/!{partitionKeyFromQuery:a}-!{partitionKeyFromQuery:b}/"
	spec.Dest.ErrorOutputPrefix = "err/!{firehose:error-output-type}/"
	spec.Dest.Partitioning = &Partitioning{Query: "{a: .a, b: .b}"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	recs := [][]byte{
		[]byte(`{"a":"x-y","b":"z","n":1}`),
		[]byte(`{"a":"x","b":"y-z","n":2}`),
	}
	if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery", func() bool { st, _ := e.m.Status("b"); return st.Records == 2 })
	objs := listObjects(t, e.store, "lake", "p/x-y-z/", "")
	if got := string(concat(objs)); len(objs) != 1 || got != string(recs[0])+string(recs[1]) {
		t.Fatalf("objects under p/x-y-z/: %d holding %q, want 1 holding both records", len(objs), got)
	}
}

// A static ErrorOutputPrefix can equal a record's evaluated Prefix: the
// error object must not replace the data object of the same batch.
func TestErrorObjectDoesNotReplaceDataObject(t *testing.T) {
	ctx := context.Background()
	e := newLakeEnv(t, "", nil)
	spec := directSpec(1<<20, 100*time.Millisecond)
	spec.Dest.Prefix = "!{partitionKeyFromQuery:t}/"
	spec.Dest.ErrorOutputPrefix = "errors/"
	spec.Dest.Partitioning = &Partitioning{Query: "{t: .t}"}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	recs := [][]byte{[]byte(`{"t":"errors","n":1}`), []byte(`{"n":2}`)}
	if _, _, err := e.m.Put(ctx, "b", recs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery", func() bool { st, _ := e.m.Status("b"); return st.Records == 1 && st.FailedRecords == 1 })
	objs := listObjects(t, e.store, "lake", "errors/", "")
	if len(objs) != 2 {
		t.Fatalf("%d objects under errors/, want the data object and the error object", len(objs))
	}
	var data, errOut int
	for _, o := range objs {
		switch {
		case string(o.Data) == string(recs[0]):
			data++
		case strings.Contains(string(o.Data), codeMetadataExtraction):
			errOut++
		}
	}
	if data != 1 || errOut != 1 {
		t.Fatalf("objects %+v: want one holding the record and one holding the error", objs)
	}
}
