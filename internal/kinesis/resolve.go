// Stream addressing: every action that names a stream accepts StreamName,
// StreamARN or both (they must agree), as AWS does. A stream whose deletion
// is due is reported missing even before the janitor removes it.
//
// Known gaps vs AWS: the ARN's region and account are not checked against
// the request's (AWS answers AccessDenied or ResourceNotFound for a foreign
// account).
package kinesis

import (
	"context"
	"strconv"
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
	if !ok || gone(st, s.now()) {
		if ok {
			s.kickJanitor()
		}
		return nil, s.notFound(n)
	}
	return st, nil
}

// streamNameOf validates StreamName/StreamARN and returns the name.
func (s *Server) streamNameOf(_ context.Context, name, arn *string) (string, error) {
	var v wire.Validation
	if name != nil {
		checkStreamName(&v, "streamName", *name)
	}
	if arn != nil {
		switch {
		case len(*arn) < 1:
			v.Fail("streamARN", *arn, "Member must have length greater than or equal to 1")
		case len(*arn) > 2048:
			v.Fail("streamARN", *arn, "Member must have length less than or equal to 2048")
		}
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	switch {
	case arn != nil:
		i := strings.LastIndex(*arn, ":stream/")
		if !strings.HasPrefix(*arn, "arn:") || i < 0 || len(*arn)-i-len(":stream/") < 1 {
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

// checkStreamName records AWS's constraints on a stream name at path.
func checkStreamName(v *wire.Validation, path, name string) {
	switch {
	case len(name) < 1:
		v.Fail(path, name, "Member must have length greater than or equal to 1")
	case len(name) > maxStreamNameLen:
		v.Fail(path, name, "Member must have length less than or equal to 128")
	case !validName(name):
		v.Fail(path, name, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}

// checkShardID records AWS's constraints on a shard id at path.
func checkShardID(v *wire.Validation, path, id string) {
	switch {
	case len(id) < 1:
		v.Fail(path, id, "Member must have length greater than or equal to 1")
	case len(id) > maxShardIDLen:
		v.Fail(path, id, "Member must have length less than or equal to 128")
	case !validName(id):
		v.Fail(path, id, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}

// maxNextTokenLen is AWS's bound on a NextToken member.
const maxNextTokenLen = 1048576

// checkNextToken records the length constraints of a NextToken member.
func checkNextToken(v *wire.Validation, tok *string) {
	switch {
	case tok == nil:
	case len(*tok) < 1:
		v.Fail("nextToken", *tok, "Member must have length greater than or equal to 1")
	case len(*tok) > maxNextTokenLen:
		v.Fail("nextToken", *tok, "Member must have length less than or equal to "+itoa(maxNextTokenLen))
	}
}

// checkRange records a failure if *n is outside [lo, hi].
func checkRange(v *wire.Validation, path string, n *int64, lo, hi int64) {
	if n == nil {
		return
	}
	if *n < lo {
		v.Fail(path, n, "Member must have value greater than or equal to "+itoa(lo))
	} else if *n > hi {
		v.Fail(path, n, "Member must have value less than or equal to "+itoa(hi))
	}
}

// validName reports whether s matches AWS's [a-zA-Z0-9_.-]+ (stream names
// and shard ids).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// notFound is the ResourceNotFoundException for a missing stream.
func (s *Server) notFound(name string) error {
	return wire.ResourceNotFound("Stream %s under account %s not found.", name, s.cfg.Account)
}
