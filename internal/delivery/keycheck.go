package delivery

import (
	"errors"
	"fmt"

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
		return fmt.Errorf("%w: bucket %q: %v", ErrUnsupported, d.Bucket, err)
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
			return fmt.Errorf("%w: %s %q gives object keys that %s cannot store (%v)", ErrUnsupported, k.member, k.expr, m.opts.Store.URL(d.Bucket, ""), err)
		}
	}
	return nil
}
