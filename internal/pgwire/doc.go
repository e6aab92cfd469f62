// Package pgwire serves SQL over the PostgreSQL frontend/backend protocol
// (version 3.0), so psql, pgx, JDBC and BI tools can query rheo.
//
// The package knows nothing of the rest of rheo: it declares the small
// Backend, Session and Rows interfaces it needs, and internal/server
// adapts the SQL engine to them. It uses github.com/jackc/pgx/v5/pgproto3
// for message encoding.
//
// # Connections
//
// Every accepted connection runs in its own goroutine with its own
// context, derived from the server's: Terminate, a broken connection or
// Server.Close cancels it, which cancels the running query. Close waits
// for every connection goroutine to return.
//
// Start-up answers SSLRequest with 'S' and a TLS handshake when
// Config.TLS is set ('N' otherwise) and GSSENCRequest with 'N', accepts
// any user and database (authentication is off unless
// Config.Password is set, which runs SCRAM-SHA-256, or Config.CheckPassword,
// which asks for a cleartext password), sends
// the ParameterStatus values clients expect (server_version,
// server_encoding, client_encoding, DateStyle, integer_datetimes,
// standard_conforming_strings, TimeZone), BackendKeyData for cancellation
// and ReadyForQuery.
//
// # Queries
//
// Simple query: the string is split into statements (Config.Split), each
// runs in turn with RowDescription, text DataRows, NoticeResponses and
// CommandComplete; an error ends the string. Extended query: Parse, Bind,
// Describe, Execute (with a row limit and PortalSuspended), Close, Flush
// and Sync; after an error every message up to Sync is discarded.
// Parameters are accepted in text and binary format, results in text and
// binary format, for the common types (see types.go for the mapping of
// DuckDB types to Postgres type OIDs; composite types travel as text).
//
// COPY ... TO STDOUT and FROM STDIN (psql's \copy) run the COPY
// sub-protocol in the simple query flow when the Rows implement CopyRows:
// CopyOutResponse and CopyData out, or CopyInResponse and the client's
// CopyData in until CopyDone (CopyFail aborts, loading nothing). A
// backend whose rows implement CopyBinaryRows gets binary COPY input (what
// pgx's CopyFrom sends) decoded to CSV.
//
// A CancelRequest on a new connection carrying a connection's process id
// and secret cancels that connection's running query, which then fails
// with SQLSTATE 57014.
//
// A few Postgres-only session settings that drivers send at connect
// (application_name, extra_float_digits, client_encoding, DateStyle, ...)
// are answered by pgwire itself, since the engine has no such settings.
package pgwire
