package firehose

// A fast path for PutRecordBatch bodies, the largest and hottest request
// (up to 500 records and 4 MiB of data, base64 in JSON). It scans the body
// once and decodes each Data member's base64 in place inside the body, so
// a call costs a few allocations and no copy of the data. It accepts only
// the plain shape SDKs send: members DeliveryStreamName and Records, record
// objects with only Data, strings without escapes, standard padded base64.
// Anything else returns false and the body goes through encoding/json, so
// the result (and every error) is what encoding/json would give.

import (
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// fastDecoder is implemented by inputs with a fast path. decodeFast
// reports false, leaving the input and the body untouched, when it cannot
// handle body; once it reports true the body may have been rewritten and
// err is the decoding error encoding/json would have given.
type fastDecoder interface {
	decodeFast(body []byte) (ok bool, err error)
}

type scanner struct {
	b   []byte
	pos int
}

func (sc *scanner) ws() {
	for sc.pos < len(sc.b) {
		switch sc.b[sc.pos] {
		case ' ', '\t', '\n', '\r':
			sc.pos++
		default:
			return
		}
	}
}

// lit consumes byte c after white space.
func (sc *scanner) lit(c byte) bool {
	sc.ws()
	if sc.pos < len(sc.b) && sc.b[sc.pos] == c {
		sc.pos++
		return true
	}
	return false
}

// str consumes a string without escapes or control characters and
// returns its bytes (aliasing the body).
func (sc *scanner) str() ([]byte, bool) {
	if !sc.lit('"') {
		return nil, false
	}
	start := sc.pos
	for sc.pos < len(sc.b) {
		c := sc.b[sc.pos]
		switch {
		case c == '"':
			s := sc.b[start:sc.pos]
			sc.pos++
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false // escapes and non-ASCII: let encoding/json decide
		}
		sc.pos++
	}
	return nil, false
}

// decodeFast implements fastDecoder. The body is parsed completely before
// any base64 is decoded in place, so a false result leaves it intact.
func (in *PutRecordBatchInput) decodeFast(body []byte) (bool, error) {
	sc := &scanner{b: body}
	if !sc.lit('{') {
		return false, nil
	}
	var name *string
	var records []*Record
	seenName, seenRecords := false, false
	if sc.lit('}') {
		return false, nil // empty object: the slow path reports the nulls
	}
	for {
		key, ok := sc.str()
		if !ok || !sc.lit(':') {
			return false, nil
		}
		switch string(key) {
		case "DeliveryStreamName":
			if seenName {
				return false, nil
			}
			v, ok := sc.str()
			if !ok {
				return false, nil
			}
			s := string(v)
			name, seenName = &s, true
		case "Records":
			if seenRecords || !sc.lit('[') {
				return false, nil
			}
			seenRecords = true
			records = make([]*Record, 0, 64)
			if !sc.lit(']') {
				for {
					r, ok := sc.record()
					if !ok {
						return false, nil
					}
					records = append(records, r)
					if sc.lit(',') {
						continue
					}
					if !sc.lit(']') {
						return false, nil
					}
					break
				}
			}
		default:
			return false, nil
		}
		if sc.lit(',') {
			continue
		}
		if !sc.lit('}') {
			return false, nil
		}
		break
	}
	sc.ws()
	if sc.pos != len(sc.b) || !seenRecords {
		return false, nil
	}
	for i, r := range records {
		n, ok := wire.DecodeBlobInPlace(r.Data)
		if !ok {
			return true, wire.Serialization("Malformed JSON request body: illegal base64 data in Records[%d].Data", i)
		}
		r.Data = r.Data[:n:n]
	}
	in.DeliveryStreamName, in.Records = name, records
	return true, nil
}

// record consumes {"Data":"<base64>"}; Data holds the base64 text.
func (sc *scanner) record() (*Record, bool) {
	if !sc.lit('{') {
		return nil, false
	}
	key, ok := sc.str()
	if !ok || string(key) != "Data" || !sc.lit(':') {
		return nil, false
	}
	v, ok := sc.str()
	if !ok || !sc.lit('}') {
		return nil, false
	}
	return &Record{Data: v}, true
}
