// UpdateShardCount scales a PROVISIONED stream to TargetShardCount shards
// of equal hash ranges (UNIFORM_SCALING, the only type), as AWS does: by
// splits and merges, which may leave short-lived shards that closed at once
// (planUniform in reshard.go). All of it is one crash-safe reshard. The
// stream is UPDATING for Config.StateDelay. A target equal to the open
// count of a stream already uniform changes no shard.
//
// Limits as AWS documents them: at most 10 calls per stream per rolling 24
// hours; no more than double and no less than half the open shard count;
// at most 10000 shards per stream (a stream above that only scales below
// it); the account shard quota; with Config.EnforceLimits, 10 calls per
// second per account (call_limits.go).
//
// Errors: ValidationException for a missing or out-of-range
// TargetShardCount (1-100000), a missing or unknown ScalingType and an
// ON_DEMAND stream ("Request is invalid. Stream X under account Y is in
// On-Demand mode."); LimitExceededException for the limits above;
// ResourceInUseException unless the stream is ACTIVE.
//
// Known gaps vs AWS: the wording of the double/half and per-stream limits
// is kinesalite's, that of the 24-hour limit rheo's (AWS's is not
// documented).
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) updateShardCount(ctx context.Context, in *wire.UpdateShardCountInput) (*wire.UpdateShardCountOutput, error) {
	var v wire.Validation
	validateStream(&v, in.StreamName, in.StreamARN)
	if in.TargetShardCount == nil {
		v.Null("targetShardCount")
	} else {
		checkRange(&v, "targetShardCount", in.TargetShardCount, 1, maxTargetShardCount)
	}
	if in.ScalingType == nil {
		v.Null("scalingType")
	} else if *in.ScalingType != wire.ScalingUniform {
		v.Fail("scalingType", *in.ScalingType, "Member must satisfy enum value set: [UNIFORM_SCALING]")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}

	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if st, err = s.reshardTarget(st.Name, st.UID); err != nil {
		return nil, err
	}
	now := s.now()
	calls, err := s.recentCalls(st.UID, "shard-count", now)
	if err != nil {
		return nil, err
	}
	if len(calls) >= maxShardCountUpdatesPerDay {
		return nil, wire.LimitExceeded("UpdateShardCount cannot be called more than %d times per rolling 24-hour period for stream %s under account %s.",
			maxShardCountUpdatesPerDay, st.Name, s.cfg.Account)
	}
	open := len(st.OpenShards())
	target := int(*in.TargetShardCount)
	switch {
	case target > maxStreamShards && target > open:
		return nil, wire.LimitExceeded("Target shard count or number of open shards cannot be greater than %d. Current open shard count: %d, Target shard count: %d",
			maxStreamShards, open, target)
	case target > 2*open:
		return nil, wire.LimitExceeded("UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
	case 2*target < open:
		return nil, wire.LimitExceeded("UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
	}
	if target > open {
		if all, _ := s.openShardCount(); all+target-open > s.cfg.ShardLimit {
			return nil, s.shardQuotaError(ctx, all, target-open)
		}
	}
	p, err := planUniform(st, now, target)
	if err != nil {
		return nil, err
	}
	if len(p.shards) > 0 {
		if _, err := s.reshardLocked(ctx, p.intent()); err != nil {
			return nil, err
		}
	} else if err := s.beginUpdating(st.Name, st.UID); err != nil {
		return nil, err
	}
	if err := s.recordCall(st.UID, "shard-count", calls, now); err != nil {
		return nil, err
	}
	return &wire.UpdateShardCountOutput{
		StreamName:        st.Name,
		StreamARN:         s.streamARN(ctx, st.Name),
		CurrentShardCount: open,
		TargetShardCount:  target,
	}, nil
}
