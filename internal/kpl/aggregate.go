package kpl

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Magic starts the data of every KPL aggregated record.
var magic = [4]byte{0xF3, 0x89, 0x9A, 0xC2}

// digestLen is the length of the MD5 trailer.
const digestLen = md5.Size

// Field numbers of the aggregation protobuf.
const (
	fieldPartitionKeyTable    protowire.Number = 1
	fieldExplicitHashKeyTable protowire.Number = 2
	fieldRecords              protowire.Number = 3

	fieldPartitionKeyIndex    protowire.Number = 1
	fieldExplicitHashKeyIndex protowire.Number = 2
	fieldData                 protowire.Number = 3
	fieldTags                 protowire.Number = 4

	fieldTagKey   protowire.Number = 1
	fieldTagValue protowire.Number = 2
)

// ErrInvalid marks every Deaggregate failure, so callers that follow the
// KCL (which passes a record through unchanged when it cannot be
// de-aggregated) can tell bad aggregates from other errors with errors.Is.
var ErrInvalid = errors.New("kpl: invalid aggregated record")

// Record is one user record recovered from (or put into) an aggregate.
// ExplicitHashKey is empty when the producer set none. SubSequence is the
// record's position inside its aggregate, which the KCL exposes as the
// sub-sequence number next to the aggregate's sequence number.
type Record struct {
	PartitionKey    string
	ExplicitHashKey string
	Data            []byte
	SubSequence     int
}

// IsAggregated reports whether data starts with the KPL magic and is longer
// than magic plus MD5 trailer (an empty protobuf body does not count, as in
// the AWS deaggregation libraries). It is a cheap test to pick records worth
// passing to Deaggregate; only Deaggregate checks the digest and the body.
// Callers that follow the KCL pass a record that IsAggregated accepts but
// Deaggregate rejects through unchanged.
func IsAggregated(data []byte) bool {
	return len(data) > len(magic)+digestLen && bytes.Equal(data[:len(magic)], magic[:])
}

// Deaggregate returns the user records of one KPL aggregated record, in
// order, with SubSequence 0, 1, .... The returned Data slices share one
// private copy of the input, so they stay valid when data is reused. Any
// defect is an error wrapping ErrInvalid; nothing is returned with it.
func Deaggregate(data []byte) ([]Record, error) {
	if !IsAggregated(data) {
		return nil, fmt.Errorf("%w: missing magic bytes or not longer than %d bytes", ErrInvalid, len(magic)+digestLen)
	}
	body := data[len(magic) : len(data)-digestLen]
	sum := md5.Sum(body)
	if !bytes.Equal(sum[:], data[len(data)-digestLen:]) {
		return nil, fmt.Errorf("%w: MD5 digest mismatch", ErrInvalid)
	}
	// One copy, so the records never alias the caller's buffer (a shardlog
	// batch is reused by the next read).
	body = bytes.Clone(body)

	var (
		pkTable  []string
		ehkTable []string
		raw      []rawRecord
	)
	for b := body; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("%w: aggregate field tag at byte %d: %v", ErrInvalid, len(body)-len(b), protowire.ParseError(n))
		}
		at := len(body) - len(b)
		b = b[n:]
		switch {
		case num == fieldPartitionKeyTable && typ == protowire.BytesType,
			num == fieldExplicitHashKeyTable && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: key table entry at byte %d: %v", ErrInvalid, at, protowire.ParseError(n))
			}
			b = b[n:]
			if num == fieldPartitionKeyTable {
				pkTable = append(pkTable, string(v))
			} else {
				ehkTable = append(ehkTable, string(v))
			}
		case num == fieldRecords && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("%w: record at byte %d: %v", ErrInvalid, at, protowire.ParseError(n))
			}
			b = b[n:]
			r, err := parseRecord(v)
			if err != nil {
				return nil, fmt.Errorf("%w: record %d at byte %d: %v", ErrInvalid, len(raw), at, err)
			}
			raw = append(raw, r)
		case num == fieldPartitionKeyTable || num == fieldExplicitHashKeyTable || num == fieldRecords:
			return nil, fmt.Errorf("%w: field %d at byte %d has wire type %d", ErrInvalid, num, at, typ)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, fmt.Errorf("%w: unknown field %d at byte %d: %v", ErrInvalid, num, at, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}

	out := make([]Record, len(raw))
	for i, r := range raw {
		if r.pk >= uint64(len(pkTable)) {
			return nil, fmt.Errorf("%w: record %d: partition key index %d outside a table of %d", ErrInvalid, i, r.pk, len(pkTable))
		}
		out[i] = Record{PartitionKey: pkTable[r.pk], Data: r.data, SubSequence: i}
		if r.hasEHK {
			if r.ehk >= uint64(len(ehkTable)) {
				return nil, fmt.Errorf("%w: record %d: explicit hash key index %d outside a table of %d", ErrInvalid, i, r.ehk, len(ehkTable))
			}
			out[i].ExplicitHashKey = ehkTable[r.ehk]
		}
	}
	return out, nil
}

// rawRecord is a parsed Record message before its indexes are resolved.
type rawRecord struct {
	pk, ehk       uint64
	hasPK, hasEHK bool
	hasData       bool
	data          []byte
}

// parseRecord parses one Record message. Repeated scalar fields take the
// last value, as proto2 parsers do.
func parseRecord(b []byte) (rawRecord, error) {
	var r rawRecord
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return r, fmt.Errorf("field tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case (num == fieldPartitionKeyIndex || num == fieldExplicitHashKeyIndex) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return r, fmt.Errorf("key index: %v", protowire.ParseError(n))
			}
			b = b[n:]
			if num == fieldPartitionKeyIndex {
				r.pk, r.hasPK = v, true
			} else {
				r.ehk, r.hasEHK = v, true
			}
		case num == fieldData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return r, fmt.Errorf("data: %v", protowire.ParseError(n))
			}
			b = b[n:]
			r.data, r.hasData = v[:len(v):len(v)], true
		case num == fieldTags && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return r, fmt.Errorf("tag: %v", protowire.ParseError(n))
			}
			b = b[n:]
			if err := checkTag(v); err != nil {
				return r, err
			}
		case num >= fieldPartitionKeyIndex && num <= fieldTags:
			return r, fmt.Errorf("field %d has wire type %d", num, typ)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return r, fmt.Errorf("unknown field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	if !r.hasPK {
		return r, errors.New("missing required partition_key_index")
	}
	if !r.hasData {
		return r, errors.New("missing required data")
	}
	if r.data == nil {
		r.data = []byte{}
	}
	return r, nil
}

// checkTag validates one Tag message: key is required, both are strings.
func checkTag(b []byte) error {
	hasKey := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("tag field: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if (num == fieldTagKey || num == fieldTagValue) && typ == protowire.BytesType {
			_, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("tag field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
			hasKey = hasKey || num == fieldTagKey
			continue
		}
		if num == fieldTagKey || num == fieldTagValue {
			return fmt.Errorf("tag field %d has wire type %d", num, typ)
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return fmt.Errorf("tag unknown field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
	}
	if !hasKey {
		return errors.New("tag without its required key")
	}
	return nil
}

// Aggregate encodes recs as one KPL aggregated record, in order, sharing
// equal partition keys and explicit hash keys through the tables as the KPL
// does. An empty ExplicitHashKey is left out. SubSequence is ignored: the
// position in recs is the sub-sequence. It does not enforce Kinesis' 1 MiB
// record limit; the caller sizes its batches. With no records the result is
// magic and digest only, which IsAggregated and Deaggregate refuse, as the
// KPL never writes it.
func Aggregate(recs []Record) []byte {
	pkIdx := make(map[string]uint64)
	ehkIdx := make(map[string]uint64)
	var pks, ehks []string
	for _, r := range recs {
		if _, ok := pkIdx[r.PartitionKey]; !ok {
			pkIdx[r.PartitionKey] = uint64(len(pks))
			pks = append(pks, r.PartitionKey)
		}
		if r.ExplicitHashKey == "" {
			continue
		}
		if _, ok := ehkIdx[r.ExplicitHashKey]; !ok {
			ehkIdx[r.ExplicitHashKey] = uint64(len(ehks))
			ehks = append(ehks, r.ExplicitHashKey)
		}
	}

	out := append(make([]byte, 0, 64), magic[:]...)
	for _, k := range pks {
		out = protowire.AppendTag(out, fieldPartitionKeyTable, protowire.BytesType)
		out = protowire.AppendString(out, k)
	}
	for _, k := range ehks {
		out = protowire.AppendTag(out, fieldExplicitHashKeyTable, protowire.BytesType)
		out = protowire.AppendString(out, k)
	}
	var msg []byte
	for _, r := range recs {
		msg = msg[:0]
		msg = protowire.AppendTag(msg, fieldPartitionKeyIndex, protowire.VarintType)
		msg = protowire.AppendVarint(msg, pkIdx[r.PartitionKey])
		if r.ExplicitHashKey != "" {
			msg = protowire.AppendTag(msg, fieldExplicitHashKeyIndex, protowire.VarintType)
			msg = protowire.AppendVarint(msg, ehkIdx[r.ExplicitHashKey])
		}
		msg = protowire.AppendTag(msg, fieldData, protowire.BytesType)
		msg = protowire.AppendBytes(msg, r.Data)
		out = protowire.AppendTag(out, fieldRecords, protowire.BytesType)
		out = protowire.AppendBytes(out, msg)
	}
	sum := md5.Sum(out[len(magic):])
	return append(out, sum[:]...)
}
