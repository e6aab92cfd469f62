package kinesis

import (
	"context"
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// resolveStream finds the stream named by StreamName or StreamARN (either or
// both may be given, as on AWS) and checks that it exists. Callers check the
// status they need; see requireActive.
func (s *Server) resolveStream(ctx context.Context, name, arn *string) (*meta.Stream, error) {
	n, err := s.streamNameOf(ctx, name, arn)
	if err != nil {
		return nil, err
	}
	st, ok := s.meta.Stream(n)
	if !ok {
		return nil, s.notFound(n)
	}
	return st, nil
}

// streamNameOf validates StreamName/StreamARN and returns the name.
func (s *Server) streamNameOf(_ context.Context, name, arn *string) (string, error) {
	switch {
	case arn != nil:
		i := strings.LastIndex(*arn, ":stream/")
		if !strings.HasPrefix(*arn, "arn:") || i < 0 || len(*arn)-i-len(":stream/") < 1 {
			var v wire.Validation
			v.Fail("streamARN", *arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
			return "", v.Err()
		}
		n := (*arn)[i+len(":stream/"):]
		if name != nil && *name != n {
			return "", wire.InvalidArgument("StreamARN %s and StreamName %s do not refer to the same stream.", *arn, *name)
		}
		return n, nil
	case name != nil:
		return *name, nil
	default:
		return "", wire.InvalidArgument("Either StreamName or StreamARN should be provided.")
	}
}

// notFound is the ResourceNotFoundException for a missing stream.
func (s *Server) notFound(name string) error {
	return wire.ResourceNotFound("Stream %s under account %s not found.", name, s.cfg.Account)
}
