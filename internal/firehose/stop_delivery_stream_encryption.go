// StopDeliveryStreamEncryption turns server-side encryption off: the
// status is DISABLING for Config.StateDelay, then DISABLED, and the key is
// forgotten. Stopping a stream whose encryption is off does nothing.
//
// Errors as AWS: ResourceNotFoundException; InvalidArgumentException for a
// Kinesis-sourced stream; ResourceInUseException while CREATING.
//
// Known gaps vs AWS: the 25 calls per 24 hours limit is not enforced.
package firehose

import "context"

func (s *Server) stopDeliveryStreamEncryption(ctx context.Context, in *NameInput) (*Empty, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return s.changeEncryption(ctx, *in.DeliveryStreamName, func(cur encState) encState {
		if cur.Target != encEnabled {
			return cur
		}
		return encState{ReadyAt: s.now().Add(s.cfg.StateDelay)}
	})
}
