package kinesis

// The record actions (data plane): PutRecord, PutRecords, GetShardIterator
// and GetRecords, and the helpers they share: stream-name validation, shard
// ids, the readiness check and the mapping of shard log errors.

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// dataState is the record actions' private state.
type dataState struct {
	routes routeCache
	iters  iteratorCodec
}

func (s *Server) initData() {
	s.data.iters = iteratorCodec{key: s.cfg.IteratorKey}
}

// dataOps lists the record actions: puts, iterators and reads.
func (s *Server) dataOps() map[string]op {
	return map[string]op{
		"PutRecord":        handle(s.putRecord),
		"PutRecords":       s.putRecordsOp,
		"GetShardIterator": handle(s.getShardIterator),
		"GetRecords":       s.getRecordsOp,
		"SubscribeToShard": newFanout(s).subscribeOp,
	}
}

// validateStream checks the StreamName and StreamARN members with the
// request's others, as AWS counts them all in one ValidationException;
// nil members are left to the resolver, which decides between the two.
func validateStream(v *wire.Validation, name, arn *string) {
	if name != nil {
		checkStreamName(v, "streamName", *name)
	}
	if arn != nil {
		checkStreamARN(v, *arn)
	}
}

// isDecimal reports whether s matches 0|([1-9]\d{0,max-1}), the pattern
// AWS gives hash keys (max 39) and sequence numbers (max 129).
func isDecimal(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	if s[0] == '0' {
		return len(s) == 1
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const (
	hashKeyPattern = `Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})`
	seqNumPattern  = `Member must satisfy regular expression pattern: 0|([1-9]\d{0,128})`
)

// dataReady fails unless records can be put to or read from st: on AWS a
// stream that is CREATING or DELETING is "not found" to the data plane.
func (s *Server) dataReady(st *meta.Stream) error {
	switch st.Effective(s.now()) {
	case meta.StatusActive, meta.StatusUpdating:
		return nil
	}
	return s.notFound(st.Name)
}

// shardIDString renders a shard index as AWS does: shardId-000000000007.
func shardIDString(idx uint32) string {
	return string(appendShardID(make([]byte, 0, 20), idx))
}

func appendShardID(dst []byte, idx uint32) []byte {
	dst = append(dst, "shardId-"...)
	var tmp [12]byte
	v := uint64(idx)
	for i := len(tmp) - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, tmp[:]...)
}

// parseShardID reads a shard id as AWS does: "shardId-000000000001", or
// leniently anything whose part after the first '-' (or the whole string
// when there is none) is a decimal index, such as "shardId-1" or "1".
func parseShardID(id string) (uint32, bool) {
	digits := id
	for i := 0; i < len(id); i++ {
		if id[i] == '-' {
			digits = id[i+1:]
			// Only the part up to the next '-' counts, as in "a-1-b".
			for j := 0; j < len(digits); j++ {
				if digits[j] == '-' {
					digits = digits[:j]
					break
				}
			}
			break
		}
	}
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > 2147483647 {
		return 0, false
	}
	return uint32(n), true
}

// liveShard is findShard for the data actions: a closed shard whose
// records have all passed the retention period is expired, and AWS answers
// for it as for a shard that never existed, even before the janitor
// (expireShards) has removed it.
func liveShard(st *meta.Stream, idx uint32, now time.Time) (*meta.Shard, bool) {
	sh, ok := findShard(st, idx)
	if !ok || shardExpired(st, sh, now) {
		return nil, false
	}
	return sh, true
}

// findShard returns the shard of st with index idx.
func findShard(st *meta.Stream, idx uint32) (*meta.Shard, bool) {
	lo, hi := 0, len(st.Shards)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if st.Shards[m].Index < idx {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(st.Shards) && st.Shards[lo].Index == idx {
		return &st.Shards[lo], true
	}
	return nil, false
}

// shardNotFound is the ResourceNotFoundException for a missing shard.
func (s *Server) shardNotFound(stream string, idx uint32) error {
	return wire.ResourceNotFound("Shard %s in stream %s under account %s does not exist", shardIDString(idx), stream, s.cfg.Account)
}

// logError maps a shard log error of stream/shard to the API error; errors
// that are not the client's become InternalFailure (and are logged by
// writeError).
func (s *Server) logError(stream string, idx uint32, err error) error {
	switch {
	case errors.Is(err, shardlog.ErrShardNotFound):
		return s.shardNotFound(stream, idx)
	default:
		return fmt.Errorf("stream %s shard %d: %w", stream, idx, err)
	}
}

// recordEncryption is the EncryptionType the record actions report.
func recordEncryption(st *meta.Stream) string {
	if st.EncryptionType == "" {
		return "NONE"
	}
	return st.EncryptionType
}

// putEncryption is a put reply's EncryptionType for records stored sealed
// at rest or not (shardlog.AppendResult.Encrypted), as storedEncryption
// reports a read record.
func putEncryption(sealed bool) string {
	if sealed {
		return encryptionKMS
	}
	return encryptionNone
}
