package shardlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Group commit.
//
// Appenders never touch files. Under shard.mu an appender validates and
// encodes its frames straight into the shard's pending chunks, assigning
// offsets and the arrival time there, queues the shard on File.dirty and
// waits on the shard's change channel. One committer goroutine per File
// runs rounds:
//
//  1. take all dirty shards; for each, under its ioMu, swap out its pending
//     chunks (appends arriving from now on go to the next round);
//  2. write each shard's chunks with one pwrite per chunk; a chunk that
//     starts a new segment first fdatasyncs the previous segment, then
//     creates the file and fsyncs the directory, so every sealed segment is
//     known to be synced and recovery scans only the last one;
//  3. under SyncAlways, fdatasync every touched file, up to syncParallelism
//     at a time (devices with deep queues complete them concurrently); or,
//     with the journal on and a small round over several shards, write the
//     round again as one journal entry and fdatasync only the journal
//     (journal.go). A big round over several shards runs steps 2 and 3 per
//     shard on its own goroutine (overlapped);
//  4. publish: raise each shard's visible tip and wake its waiters; under
//     SyncAlways each shard is published as soon as its own fdatasync
//     returns, not after the round's slowest one.
//
// Under SyncInterval and SyncNever step 4 runs before step 3 and step 3
// runs only for Sync, Close and the interval tick. While a round fsyncs,
// new appends pile up in pending chunks and share the next round's write
// and fsync: that is the group commit, across one shard and across shards.
//
// A failed fsync makes the shard read-only for good: its waiters and later
// appends get the sticky error, wrapping ErrReadOnly. An fsync is never
// retried, because after a failed fsync the kernel may have dropped the
// dirty pages and a retry would report success for lost data. So does a
// failed write, except for want of space: a segment create or write that
// fails with ENOSPC or EDQUOT rewinds the shard to its acknowledged records
// (rewind.go) and fails the round's appenders with ErrDiskFull; the next
// round tries again, so appends work again as soon as there is space.
//
// Rejected designs: a goroutine and an open file per shard (thousands of
// shards would mean thousands of both); a channel of append requests to
// the committer (an extra copy and a goroutine hop per append; encoding
// under the shard mutex also fixes offsets and timestamps in order).
const syncParallelism = 4

// maxPooledBuf bounds buffers kept for reuse, so a burst of huge batches
// does not pin memory.
const maxPooledBuf = 8 << 20

// bufClass returns the pool class of a buffer of capacity n: the smallest
// power of two >= n, from 4 KiB.
func bufClass(n int) int {
	c := 12
	for 1<<c < n {
		c++
	}
	return c
}

// getBuf returns an empty buffer with room for n bytes, reusing one from
// the size-classed pools when it can.
func (f *File) getBuf(n int) []byte {
	c := bufClass(n)
	if c < len(f.bufs) {
		if p, ok := f.bufs[c].Get().(*[]byte); ok {
			return (*p)[:0]
		}
	}
	return make([]byte, 0, 1<<c)
}

func (f *File) putBuf(b []byte) {
	c := bufClass(cap(b))
	if 1<<c != cap(b) || c >= len(f.bufs) {
		return // not from getBuf, or too big to keep
	}
	b = b[:0]
	f.bufs[c].Put(&b)
}

// Append implements Log.
func (f *File) Append(ctx context.Context, id ShardID, entries []Entry) (AppendResult, error) {
	total := 0
	for i := range entries {
		if err := ValidateEntry(&entries[i]); err != nil {
			return AppendResult{}, err
		}
		total += frameSize(&entries[i])
	}
	if err := ctx.Err(); err != nil {
		return AppendResult{}, err
	}
	s, err := f.shard(id)
	if err != nil {
		return AppendResult{}, err
	}
	f.life.RLock()
	if f.closed {
		f.life.RUnlock()
		return AppendResult{}, ErrClosed
	}
	s.mu.Lock()
	switch {
	case s.deleted:
		err = fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
	case s.werr != nil:
		err = s.werr
	case s.sealing:
		err = fmt.Errorf("shard %s: %w", id, ErrShardClosed)
	}
	if err != nil {
		s.mu.Unlock()
		f.life.RUnlock()
		return AppendResult{}, err
	}
	ts := max(f.now().UnixMilli(), s.asgTs)
	res := AppendResult{FirstOffset: s.next, Timestamp: ts}
	if len(entries) == 0 {
		s.mu.Unlock()
		f.life.RUnlock()
		return res, nil
	}
	s.asgTs = ts
	f.encodeLocked(s, entries, ts, total)
	end, ep := s.next, s.ep
	s.mu.Unlock()
	f.enqueue(s)
	f.life.RUnlock()
	if err := f.waitAck(ctx, s, end, ep); err != nil {
		return AppendResult{}, err
	}
	return res, nil
}

// encodeLocked appends entries' frames to the shard's pending chunks,
// rolling to a new segment where the current one would exceed SegmentSize.
// Lock should be held.
func (f *File) encodeLocked(s *shard, entries []Entry, ts int64, total int) {
	var c *chunk
	var cur []byte
	flush := func() {
		if c != nil && len(cur) > 0 {
			c.bufs = append(c.bufs, cur)
			c.size += int64(len(cur))
		}
		cur = nil
	}
	for i := range entries {
		e := &entries[i]
		fl := frameSize(e)
		if s.asgSeg == nil || (s.asgSize > 0 && s.asgSize+int64(fl) > f.opts.SegmentSize) {
			flush()
			g := newSegment(s.dir, s.next)
			x := &segIndex{base: s.next}
			c = &chunk{seg: g, create: true, segIdx: x, prevSeg: s.asgSeg, prevIdx: s.asgIdx}
			s.pend = append(s.pend, c)
			s.asgSeg, s.asgIdx, s.asgSize = g, x, 0
		}
		if c == nil {
			if n := len(s.pend); n > 0 && s.pend[n-1].seg == s.asgSeg {
				c = s.pend[n-1]
			} else {
				c = &chunk{seg: s.asgSeg, pos: s.asgSize}
				s.pend = append(s.pend, c)
			}
		}
		if cur == nil {
			cur = f.getBuf(min(total, int(f.opts.SegmentSize-s.asgSize)+fl))
		}
		cur = appendFrame(cur, s.next, ts, e)
		s.asgIdx.add(s.next, s.asgSize, ts, fl)
		s.asgSize += int64(fl)
		s.next++
		c.next, c.lastTs = s.next, ts
		total -= fl
	}
	flush()
}

// enqueue puts s on the committer's dirty list and wakes it.
func (f *File) enqueue(s *shard) {
	f.cmu.Lock()
	if !s.queued {
		s.queued = true
		f.dirty = append(f.dirty, s)
	}
	f.cmu.Unlock()
	f.wake()
}

func (f *File) wake() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// waitAck waits until the shard's visible tip reaches end, for records
// assigned in epoch ep. A rewind after a full disk fails the epoch: its
// records from ep.floor on were dropped and their offsets given again.
func (f *File) waitAck(ctx context.Context, s *shard, end uint64, ep *epoch) error {
	for {
		s.mu.Lock()
		switch {
		case ep.err != nil && end > ep.floor:
			s.mu.Unlock()
			return ep.err
		case s.visNext >= end:
			s.mu.Unlock()
			return nil
		case s.deleted:
			s.mu.Unlock()
			return fmt.Errorf("shard %s: %w", s.id, ErrShardNotFound)
		case s.werr != nil:
			err := s.werr
			s.mu.Unlock()
			return err
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *File) commitLoop() {
	defer f.wg.Done()
	var tick <-chan time.Time
	if f.opts.Sync == SyncInterval {
		t := time.NewTicker(f.opts.SyncInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-f.kick:
			f.round(false)
		case <-tick:
			f.round(true)
		case <-f.stop:
			f.round(true)
			return
		}
	}
}

// work is one shard's part of a commit round.
type work struct {
	s       *shard
	chunks  []*chunk
	err     error
	full    bool     // err is a full disk the shard was rewound from (rewind.go)
	sync    *segment // segment to fdatasync in this round
	written int64    // bytes written in this round
}

// round runs one group commit; force fsyncs every unsynced shard.
func (f *File) round(force bool) {
	f.cmu.Lock()
	dirty := f.dirty
	f.dirty = nil
	for _, s := range dirty {
		s.queued = false
	}
	reqs := f.syncReqs
	f.syncReqs = nil
	if len(reqs) > 0 || (f.j != nil && !f.j.stuck && f.j.nearlyFull()) {
		force = true // a checkpoint when the journal is nearly full
	}
	if f.j != nil && f.j.full && time.Now().After(f.j.retry) {
		force = true // a checkpoint may take the journal back (checkpoint)
		f.j.retry = time.Now().Add(journalRetry)
	}
	if force {
		for s := range f.unsynced {
			if !s.queued {
				dirty = append(dirty, s)
				s.queued = true // dedupe marker for this round
			}
		}
		for _, s := range dirty {
			s.queued = false
		}
	}
	f.cmu.Unlock()
	seen := make(map[*shard]bool, len(dirty))
	ws := make([]*work, 0, len(dirty))
	for _, s := range dirty {
		if seen[s] {
			continue
		}
		seen[s] = true
		s.ioMu.Lock()
		s.mu.Lock()
		if s.deleted {
			s.mu.Unlock()
			s.ioMu.Unlock()
			continue
		}
		w := &work{s: s, chunks: s.pend, err: s.werr}
		s.pend = nil
		s.mu.Unlock()
		for _, c := range w.chunks {
			w.written += c.size
		}
		ws = append(ws, w)
	}
	if f.overlapped(ws, force) {
		f.writeSyncAll(ws, force)
	} else {
		for _, w := range ws {
			f.write(w, force)
		}
		if !force && f.opts.Sync == SyncAlways {
			f.tryJournal(ws)
		}
		for _, w := range ws {
			f.releaseBufs(w)
		}
		if f.opts.Sync != SyncAlways {
			for _, w := range ws {
				f.publish(w)
			}
		}
		f.syncAll(ws)
	}
	var firstErr error
	for _, w := range ws {
		if f.opts.Sync == SyncAlways || w.err != nil {
			f.publish(w)
		}
		if w.err == nil && f.opts.Sync == SyncAlways && f.opts.Preallocate > 0 {
			// After the acknowledgement: the next round's fdatasync
			// carries these zeros and their metadata, once.
			f.preallocate(w)
		}
		if w.err == nil && w.sync != nil {
			w.s.dirtySeg = nil
		}
		f.cmu.Lock()
		if w.s.dirtySeg != nil && w.err == nil {
			f.unsynced[w.s] = struct{}{}
		} else {
			delete(f.unsynced, w.s)
		}
		f.cmu.Unlock()
		if w.err != nil && !w.full && firstErr == nil {
			w.s.mu.Lock()
			firstErr = w.s.werr
			w.s.mu.Unlock()
		}
		w.s.ioMu.Unlock()
	}
	f.checkpoint(ws, force)
	for _, r := range reqs {
		r <- firstErr
	}
}

// write writes one shard's part of a round and picks the segment the
// round must fdatasync for it. ioMu should be held.
func (f *File) write(w *work, force bool) {
	if w.err == nil {
		w.err = f.writeChunks(w.s, w.chunks)
		var nf *noSpaceError
		if errors.As(w.err, &nf) {
			w.err, w.full = f.rewind(w, nf.err)
		} else if w.err == nil && w.s.full && len(w.chunks) > 0 {
			w.s.full = false
			f.log.Info("shard takes appends again after a full disk", "shard", w.s.id.String())
		}
	}
	if w.err == nil && w.s.dirtySeg != nil && (force || f.opts.Sync == SyncAlways) {
		w.sync = w.s.dirtySeg
	}
}

// releaseBufs returns a round's encoded chunks to the buffer pools once
// nothing writes them any more.
func (f *File) releaseBufs(w *work) {
	for _, c := range w.chunks {
		for _, b := range c.bufs {
			f.putBuf(b)
		}
		c.bufs = nil
	}
}

// overlapped reports whether a round writes and fdatasyncs each shard on
// its own goroutine: under SyncAlways, when it touches several shards and
// the journal will not take it. Written one shard after another, a round
// of a few MiB spends longer in pwrite (page-cache copies, on one core)
// than in the fdatasyncs that follow; overlapped, each shard's fdatasync
// starts as soon as its own write is done and the copies use every core.
// Small rounds stay serial: a goroutine per shard costs more than their
// writes (and the journal wants them whole).
func (f *File) overlapped(ws []*work, force bool) bool {
	if f.opts.Sync != SyncAlways {
		return false
	}
	var total int64
	n := 0
	for _, w := range ws {
		if w.written > 0 {
			n++
			total += w.written
		}
	}
	if n < 2 {
		return false
	}
	journal := f.j != nil && !f.j.stuck && !force && total <= journalMaxRound
	return !journal && total >= overlapMinRound
}

// overlapMinRound is the smallest round written and synced per shard in
// parallel (see overlapped).
const overlapMinRound = 256 << 10

// writeSyncAll writes and fdatasyncs each shard of a round on its own
// goroutine, up to syncParallelism at a time; syncOne acknowledges each
// shard's appenders as soon as its own fdatasync returns.
func (f *File) writeSyncAll(ws []*work, force bool) {
	sem := make(chan struct{}, syncParallelism)
	var wg sync.WaitGroup
	for _, w := range ws {
		sem <- struct{}{}
		wg.Add(1)
		go func(w *work) {
			defer func() { <-sem; wg.Done() }()
			f.write(w, force)
			f.releaseBufs(w)
			if w.sync != nil && w.err == nil {
				f.syncOne(w)
			}
		}(w)
	}
	wg.Wait()
}

// tryJournal makes a round of small appends to several shards durable with
// one journal entry and one fdatasync instead of one per shard (journal.go).
// The shards it covers keep their segments dirty (w.sync = nil) until a
// checkpoint. After a journal error (a full disk, a failed fdatasync) the
// round falls back to fdatasyncing its segments, which hold the same
// bytes, and the journal is not used again: a failed journal costs speed,
// not shards. After a write that failed for want of space the journal is
// taken back by a checkpoint once every shard's segments are synced.
func (f *File) tryJournal(ws []*work) {
	j := f.j
	if j == nil || j.stuck {
		return
	}
	var total int64
	var syncs int
	for _, w := range ws {
		if w.err != nil {
			return // keep failures on the per-shard path
		}
		total += w.written
		if w.sync != nil && w.written > 0 {
			syncs++
		}
	}
	if syncs < 2 || total > journalMaxRound {
		return
	}
	ok, err := f.journalRound(ws)
	if err != nil {
		// Entries already there stay valid for a replay (a torn last one
		// fails its CRC), so the journal is kept and not reset until a
		// checkpoint has synced every segment.
		j.stuck = true
		var nf *noSpaceError
		if errors.As(err, &nf) {
			j.full, j.retry = true, time.Now().Add(journalRetry)
			f.log.Warn("disk full: shard log journal write failed; small rounds go to their segments until there is space", "err", err)
			return
		}
		f.log.Error("shard log journal failed; small rounds go to their segments from now on", "err", err)
		return
	}
	if !ok {
		return
	}
	for _, w := range ws {
		w.sync = nil
	}
}

// checkpoint starts a new journal generation after a forced round that
// left no shard with unsynced data: every journal entry is then redundant.
// After a shard's failure it never does: the journal may be the only copy
// of records a failed segment lost, and the next start replays it. A full
// disk is not such a failure: a rewind syncs the shard's segment
// (rewind.go), and a journal stuck only for want of space is taken back
// by such a checkpoint if no shard is read-only.
func (f *File) checkpoint(ws []*work, force bool) {
	j := f.j
	if j == nil || (j.stuck && !j.full) {
		return
	}
	for _, w := range ws {
		if w.err != nil && !w.full {
			if j.used {
				j.stuck, j.full = true, false
			}
			return
		}
	}
	if !force || !j.used {
		return
	}
	f.cmu.Lock()
	clean := len(f.unsynced) == 0
	f.cmu.Unlock()
	if !clean || (j.stuck && f.anyReadOnly()) {
		return
	}
	if err := f.resetJournal(); err != nil {
		j.stuck, j.full = true, false
		f.log.Error("cannot start a new shard log journal generation; appends go to segments only", "err", err)
		return
	}
	if j.stuck {
		j.stuck, j.full = false, false
		f.log.Info("shard log journal in use again after a full disk")
	}
}

// journalRetry is how often a journal stuck for want of space is tried
// again (checkpoint).
const journalRetry = 10 * time.Second

// anyReadOnly reports whether a loaded shard has a sticky error.
func (f *File) anyReadOnly() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.shards {
		s.mu.Lock()
		ro := s.werr != nil
		s.mu.Unlock()
		if ro {
			return true
		}
	}
	return false
}

// writeChunks writes a shard's pending chunks. ioMu should be held.
func (f *File) writeChunks(s *shard, chunks []*chunk) error {
	for _, c := range chunks {
		if c.create {
			if err := f.roll(s, c); err != nil {
				return err
			}
		}
		h, err := f.handles.acquire(c.seg, os.O_RDWR|os.O_CREATE)
		if err != nil {
			return noSpace(fmt.Errorf("open segment %s: %w", c.seg.name, err))
		}
		err = h.f.WriteVecAt(c.bufs, c.pos)
		f.handles.release(h)
		if err != nil {
			return noSpace(fmt.Errorf("write segment %s at %d: %w", c.seg.name, c.pos, err))
		}
		s.dirtySeg = c.seg
		if s.wSeg != c.seg {
			s.wSeg, s.zeroEnd = c.seg, 0
		}
		s.wEnd = c.pos + c.size
		if c.create {
			if err := f.fs.SyncDir(s.dir); err != nil {
				return fmt.Errorf("sync directory after creating %s: %w", c.seg.name, err)
			}
		}
	}
	return nil
}

// roll makes sure the segment before c's is fsynced before c's is created,
// and stores the finished segment's index. ioMu should be held.
func (f *File) roll(s *shard, c *chunk) error {
	if s.wSeg != nil && s.zeroEnd > s.wEnd {
		// A sealed segment ends at its last frame: cut the zeros.
		if err := f.cutZeros(s); err != nil {
			return err
		}
	}
	if prev := s.dirtySeg; prev != nil {
		h, err := f.handles.acquire(prev, os.O_RDWR)
		if err != nil {
			return fmt.Errorf("open segment %s: %w", prev.name, err)
		}
		err = f.datasync(h.f)
		f.handles.release(h)
		if err != nil {
			return fmt.Errorf("sync segment %s before roll: %w", prev.name, err)
		}
		s.dirtySeg = nil
	}
	if c.prevSeg != nil && c.prevIdx.records > 0 {
		if err := writeIndexFiles(f.fs, c.prevSeg, c.prevIdx); err != nil {
			f.log.Warn("cannot store segment index", "shard", s.id.String(), "segment", c.prevSeg.name, "err", err)
		}
	}
	return nil
}

// preallocate writes zeros ahead of the shard's write position once fewer
// than half of Options.Preallocate bytes are left, if this round's write
// was small (a large one amortizes its fdatasync anyway, and zeroing ahead
// of it would double the bytes written). ioMu should be held. Errors are
// not sticky: the zeros are an optimization and hold no data.
func (f *File) preallocate(w *work) {
	s := w.s
	n, pre := w.written, f.opts.Preallocate
	if n == 0 || n > pre/16 || s.wSeg == nil || s.zeroEnd-s.wEnd >= pre/2 {
		return
	}
	from := max(s.wEnd, s.zeroEnd)
	to := min(s.wEnd+pre, f.opts.SegmentSize)
	if to <= from {
		return
	}
	h, err := f.handles.acquire(s.wSeg, os.O_RDWR)
	if err != nil {
		return
	}
	defer f.handles.release(h)
	if int64(len(f.zeros)) < to-from {
		f.zeros = make([]byte, pre)
	}
	if _, err := h.f.WriteAt(f.zeros[:to-from], from); err != nil {
		f.log.Debug("cannot preallocate segment", "shard", s.id.String(), "segment", s.wSeg.name, "err", err)
	}
	s.zeroEnd = to // also after an error: do not retry on every round
}

// cutZeros truncates the zeros past the end of the shard's last written
// segment and makes the new size durable. ioMu should be held.
func (f *File) cutZeros(s *shard) error {
	h, err := f.handles.acquire(s.wSeg, os.O_RDWR)
	if err != nil {
		return fmt.Errorf("open segment %s: %w", s.wSeg.name, err)
	}
	defer f.handles.release(h)
	if err := h.f.Truncate(s.wEnd); err != nil {
		return fmt.Errorf("truncate segment %s: %w", s.wSeg.name, err)
	}
	if err := f.datasync(h.f); err != nil {
		return fmt.Errorf("sync segment %s: %w", s.wSeg.name, err)
	}
	if s.dirtySeg == s.wSeg {
		s.dirtySeg = nil // synced just now
	}
	s.zeroEnd = 0
	return nil
}

// datasync fdatasyncs a segment file and reports the time taken to
// Options.SyncObserver.
func (f *File) datasync(fh file) error {
	if f.opts.SyncObserver == nil {
		return fh.Datasync()
	}
	start := time.Now()
	err := fh.Datasync()
	f.opts.SyncObserver(time.Since(start))
	return err
}

// syncAll fdatasyncs the segments picked in a round, a few at a time.
func (f *File) syncAll(ws []*work) {
	var todo []*work
	for _, w := range ws {
		if w.sync != nil && w.err == nil {
			todo = append(todo, w)
		}
	}
	if len(todo) == 0 {
		return
	}
	// The last one runs here: a round with one dirty shard (the common
	// case at low load) starts no goroutine.
	last := todo[len(todo)-1]
	todo = todo[:len(todo)-1]
	sem := make(chan struct{}, syncParallelism-1)
	var wg sync.WaitGroup
	for _, w := range todo {
		sem <- struct{}{}
		wg.Add(1)
		go func(w *work) {
			defer func() { <-sem; wg.Done() }()
			f.syncOne(w)
		}(w)
	}
	f.syncOne(last)
	wg.Wait()
}

// syncOne fdatasyncs one shard's segment of a round.
func (f *File) syncOne(w *work) {
	h, err := f.handles.acquire(w.sync, os.O_RDWR)
	if err != nil {
		w.err = fmt.Errorf("open segment %s: %w", w.sync.name, err)
		return
	}
	defer f.handles.release(h)
	if err := f.datasync(h.f); err != nil {
		w.err = fmt.Errorf("sync segment %s: %w", w.sync.name, err)
	} else if f.opts.Sync == SyncAlways {
		// Acknowledge this shard's appenders now rather than after the
		// round's slowest fdatasync.
		f.publish(w)
	}
}

// publish makes a round's records visible, or records the shard's sticky
// error, and wakes waiters. Publishing twice is harmless.
func (f *File) publish(w *work) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.err != nil {
		if s.werr == nil && !w.full {
			s.werr = fmt.Errorf("shard %s: %w: %w", s.id, ErrReadOnly, w.err)
			f.log.Error("shard is read-only after a write error", "shard", s.id.String(), "err", w.err)
		}
		s.notify()
		return
	}
	if len(w.chunks) == 0 {
		return
	}
	for _, c := range w.chunks {
		if c.create {
			if n := len(s.segs); n > 0 {
				prev := s.segs[n-1]
				prev.sealed, prev.end, prev.size = true, c.seg.base, s.visSize
				prev.haveSum, prev.lastTs = s.act.records > 0, s.lastTs
				if s.act.records > 0 {
					f.idx.put(prev, s.act)
				}
			}
			segs := make([]*segment, len(s.segs), len(s.segs)+1)
			copy(segs, s.segs)
			s.segs = append(segs, c.seg)
			s.act = c.segIdx
		}
		s.visSize = c.pos + c.size
		s.visNext, s.lastTs = c.next, c.lastTs
	}
	w.chunks = nil
	s.notify()
}
