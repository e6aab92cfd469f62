package kinesis

import (
	"math/big"
	"testing"
)

// Ranges AWS gives a new stream (from real DescribeStream output).
func TestSplitHashSpaceMatchesAWS(t *testing.T) {
	cases := map[int][]string{
		1: {"0", "340282366920938463463374607431768211455"},
		2: {"0", "170141183460469231731687303715884105727", "170141183460469231731687303715884105728", "340282366920938463463374607431768211455"},
		3: {"0", "113427455640312821154458202477256070484", "113427455640312821154458202477256070485", "226854911280625642308916404954512140969", "226854911280625642308916404954512140970", "340282366920938463463374607431768211455"},
	}
	for n, want := range cases {
		got := splitHashSpace(n)
		for i, r := range got {
			if r[0].String() != want[2*i] || r[1].String() != want[2*i+1] {
				t.Errorf("n=%d shard %d: [%s, %s], want [%s, %s]", n, i, r[0], r[1], want[2*i], want[2*i+1])
			}
		}
	}
	// Contiguous and complete for awkward counts.
	for _, n := range []int{4, 7, 10, 500} {
		r := splitHashSpace(n)
		if r[0][0] != (uint128{}) || r[n-1][1] != maxHashKey {
			t.Fatalf("n=%d does not cover the space", n)
		}
		for i := 1; i < n; i++ {
			if r[i-1][1].add1() != r[i][0] {
				t.Fatalf("n=%d gap between %d and %d", n, i-1, i)
			}
		}
	}
}

func TestParseHashKey(t *testing.T) {
	for _, s := range []string{"0", "1", "18446744073709551615", "18446744073709551616", "340282366920938463463374607431768211455", "00042"} {
		u, err := parseHashKey(s)
		if err != nil {
			t.Fatalf("parse %s: %v", s, err)
		}
		want, _ := new(big.Int).SetString(s, 10)
		if u.big().Cmp(want) != 0 {
			t.Fatalf("parse %s = %s", s, u)
		}
	}
	for _, s := range []string{"", "-1", "+1", "1 ", "abc", "340282366920938463463374607431768211456", "999999999999999999999999999999999999999999"} {
		if _, err := parseHashKey(s); err == nil {
			t.Fatalf("parse %q accepted", s)
		}
	}
}

func TestHashKeyOfIsMD5BigEndian(t *testing.T) {
	// md5("a") = 0cc175b9c0f1b6a831c399e269772661
	want, _ := new(big.Int).SetString("0cc175b9c0f1b6a831c399e269772661", 16)
	if got := hashKeyOf([]byte("a")); got.big().Cmp(want) != 0 {
		t.Fatalf("hashKeyOf(a) = %s, want %s", got, want)
	}
}
