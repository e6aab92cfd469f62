package wire

// Request and response shapes of encryption, enhanced monitoring, resource
// tags and policies, account settings, record size and warm throughput.
// StreamId members are "not implemented, reserved" on AWS and are accepted
// and ignored.

// StreamEncryptionInput is the input of StartStreamEncryption and
// StopStreamEncryption, which share their shape.
type StreamEncryptionInput struct {
	StreamName     *string `json:"StreamName,omitempty"`
	StreamARN      *string `json:"StreamARN,omitempty"`
	StreamId       *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	EncryptionType *string `json:"EncryptionType,omitempty"`
	KeyId          *string `json:"KeyId,omitempty"` //nolint:revive // AWS member name
}

// EnhancedMonitoringInput is the input of EnableEnhancedMonitoring and
// DisableEnhancedMonitoring.
type EnhancedMonitoringInput struct {
	StreamName        *string  `json:"StreamName,omitempty"`
	StreamARN         *string  `json:"StreamARN,omitempty"`
	StreamId          *string  `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	ShardLevelMetrics []string `json:"ShardLevelMetrics,omitempty"`
}

// EnhancedMonitoringOutput is the output of both monitoring actions.
type EnhancedMonitoringOutput struct {
	StreamName               string   `json:"StreamName"`
	StreamARN                string   `json:"StreamARN"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
}

// TagResourceInput is the input of TagResource.
type TagResourceInput struct {
	ResourceARN *string           `json:"ResourceARN,omitempty"`
	StreamId    *string           `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	Tags        map[string]string `json:"Tags,omitempty"`
}

// UntagResourceInput is the input of UntagResource.
type UntagResourceInput struct {
	ResourceARN *string  `json:"ResourceARN,omitempty"`
	StreamId    *string  `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	TagKeys     []string `json:"TagKeys,omitempty"`
}

// ResourceARNInput is the input of ListTagsForResource, GetResourcePolicy
// and DeleteResourcePolicy.
type ResourceARNInput struct {
	ResourceARN *string `json:"ResourceARN,omitempty"`
	StreamId    *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
}

// ListTagsForResourceOutput is the output of ListTagsForResource.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"Tags"`
}

// PutResourcePolicyInput is the input of PutResourcePolicy.
type PutResourcePolicyInput struct {
	ResourceARN *string `json:"ResourceARN,omitempty"`
	StreamId    *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	Policy      *string `json:"Policy,omitempty"`
}

// GetResourcePolicyOutput is the output of GetResourcePolicy; Policy is
// "{}" when none is set, as on AWS.
type GetResourcePolicyOutput struct {
	Policy string `json:"Policy"`
}

// MinimumThroughputBillingCommitmentInput is the commitment asked for by
// UpdateAccountSettings.
type MinimumThroughputBillingCommitmentInput struct {
	Status *string `json:"Status,omitempty"`
}

// MinimumThroughputBillingCommitmentOutput is the account's commitment.
type MinimumThroughputBillingCommitmentOutput struct {
	Status               string     `json:"Status"`
	StartedAt            *Timestamp `json:"StartedAt,omitempty"`
	EndedAt              *Timestamp `json:"EndedAt,omitempty"`
	EarliestAllowedEndAt *Timestamp `json:"EarliestAllowedEndAt,omitempty"`
}

// UpdateAccountSettingsInput is the input of UpdateAccountSettings.
type UpdateAccountSettingsInput struct {
	MinimumThroughputBillingCommitment *MinimumThroughputBillingCommitmentInput `json:"MinimumThroughputBillingCommitment,omitempty"`
}

// AccountSettingsOutput is the output of DescribeAccountSettings and
// UpdateAccountSettings.
type AccountSettingsOutput struct {
	MinimumThroughputBillingCommitment *MinimumThroughputBillingCommitmentOutput `json:"MinimumThroughputBillingCommitment,omitempty"`
}

// DescribeAccountSettingsInput is the (empty) input of
// DescribeAccountSettings.
type DescribeAccountSettingsInput struct{}

// UpdateMaxRecordSizeInput is the input of UpdateMaxRecordSize.
type UpdateMaxRecordSizeInput struct {
	StreamARN          *string `json:"StreamARN,omitempty"`
	StreamId           *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	MaxRecordSizeInKiB *int64  `json:"MaxRecordSizeInKiB,omitempty"`
}

// UpdateStreamWarmThroughputInput is the input of UpdateStreamWarmThroughput.
type UpdateStreamWarmThroughputInput struct {
	StreamName          *string `json:"StreamName,omitempty"`
	StreamARN           *string `json:"StreamARN,omitempty"`
	StreamId            *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	WarmThroughputMiBps *int64  `json:"WarmThroughputMiBps,omitempty"`
}

// WarmThroughputObject is a stream's warm throughput: the target asked for
// and what is available now.
type WarmThroughputObject struct {
	TargetMiBps  *int64 `json:"TargetMiBps,omitempty"`
	CurrentMiBps *int64 `json:"CurrentMiBps,omitempty"`
}

// UpdateStreamWarmThroughputOutput is the output of UpdateStreamWarmThroughput.
type UpdateStreamWarmThroughputOutput struct {
	StreamName     string                `json:"StreamName"`
	StreamARN      string                `json:"StreamARN"`
	WarmThroughput *WarmThroughputObject `json:"WarmThroughput,omitempty"`
}

// UpdateStreamRecordDistributionStrategyInput is the input of
// UpdateStreamRecordDistributionStrategy.
type UpdateStreamRecordDistributionStrategyInput struct {
	StreamARN                  *string `json:"StreamARN,omitempty"`
	StreamId                   *string `json:"StreamId,omitempty"` //nolint:revive // AWS member name
	RecordDistributionStrategy *string `json:"RecordDistributionStrategy,omitempty"`
}
