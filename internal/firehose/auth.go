package firehose

// SigV4 authentication and per-delivery-stream authorization, on when
// Config.Auth is set (the same credentials store as the Kinesis API, see
// docs/auth.md). The adapter verifies every request's signature before
// dispatch; the key must be scoped to service "firehose". A caller not
// allowed "firehose:<Action>" on every resource is then checked against
// the DeliveryStreamName of the decoded input (call.decode) before the
// action runs, so a denied caller learns nothing about which streams
// exist. Resource patterns of the credentials file ("orders-*") match
// delivery stream names; actions are written "firehose:PutRecord",
// "firehose:Put*", "firehose:*" or "*".
//
// Errors keep AWS's types, messages and 400 status (internal/auth), with
// AccessDeniedException naming the resource
// arn:aws:firehose:<region>:<account>:deliverystream/<name>.
//
// Known gaps vs AWS: ListDeliveryStreams is account-level and needs a "*"
// resource pattern; IAM roles named in configurations (RoleARN) are
// accepted and not checked.

import (
	"errors"
	"net/http"
	"reflect"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// authorizer checks one call's delivery stream against its principal. A
// nil *authorizer allows everything.
type authorizer struct {
	s      *Server
	p      *auth.Principal
	action string // "firehose:PutRecord"
}

// authenticate verifies the request and returns the authorizer for the
// call: nil when the caller may perform the action on every stream.
func (s *Server) authenticate(r *http.Request, body []byte, opName string) (*authorizer, error) {
	p, err := s.cfg.Auth.Authenticate(r, body, "firehose", s.cfg.Account)
	if err != nil {
		return nil, authError(err)
	}
	action := "firehose:" + opName
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

// checkInput checks the DeliveryStreamName member of a decoded input; an
// input without one is account-level and needs the "*" resource.
func (a *authorizer) checkInput(v any) error {
	if a == nil {
		return nil
	}
	name := ""
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		if f := rv.FieldByName("DeliveryStreamName"); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() {
			name = f.Elem().String()
		}
	}
	region := a.p.Region
	if name == "" {
		if a.p.Allowed(a.action, "") {
			return nil
		}
		return authError(a.p.AccessDenied(a.action, "arn:aws:firehose:"+region+":"+a.s.cfg.Account+":deliverystream/*"))
	}
	if a.p.Allowed(a.action, name) {
		return nil
	}
	return authError(a.p.AccessDenied(a.action, a.s.streamARN(region, name)))
}
