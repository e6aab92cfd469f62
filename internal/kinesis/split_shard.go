// SplitShard splits an open shard of a PROVISIONED stream in two at
// NewStartingHashKey: the children get the next two shard indexes, the
// lower range [start, key-1] and the upper [key, end], and ParentShardId =
// the split shard, which is closed at its last record (reshard.go runs the
// crash-safe protocol). The stream is UPDATING for Config.StateDelay.
//
// Errors as AWS (wording from AWS as seen by kinesalite and moto):
// ValidationException for missing members, shard id and hash key patterns,
// and "Request is invalid. Stream X under account Y is in On-Demand mode.";
// ResourceNotFoundException "Could not find shard X in stream Y under
// account Z."; InvalidArgumentException when the shard is closed ("has
// already been merged or split, ...") or the key is not both greater than
// one plus the shard's StartingHashKey and less than its EndingHashKey;
// LimitExceededException past the account shard quota;
// ResourceInUseException unless the stream is ACTIVE.
//
// Known gaps vs AWS: AWS's per-account rate limit on SplitShard (5
// transactions per second) is not enforced.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) splitShard(ctx context.Context, in *wire.SplitShardInput) (*wire.Empty, error) {
	var v wire.Validation
	validateStream(&v, in.StreamName, in.StreamARN)
	if in.ShardToSplit == nil {
		v.Null("shardToSplit")
	} else {
		checkShardID(&v, "shardToSplit", *in.ShardToSplit)
	}
	if in.NewStartingHashKey == nil {
		v.Null("newStartingHashKey")
	} else if !isDecimal(*in.NewStartingHashKey, 39) {
		v.Fail("newStartingHashKey", *in.NewStartingHashKey, hashKeyPattern)
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
	sh, id, err := s.lookupShard(st, *in.ShardToSplit)
	if err != nil {
		return nil, err
	}
	if open, _ := s.openShardCount(); open+1 > s.cfg.ShardLimit {
		return nil, s.shardQuotaError(ctx, open, 1)
	}
	pc, err := pieceOf(sh)
	if err != nil {
		return nil, err
	}
	key, err := parseHashKey(*in.NewStartingHashKey)
	if err != nil || key.cmp(pc.start.add1()) <= 0 || key.cmp(pc.end) >= 0 {
		return nil, wire.InvalidArgument("NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
			*in.NewStartingHashKey, id, st.Name, s.cfg.Account, sh.HashKeyStart, sh.HashKeyEnd)
	}
	p := newPlanner(st, s.now())
	p.split(pc, key)
	if _, err := s.reshardLocked(ctx, p.intent()); err != nil {
		return nil, err
	}
	return &wire.Empty{}, nil
}
