package shardlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// File is the durable Log: one directory per shard holding segment files,
// written by one committer goroutine shared by all shards (see commit.go).
type File struct {
	opts    Options
	fs      fileSystem
	log     *slog.Logger
	now     func() time.Time
	handles *handleCache
	idx     *indexCache
	bufs    [24]sync.Pool // *[]byte pending buffers by size class (4 KiB … 8 MiB)
	zeros   []byte        // source of Options.Preallocate writes (committer only)
	j       *journal      // shared write-ahead file of small rounds, or nil (committer only)

	// life guards closed: Append holds it shared from its check until its
	// records are queued, so Close's final commit round sees them all.
	life   sync.RWMutex
	closed bool
	// closedFlag mirrors closed for paths that hold shard.mu (Wait), where
	// taking life would invert the lock order.
	closedFlag atomic.Bool

	loadMu sync.Mutex // serializes loading, creating and deleting shard dirs

	mu     sync.Mutex // guards shards
	shards map[ShardID]*shard

	cmu      sync.Mutex // guards dirty, unsynced, syncReqs and shard.queued
	dirty    []*shard
	unsynced map[*shard]struct{}
	syncReqs []chan error
	kick     chan struct{}

	stop chan struct{}
	wg   sync.WaitGroup
}

var _ Log = (*File)(nil)

// OpenFile opens (creating if needed) the log rooted at opts.Dir. It reads
// no shard: shards are loaded on first access, so opening is O(1) however
// much data the directory holds. The caller must hold the data-dir lock.
func OpenFile(opts Options) (*File, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.EnsureDefaults()
	if err := opts.fs.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("shardlog: create %s: %w", opts.Dir, err)
	}
	rfs := &reliefFS{fileSystem: opts.fs}
	rfs.cache = newHandleCache(rfs, opts.MaxOpenFiles)
	f := &File{
		opts:     opts,
		fs:       rfs,
		log:      opts.Logger,
		now:      opts.Now,
		handles:  rfs.cache,
		idx:      newIndexCache(512),
		shards:   make(map[ShardID]*shard),
		unsynced: make(map[*shard]struct{}),
		kick:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
	}
	journal := opts.Journal
	if opts.Sync != SyncAlways {
		journal = 0 // only SyncAlways fdatasyncs every round
	}
	// Before any shard is loaded: recovery must see the replayed bytes.
	if err := f.openJournal(journal); err != nil {
		return nil, err
	}
	f.wg.Add(2)
	go f.commitLoop()
	go f.retentionLoop()
	return f, nil
}

// shard returns the loaded shard, loading it from disk on first access.
func (f *File) shard(id ShardID) (*shard, error) {
	if f.closedFlag.Load() {
		return nil, ErrClosed
	}
	f.mu.Lock()
	s, ok := f.shards[id]
	f.mu.Unlock()
	if ok {
		return s, nil
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if f.isClosed() {
		return nil, ErrClosed
	}
	f.mu.Lock()
	s, ok = f.shards[id]
	f.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := f.loadShard(context.Background(), id)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.shards[id] = s
	f.mu.Unlock()
	return s, nil
}

func (f *File) isClosed() bool {
	f.life.RLock()
	defer f.life.RUnlock()
	return f.closed
}

func checkRetention(d time.Duration) (time.Duration, error) {
	d = normRetention(d)
	if d < MinRetention || d > MaxRetention {
		return 0, fmt.Errorf("shardlog: retention %v outside [%v, %v]", d, MinRetention, MaxRetention)
	}
	return d, nil
}

// CreateShard implements Log. The shard directory and its state file are
// durable when it returns.
func (f *File) CreateShard(id ShardID, cfg ShardConfig) error {
	ret, err := checkRetention(cfg.Retention)
	if err != nil {
		return err
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if f.isClosed() {
		return ErrClosed
	}
	f.mu.Lock()
	_, ok := f.shards[id]
	f.mu.Unlock()
	dir := filepath.Join(f.opts.Dir, id.String())
	if !ok {
		_, err := f.fs.Stat(filepath.Join(dir, stateFile))
		ok = err == nil
	}
	if ok {
		return fmt.Errorf("shard %s: %w", id, ErrShardExists)
	}
	// A directory without a state file is a half-done create or delete.
	if err := f.fs.RemoveAll(dir); err != nil {
		return fmt.Errorf("shard %s: clear directory: %w", id, err)
	}
	if err := f.fs.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("shard %s: create directory: %w", id, err)
	}
	st := shardState{retention: ret}
	if err := writeAtomic(f.fs, dir, stateFile, encodeState(st)); err != nil {
		return fmt.Errorf("shard %s: %w", id, err)
	}
	streamDir := filepath.Dir(dir)
	if err := errors.Join(f.fs.SyncDir(streamDir), f.fs.SyncDir(filepath.Dir(streamDir))); err != nil {
		return fmt.Errorf("shard %s: sync directories: %w", id, err)
	}
	s := &shard{id: id, dir: dir, st: st, changed: make(chan struct{}), ep: &epoch{}}
	f.mu.Lock()
	f.shards[id] = s
	f.mu.Unlock()
	return nil
}

// DeleteShard implements Log. The state file goes first, so a crash midway
// leaves a directory that counts as absent and is cleared on re-creation.
func (f *File) DeleteShard(id ShardID) error {
	s, err := f.shard(id)
	if err != nil {
		return err
	}
	f.loadMu.Lock()
	defer f.loadMu.Unlock()
	if err := f.deleteShard(id, s); err != nil {
		return err
	}
	if f.j != nil {
		// A checkpoint retires the journal's entries for this shard, so a
		// shard created again under the same id cannot be overwritten by
		// a replay. Until then replay skips it: its state file is gone.
		// Another shard's sticky error is not this call's failure. Not
		// under ioMu: the round may take the deleted shard's, if an
		// append queued it before the delete.
		if err := f.Sync(context.Background()); err != nil && !errors.Is(err, ErrReadOnly) {
			return fmt.Errorf("shard %s: checkpoint after delete: %w", id, err)
		}
	}
	return nil
}

// deleteShard removes s's files for DeleteShard. loadMu should be held.
func (f *File) deleteShard(id ShardID, s *shard) error {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	s.mu.Lock()
	if s.deleted {
		s.mu.Unlock()
		return fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
	}
	s.deleted = true
	s.notify()
	segs := s.segs
	pend := s.pend
	s.pend = nil
	s.mu.Unlock()
	f.mu.Lock()
	delete(f.shards, id)
	f.mu.Unlock()
	f.cmu.Lock()
	delete(f.unsynced, s)
	f.cmu.Unlock()
	for _, g := range segs {
		f.handles.drop(g)
		f.idx.drop(g)
	}
	for _, c := range pend {
		f.handles.drop(c.seg)
	}
	if err := f.fs.Remove(filepath.Join(s.dir, stateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("shard %s: remove state: %w", id, err)
	}
	if err := f.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("shard %s: sync directory: %w", id, err)
	}
	if err := f.fs.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("shard %s: remove directory: %w", id, err)
	}
	// The stream's directory goes with its last shard (UIDs are never
	// reused, so nothing will be created in it again). Removing a
	// non-empty directory fails, which is the answer when other shards
	// remain; CreateShard holds loadMu too, so it cannot be between its
	// MkdirAll's two levels now.
	_ = f.fs.Remove(filepath.Dir(s.dir))
	return nil
}

// SetRetention implements Log. Records already expired stay unreadable
// when retention grows (as on Kinesis): the current horizon is persisted as
// a floor first.
func (f *File) SetRetention(id ShardID, d time.Duration) error {
	d, err := checkRetention(d)
	if err != nil {
		return err
	}
	s, err := f.shard(id)
	if err != nil {
		return err
	}
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	sn, err := s.snapshot()
	if err != nil {
		return err
	}
	h, err := f.horizon(context.Background(), s, &sn)
	if err != nil {
		return err
	}
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	st.floor = max(st.floor, h)
	st.retention = d
	if err := writeAtomic(f.fs, s.dir, stateFile, encodeState(st)); err != nil {
		return fmt.Errorf("shard %s: %w", id, err)
	}
	s.mu.Lock()
	s.st = st
	s.hc = horizonCache{}
	s.mu.Unlock()
	return nil
}

// Seal implements Log. It waits for records already accepted, makes them
// durable whatever the policy, then persists the sealed end.
//
// A Seal that fails (say the state file cannot be written on a full disk)
// leaves the shard refusing appends with ErrShardClosed, though not sealed
// on disk: the caller is expected to seal again (kinesis's reshard intent
// does), and resuming appends would be unsafe when the state file's rename
// went through and only the directory sync failed, as records would then
// be acknowledged past a sealed end.
func (f *File) Seal(ctx context.Context, id ShardID) (ShardInfo, error) {
	s, err := f.shard(id)
	if err != nil {
		return ShardInfo{}, err
	}
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	s.mu.Lock()
	if s.deleted {
		s.mu.Unlock()
		return ShardInfo{}, fmt.Errorf("shard %s: %w", id, ErrShardNotFound)
	}
	if s.st.sealed {
		s.mu.Unlock()
		return f.Info(id)
	}
	s.sealing = true
	end, ep := s.next, s.ep
	s.mu.Unlock()
	if err := f.waitAck(ctx, s, end, ep); err != nil && !errors.Is(err, ErrReadOnly) && !errors.Is(err, ErrDiskFull) {
		return ShardInfo{}, err
	}
	if err := f.Sync(ctx); err != nil && !errors.Is(err, ErrReadOnly) {
		return ShardInfo{}, err
	}
	s.ioMu.Lock()
	s.mu.Lock()
	st := s.st
	st.sealed = true
	st.end = s.visNext
	s.mu.Unlock()
	err = writeAtomic(f.fs, s.dir, stateFile, encodeState(st))
	s.ioMu.Unlock()
	if err != nil {
		return ShardInfo{}, fmt.Errorf("shard %s: seal: %w", id, err)
	}
	s.mu.Lock()
	s.st = st
	s.notify()
	s.mu.Unlock()
	return f.Info(id)
}

// Info implements Log.
func (f *File) Info(id ShardID) (ShardInfo, error) {
	if f.isClosed() {
		return ShardInfo{}, ErrClosed
	}
	s, err := f.shard(id)
	if err != nil {
		return ShardInfo{}, err
	}
	return retryNotExist(func() (ShardInfo, error) {
		sn, err := s.snapshot()
		if err != nil {
			return ShardInfo{}, err
		}
		h, err := f.horizon(context.Background(), s, &sn)
		if err != nil {
			return ShardInfo{}, err
		}
		inf := ShardInfo{
			TrimHorizon:   h,
			Next:          sn.visNext,
			Closed:        sn.closed,
			LastTimestamp: sn.lastTs,
			Retention:     time.Duration(sn.retention) * time.Millisecond,
			Segments:      len(sn.segs),
		}
		for i, g := range sn.segs {
			if i == len(sn.segs)-1 {
				inf.Bytes += sn.visSize
			} else {
				inf.Bytes += g.size
			}
		}
		return inf, nil
	})
}

// Sync implements Log: it fsyncs every shard with written but unsynced
// records and returns the first sticky error met.
func (f *File) Sync(ctx context.Context) error {
	f.life.RLock()
	if f.closed {
		f.life.RUnlock()
		return ErrClosed
	}
	done := make(chan error, 1)
	f.cmu.Lock()
	f.syncReqs = append(f.syncReqs, done)
	f.cmu.Unlock()
	f.life.RUnlock()
	f.wake()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements Log: it stops the background goroutines after a final
// commit round that fsyncs everything, then wakes all waiters.
func (f *File) Close() error {
	f.life.Lock()
	if f.closed {
		f.life.Unlock()
		return ErrClosed
	}
	f.closed = true
	f.closedFlag.Store(true)
	f.life.Unlock()
	close(f.stop)
	f.wg.Wait()
	f.mu.Lock()
	var errs []error
	for _, s := range f.shards {
		s.mu.Lock()
		if s.werr != nil {
			errs = append(errs, s.werr)
		}
		s.notify()
		s.mu.Unlock()
	}
	f.mu.Unlock()
	errs = append(errs, f.handles.dropAll())
	if f.j != nil {
		errs = append(errs, f.j.fh.Close())
	}
	return errors.Join(errs...)
}

// shardIDFromPath parses "<stream:016x>/<shard:08d>" directory names.
func shardIDFromPath(stream, shard string) (ShardID, bool) {
	if len(stream) != 16 || len(shard) != 8 {
		return ShardID{}, false
	}
	st, err := strconv.ParseUint(stream, 16, 64)
	if err != nil {
		return ShardID{}, false
	}
	sh, err := strconv.ParseUint(shard, 10, 32)
	if err != nil {
		return ShardID{}, false
	}
	return ShardID{Stream: st, Shard: uint32(sh)}, true
}

// diskShards lists the shards present on disk (used by the retention pass,
// never by OpenFile).
func (f *File) diskShards() ([]ShardID, error) {
	streams, err := f.fs.ReadDir(f.opts.Dir)
	if err != nil {
		return nil, err
	}
	var ids []ShardID
	for _, st := range streams {
		if !st.IsDir() {
			continue
		}
		shards, err := f.fs.ReadDir(filepath.Join(f.opts.Dir, st.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		for _, sh := range shards {
			if id, ok := shardIDFromPath(st.Name(), sh.Name()); ok && sh.IsDir() {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}
