// Package delivery is the Firehose delivery engine: for every delivery
// stream it reads records from its source (the stream's internal shard log
// for Direct PUT, a Kinesis stream's shards otherwise), buffers them by
// size and time, writes objects to the lake (compressed, converted to
// Parquet, partitioned), loads them into warehouse tables, and checkpoints
// progress in meta so that a kill -9 loses no acknowledged record.
package delivery
