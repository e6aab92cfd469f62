package shardlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// shard is the in-memory state of one shard of a File.
//
// Lock order: File.loadMu → shard.sealMu → shard.ioMu → shard.mu →
// File.cmu → handleCache.mu / indexCache.mu. Appenders take only shard.mu
// (then File.cmu to queue themselves); readers take shard.mu briefly to
// snapshot and never wait for I/O under it.
type shard struct {
	id  ShardID
	dir string

	sealMu sync.Mutex // serializes Seal

	// ioMu serializes changes to the shard's files: the committer's writes
	// and fsyncs, state file rewrites, segment deletion and shard deletion.
	ioMu     sync.Mutex
	dirtySeg *segment // written but not yet fsynced (guarded by ioMu)
	// Where the committer last wrote, and how far zeros run past it
	// (Options.Preallocate; guarded by ioMu).
	wSeg    *segment
	wEnd    int64
	zeroEnd int64 // zeros of wSeg reach here; <= wEnd: none
	full    bool  // the last write found the disk full (guarded by ioMu)

	mu      sync.Mutex
	deleted bool
	st      shardState // as persisted
	sealing bool       // appends refused: sealed or a Seal in progress
	werr    error      // sticky write/fsync error, wraps ErrReadOnly
	changed chan struct{}

	// Visible (acknowledged) state, what readers see.
	segs    []*segment // ordered; the last one is the active segment
	act     *segIndex  // index of the active segment (may run ahead of visSize)
	visNext uint64
	visSize int64 // bytes of the active segment holding visible records
	lastTs  int64
	hc      horizonCache

	// Assignment state: includes records still pending in chunks.
	next    uint64
	asgTs   int64
	asgSeg  *segment
	asgIdx  *segIndex
	asgSize int64
	pend    []*chunk
	ep      *epoch // of the records assigned since the last rewind

	queued bool // in File.dirty (guarded by File.cmu)
}

// chunk is a run of encoded frames for one segment, waiting for the
// committer.
type chunk struct {
	seg    *segment
	create bool      // the first bytes of a new segment: roll to it
	segIdx *segIndex // index of seg (create only)
	pos    int64     // position of the first buffer in the segment
	size   int64     // bytes in bufs
	bufs   [][]byte  // encoded frames, one buffer per append
	// The segment rolled away from and its complete index (create only).
	prevSeg *segment
	prevIdx *segIndex
	next    uint64 // offset after the chunk's last record
	lastTs  int64
}

// epoch is the fate of the records a shard assigned between two rewinds
// (rewind.go). Each appender keeps the epoch its records were assigned in:
// after a rewind their offsets are assigned again to other records, so the
// visible tip passing them no longer says they were written.
type epoch struct {
	err   error  // set, under shard.mu, when a rewind ends the epoch
	floor uint64 // the visible tip then: records below it were acknowledged
}

// horizonCache remembers the last computed trim horizon: with a fixed
// retention the horizon only moves forward, so most calls return at once.
type horizonCache struct {
	valid  bool
	ret    int64 // retention in ms it was computed for
	cutoff int64
	off    uint64
	ts     int64 // arrival time of the record at off, when off < next
	atTip  bool  // off was the tip when computed
}

// notify wakes everything waiting on the shard. Lock should be held.
func (s *shard) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// snapshot is what a reader needs, copied under shard.mu.
type snapshot struct {
	segs      []*segment
	actPoints []indexPoint
	visNext   uint64
	visSize   int64
	lastTs    int64
	closed    bool
	retention int64 // ms
	floor     uint64
}

func (s *shard) snapshot() (snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted {
		return snapshot{}, fmt.Errorf("shard %s: %w", s.id, ErrShardNotFound)
	}
	return s.snapshotLocked(), nil
}

// snapshotLocked copies the visible state. Lock should be held.
func (s *shard) snapshotLocked() snapshot {
	sn := snapshot{
		segs:      s.segs,
		visNext:   s.visNext,
		visSize:   s.visSize,
		lastTs:    s.lastTs,
		closed:    s.st.sealed,
		retention: s.st.retention.Milliseconds(),
		floor:     s.st.floor,
	}
	if s.act != nil && len(s.segs) > 0 {
		pts := s.act.points
		n := len(pts)
		for n > 0 && int64(pts[n-1].pos) >= s.visSize {
			n--
		}
		sn.actPoints = pts[:n]
	}
	return sn
}

// loadShard opens an existing shard directory: it reads the state file,
// lists the segments and scans only the active (last) one, truncating a
// torn tail. Sealed segments need no scan: a roll fsyncs a segment before
// the next one is created.
func (f *File) loadShard(ctx context.Context, id ShardID) (*shard, error) {
	dir := filepath.Join(f.opts.Dir, id.String())
	b, err := readWhole(f.fs, filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("shard %s: read state: %w", id, err)
	}
	st, err := decodeState(b)
	if err != nil {
		return nil, fmt.Errorf("shard %s: %w", id, err)
	}
	s := &shard{id: id, dir: dir, st: st, changed: make(chan struct{}), sealing: st.sealed, ep: &epoch{}}
	bases, err := listSegments(f.fs, dir)
	if err != nil {
		return nil, fmt.Errorf("shard %s: list segments: %w", id, err)
	}
	for i, base := range bases {
		g := newSegment(dir, base)
		if i < len(bases)-1 {
			g.sealed = true
			g.end = bases[i+1]
			if g.size, err = fileSize(f.fs, g.path); err != nil {
				return nil, fmt.Errorf("shard %s: %w", id, err)
			}
		}
		s.segs = append(s.segs, g)
	}
	if len(s.segs) == 0 {
		s.next, s.visNext = st.floor, st.floor
		return s, nil
	}
	act := s.segs[len(s.segs)-1]
	x, err := f.recoverActive(ctx, id, act)
	if err != nil {
		return nil, err
	}
	s.act, s.asgIdx, s.asgSeg = x, x, act
	s.visSize, s.asgSize = x.size, x.size
	s.next = act.base + uint64(x.records)
	s.visNext = s.next
	if x.records > 0 {
		s.lastTs = x.lastTs
	} else if len(s.segs) > 1 {
		prev := s.segs[len(s.segs)-2]
		px, err := f.segmentIndex(ctx, s, prev)
		if err != nil {
			return nil, err
		}
		s.lastTs = px.lastTs
	}
	s.asgTs = s.lastTs
	if st.sealed && st.end != s.visNext {
		f.log.Warn("sealed shard end differs from its records", "shard", id.String(), "sealedEnd", st.end, "next", s.visNext)
	}
	return s, nil
}

// recoverActive scans the active segment and truncates (and fsyncs) a torn
// tail, the only place a crash can leave partial frames.
func (f *File) recoverActive(ctx context.Context, id ShardID, g *segment) (*segIndex, error) {
	fh, err := f.fs.OpenFile(g.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("shard %s: open segment %s: %w", id, g.name, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("shard %s: stat segment %s: %w", id, g.name, err)
	}
	x, valid, serr := scanSegment(ctx, fh, g.base, st.Size())
	if serr != nil && ctx.Err() != nil {
		return nil, serr
	}
	if errors.Is(serr, errFrameUnknown) {
		// A whole frame with a valid checksum is not a torn write: cutting
		// there would drop records a newer rheo acknowledged (a downgrade).
		return nil, &CorruptionError{Shard: id, Segment: g.name, Offset: valid, Err: serr}
	}
	if valid < st.Size() {
		if zeros, err := allZero(fh, valid, st.Size()); err == nil && zeros {
			// Options.Preallocate's zeros, not a torn write.
			f.log.Debug("truncating preallocated tail of active segment", "shard", id.String(), "segment", g.name,
				"at", valid, "bytes", st.Size()-valid)
		} else if at, ok := wholeFrameAfter(fh, valid, st.Size()); ok {
			// A torn write leaves nothing whole after it, unless the
			// machine lost power with pages written out of order. Whole
			// frames after the cut may be a flipped bit's victims instead
			// (media damage): keep the bytes, so they can be recovered.
			kept, err := f.keepTail(fh, g, valid, st.Size())
			if err != nil {
				return nil, fmt.Errorf("shard %s: keep damaged tail of segment %s: %w", id, g.name, err)
			}
			f.log.Error("active segment damaged before its end: truncating, whole records follow the damage; the cut bytes are kept",
				"shard", id.String(), "segment", g.name, "at", valid, "dropped", st.Size()-valid, "wholeFrameAt", at,
				"kept", kept, "reason", serr)
		} else {
			f.log.Warn("truncating torn tail of active segment", "shard", id.String(), "segment", g.name,
				"at", valid, "dropped", st.Size()-valid, "reason", serr)
		}
		if err := fh.Truncate(valid); err != nil {
			return nil, fmt.Errorf("shard %s: truncate segment %s: %w", id, g.name, err)
		}
		if err := fh.Datasync(); err != nil {
			return nil, fmt.Errorf("shard %s: sync segment %s: %w", id, g.name, err)
		}
	}
	return x, nil
}

// wholeFrameAfter returns the position of the first whole record frame
// (this version's type byte, checksum holding) that starts after from and
// ends by to, scanning byte by byte. Record data can look like frame
// headers: after maxFrameProbes checksums that fail it gives up.
func wholeFrameAfter(fh file, from, to int64) (int64, bool) {
	const (
		window         = 4 << 20
		maxFrameProbes = 4096
	)
	buf := make([]byte, window+frameHeaderSize+maxRecordPayload)
	probes := 0
	for start := from + 1; start < to; start += window {
		b := buf[:min(int64(len(buf)), to-start)]
		if _, err := fh.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, false
		}
		for i := 0; i+frameHeaderSize <= len(b) && i < window; i++ {
			if b[i+8] != frameTypeRecord || b[i+9] != frameVersion {
				continue
			}
			if _, _, err := decodeFrame(b[i:]); err == nil {
				return start + int64(i), true
			}
			if probes++; probes > maxFrameProbes {
				return 0, false
			}
		}
	}
	return 0, false
}

// keepTail copies bytes [from, to) of an active segment next to it, as
// <segment>.cut-<from> (.cut-<from>.<n> when an earlier recovery kept bytes
// cut at the same place), synced, before recovery truncates them; the
// shard log ignores the file, and it goes with the shard.
func (f *File) keepTail(fh file, g *segment, from, to int64) (string, error) {
	path := fmt.Sprintf("%s.cut-%d", g.path, from)
	out, err := f.fs.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	for n := 1; errors.Is(err, fs.ErrExist) && n < 1000; n++ {
		path = fmt.Sprintf("%s.cut-%d.%d", g.path, from, n)
		out, err = f.fs.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if err != nil {
		return "", err
	}
	buf := make([]byte, 1<<20)
	for pos := from; pos < to; {
		n := int(min(int64(len(buf)), to-pos))
		if _, err := fh.ReadAt(buf[:n], pos); err != nil && !errors.Is(err, io.EOF) {
			out.Close()
			return "", err
		}
		if _, err := out.WriteAt(buf[:n], pos-from); err != nil {
			out.Close()
			return "", err
		}
		pos += int64(n)
	}
	if err := errors.Join(out.Datasync(), out.Close()); err != nil {
		return "", err
	}
	return path, f.fs.SyncDir(filepath.Dir(g.path))
}

// allZero reports whether bytes [from, to) of fh are all zero.
func allZero(fh file, from, to int64) (bool, error) {
	buf := make([]byte, 64<<10)
	for from < to {
		n := int(min(int64(len(buf)), to-from))
		if _, err := fh.ReadAt(buf[:n], from); err != nil {
			return false, err
		}
		for _, c := range buf[:n] {
			if c != 0 {
				return false, nil
			}
		}
		from += int64(n)
	}
	return true, nil
}

// segmentIndex returns the index of a sealed segment: from the cache, else
// from its .idx/.tix files, else rebuilt by scanning the segment (and
// stored again). A segment that does not scan cleanly is corrupt.
func (f *File) segmentIndex(ctx context.Context, s *shard, g *segment) (*segIndex, error) {
	if x := f.idx.get(g); x != nil {
		return x, nil
	}
	x, err := f.readIndexFiles(g)
	if err != nil {
		h, err := f.handles.acquire(g, os.O_RDONLY)
		if err != nil {
			return nil, fmt.Errorf("shard %s: open segment %s: %w", s.id, g.name, err)
		}
		var valid int64
		x, valid, err = scanSegment(ctx, h.f, g.base, g.size)
		f.handles.release(h)
		if err != nil || valid != g.size || g.base+uint64(x.records) != g.end {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err == nil {
				err = fmt.Errorf("%w: segment holds offsets [%d, %d), want up to %d", errFrameFormat, g.base, g.base+uint64(x.records), g.end)
			}
			return nil, &CorruptionError{Shard: s.id, Segment: g.name, Offset: valid, Err: err}
		}
		if werr := writeIndexFiles(f.fs, g, x); werr != nil {
			f.log.Warn("cannot store rebuilt index", "shard", s.id.String(), "segment", g.name, "err", werr)
		}
	}
	f.idx.put(g, x)
	s.mu.Lock()
	g.haveSum, g.lastTs = true, x.lastTs
	s.mu.Unlock()
	return x, nil
}

// readIndexFiles loads a sealed segment's index files and checks that they
// describe this segment.
func (f *File) readIndexFiles(g *segment) (*segIndex, error) {
	ib, err := readWhole(f.fs, g.idxPath())
	if err != nil {
		return nil, err
	}
	tb, err := readWhole(f.fs, g.tixPath())
	if err != nil {
		return nil, err
	}
	x, err := decodeIndex(ib, tb)
	if err != nil {
		return nil, err
	}
	if x.base != g.base || x.size != g.size || g.base+uint64(x.records) != g.end {
		return nil, fmt.Errorf("%w: index does not match segment %s", errIndex, g.name)
	}
	return x, nil
}

// segLastTs returns the arrival time of a sealed segment's last record.
func (f *File) segLastTs(ctx context.Context, s *shard, g *segment) (int64, error) {
	s.mu.Lock()
	have, ts := g.haveSum, g.lastTs
	s.mu.Unlock()
	if have {
		return ts, nil
	}
	x, err := f.segmentIndex(ctx, s, g)
	if err != nil {
		return 0, err
	}
	return x.lastTs, nil
}
