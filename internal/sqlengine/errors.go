package sqlengine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/rheo-dev/rheo/internal/iteration"
)

// SQLSTATE codes rheo uses. pgwire sends them in ErrorResponse, so psql and
// drivers classify errors as they would from Postgres.
const (
	CodeSyntax            = "42601"
	CodeUndefinedTable    = "42P01"
	CodeDuplicateTable    = "42P07"
	CodeDuplicateSchema   = "42P06"
	CodeUndefinedObject   = "42704"
	CodeUndefinedColumn   = "42703"
	CodeUndefinedFunction = "42883"
	CodeInvalidInput      = "22P02"
	CodeDataException     = "22000"
	CodeFeature           = "0A000"
	CodeIteration         = "55000" // object not in prerequisite state
	CodeInvalidParameter  = "22023"
	CodeCanceled          = "57014"
	CodeConstraint        = "23000"
	CodeNotNull           = "23502"
	CodeForeignKey        = "23503"
	CodeUnique            = "23505"
	CodeCheck             = "23514"
	CodeOutOfRange        = "22003"
	CodeDivisionByZero    = "22012"
	CodeTransaction       = "25000"
	CodeReadOnlyTx        = "25006"
	CodeSerialization     = "40001"
	CodePrivilege         = "42501" // insufficient privilege
	CodeGeneratedAlways   = "428C9" // a value given to a column that generates its own
	CodeInternal          = "XX000"
	CodeIO                = "58030"
	CodeDiskFull          = "53100"
	CodeCrashShutdown     = "57P02" // the session ends: the database is being reopened
	CodeCannotConnectNow  = "57P03"
	CodeUndefinedFile     = "58P01"
)

// Error is every error Query and Describe return, so pgwire can send a
// proper ErrorResponse. A failed statement never breaks the session, but
// for a fatal DuckDB error, after which the database is reopened
// (Terminate).
type Error struct {
	Code    string // SQLSTATE
	Message string
	// Detail and Hint are optional further lines (Postgres's DETAIL and
	// HINT).
	Detail, Hint string
	// Terminate says the session is over: the client should get the
	// error as FATAL and the connection end (a reopen after a fatal
	// DuckDB error, reopen.go).
	Terminate bool
	Err       error // the underlying error, if any
}

func (e *Error) Error() string { return e.Message }

// Unwrap gives errors.Is access to the cause (context.Canceled, ...).
func (e *Error) Unwrap() error { return e.Err }

func syntaxErr(format string, a ...any) *Error {
	return &Error{Code: CodeSyntax, Message: fmt.Sprintf(format, a...)}
}

func newErr(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// toError maps any error to *Error: DuckDB's error types to SQLSTATEs,
// iteration errors to 55000, cancellation to 57014.
func toError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, iteration.ErrSkipped), errors.Is(err, iteration.ErrExpired), errors.Is(err, iteration.ErrInvalid):
		return &Error{Code: CodeIteration, Message: iterationMessage(err), Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeCanceled, Message: "canceling statement: " + err.Error(), Err: err}
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		if de.Type == duckdb.ErrorTypePermission && strings.Contains(de.Msg, "disabled by configuration") {
			// Say why on the first line, before DuckDB's LINE n: excerpt.
			msg := stripStackTraces(de.Msg)
			i := strings.IndexByte(msg, '\n')
			if i < 0 {
				i = len(msg)
			}
			msg = msg[:i] + " (with auth on, rheo's SQL reads and writes files only in the lake, by s3://bucket/key or its path: docs/auth.md)" + msg[i:]
			return &Error{Code: CodePrivilege, Message: msg, Err: err}
		}
		code, msg := duckCode(de), stripStackTraces(de.Msg)
		if code == CodeUndefinedTable && de.Type == duckdb.ErrorTypeInvalidInput {
			// regclass_oid's, in Postgres's words.
			msg = strings.TrimPrefix(msg, "Invalid Input Error: ")
		}
		return &Error{Code: code, Message: msg, Err: err}
	}
	return &Error{Code: CodeInternal, Message: err.Error(), Err: err}
}

// iterationMessage adds what to do to the iteration store's wording.
func iterationMessage(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, iteration.ErrSkipped):
		return msg + " (run the iterations in order: SET kinesis.checkpoint.iteration.no to the next number, or start a new logical name at 0)"
	case errors.Is(err, iteration.ErrExpired):
		return msg + " (its records passed the stream's retention period; SET kinesis.checkpoint.logical.name to a new name to start again from the oldest record)"
	}
	return msg
}

func duckCode(de *duckdb.Error) string {
	if isDiskFull(de.Msg) {
		// Postgres's errcode_for_file_access: ENOSPC and EDQUOT are
		// disk_full whatever the statement was doing (DuckDB reports a
		// failed commit's checkpoint as a transaction error).
		return CodeDiskFull
	}
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		return CodeSyntax
	case duckdb.ErrorTypeCatalog:
		m := strings.ToLower(de.Msg)
		switch {
		case strings.Contains(m, "already exists"):
			return CodeDuplicateTable
		case strings.Contains(m, "function with name") && strings.Contains(m, "does not exist"):
			// "Scalar Function with name f", "Table Function with name f":
			// Postgres's function ... does not exist.
			return CodeUndefinedFunction
		case strings.Contains(m, "table") && strings.Contains(m, "does not exist"):
			return CodeUndefinedTable
		}
		return CodeUndefinedObject
	case duckdb.ErrorTypeBinder:
		if strings.Contains(de.Msg, "No function matches the given name and argument types") {
			// Postgres: function f(integer) does not exist (operators too).
			return CodeUndefinedFunction
		}
		if strings.Contains(strings.ToLower(de.Msg), "column") {
			return CodeUndefinedColumn
		}
		return CodeSyntax
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidInput:
		if strings.Contains(de.Msg, "out of range") {
			return CodeOutOfRange
		}
		if strings.Contains(de.Msg, `relation "`) && strings.Contains(de.Msg, `" does not exist`) {
			// regclass_oid's error for 'name'::regclass (pgcatalog.go).
			return CodeUndefinedTable
		}
		return CodeInvalidInput
	case duckdb.ErrorTypeOutOfRange:
		return CodeOutOfRange
	case duckdb.ErrorTypeDivideByZero:
		return CodeDivisionByZero
	case duckdb.ErrorTypeMismatchType:
		return CodeDataException
	case duckdb.ErrorTypeTransaction:
		// Drivers retry on 40001 (serialization_failure), which is what
		// DuckDB's write-write conflicts are.
		m := strings.ToLower(de.Msg)
		switch {
		case strings.Contains(m, "conflict"):
			return CodeSerialization
		case strings.Contains(m, "read-only"):
			return CodeReadOnlyTx
		case strings.Contains(m, "constraint violation: duplicate key"):
			// DuckDB checks a key that another transaction committed
			// meanwhile only at COMMIT ("Failed to commit: PRIMARY KEY
			// or UNIQUE constraint violation: duplicate key"), where
			// Postgres's blocked INSERT fails with unique_violation.
			return CodeUnique
		}
		return CodeTransaction
	case duckdb.ErrorTypeNotImplemented:
		return CodeFeature
	case duckdb.ErrorTypeInterrupt:
		return CodeCanceled
	case duckdb.ErrorTypeConstraint:
		// The class 23 code Postgres gives, so that drivers' and ORMs'
		// unique-violation handling (23505) works.
		m := strings.ToLower(de.Msg)
		switch {
		case strings.Contains(m, "not null"):
			return CodeNotNull
		case strings.Contains(m, "foreign key"):
			return CodeForeignKey
		case strings.Contains(m, "primary key"), strings.Contains(m, "unique"), strings.Contains(m, "duplicate key"):
			return CodeUnique
		case strings.Contains(m, "check constraint"):
			return CodeCheck
		}
		return CodeConstraint
	case duckdb.ErrorTypeIO:
		// A path or glob that names nothing is undefined_file, as
		// Postgres's COPY FROM a missing file (docs/sql.md, Errors).
		if strings.Contains(de.Msg, "No files found that match the pattern") || strings.Contains(de.Msg, "No such file or directory") {
			return CodeUndefinedFile
		}
		return CodeIO
	case duckdb.ErrorTypePermission:
		// A file outside Options.AllowedDirs, as Postgres refuses
		// pg_read_file to a role without the privilege.
		return CodePrivilege
	case duckdb.ErrorTypeSettings:
		return CodeUndefinedObject
	}
	return CodeInternal
}

// isDiskFull reports whether a DuckDB message is about a full disk or an
// exhausted quota (strerror's wording of ENOSPC and EDQUOT).
func isDiskFull(msg string) bool {
	return strings.Contains(msg, "No space left on device") || strings.Contains(msg, "Disk quota exceeded")
}

// stripStackTraces drops the native stack traces DuckDB appends to internal
// and fatal errors ("Stack Trace:" and lines of "binary(symbol+0x..) [0x...]"):
// dozens of lines of C++ symbols per trace (a fatal error repeats its
// cause's) that bury the message in psql and mean nothing to a SQL client.
// Err keeps DuckDB's whole message.
func stripStackTraces(msg string) string {
	if !strings.Contains(msg, "Stack Trace:") {
		return msg
	}
	lines := strings.Split(msg, "\n")
	out := lines[:0]
	skipping := false
	for _, l := range lines {
		switch {
		case strings.TrimSpace(l) == "Stack Trace:":
			skipping = true
			for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
				out = out[:len(out)-1]
			}
			continue
		case skipping && (strings.TrimSpace(l) == "" || isTraceLine(l)):
			continue
		}
		skipping = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// isTraceLine reports whether l looks like a frame of a native stack trace,
// which ends in its address: "... [0x1a8aeb0]".
func isTraceLine(l string) bool {
	l = strings.TrimSpace(l)
	i := strings.LastIndex(l, " [0x")
	return i >= 0 && strings.HasSuffix(l, "]")
}
