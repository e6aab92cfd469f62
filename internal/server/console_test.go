package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// kinesisCall posts one Kinesis JSON 1.1 call and decodes the answer.
func kinesisCall(t *testing.T, s *Server, action, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+action)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", action, resp.StatusCode, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestConsoleRouting: GETs of the console's paths reach it, POSTs and the
// other paths keep their handlers.
func TestConsoleRouting(t *testing.T) {
	cfg := testConfig(t)
	cfg.SQLThreads = 1
	s := startTest(t, cfg)
	tests := []struct {
		path, ctype, body string
		status            int
	}{
		{"/", "text/html; charset=utf-8", "/assets/app.js", 200},
		{"/assets/app.js", "text/javascript; charset=utf-8", "", 200},
		{"/assets/app.css", "text/css; charset=utf-8", "", 200},
		{"/assets/", "", "", 404},
		{"/console/api/info", "application/json", `"authRequired":false`, 200},
		{"/console/api/deliveries", "application/json", `"deliveryStreams":[]`, 200},
		{"/health", "text/plain; charset=utf-8", "ok", 200},
		{"/v1/sql", "application/json", "use POST", 405},
	}
	for _, tc := range tests {
		resp, body := get(t, s.URL()+tc.path)
		if resp.StatusCode != tc.status || (tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype) || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s = %d %q %.80q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	// POST / is still the Kinesis API.
	out := kinesisCall(t, s, "ListStreams", "{}")
	if _, ok := out["StreamNames"]; !ok {
		t.Errorf("ListStreams = %v", out)
	}
}

// TestConsoleCountersAndLag checks the server's adapters: per-stream
// counters for the rate graphs and a logical name's lag.
func TestConsoleCountersAndLag(t *testing.T) {
	cfg := testConfig(t)
	cfg.SQLThreads = 1
	s := startTest(t, cfg)
	kinesisCall(t, s, "CreateStream", `{"StreamName":"lagged","ShardCount":2}`)
	put := func(n int) {
		var recs []string
		for i := 0; i < n; i++ {
			recs = append(recs, fmt.Sprintf(`{"Data":"%s","PartitionKey":"k%d"}`, base64.StdEncoding.EncodeToString([]byte("x")), i))
		}
		kinesisCall(t, s, "PutRecords", `{"StreamName":"lagged","Records":[`+strings.Join(recs, ",")+`]}`)
	}
	put(5)
	if got := s.consoleTotals()["lagged"]; got.Records != 5 || got.Bytes == 0 {
		t.Fatalf("totals = %+v, want 5 records", got)
	}
	code, res := postSQL(t, s, `{"sql": "CREATE STREAM TABLE lt FROM STREAM 'lagged' FORMAT raw; SET kinesis.checkpoint.enabled = true; SET kinesis.checkpoint.logical.name = console; SET kinesis.checkpoint.iteration.no = 0; SELECT count(*) FROM lt; SET kinesis.checkpoint.iteration.no = 1; SELECT count(*) FROM lt"}`)
	if code != 200 {
		t.Fatalf("SQL: %d %v", code, res)
	}
	put(3)
	deadline := time.Now().Add(10 * time.Second)
	for {
		lags, err := s.consoleLags(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// Iteration 1 took nothing (empty on both shards): the lag still
		// counts from the end of iteration 0.
		if len(lags) == 1 && lags[0].LogicalName == "console" && lags[0].Stream == "lagged" && lags[0].Iteration == 1 && lags[0].Records == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lags = %+v, want console/lagged 3 behind after iteration 1", lags)
		}
		time.Sleep(50 * time.Millisecond)
	}
	bounds, err := s.consoleBoundaries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var empty, full int
	for _, b := range bounds {
		switch {
		case b.Iteration == 1 && b.StartSequenceNumber == "" && b.EndSequenceNumber == "":
			empty++
		case b.Iteration == 0 && b.StartSequenceNumber != "" && b.EndSequenceNumber != "":
			full++
		}
	}
	if len(bounds) != 4 || empty != 2 || full == 0 {
		t.Errorf("boundaries = %+v, want iteration 0 and an empty iteration 1 on both shards", bounds)
	}
}

// TestConsoleAuthFlag: with SigV4 on, the page is told so, and the console
// still answers GETs (unsigned, read-only).
func TestConsoleAuthFlag(t *testing.T) {
	cfg := testConfig(t)
	cfg.SQLThreads = 1
	cfg.AccessKeyID, cfg.SecretAccessKey = "AKIDCONSOLETEST", "secret"
	s := startTest(t, cfg)
	resp, body := get(t, s.URL()+"/console/api/info")
	if resp.StatusCode != 200 || !strings.Contains(body, `"authRequired":true`) {
		t.Fatalf("info = %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, s.URL()+"/"); resp.StatusCode != 200 {
		t.Fatalf("GET / with auth on = %d", resp.StatusCode)
	}
}
