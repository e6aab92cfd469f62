// CreateStream makes a stream: PROVISIONED with ShardCount shards, or
// ON_DEMAND with Config.OnDemandShardCount (4, as AWS). The stream is
// CREATING for Config.StateDelay, then ACTIVE; its shards split the hash
// space exactly as AWS does and keep records for 24 hours.
//
// Errors as AWS: ValidationException for a bad name, ShardCount < 1, a bad
// StreamMode or tag lengths; InvalidArgumentException "ShardCount is not
// expected when StreamMode=ON_DEMAND"; ResourceInUseException "Stream X
// under account Y already exists."; LimitExceededException past the account
// shard quota (AWS's wording, counting open shards of all streams).
//
// Known gaps vs AWS: the wording for a PROVISIONED stream without
// ShardCount, for the ON_DEMAND stream quota and for more than 50 tags is
// rheo's (AWS's is undocumented); WarmThroughputMiBps is kept only for
// ON_DEMAND streams (as UpdateStreamWarmThroughput) and, like
// MaxRecordSizeInKiB, stored only once the shards exist, so a crash just
// before leaves the stream with the defaults. A crash between storing the
// stream and creating its shards is repaired at the next start (repair.go).
package kinesis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

func (s *Server) createStream(ctx context.Context, in *wire.CreateStreamInput) (*wire.Empty, error) {
	var v wire.Validation
	if in.ShardCount != nil && *in.ShardCount < 1 {
		v.Fail("shardCount", in.ShardCount, "Member must have value greater than or equal to 1")
	}
	if in.StreamName == nil {
		v.Null("streamName")
	} else {
		checkStreamName(&v, "streamName", *in.StreamName)
	}
	mode := meta.ModeProvisioned
	if in.StreamModeDetails != nil {
		switch m := in.StreamModeDetails.StreamMode; {
		case m == nil:
			v.Null("streamModeDetails.streamMode")
		case *m == meta.ModeProvisioned || *m == meta.ModeOnDemand:
			mode = *m
		default:
			v.Fail("streamModeDetails.streamMode", *m, "Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
		}
	}
	checkTagMap(&v, in.Tags)
	checkRange(&v, "maxRecordSizeInKiB", in.MaxRecordSizeInKiB, minMaxRecordSizeKiB, maxMaxRecordSizeKiB)
	checkRange(&v, "warmThroughputMiBps", in.WarmThroughputMiBps, 0, 1<<31-1)
	if err := v.Err(); err != nil {
		return nil, err
	}
	name := *in.StreamName

	var shards int64
	switch {
	case mode == meta.ModeOnDemand && in.ShardCount != nil:
		return nil, wire.InvalidArgument("ShardCount is not expected when StreamMode=ON_DEMAND")
	case mode == meta.ModeOnDemand:
		shards = int64(s.cfg.OnDemandShardCount)
	case in.ShardCount == nil:
		return nil, wire.InvalidArgument("ShardCount is required when StreamMode=PROVISIONED")
	default:
		shards = *in.ShardCount
	}
	if err := checkTagChars(in.Tags, "add tags to", name, s.cfg.Account); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTagsPerStream {
		return nil, wire.InvalidArgument("Failed to create stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, s.cfg.Account, maxTagsPerStream)
	}

	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if old, ok := s.meta.Stream(name); ok {
		if !gone(old, s.now()) {
			return nil, wire.ResourceInUse("Stream %s under account %s already exists.", name, s.cfg.Account)
		}
		if err := s.finishDeleteLocked(old.Name, old.UID); err != nil {
			return nil, err
		}
	}
	open, onDemand := s.openShardCount()
	if int64(open)+shards > int64(s.cfg.ShardLimit) {
		return nil, wire.LimitExceeded("This request would exceed the shard limit for the account %s in %s. "+
			"Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. "+
			"Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
			s.cfg.Account, requestInfo(ctx).Region, open, s.cfg.ShardLimit, shards)
	}
	if mode == meta.ModeOnDemand && onDemand+1 > s.cfg.OnDemandStreamCountLimit {
		return nil, wire.LimitExceeded("This request would exceed the limit of on-demand streams for the account %s in %s. "+
			"Current on-demand stream count for the account: %d. Limit: %d.",
			s.cfg.Account, requestInfo(ctx).Region, onDemand, s.cfg.OnDemandStreamCountLimit)
	}

	now := s.now()
	st := meta.Stream{
		Name:           name,
		Mode:           mode,
		Status:         meta.StatusCreating,
		ReadyAt:        now.Add(s.cfg.StateDelay),
		CreatedAt:      now,
		RetentionHours: defaultRetentionHours,
		EncryptionType: "NONE",
		NextShardIndex: uint32(shards),
	}
	if len(in.Tags) > 0 {
		st.Tags = in.Tags
	}
	for i, r := range splitHashSpace(int(shards)) {
		st.Shards = append(st.Shards, meta.Shard{
			Index:        uint32(i),
			HashKeyStart: r[0].String(),
			HashKeyEnd:   r[1].String(),
			CreatedAt:    now,
		})
	}
	stored, err := s.meta.CreateStream(st)
	if err != nil {
		if errors.Is(err, meta.ErrStreamExists) {
			return nil, wire.ResourceInUse("Stream %s under account %s already exists.", name, s.cfg.Account)
		}
		return nil, fmt.Errorf("create stream %s: %w", name, err)
	}
	retention := time.Duration(defaultRetentionHours) * time.Hour
	for _, sh := range stored.Shards {
		id := shardlog.ShardID{Stream: stored.UID, Shard: sh.Index}
		if err := s.log.CreateShard(id, shardlog.ShardConfig{Retention: retention}); err != nil {
			return nil, errors.Join(fmt.Errorf("create shard %s: %w", id, err), s.undoCreate(stored))
		}
	}
	warm := in.WarmThroughputMiBps != nil && mode == meta.ModeOnDemand
	if in.MaxRecordSizeInKiB != nil || warm {
		if _, err := s.updateSettings(stored.UID, func(ss *streamSettings) error {
			if in.MaxRecordSizeInKiB != nil {
				ss.MaxRecordSizeInKiB = *in.MaxRecordSizeInKiB
			}
			if warm {
				ss.WarmThroughputMiBps = *in.WarmThroughputMiBps
			}
			return nil
		}); err != nil {
			return nil, errors.Join(err, s.undoCreate(stored))
		}
	}
	s.kickJanitor()
	return &wire.Empty{}, nil
}

// undoCreate removes a stream whose shards could not all be made.
// s.ctl.mu should be held.
func (s *Server) undoCreate(st *meta.Stream) error {
	var errs []error
	for _, sh := range st.Shards {
		err := s.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
		if err != nil && !errors.Is(err, shardlog.ErrShardNotFound) {
			errs = append(errs, err)
		}
	}
	if err := s.meta.DeleteStream(st.Name); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undo create of %s: %w", st.Name, err)
	}
	return nil
}
