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
