package delivery

import (
	"context"
	"time"
)

// retry runs fn until it succeeds, backing off; it fails only when ctx is
// done.
func (w *worker) retry(ctx context.Context, fn func() error) error {
	attempt := 0
	return w.retryAttempts(ctx, &attempt, fn)
}

// retryAttempts is retry with the attempt counter visible to fn. Failures
// show in Status until an attempt succeeds.
func (w *worker) retryAttempts(ctx context.Context, attempt *int, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		*attempt++
		w.s.failed(err, *attempt, w.m.now())
		w.m.logger.Warn("delivery: batch failed, retrying", "stream", w.s.name(), "attempt", *attempt, "err", err)
		if !w.sleep(ctx, w.m.backoff(*attempt)) {
			return ctx.Err()
		}
	}
}

// sleep waits d; false if ctx ended first.
func (w *worker) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is the wait after the n-th failed attempt: RetryMin doubling up
// to RetryMax.
func (m *Manager) backoff(n int) time.Duration {
	lo, hi := m.opts.RetryMin, m.opts.RetryMax
	if lo <= 0 {
		lo = time.Second
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// clearSourceError drops a "source not found" error once the source is
// readable again.
func (w *worker) clearSourceError() {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.st.Attempts == 0 && w.s.st.LastError != "" {
		w.s.st.LastError = ""
		w.s.st.FailingSince = time.Time{}
	}
}

// name is the stream's name.
func (s *stream) name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.Def.Name
}

// setError records a problem that is not a batch attempt (missing
// source); it reports whether the message differs from the last one.
func (s *stream) setError(err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := s.st.LastError != err.Error()
	s.st.LastError = err.Error()
	if s.st.FailingSince.IsZero() {
		s.st.FailingSince = s.m.now().UTC()
	}
	return changed
}

// batchFailing reports whether the batch in flight has failed an attempt.
func (s *stream) batchFailing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Attempts > 0
}

// failed records a failed attempt.
func (s *stream) failed(err error, attempt int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.LastError = err.Error()
	s.st.Attempts = attempt
	if s.st.FailingSince.IsZero() {
		s.st.FailingSince = now.UTC()
	}
}

// succeeded records a delivered batch and clears the failure state.
func (s *stream) succeeded(r batchResult, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Records += r.records
	s.st.Bytes += r.bytes
	s.st.Objects += r.objects
	s.st.FailedRecords += r.failed
	s.st.LastSuccess = now.UTC()
	s.st.FailingSince, s.st.Attempts, s.st.LastError = time.Time{}, 0, ""
}

// msTime converts ms since the Unix epoch to a UTC time.
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
