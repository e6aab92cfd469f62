// Package sqlengine is rheo's SQL engine: embedded DuckDB (the only cgo
// package of rheo) plus stream tables over the shard log, with the EMR
// Kinesis connector's semantics.
//
// # Design
//
//   - A stream table is a DuckDB view over the table function
//     rheo_scan('name'). rheo_scan reads the shard log in parallel work
//     units and fills DuckDB vectors with the raw record and its metadata
//     (_shard_id, _sequence_number, _partition_key, _arrival_time,
//     _sub_sequence, _raw); the view parses regex or JSON with DuckDB's
//     vectorised functions and fills _parse_error instead of failing.
//     CSV tables use rheo_csv_scan('name', delimiter, types) instead, which
//     also splits records and parses common spellings of the column types
//     in Go, writing typed vectors; other fields reach the view as text and
//     DuckDB casts them (csvscan.go). KPL aggregates are de-aggregated in
//     the scan.
//   - The catalog of stream tables lives in meta (namespace "sqltables");
//     Open recreates the views from it and drops views meta no longer lists.
//   - Per-query state (the session's checkpoint settings, pushdown bounds,
//     the typed error of a failed bind) travels to rheo_scan in the query's
//     context: duckdb-go hands the bind callback the context of the
//     connection's running statement.
//   - Pushdown: before running, the statement's AST (json_serialize_sql) is
//     searched for constant bounds on _arrival_time and _sequence_number
//     (see pushdown.go); the scan seeks to them. Bounds only widen reads.
//   - Iterations: with kinesis.checkpoint.enabled, each stream read by a
//     query gets iteration.Store.Window(name, n, stream) once per query.
//   - Jobs (job*.go): CREATE JOB name EVERY '<interval>' AS <statement>
//     runs the statement as the next iteration of the logical name "name",
//     in one DuckDB transaction with its rheo_job_runs row, so a crash
//     re-runs the same iteration and a commit moves on: none is skipped or
//     repeated.
//   - The lake: lake tables (Hive DDL with LOCATION) are views over
//     DuckDB's file readers through a directory rheo owns, so an empty
//     location is an empty table (external.go); s3:// path arguments of
//     read_* functions are rewritten to the built-in lake's files
//     (rewrite.go); Redshift-style COPY loads objects by key prefix, read
//     in place or downloaded from a remote store (copy*.go, lakepath.go).
//   - Delivery: Convert turns JSON records into Parquet in one DuckDB
//     statement over rheo_records() (convert.go, jsonscan.go); Load runs
//     a COPY and records its id in rheo_loads in the same transaction
//     (load.go).
//
// # Guarantees
//
// Bad SQL and unparsable records never crash or wedge a session; every
// error returned by Query and Describe is an *Error with a SQLSTATE.
// Cancelling the context interrupts DuckDB and stops the scan.
//
// # Caveats
//
// duckdb-go v2.5.4 materialises results inside DuckDB (no streaming result
// API); Result hands rows out one at a time without copying them in Go.
// Session.QueryLimit, for callers that read only the first rows, wraps a
// query in a LIMIT so that the rest are neither computed nor held.
package sqlengine
