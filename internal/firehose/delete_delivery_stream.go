// DeleteDeliveryStream stops and removes a delivery stream and its
// internal log at once; DescribeDeliveryStream then shows it DELETING for
// Config.StateDelay (its last description, kept in memory), after which it
// is gone, and the name cannot be reused meanwhile. Records accepted but
// not yet delivered are dropped, as AWS warns ("it doesn't make any
// guarantees with respect to delivering the data"). AllowForceDelete is
// accepted (there is no KMS grant to retire).
//
// Errors as AWS: ResourceNotFoundException; ResourceInUseException while
// CREATING ("You can't delete a delivery stream that is in the CREATING
// state"). Deleting a stream that is DELETING succeeds, as AWS allows.
//
// Known gaps vs AWS: the DELETING phase does not survive a restart.
package firehose

import (
	"context"
	"time"
)

func (s *Server) deleteDeliveryStream(ctx context.Context, in *NameInput) (*Empty, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	if err := c.Err(); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.load(name)
	if err != nil {
		if _, ok := s.tombLocked(name, now); ok {
			return &Empty{}, nil
		}
		return nil, err
	}
	if status := sm.st.status(now); status == statusCreating {
		return nil, s.notActive(name, status)
	}
	desc := s.describe(sm, now)
	if err := s.eng.Delete(ctx, name); err != nil {
		return nil, s.engineErr(name, err)
	}
	s.refreshViews()
	if s.cfg.StateDelay > 0 {
		desc.DeliveryStreamStatus = statusDeleting
		desc.FailureDescription = nil
		s.tombs[name] = tomb{desc: desc, goneAt: now.Add(s.cfg.StateDelay)}
	}
	s.sweepLocked(now)
	return &Empty{}, nil
}

// sweepLocked drops expired tombstones. s.mu must be held.
func (s *Server) sweepLocked(now time.Time) {
	for name, t := range s.tombs {
		if !now.Before(t.goneAt) {
			delete(s.tombs, name)
		}
	}
}
