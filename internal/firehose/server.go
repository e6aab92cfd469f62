// The HTTP side of the Firehose API: Config, the Server and its lifecycle,
// and the one adapter (X-Amz-Target dispatch, body decoding, SigV4
// authentication when configured (auth.go), reply encoding, and the single
// error mapping in writeError). Every reply is JSON 1.1; void actions
// answer 200 with "{}", as Firehose does.
//
// Known gaps vs AWS: with Config.Auth nil requests are not authenticated
// and SigV4 is read only for its region.
package firehose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// targetPrefix is the X-Amz-Target namespace of Firehose.
const targetPrefix = "Firehose_20150804."

// contentType is the JSON 1.1 media type of every reply.
const contentType = "application/x-amz-json-1.1"

// maxBodySize bounds a request body: a PutRecordBatch carries at most
// 4 MiB of data, which base64 and JSON grow to under 6 MiB.
const maxBodySize = 16 << 20

// Config holds the server's settings.
type Config struct {
	// Account is the 12-digit account id written into ARNs and messages;
	// "000000000000" when empty.
	Account string
	// Auth turns on SigV4 authentication (service "firehose") and
	// permissions on "firehose:<Action>" for delivery stream names; nil
	// accepts unsigned requests.
	Auth *auth.Store
	// StateDelay is how long a delivery stream stays CREATING and DELETING
	// and encryption ENABLING/DISABLING.
	StateDelay time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// CheckStream reports whether a Kinesis stream exists (the source of a
	// KinesisStreamAsSource delivery stream); nil accepts any name.
	CheckStream func(name string) bool
	// CheckTable fails if the schema table of a record format conversion
	// does not exist; nil refuses conversion.
	CheckTable func(ctx context.Context, database, table string) error
	// CheckBucket fails if a destination bucket is unusable; nil skips it.
	CheckBucket func(ctx context.Context, bucket string) error
	// Logger receives internal failures; nil discards.
	Logger *slog.Logger
}

// engine is what the API needs of the delivery engine (delivery.Manager);
// tests substitute a fake.
type engine interface {
	Create(ctx context.Context, name string, spec delivery.Spec, api json.RawMessage) (delivery.Definition, error)
	Get(name string) (delivery.Definition, bool)
	List() []delivery.Definition
	Update(ctx context.Context, name string, fn func(*delivery.Definition) error) (delivery.Definition, error)
	Delete(ctx context.Context, name string) error
	Put(ctx context.Context, name string, records [][]byte) (ids []string, encrypted bool, err error)
	Status(name string) (delivery.Status, bool)
}

// Server is the Firehose API endpoint. It is an http.Handler.
type Server struct {
	cfg    Config
	eng    engine
	logger *slog.Logger
	ops    map[string]op

	// mu guards tombs and serialises control actions (create, delete) so
	// a name check and its effect are atomic.
	mu    sync.Mutex
	tombs map[string]tomb // deleted streams still shown as DELETING

	// views is the put path's snapshot of the streams
	// (encryption_at_rest.go).
	views atomic.Pointer[views]
}

// New builds the API over a delivery Manager.
func New(cfg Config, m *delivery.Manager) (*Server, error) {
	if m == nil {
		return nil, errors.New("firehose: nil delivery manager")
	}
	return newServer(cfg, m), nil
}

func newServer(cfg Config, eng engine) *Server {
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.StateDelay < 0 {
		cfg.StateDelay = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, eng: eng, logger: logger, tombs: make(map[string]tomb)}
	s.refreshViews()
	s.ops = map[string]op{
		"CreateDeliveryStream":          handle(s.createDeliveryStream),
		"DeleteDeliveryStream":          handle(s.deleteDeliveryStream),
		"DescribeDeliveryStream":        handle(s.describeDeliveryStream),
		"ListDeliveryStreams":           handle(s.listDeliveryStreams),
		"ListTagsForDeliveryStream":     handle(s.listTagsForDeliveryStream),
		"PutRecord":                     handle(s.putRecord),
		"PutRecordBatch":                handle(s.putRecordBatch),
		"StartDeliveryStreamEncryption": handle(s.startDeliveryStreamEncryption),
		"StopDeliveryStreamEncryption":  handle(s.stopDeliveryStreamEncryption),
		"TagDeliveryStream":             handle(s.tagDeliveryStream),
		"UntagDeliveryStream":           handle(s.untagDeliveryStream),
		"UpdateDestination":             handle(s.updateDestination),
	}
	return s
}

// Close releases nothing today (the server has no background work; the
// Manager is closed by its owner); it exists for the server's lifecycle.
func (s *Server) Close() error { return nil }

// op is one action: it decodes its input from c and returns the output.
type op func(ctx context.Context, c *call) (any, error)

// call is one decoded HTTP request.
type call struct {
	body  []byte
	authz *authorizer // nil: no per-stream check needed
}

// handle adapts a typed action to an op.
func handle[In, Out any](fn func(context.Context, *In) (*Out, error)) op {
	return func(ctx context.Context, c *call) (any, error) {
		in := new(In)
		if err := c.decode(in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// decode unmarshals the body into v and checks the caller may act on the
// delivery stream v names. An empty body is an empty object.
func (c *call) decode(v any) error {
	if fd, ok := v.(fastDecoder); ok {
		if ok, err := fd.decodeFast(c.body); ok {
			if err != nil {
				return err
			}
			return c.authz.checkInput(v)
		}
	}
	if err := decodeJSON(c.body, v); err != nil {
		return err
	}
	return c.authz.checkInput(v)
}

// decodeJSON decodes a request body with AWS's SerializationException for
// malformed JSON and wrongly typed members.
func decodeJSON(body []byte, v any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return wire.Serialization("Unexpected value type for member %q: got JSON %s", te.Field, te.Value)
		}
		return wire.Serialization("Malformed JSON request body: %v", err)
	}
	return nil
}

type reqInfoKey struct{}

// reqInfo is what actions need to know about the HTTP request.
type reqInfo struct {
	Region string
}

func requestInfo(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{Region: "us-east-1"}
}

// ServeHTTP implements http.Handler for POST / with X-Amz-Target.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("x-amz-id-2", id)
	if r.Method != http.MethodPost {
		s.writeError(w, r, &wire.Error{Type: "MethodNotAllowed", Status: http.StatusMethodNotAllowed, Message: "Firehose API requests are POST /"})
		return
	}
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	o := s.ops[name]
	if !ok || o == nil {
		s.writeError(w, r, wire.UnknownOperation())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
	if err != nil {
		s.writeError(w, r, wire.Serialization("Could not read request body: %v", err))
		return
	}
	if len(body) > maxBodySize {
		s.writeError(w, r, &wire.Error{Type: "SerializationException", Status: http.StatusRequestEntityTooLarge, Message: "Request body is too large."})
		return
	}
	c := &call{body: body}
	if s.cfg.Auth != nil {
		if c.authz, err = s.authenticate(r, body, name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	ctx := context.WithValue(r.Context(), reqInfoKey{}, &reqInfo{Region: auth.RegionOf(r)})
	out, err := o(ctx, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeOutput(w, r, out)
}

// writeOutput encodes a successful reply.
func (s *Server) writeOutput(w http.ResponseWriter, r *http.Request, out any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		s.logger.Error("encode response", "err", err)
		s.writeError(w, r, wire.InternalFailure())
		return
	}
	buf := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

// writeError is the one place errors become API errors: *wire.Error as
// is, delivery.ErrClosed as ServiceUnavailableException, anything else as
// InternalFailure (logged).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, delivery.ErrClosed) {
		err = &wire.Error{Type: "ServiceUnavailableException", Status: http.StatusServiceUnavailable, Message: "Firehose is shutting down; retry the request."}
	}
	e, known := wire.AsError(err)
	target := r.Header.Get("X-Amz-Target")
	if !known && r.Context().Err() != nil {
		// The client hung up mid-request: not a failure of rheo's.
		s.logger.Debug("request abandoned by the client", "err", err, "remote", r.RemoteAddr, "target", target)
	} else if !known {
		s.logger.Error("internal failure", "err", err, "remote", r.RemoteAddr, "target", target)
	} else {
		s.logger.Debug("request rejected", "type", e.Type, "msg", e.Message, "remote", r.RemoteAddr, "target", target)
	}
	body := map[string]string{"__type": e.Type}
	if e.Message != "" {
		body["message"] = e.Message
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// streamARN is a delivery stream's ARN in region.
func (s *Server) streamARN(region, name string) string {
	return fmt.Sprintf("arn:aws:firehose:%s:%s:deliverystream/%s", region, s.cfg.Account, name)
}

// now is the server clock.
func (s *Server) now() time.Time { return s.cfg.Now() }

// notFound is AWS's ResourceNotFoundException for a delivery stream.
func (s *Server) notFound(name string) error {
	return wire.ResourceNotFound("Firehose %s under account %s not found.", name, s.cfg.Account)
}
