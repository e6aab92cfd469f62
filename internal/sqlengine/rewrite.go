package sqlengine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileFunctions are DuckDB table functions whose path arguments rheo maps
// from s3://bucket/key to the built-in lake's files.
var fileFunctions = map[string]bool{
	"read_parquet": true, "parquet_scan": true, "read_json": true, "read_json_auto": true,
	"read_ndjson": true, "read_ndjson_auto": true, "read_json_objects": true, "read_ndjson_objects": true,
	"read_csv": true, "read_csv_auto": true, "read_text": true, "read_blob": true, "glob": true,
	"parquet_metadata": true, "parquet_schema": true, "parquet_file_metadata": true,
}

// rewriteS3 replaces 's3://bucket/key' string literals that name files
// (the first argument of read_parquet & co., as a string or a list of
// strings; FROM 's3://...'; COPY t FROM/TO 's3://...') with the built-in
// lake's path, so DuckDB reads them in place. With a remote S3 store the
// objects a read names (a key or a glob) are downloaded for the statement
// into a temporary directory (remote.go), which the caller removes with
// done once the statement has run; done is never nil. Other strings are
// left alone. changed is false when nothing was replaced; err is set when
// an s3:// path cannot be mapped (no store, or a write to a remote one).
func (e *Engine) rewriteS3(ctx context.Context, st string, toks []token) (out string, changed bool, done func(), err error) {
	var b strings.Builder
	last := 0
	mkdir := false // the path is written (COPY ... TO): make its directory
	fetched := &remoteFiles{}
	done = fetched.cleanup
	replace := func(t token) error {
		if t.kind != tokString {
			return nil
		}
		if _, ok := parseS3(t.text); !ok {
			return nil
		}
		p, err := e.localPath(t.text)
		if err != nil && e.objects != nil && toError(err).Code == CodeFeature {
			if mkdir {
				return newErr(CodeFeature, "cannot write %s by path: the object store is a remote S3 service; only the built-in lake can be written this way (read the data back with COPY or a query instead)", t.text)
			}
			p, err = e.fetchRemote(ctx, t.text, fetched)
		}
		if err != nil {
			return err
		}
		if mkdir {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return &Error{Code: CodeIO, Message: fmt.Sprintf("make directory for %s: %v", t.text, err), Err: err}
			}
		}
		b.WriteString(st[last:t.pos])
		b.WriteString(quoteString(p))
		last = t.end
		changed = true
		return nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tokWord && fileFunctions[strings.ToLower(t.text)] && i+1 < len(toks) && toks[i+1].text == "(":
			j := i + 2
			if j < len(toks) && toks[j].text == "[" {
				for j++; j < len(toks) && toks[j].text != "]"; j++ {
					if err := replace(toks[j]); err != nil {
						return "", false, done, err
					}
				}
			} else if j < len(toks) {
				if err := replace(toks[j]); err != nil {
					return "", false, done, err
				}
			}
			i = j
		case (t.is("from") || t.is("join") || t.is("to")) && i+1 < len(toks):
			if toks[i+1].kind == tokString {
				mkdir = t.is("to")
				err := replace(toks[i+1])
				mkdir = false
				if err != nil {
					return "", false, done, err
				}
				i++
			}
		}
	}
	if !changed {
		return st, false, done, nil
	}
	b.WriteString(st[last:])
	return b.String(), true, done, nil
}
