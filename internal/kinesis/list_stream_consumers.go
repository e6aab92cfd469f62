package kinesis

// ListStreamConsumers lists the consumers of a stream in name order.
//
// Behaviour: StreamARN is required; MaxResults is 1-10000 and at most 100
// are returned per page (AWS's default and cap); a NextToken continues
// after the last name listed, expires after 300 seconds
// (ExpiredNextTokenException) and cannot be combined with
// StreamCreationTimestamp. A StreamCreationTimestamp that is not the
// stream's creation time is a ResourceNotFoundException (it names an older
// stream of the same name). DELETING consumers are listed until gone.
//
// Gaps vs AWS: the token format and the invalid-token message are rheo's.

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func validateListStreamConsumers(in *wire.ListStreamConsumersInput) error {
	var v wire.Validation
	if in.StreamARN == nil {
		v.Null("streamARN")
	} else {
		checkStreamARN(&v, *in.StreamARN)
	}
	checkRange(&v, "maxResults", in.MaxResults, 1, wire.MaxListConsumersLimit)
	checkNextToken(&v, in.NextToken)
	return v.Err()
}

func (s *Server) listStreamConsumers(ctx context.Context, in *wire.ListStreamConsumersInput) (*wire.ListStreamConsumersOutput, error) {
	if err := validateListStreamConsumers(in); err != nil {
		return nil, err
	}
	if in.NextToken != nil && in.StreamCreationTimestamp != nil {
		return nil, wire.InvalidArgument("NextToken and StreamCreationTimestamp cannot be provided together.")
	}
	st, err := s.resolveStream(ctx, nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	now := s.now()
	after := ""
	if in.NextToken != nil {
		tok, err := s.decodeToken(*in.NextToken, "consumers")
		if err != nil {
			return nil, err
		}
		if now.UnixMilli()-tok.Issued > nextTokenTTLSeconds*1000 {
			return nil, wire.ExpiredNextToken("The pagination token passed to the operation is expired.")
		}
		if tok.UID != st.UID {
			return nil, wire.InvalidArgument("Invalid NextToken.")
		}
		after = tok.Filter
	} else if in.StreamCreationTimestamp != nil && in.StreamCreationTimestamp.UnixMilli() != st.CreatedAt.UnixMilli() {
		return nil, s.notFound(st.Name)
	}
	if err := s.requireStatus(st, meta.StatusActive, meta.StatusUpdating); err != nil {
		return nil, err
	}
	live, goneKeys, err := s.loadConsumers(st.UID)
	if err != nil {
		return nil, err
	}
	s.purgeConsumers(goneKeys)
	limit := wire.DefaultListConsumers
	if in.MaxResults != nil && int(*in.MaxResults) < limit {
		limit = int(*in.MaxResults)
	}
	out := &wire.ListStreamConsumersOutput{Consumers: []wire.Consumer{}}
	for _, c := range live {
		if after != "" && c.Name <= after {
			continue
		}
		if len(out.Consumers) == limit {
			last := out.Consumers[len(out.Consumers)-1].ConsumerName
			tok := s.encodeToken(&pageToken{Kind: "consumers", Stream: st.Name, UID: st.UID, Filter: last, Issued: now.UnixMilli()})
			out.NextToken = &tok
			break
		}
		out.Consumers = append(out.Consumers, s.wireConsumer(ctx, c, now))
	}
	return out, nil
}
