// Package meta is rheo's control plane: the durable catalogue of streams and
// their shards, a few process secrets, and generic namespaced records for
// later features (consumers, checkpoints). It lives in one bbolt file,
// <data-dir>/meta.db; docs/format/meta.md documents its buckets, keys and
// values.
//
// # Guarantees
//
//   - Every mutating call (CreateStream, UpdateStream, DeleteStream, Secret
//     on first use, Put, Delete) is committed and fsynced by bbolt before it
//     returns, so an acknowledged change survives kill -9.
//   - Stream UIDs grow monotonically and are never reused, even after the
//     stream is deleted or the process restarts.
//   - Reads of streams (Stream, Streams) come from an in-memory snapshot and
//     never touch the disk. Snapshots are immutable: UpdateStream works on a
//     deep copy and swaps in the new value only after the commit succeeds,
//     so a reader holding an old *Stream never sees it change.
//
// # Concurrency
//
// All methods are safe for concurrent use. Writers are serialised by
// Store.writeMu, which is held across the bbolt transaction and the swap of
// the snapshot, so the snapshot always equals the committed state. Readers
// load the snapshot through an atomic pointer and take no lock. Lock order:
// Store.writeMu, then bbolt's own locks.
//
// The caller must own the data directory (package dirlock) before Open;
// bbolt's own file lock additionally makes a second Open of the same file
// fail after a short timeout instead of hanging.
package meta
