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
