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

// Store is an object store. Every method is safe for concurrent use, and
// every error names the object or bucket it is about (callers do not add
// it again).
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
	// not, ErrInvalidBucket for a name S3 would refuse). The local lake
	// makes any valid name usable: it creates the bucket directory here
	// (and on Put), so it only fails for invalid names or I/O errors.
	CheckBucket(ctx context.Context, bucket string) error
	// LocalPath returns the file path of bucket/key when the store is the
	// local lake, so DuckDB can read it in place; ok is false for S3.
	// key may be a prefix or a glob; the path is not checked to exist.
	LocalPath(bucket, key string) (path string, ok bool)
	// URL names bucket/key for messages: s3://bucket/key, or the file path.
	URL(bucket, key string) string
}

// Metadata is what an object carries besides its bytes. Firehose sets
// Content-Type application/octet-stream and a Content-Encoding per
// compression format on the objects it writes; S3 stores them, the local
// lake has nowhere to keep them and ignores them.
type Metadata struct {
	ContentType     string // "" for the store's default
	ContentEncoding string // "" for none
}

// MetadataPutter is implemented by stores that keep Metadata (S3).
type MetadataPutter interface {
	// PutWithMetadata is Put with object metadata.
	PutWithMetadata(ctx context.Context, bucket, key string, body io.Reader, size int64, md Metadata) error
}

// PutWithMetadata stores body through s, with md when s keeps metadata
// and as a plain Put otherwise, so callers need not know the store.
func PutWithMetadata(ctx context.Context, s Store, bucket, key string, body io.Reader, size int64, md Metadata) error {
	if mp, ok := s.(MetadataPutter); ok {
		return mp.PutWithMetadata(ctx, bucket, key, body, size, md)
	}
	return s.Put(ctx, bucket, key, body, size)
}

// KeyChecker is implemented by stores that can tell, without writing,
// whether they can hold a key: the local lake maps keys to file paths and
// refuses more of them than S3 does.
type KeyChecker interface {
	// CheckKey returns an error wrapping ErrInvalidKey (or
	// ErrInvalidBucket) if bucket/key cannot be stored.
	CheckKey(bucket, key string) error
}

// CheckKey reports whether s can store bucket/key: an error wrapping
// ErrInvalidKey or ErrInvalidBucket if not. A Put of such a key would
// fail every time, so delivery checks keys before writing (a record whose
// partition values make an impossible key goes to the error output
// instead of blocking its stream). Stores that cannot tell accept all.
func CheckKey(s Store, bucket, key string) error {
	if kc, ok := s.(KeyChecker); ok {
		return kc.CheckKey(bucket, key)
	}
	return nil
}

// Errors of Store implementations; match with errors.Is.
var (
	ErrNoSuchBucket  = errors.New("lake: no such bucket")
	ErrNoSuchKey     = errors.New("lake: no such key")
	ErrInvalidBucket = errors.New("lake: invalid bucket name")
	ErrInvalidKey    = errors.New("lake: invalid key")
)

// Both stores satisfy the interfaces.
var (
	_ Store          = (*Local)(nil)
	_ Store          = (*S3)(nil)
	_ MetadataPutter = (*S3)(nil)
	_ KeyChecker     = (*Local)(nil)
	_ KeyChecker     = (*S3)(nil)
)
