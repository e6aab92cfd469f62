package shardlog

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ShardID names one shard: the unique id of its stream (never reused, so a
// deleted and re-created stream never sees old files) and its index in it.
type ShardID struct {
	Stream uint64
	Shard  uint32
}

// String renders the id as the shard's directory below the log root.
func (id ShardID) String() string { return fmt.Sprintf("%016x/%08d", id.Stream, id.Shard) }

// Limits of a single record. They match Kinesis: the data blob may be empty
// and at most 1 MiB; a partition key is at most 256 UTF-16 code units, which
// is at most 1024 bytes of UTF-8 (the API layer counts the characters).
const (
	MaxDataSize         = 1 << 20
	MaxPartitionKeySize = 1024
	MaxHashKeySize      = 64
)

// Retention bounds. A shard's retention is always within them.
const (
	DefaultRetention = 24 * time.Hour
	MinRetention     = time.Hour
	MaxRetention     = 8760 * time.Hour
)

// Record flags, kept per record (the frame's flags field, segment.md).
// The log stores them and gives them back; it never interprets them.
const (
	// FlagEncrypted marks Data as an envelope written by internal/atrest
	// (encryption at rest), which a wrapping Log decrypts on Read.
	FlagEncrypted uint16 = 1 << 0

	// knownFlags are the bits this version writes; a frame with any other
	// bit is from a newer version and is reported as malformed.
	knownFlags = FlagEncrypted
)

// MaxEnvelopeOverhead is how many bytes beyond MaxDataSize a record with
// flags set may carry in Data (an encryption envelope's header and tag).
const MaxEnvelopeOverhead = 64

// Entry is one record handed to Append.
type Entry struct {
	PartitionKey    []byte
	ExplicitHashKey []byte // optional, kept verbatim
	Data            []byte
	// Flags are stored with the record and returned in Record.Flags; only
	// the Flag* bits are allowed.
	Flags uint16
}

// Record is one stored record. Its byte slices may alias a buffer owned by
// the Batch that returned it: copy them to keep them past the next Read.
type Record struct {
	Offset          uint64
	Timestamp       int64 // approximate arrival time, ms since the Unix epoch
	PartitionKey    []byte
	ExplicitHashKey []byte
	Data            []byte
	Flags           uint16 // the Entry's Flags
}

// Size is the number of bytes the record counts against read limits: data
// plus partition key, as Kinesis counts it.
func (r *Record) Size() int { return len(r.Data) + len(r.PartitionKey) }

// AppendResult tells where an Append landed.
type AppendResult struct {
	FirstOffset uint64 // the records got FirstOffset, FirstOffset+1, ...
	Timestamp   int64  // the arrival time given to all of them
	// Encrypted reports that a wrapper (atrest.Log) sealed the records'
	// data before storing them; the shard log itself never sets it. A
	// put's reply reports it, since the stream's setting can change
	// between the reply's reading of it and the append.
	Encrypted bool
}

// ShardConfig is set when a shard is created.
type ShardConfig struct {
	// Retention is how long records stay readable; 0 means DefaultRetention.
	Retention time.Duration
}

// ShardInfo is a snapshot of a shard's state.
type ShardInfo struct {
	TrimHorizon   uint64 // first readable offset; equals Next when nothing is readable
	Next          uint64 // offset the next appended record gets (the tip)
	Closed        bool   // sealed: appends fail with ErrShardClosed
	LastTimestamp int64  // arrival time of the last record, 0 when empty
	Retention     time.Duration
	Bytes         int64 // bytes of segment files on disk (0 for the memory log)
	Segments      int
}

// SeekKind selects how Seek positions a reader.
type SeekKind int

// Seek kinds, matching Kinesis shard iterator types.
const (
	SeekTrimHorizon SeekKind = iota // oldest readable record
	SeekLatest                      // just after the newest record
	SeekAtOffset                    // the record at Offset
	SeekAfterOffset                 // the record after Offset
	SeekAtTimestamp                 // first record with Timestamp >= Timestamp
)

// Seek describes a start position.
type Seek struct {
	Kind      SeekKind
	Offset    uint64
	Timestamp int64 // ms since the Unix epoch
}

// Batch is the result of a Read.
type Batch struct {
	Records []Record
	// Next is the offset to pass to the following Read.
	Next uint64
	// Tip is the shard's Next at the time of the read and TipTimestamp the
	// arrival time of the record before it (0 when empty); together they give
	// MillisBehindLatest.
	Tip          uint64
	TipTimestamp int64
	// Ended is true when the shard is closed and Next has reached its end:
	// no record will ever be returned from here.
	Ended bool

	// bufs are the read buffers the records alias and put returns them to
	// their pool; both are nil for logs that do not pool (Memory).
	bufs [][]byte
	put  func([]byte)
}

// Release hands the batch's read buffers back for reuse. The records'
// byte slices must not be used afterwards. Calling it is optional (the GC
// takes unreleased buffers) but saves an allocation of up to the batch's
// size per read on hot paths such as GetRecords; calling it twice is safe.
func (b *Batch) Release() {
	if b.put != nil {
		for _, buf := range b.bufs {
			b.put(buf)
		}
	}
	b.bufs, b.put = nil, nil
}

// Log is the store of all shards. Every method is safe for concurrent use.
// File is the durable implementation, Memory the test oracle; both follow
// the same contract, checked by the same tests.
type Log interface {
	// CreateShard makes a new empty shard; ErrShardExists if it exists.
	CreateShard(id ShardID, cfg ShardConfig) error
	// DeleteShard removes a shard and all its records. Blocked readers and
	// appenders of the shard return ErrShardNotFound.
	DeleteShard(id ShardID) error
	// SetRetention changes how long records stay readable.
	SetRetention(id ShardID, d time.Duration) error
	// Append adds entries in order and returns once they are durable under
	// the sync policy. Either all entries are appended or none.
	Append(ctx context.Context, id ShardID, entries []Entry) (AppendResult, error)
	// Seal closes the shard at its last record: later appends fail with
	// ErrShardClosed, reads go on to the end. Sealing twice is allowed.
	Seal(ctx context.Context, id ShardID) (ShardInfo, error)
	// Seek turns a start position into an offset for Read. Offsets below the
	// trim horizon resolve to the trim horizon.
	Seek(id ShardID, s Seek) (uint64, error)
	// Read returns up to maxRecords records and about maxBytes bytes (at
	// least one record if any is readable, even when larger than maxBytes)
	// starting at offset from. It never blocks on writers.
	Read(ctx context.Context, id ShardID, from uint64, maxRecords, maxBytes int) (Batch, error)
	// Wait blocks until a record at offset >= from is readable, the shard is
	// sealed with its end at or before from, or ctx is done.
	Wait(ctx context.Context, id ShardID, from uint64) error
	// Info returns a snapshot of the shard's state.
	Info(id ShardID) (ShardInfo, error)
	// Sync makes every appended record durable, whatever the policy.
	Sync(ctx context.Context) error
	// Close syncs and releases everything; later calls fail with ErrClosed.
	Close() error
}

// Errors returned by Log implementations. Match them with errors.Is.
var (
	// ErrShardNotFound: no shard with that id (never created, or deleted).
	ErrShardNotFound = errors.New("shardlog: shard not found")
	// ErrShardExists: CreateShard on an existing id.
	ErrShardExists = errors.New("shardlog: shard exists")
	// ErrShardClosed: Append to a sealed shard.
	ErrShardClosed = errors.New("shardlog: shard closed")
	// ErrClosed: the log has been closed.
	ErrClosed = errors.New("shardlog: log closed")
	// ErrInvalidEntry: an entry breaks the size limits.
	ErrInvalidEntry = errors.New("shardlog: invalid entry")
	// ErrReadOnly wraps the first write or fsync error of a shard (a full
	// disk aside: ErrDiskFull); from then on the shard refuses appends with
	// it until the log is reopened (an fsync is never retried).
	ErrReadOnly = errors.New("shardlog: shard is read-only after a write error")
	// ErrDiskFull wraps the ENOSPC or EDQUOT that failed an append's write:
	// none of the append's records were written, and the shard takes
	// appends again once there is space (an fsync error is ErrReadOnly).
	ErrDiskFull = errors.New("shardlog: no space left for the shard's records")
)

// CorruptionError reports bytes that fail their checksum or framing inside
// a segment, at a place a torn write cannot explain.
type CorruptionError struct {
	Shard   ShardID
	Segment string // file name
	Offset  int64  // byte offset in the file
	Err     error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("shardlog: corruption in shard %s segment %s at byte %d: %v", e.Shard, e.Segment, e.Offset, e.Err)
}

func (e *CorruptionError) Unwrap() error { return e.Err }

// IsCorruption reports whether err is or wraps a CorruptionError.
func IsCorruption(err error) bool {
	var ce *CorruptionError
	return errors.As(err, &ce)
}

// ValidateEntry checks an entry against the record limits.
func ValidateEntry(e *Entry) error {
	if e.Flags&^knownFlags != 0 {
		return fmt.Errorf("%w: unknown flags %#x", ErrInvalidEntry, e.Flags)
	}
	if n := maxData(e.Flags); len(e.Data) > n {
		return fmt.Errorf("%w: data is %d bytes, more than %d", ErrInvalidEntry, len(e.Data), n)
	}
	if len(e.PartitionKey) > MaxPartitionKeySize {
		return fmt.Errorf("%w: partition key is %d bytes, more than %d", ErrInvalidEntry, len(e.PartitionKey), MaxPartitionKeySize)
	}
	if len(e.ExplicitHashKey) > MaxHashKeySize {
		return fmt.Errorf("%w: explicit hash key is %d bytes, more than %d", ErrInvalidEntry, len(e.ExplicitHashKey), MaxHashKeySize)
	}
	return nil
}

// maxData is the largest Data a record with flags may hold: enveloped
// records may exceed MaxDataSize by the envelope's overhead.
func maxData(flags uint16) int {
	if flags != 0 {
		return MaxDataSize + MaxEnvelopeOverhead
	}
	return MaxDataSize
}

func normRetention(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultRetention
	}
	return d
}
