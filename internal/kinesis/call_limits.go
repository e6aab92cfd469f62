// API call rate limits (Config.EnforceLimits): the transactions-per-second
// quota AWS documents for each control-plane action, per account, per
// stream or per open shard, so code that polls DescribeStream or lists
// shards in a loop meets the LimitExceededException it would meet on AWS
// (cloud-custodian, KCL-style lease managers and stream-exists checks all
// have). The figures are the API reference's ("DescribeStream has a limit
// of 10 transactions per second per account", ...).
//
// An over-quota call fails before it runs, with AWS's messages: "Rate
// exceeded for stream <name> under account <account>." when the request
// names a stream (even for a per-account quota, as AWS words it), else
// "Rate exceeded for account <account>.". Each quota is a token bucket
// holding one second's worth, refilled continuously by the server clock,
// like the per-shard budgets in throughput.go.
//
// SubscribeToShard has one call per second per registered consumer per
// shard; an extra call fails with "Rate exceeded for consumer
// <ConsumerARN> and shard <shardId-…>" (AWS's wording as clients report
// it; the API reference gives none).
//
// Known gaps vs AWS: regions share one account budget (rheo has one
// namespace of streams); the rolling-day limits of encryption changes are
// not enforced here.
package kinesis

import (
	"encoding/json"
	"sync"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// callScope is what one quota is counted over.
type callScope uint8

const (
	perAccount callScope = iota
	perStream
	perShard         // per open shard of a stream
	perConsumerShard // per registered consumer and shard (SubscribeToShard)
)

// callLimit is one action's quota.
type callLimit struct {
	perSec float64
	scope  callScope
}

// callLimits are the actions with a documented call quota. GetRecords and
// the put actions have their own budgets (throughput.go).
var callLimits = map[string]callLimit{
	"AddTagsToStream":            {5, perAccount},
	"CreateStream":               {5, perAccount},
	"DeleteStream":               {5, perAccount},
	"DescribeLimits":             {1, perAccount},
	"DescribeStream":             {10, perAccount},
	"DescribeStreamSummary":      {20, perAccount},
	"ListStreams":                {5, perAccount},
	"ListTagsForStream":          {5, perAccount},
	"MergeShards":                {5, perAccount},
	"RegisterStreamConsumer":     {5, perAccount},
	"RemoveTagsFromStream":       {5, perAccount},
	"SplitShard":                 {5, perAccount},
	"UpdateShardCount":           {10, perAccount},
	"DescribeAccountSettings":    {5, perAccount},
	"UpdateAccountSettings":      {5, perAccount},
	"UpdateStreamWarmThroughput": {5, perAccount},
	"CreateChannel":              {5, perAccount},
	"DeleteChannel":              {5, perAccount},
	"DescribeChannel":            {5, perAccount},
	"ListChannels":               {5, perAccount},
	"UpdateChannel":              {5, perAccount},
	"DeregisterStreamConsumer":   {5, perStream},
	"DescribeStreamConsumer":     {20, perStream},
	"ListShards":                 {1000, perStream},
	"ListStreamConsumers":        {5, perStream},
	"GetShardIterator":           {5, perShard},
	"SubscribeToShard":           {1, perConsumerShard},
}

// callKey names one bucket.
type callKey struct {
	action, stream, shard, consumer string
}

// callRates holds the buckets of the call quotas.
type callRates struct {
	mu      sync.Mutex
	buckets map[callKey]*bucket
}

// callTarget is what a request names, read leniently: a body that does
// not decode names nothing, and the action itself reports the error.
type callTarget struct {
	StreamName  string `json:"StreamName"`
	StreamARN   string `json:"StreamARN"`
	ConsumerARN string `json:"ConsumerARN"`
	ShardId     string `json:"ShardId"`
}

// stream is the stream the request names, by name or in an ARN.
func (t *callTarget) stream() string {
	switch {
	case t.StreamName != "":
		return t.StreamName
	case t.StreamARN != "":
		return streamNameInARN(t.StreamARN)
	case t.ConsumerARN != "":
		return streamNameInARN(t.ConsumerARN)
	}
	return ""
}

// admitCall charges one call of action to its quota and returns the
// LimitExceededException when the quota is spent (nil when it is not, when
// the action has none, or when limits are off).
func (l *limiter) admitCall(action string, c *call, account string) error {
	if l == nil {
		return nil
	}
	lim, ok := callLimits[action]
	if !ok {
		return nil
	}
	var t callTarget
	if c.codec == codecCBOR {
		_ = c.cbor.decode(c.body, &t)
	} else if len(c.body) > 0 {
		_ = json.Unmarshal(c.body, &t)
	}
	stream := t.stream()
	k := callKey{action: action}
	switch lim.scope {
	case perStream:
		k.stream = stream
	case perShard:
		k.stream, k.shard = stream, t.ShardId
	case perConsumerShard:
		k.consumer, k.shard = t.ConsumerARN, t.ShardId
	}
	if idx, ok := parseShardID(k.shard); ok {
		k.shard = shardIDString(idx) // "1" and "shardId-000000000001" are one shard
	}
	now := l.now().UnixNano()
	l.calls.mu.Lock()
	b := l.calls.buckets[k]
	if b == nil {
		if len(l.calls.buckets) >= l.maxBudgets {
			// Drop buckets that are full again: a new one is the same.
			for key, old := range l.calls.buckets {
				rate := callLimits[key.action].perSec
				old.refill(now, rate, rate)
				if old.tokens >= rate {
					delete(l.calls.buckets, key)
				}
			}
		}
		b = &bucket{}
		l.calls.buckets[k] = b
	}
	b.refill(now, lim.perSec, lim.perSec)
	admitted := b.tokens >= 1
	if admitted {
		b.tokens--
	}
	l.calls.mu.Unlock()
	if admitted {
		return nil
	}
	if lim.scope == perConsumerShard && k.consumer != "" {
		return wire.LimitExceeded("Rate exceeded for consumer %s and shard %s", k.consumer, k.shard)
	}
	if stream != "" {
		return wire.LimitExceeded("Rate exceeded for stream %s under account %s.", stream, account)
	}
	return wire.LimitExceeded("Rate exceeded for account %s.", account)
}
