package sqlengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Postgres's pg_sleep(seconds), pg_sleep_for(interval) and
// pg_sleep_until(timestamptz), which DuckDB lacks: tools probe a server
// with SELECT pg_sleep(0) and tests wait with pg_sleep(1). They return
// Postgres's void, which it prints as an empty string.
//
// The sleep waits on the statement's context, which duckdb-go hands the
// function while the statement runs: statement_timeout, a CancelRequest
// or an HTTP client going away end it at once, where a plain sleep would
// hold the DuckDB thread (and the session) for the full time.

// maxSleep bounds one sleep so a huge argument cannot overflow a Duration.
const maxSleep = 100 * 365 * 24 * time.Hour

// registerSleep registers the pg_sleep family on conn (DuckDB's catalog,
// so every connection sees them).
func registerSleep(conn *sql.Conn) error {
	dbl, _ := duckdb.NewTypeInfo(duckdb.TYPE_DOUBLE)
	iv, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTERVAL)
	tz, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	fns := []struct {
		name string
		in   duckdb.TypeInfo
		dur  func(v driver.Value) time.Duration
	}{
		{"pg_sleep", dbl, func(v driver.Value) time.Duration {
			s, _ := v.(float64)
			if math.IsNaN(s) || s <= 0 {
				return 0
			}
			return time.Duration(min(s, maxSleep.Seconds()) * float64(time.Second))
		}},
		{"pg_sleep_for", iv, func(v driver.Value) time.Duration {
			i, _ := v.(duckdb.Interval)
			// Postgres counts a month as 30 days and a day as 24 hours here.
			days := float64(i.Months)*30 + float64(i.Days)
			s := days*86400 + float64(i.Micros)/1e6
			if s <= 0 {
				return 0
			}
			return time.Duration(min(s, maxSleep.Seconds()) * float64(time.Second))
		}},
		{"pg_sleep_until", tz, func(v driver.Value) time.Duration {
			t, _ := v.(time.Time)
			return min(time.Until(t), maxSleep)
		}},
	}
	for _, f := range fns {
		err := duckdb.RegisterScalarUDF(conn, f.name, sleepFunc{
			cfg: duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{f.in}, ResultTypeInfo: vc, Volatile: true},
			dur: f.dur,
		})
		if err != nil {
			return fmt.Errorf("register %s: %w", f.name, err)
		}
	}
	return nil
}

// sleepFunc is one of the pg_sleep functions.
type sleepFunc struct {
	cfg duckdb.ScalarFuncConfig
	dur func(driver.Value) time.Duration
}

// Config implements duckdb.ScalarFunc.
func (f sleepFunc) Config() duckdb.ScalarFuncConfig { return f.cfg }

// Executor implements duckdb.ScalarFunc.
func (f sleepFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowContextExecutor: func(ctx context.Context, args []driver.Value) (any, error) {
		if err := sleepCtx(ctx, f.dur(args[0])); err != nil {
			return nil, err
		}
		return "", nil
	}}
}

// sleepCtx waits d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
