// Stream states: CREATING, UPDATING and DELETING last Config.StateDelay and
// then end (ACTIVE, or gone). Statuses are decided lazily from
// meta.Stream.ReadyAt (Stream.Effective), so they are exact whatever the
// janitor's timing and survive restarts; the janitor in ops_control.go only
// persists finished transitions and finishes deletions.
//
// Helpers here are shared with the record actions: effectiveStatus,
// requireActive and requireStatus. A DELETING stream whose ReadyAt has
// passed is gone: resolveStream answers ResourceNotFoundException for it.
//
// Known gaps vs AWS: the wording "Stream X under account Y not ACTIVE,
// instead in state CREATING" is AWS's (seen from real endpoints, no final
// period); which actions AWS refuses in which state is documented only
// loosely, see each action's file.
package kinesis

import (
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// effectiveStatus is the status st has now (CREATING and UPDATING turn
// ACTIVE once ReadyAt has passed).
func (s *Server) effectiveStatus(st *meta.Stream) meta.StreamStatus {
	return st.Effective(s.now())
}

// gone reports whether st is a DELETING stream whose deletion is due: it
// must look deleted even if the janitor has not removed it yet.
func gone(st *meta.Stream, now time.Time) bool {
	return st.Status == meta.StatusDeleting && !now.Before(st.ReadyAt)
}

// requireActive fails with AWS's ResourceInUseException unless st is ACTIVE
// now.
func (s *Server) requireActive(st *meta.Stream) error {
	return s.requireStatus(st, meta.StatusActive)
}

// requireStatus fails with AWS's ResourceInUseException unless st's status
// now is one of allowed: "Stream X under account Y not ACTIVE or UPDATING,
// instead in state CREATING".
func (s *Server) requireStatus(st *meta.Stream, allowed ...meta.StreamStatus) error {
	eff := s.effectiveStatus(st)
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if a == eff {
			return nil
		}
		names[i] = string(a)
	}
	return wire.ResourceInUse("Stream %s under account %s not %s, instead in state %s",
		st.Name, s.cfg.Account, strings.Join(names, " or "), eff)
}

// beginTransition puts st into status (UPDATING or DELETING) for
// Config.StateDelay and wakes the janitor so it finishes on time. It is
// meant for meta.Store.UpdateStream callbacks.
func (s *Server) beginTransition(st *meta.Stream, status meta.StreamStatus) {
	st.Status = status
	st.ReadyAt = s.now().Add(s.cfg.StateDelay)
}
