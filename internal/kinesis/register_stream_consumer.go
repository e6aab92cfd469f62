package kinesis

// RegisterStreamConsumer registers an enhanced fan-out consumer with a
// stream.
//
// Behaviour: StreamARN and ConsumerName are required (AWS's validation
// wording); the stream must be ACTIVE or UPDATING (ResourceInUseException
// otherwise, as for other stream-level changes). A stream has at most 20
// consumers and at most 5 CREATING at once (LimitExceededException); a
// name already registered, including one still DELETING, is a
// ResourceInUseException. The consumer is CREATING for Config.StateDelay,
// then ACTIVE; the response always says CREATING, as AWS's does. Tags are
// kept with the consumer (up to 50).
//
// Gaps vs AWS: no 5-per-second rate limit; the LimitExceededException and
// ResourceInUseException messages are rheo's wording.

import (
	"context"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func validateRegisterStreamConsumer(in *wire.RegisterStreamConsumerInput) error {
	var v wire.Validation
	if in.StreamARN == nil {
		v.Null("streamARN")
	} else {
		checkStreamARN(&v, *in.StreamARN)
	}
	if in.ConsumerName == nil {
		v.Null("consumerName")
	} else {
		checkConsumerName(&v, "consumerName", *in.ConsumerName)
	}
	if n := len(in.Tags); in.Tags != nil && n < 1 {
		v.FailNoValue("tags", "Member must have length greater than or equal to 1")
	} else if n > 50 {
		v.FailNoValue("tags", "Member must have length less than or equal to 50")
	}
	return v.Err()
}

func (s *Server) registerStreamConsumer(ctx context.Context, in *wire.RegisterStreamConsumerInput) (*wire.RegisterStreamConsumerOutput, error) {
	if err := validateRegisterStreamConsumer(in); err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	st, err := s.resolveStream(ctx, nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := s.requireStatus(st, meta.StatusActive, meta.StatusUpdating); err != nil {
		return nil, err
	}
	live, goneKeys, err := s.loadConsumers(st.UID)
	if err != nil {
		return nil, err
	}
	s.purgeConsumers(goneKeys)
	now := s.now()
	name := *in.ConsumerName
	creating := 0
	for _, c := range live {
		if c.Name == name {
			return nil, wire.ResourceInUse("Consumer %s under stream %s already exists for account %s.", name, st.Name, s.cfg.Account)
		}
		if c.effective(now) == wire.ConsumerCreating {
			creating++
		}
	}
	if len(live) >= wire.MaxConsumersPerStream {
		return nil, wire.LimitExceeded("Stream %s under account %s has reached the limit of %d registered consumers.", st.Name, s.cfg.Account, wire.MaxConsumersPerStream)
	}
	if creating >= wire.MaxConsumersCreating {
		return nil, wire.LimitExceeded("Only %d consumers can be in CREATING status at the same time for stream %s under account %s.", wire.MaxConsumersCreating, st.Name, s.cfg.Account)
	}
	// The ARN carries whole seconds; so does the stored time, so the ARN
	// and ConsumerCreationTimestamp always agree.
	created := now.Truncate(time.Second)
	c := &consumerRecord{
		Name:      name,
		Stream:    st.Name,
		StreamUID: st.UID,
		CreatedAt: created,
		Status:    wire.ConsumerCreating,
		ReadyAt:   now.Add(s.cfg.StateDelay),
		Tags:      in.Tags,
	}
	if err := s.meta.Put(consumerNS, consumerKey(st.UID, name), c); err != nil {
		return nil, err
	}
	out := s.wireConsumer(ctx, c, now)
	out.ConsumerStatus = wire.ConsumerCreating
	return &wire.RegisterStreamConsumerOutput{Consumer: out}, nil
}
