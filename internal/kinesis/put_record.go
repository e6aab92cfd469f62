package kinesis

// PutRecord writes one record to a stream.
//
// Behaviour: validation as AWS's model (PartitionKey 1-256 characters,
// Data not null and, with the partition key, at most 1 MiB, ExplicitHashKey
// and SequenceNumberForOrdering decimal patterns, StreamName pattern);
// ExplicitHashKey above 2^128-1 gives AWS's InvalidArgumentException; a
// missing, CREATING or DELETING stream gives ResourceNotFoundException. The
// record goes to the open shard whose range holds its hash key and the call
// returns once it is durable, with ShardId, SequenceNumber and
// EncryptionType: how the record was stored (KMS if sealed at rest), which
// a StartStreamEncryption or StopStreamEncryption landing during the call
// can make differ from the stream's setting when the call began.
//
// The record size limit is the stream's MaxRecordSizeInKiB
// (UpdateMaxRecordSize; 1 MiB by default). With Config.EnforceLimits a
// record over its shard's write budget fails with
// ProvisionedThroughputExceededException, AWS's wording (throughput.go).
//
// Gaps vs AWS: SequenceNumberForOrdering is checked for form only; rheo
// orders every shard strictly anyway, so it has nothing more to do.

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

func validatePutRecord(in *wire.PutRecordInput, maxRecord int, auto bool) error {
	var v wire.Validation
	if in.PartitionKey == nil {
		if !auto {
			v.Null("partitionKey")
		}
	} else if n := utf16Len(*in.PartitionKey); n < 1 {
		v.Fail("partitionKey", in.PartitionKey, "Member must have length greater than or equal to 1")
	} else if n > maxPartitionKeyLen {
		v.Fail("partitionKey", in.PartitionKey, "Member must have length less than or equal to 256")
	}
	if in.ExplicitHashKey != nil && !isDecimal(*in.ExplicitHashKey, 39) {
		v.Fail("explicitHashKey", in.ExplicitHashKey, hashKeyPattern)
	}
	if in.SequenceNumberForOrdering != nil && !isDecimal(*in.SequenceNumberForOrdering, 129) {
		v.Fail("sequenceNumberForOrdering", in.SequenceNumberForOrdering, seqNumPattern)
	}
	pk := 0
	if in.PartitionKey != nil {
		pk = len(*in.PartitionKey)
	}
	if in.Data == nil {
		v.Null("data")
	} else if len(in.Data)+pk > maxRecord {
		v.FailNoValue("data", "Member must have length less than or equal to "+strconv.Itoa(maxRecord))
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	return v.Err()
}

func (s *Server) putRecord(ctx context.Context, in *wire.PutRecordInput) (*wire.PutRecordOutput, error) {
	start := time.Now()
	maxRecord, auto := s.recordRules(in.StreamName, in.StreamARN)
	if err := validatePutRecord(in, maxRecord, auto); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := s.dataReady(st); err != nil {
		return nil, err
	}
	var key uint128
	if auto {
		// AUTO distribution: the key and hash key are ignored (below).
	} else if in.ExplicitHashKey != nil {
		if key, err = parseHashKey(*in.ExplicitHashKey); err != nil {
			return nil, invalidHashKey(*in.ExplicitHashKey)
		}
	} else {
		key = hashKeyOf([]byte(*in.PartitionKey))
	}
	if o := in.SequenceNumberForOrdering; o != nil && *o != "0" {
		if _, _, err := seqnum.Decode(*o); err != nil && !errors.Is(err, seqnum.ErrStart) {
			return nil, wire.InvalidArgument("ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.", *o, st.Name, s.cfg.Account)
		}
	}
	table, err := s.data.routes.table(st)
	if err != nil {
		return nil, err
	}
	p := table.lookup(key)
	if auto {
		p = int(s.autoRoutes(1) % uint64(len(table.routes)))
	}
	if p < 0 {
		return nil, wire.InternalFailure()
	}
	shard := table.routes[p].shard
	e := [1]shardlog.Entry{{PartitionKey: []byte(strOrEmpty(in.PartitionKey)), Data: in.Data}}
	if in.ExplicitHashKey != nil && !auto {
		e[0].ExplicitHashKey = []byte(*in.ExplicitHashKey)
	}
	id := shardlog.ShardID{Stream: st.UID, Shard: shard}
	if s.limits != nil {
		var keep [1]bool
		if s.limits.admitWrite(id, e[:], keep[:]) > 0 {
			s.cfg.Metrics.Stream(st.Name, st.UID).Shard(shard).WriteThrottled(1)
			return nil, wire.Throughput("%s", s.writeThrottled(st.Name, shard))
		}
	}
	res, err := s.log.Append(ctx, id, e[:])
	if errors.Is(err, shardlog.ErrShardClosed) {
		// A reshard closed the shard after routing: put the record on the
		// new routing (reshard.go).
		p := s.appendRerouted(ctx, st.Name, st.UID, e[:])[0]
		shard, res.FirstOffset, res.Encrypted, err = p.shard, p.offset, p.encrypted, p.err
	}
	if err != nil {
		return nil, s.logError(st.Name, shard, err)
	}
	ms := s.cfg.Metrics.Stream(st.Name, st.UID)
	ms.Shard(shard).Put(1, len(in.Data))
	ms.ObservePutRecord(time.Since(start))
	return &wire.PutRecordOutput{
		ShardId:        shardIDString(shard),
		SequenceNumber: seqnum.Encode(shard, res.FirstOffset),
		EncryptionType: putEncryption(res.Encrypted),
	}, nil
}

// strOrEmpty is *p, or "" for nil.
func strOrEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
