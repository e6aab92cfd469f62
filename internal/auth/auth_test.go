package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func testStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(File{Account: "123456789012", Users: []User{
		FullAccess("admin", "AKIDADMIN", "admin-secret"),
		{Name: "producer", AccessKeyID: "AKIDPROD", SecretAccessKey: "prod-secret", Allow: []Rule{
			{Actions: []string{"kinesis:PutRecord", "kinesis:PutRecords"}, Resources: []string{"orders-*"}},
			{Actions: []string{"kinesis:Describe*"}},
		}},
	}}, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signed builds a Kinesis request signed by the SDK signer at time at.
func signed(t *testing.T, akid, secret string, at time.Time, body []byte, mutate func(*http.Request)) *http.Request {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.ContentLength = int64(len(body))
	if mutate != nil {
		mutate(r)
	}
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: r.Header.Get("X-Test-Token")},
		r, hex.EncodeToString(sum[:]), "kinesis", "eu-west-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantAuthErr(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, typ)
	}
	if ae.Type != typ || ae.Status != 400 || ae.Message != msg {
		t.Fatalf("got %d %s %q\nwant 400 %s %q", ae.Status, ae.Type, ae.Message, typ, msg)
	}
}

func TestVerify(t *testing.T) {
	s := testStore(t)
	body := []byte(`{"StreamName":"orders-1","Data":"AA==","PartitionKey":"k"}`)
	const mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

	t.Run("valid", func(t *testing.T) {
		p, err := s.Verify(signed(t, "AKIDPROD", "prod-secret", t0.Add(-4*time.Minute), body, nil), body)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "producer" || p.Region != "eu-west-1" || p.Service != "kinesis" || p.ARN() != "arn:aws:iam::123456789012:user/producer" {
			t.Fatalf("principal %+v", p)
		}
	})
	t.Run("session token is accepted and ignored", func(t *testing.T) {
		r := signed(t, "AKIDADMIN", "admin-secret", t0, body, func(r *http.Request) { r.Header.Set("X-Test-Token", "FwoGZXIvYXdzE") })
		if r.Header.Get("X-Amz-Security-Token") == "" {
			t.Fatal("signer set no token")
		}
		if _, err := s.Verify(r, body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := s.Verify(signed(t, "AKIDPROD", "not-the-secret", t0, body, nil), body)
		wantAuthErr(t, err, "InvalidSignatureException", mismatch)
	})
	t.Run("tampered body", func(t *testing.T) {
		r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
		_, err := s.Verify(r, []byte(`{"StreamName":"orders-2","Data":"AA==","PartitionKey":"k"}`))
		wantAuthErr(t, err, "InvalidSignatureException", mismatch)
	})
	t.Run("tampered signed header", func(t *testing.T) {
		r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
		r.Header.Set("X-Amz-Target", "Kinesis_20131202.DeleteStream")
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "InvalidSignatureException", mismatch)
	})
	t.Run("unsigned header may change", func(t *testing.T) {
		r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
		r.Header.Set("User-Agent", "something else")
		if _, err := s.Verify(r, body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signed User-Agent", func(t *testing.T) {
		// The AWS SDK for Java 1.x (KCL 1.x, Kinesis Agent) signs every header but
		// Connection and X-Amzn-Trace-Id, User-Agent included; the Go SDK's signer
		// would leave it out. Signature computed by botocore with the same headers.
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
		r.Header.Set("User-Agent", "aws-sdk-java/1.12.500 Linux/6.1  OpenJDK_64-Bit_Server_VM/17.0.9")
		r.Header.Set("X-Amz-Date", "20250314T150926Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDPROD/20250314/eu-west-1/kinesis/aws4_request, "+
			"SignedHeaders=content-length;content-type;host;user-agent;x-amz-date;x-amz-target, "+
			"Signature=601cc943a90f0ce3ba987245c7722312343b6d47990d63606927f51db822812e")
		if _, err := s.Verify(r, body); err != nil {
			t.Fatal(err)
		}
		r.Header.Set("User-Agent", "aws-sdk-java/1.12.501")
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "InvalidSignatureException", mismatch)
	})
	t.Run("path, query and repeated header as the SDK signs them", func(t *testing.T) {
		r := signed(t, "AKIDADMIN", "admin-secret", t0, nil, func(r *http.Request) {
			r.Method = http.MethodGet
			r.URL, _ = url.Parse("http://127.0.0.1:4567/console/api/a%20b/series?z=1&a=x%2By+z&a=%7E&empty=")
			r.Header.Add("X-Amz-Meta", "  two   words ")
			r.Header.Add("X-Amz-Meta", "second")
		})
		r.Host = "127.0.0.1:4567"
		if _, err := s.Verify(r, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Host must be signed", func(t *testing.T) {
		// A valid signature over the other headers only (botocore, Host left out).
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecord")
		r.Header.Set("X-Amz-Date", "20250314T150926Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDPROD/20250314/eu-west-1/kinesis/aws4_request, "+
			"SignedHeaders=content-type;x-amz-date;x-amz-target, Signature=f369bd0ea09a02b1b0b26d8d8b847c43bb7f4510faf939f67805a87ff1774f33")
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := s.Verify(signed(t, "AKIDNOBODY", "x", t0, body, nil), body)
		wantAuthErr(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	})
	t.Run("missing", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "MissingAuthenticationTokenException", "Missing Authentication Token")
	})
	t.Run("incomplete", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDPROD/20250314/eu-west-1/kinesis/aws4_request")
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "+
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDPROD/20250314/eu-west-1/kinesis/aws4_request")
	})
	t.Run("header and query", func(t *testing.T) {
		r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
		r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
		_, err := s.Verify(r, body)
		wantAuthErr(t, err, "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	})
	t.Run("expired", func(t *testing.T) {
		_, err := s.Verify(signed(t, "AKIDPROD", "prod-secret", t0.Add(-5*time.Minute-time.Second), body, nil), body)
		wantAuthErr(t, err, "InvalidSignatureException", "Signature expired: 20250314T150425Z is now earlier than 20250314T150426Z (20250314T150926Z - 5 min.)")
	})
	t.Run("not yet current", func(t *testing.T) {
		_, err := s.Verify(signed(t, "AKIDPROD", "prod-secret", t0.Add(6*time.Minute), body, nil), body)
		wantAuthErr(t, err, "InvalidSignatureException", "Signature not yet current: 20250314T151526Z is still later than 20250314T151426Z (20250314T150926Z + 5 min.)")
	})
	t.Run("expiry is checked before the key and the signature", func(t *testing.T) {
		// As AWS does: a client with a wrong clock learns that first.
		_, err := s.Verify(signed(t, "AKIDNOBODY", "x", t0.Add(-20*time.Minute), body, nil), body)
		wantAuthErr(t, err, "InvalidSignatureException", "Signature expired: 20250314T144926Z is now earlier than 20250314T150426Z (20250314T150926Z - 5 min.)")
		_, err = s.Verify(signed(t, "AKIDPROD", "wrong", t0.Add(20*time.Minute), body, nil), body)
		wantAuthErr(t, err, "InvalidSignatureException", "Signature not yet current: 20250314T152926Z is still later than 20250314T151426Z (20250314T150926Z + 5 min.)")
	})
	for _, c := range []struct{ name, credential, typ, msg string }{
		{"secret given as key id", "wJalrXUtnFEMI/K7MDENG/20250314/eu-west-1/kinesis/aws4_request", "IncompleteSignatureException",
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'wJalrXUtnFEMI/K7MDENG/20250314/eu-west-1/kinesis/aws4_request'"},
		{"scope too short", "AKIDPROD/20250314/kinesis/aws4_request", "IncompleteSignatureException",
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDPROD/20250314/kinesis/aws4_request'"},
		{"bad pieces", "AKIDNOBODY/20250313//kinesis/aws5_request", "InvalidSignatureException",
			"Credential should be scoped to a valid region, not ''. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250313' != '20250314', from '20250314T150926Z'."},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
			_, rest, _ := strings.Cut(r.Header.Get("Authorization"), ", ")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.credential+", "+rest)
			_, err := s.Verify(r, body)
			wantAuthErr(t, err, c.typ, c.msg)
		})
	}
	t.Run("other service", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
		sum := sha256.Sum256(body)
		_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDPROD", SecretAccessKey: "prod-secret"}, r, hex.EncodeToString(sum[:]), "firehose", "us-east-1", t0)
		p, err := s.Verify(r, body)
		if err != nil {
			t.Fatal(err)
		}
		wantAuthErr(t, p.RequireService("kinesis"), "InvalidSignatureException", "Credential should be scoped to correct service: 'kinesis'. ")
	})
	t.Run("service is checked with the scope, before the key and the signature", func(t *testing.T) {
		// As AWS does: a key scoped to another service is told so, known
		// or not, with the right secret or not.
		for _, k := range []aws.Credentials{{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, {AccessKeyID: "AKIDPROD", SecretAccessKey: "wrong"}} {
			r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:4567/", bytes.NewReader(body))
			sum := sha256.Sum256(body)
			_ = v4.NewSigner().SignHTTP(context.Background(), k, r, hex.EncodeToString(sum[:]), "firehose", "us-east-1", t0)
			_, err := s.Authenticate(r, body, "kinesis", "")
			wantAuthErr(t, err, "InvalidSignatureException", "Credential should be scoped to correct service: 'kinesis'. ")
		}
		r := signed(t, "AKIDPROD", "prod-secret", t0, body, nil)
		_, rest, _ := strings.Cut(r.Header.Get("Authorization"), ", ")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20250313//firehose/aws5_request, "+rest)
		_, err := s.Authenticate(r, body, "kinesis", "")
		wantAuthErr(t, err, "InvalidSignatureException", "Credential should be scoped to a valid region, not ''. Credential should be scoped to correct service: 'kinesis'. "+
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "+
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250313' != '20250314', from '20250314T150926Z'.")
	})
}

func TestAllowed(t *testing.T) {
	s := testStore(t)
	p := &Principal{Name: "producer", Account: "123456789012", rules: s.users["AKIDPROD"].rules}
	for _, tc := range []struct {
		action, resource string
		want             bool
	}{
		{"kinesis:PutRecord", "orders-1", true},
		{"kinesis:putrecords", "orders-eu", true}, // actions are case-insensitive, as in IAM
		{"kinesis:PutRecord", "orders", false},
		{"kinesis:PutRecord", "payments", false},
		{"kinesis:GetRecords", "orders-1", false},
		{"kinesis:DescribeStreamSummary", "anything", true},
		{"kinesis:DescribeStream", "", true}, // omitted resources mean "*"
		{"kinesis:ListStreams", "", false},
		{"firehose:PutRecord", "orders-1", false},
	} {
		if got := p.Allowed(tc.action, tc.resource); got != tc.want {
			t.Errorf("Allowed(%s, %q) = %v, want %v", tc.action, tc.resource, got, tc.want)
		}
	}
	if p.AllowedAll("kinesis:PutRecord") || !p.AllowedAll("kinesis:DescribeStream") {
		t.Error("AllowedAll wrong")
	}
	want := "User: arn:aws:iam::123456789012:user/producer is not authorized to perform: kinesis:DeleteStream on resource: arn:aws:kinesis:us-east-1:123456789012:stream/x because no identity-based policy allows the kinesis:DeleteStream action"
	wantAuthErr(t, p.AccessDenied("kinesis:DeleteStream", "arn:aws:kinesis:us-east-1:123456789012:stream/x"), "AccessDeniedException", want)
}

func TestGlobMatch(t *testing.T) {
	f := func(pattern, s string, want bool) {
		t.Helper()
		if got := globMatch(pattern, s); got != want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	}
	f("*", "", true)
	f("*", "kinesis:putrecord", true)
	f("kinesis:get*", "kinesis:getrecords", true)
	f("kinesis:get*", "kinesis:putrecord", false)
	f("kinesis:*records", "kinesis:putrecords", true)
	f("kinesis:*records", "kinesis:putrecord", false)
	f("k?nesis:*", "kinesis:x", true)
	f("a*b*c", "aXbYbZc", true)
	f("a*b*c", "aXbYbZ", false)
	f("abc", "abcd", false)
}

func TestParseAndNew(t *testing.T) {
	good := `{"account":"111122223333","users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s","allow":[{"actions":["kinesis:*"],"resources":["x-*"]}]}]}`
	f, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(f, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"unknown member": `{"users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s","allows":[]}]}`,
		"duplicate key":  `{"users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s"},{"name":"b","accessKeyId":"AK1","secretAccessKey":"t"}]}`,
		"no secret":      `{"users":[{"name":"a","accessKeyId":"AK1"}]}`,
		"bad action":     `{"users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s","allow":[{"actions":["PutRecord"]}]}]}`,
		"bad pattern":    `{"users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s","allow":[{"actions":["*"],"resources":["["]}]}]}`,
		"no users":       `{"users":[]}`,
		"trailing":       good + `{}`,
		"slash in key":   `{"users":[{"name":"a","accessKeyId":"AK/1","secretAccessKey":"s"}]}`,
	} {
		f, err := Parse([]byte(bad))
		if err == nil {
			_, err = New(f, Options{})
		}
		if err == nil {
			t.Errorf("%s: accepted %s", name, bad)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := FromEnv(env(nil), "", Options{})
	if s != nil || err != nil {
		t.Fatalf("nothing configured: %v %v", s, err)
	}
	if _, err := FromEnv(env(map[string]string{EnvAccessKeyID: "AK"}), "", Options{}); err == nil {
		t.Fatal("key id without secret accepted")
	}
	s, err = FromEnv(env(map[string]string{EnvAccessKeyID: "AK", EnvSecretAccessKey: "SK"}), "", Options{Account: "000000000000"})
	if err != nil || s.users["AK"] == nil || s.users["AK"].name != EnvUserName {
		t.Fatalf("env key: %v %+v", err, s)
	}
	file := filepath.Join(t.TempDir(), "creds.json")
	if err := os.WriteFile(file, []byte(`{"users":[{"name":"a","accessKeyId":"AK1","secretAccessKey":"s","allow":[{"actions":["kinesis:Get*"]}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = FromEnv(env(map[string]string{EnvAccessKeyID: "AK", EnvSecretAccessKey: "SK"}), file, Options{})
	if err != nil || len(s.users) != 2 {
		t.Fatalf("file + env: %v", err)
	}
	if _, err := FromEnv(env(nil), filepath.Join(t.TempDir(), "missing.json"), Options{}); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestWarnIfExposed(t *testing.T) {
	for addr, loop := range map[string]bool{
		"127.0.0.1:4567": true, "localhost:4567": true, "[::1]:4567": true,
		":4567": false, "0.0.0.0:4567": false, "192.168.1.5:4567": false, "example.com:4567": false,
	} {
		var buf bytes.Buffer
		WarnIfExposed(slog.New(slog.NewTextHandler(&buf, nil)), "the API", addr, false)
		if warned := strings.Contains(buf.String(), "level=WARN"); warned == loop {
			t.Errorf("%s: warned=%v, loopback=%v", addr, warned, loop)
		}
		buf.Reset()
		WarnIfExposed(slog.New(slog.NewTextHandler(&buf, nil)), "the API", addr, true)
		if buf.Len() != 0 {
			t.Errorf("%s: warned with auth on", addr)
		}
	}
}
