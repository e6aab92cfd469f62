package kinesis

// PutRecords writes 1-500 records to a stream in one call.
//
// Behaviour: the body is decoded by the hand-written decoder of
// codec_put_records.go. Request-level problems reject the whole call as on
// AWS: ValidationException for null or oversized members ('records.3.member.partitionKey',
// 'records.1.member.data' when data plus partition key exceed 1 MiB, more
// than 500 records), InvalidArgumentException "Records size exceeds 5 MB
// limit" and "Invalid ExplicitHashKey ...", ResourceNotFoundException for a
// missing or not yet ACTIVE stream. Otherwise records are routed, grouped by
// shard (keeping request order inside each group, so records of one
// partition key stay in order) and the groups are appended concurrently, so
// their fsyncs overlap in the log's group commit. Each record gets its
// SequenceNumber and ShardId, or ErrorCode "InternalFailure" when its
// shard's append failed (a read-only shard, a shard closed by a concurrent
// reshard); FailedRecordCount counts those.
//
// Gaps vs AWS: no throughput limits, so ProvisionedThroughputExceededException
// never appears; partition key lengths are counted in Unicode code points,
// where AWS counts UTF-16 units (they differ only outside the BMP).

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

func (s *Server) putRecordsOp(ctx context.Context, c *call) (any, error) {
	req, err := decodePutRecords(c.body)
	if err != nil {
		return nil, err
	}
	return s.putRecords(ctx, req)
}

// validatePutRecords checks the request members as AWS's model does.
func validatePutRecords(req *putRecordsRequest) error {
	var v wire.Validation
	switch {
	case !req.hasRecords:
		v.Null("records")
	case len(req.records) < 1:
		v.FailNoValue("records", "Member must have length greater than or equal to 1")
	case len(req.records) > wire.MaxPutRecordsCount:
		v.FailNoValue("records", "Member must have length less than or equal to 500")
	default:
		var path []byte
		for i := range req.records {
			e := &req.records[i]
			member := func(name string) string {
				path = append(path[:0], "records."...)
				path = strconv.AppendInt(path, int64(i+1), 10)
				path = append(path, ".member."...)
				path = append(path, name...)
				return string(path)
			}
			if e.pk == nil {
				v.Null(member("partitionKey"))
			} else if n := utf16Len(e.pk); n < 1 {
				v.Fail(member("partitionKey"), string(e.pk), "Member must have length greater than or equal to 1")
			} else if n > maxPartitionKeyLen {
				v.Fail(member("partitionKey"), string(e.pk), "Member must have length less than or equal to 256")
			}
			if e.ehk != nil && !isDecimal(string(e.ehk), 39) {
				v.Fail(member("explicitHashKey"), string(e.ehk), hashKeyPattern)
			}
			if e.data == nil {
				v.Null(member("data"))
			} else if len(e.data)+len(e.pk) > wire.MaxRecordSize {
				v.FailNoValue(member("data"), "Member must have length less than or equal to 1048576")
			}
		}
	}
	validateStreamName(&v, req.streamName)
	if err := v.Err(); err != nil {
		return err
	}
	total := 0
	for i := range req.records {
		total += len(req.records[i].data) + len(req.records[i].pk)
	}
	if total > wire.MaxPutRecordsSize {
		return wire.InvalidArgument("Records size exceeds 5 MB limit")
	}
	return nil
}

// putResult is the outcome of one record.
type putResult struct {
	offset uint64
	shard  uint32
	failed bool
}

// putRecordsOutput is the PutRecords response, encoded without
// encoding/json (see AppendJSON).
type putRecordsOutput struct {
	results    []putResult
	failed     int
	encryption string
}

// AppendJSON implements jsonAppender.
func (o *putRecordsOutput) AppendJSON(dst []byte) []byte {
	if need := 64 + len(o.results)*(seqnum.Len+56); cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need), dst...)
	}
	dst = append(dst, `{"FailedRecordCount":`...)
	dst = strconv.AppendInt(dst, int64(o.failed), 10)
	dst = append(dst, `,"Records":[`...)
	for i, r := range o.results {
		if i > 0 {
			dst = append(dst, ',')
		}
		if r.failed {
			dst = append(dst, `{"ErrorCode":"InternalFailure","ErrorMessage":"Internal service failure."}`...)
			continue
		}
		dst = append(dst, `{"SequenceNumber":"`...)
		dst = seqnum.AppendEncode(dst, r.shard, r.offset)
		dst = append(dst, `","ShardId":"`...)
		dst = appendShardID(dst, r.shard)
		dst = append(dst, `"}`...)
	}
	dst = append(dst, `],"EncryptionType":"`...)
	dst = append(dst, o.encryption...)
	return append(dst, `"}`...)
}

// appendGroup is one shard's share of a PutRecords.
type appendGroup struct {
	shard   uint32
	entries []shardlog.Entry
	records []int32 // request positions of entries
	res     shardlog.AppendResult
	err     error
}

func (s *Server) putRecords(ctx context.Context, req *putRecordsRequest) (*putRecordsOutput, error) {
	if err := validatePutRecords(req); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, req.streamName, req.streamARN)
	if err != nil {
		return nil, err
	}
	if err := s.dataReady(st); err != nil {
		return nil, err
	}
	table, err := s.data.routes.table(st)
	if err != nil {
		return nil, err
	}
	n := len(req.records)
	// Route every record; pos[i] is the route of record i.
	pos := make([]int32, n)
	counts := make([]int32, len(table.routes))
	for i := range req.records {
		e := &req.records[i]
		var key uint128
		if e.ehk != nil {
			if key, err = parseHashKey(string(e.ehk)); err != nil {
				return nil, invalidHashKey(string(e.ehk))
			}
		} else {
			key = hashKeyOf(e.pk)
		}
		p := table.lookup(key)
		if p < 0 {
			return nil, errors.New("no open shard holds hash key " + key.String())
		}
		pos[i] = int32(p)
		counts[p]++
	}
	// Counting sort into per-shard groups that keep request order.
	groups := make([]appendGroup, 0, min(n, len(table.routes)))
	entries := make([]shardlog.Entry, n)
	order := make([]int32, n)
	start := make([]int32, len(table.routes))
	at := int32(0)
	for p, c := range counts {
		start[p] = at
		if c > 0 {
			groups = append(groups, appendGroup{shard: table.routes[p].shard, entries: entries[at : at+c : at+c], records: order[at : at+c : at+c]})
		}
		at += c
	}
	for i := range req.records {
		e := &req.records[i]
		p := pos[i]
		j := start[p]
		start[p]++
		entries[j] = shardlog.Entry{PartitionKey: e.pk, ExplicitHashKey: e.ehk, Data: e.data}
		order[j] = int32(i)
	}
	s.appendGroups(ctx, st.UID, groups)
	enc := recordEncryption(st)
	out := &putRecordsOutput{results: make([]putResult, n), encryption: enc}
	for gi := range groups {
		g := &groups[gi]
		if g.err != nil {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.logger.Warn("PutRecords append failed", "stream", st.Name, "shard", g.shard, "err", g.err)
		}
		for k, i := range g.records {
			if g.err != nil {
				out.results[i] = putResult{failed: true}
				out.failed++
				continue
			}
			out.results[i] = putResult{shard: g.shard, offset: g.res.FirstOffset + uint64(k)}
		}
	}
	return out, nil
}

// appendGroups appends every group to its shard, concurrently, so the
// groups share fsyncs; the last group runs on the caller's goroutine.
func (s *Server) appendGroups(ctx context.Context, uid uint64, groups []appendGroup) {
	var wg sync.WaitGroup
	for gi := range groups {
		g := &groups[gi]
		do := func() {
			g.res, g.err = s.log.Append(ctx, shardlog.ShardID{Stream: uid, Shard: g.shard}, g.entries)
		}
		if gi == len(groups)-1 {
			do()
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			do()
		}()
	}
	wg.Wait()
}

// invalidHashKey is AWS's error for an ExplicitHashKey outside [0, 2^128-1].
func invalidHashKey(v string) error {
	return wire.InvalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", v)
}
