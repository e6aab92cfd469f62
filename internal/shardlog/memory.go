package shardlog

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Memory is a Log that keeps everything in memory. It is the oracle the
// file log is tested against, so it favours plainness over speed.
type Memory struct {
	now func() time.Time

	mu     sync.Mutex // guards shards and closed
	shards map[ShardID]*memShard
	closed bool
}

type memShard struct {
	recs      []Record // recs[i].Offset == base+i
	base      uint64   // offset of recs[0]
	next      uint64
	closed    bool
	retention time.Duration
	floor     uint64        // the trim horizon never goes below it
	changed   chan struct{} // closed and replaced on every change
}

// NewMemory returns an empty in-memory log. now supplies arrival times and
// the retention clock; nil means time.Now.
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, shards: make(map[ShardID]*memShard)}
}

var _ Log = (*Memory)(nil)

func (m *Memory) shard(id ShardID) (*memShard, error) {
	if m.closed {
		return nil, ErrClosed
	}
	s, ok := m.shards[id]
	if !ok {
		return nil, fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
	}
	return s, nil
}

func (s *memShard) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// horizon returns the index in recs of the first record still retained.
func (s *memShard) horizon(nowMs int64) int {
	cutoff := nowMs - s.retention.Milliseconds()
	return sort.Search(len(s.recs), func(i int) bool { return s.recs[i].Timestamp >= cutoff })
}

// first returns the trim horizon offset.
func (s *memShard) first(nowMs int64) uint64 {
	return max(s.base+uint64(s.horizon(nowMs)), s.floor)
}

// CreateShard implements Log.
func (m *Memory) CreateShard(id ShardID, cfg ShardConfig) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if _, ok := m.shards[id]; ok {
		return fmt.Errorf("shard %s: %w", id, ErrShardExists)
	}
	m.shards[id] = &memShard{retention: normRetention(cfg.Retention), changed: make(chan struct{})}
	return nil
}

// DeleteShard implements Log.
func (m *Memory) DeleteShard(id ShardID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return err
	}
	delete(m.shards, id)
	s.notify()
	return nil
}

// SetRetention implements Log.
func (m *Memory) SetRetention(id ShardID, d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return err
	}
	// As on Kinesis, a longer retention does not bring back records that
	// already expired: keep the current horizon as a floor.
	s.floor = s.first(m.now().UnixMilli())
	s.retention = normRetention(d)
	return nil
}

// Append implements Log.
func (m *Memory) Append(ctx context.Context, id ShardID, entries []Entry) (AppendResult, error) {
	for i := range entries {
		if err := ValidateEntry(&entries[i]); err != nil {
			return AppendResult{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return AppendResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return AppendResult{}, err
	}
	if s.closed {
		return AppendResult{}, fmt.Errorf("shard %s: %w", id, ErrShardClosed)
	}
	ts := m.now().UnixMilli()
	if n := len(s.recs); n > 0 && s.recs[n-1].Timestamp > ts {
		ts = s.recs[n-1].Timestamp // arrival times never go back within a shard
	}
	res := AppendResult{FirstOffset: s.next, Timestamp: ts}
	for _, e := range entries {
		s.recs = append(s.recs, Record{
			Offset:          s.next,
			Timestamp:       ts,
			PartitionKey:    clone(e.PartitionKey),
			ExplicitHashKey: clone(e.ExplicitHashKey),
			Data:            clone(e.Data),
			Flags:           e.Flags,
		})
		s.next++
	}
	if len(entries) > 0 {
		s.notify()
	}
	return res, nil
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Seal implements Log.
func (m *Memory) Seal(_ context.Context, id ShardID) (ShardInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return ShardInfo{}, err
	}
	if !s.closed {
		s.closed = true
		s.notify()
	}
	return m.info(s), nil
}

// Seek implements Log.
func (m *Memory) Seek(id ShardID, sk Seek) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return 0, err
	}
	first := s.first(m.now().UnixMilli())
	var off uint64
	switch sk.Kind {
	case SeekTrimHorizon:
		off = first
	case SeekLatest:
		off = s.next
	case SeekAtOffset:
		off = sk.Offset
	case SeekAfterOffset:
		off = sk.Offset + 1
	case SeekAtTimestamp:
		i := sort.Search(len(s.recs), func(i int) bool { return s.recs[i].Timestamp >= sk.Timestamp })
		off = s.base + uint64(i)
	default:
		return 0, fmt.Errorf("shardlog: unknown seek kind %d", sk.Kind)
	}
	return max(off, first), nil
}

// Read implements Log.
func (m *Memory) Read(ctx context.Context, id ShardID, from uint64, maxRecords, maxBytes int) (Batch, error) {
	if err := ctx.Err(); err != nil {
		return Batch{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return Batch{}, err
	}
	from = max(from, s.first(m.now().UnixMilli()))
	b := Batch{Tip: s.next}
	if n := len(s.recs); n > 0 {
		b.TipTimestamp = s.recs[n-1].Timestamp
	}
	size := 0
	i := from
	for ; i < s.next && len(b.Records) < maxRecords; i++ {
		r := s.recs[i-s.base]
		if len(b.Records) > 0 && size+r.Size() > maxBytes {
			break
		}
		size += r.Size()
		b.Records = append(b.Records, r)
	}
	b.Next = max(i, from)
	b.Ended = s.closed && b.Next >= s.next
	return b, nil
}

// Wait implements Log.
func (m *Memory) Wait(ctx context.Context, id ShardID, from uint64) error {
	for {
		m.mu.Lock()
		s, err := m.shard(id)
		if err != nil {
			m.mu.Unlock()
			return err
		}
		if s.next > from || s.closed {
			m.mu.Unlock()
			return nil
		}
		ch := s.changed
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Info implements Log.
func (m *Memory) Info(id ShardID) (ShardInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.shard(id)
	if err != nil {
		return ShardInfo{}, err
	}
	return m.info(s), nil
}

// info builds a snapshot. Lock should be held.
func (m *Memory) info(s *memShard) ShardInfo {
	inf := ShardInfo{
		TrimHorizon: s.first(m.now().UnixMilli()),
		Next:        s.next,
		Closed:      s.closed,
		Retention:   s.retention,
	}
	if n := len(s.recs); n > 0 {
		inf.LastTimestamp = s.recs[n-1].Timestamp
	}
	return inf
}

// Sync implements Log; memory has nothing to sync.
func (m *Memory) Sync(context.Context) error { return nil }

// Close implements Log.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	for _, s := range m.shards {
		s.notify()
	}
	return nil
}
