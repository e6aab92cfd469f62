package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Options configure a Manager.
type Options struct {
	Meta      *meta.Store
	Log       shardlog.Log // the server's log (with the at-rest wrapper)
	Store     lake.Store
	Converter Converter       // nil: conversion is refused at Create
	Warehouse WarehouseLoader // nil: warehouse destinations are refused
	Logger    *slog.Logger
	Now       func() time.Time // nil: time.Now
}

// Manager runs every delivery stream of the data dir.
type Manager struct {
	opts Options
}

var errTODO = errors.New("delivery: not implemented yet")

// New loads the stored delivery streams, finishes any batch a crash
// interrupted and starts a worker per stream.
func New(ctx context.Context, opts Options) (*Manager, error) { return &Manager{opts: opts}, nil }

// Close stops the workers (buffered, unacknowledged-to-destination records
// stay in the internal log and are delivered after the next start).
func (m *Manager) Close() error { return nil }

// Create stores and starts a delivery stream; ErrExists if the name is
// taken.
func (m *Manager) Create(ctx context.Context, name string, spec Spec, api json.RawMessage) (Definition, error) {
	return Definition{}, errTODO
}

// Get returns the named definition.
func (m *Manager) Get(name string) (Definition, bool) { return Definition{}, false }

// List returns every definition sorted by name.
func (m *Manager) List() []Definition { return nil }

// Update changes a definition atomically: fn edits a copy; if it returns
// an error nothing changes. A changed Spec takes effect from the next
// batch.
func (m *Manager) Update(ctx context.Context, name string, fn func(*Definition) error) (Definition, error) {
	return Definition{}, errTODO
}

// Delete stops and removes a delivery stream and its internal log.
func (m *Manager) Delete(ctx context.Context, name string) error { return errTODO }

// Put appends records to a DirectPut stream's internal log and returns
// once they are durable; ids are Firehose RecordIds, one per record.
func (m *Manager) Put(ctx context.Context, name string, records [][]byte) (ids []string, err error) {
	return nil, errTODO
}

// Status reports the delivery health of the named stream.
func (m *Manager) Status(name string) (Status, bool) { return Status{}, false }
