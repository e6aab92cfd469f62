// DescribeLimits reports the account's shard quota and use: ShardLimit
// (Config.ShardLimit), OpenShardCount (open shards of all streams),
// OnDemandStreamCount and OnDemandStreamCountLimit
// (Config.OnDemandStreamCountLimit).
//
// Known gaps vs AWS: AWS throttles this action to one call per second;
// rheo does not throttle.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) describeLimits(_ context.Context, _ *wire.DescribeLimitsInput) (*wire.DescribeLimitsOutput, error) {
	open, onDemand := s.openShardCount()
	return &wire.DescribeLimitsOutput{
		ShardLimit:               s.cfg.ShardLimit,
		OpenShardCount:           open,
		OnDemandStreamCount:      onDemand,
		OnDemandStreamCountLimit: s.cfg.OnDemandStreamCountLimit,
	}, nil
}
