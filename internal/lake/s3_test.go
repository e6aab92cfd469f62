package lake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/rheo-dev/rheo/internal/awsfix"
)

// newFakeS3 starts an in-process S3 server on loopback and a store on it
// with a 5 MiB part size, so multipart uploads happen at test sizes.
func newFakeS3(t *testing.T) (*S3, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s, err := NewS3(context.Background(), S3Options{
		Endpoint:        srv.URL,
		PathStyle:       true,
		AccessKeyID:     "AKIDTEST",
		SecretAccessKey: "secret",
		HTTPClient:      awsfix.HTTPClient(0),
		PartSize:        5 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, backend
}

func TestS3Contract(t *testing.T) {
	runContract(t, func(t *testing.T) harness {
		s, backend := newFakeS3(t)
		return harness{
			name:  "s3",
			store: s,
			create: func(t *testing.T, b string) {
				if err := backend.CreateBucket(b); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// Metadata reaches the service: Firehose's Content-Type and the format's
// Content-Encoding.
func TestS3Metadata(t *testing.T) {
	s, backend := newFakeS3(t)
	backend.CreateBucket(bucket)
	ctx := context.Background()
	for _, tc := range []struct {
		key  string
		body []byte
		md   Metadata
	}{
		{"small.gz", []byte("gz"), Metadata{ContentEncoding: "gzip"}},
		{"big.snappy", bytes.Repeat([]byte("s"), 6<<20), Metadata{ContentEncoding: "snappy-java"}},
		{"typed", []byte("{}"), Metadata{ContentType: "application/json"}},
	} {
		if err := PutWithMetadata(ctx, s, bucket, tc.key, bytes.NewReader(tc.body), int64(len(tc.body)), tc.md); err != nil {
			t.Fatal(err)
		}
		head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(tc.key)})
		if err != nil {
			t.Fatal(err)
		}
		wantType := tc.md.ContentType
		if wantType == "" {
			wantType = "application/octet-stream"
		}
		if got := aws.ToString(head.ContentType); got != wantType {
			t.Errorf("%s: Content-Type %q, want %q", tc.key, got, wantType)
		}
		if got := aws.ToString(head.ContentEncoding); got != tc.md.ContentEncoding {
			t.Errorf("%s: Content-Encoding %q, want %q", tc.key, got, tc.md.ContentEncoding)
		}
		if aws.ToInt64(head.ContentLength) != int64(len(tc.body)) {
			t.Errorf("%s: length %d", tc.key, aws.ToInt64(head.ContentLength))
		}
	}
	// The local lake has no metadata and takes a plain Put.
	l := NewLocal(t.TempDir())
	if err := PutWithMetadata(ctx, l, bucket, "k", strings.NewReader("x"), 1, Metadata{ContentEncoding: "gzip"}); err != nil {
		t.Fatal(err)
	}
}

func TestNewS3Options(t *testing.T) {
	ctx := context.Background()
	for _, o := range []S3Options{
		{Endpoint: "not a url"},
		{Endpoint: "ftp://host"},
		{Endpoint: "http://"},
		{AccessKeyID: "only-id"},
		{SecretAccessKey: "only-secret"},
	} {
		if _, err := NewS3(ctx, o); err == nil {
			t.Errorf("NewS3(%+v): no error", o)
		}
	}
	s, err := NewS3(ctx, S3Options{Endpoint: "http://127.0.0.1:1", AccessKeyID: "a", SecretAccessKey: "b", PartSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.partSize != 5<<20 {
		t.Errorf("part size %d, want S3's 5 MiB minimum", s.partSize)
	}
	if s.client.Options().Region != "us-east-1" {
		t.Errorf("region %q, want us-east-1", s.client.Options().Region)
	}
}

// countingClient counts requests that upload a part.
type countingClient struct {
	next  s3.HTTPClient
	parts atomic.Int32 // UploadPart calls
	lists atomic.Int32 // ListObjectsV2 calls
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
		c.parts.Add(1)
	}
	if r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2" {
		c.lists.Add(1)
	}
	return c.next.Do(r)
}

// List follows continuation tokens past the service's 1000-key pages.
func TestS3ListPages(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	backend.CreateBucket(bucket)
	cc := &countingClient{next: awsfix.HTTPClient(0)}
	s, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL, PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: cc})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2345 {
		put(t, s, fmt.Sprintf("k%05d", i), []byte("x"))
	}
	objs := list(t, s, "k")
	if len(objs) != 2345 || objs[0].Key != "k00000" || objs[2344].Key != "k02344" {
		t.Fatalf("List gave %d objects", len(objs))
	}
	if got := cc.lists.Load(); got != 3 {
		t.Fatalf("%d ListObjectsV2 calls, want 3 pages of at most 1000", got)
	}
}

// Bodies above the part size go up as multipart uploads of part-size parts.
func TestS3Multipart(t *testing.T) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	backend.CreateBucket(bucket)
	cc := &countingClient{next: awsfix.HTTPClient(0)}
	s, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL, PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: cc, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		size      int
		seekable  bool
		wantParts int32
	}{
		{5 << 20, true, 0},
		{5 << 20, false, 0},
		{5<<20 + 1, true, 2},
		{12 << 20, false, 3},
	} {
		cc.parts.Store(0)
		data := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
		var body io.Reader = bytes.NewReader(data)
		if !tc.seekable {
			body = io.MultiReader(body)
		}
		if err := s.Put(context.Background(), bucket, "m", body, int64(tc.size)); err != nil {
			t.Fatal(err)
		}
		if got := cc.parts.Load(); got != tc.wantParts {
			t.Errorf("size %d: %d parts, want %d", tc.size, got, tc.wantParts)
		}
		if got := get(t, s, "m"); !bytes.Equal(got, data) {
			t.Errorf("size %d: read back %d bytes", tc.size, len(got))
		}
	}
}

// A service that takes requests and never answers fails each request after
// RequestTimeout (the SDK alone would wait forever), with an error that
// says so; the caller's own cancellation is still reported as such.
func TestS3RequestTimeout(t *testing.T) {
	backend := s3mem.New()
	backend.CreateBucket(bucket)
	fake := gofakes3.New(backend).Server()
	var hang atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	s, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL, PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: awsfix.HTTPClient(0),
		PartSize: 5 << 20, RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put(t, s, "there", []byte("x"))
	hang.Store(true)
	big := bytes.Repeat([]byte("m"), 6<<20)
	for name, op := range map[string]func() error{
		"put":       func() error { return s.Put(ctx, bucket, "k", strings.NewReader("x"), 1) },
		"multipart": func() error { return s.Put(ctx, bucket, "k", io.MultiReader(bytes.NewReader(big)), int64(len(big))) },
		"get": func() error {
			rc, err := s.Get(ctx, bucket, "there")
			if err == nil {
				rc.Close()
			}
			return err
		},
		"list":   func() error { return s.List(ctx, bucket, "", func(Object) error { return nil }) },
		"delete": func() error { return s.Delete(ctx, bucket, "there") },
		"head":   func() error { return s.CheckBucket(ctx, bucket) },
	} {
		start := time.Now()
		err := op()
		if err == nil || !strings.Contains(err.Error(), "no answer from the service within 300ms") {
			t.Errorf("%s on a hung service: %v", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %v", name, d)
		}
	}
	// The caller's deadline is the caller's: no timeout wording.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Put(cctx, bucket, "k", strings.NewReader("x"), 1); err == nil || strings.Contains(err.Error(), "no answer") {
		t.Errorf("Put with the caller's deadline: %v", err)
	}
	// Healthy again: a Get body outlives the request timeout.
	hang.Store(false)
	rc, err := s.Get(ctx, bucket, "there")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	if b, err := io.ReadAll(rc); err != nil || string(b) != "x" {
		t.Fatalf("Get body after the request timeout: %q, %v", b, err)
	}
	rc.Close()
}

// A long outage does not exhaust the SDK's client-side retry quota: every
// failed Put still reports the service's error (delivery shows it as the
// FailureDescription) and keeps the SDK's own retries, instead of "retry
// quota exceeded" after ~50 failures.
func TestS3LongOutageKeepsErrors(t *testing.T) {
	var reqs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
	}))
	defer srv.Close()
	s, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL, PathStyle: true,
		AccessKeyID: "a", SecretAccessKey: "b", HTTPClient: awsfix.HTTPClient(0)})
	if err != nil {
		t.Fatal(err)
	}
	// The service's backoff between the SDK's attempts, made short.
	s.client = s3.New(s.client.Options(), func(o *s3.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond)
	})
	for i := range 80 {
		reqs.Store(0)
		err := s.Put(context.Background(), bucket, "k", strings.NewReader("x"), 1)
		if err == nil || !strings.Contains(err.Error(), "SlowDown") {
			t.Fatalf("Put %d during an outage: %v, want the service's SlowDown", i, err)
		}
		if n := reqs.Load(); n != 3 {
			t.Fatalf("Put %d: %d requests, want 3 (the SDK's attempts)", i, n)
		}
	}
}
