// Package server wires rheo's components into one running process and owns
// their ordered start and stop.
//
// # Start order
//
//  1. Lock the data directory (package dirlock), so a second process fails
//     fast naming the owner's pid.
//  2. Open the control plane, <data-dir>/meta.db (package meta).
//  3. Open the shard log, <data-dir>/streams (package shardlog).
//  4. Open the object store: the built-in lake, <data-dir>/lake, or the
//     S3-compatible service of Config.S3Endpoint (package lake).
//  5. Open the SQL engine, <data-dir>/warehouse.duckdb (package sqlengine),
//     which reads streams through the shard log and meta, and the lake.
//  6. Start the delivery engine (package delivery) and the Firehose API
//     over it (package firehose); Kinesis channels also run on it.
//  7. Build the Kinesis API (package kinesis), signing shard iterators with
//     the persisted secret "iterator-key" so iterators survive restarts.
//  8. Listen and serve HTTP: GET /health answers "ok", GET /metrics is
//     Prometheus (metrics.go), POST /v1/sql runs SQL as JSON
//     (sql_http.go), the web console answers its GET paths (console.go),
//     requests with X-Amz-Target Firehose_20150804.* go to Firehose and the
//     rest to the Kinesis API.
//  9. Listen for Postgres wire clients on Config.PGListen (package pgwire,
//     adapted to the engine in sql.go), unless it is "" or "off".
//
// # Stop order
//
// The reverse: stop HTTP and Postgres together. HTTP lets in-flight
// requests finish (bounded by Config.ShutdownTimeout, after which
// connections are cut and SQL over HTTP is cancelled); pgwire cancels
// running queries and waits for its connections, whose sessions close.
// Then close the Firehose API and stop the delivery workers (a batch they
// were writing is replayed at the next start), close the Kinesis API's
// background work, close the SQL engine, Sync
// and Close the shard log, close meta.db, release the directory lock.
// Storage is thus always closed after every request that could use it has
// ended.
//
// Start returns a handle usable in-process by tests (listen on
// "127.0.0.1:0" and read Addr); Run is the blocking form used by the
// "rheo serve" command.
package server
