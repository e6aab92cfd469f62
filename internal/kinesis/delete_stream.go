// DeleteStream starts deleting a stream: it is DELETING for
// Config.StateDelay, then it and all its shard data are gone (the janitor
// removes them; actions already see it as missing once the delay is over).
// A stream with registered consumers is refused unless
// EnforceConsumerDeletion is true; its consumers go with it.
//
// Errors as AWS: ResourceNotFoundException for a missing stream or one
// already DELETING; ResourceInUseException while CREATING ("Stream X under
// account Y not ACTIVE or UPDATING, instead in state CREATING"), since AWS
// deletes only ACTIVE streams (and UPDATING ones, which it lets through).
//
// Known gaps vs AWS: the wording of the CREATING and registered-consumer
// refusals is inferred from AWS's other messages (AWS documents only the
// exception type).
package kinesis

import (
	"context"
	"errors"
	"fmt"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) deleteStream(ctx context.Context, in *wire.DeleteStreamInput) (*wire.Empty, error) {
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	// "A stream cannot be deleted while it has active channels."
	if err := s.streamChannelsInUse(ctx, st); err != nil {
		return nil, err
	}
	if in.EnforceConsumerDeletion == nil || !*in.EnforceConsumerDeletion {
		n, err := s.consumerCount(st)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, wire.ResourceInUse("Stream %s under account %s has registered consumers.", st.Name, s.cfg.Account)
		}
	}
	_, err = s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if cur.UID != st.UID || cur.Status == meta.StatusDeleting {
			return s.notFound(st.Name)
		}
		if err := s.requireStatus(cur, meta.StatusActive, meta.StatusUpdating); err != nil {
			return err
		}
		s.beginTransition(cur, meta.StatusDeleting)
		return nil
	})
	if err != nil {
		if _, ok := wire.AsError(err); ok {
			return nil, err
		}
		if errors.Is(err, meta.ErrStreamNotFound) {
			return nil, s.notFound(st.Name)
		}
		return nil, fmt.Errorf("delete stream %s: %w", st.Name, err)
	}
	s.kickJanitor()
	return &wire.Empty{}, nil
}
