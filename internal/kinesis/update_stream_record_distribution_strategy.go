// UpdateStreamRecordDistributionStrategy chooses how an ON_DEMAND stream
// places records: USER_PARTITION_KEY (the default: by partition key or
// ExplicitHashKey) or AUTO (evenly, ignoring both).
//
// Behaviour: StreamARN and RecordDistributionStrategy are required; AUTO
// on a PROVISIONED stream is an InvalidArgumentException, as the API
// reference says (USER_PARTITION_KEY is accepted there: it is what
// provisioned streams do). The change takes effect for the next record,
// with no UPDATING phase, as on AWS; the stream must be ACTIVE or
// UPDATING. With AUTO, PutRecord and PutRecords accept records without a
// partition key and spread records round-robin over the open shards
// (stream_settings.go recordRules); records already written stay where
// they are. A stream switched to PROVISIONED routes by key again.
//
// Known gaps vs AWS: AWS's "service-managed algorithms" are unspecified;
// rheo's is round-robin over the open shards. A record put without a
// partition key is stored (and read back) with an empty one. The
// InvalidArgumentException wording is rheo's.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// Record distribution strategies, as AWS names them.
const (
	distributionAuto    = "AUTO"
	distributionByKey   = "USER_PARTITION_KEY"
	distributionPattern = "Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]"
)

func (s *Server) updateStreamRecordDistributionStrategy(ctx context.Context, in *wire.UpdateStreamRecordDistributionStrategyInput) (*wire.Empty, error) {
	var v wire.Validation
	if in.RecordDistributionStrategy == nil {
		v.Null("recordDistributionStrategy")
	} else if d := *in.RecordDistributionStrategy; d != distributionAuto && d != distributionByKey {
		v.Fail("recordDistributionStrategy", d, distributionPattern)
	}
	if in.StreamARN == nil {
		v.Null("streamARN")
	} else {
		checkStreamARN(&v, *in.StreamARN)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	d := *in.RecordDistributionStrategy
	if d == distributionAuto && st.Mode != meta.ModeOnDemand {
		return nil, wire.InvalidArgument("The AUTO record distribution strategy is only supported for ON_DEMAND streams; stream %s under account %s is PROVISIONED.", st.Name, s.cfg.Account)
	}
	if err := s.requireStatus(st, meta.StatusActive, meta.StatusUpdating); err != nil {
		return nil, err
	}
	if _, err := s.updateSettings(st.UID, func(ss *streamSettings) error {
		ss.Distribution = d
		return nil
	}); err != nil {
		return nil, err
	}
	return &wire.Empty{}, nil
}

// recordDistribution renders a stream's strategy for DescribeStreamSummary
// (through the lead's patch): USER_PARTITION_KEY unless set to AUTO.
func (s *Server) recordDistribution(st *meta.Stream) string {
	if s.settingsOf(st.UID).Distribution == distributionAuto {
		return distributionAuto
	}
	return distributionByKey
}
