package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLoadSkippedAfterRetryDuration checks Firehose's Redshift rule: a
// load that keeps failing is retried for RetryOptions.DurationInSeconds,
// then its object is skipped and listed in a manifest under
// errors/manifests/, and the stream goes on to the next batch instead of
// being blocked forever by one bad record.
func TestLoadSkippedAfterRetryDuration(t *testing.T) {
	ctx := context.Background()
	ld := &fakeLoader{}
	loader := loaderFunc(func(ctx context.Context, w *Warehouse, bucket, key, loadID string) (int64, error) {
		if strings.Contains(key, "/b-1-") { // every load of version 1 fails
			return 0, errors.New("Conversion Error: Could not convert string 'x' to INT64")
		}
		return ld.Load(ctx, w, bucket, key, loadID)
	})
	e := newLakeEnv(t, "", func(o *Options) { o.Warehouse = loader })
	spec := directSpec(1<<20, 0)
	retry := 150 * time.Millisecond
	spec.Dest.Warehouse = &Warehouse{Table: "events", CopyOptions: "JSON 'auto'", RetryFor: &retry}
	if _, err := e.m.Create(ctx, "b", spec, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte(`{"id":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the manifest of the skipped load", func() bool {
		return len(listObjects(t, e.store, "lake", "errors/manifests/", "")) == 1
	})
	man := listObjects(t, e.store, "lake", "errors/manifests/", "")[0]
	objs := listObjects(t, e.store, "lake", "20", "")
	if len(objs) != 1 || string(objs[0].Data) != `{"id":"x"}` {
		t.Fatalf("skipped object %+v", objs)
	}
	var m redshiftManifest
	if err := json.Unmarshal(man.Data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 1 || m.Entries[0].URL != "s3://lake/"+objs[0].Key || !m.Entries[0].Mandatory ||
		man.Key != "errors/manifests/"+objs[0].Key {
		t.Fatalf("manifest %s: %s", man.Key, man.Data)
	}
	// Update to version 2 so the next batch's key escapes the rejection.
	if _, err := e.m.Update(ctx, "b", func(d *Definition) error { d.Spec.Version = 2; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.Put(ctx, "b", [][]byte{[]byte(`{"id":1}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the next batch loaded", func() bool { ld.mu.Lock(); defer ld.mu.Unlock(); return len(ld.loads) == 1 })
	waitFor(t, 5*time.Second, "the status of both batches", func() bool {
		st, _ := e.m.Status("b")
		return st.FailedRecords == 1 && st.Records == 1 && st.Attempts == 0
	})
}

// loaderFunc adapts a function to WarehouseLoader.
type loaderFunc func(ctx context.Context, w *Warehouse, bucket, key, loadID string) (int64, error)

func (f loaderFunc) Load(ctx context.Context, w *Warehouse, bucket, key, loadID string) (int64, error) {
	return f(ctx, w, bucket, key, loadID)
}
