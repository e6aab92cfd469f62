// Package server wires rheo's components into one running process and owns
// their ordered start and stop.
//
// # Start order
//
//  1. Lock the data directory (package dirlock), so a second process fails
//     fast naming the owner's pid.
//  2. Open the control plane, <data-dir>/meta.db (package meta).
//  3. Open the shard log, <data-dir>/streams (package shardlog).
//  4. Build the Kinesis API (package kinesis), signing shard iterators with
//     the persisted secret "iterator-key" so iterators survive restarts.
//  5. Listen and serve HTTP: GET /health answers "ok", everything else goes
//     to the Kinesis API.
//
// # Stop order
//
// The reverse: stop accepting connections and let in-flight requests finish
// (bounded by Config.ShutdownTimeout, after which connections are cut),
// close the Kinesis API's background work, Sync and Close the shard log,
// close meta.db, release the directory lock. Storage is thus always closed
// after every request that could write to it has ended.
//
// Start returns a handle usable in-process by tests (listen on
// "127.0.0.1:0" and read Addr); Run is the blocking form used by the
// "rheo serve" command.
package server
