package shardlog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Rewinding after a full disk.
//
// A write that fails for want of space (ENOSPC, EDQUOT) while creating or
// writing a segment does not make the shard read-only: the committer
// rewinds it to its visible (acknowledged) state and appends work again
// once there is space. Nothing of the failed round is acknowledged yet
// (SyncAlways publishes after the fdatasync, the other policies after the
// write), so the rewind
//
//  1. under shard.mu: drops the round's chunks and those assigned since
//     (shard.pend), gives their offsets back (next = visNext, the
//     assignment returns to the visible active segment and its index cut
//     to the visible records) and starts a new epoch for the appends that
//     follow;
//  2. on disk: removes the segments the round created, with their index
//     files; truncates the visible active segment to its visible size
//     (cutting partial frames, whole frames of the failed round and
//     preallocated zeros) and removes index files a roll in the round may
//     have written for it, fsyncing the directory before the cut; then
//     fdatasyncs it. From here the files hold exactly the visible records, durably, as if the
//     round had never run: a kill or power cut later recovers them and no
//     record of the failed round, and records written next go where the
//     dropped ones were;
//  3. under shard.mu: fails the old epoch, which fails every appender of
//     a dropped record (their offsets will be assigned again, so the tip
//     passing them will say nothing about them). Not before 2: an appender
//     told its append failed must not find it in the log after a crash.
//
// If any step of 2 fails, the shard becomes read-only as before. An fsync
// that fails is never retried, whatever its errno: the kernel may have
// dropped the dirty pages it could not write. Only the write path is
// rewound; everything else (fsyncs, truncates, directory syncs) stays
// sticky.
//
// Appends are not held back while the disk stays full: each round tries
// its write, which fails at once, and the rewind frees the round's memory,
// so pending records never pile up.

// noSpaceError marks a write-path failure for want of space, which the
// committer rewinds from instead of making the shard read-only.
type noSpaceError struct{ err error }

func (e *noSpaceError) Error() string { return e.err.Error() }
func (e *noSpaceError) Unwrap() error { return e.err }

// noSpace wraps err in a noSpaceError when it is ENOSPC or EDQUOT.
func noSpace(err error) error {
	if IsNoSpace(err) {
		return &noSpaceError{err}
	}
	return err
}

// IsNoSpace reports whether err comes from a write that found no space:
// ENOSPC, EDQUOT, or ErrDiskFull (which wraps one of them).
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// rewind undoes a round of w's shard that failed with a full disk (see
// above) and returns the error for the round: wrapping ErrDiskFull with
// full set, or, when the rewind itself failed, an error for publish to
// make sticky. ioMu should be held.
func (f *File) rewind(w *work, cause error) (error, bool) {
	s := w.s
	s.mu.Lock()
	ep := s.ep
	s.ep = &epoch{}
	pend := s.pend
	s.pend = nil
	var act *segment
	if n := len(s.segs); n > 0 {
		act = s.segs[n-1]
	}
	dropped := s.next - s.visNext
	s.next = s.visNext
	if s.act != nil {
		s.act.cut(s.visNext, s.visSize, s.lastTs)
	}
	s.asgSeg, s.asgIdx, s.asgSize = act, s.act, s.visSize
	size := s.visSize
	s.mu.Unlock()
	for _, c := range pend {
		for _, b := range c.bufs {
			f.putBuf(b)
		}
		c.bufs = nil
	}
	if !s.full {
		s.full = true
		f.log.Warn("disk full: shard append failed; its records were not written, appends work again once there is space",
			"shard", s.id.String(), "records", dropped, "err", cause)
	}
	err := f.rewindFiles(s, w.chunks, act, size)
	// Only now, with the dropped records off the disk, may their appenders
	// learn that they failed: a kill -9 from here on cannot bring them back.
	failed := fmt.Errorf("shard %s: %w: %w", s.id, ErrDiskFull, cause)
	s.mu.Lock()
	ep.err, ep.floor = failed, s.visNext
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("rewind after a full disk (%w): %w", cause, err), false
	}
	return failed, true
}

// rewindFiles brings the shard's files back to its visible records: see
// rewind. ioMu should be held.
func (f *File) rewindFiles(s *shard, chunks []*chunk, act *segment, size int64) error {
	var gone []string
	for _, c := range chunks {
		if c.create {
			f.handles.drop(c.seg)
			gone = append(gone, c.seg.path, c.seg.idxPath(), c.seg.tixPath())
		}
	}
	if act != nil {
		gone = append(gone, act.idxPath(), act.tixPath())
	}
	removed := false
	for _, p := range gone {
		err := f.fs.Remove(p)
		switch {
		case err == nil:
			removed = true
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("remove %s: %w", p, err)
		}
	}
	// The removals are durable before the cut: a crash that kept a
	// removed segment behind a cut one would leave a sealed segment short
	// of its successor's base, corrupt for every read.
	if removed {
		if err := f.fs.SyncDir(s.dir); err != nil {
			return fmt.Errorf("sync directory: %w", err)
		}
	}
	if act != nil {
		h, err := f.handles.acquire(act, os.O_RDWR)
		if err != nil {
			return fmt.Errorf("open segment %s: %w", act.name, err)
		}
		err = h.f.Truncate(size)
		if err == nil {
			err = f.datasync(h.f)
		}
		f.handles.release(h)
		if err != nil {
			return fmt.Errorf("cut segment %s to %d: %w", act.name, size, err)
		}
	}
	s.dirtySeg = nil
	s.wSeg, s.wEnd, s.zeroEnd = act, size, 0
	return nil
}
