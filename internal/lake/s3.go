package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// DefaultPartSize is the largest body S3.Put sends in one PutObject; larger
// bodies, and bodies of unknown size that turn out larger, go up as a
// multipart upload of parts this size.
const DefaultPartSize = 16 << 20

// DefaultRequestTimeout bounds one S3 request (a PutObject, one part of
// a multipart upload, a page of a listing, the wait for a GetObject's
// answer) when S3Options.RequestTimeout is 0. The SDK has no timeout of
// its own: a service that accepts a connection and never answers would
// otherwise hold a delivery stream forever without it ever reporting a
// failure. Two minutes moves a 16 MiB part at ~140 KB/s.
const DefaultRequestTimeout = 2 * time.Minute

// defaultContentType is what Firehose sets on every object it writes.
const defaultContentType = "application/octet-stream"

// S3Options configures NewS3.
type S3Options struct {
	// Endpoint is the service URL (http://127.0.0.1:9000); "" for AWS S3.
	Endpoint string
	// Region signs requests; "" means us-east-1.
	Region string
	// PathStyle addresses buckets as Endpoint/bucket/key instead of
	// bucket.host/key; most self-hosted S3 services need it.
	PathStyle bool
	// AccessKeyID and SecretAccessKey (and optional SessionToken) are
	// static credentials; when both are empty the SDK's default chain
	// (environment, shared files, instance role) is used.
	AccessKeyID, SecretAccessKey, SessionToken string
	// HTTPClient sends the requests; nil means the SDK's default. Pass
	// awsfix.HTTPClient for servers on loopback: the SDK's default client
	// can fail calls on a fast local server (see internal/awsfix).
	HTTPClient s3.HTTPClient
	// PartSize is the multipart threshold and part size; 0 means
	// DefaultPartSize, values below S3's 5 MiB part minimum are raised to it.
	PartSize int64
	// RequestTimeout bounds each request to the service, the SDK's own
	// retries of it included; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
}

// S3 is a Store on an S3-compatible service reached with the AWS SDK for Go
// v2. Buckets must exist already: CheckBucket reports ErrNoSuchBucket, Put
// does not create them.
type S3 struct {
	client   *s3.Client
	partSize int64
	timeout  time.Duration // per request (S3Options.RequestTimeout)
}

// NewS3 builds the S3 client. It does not contact the service.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("lake: s3 endpoint %q is not an http(s) URL", o.Endpoint)
		}
	}
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		return nil, errors.New("lake: s3 credentials need both an access key id and a secret access key")
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if o.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, o.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("lake: s3 config: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
		// No client-side retry quota: the SDK's default bucket empties
		// after ~50 failed calls and then fails calls without retrying
		// them ("retry quota exceeded") until enough calls succeed, so a
		// long outage of the store would end in errors that hide the
		// service's own, for delivery and SQL alike. Delivery backs off
		// between its attempts itself.
		so.Retryer = retry.NewStandard(func(ro *retry.StandardOptions) {
			ro.RateLimiter = ratelimit.None
			if cfg.RetryMaxAttempts > 0 { // AWS_MAX_ATTEMPTS
				ro.MaxAttempts = cfg.RetryMaxAttempts
			}
		})
		if o.HTTPClient != nil {
			so.HTTPClient = o.HTTPClient
		}
		// Only send and check checksums where the API requires them: many
		// S3-compatible services reject the SDK's default trailing
		// checksums (aws-chunked bodies) or answer without checksums.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	part := o.PartSize
	switch {
	case part == 0:
		part = DefaultPartSize
	case part < 5<<20:
		part = 5 << 20
	}
	timeout := o.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	return &S3{client: client, partSize: part, timeout: timeout}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, bucket, key string, body io.Reader, size int64) error {
	return s.PutWithMetadata(ctx, bucket, key, body, size, Metadata{})
}

// PutWithMetadata implements MetadataPutter: one PutObject for bodies up to
// the part size, a multipart upload above it.
func (s *S3) PutWithMetadata(ctx context.Context, bucket, key string, body io.Reader, size int64, md Metadata) error {
	if err := s.checkNames(bucket, key); err != nil {
		return err
	}
	if rs, ok := body.(io.ReadSeeker); ok && size >= 0 && size <= s.partSize {
		return s.putObject(ctx, bucket, key, rs, size, md)
	}
	n := s.partSize
	if size >= 0 && size < n {
		n = size
	}
	buf := make([]byte, n)
	got, err := io.ReadFull(body, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if size >= 0 && int64(got) != size {
			return fmt.Errorf("lake: put %s: body has %d bytes, want %d", s.URL(bucket, key), got, size)
		}
		return s.putObject(ctx, bucket, key, bytes.NewReader(buf[:got]), int64(got), md)
	case err != nil:
		return fmt.Errorf("lake: put %s: read body: %w", s.URL(bucket, key), err)
	}
	if size >= 0 && int64(got) == size {
		// Exactly size bytes so far: the body must end here.
		var one [1]byte
		if m, _ := io.ReadFull(body, one[:]); m != 0 {
			return fmt.Errorf("lake: put %s: body is longer than %d bytes", s.URL(bucket, key), size)
		}
		return s.putObject(ctx, bucket, key, bytes.NewReader(buf), size, md)
	}
	return s.multipart(ctx, bucket, key, buf, body, size, md)
}

func (s *S3) putObject(ctx context.Context, bucket, key string, body io.ReadSeeker, size int64, md Metadata) error {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.PutObject(rctx, &s3.PutObjectInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(key),
		Body:            body,
		ContentLength:   aws.Int64(size),
		ContentType:     aws.String(contentType(md)),
		ContentEncoding: optional(md.ContentEncoding),
	})
	if err != nil {
		return s.mapErr(ctx, "put", bucket, key, err)
	}
	return nil
}

// multipart uploads first (a full part already read) and the rest of body
// in parts of len(first) bytes, aborting the upload on any failure so no
// parts are left billed.
func (s *S3) multipart(ctx context.Context, bucket, key string, first []byte, body io.Reader, size int64, md Metadata) (err error) {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	up, err := s.client.CreateMultipartUpload(rctx, &s3.CreateMultipartUploadInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(key),
		ContentType:     aws.String(contentType(md)),
		ContentEncoding: optional(md.ContentEncoding),
	})
	cancel()
	if err != nil {
		return s.mapErr(ctx, "put", bucket, key, err)
	}
	defer func() {
		if err == nil {
			return
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		})
	}()
	var parts []types.CompletedPart
	var total int64
	buf, n := first, len(first)
	for num := int32(1); n > 0; num++ {
		rctx, cancel := context.WithTimeout(ctx, s.timeout)
		out, err := s.client.UploadPart(rctx, &s3.UploadPartInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			UploadId:      up.UploadId,
			PartNumber:    aws.Int32(num),
			Body:          bytes.NewReader(buf[:n]),
			ContentLength: aws.Int64(int64(n)),
		})
		cancel()
		if err != nil {
			return s.mapErr(ctx, "put", bucket, key, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		total += int64(n)
		var rerr error
		n, rerr = io.ReadFull(body, buf)
		if rerr != nil && rerr != io.EOF && rerr != io.ErrUnexpectedEOF {
			return fmt.Errorf("lake: put %s: read body: %w", s.URL(bucket, key), rerr)
		}
	}
	if size >= 0 && total != size {
		return fmt.Errorf("lake: put %s: body has %d bytes, want %d", s.URL(bucket, key), total, size)
	}
	rctx, cancel = context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err = s.client.CompleteMultipartUpload(rctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(bucket),
		Key:             aws.String(key),
		UploadId:        up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return s.mapErr(ctx, "put", bucket, key, err)
	}
	return nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	if err := s.checkNames(bucket, key); err != nil {
		return nil, err
	}
	// The timeout covers the wait for the answer, not reading the body
	// (the caller's pace); the body holds the context until closed.
	rctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(s.timeout, cancel)
	out, err := s.client.GetObject(rctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if !timer.Stop() && err == nil {
		err = context.DeadlineExceeded // fired as the answer came
		out.Body.Close()
	}
	if err != nil {
		cancel()
		if errors.Is(err, context.Canceled) && ctx.Err() == nil {
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
		return nil, s.mapErr(ctx, "get", bucket, key, err)
	}
	return &cancelOnClose{ReadCloser: out.Body, cancel: cancel}, nil
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// List implements Store with ListObjectsV2, whose pages come in key order.
func (s *S3) List(ctx context.Context, bucket, prefix string, fn func(Object) error) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		rctx, cancel := context.WithTimeout(ctx, s.timeout)
		page, err := p.NextPage(rctx)
		cancel()
		if err != nil {
			return s.mapErr(ctx, "list", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			obj := Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, bucket, key string) error {
	if err := s.checkNames(bucket, key); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.client.DeleteObject(rctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return s.mapErr(ctx, "delete", bucket, key, err)
	}
	return nil
}

// CheckBucket implements Store with HeadBucket.
func (s *S3) CheckBucket(ctx context.Context, bucket string) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := s.client.HeadBucket(rctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return s.mapErr(ctx, "head bucket", bucket, "", err)
	}
	return nil
}

// LocalPath implements Store: S3 objects have no local path.
func (s *S3) LocalPath(bucket, key string) (string, bool) { return "", false }

// URL implements Store.
func (s *S3) URL(bucket, key string) string { return "s3://" + bucket + "/" + key }

// CheckKey implements KeyChecker.
func (s *S3) CheckKey(bucket, key string) error { return s.checkNames(bucket, key) }

func (s *S3) checkNames(bucket, key string) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	return validateKeyS3(key)
}

// mapErr wraps an SDK error with the operation and, for the service's
// not-found and bad-name codes, the matching sentinel error. ctx is the
// caller's: a request that ran out of s.timeout while ctx is still live
// is said to have had no answer in time.
func (s *S3) mapErr(ctx context.Context, op, bucket, key string, err error) error {
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("lake: s3 %s %s: no answer from the service within %v: %w", op, s.URL(bucket, key), s.timeout, err)
	}
	var sentinel error
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			sentinel = ErrNoSuchBucket
		case "NoSuchKey":
			sentinel = ErrNoSuchKey
		case "NotFound": // HEAD answers carry no error code, only 404
			if op == "head bucket" {
				sentinel = ErrNoSuchBucket
			} else {
				sentinel = ErrNoSuchKey
			}
		case "InvalidBucketName":
			sentinel = ErrInvalidBucket
		}
	}
	if sentinel != nil {
		return fmt.Errorf("lake: s3 %s %s: %w: %w", op, s.URL(bucket, key), sentinel, err)
	}
	return fmt.Errorf("lake: s3 %s %s: %w", op, s.URL(bucket, key), err)
}

func contentType(md Metadata) string {
	if md.ContentType != "" {
		return md.ContentType
	}
	return defaultContentType
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
