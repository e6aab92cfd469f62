package metrics

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape serves the registry's handler once and parses the text format.
func scrape(t *testing.T, r *Registry) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, rec.Body.String())
	}
	return mfs
}

// series returns family name's values keyed by their label values joined
// with "/" in label-name order.
func series(mfs map[string]*dto.MetricFamily, name string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range mfs[name].GetMetric() {
		var key []string
		for _, l := range m.GetLabel() {
			key = append(key, l.GetValue())
		}
		v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
		out[strings.Join(key, "/")] = v
	}
	return out
}

func TestShardID(t *testing.T) {
	for _, tc := range []struct {
		idx  uint32
		want string
	}{
		{0, "shardId-000000000000"},
		{7, "shardId-000000000007"},
		{123456, "shardId-000000123456"},
		{4294967295, "shardId-004294967295"},
	} {
		if got := shardID(tc.idx); got != tc.want {
			t.Errorf("shardID(%d) = %s, want %s", tc.idx, got, tc.want)
		}
	}
}

func TestNilRegistryRecordsNothing(t *testing.T) {
	var r *Registry
	st := r.Stream("s", 1)
	st.Shard(3).Put(1, 2)
	st.Shard(3).Failed(1)
	st.Shard(3).WriteThrottled(1)
	st.Shard(3).ReadThrottled()
	st.Shard(3).Get(1, 2, 3)
	st.Subscription("c", 0).Event(1, 2, 3)
	st.ObservePutRecord(time.Millisecond)
	st.ObservePutRecords(time.Millisecond)
	r.ObserveSQL(ProtocolHTTP, time.Millisecond, true)
	r.ObserveFsync(time.Millisecond)
	r.Prune()
	if err := r.Register(nil); err != nil {
		t.Fatal(err)
	}
	if got := r.StreamTotals(); len(got) != 0 {
		t.Fatalf("StreamTotals = %v", got)
	}
}

func TestStreamCountersAndTotals(t *testing.T) {
	r := New(Options{})
	st := r.Stream("orders", 10)
	if r.Stream("orders", 10) != st {
		t.Fatal("second lookup made a new Stream")
	}
	st.Shard(0).Put(3, 30)
	st.Shard(5).Put(2, 7) // sparse index: the slice grows
	st.Shard(0).Put(1, 1)
	st.Shard(5).Failed(4)
	st.Shard(0).Get(2, 20, 1500)
	st.Subscription("app", 0).Open()
	st.Subscription("app", 5).Open()
	st.Subscription("app", 0).Event(2, 20, 40)
	st.Subscription("app", 5).Event(0, 0, 90)
	st.ObservePutRecords(2 * time.Millisecond)

	mfs := scrape(t, r)
	for _, tc := range []struct {
		name string
		want map[string]float64
	}{
		{"rheo_kinesis_incoming_records_total", map[string]float64{"shardId-000000000000/orders": 4, "shardId-000000000005/orders": 2}},
		{"rheo_kinesis_incoming_bytes_total", map[string]float64{"shardId-000000000000/orders": 31, "shardId-000000000005/orders": 7}},
		{"rheo_kinesis_put_records_failed_records_total", map[string]float64{"shardId-000000000000/orders": 0, "shardId-000000000005/orders": 4}},
		{"rheo_kinesis_get_records_iterator_age_seconds", map[string]float64{"shardId-000000000000/orders": 1.5, "shardId-000000000005/orders": 0}},
		{"rheo_kinesis_subscribe_to_shard_event_behind_latest_seconds", map[string]float64{"app/shardId-000000000000/orders": 0.04, "app/shardId-000000000005/orders": 0.09}},
		{"rheo_kinesis_put_records_latency_seconds", map[string]float64{"orders": 1}},
	} {
		got := series(mfs, tc.name)
		if len(got) != len(tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s{%s} = %v, want %v", tc.name, k, got[k], v)
			}
		}
	}
	tot := r.StreamTotals()["orders"]
	if tot.IncomingRecords != 6 || tot.IncomingBytes != 38 || tot.Consumers["app"] != 90 || len(tot.Consumers) != 1 {
		t.Errorf("StreamTotals = %+v", tot)
	}
}

// TestExpiredShards: a closed shard that expires (all its records past
// the retention period) leaves the stream, and its series the scrape, so
// resharding a long-lived stream does not grow the scrape for ever. The
// stream's other shards and its totals stay.
func TestExpiredShards(t *testing.T) {
	var expired sync.Map // shard index → true
	r := New(Options{ShardLive: func(name string, uid uint64, shard uint32) bool {
		_, gone := expired.Load(shard)
		return !gone
	}})
	st := r.Stream("s", 1)
	st.Shard(0).Put(1, 1)
	st.Shard(0).Get(1, 1, 5)
	st.Subscription("app", 0).Open()
	st.Subscription("app", 0).Event(1, 1, 5)
	st.Shard(1).Put(2, 2)
	st.Shard(2).Put(3, 3)
	expired.Store(uint32(0), true)
	mfs := scrape(t, r)
	if got := series(mfs, "rheo_kinesis_incoming_records_total"); len(got) != 2 || got["shardId-000000000001/s"] != 2 || got["shardId-000000000002/s"] != 3 {
		t.Fatalf("incoming records after shard 0 expired: %v", got)
	}
	for _, name := range []string{"rheo_kinesis_get_records_iterator_age_seconds", "rheo_kinesis_subscribe_to_shard_event_records_total", "rheo_kinesis_subscribe_to_shard_event_behind_latest_seconds"} {
		for k := range series(mfs, name) {
			if strings.Contains(k, "shardId-000000000000") {
				t.Errorf("%s after shard 0 expired: %v", name, k)
			}
		}
	}
	if tot := r.StreamTotals()["s"]; tot.IncomingRecords != 6 {
		t.Errorf("StreamTotals[s] = %+v, want the expired shard's records kept", tot)
	}
}

func TestDeletedAndRecreatedStreams(t *testing.T) {
	live := map[string]uint64{"a": 1, "b": 2}
	var mu sync.Mutex
	r := New(Options{StreamLive: func(name string, uid uint64) bool {
		mu.Lock()
		defer mu.Unlock()
		return live[name] == uid
	}})
	r.Stream("a", 1).Shard(0).Put(5, 50)
	r.Stream("b", 2).Shard(0).Put(1, 1)

	// "a" is deleted: its series go at the next scrape.
	mu.Lock()
	delete(live, "a")
	mu.Unlock()
	got := series(scrape(t, r), "rheo_kinesis_incoming_records_total")
	if len(got) != 1 || got["shardId-000000000000/b"] != 1 {
		t.Fatalf("after deleting a: %v", got)
	}
	if _, ok := r.StreamTotals()["a"]; ok {
		t.Fatal("StreamTotals lists deleted stream a")
	}

	// "b" is re-created under a new UID before any scrape: it starts from
	// zero, with no leftover of the old one.
	mu.Lock()
	live["b"] = 3
	mu.Unlock()
	r.Stream("b", 3).Shard(1).Put(2, 2)
	got = series(scrape(t, r), "rheo_kinesis_incoming_records_total")
	if len(got) != 1 || got["shardId-000000000001/b"] != 2 {
		t.Fatalf("after re-creating b: %v", got)
	}
	if tot := r.StreamTotals()["b"]; tot.IncomingRecords != 2 {
		t.Fatalf("StreamTotals[b] = %+v", tot)
	}
}

func TestConsumerPrune(t *testing.T) {
	gone := false
	r := New(Options{ConsumerLive: func(_ uint64, c string) bool { return !(gone && c == "old") }})
	st := r.Stream("s", 1)
	for _, c := range []string{"old", "new"} {
		st.Subscription(c, 0).Open()
	}
	st.Subscription("old", 0).Event(1, 1, 10)
	st.Subscription("new", 0).Event(1, 1, 20)
	gone = true
	got := series(scrape(t, r), "rheo_kinesis_subscribe_to_shard_event_behind_latest_seconds")
	if len(got) != 1 || got["new/shardId-000000000000/s"] != 0.02 {
		t.Fatalf("after deregistering old: %v", got)
	}
}

// TestSubscriptionLagWithdrawn: a consumer's MillisBehindLatest is
// reported only while a subscription to the shard runs; when the last one
// ends the series and the StreamTotals entry go, and a new subscription
// brings them back. The record counters stay.
func TestSubscriptionLagWithdrawn(t *testing.T) {
	r := New(Options{})
	st := r.Stream("s", 1)
	sub := st.Subscription("app", 0)
	behind := func() map[string]float64 {
		return series(scrape(t, r), "rheo_kinesis_subscribe_to_shard_event_behind_latest_seconds")
	}
	sub.Event(1, 1, 5) // no subscription open: no lag
	if got := behind(); len(got) != 0 {
		t.Fatalf("lag before any subscription: %v", got)
	}
	sub.Open()
	sub.Open() // a resubscription overlapping the old one
	sub.Event(1, 1, 70)
	sub.Close()
	if got := behind(); got["app/shardId-000000000000/s"] != 0.07 || r.StreamTotals()["s"].Consumers["app"] != 70 {
		t.Fatalf("with one subscription left: %v %+v", got, r.StreamTotals()["s"])
	}
	sub.Close()
	if got := behind(); len(got) != 0 {
		t.Fatalf("lag after the last subscription ended: %v", got)
	}
	if c := r.StreamTotals()["s"].Consumers; len(c) != 0 {
		t.Fatalf("StreamTotals consumers after unsubscribe: %v", c)
	}
	if got := series(scrape(t, r), "rheo_kinesis_subscribe_to_shard_event_records_total"); got["app/shardId-000000000000/s"] != 2 {
		t.Fatalf("records counter: %v", got)
	}
	sub.Open()
	sub.Event(0, 0, 9)
	if got := behind(); got["app/shardId-000000000000/s"] != 0.009 {
		t.Fatalf("after resubscribing: %v", got)
	}
}

func TestSQLAndFsync(t *testing.T) {
	r := New(Options{})
	r.ObserveSQL(ProtocolHTTP, time.Millisecond, false)
	r.ObserveSQL(ProtocolHTTP, time.Millisecond, true)
	r.ObserveSQL(ProtocolPGWire, time.Second, false)
	r.ObserveFsync(3 * time.Millisecond)
	mfs := scrape(t, r)
	for _, tc := range []struct {
		name string
		want map[string]float64
	}{
		{"rheo_sql_queries_total", map[string]float64{"http": 2, "pgwire": 1}},
		{"rheo_sql_errors_total", map[string]float64{"http": 1, "pgwire": 0}},
		{"rheo_sql_query_duration_seconds", map[string]float64{"http": 2, "pgwire": 1}},
		{"rheo_storage_fsync_seconds", map[string]float64{"": 1}},
	} {
		got := series(mfs, tc.name)
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s{%s} = %v, want %v (all: %v)", tc.name, k, got[k], v, got)
			}
		}
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Error("Go collector missing")
	}
}

func TestDeliveryAndUsageCollectors(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	statuses := []DeliveryStatus{
		{Name: "ok", Records: 10, Bytes: 100, Objects: 2},
		{Name: "bad", Failing: true, Backlog: 7, Lost: 1, FailedRecords: 2, OldestPending: now.Add(-90 * time.Second)},
	}
	r := New(Options{})
	dc := NewDeliveryCollector(func() []DeliveryStatus { return statuses })
	dc.(*deliveryCollector).now = func() time.Time { return now }
	if err := r.Register(dc); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(NewUsageCollector(func() []ShardUsage {
		return []ShardUsage{{Stream: "s", Shard: 2, Segments: 3, Bytes: 4096}}
	})); err != nil {
		t.Fatal(err)
	}
	mfs := scrape(t, r)
	for _, tc := range []struct {
		name string
		want map[string]float64
	}{
		{"rheo_firehose_delivery_to_s3_records_total", map[string]float64{"ok": 10, "bad": 0}},
		{"rheo_firehose_delivery_to_s3_bytes_total", map[string]float64{"ok": 100}},
		{"rheo_firehose_delivery_to_s3_objects_total", map[string]float64{"ok": 2}},
		{"rheo_firehose_delivery_to_s3_success", map[string]float64{"ok": 1, "bad": 0}},
		{"rheo_firehose_delivery_to_s3_data_freshness_seconds", map[string]float64{"ok": 0, "bad": 90}},
		{"rheo_firehose_backlog_records", map[string]float64{"bad": 7}},
		{"rheo_firehose_lost_records_total", map[string]float64{"bad": 1}},
		{"rheo_firehose_failed_records_total", map[string]float64{"bad": 2}},
		{"rheo_storage_segments", map[string]float64{"shardId-000000000002/s": 3}},
		{"rheo_storage_bytes", map[string]float64{"shardId-000000000002/s": 4096}},
	} {
		got := series(mfs, tc.name)
		for k, v := range tc.want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s{%s} = %v, want %v (all: %v)", tc.name, k, g, v, got)
			}
		}
	}
	// A deleted delivery stream leaves with its status.
	statuses = statuses[:1]
	if got := series(scrape(t, r), "rheo_firehose_delivery_to_s3_success"); len(got) != 1 {
		t.Errorf("after deleting bad: %v", got)
	}
}

// TestConcurrentUse runs the hot path against scrapes, prunes and
// re-creation (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	var mu sync.Mutex
	uid := uint64(1)
	r := New(Options{StreamLive: func(_ string, u uint64) bool { mu.Lock(); defer mu.Unlock(); return u == uid }})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				u := uid
				mu.Unlock()
				st := r.Stream("s", u)
				st.Shard(uint32(i%8)).Put(1, 10)
				sub := st.Subscription("c", uint32(g))
				sub.Open()
				sub.Event(1, 1, int64(i))
				sub.Close()
				st.ObservePutRecords(time.Microsecond)
			}
		}()
	}
	for i := range 20 {
		scrape(t, r)
		r.StreamTotals()
		if i%5 == 4 {
			mu.Lock()
			uid++
			mu.Unlock()
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkPutRecordsHotPath is the metrics work of one PutRecords call
// over 4 shards: the stream lookup, one Put per shard group and the
// latency observation (the per-record byte sum is the caller's).
func BenchmarkPutRecordsHotPath(b *testing.B) {
	r := New(Options{})
	r.Stream("bench", 1)
	b.ReportAllocs()
	for b.Loop() {
		st := r.Stream("bench", 1)
		for sh := range uint32(4) {
			st.Shard(sh).Put(125, 128000)
		}
		st.ObservePutRecords(time.Millisecond)
	}
}

// TestLint runs Prometheus's own linter (what `promtool check metrics`
// does) over every family with a series in it: base units, _total on
// counters, help text.
func TestLint(t *testing.T) {
	r := New(Options{})
	st := r.Stream("orders", 1)
	st.Shard(0).Put(1, 1)
	st.Shard(0).Get(1, 1, 5)
	sub := st.Subscription("app", 0)
	sub.Open()
	sub.Event(1, 1, 5)
	st.ObservePutRecord(time.Millisecond)
	st.ObservePutRecords(time.Millisecond)
	r.ObserveSQL(ProtocolHTTP, time.Millisecond, false)
	r.ObserveFsync(time.Millisecond)
	if err := r.Register(NewDeliveryCollector(func() []DeliveryStatus { return []DeliveryStatus{{Name: "d"}} })); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(NewUsageCollector(func() []ShardUsage { return []ShardUsage{{Stream: "orders"}} })); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
