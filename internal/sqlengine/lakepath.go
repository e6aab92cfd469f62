package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/rheo-dev/rheo/internal/lake"
)

// s3Loc is a parsed s3://bucket/key (key may be empty, a prefix or a glob).
type s3Loc struct{ bucket, key string }

// parseS3 splits s3://bucket/key; ok is false for anything else.
func parseS3(s string) (s3Loc, bool) {
	if len(s) < 6 || !strings.EqualFold(s[:5], "s3://") {
		return s3Loc{}, false
	}
	rest := s[5:]
	b, k, _ := strings.Cut(rest, "/")
	if b == "" {
		return s3Loc{}, false
	}
	return s3Loc{bucket: b, key: k}, true
}

func (l s3Loc) String() string { return "s3://" + l.bucket + "/" + l.key }

// errNoLake is the error for s3:// paths when the engine has no object store.
func errNoLake(u string) *Error {
	return newErr(CodeFeature, "cannot read %s: rheo has no object store configured (the server wires the built-in lake <data-dir>/lake or --s3-endpoint)", u)
}

// localPath maps s3://bucket/key to a file path of the built-in lake, for
// DuckDB to read in place. It fails for a remote S3 store.
func (e *Engine) localPath(u string) (string, error) {
	loc, ok := parseS3(u)
	if !ok {
		return "", newErr(CodeInvalidParameter, "invalid S3 URL %q (want s3://bucket/key)", u)
	}
	if e.objects == nil {
		return "", errNoLake(u)
	}
	if err := lake.ValidateBucket(loc.bucket); err != nil {
		return "", newErr(CodeInvalidParameter, "invalid bucket in %s: %v", u, err)
	}
	if bad := outsideKey(loc.key); bad != "" {
		return "", newErr(CodeInvalidParameter, "invalid key in %s: %s", u, bad)
	}
	p, ok := e.objects.LocalPath(loc.bucket, loc.key)
	if !ok {
		return "", newErr(CodeFeature, "cannot read %s in place: the object store is a remote S3 service; only the built-in lake can be read by path (COPY works with both)", u)
	}
	return p, nil
}

// outsideKey says why key could name a file outside its bucket's directory
// ("" if it cannot): the built-in lake refuses such keys, and saying so
// beats blaming a remote store.
func outsideKey(key string) string {
	switch {
	case strings.HasPrefix(key, "/"):
		return "it must not start with '/'"
	case strings.IndexByte(key, 0) >= 0:
		return "it must not contain NUL"
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == ".." {
			return "it must not contain '..' path segments"
		}
	}
	return ""
}

// sourceFiles are the local files one COPY reads, plus what to remove after.
type sourceFiles struct {
	paths   []string
	tempDir string // "" when the files are read in place
}

func (f *sourceFiles) cleanup() {
	if f.tempDir != "" {
		os.RemoveAll(f.tempDir)
	}
}

// resolveSource lists the files a COPY source names, with Redshift's prefix
// rule: every object whose key starts with the prefix (not a directory
// match), skipping "folders" (keys ending in /) and empty objects. With
// exact, only the object with exactly that key. An s3:// source is read in
// place from the built-in lake, or downloaded into a temp dir from a
// remote store; an absolute path is a local prefix.
func (e *Engine) resolveSource(ctx context.Context, src string, exact bool) (*sourceFiles, error) {
	if loc, ok := parseS3(src); ok {
		return e.resolveS3(ctx, loc, exact)
	}
	if !filepath.IsAbs(src) {
		return nil, newErr(CodeInvalidParameter, "COPY source %q is neither s3://bucket/prefix nor an absolute path", src)
	}
	if err := e.checkLocal(src); err != nil {
		return nil, err
	}
	paths, err := localPrefix(ctx, src, exact)
	if err != nil {
		return nil, err
	}
	// The source is a prefix of names: an allowed directory's own path
	// also matches its siblings (<lake>-private/...), which are not.
	paths = slices.DeleteFunc(paths, func(p string) bool { return e.checkLocal(p) != nil })
	if len(paths) == 0 {
		return nil, newErr(CodeUndefinedFile, "no file matches %s (COPY loads every file whose path starts with the source)", src)
	}
	return &sourceFiles{paths: paths}, nil
}

func (e *Engine) resolveS3(ctx context.Context, loc s3Loc, exact bool) (*sourceFiles, error) {
	if e.objects == nil {
		return nil, errNoLake(loc.String())
	}
	var objs []lake.Object
	err := e.objects.List(ctx, loc.bucket, loc.key, func(o lake.Object) error {
		if strings.HasSuffix(o.Key, "/") || o.Size == 0 || (exact && o.Key != loc.key) {
			return nil
		}
		objs = append(objs, o)
		return nil
	})
	if err != nil {
		if errors.Is(err, lake.ErrNoSuchBucket) {
			return nil, &Error{Code: CodeUndefinedFile, Message: fmt.Sprintf("the bucket of %s does not exist", loc), Err: err}
		}
		return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("list %s: %v", loc, err), Err: err}
	}
	if len(objs) == 0 {
		// Redshift's wording for an empty prefix.
		return nil, newErr(CodeUndefinedFile, "The specified S3 prefix '%s' does not exist", loc.key)
	}
	files := &sourceFiles{}
	if _, local := e.objects.LocalPath(loc.bucket, ""); local {
		for _, o := range objs {
			p, _ := e.objects.LocalPath(loc.bucket, o.Key)
			files.paths = append(files.paths, p)
		}
		return files, nil
	}
	dir, err := os.MkdirTemp(e.tempDir, "rheo-copy-")
	if err != nil {
		return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("make temp dir for %s: %v", loc, err), Err: err}
	}
	files.tempDir = dir
	for i, o := range objs {
		// Keep the key's base name: DuckDB detects compression (.gz, .zst)
		// from the extension.
		p := filepath.Join(dir, fmt.Sprintf("%06d-%s", i, path.Base(o.Key)))
		if err := e.download(ctx, loc.bucket, o.Key, p); err != nil {
			files.cleanup()
			return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("download %s: %v", s3Loc{loc.bucket, o.Key}, err), Err: err}
		}
		files.paths = append(files.paths, p)
	}
	return files, nil
}

func (e *Engine) download(ctx context.Context, bucket, key, dst string) error {
	r, err := e.objects.Get(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer r.Close()
	return copyToFile(dst, r)
}

// copyToFile writes what r holds to a new file dst.
func copyToFile(dst string, r io.Reader) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readObject returns a small object (a manifest or JSONPaths file).
func (e *Engine) readObject(ctx context.Context, src string) ([]byte, error) {
	const limit = 16 << 20
	var r io.ReadCloser
	if loc, ok := parseS3(src); ok {
		if e.objects == nil {
			return nil, errNoLake(src)
		}
		var err error
		if r, err = e.objects.Get(ctx, loc.bucket, loc.key); err != nil {
			return nil, &Error{Code: CodeUndefinedFile, Message: fmt.Sprintf("read %s: %v", src, err), Err: err}
		}
	} else if filepath.IsAbs(src) {
		if err := e.checkLocal(src); err != nil {
			return nil, err
		}
		f, err := os.Open(src)
		if err != nil {
			return nil, &Error{Code: CodeUndefinedFile, Message: fmt.Sprintf("read %s: %v", src, err), Err: err}
		}
		r = f
	} else {
		return nil, newErr(CodeInvalidParameter, "%q is neither s3://bucket/key nor an absolute path", src)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("read %s: %v", src, err), Err: err}
	}
	if len(b) > limit {
		return nil, newErr(CodeInvalidParameter, "%s is larger than %d bytes", src, limit)
	}
	return b, nil
}

// localPrefix lists regular, non-empty files whose path starts with prefix,
// in path order, descending only into directories that can hold matches.
func localPrefix(ctx context.Context, prefix string, exact bool) ([]string, error) {
	if exact {
		st, err := os.Stat(prefix)
		if err != nil || !st.Mode().IsRegular() {
			return nil, nil
		}
		return []string{prefix}, nil
	}
	dir, base := filepath.Dir(prefix), filepath.Base(prefix)
	if strings.HasSuffix(prefix, string(filepath.Separator)) {
		dir, base = filepath.Clean(prefix), ""
	}
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("list %s: %v", dir, err), Err: err}
	}
	for _, en := range entries {
		if !strings.HasPrefix(en.Name(), base) {
			continue
		}
		p := filepath.Join(dir, en.Name())
		if en.IsDir() {
			err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				if d.Type().IsRegular() {
					if info, err := d.Info(); err == nil && info.Size() > 0 {
						out = append(out, q)
					}
				}
				return nil
			})
			if err != nil {
				return nil, &Error{Code: CodeIO, Message: fmt.Sprintf("list %s: %v", p, err), Err: err}
			}
			continue
		}
		if en.Type().IsRegular() {
			if info, err := en.Info(); err == nil && info.Size() > 0 {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// sqlList renders paths as a DuckDB list literal.
func sqlList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = quoteString(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
