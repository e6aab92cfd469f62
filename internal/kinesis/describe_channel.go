package kinesis

// DescribeChannel returns a channel's configuration and status
// (channels.go): ChannelARN is required and must match AWS's pattern
// (ValidationException); an unknown channel is a
// ResourceNotFoundException. A channel being deleted is described as
// DELETING until Config.StateDelay has passed, then it is not found.
//
// Gaps vs AWS: the ARN's region and account are not checked.

import (
	"context"
)

// channelARNInput is the request of DescribeChannel and DeleteChannel.
type channelARNInput struct {
	ChannelARN *string `json:"ChannelARN"`
}

func (s *Server) describeChannel(ctx context.Context, in *channelARNInput) (*channelDescriptionOutput, error) {
	name, err := channelNameOfARN(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	_, v, err := s.findChannelLocked(ctx, name)
	if err != nil {
		return nil, err
	}
	return &channelDescriptionOutput{ChannelDescription: s.describeChannelState(ctx, v.state, s.now())}, nil
}
