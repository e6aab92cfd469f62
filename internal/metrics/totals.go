package metrics

// StreamTotals is one stream's cumulative counters for the web console,
// which samples them and differences successive samples into rates.
type StreamTotals struct {
	IncomingRecords uint64 // records accepted by PutRecord/PutRecords
	IncomingBytes   uint64 // their data bytes (partition keys excluded)
	// Consumers maps a fan-out consumer name (RegisterStreamConsumer's
	// ConsumerName) to the MillisBehindLatest of its most recent
	// SubscribeToShardEvent: the maximum over the shards it is subscribed
	// to now. A consumer with no running subscription is absent.
	Consumers map[string]int64
}

// StreamTotals returns, per Kinesis stream name, cumulative counters since
// the server started and the latest fan-out lag of each consumer. Streams
// appear once they have seen traffic; deleted streams are left out. It is
// safe for concurrent use and cheap (no scrape). A nil Registry returns an
// empty map.
func (r *Registry) StreamTotals() map[string]StreamTotals {
	out := make(map[string]StreamTotals)
	if r == nil {
		return out
	}
	r.Prune()
	r.streams.Range(func(_, v any) bool {
		s := v.(*Stream)
		t := StreamTotals{
			IncomingRecords: s.records.Load(),
			IncomingBytes:   s.bytes.Load(),
			Consumers:       make(map[string]int64),
		}
		s.mu.Lock()
		for k, sub := range s.subs {
			behind, ok := sub.currentBehind()
			if !ok {
				continue
			}
			if b, seen := t.Consumers[k.consumer]; !seen || behind > b {
				t.Consumers[k.consumer] = behind
			}
		}
		s.mu.Unlock()
		out[s.name] = t
		return true
	})
	return out
}
