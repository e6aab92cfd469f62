package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/jackc/pgx/v5"
)

// TestDemo runs the demo for a few seconds at a high rate with a short job
// interval and checks every part of the pipeline, then starts it again
// on the same data dir.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	dir := t.TempDir()
	opts := DefaultOptions()
	opts.DataDir = dir
	opts.Rate = 1000
	opts.JobEvery = "300 milliseconds"
	opts.DeliveryInterval = 0
	opts.Seed = 7
	d, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var banner bytes.Buffer
	d.PrintBanner(&banner)
	for _, want := range []string{d.URL() + "/", d.PGURL(), "aws --endpoint-url " + d.URL() + " kinesis", StreamName, JobName, DeliveryName} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, banner.String())
		}
	}

	conn, err := pgx.Connect(ctx, d.PGURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	count := func(q string) int64 {
		t.Helper()
		var n int64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if ctx.Err() != nil {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// The stream has records, readable through the Kinesis API...
	waitFor("records", func() bool { return d.Produced() >= 1000 })
	shard, err := d.kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(StreamName),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := d.kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: shard.ShardIterator, Limit: aws.Int32(10)})
	if err != nil || len(recs.Records) == 0 {
		t.Fatalf("GetRecords: %d records, %v", len(recs.Records), err)
	}
	var rec AccessLog
	if err := json.Unmarshal(recs.Records[0].Data, &rec); err != nil || rec.Region == "" || rec.Status == 0 {
		t.Fatalf("record %q: %+v %v", recs.Records[0].Data, rec, err)
	}
	// ...and through SQL, every record parsing.
	if n := count("SELECT count(*) FROM access_log WHERE _parse_error IS NULL AND \"timestamp\" IS NOT NULL AND latency_ms > 0"); n < 1000 {
		t.Fatalf("access_log has %d good rows", n)
	}
	if n := count("SELECT count(*) FROM access_log WHERE _parse_error IS NOT NULL"); n != 0 {
		t.Fatalf("%d records do not parse", n)
	}

	// The job wrote top-10 reports, iteration after iteration.
	waitFor("job rows", func() bool { return count("SELECT count(DISTINCT iteration) FROM top_errors") >= 2 })
	if n := count("SELECT max(c) FROM (SELECT count(*) AS c FROM top_errors GROUP BY iteration)"); n > 10 {
		t.Fatalf("an iteration wrote %d rows, want at most 10", n)
	}
	if n := count("SELECT count(*) FROM top_errors WHERE errors <= 0 OR errors > requests"); n != 0 {
		t.Fatalf("%d bad report rows", n)
	}
	if n := count("SELECT count(*) FROM rheo_job_runs WHERE job = 'top_errors_job' AND error IS NOT NULL"); n != 0 {
		t.Fatalf("%d failed job runs", n)
	}

	// Parquet objects reached the lake, readable through the lake table.
	waitFor("parquet objects", func() bool {
		objs, _ := filepath.Glob(filepath.Join(dir, "lake", LakeBucket, "access-logs", "dt=*", "*.parquet"))
		return len(objs) > 0 && count("SELECT count(*) FROM "+LakeTable) > 0
	})
	if n := count("SELECT count(*) FROM " + LakeTable + " WHERE region IS NULL OR status IS NULL OR \"timestamp\" IS NULL"); n != 0 {
		t.Fatalf("%d lake rows with NULLs", n)
	}
	conn.Close(ctx)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// Again on the same data dir: set-up accepts what is there, and the
	// job goes on from where it stopped.
	before := countOnce(t, ctx, dir, opts)
	if before == 0 {
		t.Fatal("no job history after restart")
	}
}

// countOnce restarts the demo on dir and returns how many iterations of
// the job had run, after checking that a new one runs.
func countOnce(t *testing.T, ctx context.Context, dir string, opts Options) int64 {
	t.Helper()
	d, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart on the same data dir: %v", err)
	}
	defer d.Close()
	conn, err := pgx.Connect(ctx, d.PGURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var first int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM rheo_job_runs WHERE error IS NULL").Scan(&first); err != nil {
		t.Fatal(err)
	}
	for {
		var n, distinct int64
		if err := conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT iteration) FROM rheo_job_runs WHERE error IS NULL").Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != distinct {
			t.Fatalf("an iteration ran twice: %d runs, %d iterations", n, distinct)
		}
		if n > first {
			return first
		}
		if ctx.Err() != nil {
			t.Fatal("the job did not run after the restart")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestGenerator(t *testing.T) {
	g := newGenerator(1)
	now := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	const n = 20000
	var serverErrs, clientErrs int
	pairs := map[[2]string]int{}
	for range n {
		r := g.next(now)
		if r.Timestamp != "2026-11-22T06:00:00.000Z" || r.Region == "" || r.Page == "" || r.UserAgent == "" || r.IP == "" || r.LatencyMS <= 0 || r.Bytes < 0 {
			t.Fatalf("bad record %+v", r)
		}
		var back map[string]any
		if err := json.Unmarshal(r.encode(), &back); err != nil || len(back) != 8 {
			t.Fatalf("encode %s: %v", r.encode(), err)
		}
		switch {
		case r.Status >= 500:
			serverErrs++
			pairs[[2]string{r.Region, r.Page}]++
		case r.Status >= 400:
			clientErrs++
		}
	}
	if share := float64(serverErrs) / n; share < 0.01 || share > 0.08 {
		t.Errorf("server error share %.3f, want a few percent", share)
	}
	if share := float64(clientErrs) / n; share < 0.03 || share > 0.08 {
		t.Errorf("client error share %.3f, want about 5%%", share)
	}
	// The hotspots stand out: the pair with the most errors is one.
	best, bestN := [2]string{}, 0
	for p, c := range pairs {
		if c > bestN {
			best, bestN = p, c
		}
	}
	if _, ok := hotspots[best]; !ok {
		t.Errorf("top error pair %v (%d) is not a hotspot", best, bestN)
	}
	// Same seed, same records.
	a, b := newGenerator(9).next(now), newGenerator(9).next(now)
	if a != b {
		t.Errorf("seeded generators differ: %+v %+v", a, b)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Options)
		ok   bool
	}{
		{"defaults", func(*Options) {}, true},
		{"zero rate", func(o *Options) { o.Rate = 0 }, false},
		{"long delivery interval", func(o *Options) { o.DeliveryInterval = time.Hour }, false},
		{"no job interval", func(o *Options) { o.JobEvery = "" }, false},
		{"no SQL", func(o *Options) { o.PGListen = "off" }, false},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v", c.name, err)
		}
	}
}
