// UpdateStreamWarmThroughput sets the write throughput (MiB/s) an
// ON_DEMAND stream keeps ready.
//
// Behaviour: WarmThroughputMiBps is required and not negative; the stream
// (StreamName or StreamARN) must be ON_DEMAND (InvalidArgumentException
// otherwise) and ACTIVE (ResourceInUseException, AWS's wording) and goes
// UPDATING for Config.StateDelay. The answer's WarmThroughput has the
// target and, since rheo has no capacity to warm, the same current value.
//
// Known gaps vs AWS: the value is stored and echoed only: it raises no
// throughput limit (throughput.go applies per-shard limits); AWS's upper
// bound is an account quota that rheo does not check; the
// InvalidArgumentException wording is rheo's.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) updateStreamWarmThroughput(ctx context.Context, in *wire.UpdateStreamWarmThroughputInput) (*wire.UpdateStreamWarmThroughputOutput, error) {
	var v wire.Validation
	if in.WarmThroughputMiBps == nil {
		v.Null("warmThroughputMiBps")
	} else {
		checkRange(&v, "warmThroughputMiBps", in.WarmThroughputMiBps, 0, 1<<31-1)
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if st.Mode != meta.ModeOnDemand {
		return nil, wire.InvalidArgument("Warm throughput can only be set on streams in ON_DEMAND mode; stream %s under account %s is PROVISIONED.", st.Name, s.cfg.Account)
	}
	if err := s.requireActive(st); err != nil {
		return nil, err
	}
	ss, err := s.updateSettings(st.UID, func(ss *streamSettings) error {
		ss.WarmThroughputMiBps = *in.WarmThroughputMiBps
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.markUpdating(st); err != nil {
		return nil, err
	}
	return &wire.UpdateStreamWarmThroughputOutput{
		StreamName:     st.Name,
		StreamARN:      s.streamARN(ctx, st.Name),
		WarmThroughput: s.warmThroughput(ss),
	}, nil
}

// warmThroughput renders a stream's warm throughput (nil when never set),
// for this action and, through the lead's patch, DescribeStreamSummary.
func (s *Server) warmThroughput(ss streamSettings) *wire.WarmThroughputObject {
	if ss.WarmThroughputMiBps == 0 {
		return nil
	}
	v := ss.WarmThroughputMiBps
	return &wire.WarmThroughputObject{TargetMiBps: &v, CurrentMiBps: &v}
}
