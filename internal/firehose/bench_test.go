package firehose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPutRecordBatch measures one 500-record, ~4 MiB PutRecordBatch
// through the adapter (decode, validate, reply) over the fake engine.
func BenchmarkPutRecordBatch(b *testing.B) {
	e := newEnv(&testing.T{})
	e.create("bench", nil)
	recs := make([]any, 500)
	data := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(`{"k":"value"}`, 640)))
	for i := range recs {
		recs[i] = map[string]any{"Data": data}
	}
	body, _ := json.Marshal(map[string]any{"DeliveryStreamName": "bench", "Records": recs})
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.fake.put = map[string][][]byte{}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+"PutRecordBatch")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}

// BenchmarkPutRecordManager measures single-record PutRecord calls through
// the adapter and the real delivery Manager (durable append included): the
// per-call overhead of the put path.
func BenchmarkPutRecordManager(b *testing.B) {
	e, _ := newManagerEnv(b)
	e.create("bench", nil)
	body := []byte(`{"DeliveryStreamName":"bench","Record":{"Data":"eyJrIjoidmFsdWUifQo="}}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+"PutRecord")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Body.String())
		}
	}
}
