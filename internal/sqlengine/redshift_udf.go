package sqlengine

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Redshift functions that need Go rather than a rewrite into DuckDB's
// (Database Developer Guide, "SQL functions reference"):
//   - STRTOL(num_string, base) reads num_string as C's strtol does: leading
//     white space, one optional sign, "0x" when base is 16, then the
//     digits of base up to the first character that is not one (no digit:
//     0). The value must fit a BIGINT, and base be 2 to 36.

// registerRedshiftUDFs registers them on conn (DuckDB's catalog, so every
// connection sees them).
func registerRedshiftUDFs(conn *sql.Conn) error {
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	bi, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	err := duckdb.RegisterScalarUDF(conn, "strtol", rsUDF{
		cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{vc, in}, ResultTypeInfo: bi},
		fn: func(args []driver.Value) (any, error) {
			s, _ := args[0].(string)
			base, _ := args[1].(int32)
			return strtol(s, int(base))
		},
	})
	if err != nil {
		return fmt.Errorf("register strtol: %w", err)
	}
	return nil
}

// rsUDF is a Redshift scalar function computed row by row.
type rsUDF struct {
	cfg duckdb.ScalarFuncConfig
	fn  func([]driver.Value) (any, error)
}

// Config implements duckdb.ScalarFunc.
func (f rsUDF) Config() duckdb.ScalarFuncConfig { return f.cfg }

// Executor implements duckdb.ScalarFunc.
func (f rsUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: f.fn}
}

// strtol is Redshift's STRTOL.
func strtol(s string, base int) (int64, error) {
	if base < 2 || base > 36 {
		return 0, fmt.Errorf("STRTOL: base %d is not between 2 and 36", base)
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digitVal(s[2]) < 16 {
		s = s[2:]
	}
	// Accumulate as a negative number so that the BIGINT minimum fits.
	var v int64
	for i := 0; i < len(s); i++ {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if v < (math.MinInt64+int64(d))/int64(base) {
			return 0, fmt.Errorf("STRTOL: %q is out of the range of BIGINT", s)
		}
		v = v*int64(base) - int64(d)
	}
	if neg {
		return v, nil
	}
	if v == math.MinInt64 {
		return 0, fmt.Errorf("STRTOL: %q is out of the range of BIGINT", s)
	}
	return -v, nil
}

// digitVal is the value of an alphanumeric digit (36 or more for any
// other byte).
func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 36
}
