package wire

// This file holds the shapes of enhanced fan-out: stream consumers
// (RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers,
// DeregisterStreamConsumer) and SubscribeToShard, whose response is an AWS
// event stream of SubscribeToShardEvent messages rather than one JSON body.

// Consumer statuses, as Kinesis names them.
const (
	ConsumerCreating = "CREATING"
	ConsumerActive   = "ACTIVE"
	ConsumerDeleting = "DELETING"
)

// Fan-out limits, as AWS documents them.
const (
	// MaxConsumersPerStream is how many consumers one stream may have.
	MaxConsumersPerStream = 20
	// MaxConsumersCreating is how many consumers may be CREATING at once.
	MaxConsumersCreating = 5
	// DefaultListConsumers is ListStreamConsumers' page size, and its most.
	DefaultListConsumers = 100
	// MaxListConsumersLimit is the largest MaxResults AWS accepts.
	MaxListConsumersLimit = 10000
)

// Consumer describes a registered consumer (RegisterStreamConsumer and
// ListStreamConsumers).
type Consumer struct {
	ConsumerName              string    `json:"ConsumerName"`
	ConsumerARN               string    `json:"ConsumerARN"`
	ConsumerStatus            string    `json:"ConsumerStatus"`
	ConsumerCreationTimestamp Timestamp `json:"ConsumerCreationTimestamp"`
}

// ConsumerDescription is a Consumer plus its stream (DescribeStreamConsumer).
type ConsumerDescription struct {
	ConsumerName              string    `json:"ConsumerName"`
	ConsumerARN               string    `json:"ConsumerARN"`
	ConsumerStatus            string    `json:"ConsumerStatus"`
	ConsumerCreationTimestamp Timestamp `json:"ConsumerCreationTimestamp"`
	StreamARN                 string    `json:"StreamARN"`
}

// RegisterStreamConsumerInput is the request of RegisterStreamConsumer.
type RegisterStreamConsumerInput struct {
	StreamARN    *string           `json:"StreamARN,omitempty"`
	ConsumerName *string           `json:"ConsumerName,omitempty"`
	Tags         map[string]string `json:"Tags,omitempty"`
	StreamId     *string           `json:"StreamId,omitempty"`
}

// RegisterStreamConsumerOutput is the response of RegisterStreamConsumer.
type RegisterStreamConsumerOutput struct {
	Consumer Consumer `json:"Consumer"`
}

// DescribeStreamConsumerInput is the request of DescribeStreamConsumer:
// ConsumerARN, or StreamARN and ConsumerName.
type DescribeStreamConsumerInput struct {
	StreamARN    *string `json:"StreamARN,omitempty"`
	ConsumerName *string `json:"ConsumerName,omitempty"`
	ConsumerARN  *string `json:"ConsumerARN,omitempty"`
	StreamId     *string `json:"StreamId,omitempty"`
}

// DescribeStreamConsumerOutput is the response of DescribeStreamConsumer.
type DescribeStreamConsumerOutput struct {
	ConsumerDescription ConsumerDescription `json:"ConsumerDescription"`
}

// ListStreamConsumersInput is the request of ListStreamConsumers.
type ListStreamConsumersInput struct {
	StreamARN               *string    `json:"StreamARN,omitempty"`
	NextToken               *string    `json:"NextToken,omitempty"`
	MaxResults              *int64     `json:"MaxResults,omitempty"`
	StreamCreationTimestamp *Timestamp `json:"StreamCreationTimestamp,omitempty"`
	StreamId                *string    `json:"StreamId,omitempty"`
}

// ListStreamConsumersOutput is the response of ListStreamConsumers.
type ListStreamConsumersOutput struct {
	Consumers []Consumer `json:"Consumers"`
	NextToken *string    `json:"NextToken,omitempty"`
}

// DeregisterStreamConsumerInput is the request of DeregisterStreamConsumer:
// ConsumerARN, or StreamARN and ConsumerName.
type DeregisterStreamConsumerInput struct {
	StreamARN    *string `json:"StreamARN,omitempty"`
	ConsumerName *string `json:"ConsumerName,omitempty"`
	ConsumerARN  *string `json:"ConsumerARN,omitempty"`
	StreamId     *string `json:"StreamId,omitempty"`
}

// SubscribeToShardInput is the request of SubscribeToShard.
type SubscribeToShardInput struct {
	ConsumerARN      *string           `json:"ConsumerARN,omitempty"`
	ShardId          *string           `json:"ShardId,omitempty"`
	StartingPosition *StartingPosition `json:"StartingPosition,omitempty"`
	StreamId         *string           `json:"StreamId,omitempty"`
}

// StartingPosition is where a subscription starts: Type is a shard
// iterator type; SequenceNumber or Timestamp go with the types that need
// them.
type StartingPosition struct {
	Type           *string    `json:"Type,omitempty"`
	SequenceNumber *string    `json:"SequenceNumber,omitempty"`
	Timestamp      *Timestamp `json:"Timestamp,omitempty"`
}

// SubscribeToShardEvent is one event of a subscription. The server encodes
// it with its own appender; this shape is for clients and tests.
type SubscribeToShardEvent struct {
	Records []Record `json:"Records"`
	// ContinuationSequenceNumber is nil in the event that ends a closed
	// shard, the one with ChildShards.
	ContinuationSequenceNumber *string      `json:"ContinuationSequenceNumber,omitempty"`
	MillisBehindLatest         int64        `json:"MillisBehindLatest"`
	ChildShards                []ChildShard `json:"ChildShards,omitempty"`
}

// Event stream names of SubscribeToShard: the message and event types and
// the content types AWS sends.
const (
	EventStreamContentType = "application/vnd.amazon.eventstream"
	EventInitialResponse   = "initial-response"
	EventSubscribeToShard  = "SubscribeToShardEvent"
	EventPayloadType       = "application/json"
)
