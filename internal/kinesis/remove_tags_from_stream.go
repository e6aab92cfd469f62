// RemoveTagsFromStream removes tags by key; keys the stream does not have
// are ignored, as on AWS.
//
// Errors as AWS: ValidationException for a missing or empty TagKeys, more
// than 50 keys or bad key lengths; InvalidArgumentException for invalid
// characters (AWS's wording); ResourceInUseException unless the stream is
// ACTIVE or UPDATING.
//
// Known gaps vs AWS: none known.
package kinesis

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) removeTagsFromStream(ctx context.Context, in *wire.RemoveTagsFromStreamInput) (*wire.Empty, error) {
	var v wire.Validation
	checkTagKeys(&v, in.TagKeys)
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := checkTagStrings(in.TagKeys, "remove tags from", st.Name, s.cfg.Account); err != nil {
		return nil, err
	}
	_, err = s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if err := s.requireStatus(cur, meta.StatusActive, meta.StatusUpdating); err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(cur.Tags, k)
		}
		return nil
	})
	return s.tagResult(st.Name, err)
}

// checkTagKeys validates the TagKeys member shared by RemoveTagsFromStream
// and UntagResource: 1 to 50 keys of 1 to 128 characters.
func checkTagKeys(v *wire.Validation, keys []string) {
	switch {
	case keys == nil:
		v.Null("tagKeys")
	case len(keys) < 1:
		v.Fail("tagKeys", "[]", "Member must have length greater than or equal to 1")
	case len(keys) > maxTagKeysPerRemove:
		v.Fail("tagKeys", "["+strings.Join(keys, ", ")+"]", "Member must have length less than or equal to 50")
	}
	for i, k := range keys {
		if n := utf8.RuneCountInString(k); n < 1 {
			v.Fail("tagKeys."+itoa(int64(i+1))+".member", k, "Member must have length greater than or equal to 1")
		} else if n > maxTagKeyLen {
			v.Fail("tagKeys."+itoa(int64(i+1))+".member", k, "Member must have length less than or equal to 128")
		}
	}
}
