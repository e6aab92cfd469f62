package server

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrossSiteRequestsRefused: a browser request from another site (what
// a form post or a no-cors fetch from a hostile page looks like) cannot
// run SQL, here a COPY that would write a file, nor call the Kinesis API;
// same-origin browser requests (the console) and clients that send no
// browser headers (SDKs, curl) go through.
func TestCrossSiteRequestsRefused(t *testing.T) {
	s := startTest(t, testConfig(t))
	target := filepath.Join(t.TempDir(), "pwned.csv")
	sqlBody := `{"sql":"COPY (SELECT 1 AS x) TO '` + target + `' (FORMAT csv)","x":"="}`
	post := func(path, body string, hdr map[string]string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, hdr := range []map[string]string{
		{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Content-Type": "text/plain", "Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"},
		{"Content-Type": "text/plain", "Origin": "https://evil.example"}, // an older browser: Origin only
	} {
		if code, body := post("/v1/sql", sqlBody, hdr); code != http.StatusForbidden {
			t.Errorf("cross-site SQL with %v: %d %s", hdr, code, body)
		}
		if _, err := os.Stat(target); err == nil {
			t.Fatalf("a cross-site request wrote %s", target)
		}
		kin := map[string]string{"X-Amz-Target": "Kinesis_20131202.CreateStream", "Content-Type": "application/x-amz-json-1.1"}
		for k, v := range hdr {
			if k != "Content-Type" {
				kin[k] = v
			}
		}
		if code, body := post("/", `{"StreamName":"csrf","ShardCount":1}`, kin); code != http.StatusForbidden {
			t.Errorf("cross-site CreateStream with %v: %d %s", hdr, code, body)
		}
	}
	// Same-origin (the console) and non-browser clients are served.
	for _, hdr := range []map[string]string{
		{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin", "Origin": s.URL()},
		{"Content-Type": "application/x-www-form-urlencoded"}, // curl -d
	} {
		if code, body := post("/v1/sql", `{"sql":"SELECT 42 AS answer"}`, hdr); code != http.StatusOK || !strings.Contains(body, "42") {
			t.Errorf("SQL with %v: %d %s", hdr, code, body)
		}
	}
}
