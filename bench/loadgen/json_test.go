package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStepResult(t *testing.T) {
	st := step{id: "putrecords-1024x500-c16", scenario: "putrecords", recordSize: 1024, batch: 500, inflight: 16}
	r := result{
		step: st, wall: 2 * time.Second, calls: 4, cut: 1, records: 2000, bytes: 2 << 20,
		lat:    []time.Duration{40 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond, 20 * time.Millisecond},
		server: procStats{cpu: 1500 * time.Millisecond, wall: 2 * time.Second, rssEnd: 1000, peakKiB: 2000, peakReset: true},
		self:   procStats{cpu: 500 * time.Millisecond},
		err:    errors.New("boom"),
	}
	s := stepResult(r)
	if s.ID != st.id || s.Label != "PutRecords 1 KiB × 500, 16 in flight" || s.MiBPerSec != 1 || s.CallsPerSec != 2 || s.RecordsPerSec != 1000 {
		t.Errorf("rates: %+v", s)
	}
	if s.P50Ms != 20 || s.P99Ms != 30 || s.MaxMs != 40 {
		t.Errorf("percentiles of unsorted latencies: p50 %v p99 %v max %v", s.P50Ms, s.P99Ms, s.MaxMs)
	}
	if s.CutCalls != 1 || s.Error != "boom" || s.ServerCPUSeconds != 1.5 || s.ServerPeakRSSKiB != 2000 || !s.ServerPeakReset || s.LoadgenCPUSeconds != 0.5 {
		t.Errorf("counts and server figures: %+v", s)
	}
	if r.lat[0] != 40*time.Millisecond {
		t.Error("stepResult sorted the caller's latencies in place")
	}

	// A step that never ran has no rates, and must still encode (no NaN).
	empty := stepResult(result{step: step{id: "readback", scenario: "readback"}, server: procStats{err: errors.New("no --server-pid")}})
	if empty.MiBPerSec != 0 || empty.ServerError == "" {
		t.Errorf("empty step: %+v", empty)
	}
	if _, err := json.Marshal(empty); err != nil {
		t.Errorf("empty step does not encode: %v", err)
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	c := config{endpoint: "http://127.0.0.1:1", client: "sdk", stream: "s", shards: 4}
	rs := []result{{step: step{id: "readback", scenario: "readback"}, records: 3, verified: true, wall: time.Second}}
	if err := writeJSON(path, c, true, rs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"endpoint": "http://127.0.0.1:1"`, `"created": true`, `"id": "readback"`, `"verified": true`, `"records": 3`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if err := writeJSON(filepath.Join(t.TempDir(), "no", "such", "dir.json"), c, true, rs); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestJoinNote(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""}, {[]string{"", " "}, ""}, {[]string{"a"}, "a"}, {[]string{"", "b"}, "b"}, {[]string{"a ", "b"}, "a; b"},
	} {
		if got := joinNote(tc.in...); got != tc.want {
			t.Errorf("joinNote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
