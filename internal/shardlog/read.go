package shardlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
)

// Reads take a snapshot of the shard's visible state under shard.mu and do
// all I/O without locks, with pread on refcounted handles: they never block
// appends, and appends never block them.

// retryNotExist reruns fn when it failed on a file that retention deleted
// after fn took its snapshot; the next snapshot no longer lists it.
func retryNotExist[T any](fn func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := fn()
		if err == nil || i == 3 || !errors.Is(err, fs.ErrNotExist) {
			return v, err
		}
	}
}

// segFor returns the index of the segment holding off.
func segFor(segs []*segment, off uint64) int {
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > off }) - 1
	return max(i, 0)
}

// segBounds returns the visible end offset, byte limit and index of the
// i-th segment of a snapshot.
func (f *File) segBounds(ctx context.Context, s *shard, sn *snapshot, i int) (end uint64, limit int64, x *segIndex, err error) {
	g := sn.segs[i]
	if i == len(sn.segs)-1 {
		return sn.visNext, sn.visSize, &segIndex{base: g.base, points: sn.actPoints}, nil
	}
	x, err = f.segmentIndex(ctx, s, g)
	return g.end, g.size, x, err
}

// iterate decodes the records of g from byte pos (where the record with
// offset off starts) up to byte limit, calling fn until it returns false.
// Bytes that fail to decode are corruption: everything below limit was
// acknowledged, so no torn write can explain them. Records alias pooled
// read buffers: with keep nil they go back to the pool when iterate
// returns (fn must not retain records), else they are appended to *keep
// for the caller to release.
func (f *File) iterate(s *shard, g *segment, active bool, pos, limit int64, off uint64, hint int, keep *[][]byte, fn func(r Record) bool) error {
	flag := os.O_RDONLY
	if active {
		flag = os.O_RDWR // the committer may reuse this handle for writes
	}
	h, err := f.handles.acquire(g, flag)
	if err != nil {
		return fmt.Errorf("shard %s: open segment %s: %w", s.id, g.name, err)
	}
	defer f.handles.release(h)
	corrupt := func(at int64, err error) error {
		return &CorruptionError{Shard: s.id, Segment: g.name, Offset: at, Err: err}
	}
	var buf []byte
	defer func() {
		if buf == nil {
			return
		}
		if keep != nil {
			*keep = append(*keep, buf)
		} else {
			f.putBuf(buf)
		}
	}()
	for pos < limit {
		if buf != nil {
			if keep != nil {
				*keep = append(*keep, buf)
			} else {
				f.putBuf(buf)
			}
		}
		want := int(min(limit-pos, int64(hint)))
		buf = f.getBuf(want)[:want]
		n, err := h.f.ReadAt(buf, pos)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("shard %s: read segment %s at %d: %w", s.id, g.name, pos, err)
		}
		buf = buf[:n]
		used := 0
		for used < len(buf) {
			r, fl, derr := decodeFrame(buf[used:])
			if errors.Is(derr, errFrameShort) {
				if used > 0 {
					break // refill from this frame
				}
				if need := frameLen(buf); need > len(buf) && pos+int64(need) <= limit && n == len(buf) {
					hint = need
					break
				}
			}
			if derr != nil {
				return corrupt(pos+int64(used), derr)
			}
			if r.Offset != off {
				return corrupt(pos+int64(used), fmt.Errorf("%w: record offset %d where %d was expected", errFrameFormat, r.Offset, off))
			}
			off++
			used += fl
			if !fn(r) {
				return nil
			}
		}
		pos += int64(used)
	}
	return nil
}

// Read implements Log.
func (f *File) Read(ctx context.Context, id ShardID, from uint64, maxRecords, maxBytes int) (Batch, error) {
	if err := ctx.Err(); err != nil {
		return Batch{}, err
	}
	if f.closedFlag.Load() {
		return Batch{}, ErrClosed
	}
	s, err := f.shard(id)
	if err != nil {
		return Batch{}, err
	}
	return retryNotExist(func() (Batch, error) { return f.read(ctx, s, from, maxRecords, maxBytes) })
}

func (f *File) read(ctx context.Context, s *shard, from uint64, maxRecords, maxBytes int) (Batch, error) {
	sn, err := s.snapshot()
	if err != nil {
		return Batch{}, err
	}
	h, err := f.horizon(ctx, s, &sn)
	if err != nil {
		return Batch{}, err
	}
	from = max(from, h)
	b := Batch{Tip: sn.visNext, TipTimestamp: sn.lastTs, put: f.putBuf}
	next := from
	size := 0
	var hint int
	for i := segFor(sn.segs, from); i < len(sn.segs) && next < sn.visNext && len(b.Records) < maxRecords; i++ {
		end, limit, x, err := f.segBounds(ctx, s, &sn, i)
		if err != nil {
			return Batch{}, err
		}
		if next >= end {
			continue
		}
		off, pos := x.seekOffset(next)
		// Size the first pread from the segment's mean frame size: enough
		// for the records to skip after the index point and those wanted.
		avg := limit / int64(max(end-sn.segs[i].base, 1))
		want := int64(next-off)*avg + min(int64(maxRecords-len(b.Records))*avg, int64(maxBytes-size)+int64(maxRecords-len(b.Records))*(frameHeaderSize+recordFixedSize)) + 4096
		hint = int(min(max(want, 4096), 8<<20))
		if b.Records == nil {
			// Size the batch once: growing it by appends costs more than
			// the decoding (a Record is 104 bytes). Never beyond the
			// records there are: a reader at the tip (GetRecords polling,
			// fan-out, delivery) asks for 10,000 and gets a few, and a
			// full-size slice would be a megabyte per read.
			n := min(maxRecords, maxBytes/int(max(avg, 1))+1, 10000)
			if avail := sn.visNext - next; avail < uint64(n) {
				n = int(avail)
			}
			b.Records = make([]Record, 0, n)
		}
		full := false
		err = f.iterate(s, sn.segs[i], i == len(sn.segs)-1, pos, limit, off, hint, &b.bufs, func(r Record) bool {
			if r.Offset < next {
				return true
			}
			if len(b.Records) > 0 && size+r.Size() > maxBytes {
				full = true
				return false
			}
			size += r.Size()
			b.Records = append(b.Records, r)
			next = r.Offset + 1
			return len(b.Records) < maxRecords
		})
		if err != nil {
			return Batch{}, err
		}
		if full {
			break
		}
	}
	b.Next = next
	b.Ended = sn.closed && next >= sn.visNext
	return b, nil
}

// firstAtOrAfter finds the first visible record at offset >= start with an
// arrival time >= t. found is false when there is none.
func (f *File) firstAtOrAfter(ctx context.Context, s *shard, sn *snapshot, start uint64, t int64) (off uint64, ts int64, found bool, err error) {
	for i := segFor(sn.segs, start); i < len(sn.segs) && start < sn.visNext; i++ {
		end, limit, x, err := f.segBounds(ctx, s, sn, i)
		if err != nil {
			return 0, 0, false, err
		}
		if start >= end {
			continue
		}
		last := sn.lastTs
		if i < len(sn.segs)-1 {
			last = x.lastTs
		}
		if last < t {
			start = end
			continue
		}
		o, pos := x.seekTime(t)
		if o < start {
			o, pos = x.seekOffset(start)
		}
		err = f.iterate(s, sn.segs[i], i == len(sn.segs)-1, pos, limit, o, indexInterval+64<<10, nil, func(r Record) bool {
			if r.Offset >= start && r.Timestamp >= t {
				off, ts, found = r.Offset, r.Timestamp, true
				return false
			}
			return true
		})
		if err != nil || found {
			return off, ts, found, err
		}
		start = end
	}
	return 0, 0, false, nil
}

// horizon returns the trim horizon: the first record inside retention, and
// never below the persisted floor or the oldest remaining segment.
func (f *File) horizon(ctx context.Context, s *shard, sn *snapshot) (uint64, error) {
	if len(sn.segs) == 0 {
		return sn.visNext, nil
	}
	cutoff := f.now().UnixMilli() - sn.retention
	start := max(sn.floor, sn.segs[0].base)
	s.mu.Lock()
	hc := s.hc
	s.mu.Unlock()
	if hc.valid && hc.ret == sn.retention && cutoff >= hc.cutoff {
		if !hc.atTip && cutoff <= hc.ts {
			return max(hc.off, start), nil
		}
		start = max(start, hc.off)
	}
	if start >= sn.visNext {
		f.storeHorizon(s, horizonCache{valid: true, ret: sn.retention, cutoff: cutoff, off: sn.visNext, atTip: true})
		return sn.visNext, nil
	}
	off, ts, found, err := f.firstAtOrAfter(ctx, s, sn, start, cutoff)
	if err != nil {
		return 0, err
	}
	if !found {
		f.storeHorizon(s, horizonCache{valid: true, ret: sn.retention, cutoff: cutoff, off: sn.visNext, atTip: true})
		return sn.visNext, nil
	}
	f.storeHorizon(s, horizonCache{valid: true, ret: sn.retention, cutoff: cutoff, off: off, ts: ts})
	return off, nil
}

func (f *File) storeHorizon(s *shard, hc horizonCache) {
	s.mu.Lock()
	if s.st.retention.Milliseconds() == hc.ret && (!s.hc.valid || hc.cutoff >= s.hc.cutoff) {
		s.hc = hc
	}
	s.mu.Unlock()
}

// Seek implements Log.
func (f *File) Seek(id ShardID, sk Seek) (uint64, error) {
	if f.closedFlag.Load() {
		return 0, ErrClosed
	}
	s, err := f.shard(id)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	return retryNotExist(func() (uint64, error) {
		sn, err := s.snapshot()
		if err != nil {
			return 0, err
		}
		h, err := f.horizon(ctx, s, &sn)
		if err != nil {
			return 0, err
		}
		var off uint64
		switch sk.Kind {
		case SeekTrimHorizon:
			off = h
		case SeekLatest:
			off = sn.visNext
		case SeekAtOffset:
			off = sk.Offset
		case SeekAfterOffset:
			off = sk.Offset + 1
		case SeekAtTimestamp:
			o, _, found, err := f.firstAtOrAfter(ctx, s, &sn, h, sk.Timestamp)
			if err != nil {
				return 0, err
			}
			off = sn.visNext
			if found {
				off = o
			}
		default:
			return 0, fmt.Errorf("shardlog: unknown seek kind %d", sk.Kind)
		}
		return max(off, h), nil
	})
}

// Wait implements Log.
func (f *File) Wait(ctx context.Context, id ShardID, from uint64) error {
	s, err := f.shard(id)
	if err != nil {
		return err
	}
	for {
		s.mu.Lock()
		switch {
		case f.closedFlag.Load():
			s.mu.Unlock()
			return ErrClosed
		case s.deleted:
			s.mu.Unlock()
			return fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
		case s.visNext > from || s.st.sealed:
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
