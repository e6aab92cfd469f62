package awsfix

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The copy must carry the body byte-exact and leave the caller free to
// close its own body at any time.
func TestBodyCopied(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := HTTPClient(0)
	body := strings.Repeat("x", 100000)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, closedEarly{strings.NewReader(body)})
	req.ContentLength = int64(len(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != body {
		t.Fatalf("server got %d bytes, want %d", len(got), len(body))
	}
}

type closedEarly struct{ *strings.Reader }

func (closedEarly) Close() error { return nil }
