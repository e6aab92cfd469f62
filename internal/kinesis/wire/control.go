package wire

import "net/http"

// Request and response shapes of the stream-management actions. Optional
// and required members are pointers, so a member that is absent (null) is
// told apart from one sent empty; the server reports a missing required
// member as AWS does ("Value null at 'streamName' ...").

// Empty is the output of actions that answer with an empty body (HTTP 200,
// no content), as Kinesis does for CreateStream, DeleteStream, the tag and
// retention actions.
type Empty struct{}

// StreamModeDetails is the capacity mode of a stream.
type StreamModeDetails struct {
	StreamMode *string `json:"StreamMode,omitempty"`
}

// CreateStreamInput is the input of CreateStream.
type CreateStreamInput struct {
	StreamName        *string            `json:"StreamName,omitempty"`
	ShardCount        *int64             `json:"ShardCount,omitempty"`
	StreamModeDetails *StreamModeDetails `json:"StreamModeDetails,omitempty"`
	Tags              map[string]string  `json:"Tags,omitempty"`
	// WarmThroughputMiBps is kept for ON_DEMAND streams, as
	// UpdateStreamWarmThroughput keeps it.
	WarmThroughputMiBps *int64 `json:"WarmThroughputMiBps,omitempty"`
	MaxRecordSizeInKiB  *int64 `json:"MaxRecordSizeInKiB,omitempty"`
}

// DeleteStreamInput is the input of DeleteStream.
type DeleteStreamInput struct {
	StreamName              *string `json:"StreamName,omitempty"`
	StreamARN               *string `json:"StreamARN,omitempty"`
	EnforceConsumerDeletion *bool   `json:"EnforceConsumerDeletion,omitempty"`
}

// DescribeStreamInput is the input of DescribeStream.
type DescribeStreamInput struct {
	StreamName            *string `json:"StreamName,omitempty"`
	StreamARN             *string `json:"StreamARN,omitempty"`
	Limit                 *int64  `json:"Limit,omitempty"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId,omitempty"` //nolint:revive // AWS member name
}

// HashKeyRange (a shard's inclusive range of hash keys) is declared in
// data.go, shared with ChildShard.

// SequenceNumberRange is a shard's range of sequence numbers; the end is
// set only on closed shards.
type SequenceNumberRange struct {
	StartingSequenceNumber string  `json:"StartingSequenceNumber"`
	EndingSequenceNumber   *string `json:"EndingSequenceNumber,omitempty"`
}

// Shard describes one shard in DescribeStream and ListShards.
type Shard struct {
	ShardId               string              `json:"ShardId"` //nolint:revive // AWS member name
	ParentShardId         *string             `json:"ParentShardId,omitempty"`
	AdjacentParentShardId *string             `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          HashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   SequenceNumberRange `json:"SequenceNumberRange"`
}

// EnhancedMetrics lists the shard-level metrics enabled on a stream.
type EnhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

// StreamDescription is the body of DescribeStream's answer.
type StreamDescription struct {
	StreamName              string             `json:"StreamName"`
	StreamARN               string             `json:"StreamARN"`
	StreamStatus            string             `json:"StreamStatus"`
	StreamModeDetails       *StreamModeDetails `json:"StreamModeDetails,omitempty"`
	Shards                  []Shard            `json:"Shards"`
	HasMoreShards           bool               `json:"HasMoreShards"`
	RetentionPeriodHours    int                `json:"RetentionPeriodHours"`
	StreamCreationTimestamp Timestamp          `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []EnhancedMetrics  `json:"EnhancedMonitoring"`
	EncryptionType          string             `json:"EncryptionType,omitempty"`
	KeyId                   *string            `json:"KeyId,omitempty"` //nolint:revive // AWS member name
}

// DescribeStreamOutput is the output of DescribeStream.
type DescribeStreamOutput struct {
	StreamDescription StreamDescription `json:"StreamDescription"`
}

// DescribeStreamSummaryInput is the input of DescribeStreamSummary.
type DescribeStreamSummaryInput struct {
	StreamName *string `json:"StreamName,omitempty"`
	StreamARN  *string `json:"StreamARN,omitempty"`
}

// StreamDescriptionSummary is the body of DescribeStreamSummary's answer.
type StreamDescriptionSummary struct {
	StreamName                 string                `json:"StreamName"`
	StreamARN                  string                `json:"StreamARN"`
	StreamStatus               string                `json:"StreamStatus"`
	StreamModeDetails          *StreamModeDetails    `json:"StreamModeDetails,omitempty"`
	RetentionPeriodHours       int                   `json:"RetentionPeriodHours"`
	StreamCreationTimestamp    Timestamp             `json:"StreamCreationTimestamp"`
	EnhancedMonitoring         []EnhancedMetrics     `json:"EnhancedMonitoring"`
	EncryptionType             string                `json:"EncryptionType,omitempty"`
	KeyId                      *string               `json:"KeyId,omitempty"` //nolint:revive // AWS member name
	OpenShardCount             int                   `json:"OpenShardCount"`
	ConsumerCount              int                   `json:"ConsumerCount"`
	MaxRecordSizeInKiB         int64                 `json:"MaxRecordSizeInKiB,omitempty"`
	WarmThroughput             *WarmThroughputObject `json:"WarmThroughput,omitempty"`
	RecordDistributionStrategy string                `json:"RecordDistributionStrategy,omitempty"`
}

// DescribeStreamSummaryOutput is the output of DescribeStreamSummary.
type DescribeStreamSummaryOutput struct {
	StreamDescriptionSummary StreamDescriptionSummary `json:"StreamDescriptionSummary"`
}

// ListStreamsInput is the input of ListStreams.
type ListStreamsInput struct {
	Limit                    *int64  `json:"Limit,omitempty"`
	ExclusiveStartStreamName *string `json:"ExclusiveStartStreamName,omitempty"`
	NextToken                *string `json:"NextToken,omitempty"`
}

// StreamSummary is one stream in ListStreams' answer.
type StreamSummary struct {
	StreamName              string             `json:"StreamName"`
	StreamARN               string             `json:"StreamARN"`
	StreamStatus            string             `json:"StreamStatus"`
	StreamModeDetails       *StreamModeDetails `json:"StreamModeDetails,omitempty"`
	StreamCreationTimestamp Timestamp          `json:"StreamCreationTimestamp"`
}

// ListStreamsOutput is the output of ListStreams.
type ListStreamsOutput struct {
	StreamNames     []string        `json:"StreamNames"`
	HasMoreStreams  bool            `json:"HasMoreStreams"`
	NextToken       *string         `json:"NextToken,omitempty"`
	StreamSummaries []StreamSummary `json:"StreamSummaries"`
}

// ShardFilter narrows ListShards.
type ShardFilter struct {
	Type      *string    `json:"Type,omitempty"`
	ShardId   *string    `json:"ShardId,omitempty"` //nolint:revive // AWS member name
	Timestamp *Timestamp `json:"Timestamp,omitempty"`
}

// ListShardsInput is the input of ListShards.
type ListShardsInput struct {
	StreamName              *string      `json:"StreamName,omitempty"`
	StreamARN               *string      `json:"StreamARN,omitempty"`
	NextToken               *string      `json:"NextToken,omitempty"`
	ExclusiveStartShardId   *string      `json:"ExclusiveStartShardId,omitempty"` //nolint:revive // AWS member name
	MaxResults              *int64       `json:"MaxResults,omitempty"`
	StreamCreationTimestamp *Timestamp   `json:"StreamCreationTimestamp,omitempty"`
	ShardFilter             *ShardFilter `json:"ShardFilter,omitempty"`
}

// ListShardsOutput is the output of ListShards.
type ListShardsOutput struct {
	Shards    []Shard `json:"Shards"`
	NextToken *string `json:"NextToken,omitempty"`
}

// RetentionPeriodInput is the input of IncreaseStreamRetentionPeriod and
// DecreaseStreamRetentionPeriod, which share their shape.
type RetentionPeriodInput struct {
	StreamName           *string `json:"StreamName,omitempty"`
	StreamARN            *string `json:"StreamARN,omitempty"`
	RetentionPeriodHours *int64  `json:"RetentionPeriodHours,omitempty"`
}

// AddTagsToStreamInput is the input of AddTagsToStream.
type AddTagsToStreamInput struct {
	StreamName *string           `json:"StreamName,omitempty"`
	StreamARN  *string           `json:"StreamARN,omitempty"`
	Tags       map[string]string `json:"Tags,omitempty"`
}

// RemoveTagsFromStreamInput is the input of RemoveTagsFromStream.
type RemoveTagsFromStreamInput struct {
	StreamName *string  `json:"StreamName,omitempty"`
	StreamARN  *string  `json:"StreamARN,omitempty"`
	TagKeys    []string `json:"TagKeys,omitempty"`
}

// ListTagsForStreamInput is the input of ListTagsForStream.
type ListTagsForStreamInput struct {
	StreamName           *string `json:"StreamName,omitempty"`
	StreamARN            *string `json:"StreamARN,omitempty"`
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey,omitempty"`
	Limit                *int64  `json:"Limit,omitempty"`
}

// Tag is one key-value tag of a stream.
type Tag struct {
	Key   string  `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

// ListTagsForStreamOutput is the output of ListTagsForStream.
type ListTagsForStreamOutput struct {
	Tags        []Tag `json:"Tags"`
	HasMoreTags bool  `json:"HasMoreTags"`
}

// DescribeLimitsInput is the (empty) input of DescribeLimits.
type DescribeLimitsInput struct{}

// DescribeLimitsOutput is the output of DescribeLimits.
type DescribeLimitsOutput struct {
	ShardLimit               int `json:"ShardLimit"`
	OpenShardCount           int `json:"OpenShardCount"`
	OnDemandStreamCount      int `json:"OnDemandStreamCount"`
	OnDemandStreamCountLimit int `json:"OnDemandStreamCountLimit"`
}

// ExpiredNextToken builds an ExpiredNextTokenException (a ListShards
// pagination token older than its 300 s lifetime).
func ExpiredNextToken(format string, args ...any) *Error {
	return newErr(&Error{Type: "ExpiredNextTokenException", Status: http.StatusBadRequest}, format, args...)
}
