package wire

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an API error as Kinesis returns it: an HTTP status, a type
// written to the `__type` member and a message. Handlers return *Error for
// every failure a client should see; anything else becomes InternalFailure.
type Error struct {
	Type    string
	Status  int
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// Is matches errors of the same Type, so errors.Is(err, wire.ErrResourceNotFound)
// works whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// Template errors for errors.Is; build real ones with the constructors.
var (
	ErrResourceNotFound = &Error{Type: "ResourceNotFoundException", Status: http.StatusBadRequest}
	ErrResourceInUse    = &Error{Type: "ResourceInUseException", Status: http.StatusBadRequest}
	ErrValidation       = &Error{Type: "ValidationException", Status: http.StatusBadRequest}
	ErrInvalidArgument  = &Error{Type: "InvalidArgumentException", Status: http.StatusBadRequest}
	ErrExpiredIterator  = &Error{Type: "ExpiredIteratorException", Status: http.StatusBadRequest}
	ErrLimitExceeded    = &Error{Type: "LimitExceededException", Status: http.StatusBadRequest}
	ErrSerialization    = &Error{Type: "SerializationException", Status: http.StatusBadRequest}
	ErrUnknownOperation = &Error{Type: "UnknownOperationException", Status: http.StatusBadRequest}
	ErrThroughput       = &Error{Type: "ProvisionedThroughputExceededException", Status: http.StatusBadRequest}
	ErrAccessDenied     = &Error{Type: "AccessDeniedException", Status: http.StatusBadRequest}
	ErrInternalFailure  = &Error{Type: "InternalFailure", Status: http.StatusInternalServerError}
	ErrServiceUnavail   = &Error{Type: "ServiceUnavailable", Status: http.StatusServiceUnavailable}
)

func newErr(tmpl *Error, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Type: tmpl.Type, Status: tmpl.Status, Message: msg}
}

// ResourceNotFound builds a ResourceNotFoundException.
func ResourceNotFound(format string, args ...any) *Error {
	return newErr(ErrResourceNotFound, format, args...)
}

// ResourceInUse builds a ResourceInUseException.
func ResourceInUse(format string, args ...any) *Error {
	return newErr(ErrResourceInUse, format, args...)
}

// InvalidArgument builds an InvalidArgumentException.
func InvalidArgument(format string, args ...any) *Error {
	return newErr(ErrInvalidArgument, format, args...)
}

// ExpiredIterator builds an ExpiredIteratorException.
func ExpiredIterator(format string, args ...any) *Error {
	return newErr(ErrExpiredIterator, format, args...)
}

// LimitExceeded builds a LimitExceededException.
func LimitExceeded(format string, args ...any) *Error {
	return newErr(ErrLimitExceeded, format, args...)
}

// Serialization builds a SerializationException (malformed request body).
func Serialization(format string, args ...any) *Error {
	return newErr(ErrSerialization, format, args...)
}

// UnknownOperation builds an UnknownOperationException.
func UnknownOperation() *Error {
	return &Error{Type: ErrUnknownOperation.Type, Status: ErrUnknownOperation.Status}
}

// Throughput builds a ProvisionedThroughputExceededException.
func Throughput(format string, args ...any) *Error { return newErr(ErrThroughput, format, args...) }

// InternalFailure builds an InternalFailure; the message never leaks details.
func InternalFailure() *Error {
	return &Error{Type: ErrInternalFailure.Type, Status: ErrInternalFailure.Status, Message: "Internal service failure."}
}

// AsError returns err as an *Error, turning unknown errors into
// InternalFailure (second result false, so the caller can log the cause).
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return InternalFailure(), false
}
