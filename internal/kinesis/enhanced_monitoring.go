// EnableEnhancedMonitoring and DisableEnhancedMonitoring: the shard-level
// CloudWatch metrics a stream publishes.
//
// Behaviour: ShardLevelMetrics (1-7 of IncomingBytes, IncomingRecords,
// OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded,
// ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, or ALL) are
// added to or removed from the stream's set, which is stored (per-stream
// settings, stream_settings.go) and shown in DescribeStream(Summary)
// EnhancedMonitoring. The answer carries the set before
// (CurrentShardLevelMetrics) and after (DesiredShardLevelMetrics) in AWS's
// order; ALL expands to the seven names. The stream must be ACTIVE
// (ResourceInUseException, AWS's wording) and goes UPDATING for
// Config.StateDelay, as on AWS.
//
// Known gaps vs AWS: no metrics are published anywhere — rheo has no
// CloudWatch; the setting is only stored and echoed.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// shardMetrics lists the shard-level metrics in AWS's order.
var shardMetrics = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

const metricsEnum = "[IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]"

func validateMonitoring(in *wire.EnhancedMonitoringInput) error {
	var v wire.Validation
	switch {
	case in.ShardLevelMetrics == nil:
		v.Null("shardLevelMetrics")
	case len(in.ShardLevelMetrics) < 1:
		v.FailNoValue("shardLevelMetrics", "Member must have length greater than or equal to 1")
	case len(in.ShardLevelMetrics) > 7:
		v.FailNoValue("shardLevelMetrics", "Member must have length less than or equal to 7")
	}
	for i, m := range in.ShardLevelMetrics {
		if m != "ALL" && !containsString(shardMetrics, m) {
			v.Fail("shardLevelMetrics."+itoa(int64(i+1))+".member", m, "Member must satisfy enum value set: "+metricsEnum)
		}
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	return v.Err()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) enableEnhancedMonitoring(ctx context.Context, in *wire.EnhancedMonitoringInput) (*wire.EnhancedMonitoringOutput, error) {
	return s.changeMonitoring(ctx, in, true)
}

func (s *Server) disableEnhancedMonitoring(ctx context.Context, in *wire.EnhancedMonitoringInput) (*wire.EnhancedMonitoringOutput, error) {
	return s.changeMonitoring(ctx, in, false)
}

func (s *Server) changeMonitoring(ctx context.Context, in *wire.EnhancedMonitoringInput, enable bool) (*wire.EnhancedMonitoringOutput, error) {
	if err := validateMonitoring(in); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := s.requireActive(st); err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, m := range in.ShardLevelMetrics {
		if m == "ALL" {
			for _, x := range shardMetrics {
				asked[x] = true
			}
		} else {
			asked[m] = true
		}
	}
	var before []string
	after, err := s.updateSettings(st.UID, func(ss *streamSettings) error {
		before = append([]string{}, ss.ShardLevelMetrics...)
		var next []string
		for _, x := range shardMetrics {
			on := containsString(ss.ShardLevelMetrics, x)
			if asked[x] {
				on = enable
			}
			if on {
				next = append(next, x)
			}
		}
		ss.ShardLevelMetrics = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	// UPDATING while the change "propagates", as on AWS.
	if err := s.markUpdating(st); err != nil {
		return nil, err
	}
	desired := after.ShardLevelMetrics
	if desired == nil {
		desired = []string{}
	}
	return &wire.EnhancedMonitoringOutput{
		StreamName:               st.Name,
		StreamARN:                s.streamARN(ctx, st.Name),
		CurrentShardLevelMetrics: before,
		DesiredShardLevelMetrics: desired,
	}, nil
}
