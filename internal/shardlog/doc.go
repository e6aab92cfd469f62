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
//     files are deleted in the background.
//
// Memory implements the same Log contract in memory and is the oracle for
// randomized tests of the file implementation.
package shardlog
