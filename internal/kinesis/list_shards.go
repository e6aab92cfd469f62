// ListShards lists a stream's shards, MaxResults (1-10000, default 1000; a
// value above 1000 still returns at most 1000, as the API reference says) at
// a time, with an opaque NextToken that expires after 300 seconds
// (ExpiredNextTokenException), as on AWS. The stream is named by
// StreamName/StreamARN or by NextToken, never both. ShardFilter selects
// shards exactly as the API reference defines the types, with T the trim
// horizon (now minus the retention period):
//
//   - AT_LATEST: the open shards;
//   - AT_TRIM_HORIZON: the shards open at T (created at or before T and
//     still open or closed at or after it); before the stream existed, T is
//     its creation;
//   - FROM_TRIM_HORIZON (the default): the shards within the retention
//     period, trim to tip: open ones and those closed at or after T;
//   - AFTER_SHARD_ID: the shards after ShardId;
//   - AT_TIMESTAMP: the shards open at Timestamp (start at or before it,
//     end at or after it or still open);
//   - FROM_TIMESTAMP: the open shards and those closed at or after
//     Timestamp, corrected to T when Timestamp is older.
//
// A shard's start is when the stream or the reshard that made it was
// created, its end when a reshard closed it. A closed shard whose records
// have all expired (closed before T) is never listed, whatever the filter,
// as on AWS where it disappears; each call also deletes such shards for
// good (reshard.go, expireShards).
//
// StreamCreationTimestamp, when given, must match the stream's creation
// time (to the millisecond) or the stream is reported missing.
//
// Errors as AWS: InvalidArgumentException "Either NextToken or StreamName
// should be provided." and "NextToken and StreamName cannot be provided
// together."; ValidationException for MaxResults, shard ids and the filter
// type; ResourceInUseException while the stream is CREATING or DELETING.
//
// Known gaps vs AWS: the wording for filter members that are missing or do
// not fit the type, for NextToken with ExclusiveStartShardId or
// StreamCreationTimestamp, and for an invalid NextToken is rheo's.
// AT_TIMESTAMP with a Timestamp older than T is corrected to T like
// FROM_TIMESTAMP (the API reference is silent): shards open at the older
// time may have expired, and T keeps the answer covering the hash space.
package kinesis

import (
	"context"
	"sort"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// Shard filter types.
const (
	filterAfterShardID    = "AFTER_SHARD_ID"
	filterAtTrimHorizon   = "AT_TRIM_HORIZON"
	filterFromTrimHorizon = "FROM_TRIM_HORIZON"
	filterAtLatest        = "AT_LATEST"
	filterAtTimestamp     = "AT_TIMESTAMP"
	filterFromTimestamp   = "FROM_TIMESTAMP"
)

func (s *Server) listShards(ctx context.Context, in *wire.ListShardsInput) (*wire.ListShardsOutput, error) {
	var v wire.Validation
	checkRange(&v, "maxResults", in.MaxResults, 1, maxListShardsResults)
	if in.ExclusiveStartShardId != nil {
		checkShardID(&v, "exclusiveStartShardId", *in.ExclusiveStartShardId)
	}
	checkNextToken(&v, in.NextToken)
	if f := in.ShardFilter; f != nil {
		switch {
		case f.Type == nil:
			v.Null("shardFilter.type")
		case !validFilter(*f.Type):
			v.Fail("shardFilter.type", *f.Type, "Member must satisfy enum value set: [AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AFTER_SHARD_ID, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]")
		}
		if f.ShardId != nil {
			checkShardID(&v, "shardFilter.shardId", *f.ShardId)
		}
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}

	if err := s.expireShards(); err != nil {
		s.logger.Warn("expire closed shards", "err", err)
	}
	now := s.now()
	max := defaultListShardsSize
	if in.MaxResults != nil {
		max = min(int(*in.MaxResults), defaultListShardsSize)
	}
	var (
		st  *meta.Stream
		tok *pageToken
		err error
	)
	switch {
	case in.NextToken != nil && in.StreamName != nil:
		return nil, wire.InvalidArgument("NextToken and StreamName cannot be provided together.")
	case in.NextToken != nil && in.StreamARN != nil:
		return nil, wire.InvalidArgument("NextToken and StreamARN cannot be provided together.")
	case in.NextToken != nil && in.ExclusiveStartShardId != nil:
		return nil, wire.InvalidArgument("NextToken and ExclusiveStartShardId cannot be provided together.")
	case in.NextToken != nil && in.StreamCreationTimestamp != nil:
		return nil, wire.InvalidArgument("NextToken and StreamCreationTimestamp cannot be provided together.")
	case in.NextToken != nil:
		if tok, err = s.decodeToken(*in.NextToken, "shards"); err != nil {
			return nil, err
		}
		if now.UnixMilli()-tok.Issued > nextTokenTTLSeconds*1000 {
			return nil, wire.ExpiredNextToken("The pagination token passed to the operation is expired.")
		}
		cur, ok := s.meta.Stream(tok.Stream)
		if !ok || cur.UID != tok.UID || gone(cur, now) {
			return nil, s.notFound(tok.Stream)
		}
		st = cur
	case in.StreamName == nil && in.StreamARN == nil:
		return nil, wire.InvalidArgument("Either NextToken or StreamName should be provided.")
	default:
		if st, err = s.resolveStream(ctx, in.StreamName, in.StreamARN); err != nil {
			return nil, err
		}
		if in.StreamCreationTimestamp != nil && in.StreamCreationTimestamp.UnixMilli() != st.CreatedAt.UnixMilli() {
			return nil, s.notFound(st.Name)
		}
		tok = &pageToken{Kind: "shards", Stream: st.Name, UID: st.UID, After: -1, Filter: filterFromTrimHorizon}
		if n := in.ExclusiveStartShardId; n != nil {
			tok.After = afterIndex(*n)
		}
		if f := in.ShardFilter; f != nil {
			if err := s.applyFilter(tok, f); err != nil {
				return nil, err
			}
		}
	}
	if err := s.requireStatus(st, meta.StatusActive, meta.StatusUpdating); err != nil {
		return nil, err
	}

	out := &wire.ListShardsOutput{Shards: []wire.Shard{}}
	more := false
	var last uint32
	for i := range st.Shards {
		sh := &st.Shards[i]
		if int64(sh.Index) <= tok.After || !s.filterKeeps(st, sh, tok, now) {
			continue
		}
		if len(out.Shards) == max {
			more = true
			break
		}
		out.Shards = append(out.Shards, wireShard(sh))
		last = sh.Index
	}
	if more {
		next := *tok
		next.After = int64(last)
		next.Issued = now.UnixMilli()
		t := s.encodeToken(&next)
		out.NextToken = &t
	}
	return out, nil
}

func validFilter(t string) bool {
	switch t {
	case filterAfterShardID, filterAtTrimHorizon, filterFromTrimHorizon, filterAtLatest, filterAtTimestamp, filterFromTimestamp:
		return true
	}
	return false
}

// afterIndex turns an exclusive start shard id into the last index to skip.
func afterIndex(id string) int64 {
	if n, ok := shardIndexOf(id); ok {
		return int64(n)
	}
	// Not one of ours: skip every id that sorts at or before it. Ids are
	// zero-padded, so they sort as their indexes do.
	return int64(sort.Search(1<<32, func(i int) bool { return shardAfter(uint32(i), id) })) - 1
}

// applyFilter checks a ShardFilter and stores it in tok.
func (s *Server) applyFilter(tok *pageToken, f *wire.ShardFilter) error {
	t := *f.Type
	tok.Filter = t
	if f.ShardId != nil && t != filterAfterShardID {
		return wire.InvalidArgument("ShardId can only be specified with the AFTER_SHARD_ID shard filter type.")
	}
	if f.Timestamp != nil && t != filterAtTimestamp && t != filterFromTimestamp {
		return wire.InvalidArgument("Timestamp can only be specified with the AT_TIMESTAMP or FROM_TIMESTAMP shard filter types.")
	}
	switch t {
	case filterAfterShardID:
		if f.ShardId == nil {
			return wire.InvalidArgument("ShardId must be specified with the AFTER_SHARD_ID shard filter type.")
		}
		if a := afterIndex(*f.ShardId); a > tok.After {
			tok.After = a
		}
	case filterAtTimestamp, filterFromTimestamp:
		if f.Timestamp == nil {
			return wire.InvalidArgument("Timestamp must be specified with the %s shard filter type.", t)
		}
		tok.At = f.Timestamp.UnixMilli()
	}
	return nil
}

// filterKeeps reports whether the filter in tok selects sh.
func (s *Server) filterKeeps(st *meta.Stream, sh *meta.Shard, tok *pageToken, now time.Time) bool {
	if shardExpired(st, sh, now) {
		return false
	}
	horizon := now.Add(-time.Duration(st.RetentionHours) * time.Hour)
	// openAt: started at or before t and ended at or after t (or open).
	openAt := func(t time.Time) bool {
		if t.Before(st.CreatedAt) {
			t = st.CreatedAt
		}
		return !sh.CreatedAt.After(t) && (!sh.Closed || !sh.ClosedAt.Before(t))
	}
	// openFrom: open, or ended at or after t.
	openFrom := func(t time.Time) bool { return !sh.Closed || !sh.ClosedAt.Before(t) }
	atLeastHorizon := func(ms int64) time.Time {
		if t := time.UnixMilli(ms); t.After(horizon) {
			return t
		}
		return horizon
	}
	switch tok.Filter {
	case filterAtLatest:
		return !sh.Closed
	case filterAtTrimHorizon:
		return openAt(horizon)
	case filterAtTimestamp:
		return openAt(atLeastHorizon(tok.At))
	case filterFromTimestamp:
		return openFrom(atLeastHorizon(tok.At))
	case filterAfterShardID:
		return true
	default: // FROM_TRIM_HORIZON
		return openFrom(horizon)
	}
}
