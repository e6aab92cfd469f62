package sqlengine

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/duckdb/duckdb-go/v2"
)

// Result is the outcome of one statement. Rows stream through Next/Row;
// Tag is valid once Next returned false.
type Result struct {
	rows    driver.Rows
	stmt    *duckdb.Stmt
	plan    *queryPlan
	cols    []Column
	vals    []driver.Value
	row     []any
	n       int64
	tag     string
	tagVerb string // "SELECT": the tag is "SELECT <rows>"
	err     error
	notices []string
	done    bool
	release func() // removes the statement's downloaded objects (rewriteS3)
	// copyOut and copyIn carry a COPY's data to or from the client
	// (stdio_copy.go).
	copyOut    *os.File
	copyText   bool     // the rows are a COPY ... TO STDOUT in text format
	copyCSV    *CopyCSV // the rows are a COPY ... TO STDOUT in CSV format
	copyIn     func(ctx context.Context, data io.Reader) (string, error)
	copyBinary []Column // COPY FROM STDIN BINARY: what the rows hold
}

// Columns returns the result columns; nil when the statement returns no rows.
func (r *Result) Columns() []Column { return r.cols }

// Next advances to the next row. It returns false at the end or on error
// (see Err).
func (r *Result) Next() bool {
	if r.done || r.rows == nil {
		r.finish()
		return false
	}
	if err := r.rows.Next(r.vals); err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = planError(r.plan, err)
		}
		r.finish()
		return false
	}
	r.n++
	for i, v := range r.vals {
		r.row[i] = v
	}
	return true
}

func (r *Result) finish() {
	if r.done {
		return
	}
	r.done = true
	if r.tagVerb != "" {
		r.tag = r.tagVerb + " " + strconv.FormatInt(r.n, 10)
	}
	r.closeRows()
}

func (r *Result) closeRows() {
	if r.rows != nil {
		if err := r.rows.Close(); err != nil && r.err == nil {
			r.err = toError(err)
		}
		r.rows = nil
	}
	if r.release != nil {
		defer r.release()
		r.release = nil
	}
	if r.stmt != nil {
		r.stmt.Close()
		r.stmt = nil
	}
}

// Row returns the current row's values as Go values (int64, float64,
// string, []byte, time.Time, *big.Int, duckdb.Decimal, duckdb.Interval,
// []any, map[string]any, nil, ...). The slice is reused by Next.
func (r *Result) Row() []any { return r.row }

// Err returns the error that ended the rows, if any, as an *Error.
func (r *Result) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Close releases the result; it is safe to call more than once.
func (r *Result) Close() error {
	r.done = true
	r.closeRows()
	return nil
}

// Tag is the Postgres-style command tag ("SELECT 5", "INSERT 0 5", "SET",
// "CREATE TABLE", ...), valid once Next returned false.
func (r *Result) Tag() string { return r.tag }

// Notices are messages for the client (pgwire NoticeResponse).
func (r *Result) Notices() []string { return r.notices }
