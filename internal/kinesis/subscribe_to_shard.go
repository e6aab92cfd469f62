package kinesis

// SubscribeToShard pushes a shard's records to a registered consumer over
// an AWS event stream (enhanced fan-out).
//
// Behaviour: ConsumerARN, ShardId and StartingPosition (Type
// AT_SEQUENCE_NUMBER | AFTER_SEQUENCE_NUMBER | TRIM_HORIZON | LATEST |
// AT_TIMESTAMP, with SequenceNumber or Timestamp where the type needs one)
// are checked first and their failures are ordinary JSON errors with
// GetShardIterator's wording; so are a missing consumer or shard, a
// consumer that is not ACTIVE ("Consumer X with creation timestamp T under
// stream S and account A is not in ACTIVE status.") and a second
// subscription of the same consumer to the same shard within
// subscribeTakeover (5 seconds) of the open one's call ("Another active
// subscription exists for this consumer: A:S:shardId-…:X"); a call later
// than that takes the subscription over, as on AWS, and the open stream
// ends with a ResourceInUseException event. Then the
// response streams (eventstream.go): initial-response, and one
// SubscribeToShardEvent per batch of records as soon as they are durable
// (the loop blocks in shardlog.Wait, which the committer wakes; there is
// no polling). Each event carries ContinuationSequenceNumber (the sequence
// number of the last record delivered, for AFTER_SEQUENCE_NUMBER on the
// next subscription) and MillisBehindLatest. When the subscriber is caught
// up an empty event is sent every subscribeHeartbeat, as AWS does, and the
// consumer is re-checked then: a deregistered consumer ends the stream
// with a ResourceNotFoundException event. At the end of a closed shard the
// last event lists ChildShards, has no ContinuationSequenceNumber (null is
// how KCL, Flink and Beam recognise a shard's end; they reject an event
// with both) and the stream ends. The stream also ends
// after subscribeLifetime (5 minutes, as on AWS), when the client goes
// away (request context) or when the Server closes.
//
// On a shard with nothing delivered yet ContinuationSequenceNumber is the
// shard's starting sequence number, which precedes every record, so
// resubscribing AFTER it skips nothing (docs/format/seqnum.md).
//
// With Config.EnforceLimits each consumer is paced to 2 MiB/s per shard
// (fanout.readLimit, throughput.go), and a consumer may call once per
// second per shard (LimitExceededException otherwise, call_limits.go).
//
// Gaps vs AWS: a call within 5 seconds of a successful one is refused only
// while that subscription is still open (AWS refuses it even after the
// first one ended), so a client may resubscribe at once after a
// disconnect. The message the taken-over stream ends with is rheo's.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/metrics"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

const (
	// subscribeLifetime is how long one subscription lasts on AWS.
	subscribeLifetime = 5 * time.Minute
	// subscribeHeartbeat is how often an idle subscription gets an empty
	// event (AWS sends one about every 5 seconds).
	subscribeHeartbeat = 5 * time.Second
	// maxEventBytes bounds the record bytes of one event (at least one
	// record is always sent), keeping events far below the event-stream
	// limit of 16 MiB after base64.
	maxEventBytes = 1 << 20
	// subscribeTakeover is how long after a successful SubscribeToShard
	// another call for the same consumer and shard is refused; a later call
	// takes the subscription over (AWS's rule).
	subscribeTakeover = 5 * time.Second
	// http1AnswerDelay is the pause before an HTTP/1.1 subscription
	// answers (see subscribeOp).
	http1AnswerDelay = 3 * time.Millisecond
	// maxEventRecords bounds the records of one event.
	maxEventRecords = 10000
)

// fanoutSettings are SubscribeToShard's timings. Production uses
// defaultFanoutSettings; tests put others into the request context through
// the HTTP server's BaseContext (withFanoutSettings). They move to Config
// once the server wiring exposes them.
type fanoutSettings struct {
	Lifetime  time.Duration
	Heartbeat time.Duration
}

func defaultFanoutSettings() fanoutSettings {
	return fanoutSettings{Lifetime: subscribeLifetime, Heartbeat: subscribeHeartbeat}
}

type fanoutSettingsKey struct{}

// withFanoutSettings returns ctx carrying fs for the subscriptions served
// under it.
func withFanoutSettings(ctx context.Context, fs fanoutSettings) context.Context {
	return context.WithValue(ctx, fanoutSettingsKey{}, fs)
}

func fanoutSettingsOf(ctx context.Context) fanoutSettings {
	fs, ok := ctx.Value(fanoutSettingsKey{}).(fanoutSettings)
	d := defaultFanoutSettings()
	if !ok {
		return d
	}
	if fs.Lifetime <= 0 {
		fs.Lifetime = d.Lifetime
	}
	if fs.Heartbeat <= 0 {
		fs.Heartbeat = d.Heartbeat
	}
	return fs
}

// fanout is SubscribeToShard's state: the open subscriptions, one per
// consumer and shard. It is made once per Server by the data-plane action
// table.
type fanout struct {
	s  *Server
	mu sync.Mutex
	// subs holds the open subscriptions. Guarded by mu.
	subs map[subKey]*subHolder
}

// subHolder is the open subscription holding a subKey.
type subHolder struct {
	since time.Time     // when its call succeeded (server clock)
	taken chan struct{} // closed when a later call takes it over
}

// subKey names one consumer's subscription to one shard. The creation time
// tells a consumer apart from an older one of the same name.
type subKey struct {
	stream   uint64
	consumer string
	created  int64
	shard    uint32
}

func newFanout(s *Server) *fanout {
	return &fanout{s: s, subs: make(map[subKey]*subHolder)}
}

// acquire claims k at now; nil if another subscription holds it and its
// call was less than subscribeTakeover ago. An older holder is taken over:
// its taken channel is closed and k is the new holder's.
func (f *fanout) acquire(k subKey, now time.Time) *subHolder {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.subs[k]; ok {
		if now.Sub(old.since) < subscribeTakeover {
			return nil
		}
		close(old.taken)
	}
	h := &subHolder{since: now, taken: make(chan struct{})}
	f.subs[k] = h
	return h
}

// release gives k up unless a later subscription has taken it over.
func (f *fanout) release(k subKey, h *subHolder) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subs[k] == h {
		delete(f.subs, k)
	}
}

// active is the number of open subscriptions (for tests and metrics).
func (f *fanout) active() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// readLimit is the hook of the per-consumer read limit (issue #4 item 5:
// 2 MiB/s per consumer and shard). It is called before each event with the
// event's record bytes and may block until they are allowed or ctx ends.
func (f *fanout) readLimit(ctx context.Context, k subKey, n int) error {
	if f.s.limits == nil { // limits off: no per-event work at all
		return nil
	}
	consumer := k.consumer + ":" + strconv.FormatInt(k.created, 10)
	d := f.s.limits.consumerRead(consumer, shardlog.ShardID{Stream: k.stream, Shard: k.shard}, n)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func validateSubscribeToShard(in *wire.SubscribeToShardInput) error {
	var v wire.Validation
	if in.ConsumerARN == nil {
		v.Null("consumerARN")
	} else {
		checkConsumerARN(&v, "consumerARN", *in.ConsumerARN)
	}
	if in.ShardId == nil {
		v.Null("shardId")
	} else {
		checkShardID(&v, "shardId", *in.ShardId)
	}
	if p := in.StartingPosition; p == nil {
		v.Null("startingPosition")
	} else {
		if p.Type == nil {
			v.Null("startingPosition.type")
		} else {
			switch *p.Type {
			case wire.IteratorAtSequenceNumber, wire.IteratorAfterSequenceNumber, wire.IteratorTrimHorizon, wire.IteratorLatest, wire.IteratorAtTimestamp:
			default:
				v.Fail("startingPosition.type", p.Type, iteratorTypes)
			}
		}
		if p.SequenceNumber != nil && !isDecimal(*p.SequenceNumber, 129) {
			v.Fail("startingPosition.sequenceNumber", p.SequenceNumber, seqNumPattern)
		}
	}
	return v.Err()
}

// subscribeOp is the SubscribeToShard action. It writes its own response.
func (f *fanout) subscribeOp(ctx context.Context, c *call) (any, error) {
	s := f.s
	in := new(wire.SubscribeToShardInput)
	if err := c.decode(in); err != nil {
		return nil, err
	}
	if err := validateSubscribeToShard(in); err != nil {
		return nil, err
	}
	st, cons, err := s.consumerByARN(*in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	if cons.effective(s.now()) != wire.ConsumerActive {
		return nil, s.consumerNotActive(cons)
	}
	if err := s.dataReady(st); err != nil {
		return nil, err
	}
	idx, ok := parseShardID(*in.ShardId)
	if !ok {
		return nil, wire.ResourceNotFound("Could not find shard %s in stream %s under account %s.", *in.ShardId, st.Name, s.cfg.Account)
	}
	if _, ok := liveShard(st, idx, s.now()); !ok {
		return nil, s.shardNotFound(st.Name, idx)
	}
	id := shardlog.ShardID{Stream: st.UID, Shard: idx}
	from, err := s.seekStart(st, idx, in.StartingPosition)
	if err != nil {
		return nil, err
	}
	key := subKey{stream: st.UID, consumer: cons.Name, created: cons.CreatedAt.Unix(), shard: idx}
	inUse := func() error {
		return wire.ResourceInUse("Another active subscription exists for this consumer: %s:%s:%s:%s", s.cfg.Account, st.Name, shardIDString(idx), cons.Name)
	}
	holder := f.acquire(key, s.now())
	if holder == nil {
		return nil, inUse()
	}
	defer f.release(key, holder)

	if c.r != nil && c.r.ProtoMajor == 1 {
		// aws-sdk-go-v2 over HTTP/1.1 closes the request body as soon as
		// response headers arrive; if that beats net/http's write loop, the
		// write loop fails and closes the connection under the event stream
		// (aws/aws-sdk-go-v2#2737, "use of closed network connection").
		// The body has fully arrived here, so the client's write loop is
		// microseconds from done: a short pause before answering lets it
		// finish. It costs once per subscription, never per record.
		pause := time.NewTimer(http1AnswerDelay)
		select {
		case <-ctx.Done():
		case <-pause.C:
		}
		pause.Stop()
	}
	var ew *eventWriter
	initial := []byte("{}")
	if c.codec == codecCBOR {
		ew = newEventWriter(c.w, contentTypeCBOR, s.cbor.enc.Marshal)
		initial = []byte{0xa0} // an empty CBOR map
	} else {
		ew = newEventWriter(c.w, wire.EventPayloadType, json.Marshal)
	}
	if err := ew.start(requestInfo(ctx).RequestID); err != nil {
		return streamed{}, nil // the client is gone
	}
	if err := ew.event(wire.EventInitialResponse, initial); err != nil {
		return streamed{}, nil
	}
	sub := &subscription{f: f, key: key, id: id, st: st, cons: cons, ew: ew, next: from, fs: fanoutSettingsOf(ctx),
		taken: holder.taken, obs: s.cfg.Metrics.Stream(st.Name, st.UID).Subscription(cons.Name, idx)}
	sub.obs.Open()
	defer sub.obs.Close()
	if err := sub.run(ctx); err != nil {
		s.logger.Debug("subscription ended", "stream", st.Name, "shard", idx, "consumer", cons.Name, "err", err)
	}
	if sub.takenOver.Load() {
		_ = ew.exception(inUse())
	}
	return streamed{}, nil
}

// ConsumerExists reports whether the stream with UID streamUID has a
// registered consumer of that name, so the metrics registry can drop the
// series of deregistered consumers (metrics.Options.ConsumerLive). A
// metadata read error counts as existing.
func (s *Server) ConsumerExists(streamUID uint64, name string) bool {
	_, ok, err := s.getConsumer(streamUID, name)
	return ok || err != nil
}

// seekStart turns a StartingPosition into an offset, with GetShardIterator's
// checks and wording.
func (s *Server) seekStart(st *meta.Stream, idx uint32, p *wire.StartingPosition) (uint64, error) {
	typ := *p.Type
	seek := shardlog.Seek{}
	switch typ {
	case wire.IteratorTrimHorizon, wire.IteratorLatest:
		if p.SequenceNumber != nil {
			return 0, wire.InvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
		seek.Kind = shardlog.SeekTrimHorizon
		if typ == wire.IteratorLatest {
			seek.Kind = shardlog.SeekLatest
		}
	case wire.IteratorAtSequenceNumber, wire.IteratorAfterSequenceNumber:
		if p.SequenceNumber == nil {
			return 0, wire.InvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		sn := *p.SequenceNumber
		sh, off, err := seqnum.Position(sn, typ == wire.IteratorAfterSequenceNumber)
		if err != nil {
			return 0, wire.InvalidArgument("StartingSequenceNumber %s used in SubscribeToShard on shard %s in stream %s under account %s is invalid.", sn, shardIDString(idx), st.Name, s.cfg.Account)
		}
		if sh != idx {
			return 0, wire.InvalidArgument("Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardIDString(sh), shardIDString(idx))
		}
		seek = shardlog.Seek{Kind: shardlog.SeekAtOffset, Offset: off}
	case wire.IteratorAtTimestamp:
		if p.Timestamp == nil {
			return 0, wire.InvalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		ts, now := p.Timestamp.UnixMilli(), s.now().UnixMilli()
		if ts > now {
			return 0, wire.InvalidArgument("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ts, now)
		}
		seek = shardlog.Seek{Kind: shardlog.SeekAtTimestamp, Timestamp: ts}
	}
	off, err := s.log.Seek(shardlog.ShardID{Stream: st.UID, Shard: idx}, seek)
	if err != nil {
		return 0, s.logError(st.Name, idx, err)
	}
	return off, nil
}

// subscription is one open SubscribeToShard stream, run by the request's
// goroutine.
type subscription struct {
	f    *fanout
	key  subKey
	id   shardlog.ShardID
	st   *meta.Stream
	cons *consumerRecord
	ew   *eventWriter
	fs   fanoutSettings
	// taken is closed when a later call takes the subscription over;
	// takenOver says that ended it.
	taken     <-chan struct{}
	takenOver atomic.Bool
	next      uint64 // offset of the next record to deliver
	buf       []byte // event payload, reused
	obs       *metrics.Subscription
}

// errSubscriptionOver ends the loop without an error worth reporting.
var errSubscriptionOver = errors.New("kinesis: subscription over")

// run streams events until the shard ends, the lifetime passes, the client
// leaves, the Server closes or an error (sent as an exception event).
func (sub *subscription) run(ctx context.Context) error {
	s := sub.f.s
	lctx, cancel := context.WithTimeout(ctx, sub.fs.Lifetime)
	defer cancel()
	// Server.Close and a takeover end the subscription; this goroutine
	// lives exactly as long as the subscription.
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-s.stop:
			cancel()
		case <-sub.taken:
			sub.takenOver.Store(true)
			cancel()
		case <-lctx.Done():
		}
	}()
	defer func() { cancel(); <-watched }()

	for {
		b, err := s.log.Read(lctx, sub.id, sub.next, maxEventRecords, maxEventBytes)
		if err != nil {
			return sub.fail(lctx, err)
		}
		if len(b.Records) > 0 || b.Ended {
			err := sub.sendBatch(lctx, &b)
			b.Release() // the event is written (or failed): its bytes are done with
			if err != nil {
				return err
			}
			if b.Ended {
				return nil
			}
			continue
		}
		// Caught up: sleep until a record is durable, the shard is sealed,
		// a heartbeat is due or the subscription ends.
		wctx, wcancel := context.WithTimeout(lctx, sub.fs.Heartbeat)
		err = s.log.Wait(wctx, sub.id, sub.next)
		wcancel()
		switch {
		case lctx.Err() != nil:
			return nil
		case err == nil:
		case errors.Is(err, context.DeadlineExceeded):
			if err := sub.heartbeat(lctx); err != nil {
				return err
			}
		default:
			return sub.fail(lctx, err)
		}
	}
}

// fail ends the stream: silently if the subscription is over anyway,
// otherwise with an exception event.
func (sub *subscription) fail(lctx context.Context, err error) error {
	if lctx.Err() != nil {
		return nil
	}
	apiErr := sub.f.s.logError(sub.st.Name, sub.id.Shard, err)
	if _, known := wire.AsError(apiErr); !known {
		sub.f.s.logger.Error("subscription failed", "stream", sub.st.Name, "shard", sub.id.Shard, "err", err)
	}
	_ = sub.ew.exception(apiErr)
	return err
}

// heartbeat re-checks the consumer and sends an empty event.
func (sub *subscription) heartbeat(ctx context.Context) error {
	s := sub.f.s
	c, ok, err := s.getConsumer(sub.key.stream, sub.key.consumer)
	if err != nil {
		return sub.fail(ctx, err)
	}
	if !ok || c.CreatedAt.Unix() != sub.key.created || c.effective(s.now()) != wire.ConsumerActive {
		_ = sub.ew.exception(s.consumerNotFound(sub.key.consumer))
		return errSubscriptionOver
	}
	if st, ok := s.meta.Stream(sub.st.Name); !ok || st.UID != sub.st.UID || gone(st, s.now()) {
		_ = sub.ew.exception(s.notFound(sub.st.Name))
		return errSubscriptionOver
	}
	b := shardlog.Batch{Next: sub.next, Tip: sub.next}
	return sub.sendBatch(ctx, &b)
}

// sendBatch writes one SubscribeToShardEvent for b and advances.
func (sub *subscription) sendBatch(ctx context.Context, b *shardlog.Batch) error {
	s := sub.f.s
	size, data := 0, 0
	for i := range b.Records {
		size += b.Records[i].Size()
		data += len(b.Records[i].Data)
	}
	if err := sub.f.readLimit(ctx, sub.key, size); err != nil {
		return sub.fail(ctx, err)
	}
	now := s.now().UnixMilli()
	var behind int64
	switch {
	case b.Next >= b.Tip:
	case len(b.Records) > 0:
		behind = max(0, now-b.Records[len(b.Records)-1].Timestamp)
	default:
		behind = max(0, now-b.TipTimestamp)
	}
	var children []wire.ChildShard
	if b.Ended {
		children = sub.children(ctx)
	}
	// The continuation is the number just before b.Next: the last record
	// delivered, or the shard's starting number when nothing was ever there
	// to deliver, so resubscribing AFTER it never skips a record.
	cont := b.Next
	// EncryptionType goes per record, as in GetRecords: KMS for a record
	// stored encrypted, NONE for the others, and the member left out
	// altogether when the stream is not encrypted and the event holds no
	// encrypted record.
	enc := recordEncryption(sub.st) != encryptionNone || anyEncrypted(b.Records)
	if sub.ew.payloadType == contentTypeCBOR {
		payload, err := sub.ew.marshal(wireSubscribeEvent(sub.id.Shard, b.Records, cont, behind, children, enc))
		if err != nil {
			return sub.fail(ctx, fmt.Errorf("encode event: %w", err))
		}
		sub.buf = payload
	} else {
		sub.buf = appendSubscribeEvent(sub.buf[:0], sub.id.Shard, b.Records, cont, behind, children, enc)
	}
	if err := sub.ew.event(wire.EventSubscribeToShard, sub.buf); err != nil {
		return err
	}
	sub.obs.Event(len(b.Records), data, behind)
	sub.next = b.Next
	return nil
}

// childrenWait bounds how long a subscription at the end of a sealed shard
// waits for the metadata to list the shard's children: resharding seals
// the parents in the log first and then records the children (reshard.go).
const childrenWait = 5 * time.Second

// children returns the child shards of the subscription's (sealed) shard,
// once the metadata shows the shard closed or after childrenWait.
func (sub *subscription) children(ctx context.Context) []wire.ChildShard {
	s := sub.f.s
	deadline := time.Now().Add(childrenWait)
	t := time.NewTimer(0)
	defer t.Stop()
	st := sub.st
	for {
		if cur, ok := s.meta.Stream(st.Name); ok && cur.UID == st.UID {
			st = cur
		}
		if sh, ok := findShard(st, sub.id.Shard); ok && sh.Closed || time.Now().After(deadline) {
			return childShards(st, sub.id.Shard)
		}
		// The metadata has no change notification; this short wait runs
		// once per shard end, never on the record path.
		t.Reset(5 * time.Millisecond)
		select {
		case <-ctx.Done():
			return childShards(st, sub.id.Shard)
		case <-t.C:
		}
	}
}

// wireSubscribeEvent builds the event for codecs that marshal structs
// (CBOR). With enc each record carries its EncryptionType.
func wireSubscribeEvent(shard uint32, recs []shardlog.Record, next uint64, behind int64, children []wire.ChildShard, enc bool) *wire.SubscribeToShardEvent {
	ev := &wire.SubscribeToShardEvent{
		Records:            make([]wire.Record, len(recs)),
		MillisBehindLatest: behind,
		ChildShards:        children,
	}
	if children == nil {
		cont := string(seqnum.AppendBefore(nil, shard, next))
		ev.ContinuationSequenceNumber = &cont
	}
	for i := range recs {
		r := &recs[i]
		ev.Records[i] = wire.Record{
			SequenceNumber:              seqnum.Encode(shard, r.Offset),
			ApproximateArrivalTimestamp: wire.Timestamp{Time: time.UnixMilli(r.Timestamp)},
			Data:                        r.Data,
			PartitionKey:                string(r.PartitionKey),
		}
		if enc {
			ev.Records[i].EncryptionType = storedEncryption(r)
		}
	}
	return ev
}

// appendSubscribeEvent appends the JSON payload of a SubscribeToShardEvent.
// With enc each record carries its EncryptionType.
func appendSubscribeEvent(dst []byte, shard uint32, recs []shardlog.Record, next uint64, behind int64, children []wire.ChildShard, enc bool) []byte {
	dst = append(dst, `{"Records":[`...)
	for i := range recs {
		r := &recs[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"SequenceNumber":"`...)
		dst = seqnum.AppendEncode(dst, shard, r.Offset)
		dst = append(dst, `","ApproximateArrivalTimestamp":`...)
		dst = wire.Timestamp{Time: time.UnixMilli(r.Timestamp)}.AppendJSON(dst)
		dst = append(dst, `,"Data":"`...)
		dst = wire.AppendBlob(dst, r.Data)
		dst = append(dst, `","PartitionKey":`...)
		dst = wire.AppendJSONString(dst, r.PartitionKey, true)
		if enc {
			dst = append(dst, `,"EncryptionType":"`...)
			dst = append(dst, storedEncryption(r)...)
			dst = append(dst, '"')
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if children == nil {
		dst = append(dst, `,"ContinuationSequenceNumber":"`...)
		dst = seqnum.AppendBefore(dst, shard, next)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, behind, 10)
	if children != nil {
		b, _ := json.Marshal(children)
		dst = append(dst, `,"ChildShards":`...)
		dst = append(dst, b...)
	}
	return append(dst, '}')
}
