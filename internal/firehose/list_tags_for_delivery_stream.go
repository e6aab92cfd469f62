// ListTagsForDeliveryStream lists a stream's tags sorted by key: at most
// Limit (1-50, default 50), starting after ExclusiveStartTagKey (which
// need not exist), with HasMoreTags telling whether more follow.
//
// Errors as AWS: ValidationException for Limit, the key or the name;
// ResourceNotFoundException.
//
// Known gaps vs AWS: AWS does not document the order; rheo sorts by key so
// that ExclusiveStartTagKey paging is stable.
package firehose

import (
	"context"
	"sort"
)

func (s *Server) listTagsForDeliveryStream(_ context.Context, in *ListTagsForDeliveryStreamInput) (*ListTagsForDeliveryStreamOutput, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	c.fn("exclusiveStartTagKey", in.ExclusiveStartTagKey, 1, 128, tagKeyOK, patTagKey)
	c.intRange("limit", in.Limit, 1, maxTags)
	if err := c.Err(); err != nil {
		return nil, err
	}
	sm, err := s.load(*in.DeliveryStreamName)
	if err != nil {
		return nil, err
	}
	tags := append([]storedTag(nil), sm.st.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	limit := maxTags
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := deref(in.ExclusiveStartTagKey)
	out := &ListTagsForDeliveryStreamOutput{Tags: []Tag{}}
	for _, t := range tags {
		if after != "" && t.Key <= after {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out, nil
}
