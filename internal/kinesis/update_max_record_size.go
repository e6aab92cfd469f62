// UpdateMaxRecordSize sets the largest record (data plus partition key)
// a stream takes, 1,024-10,240 KiB.
//
// Behaviour: the stream, named by StreamARN (the only member AWS takes),
// must be ACTIVE (ResourceInUseException, AWS's wording) and goes UPDATING
// for Config.StateDelay. The size is stored (stream_settings.go) and
// PutRecord and PutRecords then validate records against it: "Member must
// have length less than or equal to <bytes>" on the record's data, and a
// PutRecords of large records may carry up to 10 MiB in total.
//
// Known gaps vs AWS: the shard log stores at most shardlog.MaxDataSize
// bytes of data per record, so a size above it is accepted and echoed but
// records are still refused above shardlog.MaxDataSize; StreamId is
// ignored.
package kinesis

import (
	"context"
	"errors"
	"fmt"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

const (
	minMaxRecordSizeKiB = 1024
	maxMaxRecordSizeKiB = 10240
)

func (s *Server) updateMaxRecordSize(ctx context.Context, in *wire.UpdateMaxRecordSizeInput) (*wire.Empty, error) {
	var v wire.Validation
	if in.MaxRecordSizeInKiB == nil {
		v.Null("maxRecordSizeInKiB")
	} else {
		checkRange(&v, "maxRecordSizeInKiB", in.MaxRecordSizeInKiB, minMaxRecordSizeKiB, maxMaxRecordSizeKiB)
	}
	if in.StreamARN != nil {
		checkStreamARN(&v, *in.StreamARN)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := s.requireActive(st); err != nil {
		return nil, err
	}
	if _, err := s.updateSettings(st.UID, func(ss *streamSettings) error {
		ss.MaxRecordSizeInKiB = *in.MaxRecordSizeInKiB
		return nil
	}); err != nil {
		return nil, err
	}
	if err := s.markUpdating(st); err != nil {
		return nil, err
	}
	return &wire.Empty{}, nil
}

// markUpdating puts an ACTIVE stream UPDATING for Config.StateDelay after
// a settings change.
func (s *Server) markUpdating(st *meta.Stream) error {
	_, err := s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if cur.UID != st.UID || s.effectiveStatus(cur) != meta.StatusActive {
			return errNoChange
		}
		s.beginTransition(cur, meta.StatusUpdating)
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) && !errors.Is(err, meta.ErrStreamNotFound) {
		return fmt.Errorf("update stream %s: %w", st.Name, err)
	}
	s.kickJanitor()
	return nil
}
