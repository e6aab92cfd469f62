// Package lake is rheo's object storage: the built-in lake (a directory per
// bucket under <data-dir>/lake/) or any S3-compatible service reached with
// the AWS SDK for Go v2. Delivery writes objects through it and the SQL
// engine reads them (COPY, external tables).
package lake

import (
	"context"
	"errors"
	"io"
	"time"
)

// Object describes one stored object.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Store is an object store. Every method is safe for concurrent use.
type Store interface {
	// Put stores body (size bytes; -1 if unknown) under bucket/key,
	// replacing any object there. It returns once the object is durable
	// (fsynced for the local lake, acknowledged by the service for S3);
	// readers never see a partial object.
	Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error
	// Get opens the object; ErrNoSuchKey or ErrNoSuchBucket if missing.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// List calls fn for every object whose key starts with prefix, in key
	// order. ErrNoSuchBucket if the bucket does not exist.
	List(ctx context.Context, bucket, prefix string, fn func(Object) error) error
	// Delete removes an object; deleting a missing key is not an error.
	Delete(ctx context.Context, bucket, key string) error
	// CheckBucket reports whether the bucket is usable (ErrNoSuchBucket if
	// not). The local lake creates missing bucket directories on Put, so it
	// only fails for names that are not valid bucket names.
	CheckBucket(ctx context.Context, bucket string) error
	// LocalPath returns the file path of bucket/key when the store is the
	// local lake, so DuckDB can read it in place; ok is false for S3.
	// key may be a prefix or a glob; the path is not checked to exist.
	LocalPath(bucket, key string) (path string, ok bool)
	// URL names bucket/key for messages: s3://bucket/key, or the file path.
	URL(bucket, key string) string
}

// Errors of Store implementations; match with errors.Is.
var (
	ErrNoSuchBucket  = errors.New("lake: no such bucket")
	ErrNoSuchKey     = errors.New("lake: no such key")
	ErrInvalidBucket = errors.New("lake: invalid bucket name")
)
