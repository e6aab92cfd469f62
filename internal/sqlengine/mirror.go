package sqlengine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rheo-dev/rheo/internal/lake"
)

// Mirrors of external tables on a remote S3 store (--s3-endpoint).
//
// DuckDB here has no httpfs, so it cannot read s3:// itself. An external
// table whose LOCATION is on a remote store reads a local directory,
// <state>/mirror/<hex name>/, kept equal to the objects under the location:
// before a statement that names the table runs, the location is listed
// and new or changed objects (by size and modification time) are
// downloaded, objects gone are removed. Downloads go to ".tmp-" names (the
// table's glob skips them) and are renamed into place, so a query never
// reads half an object. The mirror costs local disk equal to the location's
// size; it is kept across restarts and made current again on first use.

// mirrorDir is the local mirror of a remote external table.
func (e *Engine) mirrorDir(name string) string {
	return filepath.Join(e.stateDir, "mirror", hex.EncodeToString([]byte(name)))
}

// syncMirrors brings the mirrors of the remote external tables that toks
// name up to date.
func (e *Engine) syncMirrors(ctx context.Context, toks []token) error {
	var ts []*externalTable
	e.mu.Lock()
	for _, t := range e.externals {
		if !t.remote {
			continue
		}
		for _, k := range toks {
			if (k.kind == tokWord || k.kind == tokQIdent) && strings.EqualFold(k.text, t.Name) {
				ts = append(ts, t)
				break
			}
		}
	}
	e.mu.Unlock()
	for _, t := range ts {
		if err := e.syncMirror(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

// syncMirror makes t's mirror hold exactly the objects under its location.
// One sync runs at a time (e.mirrorMu), so two sessions do not download
// the same object into the same place.
func (e *Engine) syncMirror(ctx context.Context, t *externalTable) error {
	e.mirrorMu.Lock()
	defer e.mirrorMu.Unlock()
	loc, _ := parseS3(t.Location)
	prefix := loc.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	want := map[string]lake.Object{}
	err := e.objects.List(ctx, loc.bucket, prefix, func(o lake.Object) error {
		rel := strings.TrimPrefix(o.Key, prefix)
		if rel == "" || strings.HasSuffix(rel, "/") || outsideKey(rel) != "" || strings.ContainsRune(rel, 0) {
			return nil // folder markers, and keys that cannot be file names
		}
		want[rel] = o
		return nil
	})
	if err != nil && !errors.Is(err, lake.ErrNoSuchBucket) { // a missing bucket is an empty table
		return remoteErr(ctx, err, "external table %s: list %s", t.Name, t.Location)
	}
	dir := e.mirrorDir(t.Name)
	for rel, o := range want {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Size() == o.Size && st.ModTime().Equal(o.Modified) {
			continue
		}
		if err := e.fetch(ctx, loc.bucket, o, p); err != nil {
			return remoteErr(ctx, err, "external table %s: fetch s3://%s/%s", t.Name, loc.bucket, o.Key)
		}
	}
	// Remove what the location no longer holds (and leftover downloads).
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if _, ok := want[filepath.ToSlash(rel)]; !ok {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("external table %s: remove %s: %w", t.Name, p, err)
			}
		}
		return nil
	})
}

// remoteErr is an I/O error of the remote store (58030), or 57014 when the
// statement was cancelled or timed out meanwhile: that is why the request
// failed, and clients tell a timeout from a broken store by the code.
// err stays wrapped for errors.Is.
func remoteErr(ctx context.Context, err error, format string, a ...any) *Error {
	msg := fmt.Sprintf(format, a...) + ": " + err.Error()
	if ctx.Err() != nil {
		return &Error{Code: CodeCanceled, Message: "canceling statement: " + msg, Err: err}
	}
	return &Error{Code: CodeIO, Message: msg, Err: err}
}

// fetch writes object o to path p through a temporary name, with the
// object's modification time, so the next sync sees it unchanged.
func (e *Engine) fetch(ctx context.Context, bucket string, o lake.Object, p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
	err := e.download(ctx, bucket, o.Key, tmp)
	if err == nil && !o.Modified.IsZero() {
		err = os.Chtimes(tmp, o.Modified, o.Modified)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
