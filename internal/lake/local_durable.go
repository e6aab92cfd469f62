package lake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Cleanup removes the temp files a crashed process left in bucket, sparing
// those of Puts in progress in this Local. Put and CheckBucket run it once
// per bucket; it is exported for tools and tests. Another Local (or
// process) writing the same bucket at the same time is not supported.
func (l *Local) Cleanup(ctx context.Context, bucket string) (removed int, err error) {
	if err := ValidateBucket(bucket); err != nil {
		return 0, err
	}
	bdir := filepath.Join(l.root, bucket)
	err = filepath.WalkDir(bdir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		l.mu.Lock()
		ours := l.inflight[path]
		l.mu.Unlock()
		if ours {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("lake: cleanup %s: %w", bdir, err)
	}
	return removed, nil
}

// prepare creates the bucket directory durably and runs its one cleanup.
func (l *Local) prepare(ctx context.Context, bucket string) error {
	// The lake directory's parent (the data dir) normally exists; the lake
	// directory itself is created durably like every other.
	parent := filepath.Dir(l.root)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("lake: create %s: %w", parent, err)
	}
	if err := l.mkdirAllSync(parent, l.root); err != nil {
		return fmt.Errorf("lake: create %s: %w", l.root, err)
	}
	bdir := filepath.Join(l.root, bucket)
	if err := l.mkdirAllSync(l.root, bdir); err != nil {
		return fmt.Errorf("lake: create bucket %s: %w", bdir, err)
	}
	l.mu.Lock()
	once := l.cleaned[bucket]
	if once == nil {
		once = new(sync.Once)
		l.cleaned[bucket] = once
	}
	l.mu.Unlock()
	// A failed cleanup leaves temp files that List hides anyway: not worth
	// failing a Put for.
	once.Do(func() { l.Cleanup(context.WithoutCancel(ctx), bucket) })
	return nil
}

// maxDurableDirs bounds the directories Local remembers as durable.
const maxDurableDirs = 4096

// mkdirAllSync creates dir (inside base, which exists) and its missing
// parents, fsyncing each parent whose entry it cannot know to be durable:
// a directory another goroutine just created may not be synced yet, so
// the first use of every directory in a process syncs its parent.
func (l *Local) mkdirAllSync(base, dir string) error {
	rel, err := filepath.Rel(base, dir)
	if err != nil || rel == "." {
		return err
	}
	cur := base
	for seg := range strings.SplitSeq(rel, string(filepath.Separator)) {
		next := filepath.Join(cur, seg)
		l.mu.Lock()
		known := l.durable[next]
		l.mu.Unlock()
		if !known {
			if err := os.Mkdir(next, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if err := syncDir(cur); err != nil {
				return err
			}
			l.mu.Lock()
			if len(l.durable) >= l.maxDirs {
				// Keys carry the hour and partition values, so the set
				// grows forever; forgetting costs one more parent fsync
				// at a directory's next use.
				clear(l.durable)
			}
			l.durable[next] = true
			l.mu.Unlock()
		}
		cur = next
	}
	return nil
}

// forgetDirs drops the known-durable directories under bdir.
func (l *Local) forgetDirs(bdir string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for d := range l.durable {
		if d == bdir || strings.HasPrefix(d, bdir+string(filepath.Separator)) {
			delete(l.durable, d)
		}
	}
}

// syncDir fsyncs a directory so the entries created or renamed in it
// survive a power loss.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
