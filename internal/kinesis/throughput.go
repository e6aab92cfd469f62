// Throughput limits (Config.EnforceLimits): AWS's per-shard quotas, so a
// client's backoff and retry code can be tested against rheo.
//
// Per shard, as the Kinesis developer guide states them:
//   - writes (PutRecord, PutRecords): 1 MiB/s of data plus partition keys
//     and 1,000 records/s. A record over either budget fails: PutRecords
//     gives that record ErrorCode ProvisionedThroughputExceededException
//     with AWS's ErrorMessage "Rate exceeded for shard shardId-… in stream
//     X under account Y." and appends the others; PutRecord fails the call
//     with the same message.
//   - GetRecords: 5 calls/s and 2 MiB/s. The byte budget may go into debt:
//     a call is refused while the shard's budget is spent, and a call that
//     returns 10 MiB leaves about 4 s of debt, AWS's "throttled for the
//     next 5 seconds" behaviour. The message is AWS's current wording,
//     "Rate exceeded for Shard - <account>/<stream>/shardId-…".
//   - enhanced fan-out: 2 MiB/s per consumer per shard, as a pacing delay
//     (consumerRead) rather than an error, since AWS also paces
//     SubscribeToShard pushes instead of failing them.
//
// Every budget is a token bucket holding one second's worth (AWS-like
// short bursts), refilled continuously by the server clock, so tests that
// advance the clock see exact recovery. Buckets live in 16 lock stripes
// keyed by shard; a PutRecords takes one stripe lock per shard group and
// allocates nothing per record. With limits off s.limits is nil and every
// method is a nil check.
//
// ON_DEMAND streams: AWS gives them the same per-shard limits and scales
// the stream (up to 200 MiB/s writes by default, more with warm
// throughput) by splitting shards. rheo applies the per-shard limits to
// both modes and does not split shards by itself: an ON_DEMAND stream's
// capacity is its shard count (4 at creation) times the per-shard limits.
//
// The per-action call quotas (DescribeStream 10/s per account, ListShards
// 1,000/s per stream, ...) are in call_limits.go.
//
// Known gaps vs AWS: a throttled PutRecords
// record does not consume budget; sub-second burst shapes differ from
// AWS's internal ones.
package kinesis

import (
	"sync"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Per-shard quotas.
const (
	writeBytesPerSec   = 1 << 20
	writeRecordsPerSec = 1000
	readBytesPerSec    = 2 << 20
	readCallsPerSec    = 5
	fanoutBytesPerSec  = 2 << 20
)

// bucket is a token bucket refilled at rate per second up to capacity
// burst; tokens may go negative (debt) where a cost is only known after
// the fact (GetRecords bytes).
type bucket struct {
	tokens float64
	last   int64 // unix ns of the last refill
}

// refill adds what accrued since last, up to burst.
func (b *bucket) refill(now int64, rate, burst float64) {
	if b.last == 0 {
		b.tokens, b.last = burst, now
		return
	}
	if dt := now - b.last; dt > 0 {
		b.tokens = min(burst, b.tokens+float64(dt)*rate/1e9)
		b.last = now
	}
}

// shardBudget is one shard's buckets.
type shardBudget struct {
	wBytes, wRecords, rBytes, rCalls bucket
}

// fanoutKey names one consumer's subscription budget on one shard.
type fanoutKey struct {
	consumer string
	shard    shardlog.ShardID
}

// limStripe is one lock stripe of the limiter.
type limStripe struct {
	mu     sync.Mutex // guards shards and fanout
	shards map[shardlog.ShardID]*shardBudget
	fanout map[fanoutKey]*bucket
}

// limiter enforces the per-shard quotas. A nil *limiter allows everything.
type limiter struct {
	now func() time.Time
	// maxBudgets bounds a stripe's maps: past it, budgets that have fully
	// recovered (so are indistinguishable from new ones) are dropped.
	maxBudgets int
	stripes    [16]limStripe
	calls      callRates // per-action call quotas (call_limits.go)
}

// newLimiter returns the limiter of cfg: nil unless EnforceLimits.
func newLimiter(cfg *Config) *limiter {
	if !cfg.EnforceLimits {
		return nil
	}
	l := &limiter{now: cfg.Now, maxBudgets: 4096, calls: callRates{buckets: make(map[callKey]*bucket)}}
	for i := range l.stripes {
		l.stripes[i].shards = make(map[shardlog.ShardID]*shardBudget)
		l.stripes[i].fanout = make(map[fanoutKey]*bucket)
	}
	return l
}

func (l *limiter) stripe(id shardlog.ShardID) *limStripe {
	h := id.Stream*0x9e3779b97f4a7c15 ^ uint64(id.Shard)*0xbf58476d1ce4e5b9
	return &l.stripes[h>>60]
}

// budget returns id's buckets, refilled to now. Lock should be held.
func (st *limStripe) budget(id shardlog.ShardID, now int64, maxBudgets int) *shardBudget {
	b := st.shards[id]
	if b == nil {
		if len(st.shards) >= maxBudgets {
			st.prune(now)
		}
		b = &shardBudget{}
		st.shards[id] = b
	}
	b.wBytes.refill(now, writeBytesPerSec, writeBytesPerSec)
	b.wRecords.refill(now, writeRecordsPerSec, writeRecordsPerSec)
	b.rBytes.refill(now, readBytesPerSec, readBytesPerSec)
	b.rCalls.refill(now, readCallsPerSec, readCallsPerSec)
	return b
}

// prune drops budgets idle long enough to be full again. Lock should be
// held.
func (st *limStripe) prune(now int64) {
	for id, b := range st.shards {
		if now-max(b.wBytes.last, b.rBytes.last, b.wRecords.last, b.rCalls.last) > 10*int64(time.Second) {
			delete(st.shards, id)
		}
	}
	for k, b := range st.fanout {
		if now-b.last > 10*int64(time.Second) {
			delete(st.fanout, k)
		}
	}
}

// admitWrite decides, in order, which of entries fit id's write budget and
// charges them; keep[i] reports the verdict of entries[i]. It returns how
// many were refused. A nil limiter admits everything.
func (l *limiter) admitWrite(id shardlog.ShardID, entries []shardlog.Entry, keep []bool) int {
	if l == nil {
		for i := range keep {
			keep[i] = true
		}
		return 0
	}
	now := l.now().UnixNano()
	st := l.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.budget(id, now, l.maxBudgets)
	refused := 0
	for i := range entries {
		size := float64(len(entries[i].Data) + len(entries[i].PartitionKey))
		if b.wRecords.tokens >= 1 && b.wBytes.tokens >= size {
			b.wRecords.tokens--
			b.wBytes.tokens -= size
			keep[i] = true
			continue
		}
		keep[i] = false
		refused++
	}
	return refused
}

// admitRead takes one GetRecords call from id's budget: false when the
// shard had 5 calls in the last second or its byte budget is spent.
func (l *limiter) admitRead(id shardlog.ShardID) bool {
	if l == nil {
		return true
	}
	now := l.now().UnixNano()
	st := l.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.budget(id, now, l.maxBudgets)
	if b.rCalls.tokens < 1 || b.rBytes.tokens <= 0 {
		return false
	}
	b.rCalls.tokens--
	return true
}

// chargeRead charges n bytes returned by a GetRecords of id (possibly
// into debt, down to 5 s of reading).
func (l *limiter) chargeRead(id shardlog.ShardID, n int) {
	if l == nil || n == 0 {
		return
	}
	st := l.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.shards[id]
	if b == nil {
		return
	}
	b.rBytes.tokens = max(b.rBytes.tokens-float64(n), -5*readBytesPerSec)
}

// consumerRead charges n bytes pushed to enhanced fan-out consumer (its
// ARN) from shard id and returns how long the subscription should pause
// before its next push so that the consumer stays within 2 MiB/s on this
// shard; 0 means send on. A nil limiter never pauses. SubscribeToShard
// calls it after each event it sends:
//
//	if d := s.limits.consumerRead(consumerARN, id, bytes); d > 0 { wait d or ctx }
func (l *limiter) consumerRead(consumer string, id shardlog.ShardID, n int) time.Duration {
	if l == nil {
		return 0
	}
	now := l.now().UnixNano()
	st := l.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	k := fanoutKey{consumer: consumer, shard: id}
	b := st.fanout[k]
	if b == nil {
		if len(st.fanout) >= l.maxBudgets {
			st.prune(now)
		}
		b = &bucket{}
		st.fanout[k] = b
	}
	b.refill(now, fanoutBytesPerSec, fanoutBytesPerSec)
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / fanoutBytesPerSec * 1e9)
}

// writeThrottled is AWS's message for a write over a shard's budget.
func (s *Server) writeThrottled(stream string, shard uint32) string {
	return "Rate exceeded for shard " + shardIDString(shard) + " in stream " + stream + " under account " + s.cfg.Account + "."
}

// readThrottled is AWS's GetRecords error for a shard over its budget.
func (s *Server) readThrottled(stream string, shard uint32) error {
	return wire.Throughput("Rate exceeded for Shard - %s/%s/%s", s.cfg.Account, stream, shardIDString(shard))
}
