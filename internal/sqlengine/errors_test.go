package sqlengine

import (
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// DuckDB's errors on a full disk (as seen with a data dir on a full tmpfs)
// get Postgres's disk_full, whatever DuckDB's error type.
func TestDiskFullCode(t *testing.T) {
	for _, de := range []*duckdb.Error{
		{Type: duckdb.ErrorTypeIO, Msg: `IO Error: Could not write file "/d/warehouse.duckdb": No space left on device`},
		{Type: duckdb.ErrorTypeTransaction, Msg: `TransactionContext Error: Failed to commit: Failed to create checkpoint because of error: Could not write file "/d/warehouse.duckdb": No space left on device`},
		{Type: duckdb.ErrorTypeIO, Msg: `IO Error: Could not write file "/d/warehouse.duckdb.wal": Disk quota exceeded`},
	} {
		if got := toError(de).Code; got != CodeDiskFull {
			t.Errorf("%s: code %s, want %s", de.Msg, got, CodeDiskFull)
		}
	}
	other := &duckdb.Error{Type: duckdb.ErrorTypeIO, Msg: `IO Error: Cannot open file "/x": Permission denied`}
	if got := toError(other).Code; got != CodeIO {
		t.Errorf("permission denied: code %s, want %s", got, CodeIO)
	}
}

// A duplicate key DuckDB finds only at COMMIT (two transactions inserted
// the same key) is unique_violation, as Postgres reports it, not 25000.
func TestCommitDuplicateKeyCode(t *testing.T) {
	de := &duckdb.Error{Type: duckdb.ErrorTypeTransaction, Msg: `TransactionContext Error: Failed to commit: PRIMARY KEY or UNIQUE constraint violation: duplicate key "1"`}
	if got := toError(de).Code; got != CodeUnique {
		t.Errorf("code %s, want %s", got, CodeUnique)
	}
	other := &duckdb.Error{Type: duckdb.ErrorTypeTransaction, Msg: `TransactionContext Error: cannot commit - no transaction is active`}
	if got := toError(other).Code; got != CodeTransaction {
		t.Errorf("no transaction: code %s, want %s", got, CodeTransaction)
	}
}

// DuckDB's internal and fatal errors carry native stack traces; clients get
// the message without them.
func TestStripStackTraces(t *testing.T) {
	trace := "\n\nStack Trace:\n\n" +
		"/usr/bin/rheo(duckdb::Exception::ToJSON(duckdb::ExceptionType, std::string const&)+0x56) [0x22969a6]\n" +
		"/usr/bin/rheo(duckdb::ColumnData::CommitDropColumn()+0x60) [0x1a8aeb0]\n" +
		"/usr/bin/rheo() [0xe3b3c4]\n"
	msg := "Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\n" +
		"Original error: \"Failed to rollback transaction. Cannot continue operation.\n" +
		"Error: INTERNAL Error: Attempted to dereference shared_ptr that is NULL!\n" +
		"For more information, see https://duckdb.org/docs/stable/dev/internal_errors" + trace + "\"" + trace
	want := "Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.\n" +
		"Original error: \"Failed to rollback transaction. Cannot continue operation.\n" +
		"Error: INTERNAL Error: Attempted to dereference shared_ptr that is NULL!\n" +
		"For more information, see https://duckdb.org/docs/stable/dev/internal_errors\n\""
	e := toError(&duckdb.Error{Type: duckdb.ErrorTypeFatal, Msg: msg})
	if e.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", e.Message, want)
	}
	if e.Code != CodeInternal {
		t.Errorf("code %s, want %s", e.Code, CodeInternal)
	}
	plain := "Binder Error: Referenced column \"x\" not found [0x1]"
	if got := stripStackTraces(plain); got != plain {
		t.Errorf("message without a trace changed: %q", got)
	}
}
