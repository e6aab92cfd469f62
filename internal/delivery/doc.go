// Package delivery is the Firehose delivery engine: for every delivery
// stream it reads records from its source (the stream's internal shard log
// for Direct PUT, a Kinesis stream's shards otherwise), buffers them by
// size and time, writes objects to the lake (compressed, converted to
// Parquet, partitioned), loads them into warehouse tables, and checkpoints
// progress in meta so that a kill -9 loses no acknowledged record.
//
// # State
//
// Each delivery stream is one JSON record in the meta namespace "delivery"
// (key: the name) holding its Definition and its engine state: a
// checkpoint per source shard, the next batch sequence number, the count
// of records lost to retention, and at most one pending batch plan. Every
// change (Update, plan, commit) is one meta Put of that record.
//
// # Batches
//
// A worker per stream reads its source shards round-robin into a buffer
// and flushes it when it holds BufferBytes or its oldest record is
// BufferInterval old. A flush first persists the plan (the per-shard
// offset ranges, a random string, the Spec in force, the sequence number),
// then writes the objects, then loads them into the warehouse (load id
// derived from the stream, its UID and the sequence number), then commits:
// checkpoints advance and the plan is cleared in the same meta Put. Object
// keys are a function of the plan alone, so a plan replayed after a crash
// (New does that before reading on) rewrites the same objects instead of
// adding copies: records are delivered at least once and, in practice,
// exactly once. Destination failures retry the whole batch with
// exponential backoff, forever, as Firehose does for S3; Status shows it.
// A failing batch moves to a spec changed by Update at its next retry, and
// no further buffer is read while it fails. Buffer memory is bounded by
// twice BufferBytes (data plus per-record overhead); small reads are
// copied out of the log's read buffers.
//
// # Sources
//
// Direct PUT records are appended to shard 0 of an internal log whose
// stream UID comes from meta.AllocUID, kept 24 hours (Firehose's limit for
// undeliverable data). A Kinesis-sourced stream starts at LATEST of every
// shard when it is created and follows resharding: a child is read from
// its trim horizon once all its parents are read to their end, so records
// of a partition key stay in order. KPL aggregates are de-aggregated.
package delivery
