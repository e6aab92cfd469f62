package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DeliveryStatus is one delivery stream's health, as the delivery engine
// reports it (delivery.Manager.Status).
type DeliveryStatus struct {
	Name                    string
	Records, Bytes, Objects int64 // delivered since the process started
	Incoming, IncomingBytes int64 // accepted by PutRecord(Batch) since then
	FailedRecords           int64 // written under the error output prefix
	Lost                    int64 // expired from the log before delivery
	Backlog                 int64 // accepted, not yet delivered
	Failing                 bool  // the last attempt failed
	// OldestPending is the arrival time of the oldest undelivered record;
	// zero when nothing is pending.
	OldestPending time.Time
}

// deliveryCollector reads DeliveryStatus at scrape time.
type deliveryCollector struct {
	source func() []DeliveryStatus
	now    func() time.Time
	descs  struct {
		incoming, incomingBytes                                            *prometheus.Desc
		records, bytes, objects, success, freshness, backlog, failed, lost *prometheus.Desc
	}
}

// NewDeliveryCollector reports the Firehose CloudWatch metrics of every
// delivery stream from source, called once per scrape. Register it with
// Registry.Register. A deleted delivery stream leaves source, and so the
// scrape, at once.
func NewDeliveryCollector(source func() []DeliveryStatus) prometheus.Collector {
	c := &deliveryCollector{source: source, now: time.Now}
	labels := []string{"delivery_stream"}
	desc := func(name, cw, help string) *prometheus.Desc {
		if cw != "" {
			help = "CloudWatch " + cw + ": " + help
		}
		return prometheus.NewDesc(namespace+"_firehose_"+name, help, labels, nil)
	}
	d := &c.descs
	d.incoming = desc("incoming_records_total", "IncomingRecords", "records accepted by PutRecord and PutRecordBatch since the server started.")
	d.incomingBytes = desc("incoming_bytes_total", "IncomingBytes", "bytes of record data accepted by PutRecord and PutRecordBatch since the server started.")
	d.records = desc("delivery_to_s3_records_total", "DeliveryToS3.Records", "records delivered to the lake since the server started.")
	d.bytes = desc("delivery_to_s3_bytes_total", "DeliveryToS3.Bytes", "bytes delivered to the lake since the server started.")
	d.objects = desc("delivery_to_s3_objects_total", "", "Objects written to the lake since the server started.")
	d.success = desc("delivery_to_s3_success", "DeliveryToS3.Success", "1 if the last delivery attempt succeeded, else 0.")
	d.freshness = desc("delivery_to_s3_data_freshness_seconds", "DeliveryToS3.DataFreshness", "age of the oldest record not yet delivered (0 when none).")
	d.backlog = desc("backlog_records", "", "Records accepted and not yet delivered.")
	d.failed = desc("failed_records_total", "", "Records written under the error output prefix (conversion or processing failures).")
	d.lost = desc("lost_records_total", "", "Records that expired from the log before they could be delivered.")
	return c
}

// Describe implements prometheus.Collector.
func (c *deliveryCollector) Describe(ch chan<- *prometheus.Desc) {
	d := &c.descs
	for _, x := range []*prometheus.Desc{d.incoming, d.incomingBytes, d.records, d.bytes, d.objects, d.success, d.freshness, d.backlog, d.failed, d.lost} {
		ch <- x
	}
}

// Collect implements prometheus.Collector.
func (c *deliveryCollector) Collect(ch chan<- prometheus.Metric) {
	d, now := &c.descs, c.now()
	for _, st := range c.source() {
		m := func(desc *prometheus.Desc, t prometheus.ValueType, v float64) {
			ch <- prometheus.MustNewConstMetric(desc, t, v, st.Name)
		}
		m(d.incoming, prometheus.CounterValue, float64(st.Incoming))
		m(d.incomingBytes, prometheus.CounterValue, float64(st.IncomingBytes))
		m(d.records, prometheus.CounterValue, float64(st.Records))
		m(d.bytes, prometheus.CounterValue, float64(st.Bytes))
		m(d.objects, prometheus.CounterValue, float64(st.Objects))
		success := 1.0
		if st.Failing {
			success = 0
		}
		m(d.success, prometheus.GaugeValue, success)
		fresh := 0.0
		if !st.OldestPending.IsZero() {
			fresh = max(0, now.Sub(st.OldestPending).Seconds())
		}
		m(d.freshness, prometheus.GaugeValue, fresh)
		m(d.backlog, prometheus.GaugeValue, float64(st.Backlog))
		m(d.failed, prometheus.CounterValue, float64(st.FailedRecords))
		m(d.lost, prometheus.CounterValue, float64(st.Lost))
	}
}
