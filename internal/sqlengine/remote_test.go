package sqlengine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rheo-dev/rheo/internal/lake"
)

// remoteStore hides a local lake behind the Store interface as a remote S3
// service would look: no LocalPath.
type remoteStore struct{ lake.Store }

func (remoteStore) LocalPath(string, string) (string, bool) { return "", false }

func TestCopyFromRemoteStore(t *testing.T) {
	dir := t.TempDir()
	store := remoteStore{lake.NewLocal(filepath.Join(dir, "lake"))}
	e := newEnv(t, envOpt{objects: store})
	s := e.session()
	exec(t, s, "CREATE TABLE r (id INT, name VARCHAR)")
	putObject(t, store, "remote", "in/a.json.gz", gz(t, []byte(`{"id":1,"name":"x"}`+"\n"+`{"id":2,"name":"y"}`)))
	putObject(t, store, "remote", "in/b.csv", []byte("3,z\n"))
	if r := exec(t, s, "COPY r FROM 's3://remote/in/a' JSON 'auto'"); r.Tag() != "COPY 2" {
		t.Fatal(r.Tag())
	}
	if r := exec(t, s, "COPY r FROM 's3://remote/in/b' CSV"); r.Tag() != "COPY 1" {
		t.Fatal(r.Tag())
	}
	if got := one(t, s, "SELECT string_agg(name, '' ORDER BY id) FROM r"); got != "xyz" {
		t.Fatal(got)
	}
	// Downloads are removed after the statement.
	left, _ := filepath.Glob(filepath.Join(e.dir, "rheo-copy-*"))
	if len(left) != 0 {
		t.Fatalf("temp dirs left: %v", left)
	}
	// Load works against the remote store too.
	if n, err := e.eng.Load(context.Background(), &LoadRequest{Table: "r", CopyOptions: "CSV", From: "s3://remote/in/b.csv", LoadID: "l1"}); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	// Reading in place needs the built-in lake: clear errors.
	for _, q := range []string{
		"CREATE EXTERNAL TABLE x (a INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://remote/in/'",
		"SELECT * FROM read_json('s3://remote/in/a.json.gz')",
	} {
		_, err := s.Query(context.Background(), q)
		if err == nil || sqlErr(t, err).Code != CodeFeature || !strings.Contains(err.Error(), "built-in lake") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestConvertFastSlowAgree converts the same records through the one-pass
// plan and the materialising fallback and compares files and failures.
func TestConvertFastSlowAgree(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, accessDDL)
	recs := accessRecords(300)
	recs[5] = []byte(`{"host":"bad","status":"nope"}`)
	recs[6] = []byte(`{"host":"two"}{"host":"docs","bytes":"x"}`)
	recs[7] = []byte(`{"host":"two"}{"host":"good"}`)
	recs[8] = []byte(`{"ts":"not a time"}`)
	cols, err := e.eng.schemaColumns(context.Background(), "", "access")
	if err != nil {
		t.Fatal(err)
	}
	req := &ConvertRequest{Table: "access", CaseInsensitive: true, Records: recs}
	tsConv, _ := timestampParsers(req, false)
	run := func(fast bool) (ConvertResult, []string) {
		ss, err := e.eng.NewSession(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer ss.Close()
		b := &convertBatch{records: recs, lower: true}
		path := filepath.Join(e.dir, fmt.Sprintf("fast-%v.parquet", fast))
		var res ConvertResult
		if fast {
			fp := fastPlan(cols, req, true, false, tsConv)
			b.keys = fp.keys
			res, err = ss.convertFast(context.Background(), b, fp, path, "SNAPPY")
		} else {
			plan, perr := convertPlan(cols, req, true, false, tsConv)
			if perr != nil {
				t.Fatal(perr)
			}
			res, err = ss.convertSlow(context.Background(), b, plan, path, "SNAPPY")
		}
		if err != nil {
			t.Fatal(err)
		}
		sortFailures(res.Failed)
		return res, rows(t, s, "SELECT * FROM read_parquet('"+path+"')")
	}
	fr, frows := run(true)
	sr, srows := run(false)
	idx := func(r ConvertResult) string {
		var out []string
		for _, f := range r.Failed {
			out = append(out, fmt.Sprint(f.Index))
		}
		return strings.Join(out, ",")
	}
	if idx(fr) != "5,6,8" || idx(sr) != idx(fr) {
		t.Fatalf("failed: fast %s slow %s", idx(fr), idx(sr))
	}
	if fr.Rows != len(recs)-3+1 || fr.Rows != sr.Rows {
		t.Fatalf("rows: fast %d slow %d", fr.Rows, sr.Rows)
	}
	if strings.Join(frows, "\n") != strings.Join(srows, "\n") {
		t.Fatal("fast and slow files differ")
	}
	if !strings.Contains(fr.Failed[0].Message, "column status") || !strings.Contains(sr.Failed[0].Message, "column status") {
		t.Fatalf("messages: %q / %q", fr.Failed[0].Message, sr.Failed[0].Message)
	}
}
