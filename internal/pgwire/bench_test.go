package pgwire

import (
	"context"
	"testing"
)

// BenchmarkPgxRows measures streaming 100k two-column rows to pgx
// (extended protocol, binary int8 + text) from the fake backend.
func BenchmarkPgxRows(b *testing.B) {
	_, _, addr := startFakeB(b)
	conn := pgxConnectB(b, addr)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rows, err := conn.Query(ctx, "rows 100000")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if rows.Err() != nil || n != 100000 {
			b.Fatalf("%d rows, %v", n, rows.Err())
		}
	}
	b.ReportMetric(float64(b.N)*100000/b.Elapsed().Seconds(), "rows/s")
}
