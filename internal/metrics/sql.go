package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SQL protocols, the values of the protocol label.
const (
	ProtocolPGWire = "pgwire" // Postgres wire (psql, JDBC, pgx, rheo sql)
	ProtocolHTTP   = "http"   // POST /v1/sql
	ProtocolJob    = "job"    // a run of a scheduled job (CREATE JOB ... EVERY)
)

// sqlMetrics count statements by the protocol they came in on.
type sqlMetrics struct {
	queries, errors *prometheus.CounterVec
	duration        *prometheus.HistogramVec
}

func newSQLMetrics(reg prometheus.Registerer) sqlMetrics {
	labels := []string{"protocol"}
	m := sqlMetrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "sql", Name: "queries_total",
			Help: "SQL statements run, failed ones included.",
		}, labels),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "sql", Name: "errors_total",
			Help: "SQL statements that failed (parse, plan, run or fetch).",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "sql", Name: "query_duration_seconds",
			Help:    "Time from a statement's start to its last row fetched, in seconds.",
			Buckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, labels),
	}
	reg.MustRegister(m.queries, m.errors, m.duration)
	// Every protocol shows from the start, at zero.
	for _, p := range []string{ProtocolPGWire, ProtocolHTTP, ProtocolJob} {
		m.queries.WithLabelValues(p)
		m.errors.WithLabelValues(p)
		m.duration.WithLabelValues(p)
	}
	return m
}

// ObserveSQL records one statement that came in on protocol (ProtocolPGWire,
// ProtocolHTTP or ProtocolJob), took d and failed or not.
func (r *Registry) ObserveSQL(protocol string, d time.Duration, failed bool) {
	if r == nil {
		return
	}
	r.sql.queries.WithLabelValues(protocol).Inc()
	if failed {
		r.sql.errors.WithLabelValues(protocol).Inc()
	}
	r.sql.duration.WithLabelValues(protocol).Observe(d.Seconds())
}
