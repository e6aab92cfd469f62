package sqlengine

import (
	"context"
	"sync"
	"testing"
)

func TestLoadIdempotent(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true})
	s := e.session()
	exec(t, s, "CREATE TABLE ev (id INT, name VARCHAR)")
	putObject(t, e.lake, "stage", "fh/2026/01/02/ds-1-a", gz(t, []byte(`{"id":1,"name":"a"}{"id":2,"name":"b"}`)))
	putObject(t, e.lake, "stage", "fh/2026/01/02/ds-1-ab", []byte(`{"id":99}`)) // same prefix: must not load
	ctx := context.Background()
	req := &LoadRequest{Table: "ev", Columns: "id, name", CopyOptions: "JSON 'auto' GZIP", From: "s3://stage/fh/2026/01/02/ds-1-a", LoadID: "batch-1"}
	for i := range 2 {
		n, err := e.eng.Load(ctx, req)
		if err != nil || n != 2 {
			t.Fatalf("load %d: %d %v", i, n, err)
		}
	}
	if got := one(t, s, "SELECT count(*), sum(id) FROM ev"); got != "2|3" {
		t.Fatal(got)
	}
	// Concurrent retries of one batch apply it once.
	req2 := *req
	req2.LoadID = "batch-2"
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n, err := e.eng.Load(ctx, &req2); err != nil || n != 2 {
				t.Errorf("concurrent: %d %v", n, err)
			}
		}()
	}
	wg.Wait()
	if got := one(t, s, "SELECT count(*) FROM ev"); got != "4" {
		t.Fatal(got)
	}
	// A failing COPY leaves neither rows nor a ledger entry; the retry
	// after the fix loads it.
	putObject(t, e.lake, "stage", "fh/bad", []byte(`{"id":5}{"id":"x"}`))
	bad := &LoadRequest{Table: "ev", CopyOptions: "JSON 'auto'", From: "s3://stage/fh/bad", LoadID: "batch-3"}
	if _, err := e.eng.Load(ctx, bad); err == nil {
		t.Fatal("bad load succeeded")
	}
	if got := one(t, s, "SELECT count(*) FROM ev WHERE id = 5"); got != "0" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT count(*) FROM rheo_loads WHERE load_id = 'batch-3'"); got != "0" {
		t.Fatal(got)
	}
	putObject(t, e.lake, "stage", "fh/bad", []byte(`{"id":5}{"id":6}`))
	if n, err := e.eng.Load(ctx, bad); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	// The ledger survives a restart.
	s.Close()
	e.reopen()
	s = e.session()
	if n, err := e.eng.Load(ctx, req); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	if got := one(t, s, "SELECT count(*) FROM ev"); got != "6" {
		t.Fatal(got)
	}
	// Bad requests.
	for _, r := range []*LoadRequest{
		{Table: "ev", CopyOptions: "JSON 'auto'", From: "s3://stage/fh/bad"},
		{Table: "ev", CopyOptions: "FROBNICATE", From: "s3://stage/fh/bad", LoadID: "x"},
		{Table: "nosuch", CopyOptions: "JSON 'auto'", From: "s3://stage/fh/bad", LoadID: "y"},
		{Table: "ev", CopyOptions: "JSON 'auto'", From: "s3://stage/fh/missing", LoadID: "z"},
	} {
		if _, err := e.eng.Load(ctx, r); err == nil {
			t.Errorf("%+v: no error", r)
		}
	}
}
