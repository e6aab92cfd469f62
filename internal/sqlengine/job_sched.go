package sqlengine

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// firstRetry is the first delay before retrying a failed run; it doubles
// up to the job's interval.
const firstRetry = time.Second

// scheduler runs the jobs: one goroutine per job, started by Open and
// stopped (runs in progress cancelled and rolled back) by Close.
type scheduler struct {
	e      *Engine
	logger *slog.Logger
	ddl    chan struct{} // holds one token while job DDL runs

	mu      sync.Mutex
	ctx     context.Context // nil until start
	cancel  context.CancelFunc
	runners map[string]*jobRunner
	stopped bool
	hook    jobHook // tests only
	wg      sync.WaitGroup
}

// jobRunner is the state of one job's goroutine.
type jobRunner struct {
	def    jobDef // guarded by scheduler.mu
	cancel context.CancelFunc
	wake   chan struct{} // pause/resume nudges, buffered
	slot   chan struct{} // holds a token while a run is in progress
	done   chan struct{} // closed when the goroutine has returned

	running bool      // guarded by scheduler.mu
	next    time.Time // guarded by scheduler.mu; zero while unknown
}

// jobStatus is a snapshot of one job for rheo_jobs().
type jobStatus struct {
	def     jobDef
	running bool
	next    time.Time
}

func newScheduler(e *Engine, defs []jobDef) *scheduler {
	s := &scheduler{e: e, logger: e.logger, ddl: make(chan struct{}, 1), runners: map[string]*jobRunner{}}
	for _, d := range defs {
		s.runners[d.Name] = newRunner(d)
	}
	return s
}

func newRunner(d jobDef) *jobRunner {
	return &jobRunner{def: d, wake: make(chan struct{}, 1), slot: make(chan struct{}, 1), done: make(chan struct{})}
}

// start launches the goroutines of the jobs known so far. ctx only
// carries values: the jobs run until stop.
func (s *scheduler) start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx != nil || s.stopped {
		return
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for _, r := range s.runners {
		s.launch(r)
	}
}

// launch starts r's goroutine. s.mu is held and s.ctx set.
func (s *scheduler) launch(r *jobRunner) {
	ctx, cancel := context.WithCancel(s.ctx)
	r.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(r.done)
		s.loop(ctx, r)
	}()
}

// stop cancels every job and waits for the goroutines to return.
func (s *scheduler) stop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.stopped = true
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// lockDDL serialises job DDL, waiting no longer than ctx allows.
func (s *scheduler) lockDDL(ctx context.Context) error {
	select {
	case s.ddl <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *scheduler) unlockDDL() { <-s.ddl }

// add schedules a new job (its definition is already in meta).
func (s *scheduler) add(d jobDef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	r := newRunner(d)
	s.runners[d.Name] = r
	if s.ctx != nil {
		s.launch(r)
	}
}

// remove unschedules a job: a run in progress is cancelled (and rolled
// back); remove returns once the job's goroutine has.
func (s *scheduler) remove(name string) {
	s.mu.Lock()
	r := s.runners[name]
	delete(s.runners, name)
	s.mu.Unlock()
	if r == nil || r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
}

// setPaused pauses or resumes a job and returns a wait for the run in
// progress, if any, to finish (a no-op when resuming), so no run starts or
// commits after PAUSE JOB returns. The caller waits after releasing the
// DDL lock: a run that hangs must not block DROP JOB.
func (s *scheduler) setPaused(name string, paused bool) func(context.Context) error {
	s.mu.Lock()
	r := s.runners[name]
	if r != nil {
		r.def.Paused = paused
	}
	s.mu.Unlock()
	none := func(context.Context) error { return nil }
	if r == nil {
		return none
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
	if !paused {
		return none
	}
	return func(ctx context.Context) error {
		select {
		case r.slot <- struct{}{}:
			<-r.slot
			return nil
		case <-r.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// snapshot lists the jobs by name.
func (s *scheduler) snapshot() []jobStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]jobStatus, 0, len(s.runners))
	for _, r := range s.runners {
		out = append(out, jobStatus{def: r.def, running: r.running, next: r.next})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].def.Name < out[j].def.Name })
	return out
}

func (s *scheduler) setHook(h jobHook) {
	s.mu.Lock()
	s.hook = h
	s.mu.Unlock()
}

// loop is one job's goroutine: wait for the next run time (or a resume),
// run, and on failure retry the same iteration after a backoff.
func (s *scheduler) loop(ctx context.Context, r *jobRunner) {
	s.mu.Lock()
	name, interval := r.def.Name, r.def.Interval
	s.mu.Unlock()
	// After a restart the schedule goes on from the last successful run.
	next := time.Now()
	if last, ok, err := s.e.jobLastStart(ctx, name); err != nil {
		if ctx.Err() != nil {
			return
		}
		s.logger.Warn("sqlengine: cannot read job history; running the job now", "job", name, "err", err)
	} else if ok && last.Add(interval).After(next) {
		next = last.Add(interval)
	}
	var backoff time.Duration
	for {
		if !s.wait(ctx, r, next) {
			return
		}
		select {
		case r.slot <- struct{}{}:
		case <-ctx.Done():
			return
		}
		s.mu.Lock()
		def, hook := r.def, s.hook
		if def.Paused {
			s.mu.Unlock()
			<-r.slot
			continue
		}
		r.running = true
		s.mu.Unlock()
		started := time.Now()
		run, err := s.e.runJob(ctx, def, hook)
		s.mu.Lock()
		r.running = false
		s.mu.Unlock()
		<-r.slot
		if ctx.Err() != nil {
			return
		}
		if seen := s.e.jobSeen; seen != nil {
			seen(name, time.Since(started), err != nil)
		}
		if err == nil {
			s.logger.Debug("sqlengine: job ran", "job", name, "iteration", run.iteration, "rows", run.rows, "took", time.Since(started))
			backoff = 0
			next = started.Add(def.Interval)
			continue
		}
		backoff = nextBackoff(backoff, def.Interval)
		s.logger.Warn("sqlengine: job run failed; retrying the same iteration", "job", name, "iteration", run.iteration,
			"attempt", run.attempt, "retry_in", backoff, "err", err)
		next = time.Now().Add(backoff)
	}
}

// wait blocks until the job is not paused and next has come; false when
// ctx ends first.
func (s *scheduler) wait(ctx context.Context, r *jobRunner, next time.Time) bool {
	for {
		s.mu.Lock()
		paused := r.def.Paused
		if paused {
			r.next = time.Time{}
		} else {
			r.next = next
		}
		s.mu.Unlock()
		if paused {
			select {
			case <-r.wake:
				continue
			case <-ctx.Done():
				return false
			}
		}
		d := time.Until(next)
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
			return true
		case <-r.wake:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
}

// nextBackoff doubles the retry delay from firstRetry, capped at the
// job's interval.
func nextBackoff(prev, interval time.Duration) time.Duration {
	if prev <= 0 {
		return min(firstRetry, interval)
	}
	return min(2*prev, interval)
}
