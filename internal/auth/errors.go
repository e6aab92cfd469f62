package auth

import "net/http"

// Error is an authentication or authorization failure with the error type
// and message AWS sends for it. Status is the HTTP status (400 for every
// SigV4 failure on the JSON protocols, as on AWS).
type Error struct {
	Type    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Is matches errors of the same Type, so errors.Is(err, auth.ErrInvalidSignature)
// works whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// Template errors for errors.Is.
var (
	// ErrMissingToken: the request carries no Authorization header.
	ErrMissingToken = &Error{Type: "MissingAuthenticationTokenException", Status: http.StatusBadRequest}
	// ErrIncompleteSignature: the Authorization header lacks a part.
	ErrIncompleteSignature = &Error{Type: "IncompleteSignatureException", Status: http.StatusBadRequest}
	// ErrUnrecognizedClient: the access key id is not in the store.
	ErrUnrecognizedClient = &Error{Type: "UnrecognizedClientException", Status: http.StatusBadRequest}
	// ErrInvalidSignature: the signature does not match, or is expired.
	ErrInvalidSignature = &Error{Type: "InvalidSignatureException", Status: http.StatusBadRequest}
	// ErrAccessDenied: the principal may not perform the action.
	ErrAccessDenied = &Error{Type: "AccessDeniedException", Status: http.StatusBadRequest}
)

func newErr(tmpl *Error, msg string) *Error {
	return &Error{Type: tmpl.Type, Status: tmpl.Status, Message: msg}
}

// AWS's wording for the failures whose text never varies.
const (
	msgMissingToken      = "Missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// AccessDenied builds the AccessDeniedException AWS returns when no
// identity-based policy allows action on resourceARN.
func (p *Principal) AccessDenied(action, resourceARN string) *Error {
	return newErr(ErrAccessDenied, "User: "+p.ARN()+" is not authorized to perform: "+action+
		" on resource: "+resourceARN+" because no identity-based policy allows the "+action+" action")
}
