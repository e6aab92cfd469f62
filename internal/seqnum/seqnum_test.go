package seqnum

import (
	"math"
	"math/big"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		shard uint32
		off   uint64
	}{{0, 0}, {1, 1}, {7, 123456789}, {math.MaxUint32, math.MaxUint64}}
	for _, c := range cases {
		s := Encode(c.shard, c.off)
		if len(s) != Len {
			t.Fatalf("Encode(%d,%d) = %q: len %d", c.shard, c.off, s, len(s))
		}
		if a := string(AppendEncode(nil, c.shard, c.off)); a != s {
			t.Fatalf("AppendEncode = %q, Encode = %q", a, s)
		}
		sh, off, err := Decode(s)
		if err != nil || sh != c.shard || off != c.off {
			t.Fatalf("Decode(%q) = %d,%d,%v; want %d,%d", s, sh, off, err, c.shard, c.off)
		}
	}
}

// The KCL and SDKs compare sequence numbers as big integers: the order must
// be by (shard, offset), and children (higher index) above parents.
func TestOrderAsBigIntegers(t *testing.T) {
	pairs := [][4]uint64{{0, 0, 0, 1}, {0, 9, 0, 10}, {0, math.MaxUint64, 1, 0}, {3, 5, 4, 0}}
	for _, p := range pairs {
		a, _ := new(big.Int).SetString(Encode(uint32(p[0]), p[1]), 10)
		b, _ := new(big.Int).SetString(Encode(uint32(p[2]), p[3]), 10)
		if a.Cmp(b) >= 0 {
			t.Fatalf("(%d,%d) should be below (%d,%d): %s vs %s", p[0], p[1], p[2], p[3], a, b)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	good := Encode(1, 2)
	for _, s := range []string{"", "0", "1234", good[:55], good + "0", "59" + good[2:], good[:55] + "1", good[:10] + "x" + good[11:], "49999999999999" + good[14:]} {
		if _, _, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(0, 0))
	f.Add(Encode(12, 99999))
	f.Add("not a number")
	f.Fuzz(func(t *testing.T, s string) {
		sh, off, err := Decode(s)
		if err != nil {
			return
		}
		if Encode(sh, off) != s {
			t.Fatalf("Decode(%q) = %d,%d which encodes to %q", s, sh, off, Encode(sh, off))
		}
	})
}
