package server

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// send makes one request to s with the given Host ("" for the URL's) and
// headers, passed through prep (to sign it, say), and returns the status,
// headers and body.
func send(t *testing.T, s *Server, method, path, host string, hdr map[string]string, body string, prep ...func(*http.Request)) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, p := range prep {
		p(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

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
		code, _, b := send(t, s, http.MethodPost, path, "", hdr, body)
		return code, b
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

// TestDNSRebindingRefused: on a loopback listener, a GET or a browser
// request (Sec-Fetch-Site or Origin) that names rheo by a host name other
// than localhost is refused, as a page that rebound its own name to
// 127.0.0.1 would send it; IP addresses and localhost names are served,
// and so are API POSTs of non-browser clients under any name (an SDK
// behind an /etc/hosts entry).
func TestDNSRebindingRefused(t *testing.T) {
	s := startTest(t, testConfig(t))
	do := func(method, path, host string, hdr map[string]string, body string) (int, string) {
		t.Helper()
		code, _, b := send(t, s, method, path, host, hdr, body)
		return code, b
	}
	_, port, _ := strings.Cut(s.Addr().String(), ":")
	sameOrigin := func(host string) map[string]string {
		return map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + host, "Content-Type": "application/json"}
	}
	rebound := "attacker.example:" + port
	if code, body := do(http.MethodPost, "/v1/sql", rebound, sameOrigin(rebound), `{"sql":"SELECT 1"}`); code != http.StatusForbidden || !strings.Contains(body, "DNS rebinding") {
		t.Errorf("rebound POST: %d %s", code, body)
	}
	for _, path := range []string{"/", "/console/api/series", "/metrics"} {
		// Browsers send no Sec-Fetch headers to plain-HTTP origins.
		if code, _ := do(http.MethodGet, path, rebound, nil, ""); code != http.StatusForbidden {
			t.Errorf("rebound GET %s: %d", path, code)
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "rheo.localhost:" + port, "[::1]:" + port} {
		if code, body := do(http.MethodPost, "/v1/sql", host, sameOrigin(host), `{"sql":"SELECT 1"}`); code != http.StatusOK {
			t.Errorf("browser as %s: %d %s", host, code, body)
		}
	}
	if code, body := do(http.MethodPost, "/v1/sql", "kinesis.us-east-1.amazonaws.com", map[string]string{"Content-Type": "application/json"}, `{"sql":"SELECT 1"}`); code != http.StatusOK {
		t.Errorf("non-browser client under another name: %d %s", code, body)
	}
}

// TestCORS: with --cors-origins, a listed origin's preflight of the APIs is
// answered and its calls carry the CORS headers; other origins get neither
// and their calls are refused; "*" opens the APIs to any origin but never
// /v1/sql; without the option nothing changes.
func TestCORS(t *testing.T) {
	const app = "http://app.localhost:3000"
	preflight := func(s *Server, path, origin string) http.Header {
		t.Helper()
		code, h, _ := send(t, s, http.MethodOptions, path, "", map[string]string{"Origin": origin,
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization"}, "")
		if code != http.StatusOK {
			h.Set("X-Test-Status", fmt.Sprint(code))
		}
		return h
	}
	call := func(s *Server, path, origin, target, body string) (int, http.Header) {
		t.Helper()
		hdr := map[string]string{"Origin": origin, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}
		if target != "" {
			hdr["X-Amz-Target"], hdr["Content-Type"] = target, "application/x-amz-json-1.1"
		}
		code, h, _ := send(t, s, http.MethodPost, path, "", hdr, body)
		return code, h
	}

	cfg := testConfig(t)
	cfg.CORSOrigins = []string{app}
	s := startTest(t, cfg)
	h := preflight(s, "/", app)
	if h.Get("X-Test-Status") != "" || h.Get("Access-Control-Allow-Origin") != app || h.Get("Access-Control-Allow-Methods") != "POST, OPTIONS" ||
		h.Get("Access-Control-Allow-Headers") != "content-type,x-amz-target,x-amz-date,authorization" {
		t.Errorf("preflight of a listed origin: %v", h)
	}
	if code, h := call(s, "/", app, "Kinesis_20131202.ListStreams", "{}"); code != http.StatusOK || h.Get("Access-Control-Allow-Origin") != app ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
		t.Errorf("call of a listed origin: %d %v", code, h)
	}
	if h := preflight(s, "/", "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of another origin: %v", h)
	}
	if code, h := call(s, "/", "https://evil.example", "Kinesis_20131202.ListStreams", "{}"); code != http.StatusForbidden || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("call of another origin: %d %v", code, h)
	}
	if h := preflight(s, "/v1/sql", app); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight of /v1/sql: %v", h)
	}

	cfg = testConfig(t)
	cfg.CORSOrigins = []string{"*"}
	anyOrigin := startTest(t, cfg)
	if code, h := call(anyOrigin, "/", "https://evil.example", "Kinesis_20131202.ListStreams", "{}"); code != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "https://evil.example" {
		t.Errorf(`call with "*": %d %v`, code, h)
	}
	if code, _ := call(anyOrigin, "/v1/sql", "https://evil.example", "", `{"sql":"SELECT 1"}`); code != http.StatusForbidden {
		t.Errorf(`/v1/sql from another origin with "*": %d`, code)
	}

	plain := startTest(t, testConfig(t))
	if h := preflight(plain, "/", app); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without --cors-origins: %v", h)
	}
	for _, bad := range []string{"localhost:3000", "http://app.test/path", "ftp://x"} {
		cfg := testConfig(t)
		cfg.CORSOrigins = []string{bad}
		if err := cfg.Validate(); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
}
