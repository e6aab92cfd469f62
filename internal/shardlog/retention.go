package shardlog

import (
	"context"
	"errors"
	"io/fs"
	"time"
)

// retentionLoop deletes expired segments every RetentionCheckInterval until
// Close. Readers never depend on it: they skip expired records themselves.
func (f *File) retentionLoop() {
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-f.stop; cancel() }()
	t := time.NewTicker(f.opts.RetentionCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.trimAll(ctx)
		}
	}
}

// trimAll runs one retention pass over every shard on disk.
func (f *File) trimAll(ctx context.Context) {
	ids, err := f.diskShards()
	if err != nil {
		f.log.Warn("retention: list shards", "err", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		s, err := f.shard(id)
		if err != nil {
			if !errors.Is(err, ErrShardNotFound) && !errors.Is(err, ErrClosed) {
				f.log.Warn("retention: open shard", "shard", id.String(), "err", err)
			}
			continue
		}
		if _, err := f.trimShard(ctx, s); err != nil && !errors.Is(err, ErrShardNotFound) {
			f.log.Warn("retention: trim shard", "shard", id.String(), "err", err)
		}
	}
}

// trimShard deletes the sealed segments whose records are all below the
// trim horizon: one unlink per segment, whatever it holds. The active
// segment is never deleted. It returns the number of segments deleted.
func (f *File) trimShard(ctx context.Context, s *shard) (int, error) {
	sn, err := s.snapshot()
	if err != nil {
		return 0, err
	}
	h, err := f.horizon(ctx, s, &sn)
	if err != nil {
		return 0, err
	}
	k := 0
	for k < len(sn.segs)-1 && sn.segs[k].end <= h {
		k++
	}
	if k == 0 {
		return 0, nil
	}
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	s.mu.Lock()
	if s.deleted || len(s.segs) <= k || s.segs[k-1] != sn.segs[k-1] {
		s.mu.Unlock()
		return 0, nil // changed meanwhile; the next pass retries
	}
	dead := s.segs[:k]
	s.segs = s.segs[k:]
	s.mu.Unlock()
	var errs []error
	for _, g := range dead {
		f.handles.drop(g)
		f.idx.drop(g)
		// Indexes first: a crash in between leaves a segment without
		// index, which is rebuilt, never an orphan index.
		for _, p := range []string{g.idxPath(), g.tixPath(), g.path} {
			if err := f.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		f.log.Info("retention: deleted segment", "shard", s.id.String(), "segment", g.name)
	}
	return k, errors.Join(errs...)
}
