package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// storageMetrics are the shard log's: fsync latency, observed by the
// committer, and disk usage, read at scrape time.
type storageMetrics struct {
	fsync prometheus.Histogram
}

func newStorageMetrics(reg prometheus.Registerer) storageMetrics {
	m := storageMetrics{
		fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "storage", Name: "fsync_seconds",
			Help:    "Time taken by each fdatasync of a segment file or the journal by the shard log, in seconds.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1},
		}),
	}
	reg.MustRegister(m.fsync)
	return m
}

// ObserveFsync records one fdatasync; the shard log calls it through its
// Options.SyncObserver.
func (r *Registry) ObserveFsync(d time.Duration) {
	if r != nil {
		r.storage.fsync.Observe(d.Seconds())
	}
}

// ShardUsage is one Kinesis shard's footprint on disk.
type ShardUsage struct {
	Stream   string
	Shard    uint32
	Segments int
	Bytes    int64
}

// usageCollector reports ShardUsage from a source function at each scrape.
type usageCollector struct {
	source          func() []ShardUsage
	segments, bytes *prometheus.Desc
}

// NewUsageCollector reports rheo_storage_segments and rheo_storage_bytes
// per stream and shard from source, called once per scrape; the server
// builds it over the shard log's Info (and caches what is costly).
// Register it with Registry.Register.
func NewUsageCollector(source func() []ShardUsage) prometheus.Collector {
	labels := []string{labelStream, labelShard}
	return &usageCollector{
		source: source,
		segments: prometheus.NewDesc(namespace+"_storage_segments",
			"Segment files of the shard on disk.", labels, nil),
		bytes: prometheus.NewDesc(namespace+"_storage_bytes",
			"Bytes of the shard's segment files on disk (indexes excluded).", labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *usageCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.segments
	ch <- c.bytes
}

// Collect implements prometheus.Collector.
func (c *usageCollector) Collect(ch chan<- prometheus.Metric) {
	for _, u := range c.source() {
		id := shardID(u.Shard)
		ch <- prometheus.MustNewConstMetric(c.segments, prometheus.GaugeValue, float64(u.Segments), u.Stream, id)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(u.Bytes), u.Stream, id)
	}
}
