package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label names of the Kinesis series: CloudWatch's StreamName, ShardId and
// ConsumerName dimensions.
const (
	labelStream   = "stream"
	labelShard    = "shard"
	labelConsumer = "consumer"
)

// latencyBuckets (seconds) span a group-committed append on a fast disk
// (sub-millisecond) to a slow fsync.
var latencyBuckets = []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}

// kinesisVecs are the Kinesis Data Streams metric families.
type kinesisVecs struct {
	incomingBytes, incomingRecords  *prometheus.CounterVec
	failedRecords                   *prometheus.CounterVec
	getBytes, getRecords            *prometheus.CounterVec
	iteratorAge                     *prometheus.GaugeVec
	readExceeded, writeExceeded     *prometheus.CounterVec
	putRecordLatency, putRecordsLat *prometheus.HistogramVec
	subBehind                       *prometheus.GaugeVec
	subRecords, subBytes            *prometheus.CounterVec
	byStream, byShard, byConsumer   []prometheus.Collector
}

func newKinesisVecs(reg prometheus.Registerer) kinesisVecs {
	shard := []string{labelStream, labelShard}
	consumer := []string{labelStream, labelShard, labelConsumer}
	counter := func(name, cw, help string, labels []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "kinesis", Name: name,
			Help: "CloudWatch " + cw + ": " + help,
		}, labels)
	}
	gauge := func(name, cw, help string, labels []string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "kinesis", Name: name,
			Help: "CloudWatch " + cw + ": " + help,
		}, labels)
	}
	hist := func(name, cw, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "kinesis", Name: name,
			Help:    "CloudWatch " + cw + ": " + help,
			Buckets: latencyBuckets,
		}, []string{labelStream})
	}
	v := kinesisVecs{
		incomingBytes:    counter("incoming_bytes_total", "IncomingBytes", "bytes of record data successfully put (PutRecord and PutRecords).", shard),
		incomingRecords:  counter("incoming_records_total", "IncomingRecords", "records successfully put (PutRecord and PutRecords).", shard),
		failedRecords:    counter("put_records_failed_records_total", "PutRecords.FailedRecords", "records of PutRecords rejected by an internal failure.", shard),
		getBytes:         counter("get_records_bytes_total", "GetRecords.Bytes", "bytes of record data returned by GetRecords.", shard),
		getRecords:       counter("get_records_records_total", "GetRecords.Records", "records returned by GetRecords.", shard),
		iteratorAge:      gauge("get_records_iterator_age_seconds", "GetRecords.IteratorAgeMilliseconds", "age of the last record of the latest GetRecords call, in seconds (CloudWatch: milliseconds; 0 when caught up).", shard),
		readExceeded:     counter("read_provisioned_throughput_exceeded_total", "ReadProvisionedThroughputExceeded", "GetRecords calls throttled (--enforce-limits).", shard),
		writeExceeded:    counter("write_provisioned_throughput_exceeded_total", "WriteProvisionedThroughputExceeded", "records rejected over the shard's write limit (--enforce-limits).", shard),
		putRecordLatency: hist("put_record_latency_seconds", "PutRecord.Latency", "time taken by successful PutRecord calls, in seconds (CloudWatch: milliseconds)."),
		putRecordsLat:    hist("put_records_latency_seconds", "PutRecords.Latency", "time taken by successful PutRecords calls, in seconds (CloudWatch: milliseconds)."),
		subBehind:        gauge("subscribe_to_shard_event_behind_latest_seconds", "SubscribeToShardEvent.MillisBehindLatest", "MillisBehindLatest of the latest event pushed to the fan-out consumer, in seconds.", consumer),
		subRecords:       counter("subscribe_to_shard_event_records_total", "SubscribeToShardEvent.Records", "records pushed to the fan-out consumer.", consumer),
		subBytes:         counter("subscribe_to_shard_event_bytes_total", "SubscribeToShardEvent.Bytes", "bytes of record data pushed to the fan-out consumer.", consumer),
	}
	v.byStream = []prometheus.Collector{v.putRecordLatency, v.putRecordsLat}
	v.byShard = []prometheus.Collector{v.incomingBytes, v.incomingRecords, v.failedRecords, v.getBytes, v.getRecords, v.iteratorAge, v.readExceeded, v.writeExceeded}
	v.byConsumer = []prometheus.Collector{v.subBehind, v.subRecords, v.subBytes}
	for _, group := range [][]prometheus.Collector{v.byStream, v.byShard, v.byConsumer} {
		reg.MustRegister(group...)
	}
	return v
}

// deleter is what every metric vector can do: drop series by labels.
type deleter interface {
	DeletePartialMatch(prometheus.Labels) int
	DeleteLabelValues(...string) bool
}

// Stream is one Kinesis stream's metrics, made on first use by the API and
// kept until the stream is deleted. Hold it for the length of a call:
// every method is a few atomic adds, with no label lookups.
type Stream struct {
	r    *Registry
	name string
	uid  uint64

	putRecord, putRecords prometheus.Observer
	records, bytes        atomic.Uint64 // for StreamTotals

	mu     sync.Mutex               // guards growing shards and subs
	shards atomic.Pointer[[]*Shard] // by shard index; nil until used
	subs   map[subKey]*Subscription // fan-out subscriptions, by consumer and shard
}

// subKey names a consumer's subscription to one shard.
type subKey struct {
	consumer string
	shard    uint32
}

// Stream returns the metrics of the stream name with the given UID,
// making them on first use. A stream deleted and created again under the
// same name gets a new UID and starts from zero. It costs one map lookup;
// callers look it up once per call, never per record.
func (r *Registry) Stream(name string, uid uint64) *Stream {
	if r == nil {
		return nil
	}
	if v, ok := r.streams.Load(uid); ok {
		return v.(*Stream)
	}
	r.names.Lock()
	defer r.names.Unlock()
	if v, ok := r.streams.Load(uid); ok {
		return v.(*Stream)
	}
	// A stream of the same name and another UID is gone: its series share
	// the labels the new one will use.
	r.streams.Range(func(k, v any) bool {
		if old := v.(*Stream); old.name == name {
			r.dropLocked(old)
		}
		return true
	})
	s := &Stream{
		r: r, name: name, uid: uid,
		putRecord:  r.kinesis.putRecordLatency.WithLabelValues(name),
		putRecords: r.kinesis.putRecordsLat.WithLabelValues(name),
		subs:       make(map[subKey]*Subscription),
	}
	r.streams.Store(uid, s)
	return s
}

// dropLocked forgets s and deletes its series. r.names should be held.
func (r *Registry) dropLocked(s *Stream) {
	r.streams.Delete(s.uid)
	l := prometheus.Labels{labelStream: s.name}
	for _, group := range [][]prometheus.Collector{r.kinesis.byStream, r.kinesis.byShard, r.kinesis.byConsumer} {
		for _, c := range group {
			c.(deleter).DeletePartialMatch(l)
		}
	}
}

// Prune drops the series of streams and consumers that Options says no
// longer exist. The /metrics handler and StreamTotals call it.
func (r *Registry) Prune() {
	if r == nil {
		return
	}
	r.names.Lock()
	defer r.names.Unlock()
	r.streams.Range(func(_, v any) bool {
		s := v.(*Stream)
		if r.opts.StreamLive != nil && !r.opts.StreamLive(s.name, s.uid) {
			r.dropLocked(s)
			return true
		}
		if r.opts.ShardLive != nil {
			s.pruneShards(r.opts.ShardLive)
		}
		if r.opts.ConsumerLive != nil {
			s.pruneConsumers(r.opts.ConsumerLive)
		}
		return true
	})
}

// pruneShards drops the series of shards that no longer exist. Callers
// still holding such a *Shard add to counters no scrape reports, which is
// harmless: an expired shard takes no writes and serves no reads.
func (s *Stream) pruneShards(live func(string, uint64, uint32) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.shards.Load()
	if p == nil {
		return
	}
	var next []*Shard
	for idx, sh := range *p {
		if sh == nil || live(s.name, s.uid, uint32(idx)) {
			continue
		}
		if next == nil {
			next = append([]*Shard(nil), (*p)...)
		}
		next[idx] = nil
		id := shardID(uint32(idx))
		for _, c := range s.r.kinesis.byShard {
			c.(deleter).DeleteLabelValues(s.name, id)
		}
		for _, c := range s.r.kinesis.byConsumer {
			c.(deleter).DeletePartialMatch(prometheus.Labels{labelStream: s.name, labelShard: id})
		}
		for k := range s.subs {
			if k.shard == uint32(idx) {
				delete(s.subs, k)
			}
		}
	}
	if next != nil {
		s.shards.Store(&next)
	}
}

// pruneConsumers drops the series of deregistered consumers.
func (s *Stream) pruneConsumers(live func(uint64, string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.subs {
		if live(s.uid, k.consumer) {
			continue
		}
		delete(s.subs, k)
		for _, c := range s.r.kinesis.byConsumer {
			c.(deleter).DeleteLabelValues(s.name, shardID(k.shard), k.consumer)
		}
	}
}

// shardID renders a shard index as CloudWatch's ShardId dimension does.
func shardID(idx uint32) string {
	s := strconv.FormatUint(uint64(idx), 10)
	const zeros = "000000000000"
	if len(s) < len(zeros) {
		s = zeros[len(s):] + s
	}
	return "shardId-" + s
}

// ObservePutRecord records the latency of a successful PutRecord.
func (s *Stream) ObservePutRecord(d time.Duration) {
	if s != nil {
		s.putRecord.Observe(d.Seconds())
	}
}

// ObservePutRecords records the latency of a successful PutRecords.
func (s *Stream) ObservePutRecords(d time.Duration) {
	if s != nil {
		s.putRecords.Observe(d.Seconds())
	}
}

// Shard returns the metrics of shard idx, making them on first use: an
// atomic load and a slice index on the hot path.
func (s *Stream) Shard(idx uint32) *Shard {
	if s == nil {
		return nil
	}
	if p := s.shards.Load(); p != nil && int(idx) < len(*p) {
		if sh := (*p)[idx]; sh != nil {
			return sh
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur []*Shard
	if p := s.shards.Load(); p != nil {
		cur = *p
		if int(idx) < len(cur) && cur[idx] != nil {
			return cur[idx]
		}
	}
	next := make([]*Shard, max(len(cur), int(idx)+1))
	copy(next, cur)
	v, id := &s.r.kinesis, shardID(idx)
	sh := &Shard{
		stream:          s,
		incomingBytes:   v.incomingBytes.WithLabelValues(s.name, id),
		incomingRecords: v.incomingRecords.WithLabelValues(s.name, id),
		failedRecords:   v.failedRecords.WithLabelValues(s.name, id),
		getBytes:        v.getBytes.WithLabelValues(s.name, id),
		getRecords:      v.getRecords.WithLabelValues(s.name, id),
		iteratorAge:     v.iteratorAge.WithLabelValues(s.name, id),
		readExceeded:    v.readExceeded.WithLabelValues(s.name, id),
		writeExceeded:   v.writeExceeded.WithLabelValues(s.name, id),
	}
	next[idx] = sh
	s.shards.Store(&next)
	return sh
}

// Shard is one shard's metrics. A nil *Shard records nothing.
type Shard struct {
	stream                         *Stream
	incomingBytes, incomingRecords prometheus.Counter
	failedRecords                  prometheus.Counter
	getBytes, getRecords           prometheus.Counter
	iteratorAge                    prometheus.Gauge
	readExceeded, writeExceeded    prometheus.Counter
}

// Put counts records (with bytes of data) durably appended to the shard.
func (sh *Shard) Put(records, bytes int) {
	if sh == nil || records == 0 {
		return
	}
	sh.incomingRecords.Add(float64(records))
	sh.incomingBytes.Add(float64(bytes))
	sh.stream.records.Add(uint64(records))
	sh.stream.bytes.Add(uint64(bytes))
}

// Failed counts PutRecords records that failed for an internal reason.
func (sh *Shard) Failed(records int) {
	if sh != nil && records > 0 {
		sh.failedRecords.Add(float64(records))
	}
}

// WriteThrottled counts records refused over the shard's write budget.
func (sh *Shard) WriteThrottled(records int) {
	if sh != nil && records > 0 {
		sh.writeExceeded.Add(float64(records))
	}
}

// ReadThrottled counts one GetRecords call refused over the read budget.
func (sh *Shard) ReadThrottled() {
	if sh != nil {
		sh.readExceeded.Inc()
	}
}

// Get counts a GetRecords answer: records, their data bytes, and its
// MillisBehindLatest, which is the iterator age.
func (sh *Shard) Get(records, bytes int, iteratorAgeMs int64) {
	if sh == nil {
		return
	}
	if records > 0 {
		sh.getRecords.Add(float64(records))
		sh.getBytes.Add(float64(bytes))
	}
	sh.iteratorAge.Set(float64(iteratorAgeMs) / 1000)
}

// Subscription is one fan-out consumer's metrics on one shard, shared by
// that consumer's successive subscriptions to the shard.
type Subscription struct {
	behindVec      *prometheus.GaugeVec
	labels         [3]string // stream, shard, consumer
	records, bytes prometheus.Counter

	mu         sync.Mutex
	open       int              // subscriptions running now
	behind     prometheus.Gauge // nil while none runs: no lag to report
	lastBehind int64            // for StreamTotals, valid when hasBehind
	hasBehind  bool
}

// Subscription returns the metrics of consumer reading shard idx by
// SubscribeToShard; look it up once per subscription, and bracket the
// subscription with Open and Close.
func (s *Stream) Subscription(consumer string, idx uint32) *Subscription {
	if s == nil {
		return nil
	}
	k := subKey{consumer: consumer, shard: idx}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subs[k]; sub != nil {
		return sub
	}
	v, id := &s.r.kinesis, shardID(idx)
	sub := &Subscription{
		behindVec: v.subBehind,
		labels:    [3]string{s.name, id, consumer},
		records:   v.subRecords.WithLabelValues(s.name, id, consumer),
		bytes:     v.subBytes.WithLabelValues(s.name, id, consumer),
	}
	s.subs[k] = sub
	return sub
}

// Open marks a subscription as started.
func (sub *Subscription) Open() {
	if sub == nil {
		return
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.open++; sub.open == 1 {
		sub.behind = sub.behindVec.WithLabelValues(sub.labels[:]...)
	}
}

// Close marks a subscription as ended. When none is left, the consumer's
// MillisBehindLatest on the shard is withdrawn (the series disappears and
// StreamTotals leaves it out) rather than left at its last value: with no
// subscription there is no lag, as CloudWatch then has no data points.
func (sub *Subscription) Close() {
	if sub == nil {
		return
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.open--; sub.open == 0 {
		sub.behindVec.DeleteLabelValues(sub.labels[:]...)
		sub.behind, sub.hasBehind = nil, false
	}
}

// Event records one SubscribeToShardEvent pushed to the consumer.
func (sub *Subscription) Event(records, bytes int, millisBehind int64) {
	if sub == nil {
		return
	}
	if records > 0 {
		sub.records.Add(float64(records))
		sub.bytes.Add(float64(bytes))
	}
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.behind != nil {
		sub.behind.Set(float64(millisBehind) / 1000)
		sub.lastBehind, sub.hasBehind = millisBehind, true
	}
}

// currentBehind is the latest MillisBehindLatest while a subscription runs.
func (sub *Subscription) currentBehind() (int64, bool) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.lastBehind, sub.hasBehind
}
