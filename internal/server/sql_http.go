package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/pgwire"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// SQL over HTTP: POST /v1/sql (docs/sql-clients.md has the contract).
const (
	// defaultSQLMaxRows caps the rows one statement returns over HTTP.
	defaultSQLMaxRows = 10000
	// maxSQLBody bounds the request body.
	maxSQLBody = 16 << 20
)

// sqlRequest is the body of POST /v1/sql.
type sqlRequest struct {
	// SQL holds one or more statements separated by ';'; they run in
	// order in one session, so SET applies to the statements after it.
	SQL string `json:"sql"`
	// Params bind $1, $2, ... of the last statement.
	Params []any `json:"params"`
	// MaxRows caps the rows returned per statement; 0 means 10000.
	MaxRows int `json:"maxRows"`
}

// sqlColumn describes one result column.
type sqlColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// sqlResult is the outcome of one statement.
type sqlResult struct {
	Columns   []sqlColumn `json:"columns"`
	Rows      [][]any     `json:"rows"`
	RowCount  int         `json:"rowCount"`
	Tag       string      `json:"tag"`
	ElapsedMs float64     `json:"elapsedMs"`
	Notices   []string    `json:"notices"`
	Truncated bool        `json:"truncated,omitempty"`
}

// sqlResponse is the last statement's result plus every statement's.
type sqlResponse struct {
	sqlResult
	Results []sqlResult `json:"results"`
}

// sqlErrorBody is the 400 answer.
type sqlErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Statement *int   `json:"statement,omitempty"`
	} `json:"error"`
	Results []sqlResult `json:"results,omitempty"`
}

// handleSQL serves POST /v1/sql.
func (s *Server) handleSQL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeSQLError(w, http.StatusMethodNotAllowed, "42501", "use POST with a JSON body {\"sql\": \"...\"}", nil, nil)
		return
	}
	if s.sql == nil {
		writeSQLError(w, http.StatusServiceUnavailable, "57P03", "the SQL engine is not running", nil, nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSQLBody))
	if err != nil {
		writeSQLError(w, http.StatusRequestEntityTooLarge, "54000", fmt.Sprintf("request body: %v", err), nil, nil)
		return
	}
	if !s.authorizeSQL(w, r, body) {
		return
	}
	var req sqlRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeSQLError(w, http.StatusBadRequest, "08P01", fmt.Sprintf("invalid JSON body: %v", err), nil, nil)
		return
	}
	if req.MaxRows < 0 {
		writeSQLError(w, http.StatusBadRequest, "22023", "maxRows must not be negative", nil, nil)
		return
	}
	if req.MaxRows == 0 {
		req.MaxRows = defaultSQLMaxRows
	}
	stmts := sqlengine.SplitStatements(req.SQL)
	if len(stmts) == 0 {
		writeSQLError(w, http.StatusBadRequest, "42601", "no SQL statement given", nil, nil)
		return
	}
	params := make([]any, len(req.Params))
	for i, p := range req.Params {
		params[i] = jsonParam(p)
	}
	// The query ends when the client goes away or the server stops.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.sqlCtx, cancel)
	defer stop()

	start := time.Now()
	sess, err := s.sql.NewSession(ctx)
	if err != nil {
		writeSQLError(w, http.StatusServiceUnavailable, "57P03", err.Error(), nil, nil)
		return
	}
	defer sess.Close()
	var results []sqlResult
	for i, stmt := range stmts {
		var args []any
		if i == len(stmts)-1 {
			args = params
		}
		began := time.Now()
		res, err := runSQL(ctx, sess, stmt, args, req.MaxRows)
		s.metrics.ObserveSQL(metrics.ProtocolHTTP, time.Since(began), err != nil)
		if err != nil {
			code, msg, status := "XX000", err.Error(), http.StatusBadRequest
			var e *sqlengine.Error
			if errors.As(err, &e) {
				code, msg = e.Code, e.Message
				if e.Terminate {
					// The database is being reopened: try again shortly.
					status = http.StatusServiceUnavailable
				}
			}
			idx := i
			writeSQLError(w, status, code, msg, &idx, results)
			return
		}
		results = append(results, res)
	}
	resp := sqlResponse{sqlResult: results[len(results)-1], Results: results}
	resp.ElapsedMs = ms(time.Since(start))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// runSQL runs one statement and collects up to maxRows rows.
func runSQL(ctx context.Context, sess *sqlengine.Session, stmt string, args []any, maxRows int) (sqlResult, error) {
	start := time.Now()
	// One row more than is returned tells whether there were more.
	res, err := sess.QueryLimit(ctx, stmt, maxRows+1, args...)
	if err != nil {
		return sqlResult{}, err
	}
	defer res.Close()
	if err := res.NeedsClient(); err != nil {
		return sqlResult{}, err
	}
	out := sqlResult{Notices: []string{}}
	cols := res.Columns()
	if cols != nil {
		out.Columns = make([]sqlColumn, len(cols))
		for i, c := range cols {
			out.Columns[i] = sqlColumn{Name: c.Name, Type: c.Type}
		}
		out.Rows = [][]any{}
	}
	for res.Next() {
		if len(out.Rows) >= maxRows {
			out.Truncated = true
			break
		}
		row := res.Row()
		vals := make([]any, len(row))
		for i, v := range row {
			typ := ""
			if i < len(cols) {
				typ = cols[i].Type
			}
			vals[i] = pgwire.JSONValue(typ, v)
		}
		out.Rows = append(out.Rows, vals)
	}
	if err := res.Err(); err != nil {
		return sqlResult{}, err
	}
	out.RowCount = len(out.Rows)
	if !out.Truncated {
		out.Tag = res.Tag()
	}
	if n := res.Notices(); len(n) > 0 {
		out.Notices = n
	}
	out.ElapsedMs = ms(time.Since(start))
	return out, nil
}

// jsonParam turns a decoded JSON parameter into an engine argument:
// integral numbers become int64, other numbers float64; strings, bools
// and null pass through; arrays and objects are passed as JSON text.
func jsonParam(p any) any {
	switch v := p.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case []any, map[string]any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return p
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func writeSQLError(w http.ResponseWriter, status int, code, msg string, stmt *int, results []sqlResult) {
	var body sqlErrorBody
	body.Error.Code, body.Error.Message, body.Error.Statement = code, msg, stmt
	body.Results = results
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// sqlAction is the permission POST /v1/sql needs when SigV4 auth is on
// (docs/auth.md): SQL reads every stream, so it is granted on "*" only.
const sqlAction = "rheo:ExecuteSQL"

// authorizeSQL checks the request's SigV4 signature (any service scope,
// the SDKs' and curl's --aws-sigv4 alike) and the rheo:ExecuteSQL
// permission when auth is configured; on failure it writes the error and
// reports false.
func (s *Server) authorizeSQL(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if s.kinesisAuth == nil {
		return true
	}
	p, err := s.kinesisAuth.Verify(r, body)
	if err != nil {
		writeSQLError(w, http.StatusForbidden, "28000", authMessage(err), nil, nil)
		return false
	}
	if !p.AllowedAll(sqlAction) {
		writeSQLError(w, http.StatusForbidden, "42501", fmt.Sprintf("User: %s is not authorized to perform: %s", p.ARN(), sqlAction), nil, nil)
		return false
	}
	return true
}

// authMessage is a failed signature check as clients see it: the AWS
// error type and message, without any wrapping context.
func authMessage(err error) string {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return ae.Type + ": " + ae.Message
	}
	return err.Error()
}
