package kinesis

// ListChannels lists channels sorted by name, MaxResults at a time
// (default 100; a larger value returns at most 100, as AWS documents;
// below 1 is a ValidationException), with a signed NextToken. StreamFilter
// keeps channels whose source stream ARN is one of the filters' (and,
// when a filter gives StreamCreationTimestamp, whose stream was created
// then, to the millisecond). Channels being deleted are listed as
// DELETING until they are gone.
//
// Gaps vs AWS: NextToken is rheo's own opaque format (an invalid one is an
// InvalidArgumentException); combining NextToken with a different
// StreamFilter is not detected.

import (
	"context"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// listChannelsInput is the ListChannels request.
type listChannelsInput struct {
	MaxResults   *int64         `json:"MaxResults"`
	NextToken    *string        `json:"NextToken"`
	StreamFilter []streamFilter `json:"StreamFilter"`
}

// streamFilter is one StreamFilter member.
type streamFilter struct {
	StreamARN               *string         `json:"StreamARN"`
	StreamCreationTimestamp *wire.Timestamp `json:"StreamCreationTimestamp"`
}

// listChannelsOutput is the ListChannels reply.
type listChannelsOutput struct {
	ChannelSummaries []channelSummary `json:"ChannelSummaries"`
	NextToken        *string          `json:"NextToken,omitempty"`
}

func (s *Server) listChannels(ctx context.Context, in *listChannelsInput) (*listChannelsOutput, error) {
	var v wire.Validation
	if in.MaxResults != nil && *in.MaxResults < 1 {
		v.Fail("maxResults", in.MaxResults, "Member must have value greater than or equal to 1")
	}
	if in.NextToken != nil && len(*in.NextToken) < 1 {
		v.Fail("nextToken", *in.NextToken, "Member must have length greater than or equal to 1")
	}
	for i, f := range in.StreamFilter {
		p := "streamFilter." + itoa(int64(i+1)) + ".member.streamARN"
		if f.StreamARN == nil {
			v.Null(p)
		} else {
			checkStreamARNAt(&v, p, *f.StreamARN)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != nil {
		t, err := s.decodeToken(*in.NextToken, "channels")
		if err != nil {
			return nil, err
		}
		after = t.Stream
	}
	limit := maxListChannels
	if in.MaxResults != nil && *in.MaxResults < int64(limit) {
		limit = int(*in.MaxResults)
	}
	s.ctl.mu.Lock()
	all, err := s.allChannels(ctx, eng)
	s.ctl.mu.Unlock()
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &listChannelsOutput{ChannelSummaries: []channelSummary{}}
	more := false
	for _, c := range all {
		if c.state.Name <= after || !s.channelMatches(ctx, c.state, in.StreamFilter) {
			continue
		}
		if len(out.ChannelSummaries) == limit {
			more = true
			break
		}
		out.ChannelSummaries = append(out.ChannelSummaries, s.summarizeChannel(ctx, c.state, now))
	}
	if more {
		last := out.ChannelSummaries[len(out.ChannelSummaries)-1].ChannelName
		tok := s.encodeToken(&pageToken{Kind: "channels", Stream: last, Issued: now.UnixMilli()})
		out.NextToken = &tok
	}
	return out, nil
}

// channelMatches reports whether c passes the filters (no filter: all).
func (s *Server) channelMatches(ctx context.Context, c *channelState, filters []streamFilter) bool {
	if len(filters) == 0 {
		return true
	}
	arn := s.streamARN(ctx, c.StreamName)
	for _, f := range filters {
		if streamNameInARN(*f.StreamARN) != c.StreamName && *f.StreamARN != arn {
			continue
		}
		if f.StreamCreationTimestamp != nil && !f.StreamCreationTimestamp.Truncate(time.Millisecond).Equal(c.StreamCreated.Truncate(time.Millisecond)) {
			continue
		}
		return true
	}
	return false
}
