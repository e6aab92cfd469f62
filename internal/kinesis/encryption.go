// StartStreamEncryption and StopStreamEncryption: server-side encryption
// of records at rest.
//
// Behaviour: StartStreamEncryption takes EncryptionType KMS and a KeyId —
// an alias name ("alias/aws/kinesis", the AWS-managed key, or any
// "alias/…"), a key ARN ("arn:aws:kms:<region>:<account>:key/<id>"), an
// alias ARN ("arn:aws:kms:…:alias/<name>") or a bare key id (a UUID or
// a multi-Region "mrk-…" id); it stores KMS and the KeyId (DescribeStream
// and DescribeStreamSummary show them) and puts the stream UPDATING for
// Config.StateDelay. StopStreamEncryption takes the same members and sets
// NONE. Both need an ACTIVE stream (ResourceInUseException otherwise, AWS's
// wording). While encryption is on, records appended through the
// internal/atrest wrapper (which `rheo serve` installs around the shard
// log; EncryptionLookup tells it which streams encrypt) are stored
// AES-256-GCM encrypted with a data key derived from the master key and
// the KeyId; PutRecord(s) answer EncryptionType KMS, and GetRecords marks
// every record that was stored encrypted with EncryptionType KMS (NONE for
// the others of an encrypted stream). Records written before stay
// plaintext, as on AWS.
//
// Known gaps vs AWS: KMS is not contacted, so a KeyId of a valid form is
// always accepted (AWS answers KMSNotFoundException, KMSDisabledException,
// KMSAccessDeniedException... for real keys); the InvalidArgumentException
// for a malformed KeyId and for EncryptionType NONE on Start is rheo's
// wording. Encryption applies from the call on, not from the end of
// UPDATING.
package kinesis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// Encryption types.
const (
	encryptionKMS  = "KMS"
	encryptionNone = "NONE"
)

// validateEncryption checks the members both actions share.
func validateEncryption(in *wire.StreamEncryptionInput) error {
	var v wire.Validation
	if in.EncryptionType == nil {
		v.Null("encryptionType")
	} else if *in.EncryptionType != encryptionKMS && *in.EncryptionType != encryptionNone {
		v.Fail("encryptionType", in.EncryptionType, "Member must satisfy enum value set: [KMS, NONE]")
	}
	if in.KeyId == nil {
		v.Null("keyId")
	} else if n := len(*in.KeyId); n < 1 {
		v.Fail("keyId", in.KeyId, "Member must have length greater than or equal to 1")
	} else if n > 2048 {
		v.Fail("keyId", in.KeyId, "Member must have length less than or equal to 2048")
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	return v.Err()
}

// validKeyID reports whether id has one of the forms KMS accepts.
func validKeyID(id string) bool {
	switch {
	case strings.HasPrefix(id, "alias/"):
		return len(id) > len("alias/") && !strings.ContainsAny(id, " \t\n")
	case strings.HasPrefix(id, "arn:aws"):
		parts := strings.SplitN(id, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return false
		}
		res := parts[5]
		return strings.HasPrefix(res, "key/") && len(res) > len("key/") || strings.HasPrefix(res, "alias/") && len(res) > len("alias/")
	case strings.HasPrefix(id, "mrk-"):
		return len(id) > 4 && isHexDash(id[4:])
	default:
		return len(id) == 36 && isHexDash(id) && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-'
	}
}

func isHexDash(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Server) startStreamEncryption(ctx context.Context, in *wire.StreamEncryptionInput) (*wire.Empty, error) {
	if err := validateEncryption(in); err != nil {
		return nil, err
	}
	if *in.EncryptionType != encryptionKMS {
		return nil, wire.InvalidArgument("Encryption type %s is not valid for StartStreamEncryption; use KMS.", *in.EncryptionType)
	}
	if !validKeyID(*in.KeyId) {
		return nil, wire.InvalidArgument("Invalid KeyId %s. Specify a key id, key ARN, alias name or alias ARN.", *in.KeyId)
	}
	return s.setEncryption(ctx, in, encryptionKMS, *in.KeyId)
}

func (s *Server) stopStreamEncryption(ctx context.Context, in *wire.StreamEncryptionInput) (*wire.Empty, error) {
	if err := validateEncryption(in); err != nil {
		return nil, err
	}
	return s.setEncryption(ctx, in, encryptionNone, "")
}

// setEncryption stores the stream's encryption and starts UPDATING.
func (s *Server) setEncryption(ctx context.Context, in *wire.StreamEncryptionInput, typ, key string) (*wire.Empty, error) {
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	_, err = s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if cur.UID != st.UID {
			return s.notFound(st.Name)
		}
		if err := s.requireActive(cur); err != nil {
			return err
		}
		cur.EncryptionType = typ
		cur.KeyID = key
		s.beginTransition(cur, meta.StatusUpdating)
		return nil
	})
	if err != nil {
		if _, ok := wire.AsError(err); ok {
			return nil, err
		}
		if errors.Is(err, meta.ErrStreamNotFound) {
			return nil, s.notFound(st.Name)
		}
		return nil, fmt.Errorf("set encryption of %s: %w", st.Name, err)
	}
	s.kickJanitor()
	return &wire.Empty{}, nil
}
