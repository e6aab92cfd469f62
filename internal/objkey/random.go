package objkey

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/google/uuid"
)

// NewRandom returns a fresh batch id in the form Firehose puts at the end of
// an object name: a random (version 4) UUID such as
// a9fa96af-e4e4-409f-bac3-1f804714faaa. The engine stores it with the batch
// so a retried batch gets the same key and replaces its object.
func NewRandom() string { return uuid.NewString() }

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

// DerivedRandom returns another batch id for batch, shaped like NewRandom's
// (a version 4 UUID) and fixed by batch and salt, so a retried batch
// derives the same one. The engine names an object with it when the
// batch's own id would give the key of another object of the batch.
func DerivedRandom(batch, salt string) string {
	h := sha256.Sum256([]byte(batch + "/" + salt))
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	u, _ := uuid.FromBytes(h[:16])
	return u.String()
}
