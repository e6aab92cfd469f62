package shardlog

import (
	"container/list"
	"errors"
	"os"
	"sync"
	"syscall"
)

// handleCache is the LRU of open segment files shared by all shards of a
// File. Handles are refcounted: eviction or a segment's deletion only drops
// the cache's reference, and the descriptor is closed when the last user
// releases it, so a pread in flight never sees a closed file.
type handleCache struct {
	fs  fileSystem
	max int

	mu    sync.Mutex // guards m, lru and every handle's refs and cached
	m     map[*segment]*handle
	lru   *list.List // of *handle, most recently used at the front
	errMu sync.Mutex // guards closeErr
	// closeErr keeps the first error of closing an evicted handle, for Close.
	closeErr error
}

type handle struct {
	f      file
	seg    *segment
	refs   int // users plus one for the cache while cached
	cached bool
	elem   *list.Element
}

func newHandleCache(fs fileSystem, max int) *handleCache {
	return &handleCache{fs: fs, max: max, m: make(map[*segment]*handle), lru: list.New()}
}

// acquire returns an open handle for seg, opening it with flag if it is
// not cached. Call release when done.
func (c *handleCache) acquire(seg *segment, flag int) (*handle, error) {
	c.mu.Lock()
	if h, ok := c.m[seg]; ok {
		h.refs++
		c.lru.MoveToFront(h.elem)
		c.mu.Unlock()
		return h, nil
	}
	c.mu.Unlock()
	f, err := c.fs.OpenFile(seg.path, flag, 0o644)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.m[seg]; ok { // raced with another opener: use theirs
		h.refs++
		c.lru.MoveToFront(h.elem)
		c.noteErr(f.Close())
		return h, nil
	}
	h := &handle{f: f, seg: seg, refs: 2, cached: true}
	h.elem = c.lru.PushFront(h)
	c.m[seg] = h
	for c.lru.Len() > c.max {
		c.dropLocked(c.lru.Back().Value.(*handle))
	}
	return h, nil
}

// release gives back a handle from acquire.
func (c *handleCache) release(h *handle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unrefLocked(h)
}

// drop forgets seg's handle (the segment is being deleted or the log
// closed); the descriptor closes when its last user releases it.
func (c *handleCache) drop(seg *segment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.m[seg]; ok {
		c.dropLocked(h)
	}
}

// dropAll empties the cache. Lock must not be held.
func (c *handleCache) dropAll() error {
	c.mu.Lock()
	for c.lru.Len() > 0 {
		c.dropLocked(c.lru.Back().Value.(*handle))
	}
	c.mu.Unlock()
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.closeErr
}

// dropIdle closes every cached handle nobody is using and returns how many
// it closed. Lock must not be held.
func (c *handleCache) dropIdle() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for e := c.lru.Back(); e != nil; {
		h := e.Value.(*handle)
		e = e.Prev()
		if h.refs == 1 {
			c.dropLocked(h)
			n++
		}
	}
	return n
}

// reliefFS is the File's file system: an open that fails for want of file
// descriptors (a low ulimit -n, many client connections) closes the
// handle cache's idle handles, the descriptors this process can give back,
// and is tried once more. Failing instead would make a writing shard
// read-only (a segment's open) or fail a CreateShard (its state file).
type reliefFS struct {
	fileSystem
	cache *handleCache
}

func (fs *reliefFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := fs.fileSystem.OpenFile(name, flag, perm)
	if isFDExhausted(err) && fs.cache.dropIdle() > 0 {
		f, err = fs.fileSystem.OpenFile(name, flag, perm)
	}
	return f, err
}

// isFDExhausted reports whether err is the process (EMFILE) or the system
// (ENFILE) running out of file descriptors.
func isFDExhausted(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// dropLocked removes h from the cache. Lock should be held.
func (c *handleCache) dropLocked(h *handle) {
	if !h.cached {
		return
	}
	h.cached = false
	c.lru.Remove(h.elem)
	delete(c.m, h.seg)
	c.unrefLocked(h)
}

// unrefLocked drops one reference. Lock should be held.
func (c *handleCache) unrefLocked(h *handle) {
	h.refs--
	if h.refs == 0 {
		c.noteErr(h.f.Close())
	}
}

func (c *handleCache) noteErr(err error) {
	if err == nil || errors.Is(err, os.ErrClosed) {
		return
	}
	c.errMu.Lock()
	if c.closeErr == nil {
		c.closeErr = err
	}
	c.errMu.Unlock()
}
