package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/rheo-dev/rheo/internal/lake"
)

// Reading s3:// paths on a remote S3 store (--s3-endpoint). DuckDB here has
// no httpfs, so for a statement that reads 's3://bucket/key-or-glob' (a
// read_parquet argument, FROM '...', COPY t FROM '...') the objects the
// key or glob matches are listed and placed in a temporary directory
// (hard links to the object cache, s3cache.go, which downloads only new or
// changed objects), keeping their key paths (so hive partitioning and the
// glob itself still work), and the literal is rewritten to the same glob
// under that directory. The directory goes once the statement's result is
// closed. Writes (COPY ... TO 's3://...') on a remote store are refused.

// remoteFiles is one statement's download directory.
type remoteFiles struct {
	dir string // "" until the first download
}

func (f *remoteFiles) cleanup() {
	if f.dir != "" {
		os.RemoveAll(f.dir)
		f.dir = ""
	}
}

// globMeta are the characters that make a key a DuckDB glob.
const globMeta = "*?["

// fetchRemote downloads the objects u names into f's directory and returns
// the local path (or glob) to give DuckDB.
func (e *Engine) fetchRemote(ctx context.Context, u string, f *remoteFiles) (string, error) {
	loc, _ := parseS3(u) // localPath checked the bucket and the key
	if f.dir == "" {
		dir, err := os.MkdirTemp(e.tempDir, "rheo-s3-")
		if err != nil {
			return "", &Error{Code: CodeIO, Message: fmt.Sprintf("temporary directory for %s: %v", u, err), Err: err}
		}
		f.dir = dir
	}
	base := filepath.Join(f.dir, loc.bucket)
	prefix, match := loc.key, func(k string) bool { return k == loc.key }
	if i := strings.IndexAny(loc.key, globMeta); i >= 0 {
		prefix = loc.key[:i]
		re, err := globRegexp(loc.key)
		if err != nil {
			return "", newErr(CodeInvalidParameter, "invalid glob in %s: %v", u, err)
		}
		match = re.MatchString
	}
	place := func(o lake.Object) error {
		if !match(o.Key) || strings.HasSuffix(o.Key, "/") || outsideKey(o.Key) != "" {
			return nil
		}
		if strings.ContainsRune(o.Key, 0) {
			return nil // cannot be a file name
		}
		return e.placeCached(ctx, loc.bucket, o, filepath.Join(base, filepath.FromSlash(o.Key)))
	}
	err := e.objects.List(ctx, loc.bucket, prefix, place)
	for retries := 2; errors.Is(err, errChanged) && retries > 0; retries-- {
		// An object was replaced between the listing and its download
		// (a writer overwrote it): list again, from an empty directory, as
		// the placed files may be links into the cache.
		if rerr := os.RemoveAll(base); rerr != nil {
			break
		}
		err = e.objects.List(ctx, loc.bucket, prefix, place)
	}
	if err != nil {
		return "", remoteErr(ctx, err, "read %s", u)
	}
	// Nothing matched: DuckDB reports it ("No files found"), as for the
	// built-in lake.
	return filepath.Join(base, filepath.FromSlash(loc.key)), nil
}

// globRegexp translates a DuckDB glob over keys: * and ? stay within one
// path segment, ** spans segments, [...] is a character class ([!...]
// negated).
func globRegexp(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				i++
				if i+1 < len(g) && g[i+1] == '/' {
					i++
					b.WriteString("(?:.*/)?") // **/ also matches no directory
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := strings.IndexByte(g[i+1:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", g)
			}
			class := g[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
