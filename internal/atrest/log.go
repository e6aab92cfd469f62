package atrest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Envelope layout (docs/format/segment.md, "Encryption-at-rest envelope").
const (
	envelopeVersion = 1
	nonceSize       = 12
	tagSize         = 16
	headerSize      = 1 + 8 + nonceSize
	// Overhead is how many bytes encryption adds to a record's data.
	Overhead = headerSize + tagSize
)

// The envelope must fit the shard log's allowance for flagged records.
var _ = [shardlog.MaxEnvelopeOverhead - Overhead]struct{}{}

// Log is a shardlog.Log that encrypts the data of streams whose encryption
// is on and decrypts on Read. Build it with Wrap.
type Log struct {
	inner   shardlog.Log
	keys    *Keys
	enabled func(stream uint64) (keyID string, on bool)
}

var _ shardlog.Log = (*Log)(nil)

// Wrap returns inner with encryption at rest: Append seals the Data of
// every entry of a stream for which enabled reports on, with the data key
// of the KeyId it reports; Read opens every record flagged encrypted,
// whatever the stream's current setting. enabled is called once per
// Append, on the append path: it must be fast and safe for concurrent use.
func Wrap(inner shardlog.Log, keys *Keys, enabled func(stream uint64) (keyID string, on bool)) shardlog.Log {
	return &Log{inner: inner, keys: keys, enabled: enabled}
}

// Inner returns the wrapped log (tests read ciphertext through it).
func (l *Log) Inner() shardlog.Log { return l.inner }

// aad builds the additional authenticated data of an envelope.
func aad(dst *[21]byte, fp uint64, id shardlog.ShardID) []byte {
	dst[0] = envelopeVersion
	binary.BigEndian.PutUint64(dst[1:9], fp)
	binary.LittleEndian.PutUint64(dst[9:17], id.Stream)
	binary.LittleEndian.PutUint32(dst[17:21], id.Shard)
	return dst[:]
}

// Append implements shardlog.Log. Entries of an encrypted stream are
// copied with sealed data (the caller's entries are left as they are):
// one buffer for all envelopes, one read of the random source for all
// nonces. The result's Encrypted says whether they were sealed.
func (l *Log) Append(ctx context.Context, id shardlog.ShardID, entries []shardlog.Entry) (shardlog.AppendResult, error) {
	keyID, on := l.enabled(id.Stream)
	if !on || len(entries) == 0 {
		return l.inner.Append(ctx, id, entries)
	}
	fp := Fingerprint(keyID)
	a, err := l.keys.aead(fp)
	if err != nil {
		return shardlog.AppendResult{}, err
	}
	total := 0
	for i := range entries {
		if len(entries[i].Data) > shardlog.MaxDataSize {
			return shardlog.AppendResult{}, fmt.Errorf("%w: data is %d bytes, more than %d", shardlog.ErrInvalidEntry, len(entries[i].Data), shardlog.MaxDataSize)
		}
		total += len(entries[i].Data) + Overhead
	}
	buf := make([]byte, 0, total)
	nonces := make([]byte, nonceSize*len(entries))
	if _, err := rand.Read(nonces); err != nil {
		return shardlog.AppendResult{}, fmt.Errorf("atrest: nonce: %w", err)
	}
	var ad [21]byte
	add := aad(&ad, fp, id)
	sealed := make([]shardlog.Entry, len(entries))
	for i := range entries {
		e := entries[i]
		start := len(buf)
		buf = append(buf, envelopeVersion)
		buf = binary.BigEndian.AppendUint64(buf, fp)
		nonce := nonces[i*nonceSize : (i+1)*nonceSize]
		buf = append(buf, nonce...)
		buf = a.Seal(buf, nonce, e.Data, add)
		e.Data = buf[start:len(buf):len(buf)]
		e.Flags |= shardlog.FlagEncrypted
		sealed[i] = e
	}
	res, err := l.inner.Append(ctx, id, sealed)
	res.Encrypted = err == nil
	return res, err
}

// Read implements shardlog.Log: encrypted records come back with their
// plaintext (in one new buffer per batch) and keep FlagEncrypted, so a
// reader can report them as encrypted. A record that does not open fails
// the whole read with ErrWrongKey or ErrBadEnvelope.
func (l *Log) Read(ctx context.Context, id shardlog.ShardID, from uint64, maxRecords, maxBytes int) (shardlog.Batch, error) {
	b, err := l.inner.Read(ctx, id, from, maxRecords, maxBytes)
	if err != nil {
		return b, err
	}
	if err := l.open(id, b.Records); err != nil {
		return shardlog.Batch{}, err
	}
	return b, nil
}

// open decrypts the encrypted records of recs in place (the Record
// values, never the bytes they point to, which may be the inner log's).
func (l *Log) open(id shardlog.ShardID, recs []shardlog.Record) error {
	total, found := 0, false
	for i := range recs {
		if recs[i].Flags&shardlog.FlagEncrypted != 0 {
			total += max(0, len(recs[i].Data)-Overhead)
			found = true
		}
	}
	if !found {
		return nil
	}
	buf := make([]byte, 0, total)
	var ad [21]byte
	for i := range recs {
		r := &recs[i]
		if r.Flags&shardlog.FlagEncrypted == 0 {
			continue
		}
		d := r.Data
		if len(d) < Overhead || d[0] != envelopeVersion {
			return fmt.Errorf("shard %s offset %d: %w", id, r.Offset, ErrBadEnvelope)
		}
		fp := binary.BigEndian.Uint64(d[1:9])
		a, err := l.keys.aead(fp)
		if err != nil {
			return err
		}
		start := len(buf)
		buf, err = a.Open(buf, d[9:headerSize], d[headerSize:], aad(&ad, fp, id))
		if err != nil {
			return fmt.Errorf("shard %s offset %d: %w", id, r.Offset, ErrWrongKey)
		}
		r.Data = buf[start:len(buf):len(buf)]
	}
	return nil
}

// CreateShard implements shardlog.Log.
func (l *Log) CreateShard(id shardlog.ShardID, cfg shardlog.ShardConfig) error {
	return l.inner.CreateShard(id, cfg)
}

// DeleteShard implements shardlog.Log.
func (l *Log) DeleteShard(id shardlog.ShardID) error { return l.inner.DeleteShard(id) }

// SetRetention implements shardlog.Log.
func (l *Log) SetRetention(id shardlog.ShardID, d time.Duration) error {
	return l.inner.SetRetention(id, d)
}

// Seal implements shardlog.Log.
func (l *Log) Seal(ctx context.Context, id shardlog.ShardID) (shardlog.ShardInfo, error) {
	return l.inner.Seal(ctx, id)
}

// Seek implements shardlog.Log.
func (l *Log) Seek(id shardlog.ShardID, s shardlog.Seek) (uint64, error) { return l.inner.Seek(id, s) }

// Wait implements shardlog.Log.
func (l *Log) Wait(ctx context.Context, id shardlog.ShardID, from uint64) error {
	return l.inner.Wait(ctx, id, from)
}

// Info implements shardlog.Log.
func (l *Log) Info(id shardlog.ShardID) (shardlog.ShardInfo, error) { return l.inner.Info(id) }

// Sync implements shardlog.Log.
func (l *Log) Sync(ctx context.Context) error { return l.inner.Sync(ctx) }

// Close implements shardlog.Log; it closes the inner log.
func (l *Log) Close() error { return l.inner.Close() }
