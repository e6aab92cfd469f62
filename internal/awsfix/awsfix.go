// Package awsfix holds workarounds for client-side bugs in the AWS SDK for
// Go v2 that a fast local server such as rheo exposes. rheo's own clients
// (the CLI, the load generator, the tests) use it; users of aws-sdk-go-v2
// can copy the idea (docs/clients.md).
//
// # The request-body race
//
// smithy-go wraps every request body in a "safe" closer and closes it as
// soon as http.Client.Do returns, that is as soon as the response headers
// arrive. net/http's transport, after sending Content-Length bytes, reads
// the body once more to check for extra bytes; for bodies that implement
// io.WriterTo that read is a WriteTo call, and smithy-go's closed wrapper
// answers it with io.EOF as an error (not the 0, nil of a finished stream).
// The transport takes that for a failed write and closes the connection,
// under the response that is being read: the call fails with
// "deserialization failed ... use of closed network connection" although
// the server answered 200. Over a network the response never beats that
// last read; on loopback, against a server that answers in microseconds,
// it does now and then (aws/aws-sdk-go-v2#1825, #2737).
//
// HTTPClient hands the transport its own copy of the body, which smithy-go
// never closes, so the race cannot happen.
package awsfix

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// HTTPClient returns an HTTP client for aws-sdk-go-v2 clients (the HTTPClient
// field of a service's Options) that avoids the request-body race and keeps
// enough idle connections for concurrent callers. maxConns of 0 means 64.
func HTTPClient(maxConns int) *http.Client {
	if maxConns <= 0 {
		maxConns = 64
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = maxConns
	tr.MaxIdleConnsPerHost = maxConns
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: &bodyCopier{next: tr}}
}

// Transport wraps next with the request-body fix, for callers that build
// their own transport.
func Transport(next http.RoundTripper) http.RoundTripper { return &bodyCopier{next: next} }

type bodyCopier struct{ next http.RoundTripper }

// RoundTrip replaces the request body with an in-memory copy the caller
// cannot close. SDK request bodies are in memory already (JSON or CBOR
// documents), so the copy is cheap next to the network round trip;
// streaming bodies (ContentLength -1, event streams) are passed through.
func (b *bodyCopier) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 {
		return b.next.RoundTrip(r)
	}
	buf := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, buf); err != nil {
		r.Body.Close()
		return nil, fmt.Errorf("awsfix: read request body: %w", err)
	}
	r.Body.Close()
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(buf))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	return b.next.RoundTrip(r2)
}
