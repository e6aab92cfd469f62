package server

import (
	"context"
	"errors"

	"github.com/rheo-dev/rheo/internal/pgwire"
	"github.com/rheo-dev/rheo/internal/sqlengine"
)

// sqlBackend adapts the SQL engine to pgwire's interfaces, which keeps
// pgwire free of cgo and of the engine's types.
type sqlBackend struct{ eng *sqlengine.Engine }

// NewSession opens one engine session per Postgres connection. Users and
// databases are not separated yet: every login sees the same warehouse.
func (b sqlBackend) NewSession(ctx context.Context, _, _ string) (pgwire.Session, error) {
	s, err := b.eng.NewSession(ctx)
	if err != nil {
		return nil, pgError(err)
	}
	return sqlSession{s: s}, nil
}

// sqlSession adapts *sqlengine.Session.
type sqlSession struct{ s *sqlengine.Session }

func (s sqlSession) Query(ctx context.Context, sql string, args ...any) (pgwire.Rows, error) {
	r, err := s.s.Query(ctx, sql, args...)
	if err != nil {
		return nil, pgError(err)
	}
	return &sqlRows{r: r, cols: pgColumns(r.Columns())}, nil
}

func (s sqlSession) Describe(ctx context.Context, sql string) (*pgwire.Description, error) {
	d, err := s.s.Describe(ctx, sql)
	if err != nil {
		return nil, pgError(err)
	}
	if d == nil {
		return &pgwire.Description{}, nil
	}
	return &pgwire.Description{ParamTypes: d.ParamTypes, Columns: pgColumns(d.Columns)}, nil
}

func (s sqlSession) Close() error { return s.s.Close() }

// sqlRows adapts *sqlengine.Result.
type sqlRows struct {
	r    *sqlengine.Result
	cols []pgwire.Column
}

func (r *sqlRows) Columns() []pgwire.Column { return r.cols }
func (r *sqlRows) Next() bool               { return r.r.Next() }
func (r *sqlRows) Row() []any               { return r.r.Row() }
func (r *sqlRows) Close() error             { return r.r.Close() }
func (r *sqlRows) Tag() string              { return r.r.Tag() }
func (r *sqlRows) Notices() []string        { return r.r.Notices() }
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
		return &pgwire.Error{Code: e.Code, Message: e.Message, Cause: err}
	}
	return err
}
