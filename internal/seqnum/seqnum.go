// Package seqnum encodes Kinesis sequence numbers.
//
// A sequence number is a 56-digit decimal string, as on AWS. Read as
// fixed-width decimal fields it is
//
//	49 | shard index (12 digits) | offset in shard (20 digits) | 22 zeros
//
// so numbers compare as big integers exactly as they compare as strings,
// they grow strictly with the offset inside a shard, and every number of a
// child shard is greater than every number of its parents because a child's
// index is always greater than its parents'. The shard index inside lets the
// API reject a sequence number used on the wrong shard, as AWS does.
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
func Encode(shard uint32, offset uint64) string {
	var b [Len]byte
	copy(b[:], prefix)
	putDigits(b[len(prefix):len(prefix)+shardWidth], uint64(shard))
	putDigits(b[len(prefix)+shardWidth:len(prefix)+shardWidth+offWidth], offset)
	for i := Len - padWidth; i < Len; i++ {
		b[i] = '0'
	}
	return string(b[:])
}

// AppendEncode appends the sequence number to dst, for allocation-free
// response encoding.
func AppendEncode(dst []byte, shard uint32, offset uint64) []byte {
	dst = append(dst, prefix...)
	dst = appendPadded(dst, uint64(shard), shardWidth)
	dst = appendPadded(dst, offset, offWidth)
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

// Decode splits a sequence number into shard index and offset.
func Decode(s string) (shard uint32, offset uint64, err error) {
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
	off, err := strconv.ParseUint(s[len(prefix)+shardWidth:len(prefix)+shardWidth+offWidth], 10, 64)
	if err != nil {
		return 0, 0, ErrInvalid
	}
	return uint32(sh), off, nil
}
