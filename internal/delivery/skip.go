package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rheo-dev/rheo/internal/lake"
)

// redshiftManifest is a Redshift COPY manifest: the objects a skipped load
// should have copied, ready for `COPY ... MANIFEST` by hand.
type redshiftManifest struct {
	Entries []manifestEntry `json:"entries"`
}

type manifestEntry struct {
	URL       string `json:"url"`
	Mandatory bool   `json:"mandatory"`
}

// skipLoad gives up loading the object at key once its retry duration has
// passed, as Firehose does for Redshift ("skips the current batch of S3
// objects ... delivered to your S3 bucket as a manifest file in the
// errors/ folder"): the object stays in the bucket and a manifest naming
// it is written to <Prefix>errors/manifests/<rest of key>. The manifest's
// key derives from the object's, so a replay rewrites it.
func (w *worker) skipLoad(ctx context.Context, dest *Destination, key string, cause error) error {
	m := redshiftManifest{Entries: []manifestEntry{{URL: "s3://" + dest.Bucket + "/" + key, Mandatory: true}}}
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("skip load: %w", err)
	}
	// A literal Prefix (Firehose allows no expressions for Redshift) keeps
	// manifests beside the data; a templated one (channels) cannot be
	// used as text, so they go under errors/ at the bucket's root.
	mkey := "errors/manifests/" + key
	if !strings.Contains(dest.Prefix, "!{") {
		mkey = dest.Prefix + "errors/manifests/" + strings.TrimPrefix(key, dest.Prefix)
	}
	md := lake.Metadata{ContentType: "application/json"}
	if err := lake.PutWithMetadata(ctx, w.m.opts.Store, dest.Bucket, mkey, bytes.NewReader(body), int64(len(body)), md); err != nil {
		return fmt.Errorf("skip load: put manifest %s: %w", w.m.opts.Store.URL(dest.Bucket, mkey), err)
	}
	w.m.logger.Warn("delivery: load retry duration exceeded, object skipped", "stream", w.s.name(),
		"object", w.m.opts.Store.URL(dest.Bucket, key), "manifest", w.m.opts.Store.URL(dest.Bucket, mkey), "err", cause)
	return nil
}
