package sqlengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
)

// Scheduled jobs (CREATE JOB name EVERY '1 minute' AS <statement>) run a
// statement as the next checkpointed iteration of the logical name that
// is the job's name. The pieces:
//
//   - job_parse.go: the statements and the interval syntax;
//   - job.go (this file): the definitions, kept in meta, and the DDL;
//   - job_sched.go: one goroutine per job, the schedule, retries, pause;
//   - job_run.go: one run, the statement and its history row committed in
//     one DuckDB transaction, so an iteration is never skipped or repeated;
//   - job_table.go: rheo_job_runs (the history) and the rheo_jobs view.

// jobNamespace is the meta namespace of job definitions.
const jobNamespace = "sqljobs"

// jobDef is a job as stored in meta.
type jobDef struct {
	Name      string        `json:"name"`
	Every     string        `json:"every"` // as the user wrote it
	Interval  time.Duration `json:"interval"`
	Statement string        `json:"statement"`
	Paused    bool          `json:"paused"`
	CreatedAt time.Time     `json:"createdAt"`
}

// job runs a job statement (CREATE/PAUSE/RESUME/DROP JOB; SHOW JOBS is a
// query and goes through run). s.mu is held.
func (s *Session) job(ctx context.Context, st string, toks []token) (*Result, error) {
	js, err := parseJobStatement(st, toks)
	if err != nil {
		return nil, err
	}
	if js.verb == "show" {
		return s.run(ctx, showJobsSQL, nil, nil)
	}
	sc := s.e.jobs
	// Job DDL is serialised, so meta and the running schedule agree.
	if err := sc.lockDDL(ctx); err != nil {
		return nil, toError(err)
	}
	locked := true
	defer func() {
		if locked {
			sc.unlockDDL()
		}
	}()
	var def jobDef
	found, err := s.e.meta.Get(jobNamespace, js.name, &def)
	if err != nil {
		return nil, toError(fmt.Errorf("read job %s: %w", js.name, err))
	}
	switch js.verb {
	case "create":
		if found {
			if js.ifNotExists {
				return &Result{tag: "CREATE JOB", notices: []string{fmt.Sprintf("job %q already exists, skipping", js.name)}}, nil
			}
			return nil, newErr(CodeDuplicateTable, "job %q already exists", js.name)
		}
		if err := s.checkJobStatement(ctx, js.statement); err != nil {
			return nil, err
		}
		def = jobDef{Name: js.name, Every: js.every, Interval: js.interval, Statement: js.statement, CreatedAt: time.Now().UTC()}
		if err := s.e.meta.Put(jobNamespace, def.Name, &def); err != nil {
			return nil, toError(fmt.Errorf("store job %s: %w", def.Name, err))
		}
		sc.add(def)
		return &Result{tag: "CREATE JOB"}, nil
	case "drop":
		if !found {
			if js.ifExists {
				return &Result{tag: "DROP JOB", notices: []string{fmt.Sprintf("job %q does not exist, skipping", js.name)}}, nil
			}
			return nil, newErr(CodeUndefinedObject, "job %q does not exist", js.name)
		}
		if err := s.e.meta.Delete(jobNamespace, js.name); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return nil, toError(fmt.Errorf("drop job %s: %w", js.name, err))
		}
		sc.remove(js.name)
		return &Result{tag: "DROP JOB"}, nil
	}
	// pause, resume
	if !found {
		return nil, newErr(CodeUndefinedObject, "job %q does not exist", js.name)
	}
	paused := js.verb == "pause"
	tag := "PAUSE JOB"
	if !paused {
		tag = "RESUME JOB"
	}
	if def.Paused != paused {
		def.Paused = paused
		if err := s.e.meta.Put(jobNamespace, def.Name, &def); err != nil {
			return nil, toError(fmt.Errorf("%s job %s: %w", js.verb, def.Name, err))
		}
	}
	idle := sc.setPaused(def.Name, paused)
	// PAUSE waits for a run in progress without holding the DDL lock, so
	// a run that hangs can still be dropped (which ends this wait too).
	locked = false
	sc.unlockDDL()
	if err := idle(ctx); err != nil {
		return nil, toError(fmt.Errorf("pause job %s: waiting for the run in progress: %w", def.Name, err))
	}
	return &Result{tag: tag}, nil
}

// checkJobStatement refuses a statement a job cannot run, and one DuckDB
// cannot prepare (a typo, a missing table), so mistakes show at CREATE JOB
// rather than in the history. Stream scans are bound but not read.
func (s *Session) checkJobStatement(ctx context.Context, st string) error {
	toks, err := lex(st, false)
	if err != nil {
		return toError(err)
	}
	if err := jobStatementAllowed(st, toks); err != nil {
		return err
	}
	if toks[0].is("copy") && isRedshiftCopy(toks) {
		if _, err := parseCopy(st); err != nil {
			return toError(err)
		}
		return nil
	}
	// Described as a client's statement is: with the rewrites each run
	// gets (Redshift's functions, s3:// paths, ...), bound but not read.
	_, err = s.describe(ctx, st)
	return err
}

// loadJobs reads every job definition from meta.
func (e *Engine) loadJobs() ([]jobDef, error) {
	var defs []jobDef
	err := e.meta.Scan(jobNamespace, "", func(key string, value []byte) error {
		var d jobDef
		if err := json.Unmarshal(value, &d); err != nil {
			return fmt.Errorf("decode job %q: %w", key, err)
		}
		defs = append(defs, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load jobs: %w", err)
	}
	return defs, nil
}
