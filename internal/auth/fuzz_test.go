package auth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// FuzzVerify signs requests of arbitrary path, query, header value and
// body with the SDK's signer, sends them through HTTP/1.1's wire form as
// the server reads them, and checks that Verify's own canonical request
// accepts them, and refuses them once the body changes. A random
// Authorization header must give an error, never a panic.
func FuzzVerify(f *testing.F) {
	f.Add("/", "", "v", []byte(`{"StreamName":"s"}`), "")
	f.Add("/a b/%2F/ü", "b=2&a=1&a=0&c=%20x", "  two   spaces  ", []byte{}, "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20250314/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00")
	f.Add("//x/./y/../", "k=v+w&=&x", "a,b", []byte("x"), "AWS4-HMAC-SHA256 Credential=/, SignedHeaders=;;, Signature=")
	f.Fuzz(func(t *testing.T, path, query, value string, body []byte, authz string) {
		s := testStore(t)
		// Any Authorization header: an error or a principal, no panic.
		raw, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		raw.Header.Set("Authorization", authz)
		raw.Header.Set("X-Amz-Date", t0.Format(amzDateForm))
		_, _ = s.Verify(raw, body)

		if !validHeaderValue(value) {
			return
		}
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:4567", Path: "/" + path, RawQuery: query}
		r, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(body))
		if err != nil || r.URL.RawQuery != query {
			return // not a URL a client sends as is
		}
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Custom", value)
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDADMIN", SecretAccessKey: "admin-secret"},
			r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", t0); err != nil {
			return
		}
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			return
		}
		in, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return // the server would answer 400 before any signature check
		}
		if _, err := s.Verify(in, body); err != nil {
			t.Fatalf("signed by the SDK, refused: %v\nrequest line path %q query %q, X-Custom %q", err, in.URL.EscapedPath(), in.URL.RawQuery, value)
		}
		changed := append(append([]byte(nil), body...), '!')
		if _, err := s.Verify(in, changed); err == nil {
			t.Fatal("accepted with a changed body")
		}
	})
}

// validHeaderValue reports whether net/http would send v as a header value
// (RFC 7230 field-value: no control characters but tab).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
