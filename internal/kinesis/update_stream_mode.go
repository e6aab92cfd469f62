// UpdateStreamMode switches a stream, named by StreamARN, between the
// PROVISIONED and ON_DEMAND capacity modes. The shards stay as they are
// (rheo has no throughput limits, so on-demand capacity needs no scaling);
// the stream is UPDATING for Config.StateDelay. While ON_DEMAND, SplitShard,
// MergeShards and UpdateShardCount are refused, as on AWS.
//
// Limits as AWS documents them: two switches per stream per rolling 24
// hours; the account's quota of ON_DEMAND streams.
//
// Errors: ValidationException for a missing StreamARN, StreamModeDetails or
// StreamMode, an unknown mode or a malformed ARN; ResourceNotFoundException;
// ResourceInUseException unless the stream is ACTIVE;
// LimitExceededException for the limits above; InvalidArgumentException
// when the stream already has the mode.
//
// Known gaps vs AWS: the wording of the already-in-mode error and of the
// 24-hour limit is rheo's; WarmThroughputMiBps is kept (as by
// UpdateStreamWarmThroughput) only when the stream becomes ON_DEMAND.
package kinesis

import (
	"context"
	"errors"
	"fmt"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) updateStreamMode(ctx context.Context, in *wire.UpdateStreamModeInput) (*wire.Empty, error) {
	var v wire.Validation
	if in.StreamARN == nil {
		v.Null("streamARN")
	} else {
		checkStreamARN(&v, *in.StreamARN)
	}
	if in.StreamModeDetails == nil {
		v.Null("streamModeDetails")
	} else if m := in.StreamModeDetails.StreamMode; m == nil {
		v.Null("streamModeDetails.streamMode")
	} else if *m != meta.ModeProvisioned && *m != meta.ModeOnDemand {
		v.Fail("streamModeDetails.streamMode", *m, "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
	}
	checkRange(&v, "warmThroughputMiBps", in.WarmThroughputMiBps, 0, 1<<31-1)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	mode := *in.StreamModeDetails.StreamMode

	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	cur, ok := s.meta.Stream(st.Name)
	if !ok || cur.UID != st.UID || gone(cur, s.now()) {
		return nil, s.notFound(st.Name)
	}
	if err := s.requireActive(cur); err != nil {
		return nil, err
	}
	curMode := cur.Mode
	if curMode == "" {
		curMode = meta.ModeProvisioned
	}
	if curMode == mode {
		return nil, wire.InvalidArgument("Stream %s under account %s is already in %s mode.", cur.Name, s.cfg.Account, mode)
	}
	now := s.now()
	calls, err := s.recentCalls(cur.UID, "mode", now)
	if err != nil {
		return nil, err
	}
	if len(calls) >= maxModeSwitchesPerDay {
		return nil, wire.LimitExceeded("The capacity mode of stream %s under account %s cannot be switched more than %d times per rolling 24-hour period.",
			cur.Name, s.cfg.Account, maxModeSwitchesPerDay)
	}
	if mode == meta.ModeOnDemand {
		if _, onDemand := s.openShardCount(); onDemand+1 > s.cfg.OnDemandStreamCountLimit {
			return nil, wire.LimitExceeded("This request would exceed the limit of on-demand streams for the account %s in %s. "+
				"Current on-demand stream count for the account: %d. Limit: %d.",
				s.cfg.Account, requestInfo(ctx).Region, onDemand, s.cfg.OnDemandStreamCountLimit)
		}
	}
	_, err = s.meta.UpdateStream(cur.Name, func(x *meta.Stream) error {
		if x.UID != cur.UID {
			return meta.ErrStreamNotFound
		}
		if err := s.requireActive(x); err != nil {
			return err
		}
		x.Mode = mode
		s.beginTransition(x, meta.StatusUpdating)
		return nil
	})
	if err != nil {
		if errors.Is(err, meta.ErrStreamNotFound) {
			return nil, s.notFound(cur.Name)
		}
		if _, ok := wire.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("update stream mode of %s: %w", cur.Name, err)
	}
	if err := s.recordCall(cur.UID, "mode", calls, now); err != nil {
		return nil, err
	}
	if in.WarmThroughputMiBps != nil && mode == meta.ModeOnDemand {
		if _, err := s.updateSettings(cur.UID, func(ss *streamSettings) error {
			ss.WarmThroughputMiBps = *in.WarmThroughputMiBps
			return nil
		}); err != nil {
			return nil, err
		}
	}
	s.kickJanitor()
	return &wire.Empty{}, nil
}

// beginUpdating puts an ACTIVE stream into UPDATING for Config.StateDelay
// (an UpdateShardCount that needs no shard change).
func (s *Server) beginUpdating(name string, uid uint64) error {
	_, err := s.meta.UpdateStream(name, func(x *meta.Stream) error {
		if x.UID != uid {
			return meta.ErrStreamNotFound
		}
		if err := s.requireActive(x); err != nil {
			return err
		}
		s.beginTransition(x, meta.StatusUpdating)
		return nil
	})
	switch {
	case errors.Is(err, meta.ErrStreamNotFound):
		return s.notFound(name)
	case err != nil:
		if _, ok := wire.AsError(err); ok {
			return err
		}
		return fmt.Errorf("update %s: %w", name, err)
	}
	s.kickJanitor()
	return nil
}
