// MergeShards merges two open, hash-adjacent shards of a PROVISIONED
// stream (in either order) into one child with the next shard index, the
// union of their ranges, ParentShardId = ShardToMerge and
// AdjacentParentShardId = AdjacentShardToMerge. Both parents are closed at
// their last record (reshard.go runs the crash-safe protocol). The stream
// is UPDATING for Config.StateDelay.
//
// Errors as AWS (wording from AWS as seen by kinesalite and moto):
// ValidationException for missing members and shard id patterns, and for
// an ON_DEMAND stream; ResourceNotFoundException "Could not find shard X in
// stream Y under account Z."; InvalidArgumentException for a closed shard
// and "Shards X and Y in stream Z under account A are not an adjacent pair
// of shards eligible for merging"; ResourceInUseException unless the
// stream is ACTIVE.
//
// Known gaps vs AWS: AWS's per-account rate limit on MergeShards (5
// transactions per second) is not enforced.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) mergeShards(ctx context.Context, in *wire.MergeShardsInput) (*wire.Empty, error) {
	var v wire.Validation
	validateStream(&v, in.StreamName, in.StreamARN)
	if in.ShardToMerge == nil {
		v.Null("shardToMerge")
	} else {
		checkShardID(&v, "shardToMerge", *in.ShardToMerge)
	}
	if in.AdjacentShardToMerge == nil {
		v.Null("adjacentShardToMerge")
	} else {
		checkShardID(&v, "adjacentShardToMerge", *in.AdjacentShardToMerge)
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
	a, aID, err := s.lookupShard(st, *in.ShardToMerge)
	if err != nil {
		return nil, err
	}
	b, bID, err := s.lookupShard(st, *in.AdjacentShardToMerge)
	if err != nil {
		return nil, err
	}
	pa, err := pieceOf(a)
	if err != nil {
		return nil, err
	}
	pb, err := pieceOf(b)
	if err != nil {
		return nil, err
	}
	adjacent := a.Index != b.Index && (pa.end != maxHashKey && pa.end.add1() == pb.start || pb.end != maxHashKey && pb.end.add1() == pa.start)
	if !adjacent {
		return nil, wire.InvalidArgument("Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging",
			aID, bID, st.Name, s.cfg.Account)
	}
	p := newPlanner(st, s.now())
	p.merge(pa, pb)
	if _, err := s.reshardLocked(ctx, p.intent()); err != nil {
		return nil, err
	}
	return &wire.Empty{}, nil
}
