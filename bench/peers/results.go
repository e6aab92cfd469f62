package main

import (
	"fmt"
	"math"
	"strings"
)

// loadgenReport mirrors bench/loadgen's --json output (its Report and
// StepResult types; loadgen is a command, so the shape is repeated here).
type loadgenReport struct {
	Endpoint string       `json:"endpoint"`
	Client   string       `json:"client"`
	Stream   string       `json:"stream"`
	Shards   int          `json:"shards"`
	Steps    []stepResult `json:"steps"`
}

// stepResult is one workload's figures against one server.
type stepResult struct {
	ID               string  `json:"id"`
	Label            string  `json:"label"`
	Scenario         string  `json:"scenario"`
	WallSeconds      float64 `json:"wall_seconds"`
	Calls            int64   `json:"calls"`
	FailedCalls      int64   `json:"failed_calls"`
	RaceCalls        int64   `json:"race_calls"`
	CutCalls         int64   `json:"cut_calls"`
	FailedRecords    int64   `json:"failed_records"`
	Records          int64   `json:"records"`
	Bytes            int64   `json:"bytes"`
	MiBPerSec        float64 `json:"mib_per_sec"`
	RecordsPerSec    float64 `json:"records_per_sec"`
	CallsPerSec      float64 `json:"calls_per_sec"`
	P50Ms            float64 `json:"p50_ms"`
	P99Ms            float64 `json:"p99_ms"`
	Verified         bool    `json:"verified"`
	Note             string  `json:"note"`
	Error            string  `json:"error"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	ServerPeakRSSKiB int64   `json:"server_peak_rss_kib"`
	ServerPeakReset  bool    `json:"server_peak_reset"`
	ServerError      string  `json:"server_error"`
}

// targetResult is everything measured about one server configuration.
type targetResult struct {
	Name    string `json:"name"`    // column title, e.g. "kinesalite (--path)"
	Peer    string `json:"peer"`    // rheo | kinesalite | kinesis-mock
	Mode    string `json:"mode"`    // how it stores data, one line
	Command string `json:"command"` // how it was started
	Loadgen string `json:"loadgen"` // the load generator's command line
	Skipped string `json:"skipped,omitempty"`
	// Warning is something that went wrong after the server started: it
	// exited during the run, or opened a listener not on loopback.
	Warning string `json:"warning,omitempty"`
	// DataBytes is what the server left in its data directory, measured
	// after it stopped.
	DataBytes int64          `json:"data_bytes"`
	Report    *loadgenReport `json:"report,omitempty"`
}

// step returns the target's result for workload id, or nil.
func (t targetResult) step(id string) *stepResult {
	if t.Report == nil {
		return nil
	}
	for i := range t.Report.Steps {
		if t.Report.Steps[i].ID == id {
			return &t.Report.Steps[i]
		}
	}
	return nil
}

// metric picks one figure of a step; ok is false when the step has no
// usable value (failed with nothing done, or not run).
type metric struct {
	name  string // column or row title
	unit  string
	value func(s *stepResult) (float64, bool)
}

// throughput is the headline figure of a workload: MiB/s of payload for
// PutRecords and read-back, calls/s for single PutRecord.
func throughput(scenario string) metric {
	if scenario == "putrecord" {
		return metric{"throughput", "calls/s", func(s *stepResult) (float64, bool) { return s.CallsPerSec, s.Records > 0 }}
	}
	return metric{"throughput", "MiB/s", func(s *stepResult) (float64, bool) { return s.MiBPerSec, s.Records > 0 }}
}

var (
	p50Metric = metric{"p50", "ms", func(s *stepResult) (float64, bool) { return s.P50Ms, s.Records > 0 }}
	p99Metric = metric{"p99", "ms", func(s *stepResult) (float64, bool) { return s.P99Ms, s.Records > 0 }}
	// cpuPerGiB normalises server CPU by the payload moved, so servers
	// that did different amounts of work in the same time compare.
	cpuPerGiB = metric{"server CPU", "s/GiB", func(s *stepResult) (float64, bool) {
		if s.Bytes <= 0 || s.ServerError != "" && s.ServerCPUSeconds == 0 {
			return 0, false
		}
		return s.ServerCPUSeconds / (float64(s.Bytes) / (1 << 30)), true
	}}
	peakRSS = metric{"server peak RSS", "MiB", func(s *stepResult) (float64, bool) {
		return float64(s.ServerPeakRSSKiB) / 1024, s.ServerPeakRSSKiB > 0
	}}
)

// ratio returns rheo ÷ peer, or false when either is missing or zero.
func ratio(rheo, peer float64, okR, okP bool) (float64, bool) {
	if !okR || !okP || peer == 0 || rheo == 0 || math.IsNaN(rheo) || math.IsNaN(peer) {
		return 0, false
	}
	return rheo / peer, true
}

// num prints a figure with about three significant digits.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1000:
		return addCommas(fmt.Sprintf("%.0f", v))
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a == 0:
		return "0"
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// addCommas groups the integer digits of s by thousands.
func addCommas(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// times prints a ratio as "×12.3" (or "×0.42").
func times(r float64) string { return "×" + num(r) }

// cell renders one target's value of m for a step, with rheo ÷ target
// appended when ref (rheo's step) is given and the target is not rheo.
func cell(m metric, s, ref *stepResult, withRatio bool) string {
	if s == nil {
		return "–"
	}
	v, ok := m.value(s)
	if !ok {
		return noValue(s)
	}
	out := num(v)
	if withRatio && ref != nil {
		rv, rok := m.value(ref)
		if r, ok := ratio(rv, v, rok, ok); ok {
			out += " (" + times(r) + ")"
		}
	}
	return out
}

// noValue says why a step has no figure.
func noValue(s *stepResult) string {
	switch {
	case s.Error != "":
		return "failed"
	case s.Records == 0 && s.CutCalls > 0:
		return "none answered in time"
	}
	return "-"
}

// table renders a markdown table: one row per workload, one column per
// target, cells "value (×rheo÷target)"; the first target is the
// reference (rheo durable) and gets no ratio.
func table(ts []targetResult, workloads []stepResult, pick func(scenario string) metric) string {
	if len(ts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| workload | unit |")
	for _, t := range ts {
		b.WriteString(" " + t.Name + " |")
	}
	b.WriteString("\n|---|---|")
	for range ts {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, w := range workloads {
		m := pick(w.Scenario)
		ref := ts[0].step(w.ID)
		fmt.Fprintf(&b, "| %s | %s |", w.Label, m.unit)
		for i, t := range ts {
			if t.Skipped != "" {
				b.WriteString(" skipped |")
				continue
			}
			b.WriteString(" " + cell(m, t.step(w.ID), ref, i > 0) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// workloads lists the steps in plan order from the first target that ran.
func workloads(ts []targetResult) []stepResult {
	for _, t := range ts {
		if t.Report != nil && len(t.Report.Steps) > 0 {
			return t.Report.Steps
		}
	}
	return nil
}

// notes lists what a reader must know to trust the tables: failed or
// cut-off steps, unverified read-backs, peak RSS that could not be reset.
func notes(ts []targetResult) []string {
	var out []string
	for _, t := range ts {
		if t.Skipped != "" {
			out = append(out, fmt.Sprintf("**%s** skipped: %s", t.Name, t.Skipped))
			continue
		}
		if t.Warning != "" {
			out = append(out, fmt.Sprintf("**%s**: %s", t.Name, t.Warning))
		}
		if t.Report == nil {
			continue
		}
		for _, s := range t.Report.Steps {
			var parts []string
			if s.Error != "" {
				parts = append(parts, "failed: "+oneLine(s.Error))
			}
			if s.FailedCalls > 0 || s.FailedRecords > 0 {
				p := fmt.Sprintf("%d failed calls, %d failed records", s.FailedCalls, s.FailedRecords)
				if s.RaceCalls > 0 {
					p += fmt.Sprintf(" (%d of the calls: aws-sdk-go-v2's closed-connection race, which its default retryer retries; loadgen runs without retries)", s.RaceCalls)
				}
				parts = append(parts, p)
			}
			if s.CutCalls > 0 {
				parts = append(parts, fmt.Sprintf("%d calls still unanswered at the step's limit were cut off", s.CutCalls))
			}
			if s.Scenario == "readback" && s.Verified {
				parts = append(parts, fmt.Sprintf("read-back verified (%d records)", s.Records))
			} else if s.Scenario == "readback" {
				parts = append(parts, "read-back NOT verified")
			}
			if s.ServerPeakRSSKiB > 0 && !s.ServerPeakReset {
				parts = append(parts, "peak RSS is since process start (clear_refs not writable)")
			}
			if len(parts) > 0 {
				out = append(out, fmt.Sprintf("%s, %s: %s", t.Name, s.Label, strings.Join(parts, "; ")))
			}
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
