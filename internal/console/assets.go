package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"
)

// dist holds the built front-end (web/ → npm run build). It is committed
// so the Go build works without node.
//
//go:embed dist
var dist embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// loadAssets reads every file under dist once, so requests never touch
// the embedded FS and ETags are computed a single time.
func loadAssets(fsys fs.FS) (map[string]asset, error) {
	out := make(map[string]asset)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out["/"+p] = asset{
			body:        b,
			contentType: contentType(p),
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: read embedded assets: %w", err)
	}
	if _, ok := out["/index.html"]; !ok {
		return nil, fmt.Errorf("console: embedded assets lack index.html (run the web build, see docs/console.md)")
	}
	return out, nil
}

// contentType names the type by extension, with explicit answers for the
// few the bundle has (the OS mime table may lack some).
func contentType(p string) string {
	switch strings.ToLower(path.Ext(p)) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".map":
		return "application/json"
	case ".png":
		return "image/png"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}
