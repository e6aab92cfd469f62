// DescribeStream describes a stream and up to Limit (1-10000, default 100)
// of its shards after ExclusiveStartShardId, with HasMoreShards; as on AWS,
// a Limit above 100 still returns at most 100 shards. While the
// stream is CREATING its shard list is empty, as on AWS. Closed shards are
// listed until all their records have passed the retention period.
//
// Errors as AWS: ValidationException for Limit or ExclusiveStartShardId;
// ResourceNotFoundException.
//
// Known gaps vs AWS: enhanced monitoring settings are stored and echoed,
// but no shard-level metrics are published under them.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) describeStream(ctx context.Context, in *wire.DescribeStreamInput) (*wire.DescribeStreamOutput, error) {
	var v wire.Validation
	checkRange(&v, "limit", in.Limit, 1, maxDescribeLimit)
	if in.ExclusiveStartShardId != nil {
		checkShardID(&v, "exclusiveStartShardId", *in.ExclusiveStartShardId)
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	limit := defaultDescribeLimit
	if in.Limit != nil {
		limit = min(int(*in.Limit), defaultDescribeLimit)
	}
	status := s.effectiveStatus(st)
	enc, key := streamEncryption(st)
	d := wire.StreamDescription{
		StreamName:              st.Name,
		StreamARN:               s.streamARN(ctx, st.Name),
		StreamStatus:            string(status),
		StreamModeDetails:       modeDetails(st),
		Shards:                  []wire.Shard{},
		RetentionPeriodHours:    st.RetentionHours,
		StreamCreationTimestamp: wire.Timestamp{Time: st.CreatedAt},
		EnhancedMonitoring:      s.enhancedMonitoring(st),
		EncryptionType:          enc,
		KeyId:                   key,
	}
	if status != meta.StatusCreating {
		now := s.now()
		for i := range st.Shards {
			sh := &st.Shards[i]
			if in.ExclusiveStartShardId != nil && !shardAfter(sh.Index, *in.ExclusiveStartShardId) {
				continue
			}
			// An expired closed shard is gone, as from ListShards, even
			// before a sweep (expireShards) deletes it.
			if shardExpired(st, sh, now) {
				continue
			}
			if len(d.Shards) == limit {
				d.HasMoreShards = true
				break
			}
			d.Shards = append(d.Shards, wireShard(sh))
		}
	}
	return &wire.DescribeStreamOutput{StreamDescription: d}, nil
}
