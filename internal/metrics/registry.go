package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every rheo metric.
const namespace = "rheo"

// Options wires a Registry to the server's state. Every field may be nil.
type Options struct {
	// StreamLive reports whether the Kinesis stream name with this UID
	// still exists. Before each scrape (and in StreamTotals) the series
	// of streams it denies are dropped, so deleted streams disappear
	// without the Kinesis API having to say so. nil keeps every stream.
	StreamLive func(name string, uid uint64) bool
	// ShardLive reports whether shard idx of a live stream still exists: a
	// closed shard expires once its records are past the retention
	// period, and its series are dropped then, so resharding does not
	// grow the scrape for ever. nil keeps every shard until its stream
	// goes.
	ShardLive func(name string, uid uint64, shard uint32) bool
	// ConsumerLive reports whether the fan-out consumer still exists on
	// the stream; its MillisBehindLatest series are dropped otherwise.
	// nil keeps every consumer until its stream goes.
	ConsumerLive func(streamUID uint64, consumer string) bool
}

// Registry holds one server's metrics. Its own prometheus.Registry (not
// the library's global default) keeps two servers in one process, as in
// tests, apart. A nil *Registry is valid and records nothing, so callers
// need no checks.
type Registry struct {
	opts Options
	reg  *prometheus.Registry

	kinesis kinesisVecs
	streams sync.Map // uint64 (stream UID) → *Stream
	names   sync.Mutex

	sql     sqlMetrics
	storage storageMetrics
	handler http.Handler
}

// New returns a Registry with the Kinesis, SQL and storage metrics and the
// Go runtime and process collectors registered.
func New(opts Options) *Registry {
	r := &Registry{opts: opts, reg: prometheus.NewRegistry()}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	r.kinesis = newKinesisVecs(r.reg)
	r.sql = newSQLMetrics(r.reg)
	r.storage = newStorageMetrics(r.reg)
	h := promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	r.handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Prune()
		h.ServeHTTP(w, req)
	})
	return r
}

// Register adds a collector that reads its values at scrape time (the
// server's delivery and disk-usage collectors).
func (r *Registry) Register(c prometheus.Collector) error {
	if r == nil {
		return nil
	}
	return r.reg.Register(c)
}

// Gatherer returns the registry for tests and custom exposition; it does
// not prune deleted streams (Handler does).
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler serves the Prometheus text format (GET /metrics). Each scrape
// first drops the series of streams and consumers that no longer exist.
func (r *Registry) Handler() http.Handler { return r.handler }
