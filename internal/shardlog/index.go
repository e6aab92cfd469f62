package shardlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
)

// indexInterval is the number of segment bytes between two sparse index
// points: a read starting at an arbitrary offset scans at most this much
// before its first record. 32 KiB keeps a 64 MiB segment's index at 2048
// points (32 KiB of memory).
const indexInterval = 32 << 10

// indexPoint locates one record: its offset relative to the segment base,
// its byte position in the segment and its arrival time.
type indexPoint struct {
	rel uint32
	pos uint32
	ts  int64
}

// segIndex is the sparse index of one segment, the in-memory form of its
// .idx and .tix files. Both files are caches: a segment is the truth.
type segIndex struct {
	base    uint64
	records uint32 // records in the segment
	size    int64  // bytes of the segment
	firstTs int64
	lastTs  int64
	points  []indexPoint
}

// add notes a record at pos; it makes a point for the first record and
// then every indexInterval bytes.
func (x *segIndex) add(off uint64, pos int64, ts int64, frameLen int) {
	if x.records == 0 {
		x.firstTs = ts
	}
	if len(x.points) == 0 || pos-int64(x.points[len(x.points)-1].pos) >= indexInterval {
		x.points = append(x.points, indexPoint{rel: uint32(off - x.base), pos: uint32(pos), ts: ts})
	}
	x.records++
	x.lastTs = ts
	x.size = pos + int64(frameLen)
}

// cut drops the records from offset next (at byte size) on, which a
// rewind gave back; lastTs is the arrival time of the last record kept.
// Readers' snapshots hold only points before size, so the points cut here
// (and overwritten by later adds) are in none of them.
func (x *segIndex) cut(next uint64, size int64, lastTs int64) {
	n := len(x.points)
	for n > 0 && int64(x.points[n-1].pos) >= size {
		n--
	}
	x.points = x.points[:n]
	x.records = uint32(next - x.base)
	x.size = size
	if x.records == 0 {
		x.firstTs, x.lastTs = 0, 0
	} else {
		x.lastTs = lastTs
	}
}

// seekOffset returns the byte position of the last point at or before off.
func (x *segIndex) seekOffset(off uint64) (uint64, int64) {
	if len(x.points) == 0 || off < x.base {
		return x.base, 0
	}
	rel := off - x.base
	i := sort.Search(len(x.points), func(i int) bool { return uint64(x.points[i].rel) > rel }) - 1
	if i < 0 {
		return x.base, 0
	}
	return x.base + uint64(x.points[i].rel), int64(x.points[i].pos)
}

// seekTime returns the position of the last point whose time is before ts:
// every record before it is older than ts.
func (x *segIndex) seekTime(ts int64) (uint64, int64) {
	i := sort.Search(len(x.points), func(i int) bool { return x.points[i].ts >= ts }) - 1
	if i < 0 {
		return x.base, 0
	}
	return x.base + uint64(x.points[i].rel), int64(x.points[i].pos)
}

// Index file layouts (little endian; see docs/format/index.md).
//
// .idx: "RHIX" | u8 version | 3 reserved | u64 base | u32 points |
// u32 records | u64 segment size | points × (u32 rel offset, u32 position) |
// u32 CRC32C of everything before it.
//
// .tix: "RHTX" | u8 version | 3 reserved | u64 base | u32 points |
// u32 reserved | i64 first time | i64 last time | points × (i64 time,
// u32 rel offset) | u32 CRC32C of everything before it.
const (
	indexVersion   = 1
	idxHeaderSize  = 32
	idxEntrySize   = 8
	tixHeaderSize  = 40
	tixEntrySize   = 12
	indexCRCSize   = 4
	idxMagic       = "RHIX"
	tixMagic       = "RHTX"
	maxIndexPoints = maxSegmentSize/indexInterval + 2*maxSegmentSize/minSegmentSize
)

var errIndex = errors.New("shardlog: bad index file")

func encodeIdx(x *segIndex) []byte {
	b := make([]byte, 0, idxHeaderSize+len(x.points)*idxEntrySize+indexCRCSize)
	b = append(b, idxMagic...)
	b = append(b, indexVersion, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, x.base)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(x.points)))
	b = binary.LittleEndian.AppendUint32(b, x.records)
	b = binary.LittleEndian.AppendUint64(b, uint64(x.size))
	for _, p := range x.points {
		b = binary.LittleEndian.AppendUint32(b, p.rel)
		b = binary.LittleEndian.AppendUint32(b, p.pos)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func encodeTix(x *segIndex) []byte {
	b := make([]byte, 0, tixHeaderSize+len(x.points)*tixEntrySize+indexCRCSize)
	b = append(b, tixMagic...)
	b = append(b, indexVersion, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, x.base)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(x.points)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(x.firstTs))
	b = binary.LittleEndian.AppendUint64(b, uint64(x.lastTs))
	for _, p := range x.points {
		b = binary.LittleEndian.AppendUint64(b, uint64(p.ts))
		b = binary.LittleEndian.AppendUint32(b, p.rel)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// checkIndexFile verifies magic, version, length and checksum and returns
// the point count.
func checkIndexFile(b []byte, magic string, header, entry int) (int, error) {
	if len(b) < header+indexCRCSize || string(b[0:4]) != magic {
		return 0, fmt.Errorf("%w: no %s header", errIndex, magic)
	}
	if b[4] != indexVersion || b[5] != 0 || b[6] != 0 || b[7] != 0 {
		return 0, fmt.Errorf("%w: version %d", errIndex, b[4])
	}
	n := binary.LittleEndian.Uint32(b[16:20])
	if n > maxIndexPoints || len(b) != header+int(n)*entry+indexCRCSize {
		return 0, fmt.Errorf("%w: %d points in %d bytes", errIndex, n, len(b))
	}
	body := b[:len(b)-indexCRCSize]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(body):]) {
		return 0, fmt.Errorf("%w: checksum mismatch", errIndex)
	}
	return int(n), nil
}

// decodeIndex parses an .idx and a .tix file of one segment into a segIndex
// and checks that they agree with each other and are ordered.
func decodeIndex(idx, tix []byte) (*segIndex, error) {
	n, err := checkIndexFile(idx, idxMagic, idxHeaderSize, idxEntrySize)
	if err != nil {
		return nil, err
	}
	tn, err := checkIndexFile(tix, tixMagic, tixHeaderSize, tixEntrySize)
	if err != nil {
		return nil, err
	}
	x := &segIndex{
		base:    binary.LittleEndian.Uint64(idx[8:16]),
		records: binary.LittleEndian.Uint32(idx[20:24]),
		size:    int64(binary.LittleEndian.Uint64(idx[24:32])),
		firstTs: int64(binary.LittleEndian.Uint64(tix[24:32])),
		lastTs:  int64(binary.LittleEndian.Uint64(tix[32:40])),
	}
	if tn != n || binary.LittleEndian.Uint64(tix[8:16]) != x.base || binary.LittleEndian.Uint32(tix[20:24]) != 0 {
		return nil, fmt.Errorf("%w: .idx and .tix disagree", errIndex)
	}
	if x.size < 0 || x.size > 2*maxSegmentSize || (n == 0) != (x.records == 0) || x.firstTs > x.lastTs {
		return nil, fmt.Errorf("%w: bad summary", errIndex)
	}
	x.points = make([]indexPoint, n)
	for i := range x.points {
		p := idx[idxHeaderSize+i*idxEntrySize:]
		t := tix[tixHeaderSize+i*tixEntrySize:]
		pt := indexPoint{
			rel: binary.LittleEndian.Uint32(p[0:4]),
			pos: binary.LittleEndian.Uint32(p[4:8]),
			ts:  int64(binary.LittleEndian.Uint64(t[0:8])),
		}
		if binary.LittleEndian.Uint32(t[8:12]) != pt.rel || pt.rel >= x.records || int64(pt.pos) >= x.size || pt.ts < x.firstTs || pt.ts > x.lastTs {
			return nil, fmt.Errorf("%w: point %d out of range", errIndex, i)
		}
		if i == 0 && (pt.rel != 0 || pt.pos != 0) {
			return nil, fmt.Errorf("%w: first point not at segment start", errIndex)
		}
		if i > 0 {
			q := x.points[i-1]
			if pt.rel <= q.rel || pt.pos <= q.pos || pt.ts < q.ts {
				return nil, fmt.Errorf("%w: point %d out of order", errIndex, i)
			}
		}
		x.points[i] = pt
	}
	return x, nil
}
