package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// step is one workload of a run: a scenario with its own record size,
// batch, concurrency and bounds. A plan of several steps runs against one
// stream, so a final readback step reads back what every put step wrote.
type step struct {
	id         string // stable name, e.g. "putrecords-1024x500-c16"; what other tools match on
	scenario   string // putrecords | putrecord | readback
	recordSize int
	batch      int
	inflight   int
	duration   time.Duration // run time of a put step; time limit of a readback
	maxRecords int64         // cap on records a put step sends (0: none)
	maxBytes   int64         // cap on payload bytes a putrecords step sends (0: none)
}

// label is the human name of a step in tables and charts.
func (s step) label() string {
	switch s.scenario {
	case "putrecords":
		return fmt.Sprintf("PutRecords %s × %d, %d in flight", sizeLabel(s.recordSize), s.batch, s.inflight)
	case "putrecord":
		return fmt.Sprintf("PutRecord %s, %d in flight", sizeLabel(s.recordSize), s.inflight)
	case "readback":
		return "GetRecords read-back of everything"
	}
	return s.scenario
}

// sizeLabel prints 1024 as "1 KiB" and 100 as "100 B".
func sizeLabel(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// defaultID names a step after its parameters.
func (s step) defaultID() string {
	switch s.scenario {
	case "putrecords":
		return fmt.Sprintf("putrecords-%dx%d-c%d", s.recordSize, s.batch, s.inflight)
	case "putrecord":
		return fmt.Sprintf("putrecord-%d-c%d", s.recordSize, s.inflight)
	}
	return s.scenario
}

// baseSteps turns the single-scenario flags (--scenario, --record-size,
// ...) into a plan, so that runs without --plan behave as before.
func baseSteps(c config) ([]step, error) {
	base := step{recordSize: c.recordSize, batch: c.batch, inflight: c.inflight, maxBytes: c.bytes}
	mk := func(sc string) step {
		s := base
		s.scenario = sc
		s.duration = c.duration
		if c.bytes > 0 {
			s.duration = c.timeout // --bytes overrides --duration; --timeout still bounds the run
		}
		if sc == "putrecord" {
			s.duration = c.putRecordDur
			s.maxBytes = 0
		}
		if sc == "readback" {
			s.duration = 0
			s.maxBytes = 0
		}
		s.id = s.defaultID()
		return s
	}
	switch c.scenario {
	case "all":
		return []step{mk("putrecords"), mk("putrecord"), mk("readback")}, nil
	case "putrecords", "putrecord", "readback":
		return []step{mk(c.scenario)}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", c.scenario)
}

// parsePlan parses --plan: steps separated by ";", each a scenario name
// followed by key=value settings separated by spaces, e.g.
//
//	putrecords size=1024 batch=500 inflight=16 duration=10s records=2000000; readback duration=60s
//
// Keys: size, batch, inflight, duration, records, bytes, id. Settings a step
// leaves out come from the command-line flags in c. For readback, duration
// is a time limit (0: none).
func parsePlan(plan string, c config) ([]step, error) {
	var steps []step
	for i, part := range strings.Split(plan, ";") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		s := step{scenario: f[0], recordSize: c.recordSize, batch: c.batch, inflight: c.inflight, duration: c.duration}
		switch s.scenario {
		case "putrecords", "putrecord":
		case "readback":
			s.duration = 0
		default:
			return nil, fmt.Errorf("step %d: unknown scenario %q (want putrecords, putrecord or readback)", i+1, s.scenario)
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || v == "" {
				return nil, fmt.Errorf("step %d: %q is not key=value", i+1, kv)
			}
			if err := s.set(k, v); err != nil {
				return nil, fmt.Errorf("step %d: %s: %w", i+1, k, err)
			}
		}
		if s.batch < 1 || s.batch > 500 || s.recordSize < 1 || s.recordSize > 1<<20 || s.inflight < 1 {
			return nil, fmt.Errorf("step %d: need 1 ≤ batch ≤ 500, 1 ≤ size ≤ 1 MiB, inflight ≥ 1", i+1)
		}
		if s.scenario != "readback" && s.duration <= 0 {
			return nil, fmt.Errorf("step %d: a put step needs duration > 0 (it is the time bound)", i+1)
		}
		if s.id == "" {
			s.id = s.defaultID()
		}
		steps = append(steps, s)
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("empty plan")
	}
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.id] {
			return nil, fmt.Errorf("two steps named %q: give one an id=", s.id)
		}
		seen[s.id] = true
	}
	return steps, nil
}

// set applies one key=value setting of a plan step.
func (s *step) set(k, v string) error {
	atoi := func() (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad number %q", v)
		}
		return n, nil
	}
	var err error
	switch k {
	case "size":
		s.recordSize, err = atoi()
	case "batch":
		s.batch, err = atoi()
	case "inflight":
		s.inflight, err = atoi()
	case "duration":
		s.duration, err = time.ParseDuration(v)
		if err == nil && s.duration < 0 {
			err = fmt.Errorf("negative duration %q", v)
		}
	case "records":
		var n int
		n, err = atoi()
		s.maxRecords = int64(n)
	case "bytes":
		s.maxBytes, err = parseBytes(v)
	case "id":
		s.id = v
	default:
		err = fmt.Errorf("unknown key (want size, batch, inflight, duration, records, bytes or id)")
	}
	return err
}

// apply returns c with the step's settings, for the scenario runners.
func (s step) apply(c config) config {
	c.recordSize, c.batch, c.inflight = s.recordSize, s.batch, s.inflight
	c.duration, c.putRecordDur = s.duration, s.duration
	c.bytes = s.maxBytes
	if s.scenario == "putrecords" && s.maxRecords > 0 {
		// Whole batches: the cap is reached at the first batch boundary
		// at or past it.
		rb := s.maxRecords * int64(s.recordSize)
		if c.bytes == 0 || rb < c.bytes {
			c.bytes = rb
		}
	}
	c.maxRecords = 0
	if s.scenario == "putrecord" {
		c.maxRecords = s.maxRecords
	}
	return c
}
