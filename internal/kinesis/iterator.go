package kinesis

// Shard iterators are opaque tokens that carry where a reader is:
//
//	version(1) | stream UID(8) | shard index(4) | offset(8) | issued ms(8) |
//	name length(1) | stream name | HMAC-SHA256(key, all of the above)[:16]
//
// written as unpadded URL-safe base64. Decoding also takes standard base64,
// with or without padding. The MAC makes them tamper-evident: any change is
// rejected as "Invalid ShardIterator.". The stream name is inside so that
// errors can name the stream as AWS does; the UID tells a re-created stream
// of the same name from the one the iterator was made for.
//
// Gap vs AWS: AWS iterators are longer and encrypted; rheo's are signed but
// readable (they reveal the stream name and offset, nothing secret).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
)

const (
	iterVersion  = 1
	iterMACSize  = 16
	iterFixed    = 1 + 8 + 4 + 8 + 8 + 1
	iterMaxName  = 128
	iterMaxBytes = iterFixed + iterMaxName + iterMACSize
)

// iterator is the decoded content of a shard iterator.
type iterator struct {
	uid    uint64
	shard  uint32
	offset uint64
	issued int64 // ms since the Unix epoch
	stream string
}

var errBadIterator = errors.New("kinesis: invalid shard iterator")

// iteratorCodec signs and checks shard iterators.
type iteratorCodec struct{ key []byte }

// encode returns the token of it.
func (c iteratorCodec) encode(it iterator) string {
	name := it.stream
	if len(name) > iterMaxName {
		name = name[:iterMaxName] // stream names are at most 128; never hit
	}
	var buf [iterMaxBytes]byte
	b := buf[:0]
	b = append(b, iterVersion)
	b = binary.BigEndian.AppendUint64(b, it.uid)
	b = binary.BigEndian.AppendUint32(b, it.shard)
	b = binary.BigEndian.AppendUint64(b, it.offset)
	b = binary.BigEndian.AppendUint64(b, uint64(it.issued))
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = append(b, c.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c iteratorCodec) mac(b []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(b)
	return h.Sum(nil)[:iterMACSize]
}

// decode checks and decodes a token; errBadIterator for anything that is
// not a token this key signed.
func (c iteratorCodec) decode(tok string) (iterator, error) {
	tok = strings.TrimRight(tok, "=")
	if len(tok) == 0 || len(tok) > base64.RawURLEncoding.EncodedLen(iterMaxBytes) {
		return iterator{}, errBadIterator
	}
	if strings.ContainsAny(tok, "+/") {
		if strings.ContainsAny(tok, "-_") {
			return iterator{}, errBadIterator
		}
		tok = strings.NewReplacer("+", "-", "/", "_").Replace(tok)
	}
	var buf [iterMaxBytes + 3]byte
	n, err := base64.RawURLEncoding.Strict().Decode(buf[:], []byte(tok))
	if err != nil || n < iterFixed+iterMACSize {
		return iterator{}, errBadIterator
	}
	b := buf[:n]
	if b[0] != iterVersion {
		return iterator{}, errBadIterator
	}
	nameLen := int(b[iterFixed-1])
	if nameLen > iterMaxName || n != iterFixed+nameLen+iterMACSize {
		return iterator{}, errBadIterator
	}
	body, sum := b[:n-iterMACSize], b[n-iterMACSize:]
	if !hmac.Equal(sum, c.mac(body)) {
		return iterator{}, errBadIterator
	}
	return iterator{
		uid:    binary.BigEndian.Uint64(b[1:9]),
		shard:  binary.BigEndian.Uint32(b[9:13]),
		offset: binary.BigEndian.Uint64(b[13:21]),
		issued: int64(binary.BigEndian.Uint64(b[21:29])),
		stream: string(b[iterFixed : iterFixed+nameLen]),
	}, nil
}
