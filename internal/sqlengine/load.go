package sqlengine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
)

// loadsTable is the ledger of applied warehouse loads. A load's rows and
// its ledger row commit in one DuckDB transaction, so after a crash a load
// is either fully applied and recorded, or neither.
const loadsTable = "rheo_loads"

const loadsDDL = `CREATE TABLE IF NOT EXISTS ` + loadsTable + ` (
	load_id VARCHAR PRIMARY KEY,
	table_name VARCHAR NOT NULL,
	source VARCHAR NOT NULL,
	row_count BIGINT NOT NULL,
	loaded_at TIMESTAMP WITH TIME ZONE NOT NULL)`

// LoadRequest is one delivered object to load into a warehouse table (the
// Redshift destination's CopyCommand).
type LoadRequest struct {
	Table       string // CopyCommand.DataTableName, possibly schema.table
	Columns     string // CopyCommand.DataTableColumns ("a,b,c"), "" for all
	CopyOptions string // CopyCommand.CopyOptions, e.g. "JSON 'auto' GZIP"
	From        string // "s3://bucket/key" of one delivered object
	LoadID      string // unique per delivery batch
}

// Load runs the Redshift-style COPY of req for exactly the object
// req.From (not a prefix), and records LoadID in rheo_loads in the same
// transaction. A second Load with an applied LoadID does nothing and
// returns the first load's row count, so a batch retried after a crash
// is loaded exactly once.
func (e *Engine) Load(ctx context.Context, req *LoadRequest) (rows int64, err error) {
	if req.LoadID == "" {
		return 0, newErr(CodeInvalidParameter, "load id is required")
	}
	stmt := "COPY " + req.Table
	if cols := strings.TrimSpace(req.Columns); cols != "" {
		stmt += " (" + cols + ")"
	}
	stmt += " FROM " + quoteString(req.From) + " " + req.CopyOptions
	c, err := parseCopy(stmt)
	if err != nil {
		return 0, fmt.Errorf("copy command for table %s: %w", req.Table, err)
	}
	// One load at a time: the ledger check and the insert must not race
	// with a concurrent load of the same id.
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	s, err := e.newSession(ctx, false)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if _, err := s.exec(ctx, loadsDDL); err != nil {
		return 0, toError(err)
	}
	if _, err := s.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, toError(err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = s.exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if n, ok, err := s.loaded(ctx, req.LoadID); err != nil {
		return 0, err
	} else if ok {
		return n, nil
	}
	n, err := s.runCopy(ctx, c, true)
	if err != nil {
		return 0, toError(err)
	}
	if _, err := s.exec(ctx, "INSERT INTO "+loadsTable+" VALUES (?, ?, ?, ?, now())", req.LoadID, req.Table, req.From, n); err != nil {
		return 0, toError(err)
	}
	if _, err := s.exec(ctx, "COMMIT"); err != nil {
		return 0, toError(err)
	}
	committed = true
	return n, nil
}

// loaded looks a load id up in the ledger.
func (s *Session) loaded(ctx context.Context, id string) (int64, bool, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT row_count FROM "+loadsTable+" WHERE load_id = ?", namedArgs([]any{id}))
	if err != nil {
		return 0, false, toError(err)
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, false, nil
		}
		return 0, false, toError(err)
	}
	n, _ := vals[0].(int64)
	return n, true, nil
}
