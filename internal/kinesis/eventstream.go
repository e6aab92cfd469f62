// The AWS event-stream response of SubscribeToShard: an HTTP 200 with
// Content-Type application/vnd.amazon.eventstream whose body is a sequence
// of binary messages (prelude, headers, payload, CRCs), each encoded by
// aws-sdk-go-v2's eventstream.Encoder and flushed at once, so a record
// reaches the client as soon as its event is written.
//
// Every message carries :message-type; events add :event-type and
// :content-type application/json (application/x-amz-cbor-1.1 with CBOR
// payloads when the request was CBOR) ("initial-response" with payload {},
// then "SubscribeToShardEvent"); exceptions add :exception-type (the API
// error type, e.g. ResourceNotFoundException) and a {"message": ...}
// payload. It works on HTTP/1.1 (chunked) and HTTP/2 alike: both
// ResponseWriters flush through http.ResponseController.
package kinesis

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// eventWriteTimeout bounds the write of one event, so a client that stops
// reading cannot hold a subscription (and its goroutine) forever. It also
// lifts any server-wide WriteTimeout for the stream's lifetime.
const eventWriteTimeout = time.Minute

// eventWriter writes event-stream messages to an HTTP response. It is used
// by one goroutine.
type eventWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *eventstream.Encoder
	// payloadType is the :content-type of payloads: JSON, or CBOR when the
	// request was CBOR (the Java SDKs and the KCL); marshal encodes
	// payloads of that type.
	payloadType string
	marshal     func(v any) ([]byte, error)
}

func newEventWriter(w http.ResponseWriter, payloadType string, marshal func(any) ([]byte, error)) *eventWriter {
	return &eventWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder(), payloadType: payloadType, marshal: marshal}
}

// start writes the response headers.
func (e *eventWriter) start(requestID string) error {
	h := e.w.Header()
	h.Set("Content-Type", wire.EventStreamContentType)
	h.Set("x-amzn-RequestId", requestID)
	e.w.WriteHeader(http.StatusOK)
	return e.flush()
}

// event writes one event message and flushes it.
func (e *eventWriter) event(eventType string, payload []byte) error {
	var msg eventstream.Message
	msg.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(eventstreamapi.EventMessageType))
	msg.Headers.Set(eventstreamapi.EventTypeHeader, eventstream.StringValue(eventType))
	msg.Headers.Set(eventstreamapi.ContentTypeHeader, eventstream.StringValue(e.payloadType))
	msg.Payload = payload
	return e.write(msg)
}

// exception writes err as an exception message: its API type (or
// InternalFailureException for errors that are not API errors) and message.
func (e *eventWriter) exception(err error) error {
	typ, text := "InternalFailureException", "Internal service failure."
	if we, ok := wire.AsError(err); ok && !errors.Is(err, wire.ErrInternalFailure) {
		typ, text = we.Type, we.Message
	}
	payload, err := e.marshal(map[string]string{"message": text})
	if err != nil {
		return fmt.Errorf("encode exception: %w", err)
	}
	var msg eventstream.Message
	msg.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(eventstreamapi.ExceptionMessageType))
	msg.Headers.Set(eventstreamapi.ExceptionTypeHeader, eventstream.StringValue(typ))
	msg.Headers.Set(eventstreamapi.ContentTypeHeader, eventstream.StringValue(e.payloadType))
	msg.Payload = payload
	return e.write(msg)
}

func (e *eventWriter) write(msg eventstream.Message) error {
	_ = e.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)) // unsupported writers just have none
	if err := e.enc.Encode(e.w, msg); err != nil {
		return fmt.Errorf("write event: %w", err)
	}
	return e.flush()
}

func (e *eventWriter) flush() error {
	if err := e.rc.Flush(); err != nil {
		return fmt.Errorf("flush event: %w", err)
	}
	return nil
}
