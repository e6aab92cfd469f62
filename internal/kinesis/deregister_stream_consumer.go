package kinesis

// DeregisterStreamConsumer removes a consumer, named by ConsumerARN or by
// StreamARN and ConsumerName.
//
// Behaviour: the consumer is DELETING for Config.StateDelay and then gone
// (its name can be registered again, with a new ARN). Deregistering a
// consumer that is already DELETING succeeds and changes nothing. Its open
// SubscribeToShard streams end at their next heartbeat (within
// subscribeHeartbeat) with a ResourceNotFoundException event.
//
// Gaps vs AWS: no rate limit.

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) deregisterStreamConsumer(ctx context.Context, in *wire.DeregisterStreamConsumerInput) (*wire.Empty, error) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	st, c, err := s.resolveConsumer(ctx, in.StreamARN, in.ConsumerName, in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	if c.Status == wire.ConsumerDeleting {
		return &wire.Empty{}, nil
	}
	now := s.now()
	c.Status = wire.ConsumerDeleting
	c.ReadyAt = now.Add(s.cfg.StateDelay)
	key := consumerKey(st.UID, c.Name)
	if s.cfg.StateDelay == 0 {
		if err := s.meta.Delete(consumerNS, key); err != nil {
			return nil, err
		}
		return &wire.Empty{}, nil
	}
	if err := s.meta.Put(consumerNS, key, c); err != nil {
		return nil, err
	}
	return &wire.Empty{}, nil
}
