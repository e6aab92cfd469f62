// Package shardlog is rheo's storage engine: every shard of every stream is
// an ordered, append-only, durable log of records, addressed by a dense
// 64-bit offset that starts at 0. It knows nothing of streams, HTTP or SQL;
// sequence numbers (package seqnum) are derived from the shard index and the
// offset by the layers above.
//
// # Guarantees
//
//   - Offsets in a shard are dense and strictly increasing; arrival
//     timestamps never decrease within a shard.
//   - Append returns only once its records are durable under the sync policy
//     (SyncAlways: fsynced). Readers only ever see records that Append has
//     acknowledged, so a reader can never observe a record a crash then loses.
//   - Records older than the shard's retention are unreadable; whole segment
//     files are deleted in the background. A longer retention does not bring
//     expired records back (as on Kinesis).
//
// Memory implements the same Log contract in memory and is the oracle for
// randomized tests of the file implementation.
//
// # Files
//
// File keeps each shard in Dir/<stream:016x>/<shard:08d>/: segment files
// <base-offset:020d>.seg holding framed records, for each sealed segment a
// sparse offset index (.idx) and time index (.tix), and a "state" file with
// retention, the sealed end and the trim floor, replaced atomically. Every
// frame carries its length, a CRC32C, a type and a version; a record never
// spans two segments. The byte layouts are in docs/format/segment.md and
// docs/format/index.md. Index files are caches: missing or failing their
// checksum, they are rebuilt from the segment.
//
// OpenFile reads nothing; a shard is loaded on first access by listing its
// directory and scanning only its last (active) segment, whose torn tail is
// truncated and fsynced. Earlier segments are known to be complete because
// a roll fdatasyncs a segment before the next one is created. Corruption
// found anywhere else is returned as a *CorruptionError naming the segment
// file and byte offset, never as data.
//
// # Sync policies
//
// All appends go through one committer goroutine per File that batches every
// shard's pending records into one write per shard and one fdatasync per
// touched file (several in parallel) per round; appends arriving during an
// fsync share the next one (see commit.go).
//
//   - SyncAlways (default): acknowledged means on stable storage. Latency is
//     one write plus one fdatasync; throughput comes from group commit, so
//     many concurrent appenders (or large batches) are needed to reach the
//     disk's bandwidth. With Options.Journal, a round of small appends to
//     several shards is made durable by one entry in a shared journal and
//     one fdatasync; its segments are synced at checkpoints, and OpenFile
//     replays the journal first (journal.go, docs/format/journal.md).
//   - SyncInterval: acknowledged after write(2); fsync every SyncInterval.
//     A process crash (kill -9) loses nothing, a power failure or kernel
//     crash loses up to one interval.
//   - SyncNever: acknowledged after write(2); the kernel flushes when it
//     likes (rolls, Sync and Close still fsync). Same process-crash safety,
//     unbounded loss on power failure.
//
// Whatever the policy, a failed fsync or write makes the shard read-only
// with a sticky error wrapping ErrReadOnly; an fsync is never retried. A
// write that finds the disk full (ENOSPC, EDQUOT) is the exception: the
// append fails with ErrDiskFull, the shard is cut back to its acknowledged
// records, and appends work again once there is space (rewind.go).
//
// # Memory
//
// Memory use does not grow with data: readers pread into per-Read buffers
// (the page cache does the caching), sealed segments' indexes sit in a
// bounded LRU, the active segment's index holds one point per 32 KiB, and
// segment file handles are in a refcounted LRU of Options.MaxOpenFiles. An
// open failing with EMFILE or ENFILE closes the LRU's idle handles and is
// tried once more, so running out of descriptors does not make a shard
// read-only.
// Loaded shards stay loaded until deleted or the File is closed.
package shardlog
