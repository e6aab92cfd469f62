package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
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
	// RetryMin and RetryMax bound the backoff between attempts of a
	// failing batch; 0 means 1 s and 30 s.
	RetryMin, RetryMax time.Duration
	// TempDir holds the files a Converter writes before upload; "" means
	// os.TempDir(). The server gives the SQL engine's own when SQL may
	// only write there.
	TempDir string
	// SourceRead, when set, is told of each read of a Kinesis source
	// stream's shard, as Firehose's reads are GetRecords calls that AWS
	// counts in the stream's GetRecords metrics: the records and data
	// bytes read, and how far behind the shard's tip the read ended, in
	// milliseconds (MillisBehindLatest). It runs on the worker's
	// goroutine and must not block.
	SourceRead func(stream string, uid uint64, shard uint32, records, bytes int, millisBehind int64)
}

// internalRetention is how long a Direct PUT record stays in the internal
// log: Firehose keeps undeliverable data for at most 24 hours.
const internalRetention = 24 * time.Hour

// Manager runs every delivery stream of the data dir.
type Manager struct {
	opts   Options
	logger *slog.Logger
	now    func() time.Time
	ctx    context.Context // cancelled by Close; parent of the workers'
	cancel context.CancelFunc

	// mu guards streams and closed; it serialises Create and Delete.
	// Workers never take it.
	mu      sync.RWMutex
	streams map[string]*stream
	closed  bool

	bufMu    sync.Mutex
	freeBufs []*bytes.Buffer // encoding buffers for reuse (getBuffer)
}

// stream is one running delivery stream.
type stream struct {
	m *Manager
	// mu guards rec and st. Every change of rec is written to meta under
	// it, so meta and memory never disagree.
	mu  sync.Mutex
	rec stored
	st  Status

	kick   chan struct{} // buffered(1): the definition changed
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has returned
}

// Errors of the Manager beyond those in spec.go.
var (
	// ErrNotDirectPut: Put on a stream whose source is a Kinesis stream.
	ErrNotDirectPut = errors.New("delivery: delivery stream is not a DirectPut stream")
	// ErrSourceNotFound: Create of a Kinesis-sourced stream whose source
	// stream does not exist.
	ErrSourceNotFound = errors.New("delivery: source Kinesis stream not found")
	// ErrUnsupported: the Spec asks for a conversion or warehouse the
	// Manager was built without.
	ErrUnsupported = errors.New("delivery: not supported by this server")
)

// New loads the stored delivery streams, finishes any batch a crash
// interrupted and starts a worker per stream.
func New(ctx context.Context, opts Options) (*Manager, error) {
	if opts.Meta == nil || opts.Log == nil || opts.Store == nil {
		return nil, errors.New("delivery: Options need Meta, Log and Store")
	}
	m := &Manager{opts: opts, logger: opts.Logger, now: opts.Now, streams: make(map[string]*stream)}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	recs, err := loadAll(opts.Meta)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if rec.State.Deleting {
			if err := m.finishDelete(rec); err != nil {
				return nil, err
			}
			continue
		}
		if err := m.repair(rec); err != nil {
			return nil, err
		}
		s := &stream{m: m, rec: *rec}
		m.streams[rec.Def.Name] = s
	}
	for _, s := range m.streams {
		m.start(s)
	}
	return m, nil
}

// repair recreates the internal shard of a Direct PUT stream when a crash
// hit Create between storing the definition and creating the shard
// (nothing was acknowledged into it yet).
func (m *Manager) repair(rec *stored) error {
	if rec.Def.Spec.Source != SourceDirectPut {
		return nil
	}
	id := internalShard(rec.Def.UID)
	if _, err := m.opts.Log.Info(id); !errors.Is(err, shardlog.ErrShardNotFound) {
		return nil
	}
	m.logger.Warn("delivery: recreating the missing internal log", "stream", rec.Def.Name)
	err := m.opts.Log.CreateShard(id, shardlog.ShardConfig{Retention: internalRetention})
	if err != nil && !errors.Is(err, shardlog.ErrShardExists) {
		return fmt.Errorf("delivery: repair internal log of %s: %w", rec.Def.Name, err)
	}
	return nil
}

// internalShard is the shard of a Direct PUT stream's internal log.
func internalShard(uid uint64) shardlog.ShardID { return shardlog.ShardID{Stream: uid, Shard: 0} }

// start runs the worker of s.
func (m *Manager) start(s *stream) {
	ctx, cancel := context.WithCancel(m.ctx)
	s.cancel = cancel
	s.kick = make(chan struct{}, 1)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
}

// stop cancels the worker of s and waits for it.
func (s *stream) stop() {
	s.cancel()
	<-s.done
}

// Close stops the workers (buffered, unacknowledged-to-destination records
// stay in the internal log and are delivered after the next start).
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	streams := m.streams
	m.mu.Unlock()
	m.cancel()
	for _, s := range streams {
		<-s.done
	}
	return nil
}

// Create stores and starts a delivery stream; ErrExists if the name is
// taken.
func (m *Manager) Create(ctx context.Context, name string, spec Spec, api json.RawMessage) (Definition, error) {
	if err := m.checkSpec(ctx, name, &spec); err != nil {
		return Definition{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Definition{}, ErrClosed
	}
	if _, ok := m.streams[name]; ok {
		return Definition{}, fmt.Errorf("%w: %s", ErrExists, name)
	}
	if ok, err := m.opts.Meta.Get(metaNS, name, new(stored)); err != nil {
		return Definition{}, err
	} else if ok {
		// Left by a Delete that failed half-way: finish it first.
		if err := m.finishDeleteName(name); err != nil {
			return Definition{}, err
		}
	}
	uid, err := m.opts.Meta.AllocUID()
	if err != nil {
		return Definition{}, fmt.Errorf("delivery: create %s: %w", name, err)
	}
	rec := stored{
		Def:   Definition{Name: name, UID: uid, Created: m.now().UTC(), Spec: spec, API: api},
		State: engineState{Next: make(map[uint32]uint64)},
	}
	if spec.Source == SourceKinesis {
		if err := m.startPositions(&rec.State, spec.KinesisStream); err != nil {
			return Definition{}, err
		}
	}
	// Store first, then create the internal shard: New repairs a crash in
	// between (see repair).
	if err := putStored(m.opts.Meta, &rec); err != nil {
		return Definition{}, err
	}
	if spec.Source == SourceDirectPut {
		err := m.opts.Log.CreateShard(internalShard(uid), shardlog.ShardConfig{Retention: internalRetention})
		if err != nil && !errors.Is(err, shardlog.ErrShardExists) {
			return Definition{}, errors.Join(fmt.Errorf("delivery: create internal log of %s: %w", name, err),
				m.opts.Meta.Delete(metaNS, name))
		}
	}
	s := &stream{m: m, rec: rec}
	m.streams[name] = s
	m.start(s)
	return cloneDef(rec.Def), nil
}

// checkSpec refuses what this Manager cannot do.
func (m *Manager) checkSpec(ctx context.Context, name string, spec *Spec) error {
	switch spec.Source {
	case SourceDirectPut, SourceKinesis:
	default:
		return fmt.Errorf("%w: source %q", ErrUnsupported, spec.Source)
	}
	if spec.Version == 0 {
		spec.Version = 1
	}
	if c := spec.Dest.Conversion; c != nil {
		if m.opts.Converter == nil {
			return fmt.Errorf("%w: record format conversion", ErrUnsupported)
		}
		if err := m.opts.Converter.CheckTable(ctx, c.Database, c.Table); err != nil {
			return fmt.Errorf("delivery: conversion schema: %w", err)
		}
	}
	if spec.Dest.Warehouse != nil && m.opts.Warehouse == nil {
		return fmt.Errorf("%w: warehouse destination", ErrUnsupported)
	}
	return m.checkKeys(name, spec)
}

// startPositions records where a Kinesis-sourced stream starts: the LATEST
// position of every shard at creation ("Firehose starts reading data from
// the LATEST position of your Kinesis stream", Firehose developer guide,
// Writing to Firehose using Kinesis Data Streams).
func (m *Manager) startPositions(st *engineState, source string) error {
	src, ok := m.opts.Meta.Stream(source)
	if !ok || src.Status == meta.StatusDeleting {
		return fmt.Errorf("%w: %s", ErrSourceNotFound, source)
	}
	st.SourceUID = src.UID
	for _, sh := range src.Shards {
		if sh.Closed {
			st.Next[sh.Index] = sh.End
			continue
		}
		off, err := m.opts.Log.Seek(shardlog.ShardID{Stream: src.UID, Shard: sh.Index}, shardlog.Seek{Kind: shardlog.SeekLatest})
		if errors.Is(err, shardlog.ErrShardNotFound) {
			// A CREATING stream whose shard kinesis has not made yet
			// (repairShards finishes it): it holds no record.
			off, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("delivery: start position of %s shard %d: %w", source, sh.Index, err)
		}
		st.Next[sh.Index] = off
	}
	return nil
}

// Get returns the named definition.
func (m *Manager) Get(name string) (Definition, bool) {
	s := m.lookup(name)
	if s == nil {
		return Definition{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneDef(s.rec.Def), true
}

// lookup returns the running stream of that name, or nil.
func (m *Manager) lookup(name string) *stream {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.streams[name]
}

// live returns the running stream of that name: ErrClosed after Close,
// ErrNotFound if there is none.
func (m *Manager) live(name string) (*stream, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	if s := m.streams[name]; s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
}

// List returns every definition sorted by name.
func (m *Manager) List() []Definition {
	m.mu.RLock()
	streams := make([]*stream, 0, len(m.streams))
	for _, s := range m.streams {
		streams = append(streams, s)
	}
	m.mu.RUnlock()
	out := make([]Definition, 0, len(streams))
	for _, s := range streams {
		s.mu.Lock()
		out = append(out, cloneDef(s.rec.Def))
		s.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Update changes a definition atomically: fn edits a copy; if it returns
// an error nothing changes. A changed Spec takes effect from the next
// batch. The name, UID, creation time and source cannot change.
func (m *Manager) Update(ctx context.Context, name string, fn func(*Definition) error) (Definition, error) {
	s, err := m.live(name)
	if err != nil {
		return Definition{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	def := cloneDef(s.rec.Def)
	if err := fn(&def); err != nil {
		return Definition{}, err
	}
	old := s.rec.Def
	def.Name, def.UID, def.Created = old.Name, old.UID, old.Created
	if def.Spec.Source != old.Spec.Source || def.Spec.KinesisStream != old.Spec.KinesisStream {
		return Definition{}, fmt.Errorf("%w: the source of a delivery stream cannot change", ErrUnsupported)
	}
	if err := m.checkSpec(ctx, def.Name, &def.Spec); err != nil {
		return Definition{}, err
	}
	rec := s.rec
	rec.Def = def
	if err := putStored(m.opts.Meta, &rec); err != nil {
		return Definition{}, err
	}
	s.rec.Def = def
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return cloneDef(def), nil
}

// Delete stops and removes a delivery stream and its internal log.
// Records not yet delivered are dropped, as on Firehose.
func (m *Manager) Delete(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	s := m.streams[name]
	if s == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, name)
	}
	s.stop()
	delete(m.streams, name)
	s.mu.Lock()
	rec := s.rec
	s.mu.Unlock()
	rec.State.Deleting = true
	if err := putStored(m.opts.Meta, &rec); err != nil {
		return err
	}
	return m.finishDelete(&rec)
}

// finishDelete removes the internal log, then the record (a crash in
// between is finished by New, which sees Deleting).
func (m *Manager) finishDelete(rec *stored) error {
	if rec.Def.Spec.Source == SourceDirectPut {
		err := m.opts.Log.DeleteShard(internalShard(rec.Def.UID))
		if err != nil && !errors.Is(err, shardlog.ErrShardNotFound) {
			return fmt.Errorf("delivery: delete internal log of %s: %w", rec.Def.Name, err)
		}
	}
	if err := m.opts.Meta.Delete(metaNS, rec.Def.Name); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("delivery: delete %s: %w", rec.Def.Name, err)
	}
	return nil
}

// finishDeleteName finishes the deletion of a stored stream that has no
// running worker.
func (m *Manager) finishDeleteName(name string) error {
	rec := new(stored)
	if ok, err := m.opts.Meta.Get(metaNS, name, rec); err != nil || !ok {
		return err
	}
	return m.finishDelete(rec)
}

// Put appends records to a DirectPut stream's internal log and returns
// once they are durable; ids are Firehose RecordIds, one per record, and
// encrypted reports that the log sealed them at rest
// (shardlog.AppendResult.Encrypted), which a put reply reports: the
// stream's setting may change between the caller's reading of it and the
// append.
func (m *Manager) Put(ctx context.Context, name string, records [][]byte) (ids []string, encrypted bool, err error) {
	s, err := m.live(name)
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	source, uid := s.rec.Def.Spec.Source, s.rec.Def.UID
	s.mu.Unlock()
	if source != SourceDirectPut {
		return nil, false, fmt.Errorf("%w: %s", ErrNotDirectPut, name)
	}
	if len(records) == 0 {
		return nil, false, nil
	}
	entries := make([]shardlog.Entry, len(records))
	for i, r := range records {
		entries[i].Data = r
	}
	res, err := m.opts.Log.Append(ctx, internalShard(uid), entries)
	if err != nil {
		if errors.Is(err, shardlog.ErrShardNotFound) {
			return nil, false, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, false, fmt.Errorf("delivery: put to %s: %w", name, err)
	}
	ids = make([]string, len(records))
	size := 0
	for i := range records {
		ids[i] = recordID(uid, res.FirstOffset+uint64(i))
		size += len(records[i])
	}
	s.mu.Lock()
	s.st.Incoming += int64(len(records))
	s.st.IncomingBytes += int64(size)
	s.mu.Unlock()
	return ids, res.Encrypted, nil
}

// recordID is a Firehose RecordId: opaque to clients; rheo uses the
// sequence-number encoding of the internal log's position (with the low
// bits of the stream's UID in the shard field, so ids differ between a
// deleted stream and its re-created namesake).
func recordID(uid, offset uint64) string { return seqnum.Encode(uint32(uid), offset) }
