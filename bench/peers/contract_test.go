package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// loadgenJSON is a step as bench/loadgen --json wrote it in a real run
// against kinesis-mock; it pins the field names the two commands share.
const loadgenJSON = `{
  "endpoint": "http://127.0.0.1:41761", "client": "sdk", "stream": "bench-1", "shards": 4, "created": true,
  "steps": [{
      "id": "putrecords-1024x500-c16", "label": "PutRecords 1 KiB × 500, 16 in flight", "scenario": "putrecords",
      "record_size": 1024, "batch": 500, "inflight": 16, "wall_seconds": 17.433664349,
      "calls": 16, "failed_calls": 0, "cut_calls": 2, "failed_records": 0, "records": 8000, "bytes": 8192000,
      "mib_per_sec": 0.4481272464356082, "records_per_sec": 458.88, "calls_per_sec": 0.9177646007001256,
      "p50_ms": 9165.5517, "p99_ms": 17381.2, "max_ms": 17400,
      "server_cpu_seconds": 14.9, "server_rss_end_kib": 600000, "server_peak_rss_kib": 861184, "server_peak_reset": true,
      "loadgen_cpu_seconds": 0.04
    }, {
      "id": "readback", "label": "GetRecords read-back of everything", "scenario": "readback",
      "records": 18140, "bytes": 9000000, "mib_per_sec": 0.391, "verified": true,
      "note": "verified: all 18140 acknowledged records read back", "error": ""
  }]
}`

func TestLoadgenContract(t *testing.T) {
	var r loadgenReport
	if err := json.Unmarshal([]byte(loadgenJSON), &r); err != nil {
		t.Fatal(err)
	}
	tr := targetResult{Name: "kinesis-mock (memory)", Report: &r}
	s := tr.step(putStep)
	if s == nil {
		t.Fatalf("no step %q", putStep)
	}
	if s.MiBPerSec != 0.4481272464356082 || s.P99Ms != 17381.2 || s.CutCalls != 2 || s.ServerPeakRSSKiB != 861184 || !s.ServerPeakReset || s.ServerCPUSeconds != 14.9 {
		t.Errorf("fields lost in decoding: %+v", *s)
	}
	if rb := tr.step("readback"); rb == nil || !rb.Verified || rb.Records != 18140 {
		t.Errorf("readback: %+v", rb)
	}
	if tr.step("nope") != nil {
		t.Error("found a step that is not there")
	}
}

// TestProfiles checks that both profiles run the workloads, in
// order, and that the put step the durable fraction is computed for is
// among them under the id loadgen gives it (putrecords-<size>x<batch>-c<inflight>).
func TestProfiles(t *testing.T) {
	for _, p := range []profile{fullProfile, quickProfile} {
		if len(p.steps) != 5 {
			t.Fatalf("%s: %d steps", p.name, len(p.steps))
		}
		for i, prefix := range []string{
			"putrecords size=1024 batch=500 inflight=4 ",
			"putrecords size=1024 batch=500 inflight=16 ",
			"putrecords size=100 batch=500 inflight=16 ",
			"putrecord size=1024 inflight=16 ",
			"readback duration=",
		} {
			if !strings.HasPrefix(p.steps[i], prefix) {
				t.Errorf("%s step %d = %q, want it to start %q", p.name, i, p.steps[i], prefix)
			}
			if i < 4 && (!strings.Contains(p.steps[i], " duration=") || !strings.Contains(p.steps[i], " records=")) {
				t.Errorf("%s step %d is not bounded in time and count: %q", p.name, i, p.steps[i])
			}
		}
		if putStep != "putrecords-1024x500-c16" {
			t.Errorf("putStep %q does not name step 2", putStep)
		}
		if p.grace <= 0 || p.settle <= 0 || p.loadgenLimit <= 0 || p.diskFor <= 0 || p.diskLimit <= 0 {
			t.Errorf("%s: unbounded: %+v", p.name, p)
		}
	}
	if !strings.Contains(fullProfile.plan(), "; readback") {
		t.Errorf("plan %q", fullProfile.plan())
	}
}
