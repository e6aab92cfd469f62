package kinesis

// A hand-written decoder for PutRecords bodies, the hottest request. It
// scans the JSON once and decodes base64 Data and plain strings in place,
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
			n, ok := base64DecodeInPlace(sc.b[start:end])
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

// b64 maps standard base64 characters to their value; 0xff elsewhere.
var b64 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// base64DecodeInPlace decodes padded standard base64 held in b into the
// front of b and returns the decoded length. It is safe in place because
// each quantum is read before its (shorter) output is written at or before
// it. It reports false for anything but clean padded base64; the caller
// then falls back to encoding/base64's more lenient rules.
func base64DecodeInPlace(b []byte) (int, bool) {
	n := len(b)
	if n == 0 {
		return 0, true
	}
	if n%4 != 0 {
		return 0, false
	}
	body := n
	pad := 0
	if b[n-1] == '=' {
		pad = 1
		if b[n-2] == '=' {
			pad = 2
		}
		body = n - 4
	}
	w := 0
	i := 0
	// Eight characters (six bytes) at a time.
	for ; i+8 <= body; i += 8 {
		c0, c1, c2, c3 := b64[b[i]], b64[b[i+1]], b64[b[i+2]], b64[b[i+3]]
		c4, c5, c6, c7 := b64[b[i+4]], b64[b[i+5]], b64[b[i+6]], b64[b[i+7]]
		if (c0|c1|c2|c3|c4|c5|c6|c7)&0x80 != 0 {
			return 0, false
		}
		v := uint64(c0)<<42 | uint64(c1)<<36 | uint64(c2)<<30 | uint64(c3)<<24 |
			uint64(c4)<<18 | uint64(c5)<<12 | uint64(c6)<<6 | uint64(c7)
		b[w], b[w+1], b[w+2], b[w+3], b[w+4], b[w+5] = byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
		w += 6
	}
	for ; i < body; i += 4 {
		c0, c1, c2, c3 := b64[b[i]], b64[b[i+1]], b64[b[i+2]], b64[b[i+3]]
		if (c0|c1|c2|c3)&0x80 != 0 {
			return 0, false
		}
		v := uint32(c0)<<18 | uint32(c1)<<12 | uint32(c2)<<6 | uint32(c3)
		b[w], b[w+1], b[w+2] = byte(v>>16), byte(v>>8), byte(v)
		w += 3
	}
	if pad > 0 {
		c0, c1, c2 := b64[b[i]], b64[b[i+1]], byte(0)
		if pad == 1 {
			c2 = b64[b[i+2]]
		}
		if (c0|c1|c2)&0x80 != 0 {
			return 0, false
		}
		v := uint32(c0)<<18 | uint32(c1)<<12 | uint32(c2)<<6
		b[w] = byte(v >> 16)
		w++
		if pad == 1 {
			b[w] = byte(v >> 8)
			w++
		}
	}
	return w, true
}
