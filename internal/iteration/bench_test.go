package iteration

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkWindow measures a query's cost of resolving its window: a re-run
// (one meta read plus one log Info per non-empty range) and a first run
// (scan of the name, Info per shard, one durable meta write).
func BenchmarkWindow(b *testing.B) {
	e := newEnv(b)
	st := e.createStream("s", 16)
	for i := range uint32(16) {
		e.put(st, i, 10)
	}
	e.window("job", 0, st)
	b.Run("rerun/shards=16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.it.Window(context.Background(), "job", 0, st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first-run/shards=16", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			if _, err := e.it.Window(context.Background(), fmt.Sprint("job-", n), 0, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNextIteration measures creating iteration N+1 of a logical name
// that already has N iterations (a scheduled job after N runs): finding the
// previous window must not cost more with every run.
func BenchmarkNextIteration(b *testing.B) {
	for _, have := range []int{10, 10000} {
		b.Run(fmt.Sprintf("iterations=%d", have), func(b *testing.B) {
			e := newEnv(b)
			st := e.createStream("s", 4)
			for n := range have {
				e.put(st, uint32(n%4), 1)
				e.window("job", int64(n), st)
			}
			n := int64(have)
			b.ReportAllocs()
			for b.Loop() {
				e.put(st, uint32(n%4), 1)
				if _, err := e.it.Window(context.Background(), "job", n, st); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
