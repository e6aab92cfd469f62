package kinesis

// UpdateChannel changes a channel's DataFreshnessInSeconds (through the
// configuration of its destination type) and its logging configuration;
// AWS allows nothing else. The channel must be ACTIVE
// (ResourceInUseException otherwise); it is then UPDATING for
// Config.StateDelay. The new freshness applies from the next object.
// Passing the configuration of the other destination type, or nothing to
// change, is an InvalidArgumentException; DataFreshnessInSeconds must be
// 300-900.
//
// Gaps vs AWS: messages of the InvalidArgumentExceptions are rheo's.

import (
	"context"
	"encoding/json"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// updateChannelInput is the UpdateChannel request.
type updateChannelInput struct {
	ChannelARN                       *string                      `json:"ChannelARN"`
	LoggingConfiguration             *channelLoggingConfiguration `json:"LoggingConfiguration"`
	S3DestinationConfiguration       *freshnessUpdate             `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration *freshnessUpdate             `json:"S3TablesDestinationConfiguration"`
}

// freshnessUpdate is S3DestinationUpdateInput and
// S3TablesDestinationUpdateInput.
type freshnessUpdate struct {
	DataFreshnessInSeconds *int64 `json:"DataFreshnessInSeconds"`
}

func (s *Server) updateChannel(ctx context.Context, in *updateChannelInput) (*channelDescriptionOutput, error) {
	name, err := channelNameOfARN(in.ChannelARN)
	if err != nil {
		return nil, err
	}
	var v wire.Validation
	if u := in.S3DestinationConfiguration; u != nil && u.DataFreshnessInSeconds == nil {
		v.Null("s3DestinationConfiguration.dataFreshnessInSeconds")
	}
	if u := in.S3TablesDestinationConfiguration; u != nil && u.DataFreshnessInSeconds == nil {
		v.Null("s3TablesDestinationConfiguration.dataFreshnessInSeconds")
	}
	if l := in.LoggingConfiguration; l != nil {
		checkLogging(&v, "loggingConfiguration.cloudWatchLogs", l.CloudWatchLogs)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	eng, view, err := s.findChannelLocked(ctx, name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if st, _ := s.channelStatus(view.state, now); st != channelActive {
		return nil, wire.ResourceInUse("Channel %s under account %s not ACTIVE, instead in state %s", name, s.cfg.Account, st)
	}
	c := *view.state
	switch {
	case in.S3DestinationConfiguration != nil && c.S3 == nil:
		return nil, wire.InvalidArgument("Channel %s delivers to S3 Tables; use S3TablesDestinationConfiguration.", name)
	case in.S3TablesDestinationConfiguration != nil && c.S3Tables == nil:
		return nil, wire.InvalidArgument("Channel %s delivers to a general purpose S3 bucket; use S3DestinationConfiguration.", name)
	case in.S3DestinationConfiguration == nil && in.S3TablesDestinationConfiguration == nil && in.LoggingConfiguration == nil:
		return nil, wire.InvalidArgument("UpdateChannel needs S3DestinationConfiguration, S3TablesDestinationConfiguration or LoggingConfiguration.")
	}
	if u := in.S3DestinationConfiguration; u != nil {
		f, err := freshness(u.DataFreshnessInSeconds)
		if err != nil {
			return nil, err
		}
		d := *c.S3
		d.DataFreshnessInSeconds = f
		c.S3 = &d
	}
	if u := in.S3TablesDestinationConfiguration; u != nil {
		f, err := freshness(u.DataFreshnessInSeconds)
		if err != nil {
			return nil, err
		}
		d := *c.S3Tables
		d.DataFreshnessInSeconds = f
		c.S3Tables = &d
	}
	if in.LoggingConfiguration != nil {
		c.Logging = loggingWithDefaults(in.LoggingConfiguration, c.Name, c.ID)
	}
	c.Status, c.ReadyAt = channelUpdating, now.Add(s.cfg.StateDelay)
	spec, err := channelSpec(&c)
	if err != nil {
		return nil, err
	}
	api, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	_, err = eng.Update(ctx, deliveryName(name), func(def *delivery.Definition) error {
		spec.Version = def.Spec.Version
		def.Spec = spec
		def.API = api
		return nil
	})
	if err != nil {
		return nil, s.engineError(name, err)
	}
	out := s.describeChannelState(ctx, &c, now)
	out.ChannelStatus = channelUpdating
	return &channelDescriptionOutput{ChannelDescription: out}, nil
}
