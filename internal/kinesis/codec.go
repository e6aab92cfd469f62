package kinesis

// Body codecs of the Kinesis API. A request's Content-Type picks the codec
// for its body, its response and its errors: application/x-amz-json-1.1
// (the AWS CLI, boto3, aws-sdk-go-v2, anything unrecognised) or
// application/x-amz-cbor-1.1 (the Java SDKs, the KPL and the KCL by
// default). Both decode into the same wire input structs; actions never
// see which one was used. Outputs that encode themselves (GetRecords,
// PutRecords) implement AppendJSON and AppendCBOR; the rest go through
// encoding/json or fxamacker/cbor, which honours the same json tags.
//
// Decoding is also where authorization happens (auth.go): once the input
// is decoded, the stream it names is known, so c.decode checks the
// caller's permission before the action sees the input.

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// codec is the body encoding of one request and its reply.
type codec uint8

const (
	codecJSON codec = iota
	codecCBOR
)

// Content types of the two protocols.
const (
	contentTypeJSON = "application/x-amz-json-1.1"
	contentTypeCBOR = "application/x-amz-cbor-1.1"
)

// codecOf picks the codec from the request's Content-Type; anything but
// CBOR is JSON, as before CBOR was served.
func codecOf(r *http.Request) codec {
	ct := r.Header.Get("Content-Type")
	switch ct {
	case contentTypeCBOR:
		return codecCBOR
	case contentTypeJSON:
		return codecJSON // what the SDKs send: skip the parser
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.EqualFold(mt, contentTypeCBOR) {
		return codecCBOR
	}
	return codecJSON
}

func (cd codec) contentType() string {
	if cd == codecCBOR {
		return contentTypeCBOR
	}
	return contentTypeJSON
}

// decode unmarshals the request body into v with the request's codec and
// then checks the caller may act on what v names. An empty body is an
// empty object, as on AWS.
func (c *call) decode(v any) error {
	var err error
	if c.codec == codecCBOR {
		err = c.cbor.decode(c.body, v)
	} else if in, ok := v.(*wire.PutRecordInput); ok {
		err = decodePutRecord(c.body, in) // hot: the hand-written decoder
	} else {
		err = decodeJSON(c.body, v)
	}
	if err != nil {
		return err
	}
	return c.authz.checkInput(v)
}

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

// decodePutRecords decodes a PutRecords body with the request's codec into
// the internal request the action takes, and checks the caller may write
// to the stream it names.
func (c *call) decodePutRecords() (*putRecordsRequest, error) {
	var req *putRecordsRequest
	var err error
	if c.codec == codecCBOR {
		req, err = decodePutRecordsCBOR(c.cbor, c.body)
	} else {
		req, err = decodePutRecords(c.body)
	}
	if err != nil {
		return nil, err
	}
	if err := c.authz.checkStream(req.streamName, req.streamARN); err != nil {
		return nil, err
	}
	return req, nil
}

// jsonAppender is implemented by outputs that encode themselves faster than
// encoding/json can (GetRecords).
type jsonAppender interface{ AppendJSON(dst []byte) []byte }

// releaser is implemented by outputs holding pooled buffers (GetRecords'
// shard-log batch), released once the reply has been written.
type releaser interface{ release() }

// cborAppender is the CBOR counterpart of jsonAppender.
type cborAppender interface{ AppendCBOR(dst []byte) []byte }

// writeOutput encodes a successful reply with the request's codec.
func (s *Server) writeOutput(w http.ResponseWriter, c *call, out any) {
	if r, ok := out.(releaser); ok {
		defer r.release() // after the reply is written, not before
	}
	if _, ok := out.(*wire.Empty); ok {
		// Kinesis answers void actions with 200 and no body at all.
		w.Header().Set("Content-Type", c.codec.contentType())
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	var buf []byte
	var err error
	if c.codec == codecCBOR {
		buf, err = s.encodeCBOR(out)
	} else if a, ok := out.(jsonAppender); ok {
		hint := 0
		if h, ok := out.(interface{ sizeHint() int }); ok {
			hint = h.sizeHint()
		}
		buf = a.AppendJSON(s.bufs.get(hint))
		defer s.bufs.put(buf)
	} else {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		err = enc.Encode(out)
		buf = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	if err != nil {
		s.logger.Error("encode response", "err", err, "codec", c.codec.contentType())
		s.writeError(w, c.r, wire.InternalFailure())
		return
	}
	w.Header().Set("Content-Type", c.codec.contentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

// errorBody encodes an API error as {"__type", "message"} in the codec.
func (s *Server) errorBody(cd codec, e *wire.Error) []byte {
	if cd == codecCBOR {
		return appendCBORError(nil, e)
	}
	body := map[string]string{"__type": e.Type}
	if e.Message != "" {
		body["message"] = e.Message
	}
	b, _ := json.Marshal(body)
	return b
}
