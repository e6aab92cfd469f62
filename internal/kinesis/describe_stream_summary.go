// DescribeStreamSummary describes a stream without its shards: status,
// mode, retention, creation time, encryption, OpenShardCount and
// ConsumerCount.
//
// Errors as AWS: ResourceNotFoundException, and the StreamName/StreamARN
// validation shared by every action.
//
// Known gaps vs AWS: none known beyond those of the shared validation.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) describeStreamSummary(ctx context.Context, in *wire.DescribeStreamSummaryInput) (*wire.DescribeStreamSummaryOutput, error) {
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	enc, key := streamEncryption(st)
	consumers, err := s.consumerCount(st)
	if err != nil {
		return nil, err
	}
	open := 0
	for i := range st.Shards {
		if !st.Shards[i].Closed {
			open++
		}
	}
	return &wire.DescribeStreamSummaryOutput{StreamDescriptionSummary: wire.StreamDescriptionSummary{
		StreamName:              st.Name,
		StreamARN:               s.streamARN(ctx, st.Name),
		StreamStatus:            string(s.effectiveStatus(st)),
		StreamModeDetails:       modeDetails(st),
		RetentionPeriodHours:    st.RetentionHours,
		StreamCreationTimestamp: wire.Timestamp{Time: st.CreatedAt},
		EnhancedMonitoring:      []wire.EnhancedMetrics{{ShardLevelMetrics: []string{}}},
		EncryptionType:          enc,
		KeyId:                   key,
		OpenShardCount:          open,
		ConsumerCount:           consumers,
	}}, nil
}
