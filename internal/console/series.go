package console

import (
	"context"
	"sync"
	"time"
)

// Totals are one stream's cumulative counters at a sampling instant, as
// internal/metrics' StreamTotals reports them (the server adapts).
type Totals struct {
	Records uint64 // records accepted since the server started
	Bytes   uint64 // their data bytes
	// Consumers maps a fan-out consumer name to its latest
	// MillisBehindLatest; nil when none is subscribed.
	Consumers map[string]int64
}

// sample is one ring slot: every stream's counters at one instant.
type sample struct {
	at     time.Time
	totals map[string]Totals
}

// Sampler keeps the last window of counter samples in a ring buffer and
// turns them into per-interval rates on demand. Rates are computed at
// read time so sampling stays a map copy. A stream that appears counts
// from zero; one whose counters go backwards (deleted and re-created
// between two samples) gets a gap for that interval, not a spike.
type Sampler struct {
	source   func() map[string]Totals
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	ring  []sample // fixed length; the oldest slot is at head when full
	head  int      // next slot to write
	count int      // filled slots
}

// NewSampler keeps window/interval+1 samples of source, so the rates
// cover the whole window.
func NewSampler(source func() map[string]Totals, interval, window time.Duration, now func() time.Time) *Sampler {
	if now == nil {
		now = time.Now
	}
	n := int(window/interval) + 1
	if n < 2 {
		n = 2
	}
	return &Sampler{source: source, interval: interval, now: now, ring: make([]sample, n)}
}

// Run samples every interval until ctx ends; the first sample is taken at
// once so rates appear one interval after start.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.Sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample records the source's counters now.
func (s *Sampler) Sample() {
	tot := s.source()
	at := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ring[s.head] = sample{at: at, totals: tot}
	s.head = (s.head + 1) % len(s.ring)
	if s.count < len(s.ring) {
		s.count++
	}
}

// Series is the JSON answer of /console/api/series: T holds the end of
// each interval (Unix seconds) and every stream's slices are parallel to
// it; null marks an interval without a rate.
type Series struct {
	IntervalSeconds float64                 `json:"intervalSeconds"`
	WindowSeconds   float64                 `json:"windowSeconds"`
	T               []float64               `json:"t"`
	Streams         map[string]StreamSeries `json:"streams"`
}

// StreamSeries is one stream's rates and its consumers' current lag.
type StreamSeries struct {
	Records   []*float64       `json:"records"` // records/s
	Bytes     []*float64       `json:"bytes"`   // bytes/s
	Consumers map[string]int64 `json:"consumers"`
}

// Series differences successive samples into rates. Streams present in
// the latest sample only are listed (a deleted stream drops out).
func (s *Sampler) Series() Series {
	s.mu.Lock()
	samples := make([]sample, 0, s.count)
	start := (s.head - s.count + len(s.ring)) % len(s.ring)
	for i := 0; i < s.count; i++ {
		samples = append(samples, s.ring[(start+i)%len(s.ring)])
	}
	s.mu.Unlock()

	out := Series{
		IntervalSeconds: s.interval.Seconds(),
		WindowSeconds:   s.interval.Seconds() * float64(len(s.ring)-1),
		T:               []float64{},
		Streams:         map[string]StreamSeries{},
	}
	if len(samples) == 0 {
		return out
	}
	last := samples[len(samples)-1].totals
	for name, tot := range last {
		cons := tot.Consumers
		if cons == nil {
			cons = map[string]int64{}
		}
		out.Streams[name] = StreamSeries{Records: []*float64{}, Bytes: []*float64{}, Consumers: cons}
	}
	for i := 1; i < len(samples); i++ {
		prev, cur := samples[i-1], samples[i]
		dt := cur.at.Sub(prev.at).Seconds()
		out.T = append(out.T, float64(cur.at.UnixMilli())/1000)
		for name, ss := range out.Streams {
			var r, b *float64
			// A stream missing from the previous sample is new (or new
			// again): its counters started from zero since then.
			p := prev.totals[name]
			c, okc := cur.totals[name]
			if okc && dt > 0 && c.Records >= p.Records && c.Bytes >= p.Bytes {
				rv := float64(c.Records-p.Records) / dt
				bv := float64(c.Bytes-p.Bytes) / dt
				r, b = &rv, &bv
			}
			ss.Records = append(ss.Records, r)
			ss.Bytes = append(ss.Bytes, b)
			out.Streams[name] = ss
		}
	}
	return out
}
