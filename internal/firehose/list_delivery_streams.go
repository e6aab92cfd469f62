// ListDeliveryStreams lists delivery stream names in alphabetical order:
// at most Limit (default 10, 1-10000), optionally only those of one
// DeliveryStreamType, starting after ExclusiveStartDeliveryStreamName
// (which need not exist), with HasMoreDeliveryStreams telling whether more
// follow. CREATING streams are listed; deleted ones are not.
//
// Errors as AWS: ValidationException for Limit, a bad type or name.
package firehose

import (
	"context"
	"sort"
	"strings"
)

func (s *Server) listDeliveryStreams(_ context.Context, in *ListDeliveryStreamsInput) (*ListDeliveryStreamsOutput, error) {
	var c checker
	c.intRange("limit", in.Limit, 1, 10000)
	c.enum("deliveryStreamType", in.DeliveryStreamType, enumStreamType)
	c.name("exclusiveStartDeliveryStreamName", in.ExclusiveStartDeliveryStreamName, false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	limit := 10
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := deref(in.ExclusiveStartDeliveryStreamName)
	defs := s.eng.List()
	sort.Slice(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	out := &ListDeliveryStreamsOutput{DeliveryStreamNames: []string{}}
	for _, def := range defs {
		if strings.Contains(def.Name, ":") {
			// Another API's delivery (a Kinesis channel, "channel:NAME"):
			// Firehose names cannot contain ':'.
			continue
		}
		if after != "" && def.Name <= after {
			continue
		}
		if in.DeliveryStreamType != nil {
			st, err := decodeState(def)
			if err != nil || st.Type != *in.DeliveryStreamType {
				continue
			}
		}
		if len(out.DeliveryStreamNames) == limit {
			out.HasMoreDeliveryStreams = true
			break
		}
		out.DeliveryStreamNames = append(out.DeliveryStreamNames, def.Name)
	}
	return out, nil
}
