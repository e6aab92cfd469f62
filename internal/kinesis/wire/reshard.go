package wire

// Request and response shapes of the resharding actions (SplitShard,
// MergeShards, UpdateShardCount) and of UpdateStreamMode. Required members
// are pointers too, so the server can report a missing one as AWS does.

// ScalingUniform is the only ScalingType of UpdateShardCount.
const ScalingUniform = "UNIFORM_SCALING"

// SplitShardInput is the input of SplitShard.
type SplitShardInput struct {
	StreamName         *string `json:"StreamName,omitempty"`
	StreamARN          *string `json:"StreamARN,omitempty"`
	ShardToSplit       *string `json:"ShardToSplit,omitempty"`
	NewStartingHashKey *string `json:"NewStartingHashKey,omitempty"`
}

// MergeShardsInput is the input of MergeShards.
type MergeShardsInput struct {
	StreamName           *string `json:"StreamName,omitempty"`
	StreamARN            *string `json:"StreamARN,omitempty"`
	ShardToMerge         *string `json:"ShardToMerge,omitempty"`
	AdjacentShardToMerge *string `json:"AdjacentShardToMerge,omitempty"`
}

// UpdateShardCountInput is the input of UpdateShardCount.
type UpdateShardCountInput struct {
	StreamName       *string `json:"StreamName,omitempty"`
	StreamARN        *string `json:"StreamARN,omitempty"`
	TargetShardCount *int64  `json:"TargetShardCount,omitempty"`
	ScalingType      *string `json:"ScalingType,omitempty"`
}

// UpdateShardCountOutput is the output of UpdateShardCount.
type UpdateShardCountOutput struct {
	StreamName        string `json:"StreamName"`
	StreamARN         string `json:"StreamARN"`
	CurrentShardCount int    `json:"CurrentShardCount"`
	TargetShardCount  int    `json:"TargetShardCount"`
}

// UpdateStreamModeInput is the input of UpdateStreamMode; AWS names the
// stream by ARN only.
type UpdateStreamModeInput struct {
	StreamARN         *string            `json:"StreamARN,omitempty"`
	StreamModeDetails *StreamModeDetails `json:"StreamModeDetails,omitempty"`
	// WarmThroughputMiBps is kept when the stream becomes ON_DEMAND.
	WarmThroughputMiBps *int64 `json:"WarmThroughputMiBps,omitempty"`
}

// ValidationMessage builds a ValidationException with a free-form message,
// for the rule checks AWS reports under that type ("Request is invalid.
// Stream X under account Y is in On-Demand mode.").
func ValidationMessage(format string, args ...any) *Error {
	return newErr(ErrValidation, format, args...)
}
