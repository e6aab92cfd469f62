// IncreaseStreamRetentionPeriod raises how long a stream keeps records
// (24 to 8760 hours). The stream is UPDATING for Config.StateDelay; the new
// retention reaches every shard of the log at once. Asking for the current
// value is a no-op, as on AWS.
//
// Errors as AWS: ValidationException for a missing RetentionPeriodHours or
// one below 1; InvalidArgumentException for values outside 24-8760 hours or
// below the current one (AWS's wording); ResourceInUseException unless the
// stream is ACTIVE.
//
// Known gaps vs AWS: none known.
package kinesis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

func (s *Server) increaseStreamRetentionPeriod(ctx context.Context, in *wire.RetentionPeriodInput) (*wire.Empty, error) {
	return s.changeRetention(ctx, in, true)
}

// changeRetention is both retention actions; increase says which.
func (s *Server) changeRetention(ctx context.Context, in *wire.RetentionPeriodInput, increase bool) (*wire.Empty, error) {
	var v wire.Validation
	if in.RetentionPeriodHours == nil {
		v.Null("retentionPeriodHours")
	} else {
		checkRange(&v, "retentionPeriodHours", in.RetentionPeriodHours, 1, 1<<31-1)
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	hours := *in.RetentionPeriodHours
	if hours < minRetentionHours {
		return nil, wire.InvalidArgument("Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", minRetentionHours, hours)
	}
	if hours > maxRetentionHours {
		return nil, wire.InvalidArgument("Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", maxRetentionHours, hours)
	}
	changed := false
	updated, err := s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if err := s.requireActive(cur); err != nil {
			return err
		}
		cur.Status = meta.StatusActive
		switch {
		case increase && hours < int64(cur.RetentionHours):
			return wire.InvalidArgument("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, cur.Name, cur.RetentionHours)
		case !increase && hours > int64(cur.RetentionHours):
			return wire.InvalidArgument("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, cur.Name, cur.RetentionHours)
		case hours == int64(cur.RetentionHours):
			return errNoChange
		}
		cur.RetentionHours = int(hours)
		s.beginTransition(cur, meta.StatusUpdating)
		changed = true
		return nil
	})
	switch {
	case errors.Is(err, errNoChange):
		return &wire.Empty{}, nil
	case err != nil:
		if _, ok := wire.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("change retention of %s: %w", st.Name, err)
	}
	if changed {
		d := time.Duration(hours) * time.Hour
		for _, sh := range updated.Shards {
			if err := s.log.SetRetention(shardlog.ShardID{Stream: updated.UID, Shard: sh.Index}, d); err != nil {
				return nil, fmt.Errorf("set retention of %s shard %d: %w", st.Name, sh.Index, err)
			}
		}
		s.kickJanitor()
	}
	return &wire.Empty{}, nil
}
