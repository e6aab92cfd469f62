package kinesis

// GetShardIterator returns a token for reading a shard from a position.
//
// Behaviour: ShardIteratorType TRIM_HORIZON (oldest retained record),
// LATEST (just after the newest), AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER
// (StartingSequenceNumber required, and it must belong to this shard) and
// AT_TIMESTAMP (Timestamp required and not in the future). ShardId is read
// leniently as AWS does ("shardId-000000000001", "shardId-1", "1"). Errors
// carry AWS's wording: ResourceNotFoundException "Shard shardId-... in
// stream X under account Y does not exist" for a missing shard or stream
// (or a closed shard whose records are all past the retention period),
// InvalidArgumentException for a sequence number of another shard or a
// missing/extra StartingSequenceNumber or Timestamp. Positions below the
// trim horizon resolve to the trim horizon. The token is signed (see
// iterator.go) and valid for 5 minutes.
//
// Gaps vs AWS: a sequence number beyond the shard's tip is accepted (reads
// from it wait for records); AWS may reject it.

import (
	"context"
	"errors"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

const iteratorTypes = "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"

func validateGetShardIterator(in *wire.GetShardIteratorInput) error {
	var v wire.Validation
	if in.ShardId == nil {
		v.Null("shardId")
	} else {
		checkShardID(&v, "shardId", *in.ShardId)
	}
	if in.ShardIteratorType == nil {
		v.Null("shardIteratorType")
	} else {
		switch *in.ShardIteratorType {
		case wire.IteratorAtSequenceNumber, wire.IteratorAfterSequenceNumber, wire.IteratorTrimHorizon, wire.IteratorLatest, wire.IteratorAtTimestamp:
		default:
			v.Fail("shardIteratorType", in.ShardIteratorType, iteratorTypes)
		}
	}
	if in.StartingSequenceNumber != nil && !isDecimal(*in.StartingSequenceNumber, 129) {
		v.Fail("startingSequenceNumber", in.StartingSequenceNumber, seqNumPattern)
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	return v.Err()
}

func (s *Server) getShardIterator(ctx context.Context, in *wire.GetShardIteratorInput) (*wire.GetShardIteratorOutput, error) {
	if err := validateGetShardIterator(in); err != nil {
		return nil, err
	}
	name, err := s.streamNameOf(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	idx, ok := parseShardID(*in.ShardId)
	if !ok {
		return nil, wire.ResourceNotFound("Could not find shard %s in stream %s under account %s.", *in.ShardId, name, s.cfg.Account)
	}
	st, ok := s.meta.Stream(name)
	if !ok {
		return nil, s.shardNotFound(name, idx)
	}
	if err := s.dataReady(st); err != nil {
		return nil, err
	}
	if _, ok := liveShard(st, idx, s.now()); !ok {
		return nil, s.shardNotFound(name, idx)
	}
	typ := *in.ShardIteratorType
	seek := shardlog.Seek{}
	switch typ {
	case wire.IteratorTrimHorizon, wire.IteratorLatest:
		if in.StartingSequenceNumber != nil {
			return nil, wire.InvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
		seek.Kind = shardlog.SeekTrimHorizon
		if typ == wire.IteratorLatest {
			seek.Kind = shardlog.SeekLatest
		}
	case wire.IteratorAtSequenceNumber, wire.IteratorAfterSequenceNumber:
		if in.StartingSequenceNumber == nil {
			return nil, wire.InvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		sn := *in.StartingSequenceNumber
		sh, off, err := seqnum.Position(sn, typ == wire.IteratorAfterSequenceNumber)
		if err != nil {
			return nil, wire.InvalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.", sn, shardIDString(idx), name, s.cfg.Account)
		}
		if sh != idx {
			return nil, wire.InvalidArgument("Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardIDString(sh), shardIDString(idx))
		}
		seek = shardlog.Seek{Kind: shardlog.SeekAtOffset, Offset: off}
	case wire.IteratorAtTimestamp:
		if in.Timestamp == nil {
			return nil, wire.InvalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		ts, now := in.Timestamp.UnixMilli(), s.now().UnixMilli()
		if ts > now {
			return nil, wire.InvalidArgument("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ts, now)
		}
		seek = shardlog.Seek{Kind: shardlog.SeekAtTimestamp, Timestamp: ts}
	}
	off, err := s.log.Seek(shardlog.ShardID{Stream: st.UID, Shard: idx}, seek)
	if err != nil {
		if errors.Is(err, shardlog.ErrShardNotFound) {
			return nil, s.shardNotFound(name, idx)
		}
		return nil, s.logError(name, idx, err)
	}
	tok := s.data.iters.encode(iterator{uid: st.UID, shard: idx, offset: off, issued: s.now().UnixMilli(), stream: st.Name})
	return &wire.GetShardIteratorOutput{ShardIterator: tok}, nil
}
