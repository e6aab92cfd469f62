package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"
)

// Report is the --json output: what other tools (bench/peers) read
// instead of parsing the markdown tables. Field names are the contract
// with them; add fields rather than renaming.
type Report struct {
	Endpoint string       `json:"endpoint"`
	Client   string       `json:"client"`
	Stream   string       `json:"stream"`
	Shards   int          `json:"shards"`
	Created  bool         `json:"created"`
	Steps    []StepResult `json:"steps"`
}

// StepResult is one step's figures. Latencies are of successful calls;
// Server* fields are zero when no --server-pid was given or the server
// could not be read (ServerError says why).
type StepResult struct {
	ID            string  `json:"id"`
	Label         string  `json:"label"`
	Scenario      string  `json:"scenario"`
	RecordSize    int     `json:"record_size"`
	Batch         int     `json:"batch"`
	Inflight      int     `json:"inflight"`
	WallSeconds   float64 `json:"wall_seconds"`
	Calls         int64   `json:"calls"`
	FailedCalls   int64   `json:"failed_calls"`
	RaceCalls     int64   `json:"race_calls,omitempty"` // of FailedCalls, the SDK's closed-connection race (see closedRace)
	CutCalls      int64   `json:"cut_calls,omitempty"`
	FailedRecords int64   `json:"failed_records"`
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	MiBPerSec     float64 `json:"mib_per_sec"`
	RecordsPerSec float64 `json:"records_per_sec"`
	CallsPerSec   float64 `json:"calls_per_sec"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	MaxMs         float64 `json:"max_ms"`
	Verified      bool    `json:"verified,omitempty"`
	Note          string  `json:"note,omitempty"`
	Error         string  `json:"error,omitempty"`

	ServerCPUSeconds  float64 `json:"server_cpu_seconds"`
	ServerRSSEndKiB   int64   `json:"server_rss_end_kib"`
	ServerPeakRSSKiB  int64   `json:"server_peak_rss_kib"`
	ServerPeakReset   bool    `json:"server_peak_reset"`
	ServerError       string  `json:"server_error,omitempty"`
	LoadgenCPUSeconds float64 `json:"loadgen_cpu_seconds"`
}

// stepResult converts a result for the JSON report.
func stepResult(r result) StepResult {
	lat := slices.Clone(r.lat)
	slices.Sort(lat)
	sec := r.wall.Seconds()
	per := func(n float64) float64 {
		if sec <= 0 {
			return 0
		}
		return n / sec
	}
	msf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s := StepResult{
		ID: r.step.id, Label: r.step.label(), Scenario: r.step.scenario,
		RecordSize: r.step.recordSize, Batch: r.step.batch, Inflight: r.step.inflight,
		WallSeconds: sec, Calls: r.calls, FailedCalls: r.failed, RaceCalls: r.races, CutCalls: r.cut, FailedRecords: r.recFailed,
		Records: r.records, Bytes: r.bytes,
		MiBPerSec: per(float64(r.bytes) / (1 << 20)), RecordsPerSec: per(float64(r.records)), CallsPerSec: per(float64(r.calls)),
		P50Ms: msf(pct(lat, 50)), P99Ms: msf(pct(lat, 99)), MaxMs: msf(pct(lat, 100)),
		Verified: r.verified, Note: r.note,
		LoadgenCPUSeconds: r.self.cpu.Seconds(),
	}
	if r.err != nil {
		s.Error = r.err.Error()
	}
	if r.server.err != nil {
		s.ServerError = r.server.err.Error()
	}
	if r.server.wall > 0 {
		s.ServerCPUSeconds = r.server.cpu.Seconds()
		s.ServerRSSEndKiB = r.server.rssEnd
		s.ServerPeakRSSKiB = r.server.peakKiB
		s.ServerPeakReset = r.server.peakReset
	}
	return s
}

// writeJSON writes the results to path.
func writeJSON(path string, c config, created bool, rs []result) error {
	rep := Report{Endpoint: c.endpoint, Client: c.client, Stream: c.stream, Shards: c.shards, Created: created}
	for _, r := range rs {
		rep.Steps = append(rep.Steps, stepResult(r))
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing --json: %w", err)
	}
	return nil
}
