package kinesis

// A hand-written decoder for PutRecords and PutRecord bodies, the hottest
// requests. It scans the JSON once and decodes base64 Data and plain strings in place,
// inside the request body, so a 500-record call costs a few allocations
// instead of thousands, and no copy of the data. Anything unusual (escaped
// strings, base64 with line breaks, invalid UTF-8) falls back to
// encoding/json for that one value, so the result always matches what
// encoding/json would decode, except that member names are case-sensitive
// (as on AWS) where encoding/json folds case.

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// putRecordsRequest is a decoded PutRecords body. Its byte slices alias the
// body, which the decoder rewrites.
type putRecordsRequest struct {
	streamName *string
	streamARN  *string
	records    []putEntry
	hasRecords bool // Records present and not null
}

// putEntry is one record of a request. A nil slice means the member was
// absent or null; "" is a non-nil empty slice.
type putEntry struct {
	data []byte
	pk   []byte
	ehk  []byte
}

// maxJSONDepth bounds nesting of ignored members.
const maxJSONDepth = 64

type jsonScanner struct {
	b   []byte
	pos int
}

func serializationErr(what string) error {
	return wire.Serialization("%s", what)
}

func (sc *jsonScanner) ws() {
	for sc.pos < len(sc.b) {
		switch sc.b[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (sc *jsonScanner) peek() byte {
	sc.ws()
	if sc.pos >= len(sc.b) {
		return 0
	}
	return sc.b[sc.pos]
}

func (sc *jsonScanner) expect(c byte) error {
	if sc.peek() != c {
		return serializationErr("Malformed JSON request body: expected '" + string(c) + "'")
	}
	sc.pos++
	return nil
}

// literal consumes null, true or false.
func (sc *jsonScanner) literal(word string) bool {
	if len(sc.b)-sc.pos >= len(word) && string(sc.b[sc.pos:sc.pos+len(word)]) == word {
		sc.pos += len(word)
		return true
	}
	return false
}

// rawString scans a JSON string at pos (the opening quote) and returns the
// bounds of its content and whether it holds escapes or non-ASCII bytes.
func (sc *jsonScanner) rawString() (start, end int, plain bool, err error) {
	if sc.peek() != '"' {
		return 0, 0, false, serializationErr("Malformed JSON request body: expected a string")
	}
	sc.pos++
	start = sc.pos
	plain = true
	for sc.pos < len(sc.b) {
		c := sc.b[sc.pos]
		switch {
		case c == '"':
			end = sc.pos
			sc.pos++
			return start, end, plain, nil
		case c == '\\':
			plain = false
			sc.pos += 2 // the escaped byte; \uXXXX digits are checked by the slow path
		case c < 0x20:
			return 0, 0, false, serializationErr("Malformed JSON request body: control character in string")
		case c >= 0x80:
			plain = false
			sc.pos++
		default:
			sc.pos++
		}
	}
	return 0, 0, false, serializationErr("Malformed JSON request body: unterminated string")
}

// stringBytes decodes a string value; nil for null.
func (sc *jsonScanner) stringBytes(member string) ([]byte, error) {
	if sc.peek() == 'n' && sc.literal("null") {
		return nil, nil
	}
	if sc.peek() != '"' {
		return nil, typeErr(member)
	}
	start, end, plain, err := sc.rawString()
	if err != nil {
		return nil, err
	}
	if plain || (noEscapes(sc.b[start:end]) && utf8.Valid(sc.b[start:end])) {
		return sc.b[start:end:end], nil
	}
	var s string
	if err := json.Unmarshal(sc.b[start-1:end+1], &s); err != nil {
		return nil, serializationErr("Malformed JSON request body: invalid string")
	}
	return []byte(s), nil
}

func noEscapes(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return false
		}
	}
	return true
}

// blob decodes a base64 string value in place; nil for null.
func (sc *jsonScanner) blob(member string) ([]byte, error) {
	if sc.peek() == 'n' && sc.literal("null") {
		return nil, nil
	}
	if sc.peek() != '"' {
		return nil, typeErr(member)
	}
	// Fast path: find the closing quote with a vectorised search; with no
	// backslash in between, the string is exactly that span, and base64
	// decoding rejects every byte JSON or base64 would (control characters,
	// non-ASCII), so a failure here is the same failure encoding/json
	// reports. (A failed in-place decode may have rewritten part of the
	// span; it is not read again.)
	if q := bytes.IndexByte(sc.b[sc.pos+1:], '"'); q >= 0 {
		start, end := sc.pos+1, sc.pos+1+q
		if bytes.IndexByte(sc.b[start:end], '\\') < 0 {
			sc.pos = end + 1
			n, ok := wire.DecodeBlobInPlace(sc.b[start:end])
			if !ok {
				return nil, wire.Serialization("Malformed base64 in member %q", member)
			}
			return sc.b[start : start+n : start+n], nil
		}
	}
	start, end, _, err := sc.rawString()
	if err != nil {
		return nil, err
	}
	var out []byte
	if err := json.Unmarshal(sc.b[start-1:end+1], &out); err != nil {
		return nil, wire.Serialization("Malformed base64 in member %q", member)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

func typeErr(member string) error {
	return wire.Serialization("Unexpected value type for member %q", member)
}

// skip consumes one value of any type.
func (sc *jsonScanner) skip(depth int) error {
	if depth > maxJSONDepth {
		return serializationErr("Malformed JSON request body: nested too deeply")
	}
	switch c := sc.peek(); {
	case c == '"':
		_, _, _, err := sc.rawString()
		return err
	case c == '{':
		sc.pos++
		if sc.peek() == '}' {
			sc.pos++
			return nil
		}
		for {
			if _, _, _, err := sc.rawString(); err != nil {
				return err
			}
			if err := sc.expect(':'); err != nil {
				return err
			}
			if err := sc.skip(depth + 1); err != nil {
				return err
			}
			if sc.peek() == ',' {
				sc.pos++
				continue
			}
			return sc.expect('}')
		}
	case c == '[':
		sc.pos++
		if sc.peek() == ']' {
			sc.pos++
			return nil
		}
		for {
			if err := sc.skip(depth + 1); err != nil {
				return err
			}
			if sc.peek() == ',' {
				sc.pos++
				continue
			}
			return sc.expect(']')
		}
	case c == 't':
		if sc.literal("true") {
			return nil
		}
	case c == 'f':
		if sc.literal("false") {
			return nil
		}
	case c == 'n':
		if sc.literal("null") {
			return nil
		}
	case c == '-' || c >= '0' && c <= '9':
		return sc.number()
	}
	return serializationErr("Malformed JSON request body: unexpected character")
}

// number consumes a JSON number, checking its grammar.
func (sc *jsonScanner) number() error {
	b, i := sc.b, sc.pos
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return serializationErr("Malformed JSON request body: invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return serializationErr("Malformed JSON request body: invalid number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return serializationErr("Malformed JSON request body: invalid number")
		}
	}
	sc.pos = i
	return nil
}

// key reads an object member name followed by ':'. Names are compared as
// raw bytes: an escaped name never matches a known member and is skipped.
func (sc *jsonScanner) key() ([]byte, error) {
	start, end, _, err := sc.rawString()
	if err != nil {
		return nil, err
	}
	if err := sc.expect(':'); err != nil {
		return nil, err
	}
	return sc.b[start:end], nil
}

// object calls member for each member of an object (or does nothing for
// null, reporting false).
func (sc *jsonScanner) object(member func(name []byte) error) (bool, error) {
	switch sc.peek() {
	case 'n':
		if sc.literal("null") {
			return false, nil
		}
	case '{':
		sc.pos++
		if sc.peek() == '}' {
			sc.pos++
			return true, nil
		}
		for {
			name, err := sc.key()
			if err != nil {
				return false, err
			}
			if err := member(name); err != nil {
				return false, err
			}
			if sc.peek() == ',' {
				sc.pos++
				continue
			}
			return true, sc.expect('}')
		}
	}
	return false, serializationErr("Malformed JSON request body: expected an object")
}

// optString decodes a string member into a new *string; nil for null.
func (sc *jsonScanner) optString(member string) (*string, error) {
	b, err := sc.stringBytes(member)
	if err != nil || b == nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// decodePutRecords decodes a PutRecords body, rewriting body in place.
func decodePutRecords(body []byte) (*putRecordsRequest, error) {
	req := &putRecordsRequest{}
	sc := &jsonScanner{b: body}
	if sc.peek() == 0 {
		return req, nil // an empty body is an empty object
	}
	_, err := sc.object(func(name []byte) error {
		var err error
		switch string(name) {
		case "StreamName":
			req.streamName, err = sc.optString("StreamName")
		case "StreamARN":
			req.streamARN, err = sc.optString("StreamARN")
		case "Records":
			err = sc.records(req)
		default:
			err = sc.skip(0)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if sc.peek() != 0 {
		return nil, serializationErr("Malformed JSON request body: data after the top-level value")
	}
	return req, nil
}

// decodePutRecord decodes a PutRecord body into in, rewriting body in
// place; in.Data aliases body.
func decodePutRecord(body []byte, in *wire.PutRecordInput) error {
	sc := &jsonScanner{b: body}
	if sc.peek() == 0 {
		return nil // an empty body is an empty object
	}
	_, err := sc.object(func(name []byte) error {
		var err error
		switch string(name) {
		case "StreamName":
			in.StreamName, err = sc.optString("StreamName")
		case "StreamARN":
			in.StreamARN, err = sc.optString("StreamARN")
		case "Data":
			in.Data, err = sc.blob("Data")
		case "PartitionKey":
			in.PartitionKey, err = sc.optString("PartitionKey")
		case "ExplicitHashKey":
			in.ExplicitHashKey, err = sc.optString("ExplicitHashKey")
		case "SequenceNumberForOrdering":
			in.SequenceNumberForOrdering, err = sc.optString("SequenceNumberForOrdering")
		default:
			err = sc.skip(0)
		}
		return err
	})
	if err != nil {
		return err
	}
	if sc.peek() != 0 {
		return serializationErr("Malformed JSON request body: data after the top-level value")
	}
	return nil
}

func (sc *jsonScanner) records(req *putRecordsRequest) error {
	req.records = req.records[:0]
	req.hasRecords = false
	switch sc.peek() {
	case 'n':
		if sc.literal("null") {
			return nil
		}
		return serializationErr("Malformed JSON request body: unexpected character")
	case '[':
	default:
		return typeErr("Records")
	}
	sc.pos++
	req.hasRecords = true
	if req.records == nil {
		req.records = make([]putEntry, 0, 64)
	}
	if sc.peek() == ']' {
		sc.pos++
		return nil
	}
	for {
		var e putEntry
		if c := sc.peek(); c != '{' && c != 'n' {
			return typeErr("Records")
		}
		_, err := sc.object(func(name []byte) error {
			var err error
			switch string(name) {
			case "Data":
				e.data, err = sc.blob("Data")
			case "PartitionKey":
				e.pk, err = sc.stringBytes("PartitionKey")
			case "ExplicitHashKey":
				e.ehk, err = sc.stringBytes("ExplicitHashKey")
			default:
				err = sc.skip(1)
			}
			return err
		})
		if err != nil {
			return err
		}
		req.records = append(req.records, e)
		if sc.peek() == ',' {
			sc.pos++
			continue
		}
		return sc.expect(']')
	}
}
