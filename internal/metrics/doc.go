// Package metrics is rheo's Prometheus instrumentation: one Registry per
// server (never the client library's default registry), served as
// GET /metrics in the Prometheus text format. It names Kinesis Data
// Streams' and Firehose's CloudWatch metrics in Prometheus style
// (IncomingBytes → rheo_kinesis_incoming_bytes_total) so dashboards built
// for AWS translate one to one; docs/metrics.md lists them all.
//
// API for the web console (stable; code against it):
//
//	// StreamTotals returns, per Kinesis stream name, cumulative counters
//	// since the server started and the latest fan-out lag of each consumer.
//	// Sample it every few seconds and difference successive samples to get
//	// records/s and bytes/s. Safe for concurrent use; cheap (no scrape).
//	func (r *Registry) StreamTotals() map[string]StreamTotals
//
//	type StreamTotals struct {
//		IncomingRecords uint64 // records accepted by PutRecord/PutRecords
//		IncomingBytes   uint64 // their data bytes (partition keys excluded)
//		// Consumers maps a fan-out consumer name (RegisterStreamConsumer's
//		// ConsumerName) to the MillisBehindLatest of its most recent
//		// SubscribeToShardEvent: the maximum over the shards it reads.
//		Consumers map[string]int64
//	}
//
// The server holds the registry in its field `metrics *metrics.Registry`
// (internal/server/metrics.go), created before the Kinesis API and
// returned by (*server.Server).Metrics(); pass it to the console from
// there. A stream appears in StreamTotals once it has seen traffic and
// disappears when it is deleted. A nil *Registry returns an empty map.
//
// Files: registry.go (Registry, Options, the /metrics handler), kinesis.go
// (per stream, shard and consumer series), totals.go (StreamTotals),
// delivery.go and storage.go (scrape-time collectors, fsync latency),
// sql.go (statement counts and durations).
//
// Hot paths never look labels up: the Kinesis API keeps one *Stream per
// stream (created on first use, dropped on deletion) holding each shard's
// counters, and adds to them once per shard per call.
package metrics
