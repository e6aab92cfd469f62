package seqnum

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		shard uint32
		off   uint64
	}{{0, 0}, {1, 1}, {7, 123456789}, {math.MaxUint32, math.MaxUint64 - 1}}
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
	pairs := [][4]uint64{{0, 0, 0, 1}, {0, 9, 0, 10}, {0, math.MaxUint64 - 1, 1, 0}, {3, 5, 4, 0}}
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
		if errors.Is(err, ErrStart) {
			if Start(sh) != s {
				t.Fatalf("Decode(%q) says start of shard %d, which is %q", s, sh, Start(sh))
			}
			return
		}
		if err != nil {
			return
		}
		if Encode(sh, off) != s {
			t.Fatalf("Decode(%q) = %d,%d which encodes to %q", s, sh, off, Encode(sh, off))
		}
	})
}

// The starting number is below every record of its shard, and "at" and
// "after" it both start at the first record; after a record is the next.
func TestStartAndPosition(t *testing.T) {
	start := Start(5)
	a, _ := new(big.Int).SetString(start, 10)
	b, _ := new(big.Int).SetString(Encode(5, 0), 10)
	if a.Cmp(b) >= 0 {
		t.Fatalf("Start %s not below the first record %s", start, Encode(5, 0))
	}
	if sh, _, err := Decode(start); !errors.Is(err, ErrStart) || sh != 5 {
		t.Fatalf("Decode(Start) = %d, %v", sh, err)
	}
	cases := []struct {
		s     string
		after bool
		want  uint64
	}{{start, false, 0}, {start, true, 0}, {Encode(5, 0), false, 0}, {Encode(5, 0), true, 1}, {Encode(5, 41), true, 42}}
	for _, c := range cases {
		sh, off, err := Position(c.s, c.after)
		if err != nil || sh != 5 || off != c.want {
			t.Fatalf("Position(%s, %v) = %d, %d, %v; want offset %d", c.s, c.after, sh, off, err, c.want)
		}
	}
	if string(AppendBefore(nil, 5, 0)) != start || string(AppendBefore(nil, 5, 42)) != Encode(5, 41) {
		t.Fatal("AppendBefore")
	}
}
