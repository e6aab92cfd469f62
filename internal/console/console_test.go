package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":     {Data: []byte("<!doctype html><title>rheo</title>")},
		"assets/app.js":  {Data: []byte("console.log(1)")},
		"assets/app.css": {Data: []byte("body{}")},
		"assets/x.svg":   {Data: []byte("<svg/>")},
		"secret.txt":     {Data: []byte("not under assets")},
	}
}

func newTest(t *testing.T, opts Options) *Console {
	t.Helper()
	c, err := newWithFS(opts, testFS())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServeAssets(t *testing.T) {
	c := newTest(t, Options{})
	tests := []struct {
		method, path string
		status       int
		ctype        string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "<!doctype html>"},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "<!doctype html>"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/assets/app.js", 200, "text/javascript; charset=utf-8", "console.log"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "body{}"},
		{"GET", "/assets/x.svg", 200, "image/svg+xml", "<svg"},
		// No directory listings, nothing outside assets/, no traversal.
		{"GET", "/assets/", 404, "", ""},
		{"GET", "/assets", 404, "", ""},
		{"GET", "/secret.txt", 404, "", ""},
		{"GET", "/assets/../secret.txt", 404, "", ""},
		{"GET", "/assets/nope.js", 404, "", ""},
		{"GET", "/console/api/nope", 404, "application/json", "unknown console endpoint"},
		{"POST", "/", 405, "", ""},
		{"PUT", "/assets/app.js", 405, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/", nil)
			req.URL.Path = tc.path // keep ".." as a client could send it
			rec := httptest.NewRecorder()
			c.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tc.status, rec.Body.String())
			}
			if tc.ctype != "" && rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tc.ctype)
			}
			if tc.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD has a body of %d bytes", rec.Body.Len())
			}
			if !strings.HasPrefix(rec.Body.String(), tc.body) && !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tc.body)
			}
		})
	}
}

func TestETagRevalidation(t *testing.T) {
	c := newTest(t, Options{})
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/app.js", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", rec.Header())
	}
	req := httptest.NewRequest("GET", "/assets/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("revalidation: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestHandles(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/index.html": true, "/assets/app.js": true, "/console/api/series": true,
		"/v1/sql": false, "/health": false, "/metrics": false, "/foo": false, "": false,
	} {
		if got := Handles(path); got != want {
			t.Errorf("Handles(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestEmbeddedBundle(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/", "/assets/app.js", "/assets/app.css"} {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("%s: %d, %d bytes", p, rec.Code, rec.Body.Len())
		}
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	for _, ref := range []string{"/assets/app.js", "/assets/app.css"} {
		if !strings.Contains(body, ref) {
			t.Errorf("index.html does not load %s", ref)
		}
	}
	// Nothing from a CDN: the page loads only rheo's own files.
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("index.html refers to another origin: %s", body)
	}
}

func TestAPIEndpoints(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := newTest(t, Options{
		Totals: func() map[string]Totals {
			now = now.Add(5 * time.Second)
			return map[string]Totals{"s": {Records: uint64(now.Unix()-1_700_000_000) * 10, Bytes: 1}}
		},
		Deliveries: func() []DeliveryStatus { return []DeliveryStatus{{Name: "d", Objects: 3, LastError: "boom"}} },
		Lags: func(context.Context) ([]Lag, error) {
			return []Lag{{LogicalName: "n", Stream: "s", Iteration: 2, Records: 7}}, nil
		},
		Boundaries: func(context.Context) ([]Boundary, error) {
			return []Boundary{{LogicalName: "n", Iteration: 2, Stream: "s", ShardID: "shardId-000000000000"}}, nil
		},
		AuthRequired: true,
		Now:          func() time.Time { return now },
	})
	c.sampler.Sample()
	c.sampler.Sample()
	get := func(path string, v any) {
		t.Helper()
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var inf info
	get("/console/api/info", &inf)
	if !inf.AuthRequired || !inf.Series || inf.IntervalSeconds != 5 || inf.WindowSeconds != 900 {
		t.Errorf("info %+v", inf)
	}
	var ser Series
	get("/console/api/series", &ser)
	if len(ser.T) != 1 || *ser.Streams["s"].Records[0] != 10 {
		t.Errorf("series %+v", ser)
	}
	var del struct{ DeliveryStreams []DeliveryStatus }
	get("/console/api/deliveries", &del)
	if len(del.DeliveryStreams) != 1 || del.DeliveryStreams[0].Objects != 3 {
		t.Errorf("deliveries %+v", del)
	}
	var lag struct{ Lags []Lag }
	get("/console/api/lag", &lag)
	if len(lag.Lags) != 1 || lag.Lags[0].Records != 7 {
		t.Errorf("lag %+v", lag)
	}
	var its struct{ Iterations []Boundary }
	get("/console/api/iterations", &its)
	if len(its.Iterations) != 1 || its.Iterations[0].ShardID != "shardId-000000000000" {
		t.Errorf("iterations %+v", its)
	}
}

func TestAPIWithoutSources(t *testing.T) {
	c := newTest(t, Options{Lags: func(context.Context) ([]Lag, error) { return nil, errors.New("meta closed") }})
	for path, want := range map[string]int{
		"/console/api/series":     404,
		"/console/api/deliveries": 200,
		"/console/api/lag":        500,
		"/console/api/info":       200,
		"/console/api/iterations": 200,
	} {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", path, rec.Code, want)
		}
	}
}

func TestMissingIndex(t *testing.T) {
	if _, err := newWithFS(Options{}, fstest.MapFS{"assets/app.js": {Data: []byte("x")}}); err == nil {
		t.Fatal("no error without index.html")
	}
}

// TestAuthorize: with an Authorize hook every endpoint but info is vetted;
// its *AuthError becomes the answer's status, code and message, any other
// error a 403 AccessDeniedException; whoami reports the identity.
func TestAuthorize(t *testing.T) {
	var asked []string
	c := newTest(t, Options{
		AuthRequired: true,
		Authorize: func(r *http.Request, endpoint string) (string, error) {
			asked = append(asked, endpoint)
			switch r.Header.Get("X-Test") {
			case "ok":
				return "arn:aws:iam::000000000000:user/u", nil
			case "bad":
				return "", &AuthError{Status: http.StatusForbidden, Code: "InvalidSignatureException", Message: "nope"}
			}
			return "", errors.New("plain")
		},
	})
	call := func(path, who string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Test", who)
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return rec.Code, out
	}
	if code, out := call("/console/api/info", "bad"); code != 200 || out["authRequired"] != true {
		t.Errorf("info: %d %v", code, out)
	}
	if code, out := call("/console/api/deliveries", "bad"); code != 403 || out["code"] != "InvalidSignatureException" || out["error"] != "nope" {
		t.Errorf("bad: %d %v", code, out)
	}
	if code, out := call("/console/api/lag", "other"); code != 403 || out["code"] != "AccessDeniedException" || out["error"] != "plain" {
		t.Errorf("plain error: %d %v", code, out)
	}
	if code, out := call("/console/api/whoami", "ok"); code != 200 || out["identity"] != "arn:aws:iam::000000000000:user/u" {
		t.Errorf("whoami: %d %v", code, out)
	}
	if code, _ := call("/console/api/deliveries", "ok"); code != 200 {
		t.Errorf("allowed: %d", code)
	}
	if want := []string{"deliveries", "lag", "whoami", "deliveries"}; fmt.Sprint(asked) != fmt.Sprint(want) {
		t.Errorf("Authorize asked for %v, want %v", asked, want)
	}
}
