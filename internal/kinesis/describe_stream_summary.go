// DescribeStreamSummary describes a stream without its shards: status,
// mode, retention, creation time, encryption, OpenShardCount and
// ConsumerCount, enhanced monitoring, the record size limit, warm
// throughput and the record distribution strategy.
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
	ss := s.settingsOf(st.UID)
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
		StreamName:                 st.Name,
		StreamARN:                  s.streamARN(ctx, st.Name),
		StreamStatus:               string(s.effectiveStatus(st)),
		StreamModeDetails:          modeDetails(st),
		RetentionPeriodHours:       st.RetentionHours,
		StreamCreationTimestamp:    wire.Timestamp{Time: st.CreatedAt},
		EnhancedMonitoring:         s.enhancedMonitoring(st),
		EncryptionType:             enc,
		KeyId:                      key,
		OpenShardCount:             open,
		ConsumerCount:              consumers,
		MaxRecordSizeInKiB:         maxRecordKiB(ss),
		WarmThroughput:             s.warmThroughput(ss),
		RecordDistributionStrategy: s.recordDistribution(st),
	}}, nil
}

// maxRecordKiB is the stream's record size limit as AWS reports it (1024
// unless UpdateMaxRecordSize changed it).
func maxRecordKiB(ss streamSettings) int64 {
	if ss.MaxRecordSizeInKiB == 0 {
		return 1024
	}
	return ss.MaxRecordSizeInKiB
}
