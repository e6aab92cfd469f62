package console

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeCounters hands out scripted samples, one per call.
type fakeCounters struct {
	mu    sync.Mutex
	steps []map[string]Totals
	i     int
}

func (f *fakeCounters) next() map[string]Totals {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.steps[min(f.i, len(f.steps)-1)]
	f.i++
	return s
}

func ptrs(vs []*float64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		if v == nil {
			out[i] = nil
		} else {
			out[i] = *v
		}
	}
	return out
}

func TestSeriesRates(t *testing.T) {
	tests := []struct {
		name    string
		steps   []map[string]Totals
		stream  string
		records []any
		bytes   []any
	}{
		{"steady", []map[string]Totals{{"a": {0, 0, nil}}, {"a": {50, 500, nil}}, {"a": {100, 1500, nil}}},
			"a", []any{10.0, 10.0}, []any{100.0, 200.0}},
		{"appears later", []map[string]Totals{{}, {"a": {7, 7, nil}}, {"a": {17, 7, nil}}},
			"a", []any{1.4, 2.0}, []any{1.4, 0.0}},
		{"recreated (counter goes back)", []map[string]Totals{{"a": {100, 100, nil}}, {"a": {5, 5, nil}}, {"a": {10, 10, nil}}},
			"a", []any{nil, 1.0}, []any{nil, 1.0}},
		{"deleted, then created again", []map[string]Totals{{"a": {1, 1, nil}}, {}, {"a": {1, 1, nil}}},
			"a", []any{nil, 0.2}, []any{nil, 0.2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			f := &fakeCounters{steps: tc.steps}
			s := NewSampler(f.next, 5*time.Second, time.Minute, func() time.Time { return now })
			for range tc.steps {
				s.Sample()
				now = now.Add(5 * time.Second)
			}
			got := s.Series()
			ss, ok := got.Streams[tc.stream]
			if !ok {
				t.Fatalf("stream %q missing: %+v", tc.stream, got)
			}
			if len(got.T) != len(tc.steps)-1 || got.T[0] != 1005 {
				t.Errorf("t = %v", got.T)
			}
			if g := ptrs(ss.Records); !equal(g, tc.records) {
				t.Errorf("records/s = %v, want %v", g, tc.records)
			}
			if g := ptrs(ss.Bytes); !equal(g, tc.bytes) {
				t.Errorf("bytes/s = %v, want %v", g, tc.bytes)
			}
		})
	}
}

func equal(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSeriesWindowWraps(t *testing.T) {
	now := time.Unix(0, 0)
	var n uint64
	s := NewSampler(func() map[string]Totals {
		n += 5
		return map[string]Totals{"a": {Records: n, Consumers: map[string]int64{"c": 42}}}
	}, 5*time.Second, 30*time.Second, func() time.Time { return now })
	for i := 0; i < 20; i++ {
		s.Sample()
		now = now.Add(5 * time.Second)
	}
	got := s.Series()
	// 30 s / 5 s + 1 = 7 samples kept → 6 intervals, the newest ones.
	if len(got.T) != 6 || got.T[5] != 95 || got.T[0] != 70 {
		t.Fatalf("t = %v", got.T)
	}
	for _, r := range got.Streams["a"].Records {
		if r == nil || *r != 1 {
			t.Fatalf("records/s = %v", ptrs(got.Streams["a"].Records))
		}
	}
	if got.Streams["a"].Consumers["c"] != 42 {
		t.Errorf("consumers = %v", got.Streams["a"].Consumers)
	}
	if got.WindowSeconds != 30 {
		t.Errorf("window %v", got.WindowSeconds)
	}
}

func TestSeriesEmptyAndRun(t *testing.T) {
	calls := make(chan struct{}, 10)
	s := NewSampler(func() map[string]Totals {
		select {
		case calls <- struct{}{}:
		default:
		}
		return map[string]Totals{}
	}, time.Millisecond, time.Second, nil)
	if got := s.Series(); len(got.T) != 0 || len(got.Streams) != 0 {
		t.Fatalf("empty sampler: %+v", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	<-calls
	<-calls
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
