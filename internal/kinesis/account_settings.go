// DescribeAccountSettings and UpdateAccountSettings: the account's minimum
// throughput billing commitment (on-demand Advantage).
//
// Behaviour: the commitment starts DISABLED. ENABLED starts it now with an
// earliest allowed end 24 hours later; DISABLED before that answers
// ENABLED_UNTIL_EARLIEST_ALLOWED_END (the commitment then ends at its
// earliest allowed end), and after it ends the commitment at once
// (DISABLED, with EndedAt). The setting is one meta record (namespace
// accountNS), so it survives restarts.
//
// Known gaps vs AWS: billing does not exist in rheo, so the setting only
// changes what these two actions report; AWS's minimum window is longer
// and not documented in the API reference (rheo uses 24 hours); the
// 5-calls-per-second limit is not enforced.
package kinesis

import (
	"context"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// accountNS is the meta namespace of account settings.
const accountNS = "kinesis.account"

// commitmentWindow is the earliest a commitment may end after it starts.
const commitmentWindow = 24 * time.Hour

// Commitment statuses, as AWS names them.
const (
	commitEnabled      = "ENABLED"
	commitDisabled     = "DISABLED"
	commitEnabledUntil = "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
)

// commitment is the stored commitment.
type commitment struct {
	Enabled   bool      `json:"enabled"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	EndAt     time.Time `json:"endAt,omitzero"` // when a disabled commitment ends (or ended)
}

// render is the commitment as of now.
func (c *commitment) render(now time.Time) *wire.MinimumThroughputBillingCommitmentOutput {
	ts := func(t time.Time) *wire.Timestamp { return &wire.Timestamp{Time: t} }
	switch {
	case c.StartedAt.IsZero():
		return &wire.MinimumThroughputBillingCommitmentOutput{Status: commitDisabled}
	case c.Enabled:
		return &wire.MinimumThroughputBillingCommitmentOutput{Status: commitEnabled, StartedAt: ts(c.StartedAt), EarliestAllowedEndAt: ts(c.StartedAt.Add(commitmentWindow))}
	case now.Before(c.EndAt):
		return &wire.MinimumThroughputBillingCommitmentOutput{Status: commitEnabledUntil, StartedAt: ts(c.StartedAt), EarliestAllowedEndAt: ts(c.StartedAt.Add(commitmentWindow)), EndedAt: ts(c.EndAt)}
	default:
		return &wire.MinimumThroughputBillingCommitmentOutput{Status: commitDisabled, StartedAt: ts(c.StartedAt), EndedAt: ts(c.EndAt)}
	}
}

func (s *Server) loadCommitment() (commitment, error) {
	var c commitment
	if _, err := s.meta.Get(accountNS, "commitment", &c); err != nil {
		return c, fmt.Errorf("read account settings: %w", err)
	}
	return c, nil
}

func (s *Server) describeAccountSettings(_ context.Context, _ *wire.DescribeAccountSettingsInput) (*wire.AccountSettingsOutput, error) {
	c, err := s.loadCommitment()
	if err != nil {
		return nil, err
	}
	return &wire.AccountSettingsOutput{MinimumThroughputBillingCommitment: c.render(s.now())}, nil
}

func (s *Server) updateAccountSettings(_ context.Context, in *wire.UpdateAccountSettingsInput) (*wire.AccountSettingsOutput, error) {
	var v wire.Validation
	switch m := in.MinimumThroughputBillingCommitment; {
	case m == nil:
		v.Null("minimumThroughputBillingCommitment")
	case m.Status == nil:
		v.Null("minimumThroughputBillingCommitment.status")
	case *m.Status != commitEnabled && *m.Status != commitDisabled:
		v.Fail("minimumThroughputBillingCommitment.status", m.Status, "Member must satisfy enum value set: [ENABLED, DISABLED]")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	c, err := s.loadCommitment()
	if err != nil {
		return nil, err
	}
	now := s.now()
	active := c.Enabled || !c.StartedAt.IsZero() && now.Before(c.EndAt)
	if *in.MinimumThroughputBillingCommitment.Status == commitEnabled {
		if !active {
			c = commitment{StartedAt: now}
		}
		c.Enabled, c.EndAt = true, time.Time{}
	} else if c.Enabled {
		c.Enabled = false
		c.EndAt = c.StartedAt.Add(commitmentWindow)
		if now.After(c.EndAt) {
			c.EndAt = now
		}
	}
	if err := s.meta.Put(accountNS, "commitment", &c); err != nil {
		return nil, fmt.Errorf("store account settings: %w", err)
	}
	return &wire.AccountSettingsOutput{MinimumThroughputBillingCommitment: c.render(now)}, nil
}
