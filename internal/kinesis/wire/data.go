package wire

import (
	"fmt"
	"unicode/utf8"
)

// This file holds the request and response shapes of the record actions
// (PutRecord, PutRecords, GetShardIterator, GetRecords). Members are
// pointers where AWS distinguishes "absent or null" from "empty"; blobs are
// []byte, which encoding/json writes as standard base64 as AWS does. A blob
// decoded by encoding/json is nil when the member was absent or null and a
// non-nil empty slice when it was "".

// Shard iterator types, as Kinesis names them.
const (
	IteratorAtSequenceNumber    = "AT_SEQUENCE_NUMBER"
	IteratorAfterSequenceNumber = "AFTER_SEQUENCE_NUMBER"
	IteratorTrimHorizon         = "TRIM_HORIZON"
	IteratorLatest              = "LATEST"
	IteratorAtTimestamp         = "AT_TIMESTAMP"
)

// Record limits, as AWS documents them.
const (
	// MaxRecordSize bounds one record: its data plus its partition key.
	MaxRecordSize = 1 << 20
	// MaxPutRecordsSize bounds the data and partition keys of one PutRecords.
	MaxPutRecordsSize = 5 << 20
	// MaxPutRecordsCount bounds the number of records of one PutRecords.
	MaxPutRecordsCount = 500
	// MaxGetRecordsLimit is the largest (and default) GetRecords Limit.
	MaxGetRecordsLimit = 10000
	// MaxGetRecordsSize bounds the data of one GetRecords response.
	MaxGetRecordsSize = 10 << 20
	// IteratorLifetimeMillis is how long a shard iterator stays valid.
	IteratorLifetimeMillis = 300000
)

// PutRecordInput is the request of PutRecord.
type PutRecordInput struct {
	StreamName                *string `json:"StreamName,omitempty"`
	StreamARN                 *string `json:"StreamARN,omitempty"`
	Data                      []byte  `json:"Data"`
	PartitionKey              *string `json:"PartitionKey,omitempty"`
	ExplicitHashKey           *string `json:"ExplicitHashKey,omitempty"`
	SequenceNumberForOrdering *string `json:"SequenceNumberForOrdering,omitempty"`
}

// PutRecordOutput is the response of PutRecord.
type PutRecordOutput struct {
	ShardId        string `json:"ShardId"`
	SequenceNumber string `json:"SequenceNumber"`
	EncryptionType string `json:"EncryptionType,omitempty"`
}

// PutRecordsInput is the request of PutRecords.
type PutRecordsInput struct {
	StreamName *string                  `json:"StreamName,omitempty"`
	StreamARN  *string                  `json:"StreamARN,omitempty"`
	Records    []PutRecordsRequestEntry `json:"Records"`
}

// PutRecordsRequestEntry is one record of a PutRecords request.
type PutRecordsRequestEntry struct {
	Data            []byte  `json:"Data"`
	PartitionKey    *string `json:"PartitionKey,omitempty"`
	ExplicitHashKey *string `json:"ExplicitHashKey,omitempty"`
}

// PutRecordsOutput is the response of PutRecords.
type PutRecordsOutput struct {
	FailedRecordCount int                     `json:"FailedRecordCount"`
	Records           []PutRecordsResultEntry `json:"Records"`
	EncryptionType    string                  `json:"EncryptionType,omitempty"`
}

// PutRecordsResultEntry is the result of one record of a PutRecords: either
// SequenceNumber and ShardId, or ErrorCode and ErrorMessage.
type PutRecordsResultEntry struct {
	SequenceNumber string `json:"SequenceNumber,omitempty"`
	ShardId        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
}

// GetShardIteratorInput is the request of GetShardIterator.
type GetShardIteratorInput struct {
	StreamName             *string    `json:"StreamName,omitempty"`
	StreamARN              *string    `json:"StreamARN,omitempty"`
	ShardId                *string    `json:"ShardId,omitempty"`
	ShardIteratorType      *string    `json:"ShardIteratorType,omitempty"`
	StartingSequenceNumber *string    `json:"StartingSequenceNumber,omitempty"`
	Timestamp              *Timestamp `json:"Timestamp,omitempty"`
}

// GetShardIteratorOutput is the response of GetShardIterator.
type GetShardIteratorOutput struct {
	ShardIterator string `json:"ShardIterator"`
}

// GetRecordsInput is the request of GetRecords.
type GetRecordsInput struct {
	ShardIterator *string `json:"ShardIterator,omitempty"`
	Limit         *int64  `json:"Limit,omitempty"`
	StreamARN     *string `json:"StreamARN,omitempty"`
}

// GetRecordsOutput is the response of GetRecords. The server encodes it
// with its own appender; this shape is for clients.
type GetRecordsOutput struct {
	Records            []Record     `json:"Records"`
	NextShardIterator  *string      `json:"NextShardIterator,omitempty"`
	MillisBehindLatest *int64       `json:"MillisBehindLatest,omitempty"`
	ChildShards        []ChildShard `json:"ChildShards,omitempty"`
}

// Record is one record of a GetRecords response.
type Record struct {
	SequenceNumber              string    `json:"SequenceNumber"`
	ApproximateArrivalTimestamp Timestamp `json:"ApproximateArrivalTimestamp"`
	Data                        []byte    `json:"Data"`
	PartitionKey                string    `json:"PartitionKey"`
	EncryptionType              string    `json:"EncryptionType,omitempty"`
}

// ChildShard names a shard made from a closed one by a split or merge.
type ChildShard struct {
	ShardId      string       `json:"ShardId"`
	ParentShards []string     `json:"ParentShards"`
	HashKeyRange HashKeyRange `json:"HashKeyRange"`
}

// HashKeyRange is an inclusive range of hash keys in decimal.
type HashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

// FailNoValue records that a member broke constraint without printing its
// value, as AWS does for blobs and lists: "Value at 'path' failed to ...".
func (v *Validation) FailNoValue(path, constraint string) {
	v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint))
}

// AppendJSON appends o as JSON, the bytes encoding/json would write,
// without its reflection: PutRecord is called once per record.
func (o *PutRecordOutput) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"ShardId":`...)
	dst = AppendJSONString(dst, []byte(o.ShardId), false)
	dst = append(dst, `,"SequenceNumber":`...)
	dst = AppendJSONString(dst, []byte(o.SequenceNumber), false)
	if o.EncryptionType != "" {
		dst = append(dst, `,"EncryptionType":`...)
		dst = AppendJSONString(dst, []byte(o.EncryptionType), false)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends b as a JSON string, escaping as encoding/json
// does (invalid UTF-8 becomes U+FFFD; <, > and & as \u003c … only with
// escapeHTML, as json.Marshal does and an Encoder with SetEscapeHTML(false)
// does not).
func AppendJSONString(dst, b []byte, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			dst = append(dst, b[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, b[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, b[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, b[start:]...)
	return append(dst, '"')
}
