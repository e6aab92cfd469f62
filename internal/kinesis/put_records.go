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
// The record size limit is the stream's MaxRecordSizeInKiB
// (UpdateMaxRecordSize; 1 MiB by default, and then 10 MiB per request
// instead of 5). With Config.EnforceLimits each shard group is checked
// against its shard's write budget in request order (throughput.go): a
// record over it gets ErrorCode ProvisionedThroughputExceededException and
// AWS's ErrorMessage "Rate exceeded for shard shardId-… in stream X under
// account Y." and is not written; the others are.

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// putRecordsOp is the PutRecords op: its own fast decoder (JSON in place, or
// CBOR), with authorization, instead of the generic handle adapter.
func (s *Server) putRecordsOp(ctx context.Context, c *call) (any, error) {
	req, err := c.decodePutRecords()
	if err != nil {
		return nil, err
	}
	return s.putRecords(ctx, req)
}

// validatePutRecords checks the request members as AWS's model does;
// maxRecord is the stream's record size limit (data plus partition key).
// With auto (the AUTO distribution strategy) partition keys may be absent.
func validatePutRecords(req *putRecordsRequest, maxRecord int, auto bool) error {
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
				if !auto {
					v.Null(member("partitionKey"))
				}
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
			} else if len(e.data)+len(e.pk) > maxRecord {
				v.FailNoValue(member("data"), "Member must have length less than or equal to "+strconv.Itoa(maxRecord))
			}
		}
	}
	validateStream(&v, req.streamName, req.streamARN)
	if err := v.Err(); err != nil {
		return err
	}
	total := 0
	for i := range req.records {
		total += len(req.records[i].data) + len(req.records[i].pk)
	}
	limit := wire.MaxPutRecordsSize
	if maxRecord > wire.MaxRecordSize {
		limit = maxLargePutRecordsSize
	}
	if total > limit {
		return wire.InvalidArgument("Records size exceeds 5 MB limit")
	}
	return nil
}

// maxLargePutRecordsSize bounds a PutRecords to a stream whose records may
// be larger than 1 MiB (UpdateMaxRecordSize).
const maxLargePutRecordsSize = 10 << 20

// putResult is the outcome of one record.
type putResult struct {
	offset    uint64
	shard     uint32
	failed    bool // not written; InternalFailure unless throttled
	throttled bool // failed: over the shard's write budget
}

// errorCode is the ErrorCode of a failed record.
func (r *putResult) errorCode() string {
	if r.throttled {
		return "ProvisionedThroughputExceededException"
	}
	return "InternalFailure"
}

// errorMessage is the ErrorMessage of a failed record (AWS's wording).
func (o *putRecordsOutput) errorMessage(r *putResult) string {
	if r.throttled && o.throttle != nil {
		return o.throttle(o.stream, r.shard)
	}
	return "Internal service failure."
}

// putRecordsOutput is the PutRecords response, encoded without
// encoding/json (see AppendJSON).
type putRecordsOutput struct {
	results    []putResult
	failed     int
	encryption string
	stream     string                                   // for throttling messages
	throttle   func(stream string, shard uint32) string // Server.writeThrottled
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
			dst = append(dst, `{"ErrorCode":"`...)
			dst = append(dst, r.errorCode()...)
			dst = append(dst, `","ErrorMessage":"`...)
			dst = append(dst, o.errorMessage(&r)...) // stream names and shard ids need no escaping
			dst = append(dst, `"}`...)
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
	placed  []placed // set when the shard was closed by a reshard and the records were re-routed
}

func (s *Server) putRecords(ctx context.Context, req *putRecordsRequest) (*putRecordsOutput, error) {
	began := time.Now()
	maxRecord, auto := s.recordRules(req.streamName, req.streamARN)
	if err := validatePutRecords(req, maxRecord, auto); err != nil {
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
	ms := s.cfg.Metrics.Stream(st.Name, st.UID)
	n := len(req.records)
	// Route every record; pos[i] is the route of record i.
	pos := make([]int32, n)
	counts := make([]int32, len(table.routes))
	var rr uint64
	if auto {
		rr = s.autoRoutes(n)
	}
	for i := range req.records {
		e := &req.records[i]
		if auto {
			// AUTO distribution: keys are ignored; spread evenly.
			p := int((rr + uint64(i)) % uint64(len(table.routes)))
			e.ehk = nil
			pos[i] = int32(p)
			counts[p]++
			continue
		}
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
	enc := recordEncryption(st)
	out := &putRecordsOutput{results: make([]putResult, n), encryption: enc, stream: st.Name, throttle: s.writeThrottled}
	if s.limits != nil {
		groups = s.throttleGroups(st.UID, groups, out, ms)
	}
	s.appendGroups(ctx, st.UID, groups)
	for gi := range groups {
		// A reshard closed this shard after routing: append the group's
		// records again on the new routing (reshard.go).
		if g := &groups[gi]; errors.Is(g.err, shardlog.ErrShardClosed) {
			g.placed, g.err = s.appendRerouted(ctx, st.Name, st.UID, g.entries), nil
		}
	}
	// EncryptionType is how the stored records were stored: KMS only if
	// every one was sealed (Start/StopStreamEncryption can land between
	// the shards' appends); the stream's setting if none was stored.
	stored, sealed := 0, 0
	for gi := range groups {
		g := &groups[gi]
		if g.err != nil {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.logger.Warn("PutRecords append failed", "stream", st.Name, "shard", g.shard, "err", g.err)
		}
		countGroup(ms, g)
		for k, i := range g.records {
			if g.placed != nil {
				if p := g.placed[k]; p.err != nil {
					out.results[i] = putResult{failed: true}
					out.failed++
				} else {
					out.results[i] = putResult{shard: p.shard, offset: p.offset}
					stored++
					if p.encrypted {
						sealed++
					}
				}
				continue
			}
			if g.err != nil {
				out.results[i] = putResult{failed: true}
				out.failed++
				continue
			}
			out.results[i] = putResult{shard: g.shard, offset: g.res.FirstOffset + uint64(k)}
			stored++
			if g.res.Encrypted {
				sealed++
			}
		}
	}
	if stored > 0 {
		out.encryption = putEncryption(sealed == stored)
	}
	ms.ObservePutRecords(time.Since(began))
	return out, nil
}

// countGroup adds a group's outcome to its shard's metrics: one lookup
// and a few atomic adds per group, never per record (except for records
// re-routed by a concurrent reshard, which are rare).
func countGroup(ms *metrics.Stream, g *appendGroup) {
	if ms == nil {
		return
	}
	if g.placed != nil {
		for k, p := range g.placed {
			if p.err != nil {
				ms.Shard(g.shard).Failed(1)
			} else {
				ms.Shard(p.shard).Put(1, len(g.entries[k].Data))
			}
		}
		return
	}
	if g.err != nil {
		ms.Shard(g.shard).Failed(len(g.entries))
		return
	}
	size := 0
	for i := range g.entries {
		size += len(g.entries[i].Data)
	}
	ms.Shard(g.shard).Put(len(g.entries), size)
}

// throttleGroups takes each group's records from its shard's write budget,
// marks the refused ones throttled in out and returns the groups left with
// something to append (their kept records, in order).
func (s *Server) throttleGroups(uid uint64, groups []appendGroup, out *putRecordsOutput, ms *metrics.Stream) []appendGroup {
	n := 0
	for gi := range groups {
		n = max(n, len(groups[gi].entries))
	}
	keep := make([]bool, n)
	live := groups[:0]
	for gi := range groups {
		g := groups[gi]
		k := keep[:len(g.entries)]
		if refused := s.limits.admitWrite(shardlog.ShardID{Stream: uid, Shard: g.shard}, g.entries, k); refused > 0 {
			ms.Shard(g.shard).WriteThrottled(refused)
			w := 0
			for j := range g.entries {
				if !k[j] {
					out.results[g.records[j]] = putResult{shard: g.shard, failed: true, throttled: true}
					out.failed++
					continue
				}
				g.entries[w], g.records[w] = g.entries[j], g.records[j]
				w++
			}
			g.entries, g.records = g.entries[:w], g.records[:w]
		}
		if len(g.entries) > 0 {
			live = append(live, g)
		}
	}
	return live
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
