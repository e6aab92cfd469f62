// IncreaseStreamRetentionPeriod raises how long a stream keeps records
// (24 to 8760 hours). The stream is UPDATING for Config.StateDelay; the new
// retention reaches every shard of the log at once (meta first, then the
// log; a call that failed in between is finished by a retry or the next
// start). Asking for the current value is a no-op, as on AWS.
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
	_, err = s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
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
	case err != nil:
		if _, ok := wire.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("change retention of %s: %w", st.Name, err)
	}
	// Also when nothing changed: a retry of a call whose log write failed
	// finds meta already at the new value, and must still finish the job.
	if err := s.syncRetention(st.Name, st.UID); err != nil {
		return nil, err
	}
	if changed {
		s.kickJanitor()
	}
	return &wire.Empty{}, nil
}

// syncRetention gives every shard of the stream in the log the retention
// meta stores, where the log has another. The retention actions commit
// meta first and the log second, so a failed write or a crash in between
// leaves them apart (after a decrease, records older than the new
// retention would stay readable); the next call and every start
// (repairShards) finish the job. It reads meta under s.ctl.mu, so of two
// concurrent changes the log ends with the one meta kept.
func (s *Server) syncRetention(name string, uid uint64) error {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	st, ok := s.meta.Stream(name)
	if !ok || st.UID != uid || gone(st, s.now()) {
		return nil
	}
	d := time.Duration(st.RetentionHours) * time.Hour
	var errs []error
	for _, sh := range st.Shards {
		id := shardlog.ShardID{Stream: st.UID, Shard: sh.Index}
		info, err := s.log.Info(id)
		if errors.Is(err, shardlog.ErrShardNotFound) || err == nil && info.Retention == d {
			continue // a missing shard is repairShards' to create
		}
		if err == nil {
			err = s.log.SetRetention(id, d)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("set retention of %s shard %d: %w", st.Name, sh.Index, err))
		}
	}
	return errors.Join(errs...)
}
