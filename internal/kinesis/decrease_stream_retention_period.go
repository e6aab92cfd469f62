// DecreaseStreamRetentionPeriod lowers how long a stream keeps records
// (down to 24 hours); records older than the new retention become
// unreadable at once. Shares its rules with IncreaseStreamRetentionPeriod
// (increase_stream_retention_period.go), mirrored: asking for more than the
// current retention is an InvalidArgumentException with AWS's wording.
//
// Known gaps vs AWS: none known.
package kinesis

import (
	"context"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) decreaseStreamRetentionPeriod(ctx context.Context, in *wire.RetentionPeriodInput) (*wire.Empty, error) {
	return s.changeRetention(ctx, in, false)
}
