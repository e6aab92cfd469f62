package delivery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/objkey"
)

// checkKeys refuses a spec whose object keys the store can never hold:
// the local lake maps keys to file paths, so a Prefix such as "a//",
// "/x/" or "a/../b/" would fail every batch forever. AWS's prefix rules (objkey.Compile) are
// the API layer's to report; partition values are only known per record
// (execute diverts those records to the error output).
func (m *Manager) checkKeys(name string, spec *Spec) error {
	d := &spec.Dest
	if err := lake.ValidateBucket(d.Bucket); err != nil {
		return fmt.Errorf("%w: bucket %q: %s", ErrUnsupported, d.Bucket, keyProblem(err))
	}
	layout, err := objkey.Compile(d.Prefix, d.ErrorOutputPrefix, d.Partitioning != nil)
	if err != nil {
		return nil
	}
	p := objkey.Params{Stream: name, Version: spec.Version, Time: m.now().UTC(), Random: newRandom()}
	if keys := layout.PartitionKeys(); len(keys) > 0 {
		p.Partition = make(map[string]string, len(keys))
		for _, k := range keys {
			p.Partition[k] = "x"
		}
	}
	if c := d.Conversion; c != nil {
		p.Extension = objkey.FormatExtension(d.Compression, c.Serializer, d.FileExtension)
	} else {
		p.Extension = objkey.Extension(d.Compression, false, d.FileExtension)
	}
	ep := p
	ep.ErrorType = objkey.ErrorTypeFormatConversion // the longer error type
	ep.Extension = objkey.Extension(d.Compression, false, "")
	for _, k := range []struct{ member, expr, key string }{
		{"Prefix", d.Prefix, layout.Key(p)},
		{"ErrorOutputPrefix", d.ErrorOutputPrefix, layout.ErrorKey(ep)},
	} {
		if err := lake.CheckKey(m.opts.Store, d.Bucket, k.key); errors.Is(err, lake.ErrInvalidKey) || errors.Is(err, lake.ErrInvalidBucket) {
			// The message goes to API clients: it names the bucket, not the
			// store's location (a server path for the local lake).
			return fmt.Errorf("%w: %s %q gives object keys that bucket %q cannot store: %s", ErrUnsupported, k.member, k.expr, d.Bucket, keyProblem(err))
		}
	}
	return nil
}

// keyProblem is why the store refuses a bucket name or key, without the
// lake package's sentinel text and the quoted name that follow it.
func keyProblem(err error) string {
	s := err.Error()
	for _, sentinel := range []error{lake.ErrInvalidKey, lake.ErrInvalidBucket} {
		if errors.Is(err, sentinel) {
			if i := strings.Index(s, sentinel.Error()); i >= 0 {
				s = s[i+len(sentinel.Error()):]
			}
			break
		}
	}
	if strings.HasPrefix(s, ` "`) {
		if q, err := strconv.QuotedPrefix(s[1:]); err == nil {
			s = s[1+len(q):]
		}
	}
	return strings.TrimPrefix(s, ": ")
}
