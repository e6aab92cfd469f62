package atrest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
)

// MasterKeySize is the length of a master key.
const MasterKeySize = 32

// Errors of the package. Match them with errors.Is.
var (
	// ErrWrongKey: an encrypted record does not open with the master key
	// in use — the key file or data dir is not the one the record was
	// written with, or the record was altered.
	ErrWrongKey = errors.New("atrest: record does not decrypt with this master key (wrong key file or data dir?)")
	// ErrBadEnvelope: a record flagged encrypted is too short or has an
	// unknown envelope version.
	ErrBadEnvelope = errors.New("atrest: malformed encryption envelope")
	// ErrBadKeyFile: a key file does not hold a 32-byte key.
	ErrBadKeyFile = errors.New("atrest: key file must hold 32 bytes: raw, 64 hex digits or base64")
)

// Keys derives and caches the data keys of KeyIds from one master key. It
// is safe for concurrent use.
type Keys struct {
	master []byte

	mu    sync.RWMutex // guards aeads
	aeads map[uint64]cipher.AEAD
}

// NewKeys returns the key set of master, which must be MasterKeySize bytes.
// The caller may reuse master afterwards.
func NewKeys(master []byte) (*Keys, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("atrest: master key is %d bytes, want %d", len(master), MasterKeySize)
	}
	return &Keys{master: append([]byte(nil), master...), aeads: make(map[uint64]cipher.AEAD)}, nil
}

// ReadKeyFile reads a master key file (`rheo serve --encryption-key-file`):
// exactly 32 raw bytes, or 64 hex digits, or the base64 of 32 bytes, with
// surrounding white space ignored for the text forms.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("atrest: read key file: %w", err)
	}
	if len(b) == MasterKeySize {
		return b, nil
	}
	t := strings.TrimSpace(string(b))
	if k, err := hex.DecodeString(t); err == nil && len(k) == MasterKeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(t); err == nil && len(k) == MasterKeySize {
		return k, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrBadKeyFile, path)
}

// Fingerprint is the 8-byte name of a KeyId inside envelopes.
func Fingerprint(keyID string) uint64 {
	h := sha256.Sum256([]byte(keyID))
	return binary.BigEndian.Uint64(h[:8])
}

// hkdfSalt separates rheo's derivation from any other use of the master.
var hkdfSalt = []byte("rheo-atrest-v1")

// aead returns the cipher of fingerprint fp, deriving it on first use.
func (k *Keys) aead(fp uint64) (cipher.AEAD, error) {
	k.mu.RLock()
	a, ok := k.aeads[fp]
	k.mu.RUnlock()
	if ok {
		return a, nil
	}
	var info [8]byte
	binary.BigEndian.PutUint64(info[:], fp)
	dk, err := hkdf.Key(sha256.New, k.master, hkdfSalt, string(info[:]), 32)
	if err != nil {
		return nil, fmt.Errorf("atrest: derive data key: %w", err)
	}
	blk, err := aes.NewCipher(dk)
	if err != nil {
		return nil, fmt.Errorf("atrest: data key: %w", err)
	}
	a, err = cipher.NewGCM(blk)
	if err != nil {
		return nil, fmt.Errorf("atrest: data key: %w", err)
	}
	k.mu.Lock()
	if old, ok := k.aeads[fp]; ok {
		a = old
	} else {
		k.aeads[fp] = a
	}
	k.mu.Unlock()
	return a, nil
}

// checkInfo separates the key check from the data keys' derivation.
const checkInfo = "rheo-atrest-key-check"

// Check returns a key check value of the master key: a one-way derivation
// (HKDF, never the key itself nor a data key) that is safe to store next to
// the data, so a server can tell at start whether it was given the master
// key the data dir's records were encrypted with.
func (k *Keys) Check() (string, error) {
	c, err := hkdf.Key(sha256.New, k.master, hkdfSalt, checkInfo, 16)
	if err != nil {
		return "", fmt.Errorf("atrest: derive key check: %w", err)
	}
	return hex.EncodeToString(c), nil
}
