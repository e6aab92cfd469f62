package sqlengine

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// jobRunsTable is the history of job runs. A successful run's row commits
// with the run's own writes, so the highest successful iteration of a job
// is exactly the last iteration whose effects are in the warehouse; failed
// attempts are recorded after their rollback.
const jobRunsTable = "rheo_job_runs"

const jobRunsDDL = `CREATE TABLE IF NOT EXISTS ` + jobRunsTable + ` (
	job VARCHAR NOT NULL,
	iteration BIGINT NOT NULL,
	started TIMESTAMP WITH TIME ZONE NOT NULL,
	finished TIMESTAMP WITH TIME ZONE NOT NULL,
	"rows" BIGINT,
	error VARCHAR,
	attempt INTEGER NOT NULL,
	PRIMARY KEY (job, iteration, attempt))`

// jobsViewSQL joins the definitions (rheo_jobs(), from meta and the
// scheduler) with what the history says.
const jobsViewSQL = `CREATE OR REPLACE VIEW rheo_jobs AS
SELECT j.name, j.every, j.state, j.running, CASE WHEN j.next_run_us > 0 THEN to_timestamp(j.next_run_us / 1000000) END AS next_run_at,
	coalesce(h.last_iteration + 1, 0) AS next_iteration,
	h.last_iteration, h.last_success_at, h.last_rows,
	l.error AS last_error, j.created_at, j.statement
FROM rheo_jobs() AS j
LEFT JOIN (SELECT job, max(iteration) AS last_iteration, max(finished) AS last_success_at,
		arg_max("rows", iteration) AS last_rows
	FROM ` + jobRunsTable + ` WHERE error IS NULL GROUP BY job) AS h ON h.job = j.name
LEFT JOIN (SELECT DISTINCT ON (job) job, error FROM ` + jobRunsTable + `
	ORDER BY job, finished DESC, attempt DESC) AS l ON l.job = j.name`

// initJobs creates the history table, registers rheo_jobs() and makes the
// rheo_jobs view. Open calls it on its set-up connection.
func (e *Engine) initJobs(ctx context.Context, conn *sql.Conn) error {
	if e.jobs == nil { // a reopen keeps the scheduler, whose runs retry meanwhile
		defs, err := e.loadJobs()
		if err != nil {
			return err
		}
		e.jobs = newScheduler(e, defs)
	}
	if _, err := conn.ExecContext(ctx, jobRunsDDL); err != nil {
		return fmt.Errorf("create %s: %w", jobRunsTable, err)
	}
	if err := duckdb.RegisterTableUDF(conn, "rheo_jobs", duckdb.RowTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.RowTableSource, error) {
			return &jobSource{rows: e.jobs.snapshot()}, nil
		},
	}); err != nil {
		return fmt.Errorf("register rheo_jobs: %w", err)
	}
	if err := e.replaceView(ctx, conn, "rheo_jobs", jobsViewSQL); err != nil {
		return fmt.Errorf("create rheo_jobs view: %w", err)
	}
	return nil
}

// jobSource lists the jobs for rheo_jobs().
type jobSource struct {
	rows []jobStatus
	i    int
}

func (s *jobSource) ColumnInfos() []duckdb.ColumnInfo {
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	b, _ := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	bi, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	ts, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	return []duckdb.ColumnInfo{
		{Name: "name", T: vc},
		{Name: "every", T: vc},
		{Name: "state", T: vc},
		{Name: "running", T: b},
		{Name: "next_run_us", T: bi}, // 0: none (duckdb-go's Row cannot set NULL)
		{Name: "statement", T: vc},
		{Name: "created_at", T: ts},
	}
}

func (s *jobSource) Cardinality() *duckdb.CardinalityInfo { return nil }
func (s *jobSource) Init()                                {}

func (s *jobSource) FillRow(row duckdb.Row) (bool, error) {
	if s.i >= len(s.rows) {
		return false, nil
	}
	j := s.rows[s.i]
	s.i++
	state := "active"
	var next int64
	if j.def.Paused {
		state = "paused"
	} else if !j.next.IsZero() {
		next = j.next.UnixMicro()
	}
	vals := []any{j.def.Name, j.def.Every, state, j.running, next, j.def.Statement, j.def.CreatedAt}
	for i, v := range vals {
		if err := row.SetRowValue(i, v); err != nil {
			return false, err
		}
	}
	return true, nil
}
