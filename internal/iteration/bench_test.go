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
