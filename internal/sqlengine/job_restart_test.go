package sqlengine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// openEnvAt opens the meta store and file shard log of dir (creating them
// if needed) and, if engine, a file-backed engine; close releases all.
func openEnvAt(t testing.TB, dir string, engine bool) (e *env, close func()) {
	t.Helper()
	e = &env{t: t, dir: dir, clock: newClock(), path: filepath.Join(dir, "warehouse.duckdb"), lake: nil}
	m, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.meta = m
	lg, err := shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(dir, "streams"), Now: e.clock.Now, Sync: shardlog.SyncNever})
	if err != nil {
		t.Fatal(err)
	}
	e.log = lg
	if engine {
		e.open()
	}
	return e, func() {
		if e.eng != nil {
			if err := e.eng.Close(); err != nil {
				t.Error(err)
			}
			e.eng = nil
		}
		e.log.Close()
		e.meta.Close()
	}
}

// appendIDs appends CSV records "id,v" for ids [from, to) to stream s's
// two shards; for use off the test goroutine.
func appendIDs(ctx context.Context, e *env, from, to int) error {
	st, ok := e.meta.Stream("s")
	if !ok {
		return errors.New("no stream s")
	}
	for i := from; i < to; i++ {
		entry := []shardlog.Entry{{PartitionKey: []byte("k"), Data: fmt.Appendf(nil, "%d,v%d", i, i)}}
		if _, err := e.log.Append(ctx, shardlog.ShardID{Stream: st.UID, Shard: uint32(i % 2)}, entry); err != nil {
			return err
		}
	}
	return nil
}

const copierJob = "CREATE JOB copier EVERY '100 milliseconds' AS INSERT INTO out SELECT id, getvariable('rheo_iteration') FROM t"

// TestJobRestartDuringRun closes the engine while iteration 1 is blocked
// before its commit, reopens it, and checks that iteration 1 runs again
// (reading the same records) and nothing is skipped or written twice.
func TestJobRestartDuringRun(t *testing.T) {
	e, s := jobFixture(t, envOpt{fileLog: true, dbFile: true})
	putIDs(e, "s", 2, 0, 5)
	blocked := make(chan struct{})
	e.eng.jobs.setHook(func(ctx context.Context, job string, n int64, stage string) error {
		switch {
		case n == 0 && stage == jobStageCommitted:
			return appendIDs(ctx, e, 5, 10) // iteration 1 has records
		case n == 1 && stage == jobStageBeforeCommit:
			close(blocked)
			<-ctx.Done() // a slow run, cut by Close
			return ctx.Err()
		}
		return nil
	})
	exec(t, s, copierJob)
	select {
	case <-blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("iteration 1 never reached its commit")
	}
	if got := one(t, s, "SELECT count(*), max(id) FROM out"); got != "5|4" {
		t.Fatalf("before the restart: %s", got)
	}
	if got := one(t, s, "SELECT running FROM rheo_jobs"); got != "true" {
		t.Fatalf("running: %s", got)
	}
	s.Close()
	e.reopen()
	// Records that arrive now belong to iteration 2: iteration 1's window
	// was fixed by the interrupted run.
	putIDs(e, "s", 2, 10, 14)
	s = e.session()
	waitFor(t, 10*time.Second, "iteration 2", func() bool { return maxIter(t, s, "copier") >= 2 })
	checkOut(t, s, 14)
	checkHistory(t, s, "copier")
	if got := one(t, s, "SELECT count(*), min(id), max(id) FROM out WHERE it = 1"); got != "5|5|9" {
		t.Fatalf("iteration 1 after the restart: %s", got)
	}
	// Cancelled by Close is not a failure: no error row, attempt 1.
	if got := one(t, s, "SELECT count(*), max(attempt) FROM rheo_job_runs WHERE iteration = 1"); got != "1|1" {
		t.Fatalf("history of iteration 1: %v", rows(t, s, "SELECT * FROM rheo_job_runs"))
	}
}

const killChildEnv = "RHEO_JOB_KILL_CHILD"

// TestJobSurvivesKill9 runs a job in a child process that SIGKILLs itself
// in iteration 1, once before its transaction commits and once right
// after, then restarts on the same data dir: iteration 1 either runs
// again over the same records or is done, never both, never skipped.
func TestJobSurvivesKill9(t *testing.T) {
	if v := os.Getenv(killChildEnv); v != "" {
		dir, stage, _ := strings.Cut(v, "|")
		jobKillChild(t, dir, stage)
		return
	}
	for _, stage := range []string{jobStageBeforeCommit, jobStageCommitted} {
		t.Run(stage, func(t *testing.T) {
			dir := t.TempDir()
			e, closeEnv := openEnvAt(t, dir, true)
			e.stream("s", 2)
			s := e.session()
			exec(t, s, "CREATE STREAM TABLE t (id INT, v STRING) FROM STREAM 's' FORMAT csv")
			exec(t, s, "CREATE TABLE out (id INT, it BIGINT)")
			putIDs(e, "s", 2, 0, 10)
			s.Close()
			closeEnv()

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := osexec.CommandContext(ctx, os.Args[0], "-test.run=^TestJobSurvivesKill9$")
			cmd.Env = append(os.Environ(), killChildEnv+"="+dir+"|"+stage)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var ee *osexec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out.Bytes())
			}

			// Records put before the job restarts go to iteration 2.
			e, closeEnv = openEnvAt(t, dir, false)
			putIDs(e, "s", 2, 20, 25)
			e.open()
			defer closeEnv()
			s = e.session()
			defer s.Close()
			waitFor(t, 10*time.Second, "iteration 2", func() bool { return maxIter(t, s, "copier") >= 2 })
			exec(t, s, "PAUSE JOB copier")
			if got := one(t, s, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM out"); got != "25|25|0|24" {
				t.Fatalf("out after kill -9: %s\n%v", got, rows(t, s, "SELECT it, count(*) FROM out GROUP BY it ORDER BY it"))
			}
			checkHistory(t, s, "copier")
			for it, want := range []string{"10|0|9", "10|10|19", "5|20|24"} {
				if got := one(t, s, "SELECT count(*), min(id), max(id) FROM out WHERE it = $1", it); got != want {
					t.Errorf("iteration %d: %s, want %s", it, got, want)
				}
			}
			if got := one(t, s, "SELECT count(*) FROM rheo_job_runs WHERE error IS NOT NULL"); got != "0" {
				t.Errorf("failed runs: %v", rows(t, s, "SELECT * FROM rheo_job_runs"))
			}
		})
	}
}

// jobKillChild is the child side: run the job until iteration 1 reaches
// stage, then SIGKILL this process.
func jobKillChild(t *testing.T, dir, stage string) {
	e, _ := openEnvAt(t, dir, true)
	e.eng.jobs.setHook(func(ctx context.Context, job string, n int64, st string) error {
		switch {
		case n == 0 && st == jobStageCommitted:
			return appendIDs(ctx, e, 10, 20)
		case n == 1 && st == stage:
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(10 * time.Second) // not reached
		}
		return nil
	})
	s := e.session()
	exec(t, s, copierJob)
	time.Sleep(30 * time.Second) // the hook kills the process long before
	t.Fatal("iteration 1 never ran")
}
