// Package seqnum encodes Kinesis sequence numbers.
//
// A sequence number is a 56-digit decimal string, as on AWS. Read as
// fixed-width decimal fields it is
//
//	49 | shard index (12 digits) | offset in shard + 1 (20 digits) | 22 zeros
//
// so numbers compare as big integers exactly as they compare as strings,
// they grow strictly with the offset inside a shard, and every number of a
// child shard is greater than every number of its parents because a child's
// index is always greater than its parents'. The shard index inside lets the
// API reject a sequence number used on the wrong shard, as AWS does.
//
// The offset field holds offset+1 so that field 0 is free for the shard's
// starting sequence number (Start): like AWS's, it is below every record's
// number, so "after the start" is the first record and a consumer that
// checkpoints the start of an empty shard skips nothing.
package seqnum

import (
	"errors"
	"strconv"
)

// Len is the length of every sequence number rheo makes.
const Len = 56

const (
	prefix     = "49"
	shardWidth = 12
	offWidth   = 20
	padWidth   = Len - len(prefix) - shardWidth - offWidth
	// MaxShard is the largest shard index that fits the encoding.
	MaxShard = 999_999_999_999
)

// ErrInvalid is returned for strings that are not rheo sequence numbers.
var ErrInvalid = errors.New("seqnum: not a sequence number")

// Encode returns the sequence number of the record at offset in shard.
// offset must be below 2^64-1.
func Encode(shard uint32, offset uint64) string {
	var b [Len]byte
	return string(appendField(b[:0], shard, offset+1))
}

// AppendEncode appends the sequence number to dst, for allocation-free
// response encoding.
func AppendEncode(dst []byte, shard uint32, offset uint64) []byte {
	return appendField(dst, shard, offset+1)
}

// Start returns the shard's starting sequence number, below the number of
// every record of the shard (DescribeStream's StartingSequenceNumber).
func Start(shard uint32) string {
	var b [Len]byte
	return string(appendField(b[:0], shard, 0))
}

// AppendBefore appends the number just before offset next: the number of
// the record at next-1, or the shard's starting number when next is 0. It
// is what a consumer that has read everything below next checkpoints
// (SubscribeToShard's ContinuationSequenceNumber).
func AppendBefore(dst []byte, shard uint32, next uint64) []byte {
	return appendField(dst, shard, next)
}

func appendField(dst []byte, shard uint32, field uint64) []byte {
	dst = append(dst, prefix...)
	dst = appendPadded(dst, uint64(shard), shardWidth)
	dst = appendPadded(dst, field, offWidth)
	for range padWidth {
		dst = append(dst, '0')
	}
	return dst
}

func appendPadded(dst []byte, v uint64, width int) []byte {
	var tmp [20]byte
	putDigits(tmp[20-width:], v)
	return append(dst, tmp[20-width:]...)
}

func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// ErrStart is returned by Decode for a shard's starting number, which
// names no record.
var ErrStart = errors.New("seqnum: the shard's starting sequence number names no record")

// Decode splits a sequence number into shard index and the offset of the
// record it names. For a shard's starting number it returns the shard index
// and ErrStart.
func Decode(s string) (shard uint32, offset uint64, err error) {
	sh, field, err := decodeField(s)
	if err != nil {
		return 0, 0, err
	}
	if field == 0 {
		return sh, 0, ErrStart
	}
	return sh, field - 1, nil
}

// Position returns where a reader positioned at s (after false) or after s
// (after true) starts: the shard index and the offset of the first record
// it reads. The shard's starting number positions at offset 0 either way.
func Position(s string, after bool) (shard uint32, offset uint64, err error) {
	sh, field, err := decodeField(s)
	if err != nil {
		return 0, 0, err
	}
	if field == 0 || !after {
		return sh, max(field, 1) - 1, nil
	}
	return sh, field, nil
}

func decodeField(s string) (shard uint32, field uint64, err error) {
	if len(s) != Len || s[:len(prefix)] != prefix {
		return 0, 0, ErrInvalid
	}
	for i := 0; i < Len; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, ErrInvalid
		}
	}
	for i := Len - padWidth; i < Len; i++ {
		if s[i] != '0' {
			return 0, 0, ErrInvalid
		}
	}
	sh, err := strconv.ParseUint(s[len(prefix):len(prefix)+shardWidth], 10, 32)
	if err != nil {
		return 0, 0, ErrInvalid
	}
	f, err := strconv.ParseUint(s[len(prefix)+shardWidth:len(prefix)+shardWidth+offWidth], 10, 64)
	if err != nil {
		return 0, 0, ErrInvalid
	}
	return uint32(sh), f, nil
}
