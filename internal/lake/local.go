package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// tmpPrefix starts the name of every file Put writes before renaming it
// over its key. List skips such files and Cleanup removes leftovers.
const tmpPrefix = ".tmp-"

// copyBufSize is the buffer Put copies bodies through: large enough that a
// multi-MiB object takes a handful of write calls.
const copyBufSize = 1 << 20

// Local is the built-in lake: bucket NAME is the directory <root>/NAME/ and
// key a/b/c the file <root>/NAME/a/b/c, so DuckDB and any other tool read
// objects in place.
//
// Put writes a temp file (".tmp-*") in the key's directory, fsyncs it,
// renames it over the key and fsyncs the directory, creating and fsyncing
// missing directories on the way: an acknowledged Put survives kill -9 and
// power loss, and a reader never sees a partial object.
//
// A crash can leave temp files behind. The first Put or CheckBucket of a
// bucket in a process removes them (Cleanup) before this Local writes any
// of its own there; List never shows them.
//
// Unlike S3, a key cannot be both an object and the directory of other
// keys ("a" and "a/b"); Put fails for the second one.
type Local struct {
	root string
	bufs sync.Pool // *[]byte of copyBufSize

	mu       sync.Mutex
	cleaned  map[string]*sync.Once // bucket → its one stale-temp cleanup
	durable  map[string]bool       // directories known created and fsynced in their parent
	maxDirs  int                   // bound of durable (maxDurableDirs; tests lower it)
	inflight map[string]bool       // temp files of Puts in progress, which Cleanup spares
}

// NewLocal returns the lake rooted at root (<data-dir>/lake). The directory
// is created on first use.
func NewLocal(root string) *Local {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	l := &Local{
		root:     root,
		cleaned:  make(map[string]*sync.Once),
		durable:  make(map[string]bool),
		maxDirs:  maxDurableDirs,
		inflight: make(map[string]bool),
	}
	l.bufs.New = func() any { b := make([]byte, copyBufSize); return &b }
	return l
}

// Root returns the lake directory.
func (l *Local) Root() string { return l.root }

// Put implements Store.
func (l *Local) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	if err := l.checkNames(bucket, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.prepare(ctx, bucket); err != nil {
		return err
	}
	bdir := filepath.Join(l.root, bucket)
	path := filepath.Join(bdir, filepath.FromSlash(key))
	dir := filepath.Dir(path)
	var f *os.File
	for attempt := 0; ; attempt++ {
		if err := l.mkdirAllSync(bdir, dir); err != nil {
			return fmt.Errorf("lake: put %s: %w", l.URL(bucket, key), err)
		}
		var err error
		f, err = os.CreateTemp(dir, tmpPrefix+"*")
		if err == nil {
			break
		}
		if errors.Is(err, fs.ErrNotExist) && attempt == 0 {
			// A directory was removed behind our back: forget what we
			// knew about this bucket's directories and create them again.
			l.forgetDirs(bdir)
			continue
		}
		return fmt.Errorf("lake: put %s: %w", l.URL(bucket, key), err)
	}
	tmp := f.Name()
	l.mu.Lock()
	l.inflight[tmp] = true
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.inflight, tmp)
		l.mu.Unlock()
	}()
	err := l.writeFile(ctx, f, body, size)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("lake: put %s: %w", l.URL(bucket, key), err)
	}
	return nil
}

// writeFile copies body into f, checks its size, and makes it durable. It
// always closes f.
func (l *Local) writeFile(ctx context.Context, f *os.File, body io.Reader, size int64) error {
	bp := l.bufs.Get().(*[]byte)
	n, err := io.CopyBuffer(onlyWriter{f}, ctxReader{ctx, body}, *bp)
	l.bufs.Put(bp)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("body has %d bytes, want %d", n, size)
	}
	if err == nil {
		// CreateTemp makes 0600 files; objects are data for every reader.
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements Store.
func (l *Local) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	if err := l.checkNames(bucket, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := filepath.Join(l.root, bucket, filepath.FromSlash(key))
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
			return nil, l.missing(bucket, key)
		}
		return nil, fmt.Errorf("lake: get %s: %w", path, err)
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("lake: get %s: %w", path, err)
		}
		return nil, l.missing(bucket, key)
	}
	return f, nil
}

// missing tells a missing key from a missing bucket.
func (l *Local) missing(bucket, key string) error {
	if _, err := os.Stat(filepath.Join(l.root, bucket)); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, bucket)
	}
	return fmt.Errorf("%w: %s", ErrNoSuchKey, l.URL(bucket, key))
}

// List implements Store. It walks the bucket directory depth first,
// ordering each directory's entries as their keys sort (a directory "d"
// sorts as "d/"), so objects come out in S3's byte order of keys, and it
// descends only into directories that can hold keys with the prefix.
func (l *Local) List(ctx context.Context, bucket, prefix string, fn func(Object) error) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	bdir := filepath.Join(l.root, bucket)
	if st, err := os.Stat(bdir); err != nil || !st.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrNoSuchBucket, bucket)
		}
		return fmt.Errorf("lake: list %s: %w", bdir, err)
	}
	return l.walk(ctx, bdir, "", prefix, fn)
}

func (l *Local) walk(ctx context.Context, dir, dirKey, prefix string, fn func(Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && dirKey != "" {
			return nil // removed while we walked
		}
		return fmt.Errorf("lake: list %s: %w", dir, err)
	}
	type item struct {
		key string // the entry's key, with "/" appended for directories
		ent fs.DirEntry
	}
	items := make([]item, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		k := dirKey + name
		if e.IsDir() {
			k += "/"
			if !strings.HasPrefix(k, prefix) && !strings.HasPrefix(prefix, k) {
				continue
			}
		} else if !e.Type().IsRegular() || !strings.HasPrefix(k, prefix) {
			continue
		}
		items = append(items, item{k, e})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	for _, it := range items {
		if it.ent.IsDir() {
			if err := l.walk(ctx, filepath.Join(dir, it.ent.Name()), it.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		info, err := it.ent.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we walked
		}
		if err != nil {
			return fmt.Errorf("lake: list %s: %w", dir, err)
		}
		if err := fn(Object{Key: it.key, Size: info.Size(), Modified: info.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Store. Empty directories are left in place: removing
// them would race with a concurrent Put into the same directory, and they
// are harmless to readers.
func (l *Local) Delete(ctx context.Context, bucket, key string) error {
	if err := l.checkNames(bucket, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	path := filepath.Join(l.root, bucket, filepath.FromSlash(key))
	err := os.Remove(path)
	switch {
	case err == nil:
		if err := syncDir(filepath.Dir(path)); err != nil {
			return fmt.Errorf("lake: delete %s: %w", path, err)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir):
		if _, serr := os.Stat(filepath.Join(l.root, bucket)); errors.Is(serr, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrNoSuchBucket, bucket)
		}
		return nil
	default:
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return nil // a "directory key" is no object: nothing to delete
		}
		return fmt.Errorf("lake: delete %s: %w", path, err)
	}
}

// CheckBucket implements Store: any valid name is usable. It creates the
// bucket directory (so List and SQL over the bucket work before the first
// object arrives) and removes stale temp files left by a crash.
func (l *Local) CheckBucket(ctx context.Context, bucket string) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	return l.prepare(ctx, bucket)
}

// LocalPath implements Store. ok is false for an invalid bucket name or a
// key that could leave the bucket directory.
func (l *Local) LocalPath(bucket, key string) (string, bool) {
	if ValidateBucket(bucket) != nil || strings.HasPrefix(key, "/") || strings.IndexByte(key, 0) >= 0 {
		return "", false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == ".." {
			return "", false
		}
	}
	return filepath.Join(l.root, bucket, filepath.FromSlash(key)), true
}

// URL implements Store: the object's file path.
func (l *Local) URL(bucket, key string) string {
	return filepath.Join(l.root, bucket, filepath.FromSlash(key))
}

// CheckKey implements KeyChecker.
func (l *Local) CheckKey(bucket, key string) error { return l.checkNames(bucket, key) }

func (l *Local) checkNames(bucket, key string) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	return validateKeyLocal(key)
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// onlyWriter hides *os.File's ReadFrom so io.CopyBuffer uses our buffer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
