package pgwire

import (
	"context"
	"io"
	"time"
)

// Backend opens SQL sessions; one per client connection. The server
// package adapts the SQL engine to it, so pgwire stays free of cgo and of
// the rest of rheo.
type Backend interface {
	// NewSession opens a session for a connection that logged in as user
	// to database. ctx lives as long as the connection.
	NewSession(ctx context.Context, user, database string) (Session, error)
}

// Session is one connection's SQL state (settings, transaction).
// pgwire calls it from one goroutine at a time.
type Session interface {
	// Query runs exactly one statement with $1.. parameters bound to args.
	// Errors of the user's SQL should be *Error so their SQLSTATE reaches
	// the client.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// Describe returns the parameter and result types of one statement
	// without running it.
	Describe(ctx context.Context, sql string) (*Description, error)
	// Setting returns an engine setting's current value in the session,
	// and SetSetting sets it as SET does. Neither is one of the client's
	// statements (not counted or logged as one): pgwire uses them to
	// follow the session's TimeZone.
	Setting(ctx context.Context, name string) (string, error)
	SetSetting(ctx context.Context, name, value string) error
	// Close releases the session.
	Close() error
}

// Terminable is implemented by a Session its backend may have to end
// while the connection waits for its client, as Postgres ends every
// session with FATAL 57P02 when it must recover from a crash: the client,
// idle or not, must learn of it at once (a pool drops the connection),
// and the engine cannot go on while the client holds an open result (a
// suspended portal, a cursor), which only pgwire may close.
type Terminable interface {
	// OnTerminate registers f, which the session calls at most once, from
	// any goroutine, when it must end. pgwire then sends err (FATAL) to
	// the client at once, even while it waits for the client's next
	// message or streams a result, closes the connection's portals,
	// cursors and the session, and closes the connection.
	OnTerminate(f func(err error))
}

// StatementObserver is implemented by a Session that counts statements
// (metrics). The statements it runs (Query) it counts itself; pgwire tells
// it of the client's statements pgwire answers without calling Query, such
// as SET and SHOW of Postgres-only settings, FETCH of a cursor, BEGIN in a
// transaction, or any statement refused in a failed transaction, so every
// statement is counted once. d runs from the statement's start to its
// completion; failed is whether the client got an error.
type StatementObserver interface {
	ObserveStatement(d time.Duration, failed bool)
}

// Rows is the result of one statement, read forward once.
type Rows interface {
	// Columns describes the result; nil for statements without rows.
	Columns() []Column
	// Next advances to the next row; false at the end or on error.
	Next() bool
	// Row returns the current row's values (see FormatText for the Go
	// types understood).
	Row() []any
	// Err returns the error that stopped Next, if any.
	Err() error
	// Close releases the result; it may be called before the end.
	Close() error
	// Tag is the command tag, such as "SELECT 5" or "CREATE TABLE"; valid
	// once Next has returned false.
	Tag() string
	// Notices are informational messages for the client, sent as
	// NoticeResponse.
	Notices() []string
}

// CopyRows is implemented by Rows that may carry a COPY with the client at
// one end. CopyOut, when not nil, is the data of a COPY ... TO STDOUT,
// sent in CopyData messages instead of rows. CopyIn, when not nil, is a
// COPY ... FROM STDIN not yet run: it is called with what the client sends
// between CopyInResponse and CopyDone and returns the command tag. Both
// are in the simple query protocol only, as psql, JDBC and pgx use them.
type CopyRows interface {
	CopyOut() io.Reader
	CopyIn() func(ctx context.Context, data io.Reader) (tag string, err error)
}

// CopyTextRows is implemented by Rows that may be a COPY ... TO STDOUT in
// Postgres's text format. When CopyOutText is true, the rows are the
// COPY's: pgwire sends each as one CopyData line, its values rendered as
// in query results (t and f, \x hex for bytes, ...), text-escaped, NULL
// as \N, and tags the command "COPY n". Simple query protocol only.
type CopyTextRows interface {
	CopyOutText() bool
}

// isCopyText reports rows that are a text-format or CSV COPY ... TO
// STDOUT.
func isCopyText(rows Rows) bool {
	ct, ok := rows.(CopyTextRows)
	return ok && ct.CopyOutText() || copyCSVOf(rows) != nil
}

// CopyCSV is how to write the rows of a COPY ... TO STDOUT in CSV format
// (CopyCSVRows): Postgres's CSV options.
type CopyCSV struct {
	Delimiter, Quote, Escape byte
	Null                     string // how NULL is written, unquoted
	Header                   bool   // a first line of column names
	// ForceQuote says, per column, to quote every non-NULL value; nil
	// for none.
	ForceQuote []bool
}

// CopyCSVRows is implemented by Rows that may be a COPY ... TO STDOUT in
// CSV format. When CopyOutCSV is not nil, the rows are the COPY's: pgwire
// sends them as Postgres writes CSV, each value rendered as in query
// results (t and f, arrays in braces, ...) and quoted where needed (a
// delimiter, quote, newline, or a value that reads as NULL), tagged
// "COPY n". Simple query protocol only.
type CopyCSVRows interface {
	CopyOutCSV() *CopyCSV
}

// copyCSVOf is the CSV options of rows that are a CSV COPY ... TO STDOUT,
// or nil.
func copyCSVOf(rows Rows) *CopyCSV {
	if cr, ok := rows.(CopyCSVRows); ok {
		return cr.CopyOutCSV()
	}
	return nil
}

// Column names and types one result column. Type is a DuckDB type name
// such as INTEGER, DECIMAL(18,3), TIMESTAMP WITH TIME ZONE or INTEGER[].
type Column struct {
	Name string
	Type string
}

// Description is what a statement takes and returns, known before it runs.
type Description struct {
	// ParamTypes are the DuckDB types of $1, $2, ...; "" where unknown.
	ParamTypes []string
	// Columns is nil for a statement that returns no rows.
	Columns []Column
}

// Error is an SQL error with its SQLSTATE, sent to the client as an
// ErrorResponse with severity ERROR, or FATAL when Fatal is set.
type Error struct {
	// Code is the five-character SQLSTATE, e.g. 42601 for a syntax error.
	Code string
	// Message is the primary human-readable message.
	Message string
	// Detail and Hint are optional extra lines.
	Detail, Hint string
	// Fatal says the session can serve no further statement: the error
	// is sent with severity FATAL and the connection closed, as Postgres
	// ends its sessions (57P01, 57P02) so clients reconnect.
	Fatal bool
	// Cause is the underlying error, if any (context.Canceled, ...).
	Cause error
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Unwrap returns Cause, so errors.Is sees cancellation through an Error.
func (e *Error) Unwrap() error { return e.Cause }

// SQLSTATE codes pgwire itself reports.
const (
	codeInternal                 = "XX000"
	codeProtocolViolation        = "08P01"
	codeQueryCanceled            = "57014"
	codeAdminShutdown            = "57P01"
	codeFeatureNotSupported      = "0A000"
	codeSyntaxError              = "42601"
	codeInvalidParamValue        = "22023"
	codeInvalidTextRep           = "22P02"
	codeCharacterNotInRepertoire = "22021"
	codeUndefinedStatement       = "26000"
	codeUndefinedPortal          = "34000"
	codeInvalidPassword          = "28P01"
	codeDuplicateStatement       = "42P05"
	codeNoActiveTransaction      = "25P01"
	codeActiveTransaction        = "25001"
	codeUndefinedCursor          = "34000"
	codeDuplicateCursor          = "42P03"
	codeInvalidCursorDefinition  = "42P11"
	codeNotInPrerequisiteState   = "55000"
	codeNoSavepoint              = "3B001" // invalid_savepoint_specification
)
