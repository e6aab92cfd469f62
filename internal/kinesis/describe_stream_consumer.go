package kinesis

// DescribeStreamConsumer describes one consumer, named by ConsumerARN or by
// StreamARN and ConsumerName (when both forms are given they must agree).
//
// Behaviour: a consumer that is deregistered and past its DELETING time,
// or whose ARN carries an older creation time than the registered
// consumer of that name, is a ResourceNotFoundException.
//
// Gaps vs AWS: the not-found and missing-arguments messages are rheo's.

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) describeStreamConsumer(ctx context.Context, in *wire.DescribeStreamConsumerInput) (*wire.DescribeStreamConsumerOutput, error) {
	st, c, err := s.resolveConsumer(ctx, in.StreamARN, in.ConsumerName, in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	wc := s.wireConsumer(ctx, c, s.now())
	return &wire.DescribeStreamConsumerOutput{ConsumerDescription: wire.ConsumerDescription{
		ConsumerName:              wc.ConsumerName,
		ConsumerARN:               wc.ConsumerARN,
		ConsumerStatus:            wc.ConsumerStatus,
		ConsumerCreationTimestamp: wc.ConsumerCreationTimestamp,
		StreamARN:                 s.streamARN(ctx, st.Name),
	}}, nil
}
