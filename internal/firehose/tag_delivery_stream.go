// TagDeliveryStream adds tags or replaces the values of existing keys.
//
// Errors as AWS: ValidationException for the tag list (1-50 tags) and each
// key and value (tags.go); ResourceNotFoundException; LimitExceededException
// when the stream would have more than 50 tags; ResourceInUseException
// while CREATING.
//
// Known gaps vs AWS: the LimitExceededException wording is rheo's; the
// five transactions per second limit is not enforced.
package firehose

import (
	"context"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) tagDeliveryStream(ctx context.Context, in *TagDeliveryStreamInput) (*Empty, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	checkTags(&c, "tags", in.Tags, true)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return s.changeTags(ctx, *in.DeliveryStreamName, func(st *apiState) error {
		tags := mergeTags(st.Tags, in.Tags)
		if len(tags) > maxTags {
			return wire.LimitExceeded("Failed to tag Firehose %s under account %s: a delivery stream can have at most %d tags (it would have %d).", deref(in.DeliveryStreamName), s.cfg.Account, maxTags, len(tags))
		}
		st.Tags = tags
		return nil
	})
}

// changeTags edits the tags of a stream that is not CREATING.
func (s *Server) changeTags(ctx context.Context, name string, edit func(*apiState) error) (*Empty, error) {
	_, err := s.eng.Update(ctx, name, func(def *delivery.Definition) error {
		st, err := decodeState(*def)
		if err != nil {
			return err
		}
		if status := st.status(s.now()); status != statusActive {
			return s.notActive(name, status)
		}
		if err := edit(st); err != nil {
			return err
		}
		def.API, err = st.encode()
		return err
	})
	if err != nil {
		return nil, s.engineErr(name, err)
	}
	return &Empty{}, nil
}
