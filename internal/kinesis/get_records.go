package kinesis

// GetRecords reads records from a shard at a shard iterator.
//
// Behaviour: up to Limit records (1-10000, default 10000) and about 10 MiB
// of data plus partition keys (always at least one record when any is
// readable), with NextShardIterator for the position after the last one;
// NextShardIterator is omitted once a closed shard has been read to its
// end, and ChildShards then lists the shards made from it. MillisBehindLatest
// is 0 when the reader has caught up with the tip, else how long ago the
// last returned record (or, with none returned, the newest record) arrived.
// A garbled or forged iterator gives InvalidArgumentException "Invalid
// ShardIterator.", one older than 5 minutes ExpiredIteratorException with
// AWS's wording, and one for a deleted (or deleted and re-created) stream
// ResourceNotFoundException. The response is encoded by AppendJSON, which
// writes base64 data straight into the output buffer.
//
// Records stored encrypted at rest (StartStreamEncryption, internal/atrest)
// carry EncryptionType KMS; while the stream is encrypted or the batch
// holds encrypted records, the others carry NONE; otherwise the member is
// left out, as AWS does for unencrypted streams. With Config.EnforceLimits
// a shard answers at most 5 calls/s and 2 MiB/s, and a call over budget
// fails with ProvisionedThroughputExceededException "Rate exceeded for
// Shard - <account>/<stream>/shardId-…" (throughput.go).
//
// Gaps vs AWS: a StreamARN is checked for form but not matched against the
// iterator.

import (
	"context"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"

	"encoding/base64"
	"strconv"
)

func (s *Server) getRecordsOp(ctx context.Context, c *call) (any, error) {
	in := new(wire.GetRecordsInput)
	if err := c.decode(in); err != nil {
		return nil, err
	}
	return s.getRecords(ctx, in)
}

func validateGetRecords(in *wire.GetRecordsInput) error {
	var v wire.Validation
	if in.ShardIterator == nil {
		v.Null("shardIterator")
	} else if n := len(*in.ShardIterator); n < 1 {
		v.Fail("shardIterator", in.ShardIterator, "Member must have length greater than or equal to 1")
	} else if n > 512 {
		v.Fail("shardIterator", in.ShardIterator, "Member must have length less than or equal to 512")
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			v.Fail("limit", in.Limit, "Member must have value greater than or equal to 1")
		} else if *in.Limit > wire.MaxGetRecordsLimit {
			v.Fail("limit", in.Limit, "Member must have value less than or equal to 10000")
		}
	}
	if in.StreamARN != nil {
		checkStreamARN(&v, *in.StreamARN)
	}
	return v.Err()
}

// amzTime formats a time as AWS's iterator errors do: Thu Jan 22 01:22:02 UTC 2015.
func amzTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
}

func (s *Server) getRecords(ctx context.Context, in *wire.GetRecordsInput) (*getRecordsOutput, error) {
	if err := validateGetRecords(in); err != nil {
		return nil, err
	}
	it, err := s.data.iters.decode(*in.ShardIterator)
	if err != nil {
		return nil, wire.InvalidArgument("Invalid ShardIterator.")
	}
	now := s.now().UnixMilli()
	if now-it.issued > wire.IteratorLifetimeMillis {
		return nil, wire.ExpiredIterator("Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			amzTime(it.issued), amzTime(now), wire.IteratorLifetimeMillis)
	}
	st, ok := s.meta.Stream(it.stream)
	if !ok || st.UID != it.uid {
		return nil, s.shardNotFound(it.stream, it.shard)
	}
	if err := s.dataReady(st); err != nil {
		return nil, err
	}
	if _, ok := liveShard(st, it.shard, s.now()); !ok {
		return nil, s.shardNotFound(it.stream, it.shard)
	}
	limit := wire.MaxGetRecordsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	id := shardlog.ShardID{Stream: st.UID, Shard: it.shard}
	msh := s.cfg.Metrics.Stream(st.Name, st.UID).Shard(it.shard)
	if !s.limits.admitRead(id) {
		msh.ReadThrottled()
		return nil, s.readThrottled(st.Name, it.shard)
	}
	b, err := s.log.Read(ctx, id, it.offset, limit, wire.MaxGetRecordsSize)
	if err != nil {
		return nil, s.logError(it.stream, it.shard, err)
	}
	out := &getRecordsOutput{shard: it.shard, batch: b}
	if recordEncryption(st) != encryptionNone || anyEncrypted(b.Records) {
		out.encryption = encryptionKMS
	}
	if s.limits != nil {
		n := 0
		for i := range b.Records {
			n += b.Records[i].Size()
		}
		s.limits.chargeRead(id, n)
	}
	switch {
	case b.Next >= b.Tip:
		out.behind = 0
	case len(b.Records) > 0:
		out.behind = max(0, now-b.Records[len(b.Records)-1].Timestamp)
	default:
		out.behind = max(0, now-b.TipTimestamp)
	}
	if msh != nil {
		size := 0
		for i := range b.Records {
			size += len(b.Records[i].Data)
		}
		msh.Get(len(b.Records), size, out.behind)
	}
	if b.Ended {
		// The log ends a shard a moment before meta closes it (a reshard
		// between its seal and its commit, reshard.go): look at the latest
		// snapshot, and while the shard is still open there, hand back an
		// iterator to retry rather than end the shard without children.
		if cur, ok := s.meta.Stream(st.Name); ok && cur.UID == st.UID {
			st = cur
		}
		if sh, ok := findShard(st, it.shard); ok && !sh.Closed {
			out.next = s.data.iters.encode(iterator{uid: st.UID, shard: it.shard, offset: b.Next, issued: now, stream: st.Name})
		} else {
			out.children = childShards(st, it.shard)
		}
	} else {
		out.next = s.data.iters.encode(iterator{uid: st.UID, shard: it.shard, offset: b.Next, issued: now, stream: st.Name})
	}
	return out, nil
}

// childShards lists the shards made from shard idx by a split or merge.
func childShards(st *meta.Stream, idx uint32) []wire.ChildShard {
	out := []wire.ChildShard{}
	for _, sh := range st.Shards {
		isChild := sh.Parent != nil && *sh.Parent == idx || sh.AdjacentParent != nil && *sh.AdjacentParent == idx
		if !isChild {
			continue
		}
		c := wire.ChildShard{
			ShardId:      shardIDString(sh.Index),
			HashKeyRange: wire.HashKeyRange{StartingHashKey: sh.HashKeyStart, EndingHashKey: sh.HashKeyEnd},
		}
		if sh.Parent != nil {
			c.ParentShards = append(c.ParentShards, shardIDString(*sh.Parent))
		}
		if sh.AdjacentParent != nil {
			c.ParentShards = append(c.ParentShards, shardIDString(*sh.AdjacentParent))
		}
		out = append(out, c)
	}
	return out
}

// anyEncrypted reports whether a record of recs was stored encrypted.
func anyEncrypted(recs []shardlog.Record) bool {
	for i := range recs {
		if recs[i].Flags&shardlog.FlagEncrypted != 0 {
			return true
		}
	}
	return false
}

// storedEncryption is the EncryptionType of record r: KMS when it was
// stored encrypted, else NONE.
func storedEncryption(r *shardlog.Record) string {
	if r.Flags&shardlog.FlagEncrypted != 0 {
		return encryptionKMS
	}
	return encryptionNone
}

// getRecordsOutput is the GetRecords response, encoded by AppendJSON.
type getRecordsOutput struct {
	shard      uint32
	batch      shardlog.Batch
	next       string // "" once the shard has ended
	behind     int64
	children   []wire.ChildShard // set once the shard has ended
	encryption string
	hint       int // sizeHint's result, once computed
}

// release implements releaser: the batch's read buffers go back to the
// shard log once the reply is written.
func (o *getRecordsOutput) release() { o.batch.Release() }

// sizeHint bounds the JSON reply's size, so the adapter can take a buffer
// of the right size class from its pool.
func (o *getRecordsOutput) sizeHint() int {
	if o.hint > 0 {
		return o.hint // computed once per reply: the pool and AppendJSON both ask
	}
	need := 128 + len(o.next)
	for i := range o.batch.Records {
		r := &o.batch.Records[i]
		need += 160 + base64.StdEncoding.EncodedLen(len(r.Data)) + 6*len(r.PartitionKey)
	}
	o.hint = need
	return need
}

// AppendJSON implements jsonAppender. It sizes the buffer once and writes
// every record's data as base64 straight into it.
func (o *getRecordsOutput) AppendJSON(dst []byte) []byte {
	if need := o.sizeHint(); cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need), dst...)
	}
	dst = append(dst, `{"Records":[`...)
	for i := range o.batch.Records {
		r := &o.batch.Records[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"SequenceNumber":"`...)
		dst = seqnum.AppendEncode(dst, o.shard, r.Offset)
		dst = append(dst, `","ApproximateArrivalTimestamp":`...)
		dst = wire.Timestamp{Time: time.UnixMilli(r.Timestamp)}.AppendJSON(dst)
		dst = append(dst, `,"Data":"`...)
		dst = wire.AppendBlob(dst, r.Data)
		dst = append(dst, `","PartitionKey":`...)
		dst = wire.AppendJSONString(dst, r.PartitionKey, true)
		if o.encryption != "" {
			dst = append(dst, `,"EncryptionType":"`...)
			dst = append(dst, storedEncryption(r)...)
			dst = append(dst, '"')
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if o.next != "" {
		dst = append(dst, `,"NextShardIterator":"`...)
		dst = append(dst, o.next...)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, o.behind, 10)
	if o.children != nil {
		dst = append(dst, `,"ChildShards":[`...)
		for i, c := range o.children {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"ShardId":"`...)
			dst = append(dst, c.ShardId...)
			dst = append(dst, `","ParentShards":[`...)
			for j, p := range c.ParentShards {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, '"')
				dst = append(dst, p...)
				dst = append(dst, '"')
			}
			dst = append(dst, `],"HashKeyRange":{"StartingHashKey":"`...)
			dst = append(dst, c.HashKeyRange.StartingHashKey...)
			dst = append(dst, `","EndingHashKey":"`...)
			dst = append(dst, c.HashKeyRange.EndingHashKey...)
			dst = append(dst, `"}}`...)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}
