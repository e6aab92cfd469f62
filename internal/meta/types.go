package meta

import (
	"errors"
	"time"
)

// StreamStatus is a Kinesis stream status.
type StreamStatus string

// Stream statuses, as Kinesis names them.
const (
	StatusCreating StreamStatus = "CREATING"
	StatusActive   StreamStatus = "ACTIVE"
	StatusUpdating StreamStatus = "UPDATING"
	StatusDeleting StreamStatus = "DELETING"
)

// Stream modes, as Kinesis names them.
const (
	ModeProvisioned = "PROVISIONED"
	ModeOnDemand    = "ON_DEMAND"
)

// Stream is the stored description of a stream. Values returned by Store are
// shared snapshots: never modify them; change a stream with UpdateStream.
type Stream struct {
	Name string `json:"name"`
	// UID is unique for the life of the data dir and never reused; shard
	// files live under it, so a re-created stream never meets old data.
	UID    uint64       `json:"uid"`
	Mode   string       `json:"mode"`
	Status StreamStatus `json:"status"`
	// ReadyAt is when a CREATING or UPDATING stream becomes ACTIVE, and
	// when a DELETING stream is gone. Statuses change lazily: see Effective.
	ReadyAt        time.Time         `json:"readyAt"`
	CreatedAt      time.Time         `json:"createdAt"`
	RetentionHours int               `json:"retentionHours"`
	Tags           map[string]string `json:"tags,omitempty"`
	EncryptionType string            `json:"encryptionType,omitempty"`
	KeyID          string            `json:"keyId,omitempty"`
	// Shards in index order, open and closed.
	Shards []Shard `json:"shards"`
	// NextShardIndex is the index the next new shard gets; it only grows.
	NextShardIndex uint32 `json:"nextShardIndex"`
}

// Shard is the stored description of one shard of a stream.
type Shard struct {
	Index uint32 `json:"index"`
	// Parent and AdjacentParent are set on shards made by resharding.
	Parent         *uint32 `json:"parent,omitempty"`
	AdjacentParent *uint32 `json:"adjacentParent,omitempty"`
	// HashKeyStart and HashKeyEnd bound the shard's hash key range,
	// inclusive, as decimal strings of 128-bit integers (as Kinesis sends).
	HashKeyStart string    `json:"hashKeyStart"`
	HashKeyEnd   string    `json:"hashKeyEnd"`
	CreatedAt    time.Time `json:"createdAt"`
	// Closed shards take no more records; End is the shard log's Next when
	// the shard was sealed: one past its last record's offset, 0 for a
	// shard that never held one (so "empty" and "one record" differ).
	Closed   bool      `json:"closed,omitempty"`
	ClosedAt time.Time `json:"closedAt,omitempty"`
	End      uint64    `json:"end,omitempty"`
}

// Effective returns the status the stream has at time now: a CREATING or
// UPDATING stream whose ReadyAt has passed is ACTIVE. Deciding statuses at
// read time keeps transitions exact and survives restarts without timers.
func (s *Stream) Effective(now time.Time) StreamStatus {
	if (s.Status == StatusCreating || s.Status == StatusUpdating) && !now.Before(s.ReadyAt) {
		return StatusActive
	}
	return s.Status
}

// OpenShards returns the shards that still take records.
func (s *Stream) OpenShards() []Shard {
	var out []Shard
	for _, sh := range s.Shards {
		if !sh.Closed {
			out = append(out, sh)
		}
	}
	return out
}

// Errors of the Store.
var (
	// ErrStreamNotFound: no stream of that name.
	ErrStreamNotFound = errors.New("meta: stream not found")
	// ErrStreamExists: CreateStream with a name in use.
	ErrStreamExists = errors.New("meta: stream exists")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("meta: store closed")
)
