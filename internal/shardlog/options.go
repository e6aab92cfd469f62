package shardlog

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// SyncPolicy decides when Append acknowledges, trading latency for what a
// crash may lose. Whatever the policy, readers only see acknowledged records
// and a roll fsyncs the old segment before the new one is used.
type SyncPolicy int

// Sync policies.
const (
	// SyncAlways acknowledges after the records are fdatasynced: nothing
	// acknowledged is lost on power failure. Concurrent appends share fsyncs.
	SyncAlways SyncPolicy = iota
	// SyncInterval acknowledges after write(2) and fsyncs every
	// Options.SyncInterval: a process crash loses nothing, a power failure
	// up to one interval.
	SyncInterval
	// SyncNever acknowledges after write(2) and leaves flushing to the
	// kernel (and to rolls, Sync and Close).
	SyncNever
)

// ParseSyncPolicy reads a policy as spelled in flags and config files.
func ParseSyncPolicy(s string) (SyncPolicy, error) {
	switch s {
	case "always":
		return SyncAlways, nil
	case "interval":
		return SyncInterval, nil
	case "never":
		return SyncNever, nil
	}
	return 0, fmt.Errorf("shardlog: unknown sync policy %q (want always, interval or never)", s)
}

// String returns the spelling ParseSyncPolicy accepts.
func (p SyncPolicy) String() string {
	switch p {
	case SyncAlways:
		return "always"
	case SyncInterval:
		return "interval"
	case SyncNever:
		return "never"
	}
	return fmt.Sprintf("SyncPolicy(%d)", int(p))
}

// Limits on Options values.
const (
	minSegmentSize = 1 << 10
	maxSegmentSize = 1 << 30 // index positions are uint32
)

// Options configures OpenFile. The zero value of every field means its
// default, so callers set only what they care about.
type Options struct {
	// Dir is the root of all shards; each shard lives in Dir/<ShardID>.
	Dir string
	// Sync is the durability policy; the zero value is SyncAlways.
	Sync SyncPolicy
	// SyncInterval is the fsync period under SyncInterval; 0 means 200ms.
	SyncInterval time.Duration
	// SegmentSize is the size at which a segment is rolled; 0 means 64 MiB.
	// A single record larger than it gets a segment of its own.
	SegmentSize int64
	// MaxOpenFiles bounds the cache of segment file handles; 0 means 256.
	// Handles in use are never closed, so the bound can be briefly exceeded.
	MaxOpenFiles int
	// RetentionCheckInterval is the period of the background pass that
	// deletes expired segments; 0 means one minute.
	RetentionCheckInterval time.Duration
	// Logger receives recovery and retention events; nil discards them.
	Logger *slog.Logger
	// Now is the clock for arrival times and retention; nil means time.Now.
	Now func() time.Time
	// SyncObserver, if set, is told how long each fdatasync of a segment
	// or of the journal by the committer took (the server's fsync latency metric). It runs
	// on the commit path: it must be quick and never block.
	SyncObserver func(time.Duration)
	// Preallocate, under SyncAlways, keeps up to this many bytes past the
	// end of a shard's active segment written with zeros, so that the
	// fdatasync after a small append flushes only data: appending to a file
	// also changes its size and extents, which costs every fdatasync a
	// journal commit. Shards whose appends are large do not need it and are
	// not preallocated. 0 turns it off.
	Preallocate int64
	// Journal, under SyncAlways, is the size of a shared write-ahead file
	// (Dir/journal) that makes a commit round of small appends to several
	// shards durable with one fdatasync instead of one per shard; segments
	// are then fdatasynced at checkpoints (journal.go). 0 turns it off; a
	// journal left by an earlier run is replayed whatever the setting.
	Journal int64

	// fs is the file system seam for fault-injection tests; nil means the OS.
	fs fileSystem
}

// DefaultOptions returns the options OpenFile uses for zero fields, so the
// server can show and override them.
func DefaultOptions() Options {
	o := Options{}
	o.EnsureDefaults()
	return o
}

// EnsureDefaults replaces zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.SyncInterval == 0 {
		o.SyncInterval = 200 * time.Millisecond
	}
	if o.SegmentSize == 0 {
		o.SegmentSize = 64 << 20
	}
	if o.MaxOpenFiles == 0 {
		o.MaxOpenFiles = 256
	}
	if o.RetentionCheckInterval == 0 {
		o.RetentionCheckInterval = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.fs == nil {
		o.fs = osFS{}
	}
}

// Validate reports options that cannot work, before any file is touched.
func (o Options) Validate() error {
	if o.Dir == "" {
		return fmt.Errorf("shardlog: options: Dir is empty")
	}
	if o.Sync < SyncAlways || o.Sync > SyncNever {
		return fmt.Errorf("shardlog: options: unknown sync policy %d", int(o.Sync))
	}
	if o.SyncInterval < 0 {
		return fmt.Errorf("shardlog: options: negative SyncInterval %v", o.SyncInterval)
	}
	if o.SegmentSize != 0 && (o.SegmentSize < minSegmentSize || o.SegmentSize > maxSegmentSize) {
		return fmt.Errorf("shardlog: options: SegmentSize %d outside [%d, %d]", o.SegmentSize, minSegmentSize, maxSegmentSize)
	}
	if o.MaxOpenFiles < 0 {
		return fmt.Errorf("shardlog: options: negative MaxOpenFiles %d", o.MaxOpenFiles)
	}
	if o.RetentionCheckInterval < 0 {
		return fmt.Errorf("shardlog: options: negative RetentionCheckInterval %v", o.RetentionCheckInterval)
	}
	if o.Preallocate < 0 || o.Preallocate > maxPreallocate {
		return fmt.Errorf("shardlog: options: Preallocate %d outside [0, %d]", o.Preallocate, maxPreallocate)
	}
	if o.Journal != 0 && (o.Journal < minJournal || o.Journal > maxJournal) {
		return fmt.Errorf("shardlog: options: Journal %d outside [%d, %d]", o.Journal, minJournal, maxJournal)
	}
	return nil
}

// maxPreallocate bounds Options.Preallocate (its zeros are one buffer).
const maxPreallocate = 64 << 20
