package shardlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Frame layout (little endian; see docs/format/segment.md):
//
//	0  uint32 payload length n
//	4  uint32 CRC32C of bytes [0,4) and [8,12+n)
//	8  uint8  type (1 = record)
//	9  uint8  version (1)
//	10 uint16 flags (Entry.Flags; bit 0 = FlagEncrypted)
//	12 payload, for a record:
//	   0  uint64 offset
//	   8  int64  arrival time, ms since the Unix epoch
//	   16 uint16 partition key length k
//	   18 uint8  explicit hash key length h
//	   19 uint8  reserved (0)
//	   20 k bytes partition key, h bytes explicit hash key, data (the rest)
const (
	frameHeaderSize  = 12
	recordFixedSize  = 20
	frameTypeRecord  = 1
	frameVersion     = 1
	maxRecordPayload = recordFixedSize + MaxPartitionKeySize + MaxHashKeySize + MaxDataSize + MaxEnvelopeOverhead
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame decoding failures. errFrameShort means the bytes end inside a frame,
// which at the tail of the active segment is a torn write.
var (
	errFrameShort    = errors.New("shardlog: truncated frame")
	errFrameChecksum = errors.New("shardlog: frame checksum mismatch")
	errFrameFormat   = errors.New("shardlog: malformed frame")
	// errFrameUnknown (wrapped with errFrameFormat) is a frame whose
	// checksum holds but whose type, version or flags this binary does not
	// know: written by a newer rheo, never left by a torn write.
	errFrameUnknown = errors.New("frame type, version or flags unknown to this rheo (written by a newer version?)")
)

// frameSize is the encoded size of a record frame for e.
func frameSize(e *Entry) int {
	return frameHeaderSize + recordFixedSize + len(e.PartitionKey) + len(e.ExplicitHashKey) + len(e.Data)
}

// appendFrame encodes one record frame onto dst. The entry must be valid.
func appendFrame(dst []byte, off uint64, ts int64, e *Entry) []byte {
	n := recordFixedSize + len(e.PartitionKey) + len(e.ExplicitHashKey) + len(e.Data)
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, 0, 0, 0, 0, frameTypeRecord, frameVersion, byte(e.Flags), byte(e.Flags>>8))
	dst = binary.LittleEndian.AppendUint64(dst, off)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(ts))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(e.PartitionKey)))
	dst = append(dst, byte(len(e.ExplicitHashKey)), 0)
	dst = append(dst, e.PartitionKey...)
	dst = append(dst, e.ExplicitHashKey...)
	dst = append(dst, e.Data...)
	f := dst[start:]
	crc := crc32.Update(crc32.Update(0, castagnoli, f[0:4]), castagnoli, f[8:])
	binary.LittleEndian.PutUint32(f[4:8], crc)
	return dst
}

// decodeFrame decodes the frame at the start of b. The record's slices alias
// b. n is the frame's size; err is errFrameShort when b ends inside it.
func decodeFrame(b []byte) (r Record, n int, err error) {
	if len(b) < frameHeaderSize {
		return Record{}, 0, errFrameShort
	}
	plen := binary.LittleEndian.Uint32(b[0:4])
	if plen < recordFixedSize || plen > maxRecordPayload {
		return Record{}, 0, fmt.Errorf("%w: payload length %d", errFrameFormat, plen)
	}
	n = frameHeaderSize + int(plen)
	if len(b) < n {
		return Record{}, 0, errFrameShort
	}
	crc := crc32.Update(crc32.Update(0, castagnoli, b[0:4]), castagnoli, b[8:n])
	if crc != binary.LittleEndian.Uint32(b[4:8]) {
		return Record{}, 0, errFrameChecksum
	}
	flags := binary.LittleEndian.Uint16(b[10:12])
	if b[8] != frameTypeRecord || b[9] != frameVersion || flags&^knownFlags != 0 {
		return Record{}, 0, fmt.Errorf("%w: %w: type %d version %d flags %#x", errFrameFormat, errFrameUnknown, b[8], b[9], flags)
	}
	p := b[frameHeaderSize:n]
	k := int(binary.LittleEndian.Uint16(p[16:18]))
	h := int(p[18])
	if p[19] != 0 || k > MaxPartitionKeySize || h > MaxHashKeySize || recordFixedSize+k+h > len(p) || len(p)-recordFixedSize-k-h > maxData(flags) {
		return Record{}, 0, fmt.Errorf("%w: key lengths %d/%d in payload of %d", errFrameFormat, k, h, len(p))
	}
	r.Offset = binary.LittleEndian.Uint64(p[0:8])
	r.Timestamp = int64(binary.LittleEndian.Uint64(p[8:16]))
	q := p[recordFixedSize:]
	r.PartitionKey = q[:k:k]
	if h > 0 {
		r.ExplicitHashKey = q[k : k+h : k+h]
	}
	r.Data = q[k+h:]
	r.Flags = flags
	return r, n, nil
}

// frameLen returns the total length of the frame at the start of b from its
// header alone, or 0 if b is too short or the length is impossible.
func frameLen(b []byte) int {
	if len(b) < frameHeaderSize {
		return 0
	}
	plen := binary.LittleEndian.Uint32(b[0:4])
	if plen < recordFixedSize || plen > maxRecordPayload {
		return 0
	}
	return frameHeaderSize + int(plen)
}

// scanFrames decodes the longest valid prefix of b: frames that pass their
// checksum and whose offsets run densely from the first one, with
// non-decreasing timestamps. It returns the records and the prefix length.
func scanFrames(b []byte) (recs []Record, valid int, err error) {
	for valid < len(b) {
		r, n, derr := decodeFrame(b[valid:])
		if derr != nil {
			return recs, valid, derr
		}
		if len(recs) > 0 {
			prev := recs[len(recs)-1]
			if r.Offset != prev.Offset+1 || r.Timestamp < prev.Timestamp {
				return recs, valid, fmt.Errorf("%w: offset %d after %d", errFrameFormat, r.Offset, prev.Offset)
			}
		}
		recs = append(recs, r)
		valid += n
	}
	return recs, valid, nil
}
