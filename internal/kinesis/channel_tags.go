package kinesis

// Tags of channels, for TagResource, UntagResource and
// ListTagsForResource with a channel ARN. resource_tags.go routes an ARN
// for which isChannelARN is true here (its ResourceARN pattern must then
// also accept "...:channel/NAME"): tags are kept in the channel's state
// with the stream rules (at most 50, AWS's key and value checks done by
// the caller) and the channel must not be DELETING.

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// isChannelARN reports whether a ResourceARN names a channel.
func isChannelARN(arn string) bool { return strings.Contains(arn, ":channel/") && validChannelARN(arn) }

// channelTags returns the tags of the channel arn names.
func (s *Server) channelTags(ctx context.Context, arn string) (map[string]string, error) {
	name, err := channelNameOfARN(&arn)
	if err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	_, v, err := s.findChannelLocked(ctx, name)
	if err != nil {
		return nil, err
	}
	if v.tombstone {
		return nil, s.channelNotFound(name)
	}
	return maps.Clone(v.state.Tags), nil
}

// updateChannelTags changes the tags of the channel arn names with fn (on
// a copy; an error from fn changes nothing). More than 50 tags afterwards
// is an InvalidArgumentException.
func (s *Server) updateChannelTags(ctx context.Context, arn string, fn func(tags map[string]string) error) error {
	name, err := channelNameOfARN(&arn)
	if err != nil {
		return err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	eng, v, err := s.findChannelLocked(ctx, name)
	if err != nil {
		return err
	}
	if v.tombstone {
		return s.channelNotFound(name)
	}
	_, err = eng.Update(ctx, deliveryName(name), func(def *delivery.Definition) error {
		c, ok := channelOf(*def)
		if !ok {
			return s.channelNotFound(name)
		}
		tags := maps.Clone(c.Tags)
		if tags == nil {
			tags = make(map[string]string)
		}
		if err := fn(tags); err != nil {
			return err
		}
		if len(tags) > maxTagsPerStream {
			return wire.InvalidArgument("Failed to add tags to channel %s under account %s because a given resource cannot have more than %d tags associated with it.", name, s.cfg.Account, maxTagsPerStream)
		}
		c.Tags = tags
		api, err := json.Marshal(c)
		if err != nil {
			return err
		}
		def.API = api
		return nil
	})
	if err != nil {
		return s.engineError(name, err)
	}
	return nil
}
