package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func baseConfig() config {
	return config{recordSize: 1024, batch: 500, inflight: 16, duration: 10 * time.Second, putRecordDur: 10 * time.Second, scenario: "all"}
}

func TestParsePlan(t *testing.T) {
	c := baseConfig()
	steps, err := parsePlan("putrecords size=1024 batch=500 inflight=4 duration=2s records=5000; putrecords size=100 id=small bytes=1MiB; putrecord inflight=8 records=7;  ; readback duration=30s", c)
	if err != nil {
		t.Fatal(err)
	}
	want := []step{
		{id: "putrecords-1024x500-c4", scenario: "putrecords", recordSize: 1024, batch: 500, inflight: 4, duration: 2 * time.Second, maxRecords: 5000},
		{id: "small", scenario: "putrecords", recordSize: 100, batch: 500, inflight: 16, duration: 10 * time.Second, maxBytes: 1 << 20},
		{id: "putrecord-1024-c8", scenario: "putrecord", recordSize: 1024, batch: 500, inflight: 8, duration: 10 * time.Second, maxRecords: 7},
		{id: "readback", scenario: "readback", recordSize: 1024, batch: 500, inflight: 16, duration: 30 * time.Second},
	}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(steps), len(want), steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d:\n got %+v\nwant %+v", i, steps[i], want[i])
		}
	}
}

func TestParsePlanErrors(t *testing.T) {
	for _, tc := range []struct{ plan, want string }{
		{"", "empty plan"},
		{" ; ", "empty plan"},
		{"putrecordz", "unknown scenario"},
		{"putrecords size", "not key=value"},
		{"putrecords size=", "not key=value"},
		{"putrecords colour=red", "unknown key"},
		{"putrecords size=-1", "bad number"},
		{"putrecords size=abc", "bad number"},
		{"putrecords batch=501", "batch ≤ 500"},
		{"putrecords batch=0", "batch ≤ 500"},
		{"putrecords size=2000000", "size ≤ 1 MiB"},
		{"putrecord duration=0s", "needs duration > 0"},
		{"putrecord duration=-1s", "negative duration"},
		{"putrecords bytes=lots", "bad size"},
		{"putrecords; putrecords", `two steps named "putrecords-1024x500-c16"`},
		{"readback; putrecord; readback", `two steps named "readback"`},
	} {
		_, err := parsePlan(tc.plan, baseConfig())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parsePlan(%q) = %v, want an error containing %q", tc.plan, err, tc.want)
		}
	}
}

func TestBaseSteps(t *testing.T) {
	c := baseConfig()
	c.putRecordDur = 3 * time.Second
	c.bytes = 1 << 30
	c.timeout = time.Hour
	steps, err := baseSteps(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || steps[0].scenario != "putrecords" || steps[1].scenario != "putrecord" || steps[2].scenario != "readback" {
		t.Fatalf("all = %+v", steps)
	}
	if steps[0].maxBytes != 1<<30 || steps[0].duration != time.Hour || steps[1].maxBytes != 0 || steps[1].duration != 3*time.Second || steps[2].duration != 0 {
		t.Errorf("bounds not carried over as before: %+v", steps)
	}
	c.scenario = "nope"
	if _, err := baseSteps(c); err == nil {
		t.Error("unknown --scenario accepted")
	}
}

func TestStepApply(t *testing.T) {
	c := baseConfig()
	for _, tc := range []struct {
		name       string
		s          step
		wantBytes  int64
		wantMaxRec int64
	}{
		{"records cap becomes a byte cap", step{scenario: "putrecords", recordSize: 100, batch: 500, inflight: 1, duration: time.Second, maxRecords: 1000}, 100_000, 0},
		{"smaller of the two caps", step{scenario: "putrecords", recordSize: 100, batch: 500, inflight: 1, duration: time.Second, maxRecords: 1000, maxBytes: 5000}, 5000, 0},
		{"byte cap alone", step{scenario: "putrecords", recordSize: 100, batch: 500, inflight: 1, duration: time.Second, maxBytes: 5000}, 5000, 0},
		{"putrecord keeps a record cap", step{scenario: "putrecord", recordSize: 10, batch: 1, inflight: 2, duration: time.Second, maxRecords: 9}, 0, 9},
	} {
		got := tc.s.apply(c)
		if got.bytes != tc.wantBytes || got.maxRecords != tc.wantMaxRec || got.recordSize != tc.s.recordSize || got.inflight != tc.s.inflight || got.putRecordDur != tc.s.duration {
			t.Errorf("%s: apply = bytes %d maxRecords %d size %d inflight %d dur %v", tc.name, got.bytes, got.maxRecords, got.recordSize, got.inflight, got.putRecordDur)
		}
	}
}

func TestRecordBudget(t *testing.T) {
	take := recordBudget(3)
	n := 0
	for take() {
		n++
		if n > 10 {
			break
		}
	}
	if n != 3 {
		t.Errorf("budget of 3 allowed %d", n)
	}
	free := recordBudget(0)
	for i := 0; i < 1000; i++ {
		if !free() {
			t.Fatal("no cap refused a record")
		}
	}
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct {
		s    step
		want string
	}{
		{step{scenario: "putrecords", recordSize: 1024, batch: 500, inflight: 4}, "PutRecords 1 KiB × 500, 4 in flight"},
		{step{scenario: "putrecords", recordSize: 100, batch: 500, inflight: 16}, "PutRecords 100 B × 500, 16 in flight"},
		{step{scenario: "putrecord", recordSize: 1500, inflight: 16}, "PutRecord 1500 B, 16 in flight"},
		{step{scenario: "readback"}, "GetRecords read-back of everything"},
	} {
		if got := tc.s.label(); got != tc.want {
			t.Errorf("label = %q, want %q", got, tc.want)
		}
	}
}

func TestBatchBudget(t *testing.T) {
	var mu sync.Mutex
	var firstErr error
	ctx := context.Background()
	future := time.Now().Add(time.Hour)

	// A byte cap stops at the first batch at or past it.
	next := batchBudget(ctx, &mu, &firstErr, 2500, 1000, future)
	n := 0
	for next() && n < 100 {
		n++
	}
	if n != 3 {
		t.Errorf("cap 2500 with batches of 1000: %d batches, want 3", n)
	}
	// A cap does not outlast the deadline.
	if batchBudget(ctx, &mu, &firstErr, 1<<40, 1000, time.Now().Add(-time.Second))() {
		t.Error("a batch was allowed after the deadline")
	}
	// No cap: the deadline alone.
	if !batchBudget(ctx, &mu, &firstErr, 0, 1000, future)() {
		t.Error("no batch before the deadline")
	}
	// A failed call stops everyone.
	firstErr = errors.New("boom")
	if batchBudget(ctx, &mu, &firstErr, 0, 1000, future)() {
		t.Error("a batch was allowed after a failure")
	}
	firstErr = nil
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if batchBudget(cctx, &mu, &firstErr, 0, 1000, future)() {
		t.Error("a batch was allowed after cancellation")
	}
}
