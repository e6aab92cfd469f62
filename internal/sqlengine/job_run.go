package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Stages at which a test hook sees a run (jobHook).
const (
	jobStageBeforeCommit = "before-commit" // statement done, history row not yet written
	jobStageCommitted    = "committed"     // the transaction committed
)

// jobHook lets tests stop or kill a run at a stage; an error aborts the
// run as a failure of the statement would.
type jobHook func(ctx context.Context, job string, iteration int64, stage string) error

// The history keeps each job's last jobHistoryKeep iterations; older rows
// are deleted every jobHistoryPruneEvery iterations, inside the run's
// transaction (Engine.jobKeep and jobPruneEvery; tests lower them).
const (
	jobHistoryKeep       = 10000
	jobHistoryPruneEvery = 100
)

// jobRun is the outcome of one attempt.
type jobRun struct {
	iteration int64 // -1 if the attempt failed before choosing one
	attempt   int64
	rows      int64
}

// runJob runs one attempt of def's next iteration: in one DuckDB
// transaction it reads the next iteration number from the history, runs
// the statement as that iteration of the logical name def.Name, and
// inserts the history row. A crash before COMMIT leaves neither, so the
// same iteration runs again (and reads the same records); after COMMIT
// the history says it is done. A failed attempt is rolled back and then
// recorded with its error, unless ctx was cancelled (the engine is
// closing or the job was dropped: not the statement's fault).
func (e *Engine) runJob(ctx context.Context, def jobDef, hook jobHook) (jobRun, error) {
	run := jobRun{iteration: -1}
	s, err := e.newSession(ctx, false)
	if err != nil {
		return run, err
	}
	defer s.Close()
	if _, err := s.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return run, fmt.Errorf("job %s: begin: %w", def.Name, toError(err))
	}
	open := true
	rollback := func() {
		if open {
			open = false
			_, _ = s.exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}
	defer rollback()
	n, attempt, err := s.nextJobRun(ctx, def.Name)
	if err != nil {
		return run, fmt.Errorf("job %s: read history: %w", def.Name, toError(err))
	}
	run.iteration, run.attempt = n, attempt
	started := time.Now()
	err = s.runJobStatement(ctx, def, run.iteration, &run.rows)
	if err == nil && hook != nil {
		err = hook(ctx, def.Name, run.iteration, jobStageBeforeCommit)
	}
	if err == nil {
		_, err = s.exec(ctx, "INSERT INTO "+jobRunsTable+" VALUES (?, ?, ?, ?, ?, NULL, ?)",
			def.Name, run.iteration, started, time.Now(), run.rows, run.attempt)
	}
	if err == nil && run.iteration >= e.jobKeep && run.iteration%e.jobPruneEvery == 0 {
		// Bound the history (a job every second would add 86,400 rows a
		// day); the row just inserted stays, and it is all the next
		// iteration is derived from.
		_, err = s.exec(ctx, "DELETE FROM "+jobRunsTable+" WHERE job = ? AND iteration <= ?",
			def.Name, run.iteration-e.jobKeep)
	}
	if err == nil {
		_, err = s.exec(ctx, "COMMIT")
		if err == nil {
			open = false
		}
	}
	if err != nil {
		rollback()
		msg := toError(err).Message
		if ctx.Err() == nil {
			if _, herr := s.exec(ctx, "INSERT INTO "+jobRunsTable+" VALUES (?, ?, ?, ?, NULL, ?, ?)",
				def.Name, run.iteration, started, time.Now(), msg, run.attempt); herr != nil {
				e.logger.Warn("sqlengine: cannot record failed job run", "job", def.Name, "iteration", run.iteration, "err", herr)
			}
		}
		return run, fmt.Errorf("job %s iteration %d attempt %d: %s", def.Name, run.iteration, run.attempt, msg)
	}
	if hook != nil {
		_ = hook(ctx, def.Name, run.iteration, jobStageCommitted)
	}
	return run, nil
}

// nextJobRun reads the next iteration of a job (one past the highest
// successful one) and the attempt number for it.
func (s *Session) nextJobRun(ctx context.Context, job string) (iteration, attempt int64, err error) {
	vals, err := s.queryValues(ctx, `SELECT coalesce(max(iteration) + 1, 0) FROM `+jobRunsTable+` WHERE job = ? AND error IS NULL`, job)
	if err != nil {
		return 0, 0, err
	}
	iteration, _ = vals[0].(int64)
	vals, err = s.queryValues(ctx, `SELECT coalesce(max(attempt), 0) + 1 FROM `+jobRunsTable+` WHERE job = ? AND iteration = ?`, job, iteration)
	if err != nil {
		return 0, 0, err
	}
	switch v := vals[0].(type) {
	case int64:
		attempt = v
	case int32:
		attempt = int64(v)
	}
	return iteration, attempt, nil
}

// runJobStatement runs the job's statement in the open transaction, as
// iteration n of the logical name def.Name, and counts the rows it wrote
// (or returned). getvariable('rheo_job') and getvariable('rheo_iteration')
// name the run inside the statement.
func (s *Session) runJobStatement(ctx context.Context, def jobDef, n int64, rows *int64) error {
	if _, err := s.exec(ctx, "SET VARIABLE rheo_job = "+quoteString(def.Name)); err != nil {
		return err
	}
	if _, err := s.exec(ctx, "SET VARIABLE rheo_iteration = "+strconv.FormatInt(n, 10)); err != nil {
		return err
	}
	s.mu.Lock()
	s.ckptEnabled, s.ckptName, s.ckptIter, s.ckptIterSet = true, def.Name, n, true
	s.mu.Unlock()
	r, err := s.Query(ctx, def.Statement)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.NeedsClient(); err != nil {
		return err
	}
	var returned int64
	for r.Next() {
		returned++
	}
	if err := r.Err(); err != nil {
		return err
	}
	*rows = returned
	if f := strings.Fields(r.Tag()); len(f) > 1 {
		if c, err := strconv.ParseInt(f[len(f)-1], 10, 64); err == nil {
			*rows = c
		}
	}
	return nil
}

// jobLastStart returns when the last successful run of a job started, to
// resume its schedule after a restart.
func (e *Engine) jobLastStart(ctx context.Context, job string) (time.Time, bool, error) {
	s, err := e.newSession(ctx, false)
	if err != nil {
		return time.Time{}, false, err
	}
	defer s.Close()
	vals, err := s.queryValues(ctx, `SELECT epoch_us(max(started)) FROM `+jobRunsTable+` WHERE job = ? AND error IS NULL`, job)
	if errors.Is(err, io.EOF) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	us, ok := vals[0].(int64)
	if !ok {
		return time.Time{}, false, nil
	}
	return time.UnixMicro(us), true, nil
}
