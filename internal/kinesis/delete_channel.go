package kinesis

// DeleteChannel deletes a channel (channels.go). Delivery stops at once:
// records buffered and not yet written are dropped, as when AWS deletes a
// channel. The channel is then described and listed as DELETING for
// Config.StateDelay and keeps its name taken; afterwards it is gone
// (ResourceNotFoundException). Deleting a channel that is already
// DELETING is a ResourceInUseException.
//
// Crash safety: the DELETING tombstone is stored in meta before the
// delivery definition is removed; a crash in between is finished by the
// next channel action that looks the channel up.
//
// Gaps vs AWS: the ResourceInUseException message is rheo's.

import (
	"context"
	"errors"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) deleteChannel(ctx context.Context, in *channelARNInput) (*wire.Empty, error) {
	name, err := channelNameOfARN(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	eng, v, err := s.findChannelLocked(ctx, name)
	if err != nil {
		return nil, err
	}
	if v.tombstone {
		return nil, wire.ResourceInUse("Channel %s under account %s is already being deleted.", name, s.cfg.Account)
	}
	c := *v.state
	c.Status, c.ReadyAt = channelDeleting, s.now().Add(s.cfg.StateDelay)
	if err := s.meta.Put(channelDeletingNS, name, &c); err != nil {
		return nil, err
	}
	if err := eng.Delete(ctx, deliveryName(name)); err != nil && !errors.Is(err, delivery.ErrNotFound) {
		return nil, s.engineError(name, err)
	}
	return &wire.Empty{}, nil
}
