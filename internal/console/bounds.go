package console

import "sort"

// MaxIterationsPerName is how many of a logical name's newest iterations
// /console/api/iterations returns per stream. A job every 10 s makes
// 8,640 iterations a day; the page shows the recent ones, and the whole
// history stays in SQL (SELECT * FROM rheo_iterations).
const MaxIterationsPerName = 50

// newestBoundaries keeps, per logical name and stream, the boundaries of
// the newest perName iterations, ordered by name, stream, iteration
// (newest first) and shard, and returns how many it left out.
func newestBoundaries(bs []Boundary, perName int) ([]Boundary, int) {
	sort.Slice(bs, func(i, j int) bool {
		a, b := bs[i], bs[j]
		if a.LogicalName != b.LogicalName {
			return a.LogicalName < b.LogicalName
		}
		if a.Stream != b.Stream {
			return a.Stream < b.Stream
		}
		if a.Iteration != b.Iteration {
			return a.Iteration > b.Iteration
		}
		return a.ShardID < b.ShardID
	})
	out := bs[:0]
	seen, omitted := 0, 0
	for i, b := range bs {
		if i == 0 || b.LogicalName != bs[i-1].LogicalName || b.Stream != bs[i-1].Stream {
			seen = 0
		}
		if i == 0 || b.LogicalName != bs[i-1].LogicalName || b.Stream != bs[i-1].Stream || b.Iteration != bs[i-1].Iteration {
			seen++
		}
		if seen > perName {
			omitted++
			continue
		}
		out = append(out, b)
	}
	return out, omitted
}
