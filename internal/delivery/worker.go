package delivery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Worker tuning.
const (
	readMaxRecords = 10000
	readMaxBytes   = 1 << 20
	// kinesisRecheck bounds a Kinesis-sourced worker's wait, so children
	// of a reshard and a deleted source are noticed without a signal.
	kinesisRecheck = time.Second
	// sourceRetry is the wait after a failed step other than a missing
	// source (which is rechecked every kinesisRecheck).
	sourceRetry = 5 * time.Second
)

// worker delivers one stream: it reads its source into a buffer, and
// flushes the buffer as one batch when it is big or old enough.
type worker struct {
	m *Manager
	s *stream

	source, kinesisStream string
	uid, sourceUID        uint64

	pos    map[uint32]uint64 // read position per shard (≥ checkpoint)
	sealed map[uint32]bool   // shards a Read reported ended

	// The buffer: records per shard since from[shard].
	recs  map[uint32][]shardlog.Record
	from  map[uint32]uint64
	bytes int
	// mem is what the buffer costs in memory (data plus the per-record
	// overhead): bounded so tiny records cannot make it many times
	// BufferBytes.
	mem    int
	oldest int64 // arrival (ms) of the oldest buffered record
	// arena holds copies of the records of small reads (see hold).
	arena []byte
	// firstRead is when the buffer got its first record: the interval
	// runs from the oldest arrival, but never longer than from firstRead
	// (a clock step back must not stall delivery).
	firstRead time.Time
	lost      int64 // expired before they were read, not yet committed
	// held are the read batches the buffered records alias; released
	// (their buffers reused) once the buffer is delivered or dropped.
	held []shardlog.Batch

	// inflight reports the end of the batch being delivered in the
	// background (nil when none): the worker reads the next buffer
	// meanwhile, and plans it only after that batch is committed.
	inflight chan error
}

// run is the worker of one stream: it finishes a batch a crash left
// pending, then buffers and delivers until ctx is done.
func (s *stream) run(ctx context.Context) {
	s.mu.Lock()
	def, st := s.rec.Def, s.rec.State
	s.mu.Unlock()
	w := &worker{
		m: s.m, s: s,
		source: def.Spec.Source, kinesisStream: def.Spec.KinesisStream,
		uid: def.UID, sourceUID: st.SourceUID,
	}
	if st.Plan != nil {
		lost, err := w.deliver(ctx, st.Plan, nil)
		if err != nil {
			return
		}
		if err := w.commit(ctx, st.Plan, nil, lost); err != nil {
			return
		}
	}
	w.reset()
	defer w.settle()
	for ctx.Err() == nil {
		if err := w.step(ctx); err != nil && ctx.Err() == nil {
			wait, gone := sourceRetry, errors.Is(err, errSourceGone)
			if gone {
				// A missing source is looked for every second (a meta
				// snapshot read), so a re-created stream is followed at
				// once; it is logged when it starts, not every second.
				wait = kinesisRecheck
			}
			if s.setError(err) || !gone {
				s.m.logger.Warn("delivery: worker", "stream", def.Name, "err", err)
			}
			w.sleep(ctx, wait)
			w.settle()
			w.reset() // re-read the buffer from the checkpoints
		}
	}
}

// settle waits for the batch in flight, if any; false if it did not
// commit (ctx done).
func (w *worker) settle() bool {
	if w.inflight == nil {
		return true
	}
	err := <-w.inflight
	w.inflight = nil
	return err == nil
}

// reset drops the buffer and restarts reading at the checkpoints.
func (w *worker) reset() {
	w.s.mu.Lock()
	w.pos = maps.Clone(w.s.rec.State.Next)
	w.s.mu.Unlock()
	if w.pos == nil {
		w.pos = make(map[uint32]uint64)
	}
	w.sealed = make(map[uint32]bool)
	w.clearBuffer()
	w.lost = 0
}

// clearBuffer empties the buffer and releases the reads behind it.
func (w *worker) clearBuffer() {
	release(w.held)
	w.held = nil
	w.recs = make(map[uint32][]shardlog.Record)
	w.from = make(map[uint32]uint64)
	w.bytes, w.oldest, w.mem = 0, 0, 0
	w.arena = nil // the batch in flight may still use the old one
}

// release hands read buffers back to the log.
func release(bs []shardlog.Batch) {
	for i := range bs {
		bs[i].Release()
	}
}

// step reads what is there, then flushes or waits.
func (w *worker) step(ctx context.Context) error {
	shards, err := w.eligible()
	if errors.Is(err, errSourceRecreated) {
		if err := w.follow(ctx); err != nil || ctx.Err() != nil {
			return err
		}
		shards, err = w.eligible()
	}
	if err != nil {
		return err
	}
	if w.inflight != nil && w.s.batchFailing() {
		// The destination is failing: reading the next buffer ahead
		// would hold a second BufferingHints worth of records in memory
		// for as long as the outage lasts. They are safe in the log;
		// wait for the batch instead.
		if !w.settle() {
			return nil // ctx done
		}
	}
	spec := w.spec()
	limit := max(spec.Dest.BufferBytes, 1)
	full, err := w.fill(ctx, shards, limit)
	if err != nil {
		return err
	}
	if w.bytes == 0 && len(w.recs) == 0 {
		w.clearSourceError()
		return w.wait(ctx, shards, time.Time{})
	}
	deadline := msTime(w.oldest).Add(spec.Dest.BufferInterval)
	if d := w.firstRead.Add(spec.Dest.BufferInterval); d.Before(deadline) {
		deadline = d
	}
	if full || !w.m.now().Before(deadline) {
		return w.flush(ctx)
	}
	return w.wait(ctx, shards, deadline)
}

// spec returns the current Spec (Update may change it between batches).
func (w *worker) spec() Spec {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.rec.Def.Spec
}

// fill reads every eligible shard round-robin until the buffer holds
// limit bytes (full) or nothing more is readable now.
func (w *worker) fill(ctx context.Context, shards []srcShard, limit int) (full bool, err error) {
	for {
		progressed, newlySealed := false, false
		for _, sh := range shards {
			if w.bytes >= limit || w.mem >= memLimit(limit) {
				return true, nil
			}
			if w.sealed[sh.idx] {
				continue
			}
			pos := w.pos[sh.idx]
			b, err := w.m.opts.Log.Read(ctx, sh.id, pos, readMaxRecords, min(limit-w.bytes, readMaxBytes))
			if err != nil {
				if errors.Is(err, shardlog.ErrShardNotFound) && w.source == SourceKinesis {
					return false, fmt.Errorf("%w: %s", errSourceGone, w.kinesisStream)
				}
				return false, fmt.Errorf("read %s from %d: %w", sh.id, pos, err)
			}
			first := b.Next
			if len(b.Records) > 0 {
				first = b.Records[0].Offset
			}
			if first > pos {
				w.lost += int64(first - pos)
				w.m.logger.Warn("delivery: records expired before delivery", "stream", w.s.name(), "shard", sh.id.String(), "lost", first-pos)
			}
			w.observeRead(sh.idx, &b)
			if len(b.Records) > 0 {
				if _, ok := w.from[sh.idx]; !ok {
					w.from[sh.idx] = pos
				}
				if w.mem == 0 { // the buffer's first records
					w.firstRead = w.m.now()
				}
				for i := range b.Records {
					r := &b.Records[i]
					w.bytes += len(r.Data)
					w.mem += len(r.Data) + recordOverhead
					if w.oldest == 0 || r.Timestamp < w.oldest {
						w.oldest = r.Timestamp
					}
				}
				w.hold(sh.idx, b)
				progressed = true
			} else {
				b.Release()
			}
			w.pos[sh.idx] = b.Next
			if b.Ended {
				w.sealed[sh.idx] = true
				newlySealed = true
			}
		}
		if newlySealed && w.source == SourceKinesis {
			// Children of a finished parent may be readable now.
			if shards, err = w.eligible(); err != nil {
				return false, err
			}
			progressed = true
		}
		if !progressed {
			return w.bytes >= limit || w.mem >= memLimit(limit), nil
		}
	}
}

// wait blocks until a shard has records past the read position, the
// deadline passes (zero: none), the definition changes, or ctx is done.
func (w *worker) wait(ctx context.Context, shards []srcShard, deadline time.Time) error {
	if w.source == SourceKinesis {
		if recheck := w.m.now().Add(kinesisRecheck); deadline.IsZero() || recheck.Before(deadline) {
			deadline = recheck
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	if !deadline.IsZero() {
		wctx, cancel = context.WithDeadline(ctx, deadline)
	}
	defer cancel()
	woke := make(chan error, len(shards))
	var wg sync.WaitGroup
	for _, sh := range shards {
		if w.sealed[sh.idx] {
			continue
		}
		wg.Add(1)
		go func(id shardlog.ShardID, from uint64) {
			defer wg.Done()
			woke <- w.m.opts.Log.Wait(wctx, id, from)
		}(sh.id, w.pos[sh.idx])
	}
	var err error
	select {
	case err = <-woke:
	case <-wctx.Done():
	case <-w.s.kick:
	}
	cancel() // ends the other shards' waits
	wg.Wait()
	if err != nil && wctx.Err() == nil {
		if errors.Is(err, shardlog.ErrShardNotFound) && w.source == SourceKinesis {
			return fmt.Errorf("%w: %s", errSourceGone, w.kinesisStream)
		}
		return fmt.Errorf("wait for records: %w", err)
	}
	return nil
}

// observeRead reports a read of a Kinesis source shard to
// Options.SourceRead, with MillisBehindLatest computed as GetRecords does.
func (w *worker) observeRead(idx uint32, b *shardlog.Batch) {
	if w.source != SourceKinesis || w.m.opts.SourceRead == nil {
		return
	}
	size := 0
	for i := range b.Records {
		size += len(b.Records[i].Data)
	}
	var behind int64
	now := w.m.now().UnixMilli()
	switch {
	case b.Next >= b.Tip:
	case len(b.Records) > 0:
		behind = max(0, now-b.Records[len(b.Records)-1].Timestamp)
	default:
		behind = max(0, now-b.TipTimestamp)
	}
	w.m.opts.SourceRead(w.kinesisStream, w.sourceUID, idx, len(b.Records), size, behind)
}
