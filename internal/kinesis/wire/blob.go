package wire

import (
	"encoding/base64"
	"slices"

	simd "github.com/segmentio/asm/base64"
)

// Blob members (Data) travel as padded standard base64 in JSON. These two
// functions are on every record's path in and out (PutRecords, GetRecords,
// SubscribeToShard, Firehose puts), where encoding/base64 was the largest
// single cost of the server, so they use an AVX2 (amd64) / NEON (arm64)
// codec with encoding/base64's exact output and the same acceptance rules.

// DecodeBlobInPlace decodes the base64 text held in b into the front of b
// and returns the decoded length. It accepts exactly what encoding/json
// accepts inside a JSON string without escapes: padded standard base64 and
// nothing else (encoding/base64 would skip a raw CR or LF, which JSON does
// not allow unescaped). Decoding in place is safe because every block's
// output is written at or before the block it was read from.
func DecodeBlobInPlace(b []byte) (int, bool) {
	if len(b)%4 != 0 {
		return 0, false
	}
	want := len(b)/4*3 - padding(b)
	n, err := simd.StdEncoding.Decode(b, b)
	if err != nil || n != want {
		// A shorter result means characters were skipped (CR, LF).
		return 0, false
	}
	return n, true
}

// padding counts the trailing '=' of b (at most two are valid).
func padding(b []byte) int {
	p := 0
	for i := len(b) - 1; i >= 0 && p < 2 && b[i] == '='; i-- {
		p++
	}
	return p
}

// AppendBlob appends the padded standard base64 of src to dst.
func AppendBlob(dst, src []byte) []byte {
	n := len(dst)
	m := base64.StdEncoding.EncodedLen(len(src))
	dst = slices.Grow(dst, m)[:n+m]
	simd.StdEncoding.Encode(dst[n:], src)
	return dst
}
