package kpl

import (
	"fmt"
	"testing"
)

// benchRecords is a typical KPL aggregate: n user records of size bytes,
// with 36-byte UUID-like partition keys.
func benchRecords(n, size int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{PartitionKey: fmt.Sprintf("%036d", i), Data: make([]byte, size)}
	}
	return recs
}

func BenchmarkDeaggregate(b *testing.B) {
	for _, c := range []struct{ n, size int }{{10, 100}, {500, 100}, {50, 10_000}} {
		agg := Aggregate(benchRecords(c.n, c.size))
		b.Run(fmt.Sprintf("records=%d/size=%d", c.n, c.size), func(b *testing.B) {
			b.SetBytes(int64(len(agg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Deaggregate(agg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAggregate(b *testing.B) {
	recs := benchRecords(500, 100)
	b.SetBytes(int64(len(Aggregate(recs))))
	b.ReportAllocs()
	for b.Loop() {
		Aggregate(recs)
	}
}
