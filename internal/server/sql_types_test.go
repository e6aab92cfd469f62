package server

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// allModes are pgx's query modes: the extended protocol with a described,
// cached statement, described per query, or not described (types from
// the portal), and the simple protocol.
var allModes = []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol}

// TestSQLPgxJSON: JSON results are jsonb (3802) in every protocol, so pgx
// decodes them into maps and structs, in binary form too (a version byte
// first). A prepared statement's JSON column was
// described as text (duckdb-go's Stmt drops DuckDB's JSON alias), and
// pgx's default mode scanned a string and failed on a struct.
func TestSQLPgxJSON(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, `CREATE TABLE docs (id INTEGER, doc JSON)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO docs VALUES (1, '{"name":"a","n":2}')`); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	for _, mode := range allModes {
		for _, q := range []string{
			"SELECT doc FROM docs WHERE id = 1",
			"SELECT doc->'$' FROM docs WHERE id = 1",
			`SELECT '{"name":"a","n":2}'::jsonb`,
			"SELECT json_object('name', 'a', 'n', 2)",
		} {
			var d doc
			if err := c.QueryRow(ctx, q, mode).Scan(&d); err != nil || d != (doc{"a", 2}) {
				t.Errorf("%v: %s into a struct: %+v, %v", mode, q, d, err)
			}
			rows, err := c.Query(ctx, q, mode)
			if err != nil {
				t.Fatalf("%v: %s: %v", mode, q, err)
			}
			if oid := rows.FieldDescriptions()[0].DataTypeOID; oid != 3802 {
				t.Errorf("%v: %s: column type %d, want jsonb (3802)", mode, q, oid)
			}
			rows.Close()
			if mode == pgx.QueryExecModeSimpleProtocol {
				continue // text only
			}
			d = doc{}
			if err := c.QueryRow(ctx, q, mode, pgx.QueryResultFormats{pgx.BinaryFormatCode}).Scan(&d); err != nil || d != (doc{"a", 2}) {
				t.Errorf("%v: %s in binary into a struct: %+v, %v", mode, q, d, err)
			}
		}
		// A map parameter needs the parameter's type, which only a
		// Describe gives; the other modes send JSON text.
		var arg any = `{"k":[1]}`
		if mode == pgx.QueryExecModeCacheStatement || mode == pgx.QueryExecModeDescribeExec {
			arg = map[string]any{"k": []int{1}}
		}
		var m map[string]any
		if err := c.QueryRow(ctx, "SELECT $1::json", mode, arg).Scan(&m); err != nil || len(m) != 1 {
			t.Errorf("%v: $1::json into a map: %v, %v", mode, m, err)
		}
		var n string
		if err := c.QueryRow(ctx, "SELECT doc->>'n' FROM docs WHERE id = $1", mode, 1).Scan(&n); err != nil || n != "2" {
			t.Errorf("%v: ->> is text: %q, %v", mode, n, err)
		}
	}
}

// TestSQLPgxInfiniteTimes: DuckDB's infinite dates and timestamps reach
// pgx as its Infinity modifiers in every mode, and go back in as
// parameters; a date BC reads back as itself. They were sent as year
// 5881580 or 294247, which pgx refused ("out of range").
func TestSQLPgxInfiniteTimes(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, "CREATE TABLE valid (d DATE, ts TIMESTAMP, tz TIMESTAMPTZ)"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "INSERT INTO valid VALUES ('infinity', '-infinity', 'infinity'), ('0044-03-15 (BC)', NULL, NULL)"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range allModes {
		var (
			d  pgtype.Date
			ts pgtype.Timestamp
			tz pgtype.Timestamptz
		)
		if err := c.QueryRow(ctx, "SELECT d, ts, tz FROM valid WHERE ts IS NOT NULL", mode).Scan(&d, &ts, &tz); err != nil ||
			d.InfinityModifier != pgtype.Infinity || ts.InfinityModifier != pgtype.NegativeInfinity || tz.InfinityModifier != pgtype.Infinity {
			t.Errorf("%v: infinities read as %+v %+v %+v, %v", mode, d, ts, tz, err)
		}
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM valid WHERE d = $1 AND ts = $2 AND tz = $3", mode, d, ts, tz).Scan(&n); err != nil || n != 1 {
			t.Errorf("%v: infinities as parameters matched %d rows, %v", mode, n, err)
		}
		var bc time.Time
		if err := c.QueryRow(ctx, "SELECT d FROM valid WHERE ts IS NULL", mode).Scan(&bc); err != nil || !bc.Equal(time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%v: 44 BC read as %v, %v", mode, bc, err)
		}
	}
}
