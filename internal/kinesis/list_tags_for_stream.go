// ListTagsForStream lists a stream's tags sorted by key, Limit (1-50,
// default 10) at a time after ExclusiveStartTagKey, with HasMoreTags.
//
// Errors as AWS: ValidationException for Limit out of range or a bad
// ExclusiveStartTagKey length; ResourceNotFoundException.
//
// Known gaps vs AWS: none known.
package kinesis

import (
	"context"
	"sort"
	"unicode/utf8"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) listTagsForStream(ctx context.Context, in *wire.ListTagsForStreamInput) (*wire.ListTagsForStreamOutput, error) {
	var v wire.Validation
	checkRange(&v, "limit", in.Limit, 1, maxListTagsLimit)
	if in.ExclusiveStartTagKey != nil {
		if n := utf8.RuneCountInString(*in.ExclusiveStartTagKey); n < 1 {
			v.Fail("exclusiveStartTagKey", *in.ExclusiveStartTagKey, "Member must have length greater than or equal to 1")
		} else if n > maxTagKeyLen {
			v.Fail("exclusiveStartTagKey", *in.ExclusiveStartTagKey, "Member must have length less than or equal to 128")
		}
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	limit := defaultListTagsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	keys := make([]string, 0, len(st.Tags))
	for k := range st.Tags {
		if in.ExclusiveStartTagKey == nil || k > *in.ExclusiveStartTagKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := &wire.ListTagsForStreamOutput{Tags: []wire.Tag{}}
	if len(keys) > limit {
		keys, out.HasMoreTags = keys[:limit], true
	}
	for _, k := range keys {
		val := st.Tags[k]
		out.Tags = append(out.Tags, wire.Tag{Key: k, Value: &val})
	}
	return out, nil
}
