// Package iteration keeps the checkpointed iteration boundaries behind SQL
// over streams, with the semantics of the EMR Kinesis connector
// (kinesis.checkpoint.logical.name / kinesis.checkpoint.iteration.no).
//
// # Semantics
//
// Iteration N of a logical name covers, for each stream and shard, the
// records after iteration N-1's end up to the shard's tip at the moment
// iteration N first ran for that stream. Its window is fixed then and
// stored: re-running iteration N, from the same query or another, returns
// the same half-open offset ranges, so the same records, while producers
// keep writing. Several streams in one query share the iteration number;
// each stream has its own boundaries.
//
//   - Iteration 0 starts at each shard's trim horizon.
//   - A shard that did not exist when the stream's previous iteration ran
//     (born from resharding) starts at offset 0: everything it holds up to
//     the tip belongs to the first iteration that sees it.
//   - A closed shard's range never passes its end. A shard meta lists but
//     the log no longer has (an expired closed shard) is an empty range,
//     unless records the iteration must cover are lost with it.
//   - A stream the logical name has not seen before (added to a query at
//     iteration N > 0, or deleted and re-created under the same name, which
//     gives it a new UID) starts at its trim horizon like iteration 0.
//   - Asking for iteration N when no stream of the name has reached N-1 is
//     ErrSkipped; so is creating N for a stream that already has a later
//     iteration. A negative N or an empty name is ErrInvalid.
//   - When the records of a window are no longer all readable (retention
//     trimmed them, or the shard is gone) the call fails with ErrExpired: the
//     user must start a new logical name. Nothing is stored for a first run
//     that fails this way.
//   - Windows are not kept forever: when an iteration first runs on a
//     stream, that stream's windows of the name created longer ago than
//     its retention period are dropped (their records are past retention),
//     except the newest, where the next iteration starts. Re-running a
//     dropped iteration is ErrExpired, like one whose records were trimmed.
//   - Delete forgets a logical name entirely: afterwards the name behaves as
//     new (iteration 0 starts again at the trim horizon, N > 0 is ErrSkipped).
//
// # Durability and concurrency
//
// Boundaries live in the meta store, namespace "iterations", one JSON value
// per (logical name, stream UID, iteration) holding the ranges of every
// shard, so one bbolt transaction writes a whole window (docs/format/iterations.md).
// First runs of one logical name are serialised by a per-name lock inside
// the Store: the first writer stores the window, later callers read it, so
// concurrent sessions agree. One process must use one Store per meta store;
// two Stores over the same meta store could race on a first run.
package iteration
