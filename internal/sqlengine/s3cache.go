package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/lake"
)

// The object cache for s3:// paths read on a remote store (remote.go).
//
// Without it every statement downloaded every object its path matched, and
// pgx-style clients, which send a statement twice (Parse, then Execute),
// downloaded it twice. Objects are now kept in <state>/s3cache/<bucket>/<key>
// and downloaded only when the listing shows a different size or
// modification time. A statement gets hard links to the cached files in its
// own directory, so a later refresh or eviction (which replace or remove
// the cache's name) never changes what a running statement reads. When the
// cache grows past its limit, the least recently used objects go. Downloads
// run one at a time (the cache lock), like mirror syncs.

// defaultS3CacheLimit bounds the cache's disk use (it may exceed it while a
// statement needs more).
const defaultS3CacheLimit = 2 << 30

// s3Cache is the object cache of one Engine.
type s3Cache struct {
	dir   string
	limit int64

	mu     sync.Mutex // guards the fields below and the cache directory
	loaded bool
	files  map[string]*cachedFile // by path
	total  int64
}

// cachedFile is one cached object.
type cachedFile struct {
	size    int64
	lastUse time.Time
}

func newS3Cache(dir string, limit int64) *s3Cache {
	return &s3Cache{dir: dir, limit: limit, files: map[string]*cachedFile{}}
}

// load learns what a previous run left in the cache; those files count as
// least recently used. Leftover partial downloads are removed. c.mu is held.
func (c *s3Cache) load() error {
	if c.loaded {
		return nil
	}
	err := filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || d.IsDir() {
			return err
		}
		if isPartial(p) {
			return os.Remove(p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		c.files[p] = &cachedFile{size: info.Size()}
		c.total += info.Size()
		return nil
	})
	if err != nil {
		return fmt.Errorf("object cache %s: %w", c.dir, err)
	}
	c.loaded = true
	return nil
}

// isPartial reports a download in progress or left by a crash (fetch's
// ".tmp-" names).
func isPartial(p string) bool {
	return len(filepath.Base(p)) > 5 && filepath.Base(p)[:5] == ".tmp-"
}

// errChanged is an object replaced between its listing and its download.
var errChanged = errors.New("changed while it was read")

// placeCached makes dst a copy of object o of bucket, from the cache when it
// holds the same version (size and modification time), else downloading it
// into the cache first.
func (e *Engine) placeCached(ctx context.Context, bucket string, o lake.Object, dst string) error {
	c := e.s3cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.load(); err != nil {
		return err
	}
	p := filepath.Join(c.dir, bucket, filepath.FromSlash(o.Key))
	st, err := os.Stat(p)
	fresh := err == nil && st.Mode().IsRegular() && st.Size() == o.Size && (o.Modified.IsZero() || st.ModTime().Equal(o.Modified))
	if !fresh {
		if old := c.files[p]; old != nil {
			c.total -= old.size
			delete(c.files, p)
		}
		if err := e.fetch(ctx, bucket, o, p); err != nil {
			return err
		}
		if st, err = os.Stat(p); err != nil {
			return err
		}
		if st.Size() != o.Size {
			os.Remove(p)
			return fmt.Errorf("s3://%s/%s %w (%d bytes listed, %d read)", bucket, o.Key, errChanged, o.Size, st.Size())
		}
		c.files[p] = &cachedFile{size: st.Size()}
		c.total += st.Size()
	}
	if f := c.files[p]; f != nil {
		f.lastUse = time.Now()
	}
	if err := linkOrCopy(p, dst); err != nil {
		return err
	}
	c.evict(p)
	return nil
}

// evict removes least recently used files until the cache is within its
// limit, never keep (just placed). c.mu is held.
func (c *s3Cache) evict(keep string) {
	if c.total <= c.limit {
		return
	}
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return c.files[paths[i]].lastUse.Before(c.files[paths[j]].lastUse) })
	for _, p := range paths {
		if c.total <= c.limit {
			return
		}
		if p == keep {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue // try again at the next eviction
		}
		c.total -= c.files[p].size
		delete(c.files, p)
	}
}

// linkOrCopy hard-links src to dst, or copies it when they are on
// different file systems.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return copyToFile(dst, in)
}
