package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// awsCall posts one JSON 1.1 API call (Kinesis or Firehose) and decodes
// the answer; a non-200 fails the test.
func awsCall(t *testing.T, s *Server, target string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(string(b)))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", target, resp.StatusCode, raw)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %v: %s", target, err, raw)
		}
	}
	return out
}

func kin(t *testing.T, s *Server, action string, body any) map[string]any {
	t.Helper()
	return awsCall(t, s, "Kinesis_20131202."+action, body)
}

// scrape fetches GET /metrics and parses it with the Prometheus text
// parser.
func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs
}

// sample finds the series of family name whose labels include want
// (label=value pairs); ok is false when there is none.
func sample(mfs map[string]*dto.MetricFamily, name string, want ...string) (*dto.Metric, bool) {
	mf := mfs[name]
	if mf == nil {
		return nil, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if have[want[i]] != want[i+1] {
				continue next
			}
		}
		return m, true
	}
	return nil, false
}

// value is a counter's or gauge's value, or a histogram's sample count.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return -1
}

// TestMetricsScrape drives known traffic through every instrumented path
// and checks exact values in the scraped text, then that a deleted
// stream's series go away.
func TestMetricsScrape(t *testing.T) {
	s := startSQL(t)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	kin(t, s, "CreateStream", map[string]any{"StreamName": "m1", "ShardCount": 2})
	waitActive(t, s, "m1")
	recs := make([]map[string]any, 10)
	for i := range recs {
		recs[i] = map[string]any{"Data": b64("hello"), "PartitionKey": "k", "ExplicitHashKey": "0"} // shard 0
	}
	kin(t, s, "PutRecords", map[string]any{"StreamName": "m1", "Records": recs})
	kin(t, s, "PutRecord", map[string]any{"StreamName": "m1", "Data": b64("abc"), "PartitionKey": "k",
		"ExplicitHashKey": "340282366920938463463374607431768211455"}) // shard 1
	it := kin(t, s, "GetShardIterator", map[string]any{"StreamName": "m1", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})
	got := kin(t, s, "GetRecords", map[string]any{"ShardIterator": it["ShardIterator"]})
	if n := len(got["Records"].([]any)); n != 10 {
		t.Fatalf("GetRecords returned %d records, want 10", n)
	}

	// SQL: two statements over HTTP, one failing; one over Postgres wire.
	if code, m := postSQL(t, s, `{"sql": "SELECT 1; SELECT 2"}`); code != 200 {
		t.Fatalf("POST /v1/sql = %d %v", code, m)
	}
	if code, _ := postSQL(t, s, `{"sql": "SELEC 1"}`); code != 400 {
		t.Fatalf("bad SQL answered %d", code)
	}
	c := pgxConn(t, s)
	var one int
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("pgx SELECT 1: %v %d", err, one)
	}

	// Delivery: three records through a Direct PUT stream to the lake.
	awsCall(t, s, "Firehose_20150804.CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "d1",
		"ExtendedS3DestinationConfiguration": map[string]any{
			"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::metrics-lake",
			"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 0},
		},
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := awsCall(t, s, "Firehose_20150804.DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "d1"})
		if fmt.Sprint(out["DeliveryStreamDescription"].(map[string]any)["DeliveryStreamStatus"]) == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery stream not ACTIVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
	awsCall(t, s, "Firehose_20150804.PutRecordBatch", map[string]any{"DeliveryStreamName": "d1",
		"Records": []any{map[string]any{"Data": b64("a\n")}, map[string]any{"Data": b64("bb\n")}, map[string]any{"Data": b64("ccc\n")}}})

	var mfs map[string]*dto.MetricFamily
	for {
		mfs = scrape(t, s)
		if m, ok := sample(mfs, "rheo_firehose_delivery_to_s3_records_total", "delivery_stream", "d1"); ok && value(m) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery metrics never showed 3 records")
		}
		time.Sleep(50 * time.Millisecond)
	}

	sh0 := []string{"stream", "m1", "shard", "shardId-000000000000"}
	sh1 := []string{"stream", "m1", "shard", "shardId-000000000001"}
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rheo_kinesis_incoming_records_total", sh0, 10},
		{"rheo_kinesis_incoming_bytes_total", sh0, 50},
		{"rheo_kinesis_incoming_records_total", sh1, 1},
		{"rheo_kinesis_incoming_bytes_total", sh1, 3},
		{"rheo_kinesis_put_records_failed_records_total", sh0, 0},
		{"rheo_kinesis_put_records_latency_seconds", []string{"stream", "m1"}, 1},
		{"rheo_kinesis_put_record_latency_seconds", []string{"stream", "m1"}, 1},
		{"rheo_kinesis_get_records_records_total", sh0, 10},
		{"rheo_kinesis_get_records_bytes_total", sh0, 50},
		{"rheo_kinesis_get_records_iterator_age_seconds", sh0, 0},
		{"rheo_kinesis_read_provisioned_throughput_exceeded_total", sh0, 0},
		{"rheo_kinesis_write_provisioned_throughput_exceeded_total", sh0, 0},
		{"rheo_sql_queries_total", []string{"protocol", "http"}, 3},
		{"rheo_sql_errors_total", []string{"protocol", "http"}, 1},
		{"rheo_sql_query_duration_seconds", []string{"protocol", "http"}, 3},
		{"rheo_sql_queries_total", []string{"protocol", "pgwire"}, 1},
		{"rheo_sql_errors_total", []string{"protocol", "pgwire"}, 0},
		{"rheo_sql_queries_total", []string{"protocol", "job"}, 0}, // no job here; the series is there
		{"rheo_firehose_incoming_records_total", []string{"delivery_stream", "d1"}, 3},
		{"rheo_firehose_incoming_bytes_total", []string{"delivery_stream", "d1"}, 9},
		{"rheo_firehose_delivery_to_s3_bytes_total", []string{"delivery_stream", "d1"}, 9},
		{"rheo_firehose_delivery_to_s3_objects_total", []string{"delivery_stream", "d1"}, 1},
		{"rheo_firehose_delivery_to_s3_success", []string{"delivery_stream", "d1"}, 1},
		{"rheo_firehose_delivery_to_s3_data_freshness_seconds", []string{"delivery_stream", "d1"}, 0},
		{"rheo_firehose_backlog_records", []string{"delivery_stream", "d1"}, 0},
		{"rheo_firehose_failed_records_total", []string{"delivery_stream", "d1"}, 0},
		{"rheo_firehose_lost_records_total", []string{"delivery_stream", "d1"}, 0},
	} {
		m, ok := sample(mfs, tc.name, tc.labels...)
		if !ok {
			t.Errorf("%s%v: no series", tc.name, tc.labels)
			continue
		}
		if v := value(m); v != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, v, tc.want)
		}
	}
	// Storage: both shards on disk, the first holding its records.
	if m, ok := sample(mfs, "rheo_storage_segments", sh0...); !ok || value(m) < 1 {
		t.Errorf("rheo_storage_segments of shard 0: %v %v", ok, m)
	}
	if m, ok := sample(mfs, "rheo_storage_bytes", sh0...); !ok || value(m) < 50 {
		t.Errorf("rheo_storage_bytes of shard 0: %v %v", ok, m)
	}
	if m, ok := sample(mfs, "rheo_storage_fsync_seconds"); s.cfg.Sync == "always" && (!ok || value(m) < 1) {
		t.Errorf("rheo_storage_fsync_seconds: %v %v", ok, m)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if _, ok := mfs[name]; !ok {
			t.Errorf("%s missing: Go and process collectors not registered", name)
		}
	}
	tot := s.Metrics().StreamTotals()["m1"]
	if tot.IncomingRecords != 11 || tot.IncomingBytes != 53 {
		t.Errorf("StreamTotals[m1] = %+v, want 11 records, 53 bytes", tot)
	}

	// Deleting the stream removes every series that names it.
	kin(t, s, "DeleteStream", map[string]any{"StreamName": "m1"})
	for {
		if _, ok := s.meta.Stream("m1"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stream m1 never deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mfs = scrape(t, s)
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "rheo_kinesis_") && !strings.HasPrefix(name, "rheo_storage_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "stream" && l.GetValue() == "m1" {
					t.Errorf("%s still has a series of deleted stream m1", name)
				}
			}
		}
	}
	if _, ok := s.Metrics().StreamTotals()["m1"]; ok {
		t.Error("StreamTotals still lists deleted stream m1")
	}
}

// waitActive waits for a stream to leave CREATING.
func waitActive(t *testing.T, s *Server, name string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := kin(t, s, "DescribeStreamSummary", map[string]any{"StreamName": name})
		if out["StreamDescriptionSummary"].(map[string]any)["StreamStatus"] == "ACTIVE" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s not ACTIVE", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsSQLExtendedErrors checks that a statement failing at parse
// or plan through the extended protocol (pgx, JDBC: Parse, Describe, then
// never Execute) counts once as a query and once as an error, as it does
// through psql's simple protocol.
func TestMetricsSQLExtendedErrors(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELEC 1", "SELECT * FROM no_such_table"} {
		if err := c.QueryRow(ctx, q).Scan(&one); err == nil {
			t.Fatalf("%q succeeded", q)
		}
	}
	mfs := scrape(t, s)
	for name, want := range map[string]float64{
		"rheo_sql_queries_total":          3,
		"rheo_sql_errors_total":           2,
		"rheo_sql_query_duration_seconds": 3,
	} {
		m, ok := sample(mfs, name, "protocol", "pgwire")
		if !ok {
			t.Fatalf("%s{protocol=pgwire}: no series", name)
		}
		if v := value(m); v != want {
			t.Errorf("%s{protocol=pgwire} = %v, want %v", name, v, want)
		}
	}
}

// TestMetricsSQLWireAnswered: statements pgwire answers without the
// engine (SET and SHOW of a Postgres-only setting, COMMIT outside a
// transaction, a statement refused in a failed transaction) count like
// the others, once each, in both protocols.
func TestMetricsSQLWireAnswered(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeDescribeExec} {
		for _, q := range []string{"SET application_name = 'metrics'", "SHOW application_name", "COMMIT"} {
			rows, err := c.Query(ctx, q, mode)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// In a failed transaction a statement is refused (25P02) by pgwire.
		if _, err := c.Exec(ctx, "BEGIN", mode); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "SELECT * FROM no_such_table", mode); err == nil {
			t.Fatal("query of a missing table succeeded")
		}
		if _, err := c.Exec(ctx, "SELECT 1", mode); err == nil || !strings.Contains(err.Error(), "25P02") {
			t.Fatalf("statement in a failed transaction: %v", err)
		}
		if _, err := c.Exec(ctx, "ROLLBACK", mode); err != nil {
			t.Fatal(err)
		}
	}
	mfs := scrape(t, s)
	for name, want := range map[string]float64{
		"rheo_sql_queries_total":          14,
		"rheo_sql_errors_total":           4,
		"rheo_sql_query_duration_seconds": 14,
	} {
		m, ok := sample(mfs, name, "protocol", "pgwire")
		if !ok {
			t.Fatalf("%s{protocol=pgwire}: no series", name)
		}
		if v := value(m); v != want {
			t.Errorf("%s{protocol=pgwire} = %v, want %v", name, v, want)
		}
	}
}

// TestMetricsDeliveryKinesisSource: a delivery stream reading a Kinesis
// stream reads it with GetRecords on AWS, so its reads show in the
// stream's GetRecords metrics like any other consumer's.
func TestMetricsDeliveryKinesisSource(t *testing.T) {
	s := startTest(t, testConfig(t))
	kin(t, s, "CreateStream", map[string]any{"StreamName": "src", "ShardCount": 1})
	waitActive(t, s, "src")
	const n = 7
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{"Data": base64.StdEncoding.EncodeToString([]byte("hello\n")), "PartitionKey": "k"}
	}
	awsCall(t, s, "Firehose_20150804.CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "fromsrc",
		"DeliveryStreamType": "KinesisStreamAsSource",
		"KinesisStreamSourceConfiguration": map[string]any{
			"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/src",
			"RoleARN":          "arn:aws:iam::123456789012:role/firehose",
		},
		"ExtendedS3DestinationConfiguration": map[string]any{
			"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::metrics-lake",
			"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 0},
		},
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := awsCall(t, s, "Firehose_20150804.DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "fromsrc"})
		if fmt.Sprint(out["DeliveryStreamDescription"].(map[string]any)["DeliveryStreamStatus"]) == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery stream not ACTIVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Firehose starts at LATEST: put once the delivery stream is ACTIVE.
	kin(t, s, "PutRecords", map[string]any{"StreamName": "src", "Records": recs})
	var mfs map[string]*dto.MetricFamily
	for {
		mfs = scrape(t, s)
		if m, ok := sample(mfs, "rheo_firehose_delivery_to_s3_records_total", "delivery_stream", "fromsrc"); ok && value(m) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery never delivered %d records", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	sh0 := []string{"stream", "src", "shard", "shardId-000000000000"}
	for _, c := range []struct {
		name string
		want float64
	}{
		{"rheo_kinesis_get_records_records_total", n},
		{"rheo_kinesis_get_records_bytes_total", n * 6},
		{"rheo_kinesis_get_records_iterator_age_seconds", 0},
	} {
		m, ok := sample(mfs, c.name, sh0...)
		if !ok {
			t.Errorf("%s: no series for src", c.name)
			continue
		}
		if got := value(m); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
}
