package objkey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// NewRandom returns a fresh batch id in the form Firehose puts at the end of
// an object name: a random (version 4) UUID such as
// a9fa96af-e4e4-409f-bac3-1f804714faaa. The engine stores it with the batch
// so a retried batch gets the same key and replaces its object.
func NewRandom() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("objkey: crypto/rand: " + err.Error())
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// randomString is the n-th !{firehose:random-string} of a batch: eleven
// characters shaped like the developer guide's example "046b6c7f-0b" (the
// head of a UUID). It is derived from the batch id rather than drawn, so a
// retried batch renders the same key; distinct instances in one prefix
// still differ, as the guide requires.
func randomString(batch string, n int) string {
	h := sha256.Sum256([]byte(batch + "/" + strconv.Itoa(n)))
	var b [RandomStringLength]byte
	hex.Encode(b[0:8], h[0:4])
	b[8] = '-'
	hex.Encode(b[9:11], h[4:5])
	return string(b[:])
}
