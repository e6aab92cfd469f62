// UntagDeliveryStream removes tags by key; keys the stream does not have
// are ignored.
//
// Errors as AWS: ValidationException for the key list (1-50 keys, each key
// 1-128 characters of AWS's set); ResourceNotFoundException;
// ResourceInUseException while CREATING.
package firehose

import (
	"context"
	"fmt"
	"strings"
)

func (s *Server) untagDeliveryStream(ctx context.Context, in *UntagDeliveryStreamInput) (*Empty, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	switch {
	case in.TagKeys == nil:
		c.Null("tagKeys")
	case len(in.TagKeys) < 1:
		c.Fail("tagKeys", "[]", "Member must have length greater than or equal to 1")
	case len(in.TagKeys) > maxTags:
		c.Fail("tagKeys", "["+strings.Join(in.TagKeys, ", ")+"]", fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
	for i := range in.TagKeys {
		c.fn(fmt.Sprintf("tagKeys.%d.member", i+1), &in.TagKeys[i], 1, 128, tagKeyOK, patTagKey)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	drop := make(map[string]bool, len(in.TagKeys))
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	return s.changeTags(ctx, *in.DeliveryStreamName, func(st *apiState) error {
		kept := st.Tags[:0:0]
		for _, t := range st.Tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		st.Tags = kept
		return nil
	})
}
