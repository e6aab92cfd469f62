// ListStreams lists stream names in order, Limit (1-10000, default 100; a
// value above 100 still returns at most 100, as the API reference says) at
// a time, after ExclusiveStartStreamName or from a NextToken, with
// HasMoreStreams, StreamSummaries and a NextToken when more remain.
// Streams whose deletion is due are not listed.
//
// Errors as AWS: ValidationException for Limit and ExclusiveStartStreamName.
//
// Known gaps vs AWS: the NextToken format and its InvalidArgumentException
// wording are rheo's; ListStreams tokens do not expire.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) listStreams(ctx context.Context, in *wire.ListStreamsInput) (*wire.ListStreamsOutput, error) {
	var v wire.Validation
	checkRange(&v, "limit", in.Limit, 1, maxListStreamsLimit)
	if in.ExclusiveStartStreamName != nil {
		checkStreamName(&v, "exclusiveStartStreamName", *in.ExclusiveStartStreamName)
	}
	checkNextToken(&v, in.NextToken)
	if err := v.Err(); err != nil {
		return nil, err
	}
	after := ""
	if in.ExclusiveStartStreamName != nil {
		after = *in.ExclusiveStartStreamName
	}
	if in.NextToken != nil {
		t, err := s.decodeToken(*in.NextToken, "streams")
		if err != nil {
			return nil, err
		}
		after = t.Stream
	}
	limit := defaultListStreams
	if in.Limit != nil {
		limit = min(int(*in.Limit), defaultListStreams)
	}
	out := &wire.ListStreamsOutput{StreamNames: []string{}, StreamSummaries: []wire.StreamSummary{}}
	now := s.now()
	for _, st := range s.meta.Streams() {
		if st.Name <= after || gone(st, now) {
			continue
		}
		if len(out.StreamNames) == limit {
			out.HasMoreStreams = true
			break
		}
		out.StreamNames = append(out.StreamNames, st.Name)
		out.StreamSummaries = append(out.StreamSummaries, wire.StreamSummary{
			StreamName:              st.Name,
			StreamARN:               s.streamARN(ctx, st.Name),
			StreamStatus:            string(st.Effective(now)),
			StreamModeDetails:       modeDetails(st),
			StreamCreationTimestamp: wire.Timestamp{Time: st.CreatedAt},
		})
	}
	if out.HasMoreStreams {
		tok := s.encodeToken(&pageToken{Kind: "streams", Stream: out.StreamNames[len(out.StreamNames)-1], Issued: now.UnixMilli()})
		out.NextToken = &tok
	}
	return out, nil
}
