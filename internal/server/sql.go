package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/pgwire"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// sqlBackend adapts the SQL engine to pgwire's interfaces, which keeps
// pgwire free of cgo and of the engine's types. It counts statements in m
// (protocol pgwire).
type sqlBackend struct {
	eng  *sqlengine.Engine
	m    *metrics.Registry
	auth *auth.Store // nil: no authentication
}

// NewSession opens one engine session per Postgres connection, in which
// current_user is the login. Users and databases are not separated yet:
// every login sees the same warehouse.
// With auth on, the login (an access key id) must hold rheo:ExecuteSQL.
func (b sqlBackend) NewSession(ctx context.Context, user, _ string) (pgwire.Session, error) {
	if b.auth != nil {
		// The user proved the key's secret (SCRAM); SQL reads every
		// stream, so it needs the action on every resource.
		p, _, ok := b.auth.Password(user)
		if !ok {
			return nil, &pgwire.Error{Code: "28000", Message: fmt.Sprintf("no access key %q", user)}
		}
		if !p.AllowedAll(sqlAction) {
			return nil, &pgwire.Error{Code: "42501", Message: fmt.Sprintf("User: %s is not authorized to perform: %s", p.ARN(), sqlAction)}
		}
	}
	s, err := b.eng.NewSession(ctx)
	if err != nil {
		return nil, pgError(err)
	}
	if err := s.SetUser(ctx, user); err != nil {
		s.Close()
		return nil, pgError(err)
	}
	return sqlSession{s: s, m: b.m}, nil
}

// sqlSession adapts *sqlengine.Session.
type sqlSession struct {
	s *sqlengine.Session
	m *metrics.Registry
}

var _ pgwire.Terminable = sqlSession{}

// Query runs a statement; its duration, to the last row, is observed when
// the rows are closed.
func (s sqlSession) Query(ctx context.Context, sql string, args ...any) (pgwire.Rows, error) {
	start := time.Now()
	r, err := s.s.Query(ctx, sql, args...)
	if err != nil {
		s.m.ObserveSQL(metrics.ProtocolPGWire, time.Since(start), true)
		return nil, pgError(err)
	}
	return &sqlRows{r: r, cols: pgColumns(r.Columns()), m: s.m, start: start}, nil
}

// Describe plans a statement for the extended protocol (pgx, JDBC). A
// statement failing here never reaches Query, so it is counted here, once,
// as a failed statement; one that plans is counted when it runs.
func (s sqlSession) Describe(ctx context.Context, sql string) (*pgwire.Description, error) {
	start := time.Now()
	d, err := s.s.Describe(ctx, sql)
	if err != nil {
		s.m.ObserveSQL(metrics.ProtocolPGWire, time.Since(start), true)
		return nil, pgError(err)
	}
	if d == nil {
		return &pgwire.Description{}, nil
	}
	return &pgwire.Description{ParamTypes: d.ParamTypes, Columns: pgColumns(d.Columns)}, nil
}

func (s sqlSession) Close() error { return s.s.Close() }

// OnTerminate passes the engine's request to end the session (a reopen
// after a fatal error, which waits for the session's open results) on to
// pgwire, which ends the connection at once with FATAL 57P02
// (pgwire.Terminable).
func (s sqlSession) OnTerminate(f func(err error)) {
	s.s.OnTerminate(func(err error) { f(pgError(err)) })
}

// ObserveStatement counts a statement pgwire answered without Query (SET
// and SHOW of Postgres-only settings, FETCH, ...; pgwire.StatementObserver),
// so the client's every statement is counted once.
func (s sqlSession) ObserveStatement(d time.Duration, failed bool) {
	s.m.ObserveSQL(metrics.ProtocolPGWire, d, failed)
}

// Setting and SetSetting are pgwire's own reads and sets of TimeZone, not
// the client's statements, so they are not counted.
func (s sqlSession) Setting(ctx context.Context, name string) (string, error) {
	v, err := s.s.Setting(ctx, name)
	if err != nil {
		return "", pgError(err)
	}
	return v, nil
}

func (s sqlSession) SetSetting(ctx context.Context, name, value string) error {
	if err := s.s.SetSetting(ctx, name, value); err != nil {
		return pgError(err)
	}
	return nil
}

// sqlRows adapts *sqlengine.Result.
type sqlRows struct {
	r      *sqlengine.Result
	cols   []pgwire.Column
	m      *metrics.Registry
	start  time.Time
	closed bool // observed in m
}

func (r *sqlRows) Columns() []pgwire.Column { return r.cols }
func (r *sqlRows) Next() bool               { return r.r.Next() }
func (r *sqlRows) Row() []any               { return r.r.Row() }

// Close ends the statement and, the first time, records it in the metrics.
func (r *sqlRows) Close() error {
	if !r.closed {
		r.closed = true
		r.m.ObserveSQL(metrics.ProtocolPGWire, time.Since(r.start), r.r.Err() != nil)
	}
	return r.r.Close()
}

// CopyOut and CopyIn pass COPY ... TO STDOUT / FROM STDIN through
// (pgwire.CopyRows).
func (r *sqlRows) CopyOut() io.Reader { return r.r.CopyOut() }

// CopyOutText passes a text-format COPY ... TO STDOUT's rows through
// (pgwire.CopyTextRows).
func (r *sqlRows) CopyOutText() bool { return r.r.CopyOutText() }

// CopyOutCSV passes a CSV COPY ... TO STDOUT's options through
// (pgwire.CopyCSVRows).
func (r *sqlRows) CopyOutCSV() *pgwire.CopyCSV {
	cc := r.r.CopyOutCSV()
	if cc == nil {
		return nil
	}
	return &pgwire.CopyCSV{Delimiter: cc.Delimiter, Quote: cc.Quote, Escape: cc.Escape, Null: cc.Null, Header: cc.Header, ForceQuote: cc.ForceQuote}
}

func (r *sqlRows) CopyIn() func(ctx context.Context, data io.Reader) (string, error) {
	in := r.r.CopyIn()
	if in == nil {
		return nil
	}
	return func(ctx context.Context, data io.Reader) (string, error) {
		tag, err := in(ctx, data)
		if err != nil {
			return "", pgError(err)
		}
		return tag, nil
	}
}

// CopyInBinary passes the columns of a COPY ... FROM STDIN BINARY through
// (pgwire.CopyBinaryRows).
func (r *sqlRows) CopyInBinary() []pgwire.Column { return pgColumns(r.r.CopyInBinary()) }

func (r *sqlRows) Tag() string       { return r.r.Tag() }
func (r *sqlRows) Notices() []string { return r.r.Notices() }
func (r *sqlRows) Err() error {
	if err := r.r.Err(); err != nil {
		return pgError(err)
	}
	return nil
}

// pgColumns converts column descriptions, keeping nil (no rows) apart
// from empty.
func pgColumns(cols []sqlengine.Column) []pgwire.Column {
	if cols == nil {
		return nil
	}
	out := make([]pgwire.Column, len(cols))
	for i, c := range cols {
		out[i] = pgwire.Column{Name: c.Name, Type: c.Type}
	}
	return out
}

// pgError carries the engine's SQLSTATE to pgwire; other errors become
// internal errors (XX000) there.
func pgError(err error) error {
	var e *sqlengine.Error
	if errors.As(err, &e) {
		return &pgwire.Error{Code: e.Code, Message: e.Message, Detail: e.Detail, Hint: e.Hint, Fatal: e.Terminate, Cause: err}
	}
	return err
}
