package sqlengine

import (
	"context"
	"testing"
	"time"
)

// TestJobDropWhilePauseWaitsOnHungRun: PAUSE JOB waits for a run in
// progress, but a run that never ends must not lock out every other job
// statement: DROP JOB still cancels it, and the waiting PAUSE returns.
func TestJobDropWhilePauseWaitsOnHungRun(t *testing.T) {
	e, s := jobFixture(t, envOpt{})
	hung := make(chan struct{}, 1)
	e.eng.jobs.setHook(func(ctx context.Context, job string, n int64, stage string) error {
		if stage != jobStageBeforeCommit {
			return nil
		}
		select {
		case hung <- struct{}{}:
		default:
		}
		<-ctx.Done() // a statement that never finishes on its own
		return ctx.Err()
	})
	exec(t, s, "CREATE JOB h EVERY '1 hour' AS INSERT INTO out SELECT id, 0 FROM t")
	select {
	case <-hung:
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not start")
	}
	pauseCtx, stopPause := context.WithCancel(context.Background())
	defer stopPause() // on failure, so the clean-up does not hang too
	pauseDone := make(chan error, 1)
	go func() {
		s2 := e.session()
		r, err := s2.Query(pauseCtx, "PAUSE JOB h")
		if err == nil {
			r.Close()
		}
		pauseDone <- err
	}()
	select {
	case err := <-pauseDone:
		t.Fatalf("PAUSE JOB returned while the run was in progress: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	dropDone := make(chan error, 1)
	go func() {
		s3 := e.session()
		r, err := s3.Query(context.Background(), "DROP JOB h")
		if err == nil {
			r.Close()
		}
		dropDone <- err
	}()
	select {
	case err := <-dropDone:
		if err != nil {
			t.Fatalf("DROP JOB: %v", err)
		}
	case <-time.After(5 * time.Second):
		stopPause()
		<-dropDone
		t.Fatal("DROP JOB waited behind a PAUSE JOB that waits for a hung run")
	}
	select {
	case <-pauseDone:
	case <-time.After(5 * time.Second):
		t.Fatal("PAUSE JOB still waits after the job was dropped")
	}
	if got := one(t, s, "SELECT count(*) FROM rheo_jobs"); got != "0" {
		t.Fatalf("rheo_jobs after DROP: %s", got)
	}
}
