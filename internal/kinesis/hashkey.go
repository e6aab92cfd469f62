package kinesis

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"math/big"
	"math/bits"
)

// uint128 is a Kinesis hash key: partition keys are hashed with MD5 and the
// 16-byte digest read as a big-endian unsigned integer. Routing compares
// these on every put, so they are two words, not big.Ints.
type uint128 struct{ hi, lo uint64 }

// maxHashKey is 2^128-1, the end of the last shard's range.
var maxHashKey = uint128{^uint64(0), ^uint64(0)}

// hashKeyOf returns the hash key of a partition key.
func hashKeyOf(partitionKey []byte) uint128 {
	sum := md5.Sum(partitionKey)
	return uint128{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

func (a uint128) cmp(b uint128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a uint128) add1() uint128 {
	lo, c := bits.Add64(a.lo, 1, 0)
	return uint128{a.hi + c, lo}
}

func (a uint128) sub1() uint128 {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return uint128{a.hi - b, lo}
}

func (a uint128) big() *big.Int {
	b := new(big.Int).SetUint64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo))
}

func fromBig(b *big.Int) uint128 {
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0)))
	hi := new(big.Int).Rsh(b, 64)
	return uint128{hi.Uint64(), lo.Uint64()}
}

// String renders the key in decimal, as Kinesis does.
func (a uint128) String() string { return a.big().String() }

var errHashKey = errors.New("not a 128-bit decimal hash key")

// parseHashKey parses a decimal hash key in [0, 2^128-1]. Leading zeros are
// allowed (AWS accepts them); signs, spaces and other digits are not.
func parseHashKey(s string) (uint128, error) {
	if len(s) == 0 || len(s) > 128 {
		return uint128{}, errHashKey
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return uint128{}, errHashKey
		}
	}
	var a uint128
	for i := 0; i < len(s); i++ {
		// a = a*10 + digit, failing on overflow past 2^128-1.
		hi1, lo1 := bits.Mul64(a.lo, 10)
		hhi, hlo := bits.Mul64(a.hi, 10)
		if hhi != 0 {
			return uint128{}, errHashKey
		}
		hi, c := bits.Add64(hi1, hlo, 0)
		if c != 0 {
			return uint128{}, errHashKey
		}
		lo, c := bits.Add64(lo1, uint64(s[i]-'0'), 0)
		hi, c2 := bits.Add64(hi, 0, c)
		if c2 != 0 {
			return uint128{}, errHashKey
		}
		a = uint128{hi, lo}
	}
	return a, nil
}

// splitHashSpace divides [0, 2^128-1] into n contiguous ranges exactly as
// Kinesis does for a new stream: range i starts at floor(i * 2^128 / n)
// and ends one before the next start; the last ends at 2^128-1.
func splitHashSpace(n int) [][2]uint128 {
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	out := make([][2]uint128, n)
	for i := 0; i < n; i++ {
		start := new(big.Int).Mul(space, big.NewInt(int64(i)))
		start.Quo(start, big.NewInt(int64(n)))
		out[i][0] = fromBig(start)
		if i > 0 {
			out[i-1][1] = out[i][0].sub1()
		}
	}
	out[n-1][1] = maxHashKey
	return out
}
