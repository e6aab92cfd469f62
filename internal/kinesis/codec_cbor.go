package kinesis

// The CBOR 1.1 protocol (application/x-amz-cbor-1.1), which the AWS Java
// SDKs, the KPL and the KCL speak by default. Requests decode into the same
// wire structs as JSON through fxamacker/cbor, which reads their json tags;
// member names are case-sensitive, as on AWS. Blobs are CBOR byte strings
// (no base64); timestamps are tag 1 around integer epoch MILLISECONDS
// (wire.Timestamp), which is what AWS and its SDKs use although RFC 8949
// says seconds. Errors are a CBOR map {"__type", "message"}. PutRecords has
// its own decoder into the internal request, and GetRecords and PutRecords
// outputs encode themselves (AppendCBOR), mirroring their AppendJSON.
//
// Known gaps vs AWS: an output type with an AppendJSON but no AppendCBOR
// is transcoded from its JSON, so its blobs would arrive as base64 text
// (none exists today; an error is logged if one appears).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/seqnum"
)

// cborCodec holds the immutable encoder and decoder configurations.
type cborCodec struct {
	dec cbor.DecMode
	enc cbor.EncMode
}

func newCBORCodec() (*cborCodec, error) {
	dec, err := cbor.DecOptions{
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
		DupMapKey:         cbor.DupMapKeyQuiet,
		IndefLength:       cbor.IndefLengthAllowed, // the Java SDK streams indefinite-length maps
		UTF8:              cbor.UTF8RejectInvalid,
		MaxNestedLevels:   32,
		MaxArrayElements:  1 << 16,
		MaxMapPairs:       1 << 16,
	}.DecMode()
	if err != nil {
		return nil, fmt.Errorf("cbor decoder: %w", err)
	}
	enc, err := cbor.EncOptions{}.EncMode()
	if err != nil {
		return nil, fmt.Errorf("cbor encoder: %w", err)
	}
	return &cborCodec{dec: dec, enc: enc}, nil
}

// decode unmarshals a CBOR body into v; an empty body is an empty object.
func (cc *cborCodec) decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := cc.dec.Unmarshal(body, v); err != nil {
		return cborSerialization(err)
	}
	return nil
}

func cborSerialization(err error) error {
	var te *cbor.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.StructFieldName != "" {
			return wire.Serialization("Unexpected value type for member %q: got CBOR %s", te.StructFieldName, te.CBORType)
		}
		return wire.Serialization("Unexpected value type: got CBOR %s", te.CBORType)
	}
	return wire.Serialization("Malformed CBOR request body: %v", err)
}

// putRecordsCBOR is the CBOR shape of a PutRecords request. Records is a
// pointer so null and absent are told from an empty list.
type putRecordsCBOR struct {
	StreamName *string             `cbor:"StreamName"`
	StreamARN  *string             `cbor:"StreamARN"`
	Records    *[]putRecordEntryCB `cbor:"Records"`
}

type putRecordEntryCB struct {
	Data            []byte  `cbor:"Data"`
	PartitionKey    *string `cbor:"PartitionKey"`
	ExplicitHashKey *string `cbor:"ExplicitHashKey"`
}

// decodePutRecordsCBOR decodes a CBOR PutRecords body into the request the
// JSON decoder produces, with the same nil/empty distinctions.
func decodePutRecordsCBOR(cc *cborCodec, body []byte) (*putRecordsRequest, error) {
	var in putRecordsCBOR
	if err := cc.decode(body, &in); err != nil {
		return nil, err
	}
	req := &putRecordsRequest{streamName: in.StreamName, streamARN: in.StreamARN}
	if in.Records == nil {
		return req, nil
	}
	req.hasRecords = true
	req.records = make([]putEntry, len(*in.Records))
	for i, e := range *in.Records {
		pe := &req.records[i]
		pe.data = e.Data
		if e.PartitionKey != nil {
			pe.pk = []byte(*e.PartitionKey)
		}
		if e.ExplicitHashKey != nil {
			pe.ehk = []byte(*e.ExplicitHashKey)
		}
	}
	return req, nil
}

// encodeCBOR encodes a successful reply.
func (s *Server) encodeCBOR(out any) ([]byte, error) {
	switch o := out.(type) {
	case cborAppender:
		return o.AppendCBOR(nil), nil
	case jsonAppender:
		s.logger.Error("output has no CBOR encoder; transcoding its JSON", "type", fmt.Sprintf("%T", out))
		return transcodeJSONToCBOR(s.cbor.enc, o.AppendJSON(nil))
	}
	return s.cbor.enc.Marshal(out)
}

// transcodeJSONToCBOR re-encodes a JSON document as CBOR, keeping integers
// integers.
func transcodeJSONToCBOR(enc cbor.EncMode, js []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("transcode: %w", err)
	}
	return enc.Marshal(numbersToCBOR(v))
}

func numbersToCBOR(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToCBOR(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersToCBOR(e)
		}
	}
	return v
}

// CBOR major types.
const (
	cborUint  = 0
	cborNeg   = 1
	cborBytes = 2
	cborText  = 3
	cborArray = 4
	cborMap   = 5
)

func appendCBORInt(dst []byte, n int64) []byte {
	if n >= 0 {
		return wire.AppendCBORHead(dst, cborUint, uint64(n))
	}
	return wire.AppendCBORHead(dst, cborNeg, uint64(-1-n))
}

// appendCBORText appends a text string; invalid UTF-8 becomes U+FFFD, as
// the JSON encoder does, so the item stays valid CBOR.
func appendCBORText(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	dst = wire.AppendCBORHead(dst, cborText, uint64(len(s)))
	return append(dst, s...)
}

func appendCBORTextBytes(dst, b []byte) []byte {
	if !utf8.Valid(b) {
		return appendCBORText(dst, string(b))
	}
	dst = wire.AppendCBORHead(dst, cborText, uint64(len(b)))
	return append(dst, b...)
}

func appendCBORBytes(dst, b []byte) []byte {
	dst = wire.AppendCBORHead(dst, cborBytes, uint64(len(b)))
	return append(dst, b...)
}

// appendCBORError encodes an API error as AWS does in CBOR.
func appendCBORError(dst []byte, e *wire.Error) []byte {
	n := uint64(1)
	if e.Message != "" {
		n = 2
	}
	dst = wire.AppendCBORHead(dst, cborMap, n)
	dst = appendCBORText(dst, "__type")
	dst = appendCBORText(dst, e.Type)
	if e.Message != "" {
		dst = appendCBORText(dst, "message")
		dst = appendCBORText(dst, e.Message)
	}
	return dst
}

// AppendCBOR implements cborAppender; it mirrors AppendJSON member for
// member, with data as byte strings.
func (o *getRecordsOutput) AppendCBOR(dst []byte) []byte {
	need := 64 + len(o.next)
	for i := range o.batch.Records {
		r := &o.batch.Records[i]
		need += 128 + len(r.Data) + len(r.PartitionKey)
	}
	if cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need), dst...)
	}
	members := uint64(2) // Records, MillisBehindLatest
	if o.next != "" {
		members++
	}
	if o.children != nil {
		members++
	}
	dst = wire.AppendCBORHead(dst, cborMap, members)
	dst = appendCBORText(dst, "Records")
	dst = wire.AppendCBORHead(dst, cborArray, uint64(len(o.batch.Records)))
	var seq [seqnum.Len]byte
	for i := range o.batch.Records {
		r := &o.batch.Records[i]
		fields := uint64(4)
		if o.encryption != "" {
			fields++
		}
		dst = wire.AppendCBORHead(dst, cborMap, fields)
		dst = appendCBORText(dst, "SequenceNumber")
		dst = appendCBORTextBytes(dst, seqnum.AppendEncode(seq[:0], o.shard, r.Offset))
		dst = appendCBORText(dst, "ApproximateArrivalTimestamp")
		dst = wire.Timestamp{Time: time.UnixMilli(r.Timestamp)}.AppendCBOR(dst)
		dst = appendCBORText(dst, "Data")
		dst = appendCBORBytes(dst, r.Data)
		dst = appendCBORText(dst, "PartitionKey")
		dst = appendCBORTextBytes(dst, r.PartitionKey)
		if o.encryption != "" {
			dst = appendCBORText(dst, "EncryptionType")
			dst = appendCBORText(dst, storedEncryption(r))
		}
	}
	if o.next != "" {
		dst = appendCBORText(dst, "NextShardIterator")
		dst = appendCBORText(dst, o.next)
	}
	dst = appendCBORText(dst, "MillisBehindLatest")
	dst = appendCBORInt(dst, o.behind)
	if o.children != nil {
		dst = appendCBORText(dst, "ChildShards")
		dst = wire.AppendCBORHead(dst, cborArray, uint64(len(o.children)))
		for _, c := range o.children {
			dst = wire.AppendCBORHead(dst, cborMap, 3)
			dst = appendCBORText(dst, "ShardId")
			dst = appendCBORText(dst, c.ShardId)
			dst = appendCBORText(dst, "ParentShards")
			dst = wire.AppendCBORHead(dst, cborArray, uint64(len(c.ParentShards)))
			for _, p := range c.ParentShards {
				dst = appendCBORText(dst, p)
			}
			dst = appendCBORText(dst, "HashKeyRange")
			dst = wire.AppendCBORHead(dst, cborMap, 2)
			dst = appendCBORText(dst, "StartingHashKey")
			dst = appendCBORText(dst, c.HashKeyRange.StartingHashKey)
			dst = appendCBORText(dst, "EndingHashKey")
			dst = appendCBORText(dst, c.HashKeyRange.EndingHashKey)
		}
	}
	return dst
}

// AppendCBOR implements cborAppender, mirroring AppendJSON.
func (o *putRecordsOutput) AppendCBOR(dst []byte) []byte {
	dst = wire.AppendCBORHead(dst, cborMap, 3)
	dst = appendCBORText(dst, "FailedRecordCount")
	dst = appendCBORInt(dst, int64(o.failed))
	dst = appendCBORText(dst, "Records")
	dst = wire.AppendCBORHead(dst, cborArray, uint64(len(o.results)))
	var buf [seqnum.Len + 24]byte
	for i := range o.results {
		r := &o.results[i]
		if r.failed {
			dst = wire.AppendCBORHead(dst, cborMap, 2)
			dst = appendCBORText(dst, "ErrorCode")
			dst = appendCBORText(dst, r.errorCode())
			dst = appendCBORText(dst, "ErrorMessage")
			dst = appendCBORText(dst, o.errorMessage(r))
			continue
		}
		dst = wire.AppendCBORHead(dst, cborMap, 2)
		dst = appendCBORText(dst, "SequenceNumber")
		dst = appendCBORTextBytes(dst, seqnum.AppendEncode(buf[:0], r.shard, r.offset))
		dst = appendCBORText(dst, "ShardId")
		dst = appendCBORTextBytes(dst, appendShardID(buf[:0], r.shard))
	}
	dst = appendCBORText(dst, "EncryptionType")
	return appendCBORText(dst, o.encryption)
}
