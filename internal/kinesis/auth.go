package kinesis

// SigV4 authentication and per-stream authorization, on when
// Config.Auth is set. The adapter verifies every request's signature
// (internal/auth, with the AWS SDK's signer) before dispatch; then, for a
// caller not allowed the action on every stream, the stream the request
// names is checked as soon as the input is decoded (call.decode,
// call.decodePutRecords), before the action validates or resolves
// anything, so a denied caller learns nothing about which streams exist.
// Every action must decode its input through the call for this to hold;
// TestAuthEveryOpChecksItsStream enforces it for all registered actions.
//
// Errors keep AWS's types, messages and 400 status:
// MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException, InvalidSignatureException (mismatch, skew
// beyond 5 minutes, key scoped to another service) and AccessDeniedException
// ("User: arn:aws:iam::<account>:user/<name> is not authorized to perform:
// kinesis:<Action> on resource: <stream ARN> because no identity-based
// policy allows the kinesis:<Action> action").
//
// Known gaps vs AWS: account-level actions (ListStreams, DescribeLimits, a
// ListShards that carries only NextToken) name the resource
// arn:aws:kinesis:<region>:<account>:* and need a "*" resource pattern; no
// resource-based (stream) policies.

import (
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// authorizer checks one call's resources against its principal. A nil
// *authorizer allows everything (auth off, or a full-access caller).
type authorizer struct {
	s       *Server
	p       *auth.Principal
	action  string // "kinesis:PutRecord"
	checked bool   // a resource check ran
}

// authenticate verifies the request and returns the authorizer for the
// call: nil when the caller may perform the action on every stream.
func (s *Server) authenticate(r *http.Request, body []byte, opName string) (*authorizer, error) {
	p, err := s.cfg.Auth.Authenticate(r, body, "kinesis", s.cfg.Account)
	if err != nil {
		return nil, authError(err)
	}
	action := "kinesis:" + opName
	if p.AllowedAll(action) {
		return nil, nil
	}
	return &authorizer{s: s, p: p, action: action}, nil
}

// authError turns an auth.Error into the API error it stands for.
func authError(err error) error {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return &wire.Error{Type: ae.Type, Status: ae.Status, Message: ae.Message}
	}
	return err
}

// resourceMembers are the input members that name a stream, directly or
// inside an ARN.
var resourceMembers = [...]string{"StreamName", "StreamARN", "ConsumerARN", "ResourceARN"}

// checkInput checks the streams a decoded input names: its StreamName,
// StreamARN, ConsumerARN or ResourceARN members, or the stream inside a
// GetRecords ShardIterator. An input naming none is an account-level
// request.
func (a *authorizer) checkInput(v any) error {
	if a == nil {
		return nil
	}
	a.checked = true
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	var names, arns []string
	if rv.Kind() == reflect.Struct {
		for _, m := range resourceMembers {
			s, ok := stringMember(rv, m)
			if !ok {
				continue
			}
			if m == "StreamName" {
				names = append(names, s)
			} else {
				arns = append(arns, s)
			}
		}
		if it, ok := stringMember(rv, "ShardIterator"); ok {
			if tok, err := a.s.data.iters.decode(it); err == nil {
				names = append(names, tok.stream)
			}
		}
	}
	return a.check(names, arns)
}

// stringMember reads a string or non-nil *string field of a struct.
func stringMember(rv reflect.Value, name string) (string, bool) {
	f := rv.FieldByName(name)
	switch {
	case !f.IsValid():
	case f.Kind() == reflect.String:
		return f.String(), f.Len() > 0
	case f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String:
		return f.Elem().String(), true
	}
	return "", false
}

// checkStream checks a request's StreamName and StreamARN members.
func (a *authorizer) checkStream(name, arn *string) error {
	if a == nil {
		return nil
	}
	a.checked = true
	var names, arns []string
	if name != nil {
		names = append(names, *name)
	}
	if arn != nil {
		arns = append(arns, *arn)
	}
	return a.check(names, arns)
}

// check allows the call only if every named stream is allowed; with no
// stream named it needs the account-level resource.
func (a *authorizer) check(names, arns []string) error {
	region := a.p.Region
	for _, n := range names {
		if !a.p.Allowed(a.action, n) {
			return authError(a.p.AccessDenied(a.action, "arn:aws:kinesis:"+region+":"+a.s.cfg.Account+":stream/"+n))
		}
	}
	for _, arn := range arns {
		if !a.p.Allowed(a.action, streamNameInARN(arn)) {
			return authError(a.p.AccessDenied(a.action, arn))
		}
	}
	if len(names) == 0 && len(arns) == 0 && !a.p.Allowed(a.action, "") {
		return authError(a.p.AccessDenied(a.action, "arn:aws:kinesis:"+region+":"+a.s.cfg.Account+":*"))
	}
	return nil
}

// streamNameInARN returns the stream name of a stream or consumer ARN
// (arn:aws:kinesis:r:a:stream/NAME[/consumer/C:ts]); anything else is
// returned whole, which no stream-name pattern but "*" matches.
func streamNameInARN(arn string) string {
	_, rest, ok := strings.Cut(arn, ":stream/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}
