package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.31415, "0.314"}, {1, "1.00"}, {4.756, "4.76"}, {22.04, "22.0"},
		{257.4, "257"}, {1346.2, "1,346"}, {1234567, "1,234,567"}, {-1500, "-1,500"},
	} {
		if got := num(tc.v); got != tc.want {
			t.Errorf("num(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		r, p     float64
		okR, okP bool
		want     float64
		ok       bool
	}{
		{100, 4, true, true, 25, true},
		{2, 4, true, true, 0.5, true},
		{100, 0, true, true, 0, false}, // peer did nothing: no ratio, not +Inf
		{0, 4, true, true, 0, false},
		{100, 4, false, true, 0, false},
		{100, 4, true, false, 0, false},
	} {
		got, ok := ratio(tc.r, tc.p, tc.okR, tc.okP)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ratio(%v, %v, %v, %v) = %v, %v; want %v, %v", tc.r, tc.p, tc.okR, tc.okP, got, ok, tc.want, tc.ok)
		}
	}
}

// sample is a run with rheo, one peer that ran (with a failed step), and
// one that was skipped.
func sample() runResult {
	put := func(id, label, sc string, mibps, calls, p99 float64, recs int64) stepResult {
		return stepResult{ID: id, Label: label, Scenario: sc, MiBPerSec: mibps, CallsPerSec: calls, P50Ms: p99 / 2, P99Ms: p99, Records: recs,
			Bytes: recs * 1024, ServerCPUSeconds: 2, ServerPeakRSSKiB: 200 << 10, ServerPeakReset: true}
	}
	rheo := &loadgenReport{Client: "sdk", Steps: []stepResult{
		put("putrecords-1024x500-c16", "PutRecords 1 KiB × 500, 16 in flight", "putrecords", 200, 400, 50, 1<<20),
		put("putrecord-1024-c16", "PutRecord 1 KiB, 16 in flight", "putrecord", 6, 6000, 5, 60000),
		put("readback", "GetRecords read-back of everything", "readback", 300, 30, 80, 1<<20+60000),
	}}
	rheo.Steps[2].Verified = true
	kl := &loadgenReport{Client: "sdk", Steps: []stepResult{
		put("putrecords-1024x500-c16", "PutRecords 1 KiB × 500, 16 in flight", "putrecords", 8, 16, 2000, 40000),
		put("putrecord-1024-c16", "PutRecord 1 KiB, 16 in flight", "putrecord", 0, 0, 0, 0),
		put("readback", "GetRecords read-back of everything", "readback", 10, 2, 900, 40000),
	}}
	kl.Steps[1].Error = "PutRecord: connection refused"
	kl.Steps = append(kl.Steps[:2:2], stepResult{ID: "putrecords-100x500-c16", Label: "PutRecords 100 B × 500, 16 in flight", Scenario: "putrecords", CutCalls: 16}, kl.Steps[2])
	rheo.Steps = append(rheo.Steps[:2:2], put("putrecords-100x500-c16", "PutRecords 100 B × 500, 16 in flight", "putrecords", 30, 600, 40, 1<<20), rheo.Steps[2])
	kl.Steps[0].CutCalls = 3
	kl.Steps[0].FailedCalls, kl.Steps[0].RaceCalls = 2, 1
	return runResult{
		Profile: "quick", Plan: "putrecords size=1024; putrecord; readback",
		Started: time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC), Finished: time.Date(2026, 11, 22, 5, 9, 0, 0, time.UTC),
		Command: "bench/run-peers.sh --quick",
		Machine: machine{NProc: 2, CPU: "Test CPU"},
		Disk:    []diskResult{{Chunk: 540_000, Bytes: 400 << 20, Seconds: 1}, {Chunk: 4 << 20, Bytes: 800 << 20, Seconds: 2}},
		Targets: []targetResult{
			{Name: "rheo (durable)", Peer: "rheo", Report: rheo, Command: "rheo serve"},
			{Name: "kinesalite (memory)", Peer: "kinesalite", Report: kl, Warning: "the server exited during the run"},
			{Name: "kinesis-mock (memory)", Peer: "kinesis-mock", Skipped: "cannot be bound to 127.0.0.1 only"},
		},
	}
}

func TestThroughputTable(t *testing.T) {
	res := sample()
	got := table(res.Targets, workloads(res.Targets), throughput)
	want := `| workload | unit | rheo (durable) | kinesalite (memory) | kinesis-mock (memory) |
|---|---|---:|---:|---:|
| PutRecords 1 KiB × 500, 16 in flight | MiB/s | 200 | 8.00 (×25.0) | skipped |
| PutRecord 1 KiB, 16 in flight | calls/s | 6,000 | failed | skipped |
| PutRecords 100 B × 500, 16 in flight | MiB/s | 30.0 | none answered in time | skipped |
| GetRecords read-back of everything | MiB/s | 300 | 10.0 (×30.0) | skipped |
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLatencyAndResourceTables(t *testing.T) {
	res := sample()
	p99 := table(res.Targets, workloads(res.Targets), func(string) metric { return p99Metric })
	if !strings.Contains(p99, "| PutRecords 1 KiB × 500, 16 in flight | ms | 50.0 | 2,000 (×0.025) | skipped |") {
		t.Errorf("p99 table:\n%s", p99)
	}
	cpu := table(res.Targets, workloads(res.Targets), func(string) metric { return cpuPerGiB })
	// rheo: 2 s over 1 GiB = 2 s/GiB; kinesalite: 2 s over 40000 KiB.
	if !strings.Contains(cpu, "| 2.00 | 52.4 (×0.038) |") {
		t.Errorf("cpu table:\n%s", cpu)
	}
	rss := table(res.Targets, workloads(res.Targets), func(string) metric { return peakRSS })
	if !strings.Contains(rss, "| 200 | 200 (×1.00) |") {
		t.Errorf("rss table:\n%s", rss)
	}
}

func TestNotes(t *testing.T) {
	ns := strings.Join(notes(sample().Targets), "\n")
	for _, want := range []string{
		"**kinesis-mock (memory)** skipped: cannot be bound to 127.0.0.1 only",
		"**kinesalite (memory)**: the server exited during the run",
		"kinesalite (memory), PutRecord 1 KiB, 16 in flight: failed: PutRecord: connection refused",
		"kinesalite (memory), PutRecords 1 KiB × 500, 16 in flight: 2 failed calls, 0 failed records (1 of the calls: aws-sdk-go-v2's closed-connection race",
		"records (1 of the calls: aws-sdk-go-v2's closed-connection race, which its default retryer retries; loadgen runs without retries); 3 calls still unanswered",
		"rheo (durable), GetRecords read-back of everything: read-back verified (1108576 records)",
		"kinesalite (memory), PutRecords 100 B × 500, 16 in flight: 16 calls still unanswered",
		"kinesalite (memory), GetRecords read-back of everything: read-back NOT verified",
	} {
		if !strings.Contains(ns, want) {
			t.Errorf("notes lack %q:\n%s", want, ns)
		}
	}
}

func TestDurableFraction(t *testing.T) {
	v, fr, ok := durableFraction(sample())
	if !ok || v != 200 || len(fr) != 2 || fr[0] != 0.5 || fr[1] != 0.5 {
		t.Errorf("durableFraction = %v, %v, %v; want 200 MiB/s = 50 %% of both", v, fr, ok)
	}
	res := sample()
	res.Targets = res.Targets[1:] // no rheo
	if _, _, ok := durableFraction(res); ok {
		t.Error("a fraction without rheo")
	}
}

func TestSection(t *testing.T) {
	s := section(sample(), "img/peers.png")
	if !strings.HasPrefix(s, beginMarker+"\n## ") || !strings.HasSuffix(s, endMarker+"\n") {
		t.Errorf("section not wrapped in its markers:\n%s", s)
	}
	for _, want := range []string{
		"![rheo, kinesalite and kinesis-mock", "(img/peers.png)",
		"**Command:** `bench/run-peers.sh --quick`. To measure again: `bench/run-peers.sh --publish`",
		"not a measurement to quote",
		"**200 MiB/s** of payload = **50 %** of the 540,000-byte-chunk bandwidth, **50 %** of the 4,194,304-byte-chunk",
		"- `putrecord`",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q", want)
		}
	}
}

func TestSplice(t *testing.T) {
	sec := beginMarker + "\nNEW\n" + endMarker + "\n"
	for _, tc := range []struct {
		name, doc, want, err string
	}{
		{"append to a file without markers", "# B\n\ntext", "# B\n\ntext\n\n" + sec, ""},
		{"append to an empty file", "", sec, ""},
		{"replace between markers, keep both sides", "# B\n\n" + beginMarker + "\nOLD\nOLD\n" + endMarker + "\n\n## after\n", "# B\n\n" + sec + "\n## after\n", ""},
		{"replace at the end", "x\n" + beginMarker + "OLD" + endMarker, "x\n" + sec, ""},
		{"only begin", "x " + beginMarker, "", "only one"},
		{"only end", endMarker, "", "only one"},
		{"reversed", endMarker + beginMarker, "", "comes before"},
		{"twice", beginMarker + endMarker + beginMarker + endMarker, "", "more than once"},
	} {
		got, err := splice(tc.doc, sec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
		// Splicing again is stable.
		if again, err := splice(got, sec); err != nil || again != got {
			t.Errorf("%s: second splice changed the doc: %q, %v", tc.name, again, err)
		}
	}
}

func TestChart(t *testing.T) {
	b, err := chart(sample())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// 4 groups × 3 bars.
	wantH := chartTop + 4*(groupHeader+groupGap) + 12*(barHeight+barGap) + axisHeight
	if r := img.Bounds(); r.Dx() != chartWidth || r.Dy() != wantH {
		t.Errorf("chart is %v, want %dx%d", r, chartWidth, wantH)
	}
	// rheo's first bar (200 MiB/s) is drawn in rheo's colour well right
	// of the axis; the skipped server has no bar there.
	lo, hi := logRange(chartGroups(sample()))
	if lo != 0 || hi != 4 { // values 8 .. 6,000
		t.Errorf("log range %d..%d, want 0..4", lo, hi)
	}
	y := chartTop + groupGap + groupHeader + barHeight/2
	r, g, bl, _ := img.At(labelWidth+20, y).RGBA()
	c := palette["rheo (durable)"]
	if uint8(r>>8) != c.R || uint8(g>>8) != c.G || uint8(bl>>8) != c.B {
		t.Errorf("pixel in rheo's first bar is %x%x%x, want %v", r>>8, g>>8, bl>>8, c)
	}
}

func TestDecadeLabel(t *testing.T) {
	for d, want := range map[int]string{-2: "0.01", -1: "0.1", 0: "1", 3: "1,000"} {
		if got := decadeLabel(d); got != want {
			t.Errorf("decadeLabel(%d) = %q, want %q", d, got, want)
		}
	}
}

func TestSelectTargets(t *testing.T) {
	ts, err := selectTargets("kinesalite, rheo")
	if err != nil || len(ts) != 2 || ts[0].key != "rheo" || ts[1].key != "kinesalite" {
		t.Errorf("selectTargets = %v, %v; want rheo first (fixed order)", ts, err)
	}
	if all, _ := selectTargets(""); len(all) != len(allTargets) {
		t.Error("empty list is not all targets")
	}
	if _, err := selectTargets("rheo,localstack"); err == nil || !strings.Contains(err.Error(), "localstack") {
		t.Errorf("unknown target: %v", err)
	}
	if _, err := selectTargets(" , "); err == nil {
		t.Error("empty selection accepted")
	}
}

func TestLaunches(t *testing.T) {
	tl := tools{rheo: "/b/rheo", node: "node", prefix: "/c", preload: "/c/loopback.cjs"}
	for _, s := range allTargets {
		l := s.build(tl, 4000, 4001, "/d/x y")
		cmd := l.command()
		if !strings.Contains(cmd, "4000") {
			t.Errorf("%s: port missing: %s", s.key, cmd)
		}
		if s.peer != "rheo" && (l.argv[0] != "node" || l.argv[1] != "--require" || l.argv[2] != "/c/loopback.cjs") {
			t.Errorf("%s: peer not started with the loopback preload: %v", s.key, l.argv)
		}
		if s.peer == "rheo" && !strings.Contains(cmd, "--listen 127.0.0.1:4000") {
			t.Errorf("%s: not on loopback: %s", s.key, cmd)
		}
		if strings.HasSuffix(s.key, "-disk") && !strings.Contains(cmd, `'/d/x y'`) {
			t.Errorf("%s: data dir missing or unquoted: %s", s.key, cmd)
		}
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "plain", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "a; b": "'a; b'", "$HOME": "'$HOME'",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEditPIDFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pids")
	for _, step := range []struct {
		pid  int
		add  bool
		want string
	}{
		{10, true, "10\n"}, {20, true, "10\n20\n"}, {10, true, "20\n10\n"}, {20, false, "10\n"}, {10, false, ""}, {30, false, ""},
	} {
		if err := editPIDFile(p, step.pid, step.add); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if string(b) != step.want {
			t.Fatalf("after pid %d add=%v: %q, want %q", step.pid, step.add, b, step.want)
		}
	}
}

func TestMachineParsers(t *testing.T) {
	if got := cpuModel([]byte("processor\t: 0\nvendor_id\t: X\nmodel name\t: Intel(R) Xeon(R) Processor\nmodel name\t: other\n")); got != "Intel(R) Xeon(R) Processor" {
		t.Errorf("cpuModel = %q", got)
	}
	if n, ok := memTotalKiB([]byte("MemTotal:       24632348 kB\nMemFree: 1 kB\n")); !ok || n != 24632348 {
		t.Errorf("memTotalKiB = %d, %v", n, ok)
	}
	if _, ok := memTotalKiB([]byte("MemFree: 1 kB\n")); ok {
		t.Error("memTotalKiB without MemTotal")
	}
}

func TestDirSize(t *testing.T) {
	d := t.TempDir()
	if err := os.MkdirAll(filepath.Join(d, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for p, n := range map[string]int{"x": 10, "a/y": 20, "a/b/z": 30} {
		if err := os.WriteFile(filepath.Join(d, p), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := dirSize(d); got != 60 {
		t.Errorf("dirSize = %d, want 60", got)
	}
	if got := dirSize(filepath.Join(d, "missing")); got != 0 {
		t.Errorf("missing dir: %d", got)
	}
}
