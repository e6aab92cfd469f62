package kinesis

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/testcert"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/rheo-dev/rheo/internal/auth"
	"github.com/rheo-dev/rheo/internal/awsfix"
)

// Test credentials: an admin, a producer limited to orders-* streams, and
// a reader that may read any stream but change none.
const (
	adminKey, adminSecret       = "AKIDADMIN", "admin-secret"
	producerKey, producerSecret = "AKIDPRODUCER", "producer-secret"
	readerKey, readerSecret     = "AKIDREADER", "reader-secret"
	restrictedKey               = "AKIDRESTRICTED"
)

const sigMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// withAuth turns authentication on with the test users; the store's clock
// is the server's.
func withAuth(now func() time.Time) envOption {
	return func(cfg *Config) {
		if now == nil {
			now = cfg.Now
		}
		st, err := auth.New(auth.File{Users: []auth.User{
			auth.FullAccess("admin", adminKey, adminSecret),
			{Name: "producer", AccessKeyID: producerKey, SecretAccessKey: producerSecret, Allow: []auth.Rule{
				{Actions: []string{"kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary"}, Resources: []string{"orders-*"}},
			}},
			{Name: "reader", AccessKeyID: readerKey, SecretAccessKey: readerSecret, Allow: []auth.Rule{
				{Actions: []string{"kinesis:Get*", "kinesis:Describe*", "kinesis:List*"}},
			}},
			{Name: "restricted", AccessKeyID: restrictedKey, SecretAccessKey: "restricted-secret", Allow: []auth.Rule{
				{Actions: []string{"kinesis:*"}, Resources: []string{"allowed-*"}},
			}},
		}}, auth.Options{Account: cfg.Account, Now: func() time.Time { return now() }})
		if err != nil {
			panic(err) // fixed test input
		}
		cfg.Auth = st
	}
}

// shiftedSigner signs as if the client's clock were off by d.
type shiftedSigner struct {
	d time.Duration
	s *v4.Signer
}

func (s shiftedSigner) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, hash, service, region string, t time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.s.SignHTTP(ctx, c, r, hash, service, region, t.Add(s.d), opts...)
}

func clientFor(url, key, secret string, skew time.Duration) *kin.Client {
	o := kin.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		HTTPClient:  awsfix.HTTPClient(0),
	}
	if skew != 0 {
		o.HTTPSignerV4 = shiftedSigner{d: skew, s: v4.NewSigner()}
	}
	if key == "" {
		o.Credentials = aws.AnonymousCredentials{}
	}
	return kin.New(o)
}

// wantStatus checks an SDK error's type, exact message and HTTP status.
func wantStatus(t *testing.T, err error, status int, code, msg string) {
	t.Helper()
	wantErr(t, err, code, msg)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: want HTTP %d, got %v", code, status, err)
	}
}

func TestAuthSignatures(t *testing.T) {
	env := startEnv(t, withAuth(nil))
	ctx := testCtx(t)
	admin := clientFor(env.url, adminKey, adminSecret, 0)
	if _, err := admin.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("orders-1"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatalf("admin CreateStream: %v", err)
	}
	put := &kin.PutRecordInput{StreamName: aws.String("orders-1"), Data: []byte("x"), PartitionKey: aws.String("k")}
	if _, err := admin.PutRecord(ctx, put); err != nil {
		t.Fatalf("admin PutRecord: %v", err)
	}
	// Clocks 4 minutes off either way are still fine.
	for _, d := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		if _, err := clientFor(env.url, producerKey, producerSecret, d).PutRecord(ctx, put); err != nil {
			t.Fatalf("skew %v: %v", d, err)
		}
	}

	_, err := clientFor(env.url, adminKey, "wrong", 0).PutRecord(ctx, put)
	wantStatus(t, err, 400, "InvalidSignatureException", sigMismatch)

	_, err = clientFor(env.url, "AKIDUNKNOWN", adminSecret, 0).ListStreams(ctx, &kin.ListStreamsInput{})
	wantStatus(t, err, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")

	_, err = clientFor(env.url, "", "", 0).ListStreams(ctx, &kin.ListStreamsInput{})
	wantStatus(t, err, 400, "MissingAuthenticationTokenException", "Missing Authentication Token")

	_, err = clientFor(env.url, adminKey, adminSecret, -6*time.Minute).ListStreams(ctx, &kin.ListStreamsInput{})
	wantStatus(t, err, 400, "InvalidSignatureException", `~^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$`)

	_, err = clientFor(env.url, adminKey, adminSecret, 6*time.Minute).ListStreams(ctx, &kin.ListStreamsInput{})
	wantStatus(t, err, 400, "InvalidSignatureException", `~^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$`)
}

// TestAuthExpiredExact pins the expiry message with a fixed server clock.
func TestAuthExpiredExact(t *testing.T) {
	fixed := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	env := startEnv(t, withAuth(func() time.Time { return fixed }))
	skew := fixed.Sub(time.Now()) - 7*time.Minute // the client signs at fixed-7m
	_, err := clientFor(env.url, adminKey, adminSecret, skew).ListStreams(testCtx(t), &kin.ListStreamsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.ErrorMessage(), "Signature expired: 20250601T1153") ||
		!strings.HasSuffix(ae.ErrorMessage(), " is now earlier than 20250601T115500Z (20250601T120000Z - 5 min.)") {
		t.Fatalf("got %v", err)
	}
}

func TestAuthPermissions(t *testing.T) {
	env := startEnv(t, withAuth(nil))
	ctx := testCtx(t)
	admin := clientFor(env.url, adminKey, adminSecret, 0)
	for _, name := range []string{"orders-1", "payments"} {
		if _, err := admin.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
	}
	producer := clientFor(env.url, producerKey, producerSecret, 0)
	reader := clientFor(env.url, readerKey, readerSecret, 0)
	denied := func(user, action, resource string) string {
		return "User: arn:aws:iam::000000000000:user/" + user + " is not authorized to perform: kinesis:" + action +
			" on resource: " + resource + " because no identity-based policy allows the kinesis:" + action + " action"
	}
	arn := func(s string) string { return "arn:aws:kinesis:us-east-1:000000000000:stream/" + s }

	// The producer writes to orders-* only, by name or by ARN, JSON or CBOR.
	if _, err := producer.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("orders-1"), Data: []byte("a"), PartitionKey: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := producer.PutRecords(ctx, &kin.PutRecordsInput{StreamARN: aws.String(arn("orders-1")), Records: []types.PutRecordsRequestEntry{{Data: []byte("b"), PartitionKey: aws.String("k")}}}); err != nil {
		t.Fatal(err)
	}
	_, err := producer.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("payments"), Data: []byte("a"), PartitionKey: aws.String("k")})
	wantStatus(t, err, 400, "AccessDeniedException", denied("producer", "PutRecord", arn("payments")))
	_, err = producer.PutRecords(ctx, &kin.PutRecordsInput{StreamARN: aws.String(arn("payments")), Records: []types.PutRecordsRequestEntry{{Data: []byte("b"), PartitionKey: aws.String("k")}}})
	wantStatus(t, err, 400, "AccessDeniedException", denied("producer", "PutRecords", arn("payments")))
	// A denied caller learns nothing about which streams exist.
	_, err = producer.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("no-such"), Data: []byte("a"), PartitionKey: aws.String("k")})
	wantStatus(t, err, 400, "AccessDeniedException", denied("producer", "PutRecord", arn("no-such")))
	_, err = producer.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("orders-1")})
	wantStatus(t, err, 400, "AccessDeniedException", denied("producer", "DeleteStream", arn("orders-1")))
	_, err = producer.ListStreams(ctx, &kin.ListStreamsInput{})
	wantStatus(t, err, 400, "AccessDeniedException", denied("producer", "ListStreams", "arn:aws:kinesis:us-east-1:000000000000:*"))
	if _, err := producer.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("orders-1")}); err != nil {
		t.Fatal(err)
	}

	// The reader reads anything (Get*, List*, Describe*) and writes nothing.
	if _, err := reader.ListStreams(ctx, &kin.ListStreamsInput{}); err != nil {
		t.Fatal(err)
	}
	it, err := reader.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("orders-1"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := reader.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(got.Records) != 2 {
		t.Fatalf("reader GetRecords: %v", err)
	}
	_, err = reader.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("orders-1"), Data: []byte("a"), PartitionKey: aws.String("k")})
	wantStatus(t, err, 400, "AccessDeniedException", denied("reader", "PutRecord", arn("orders-1")))

	// GetRecords is checked against the stream inside the iterator.
	restricted := clientFor(env.url, restrictedKey, "restricted-secret", 0)
	_, err = restricted.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	wantStatus(t, err, 400, "AccessDeniedException", denied("restricted", "GetRecords", arn("orders-1")))

	// CBOR requests are signed and checked the same way; errors come in CBOR.
	sign := func(key, secret string) func(*http.Request, []byte) {
		return func(r *http.Request, body []byte) {
			sum := sha256.Sum256(body)
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec := map[string]any{"StreamName": "orders-1", "Records": []any{map[string]any{"Data": []byte{0, 1}, "PartitionKey": "k"}}}
	postCBOR(t, env.url, "PutRecords", rec, sign(producerKey, producerSecret)).ok(t, nil)
	rec["StreamName"] = "payments"
	postCBOR(t, env.url, "PutRecords", rec, sign(producerKey, producerSecret)).wantErr(t, 400, "AccessDeniedException", denied("producer", "PutRecords", arn("payments")))
	postCBOR(t, env.url, "PutRecords", rec, sign(producerKey, "bad")).wantErr(t, 400, "InvalidSignatureException", sigMismatch)
	postCBOR(t, env.url, "PutRecords", rec, nil).wantErr(t, 400, "MissingAuthenticationTokenException", "Missing Authentication Token")
}

// TestAuthEveryOpChecksItsStream sends every registered action, signed by a
// user allowed only allowed-* streams, a body naming the stream "secret"
// in every member that can name one: each must answer AccessDenied, so no
// action decodes its input past the authorization check.
func TestAuthEveryOpChecksItsStream(t *testing.T) {
	env := startEnv(t, withAuth(nil))
	ctx := testCtx(t)
	admin := clientFor(env.url, adminKey, adminSecret, 0)
	if _, err := admin.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("secret"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	it, err := admin.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("secret"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest})
	if err != nil {
		t.Fatal(err)
	}
	secretARN := "arn:aws:kinesis:us-east-1:000000000000:stream/secret"
	body := map[string]any{
		"StreamName": "secret", "StreamARN": secretARN, "ConsumerARN": secretARN + "/consumer/c:1", "ResourceARN": secretARN,
		"ShardIterator": *it.ShardIterator, "ShardId": "shardId-000000000000", "ConsumerName": "c",
		"Records": []any{map[string]any{"Data": "AA==", "PartitionKey": "k"}}, "Data": "AA==", "PartitionKey": "k",
	}
	js, _ := jsonMarshal(body)
	for name := range env.srv.ops {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, env.url, strings.NewReader(string(js)))
			req.Header.Set("X-Amz-Target", targetPrefix+name)
			req.Header.Set("Content-Type", contentTypeJSON)
			sum := sha256.Sum256(js)
			if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: restrictedKey, SecretAccessKey: "restricted-secret"}, req, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			resp, err := http.DefaultClient.Do(req.WithContext(rctx))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 400 || !strings.Contains(string(b), `"AccessDeniedException"`) || !strings.Contains(string(b), "kinesis:"+name+" on resource: arn:aws:kinesis:us-east-1:000000000000:") {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
}

// TestAuthTLS serves the API over TLS with a self-signed certificate
// loaded by auth.TLSConfig, the way `rheo serve --tls-cert --tls-key`
// should (http.Server.ServeTLS with TLSConfig set), and calls it with
// aws-sdk-go-v2 trusting that certificate, over HTTP/2 and HTTP/1.1.
func TestAuthTLS(t *testing.T) {
	env := startEnv(t, withAuth(nil))
	cert := testcert.New(t, t.TempDir())
	certFile, keyFile, pool := cert.CertFile, cert.KeyFile, cert.Pool
	cfg, err := auth.TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: env.srv, TLSConfig: cfg, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		_ = hs.Close()
		<-done
	})
	url := "https://" + ln.Addr().String()
	for _, h2 := range []bool{true, false} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		var proto string
		client := kin.New(kin.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(adminKey, adminSecret, ""),
			HTTPClient:  protoRecorder{c: &http.Client{Transport: tr}, proto: &proto},
		})
		name := "tls-h1"
		if h2 {
			name = "tls-h2"
		}
		if _, err := client.CreateStream(testCtx(t), &kin.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatalf("h2=%v: %v", h2, err)
		}
		if want := map[bool]string{true: "HTTP/2.0", false: "HTTP/1.1"}[h2]; proto != want {
			t.Fatalf("negotiated %s, want %s", proto, want)
		}
		tr.CloseIdleConnections()
	}
	// A client that does not trust the certificate fails.
	untrusting := kin.New(kin.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(adminKey, adminSecret, "")})
	if _, err := untrusting.ListStreams(testCtx(t), &kin.ListStreamsInput{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate accepted: %v", err)
	}
}

type protoRecorder struct {
	c     *http.Client
	proto *string
}

func (p protoRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := p.c.Do(r)
	if err == nil {
		*p.proto = resp.Proto
	}
	return resp, err
}

// TestAuthBoto3InProcess runs test/e2e/auth_boto3.py (boto3) against an
// in-process server with authentication on: the same script the e2e
// suite runs against the binary once `rheo serve` wires auth.FromEnv.
func TestAuthBoto3InProcess(t *testing.T) {
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("python3 with boto3 not available: %v\n%s", err, out)
	}
	env := startEnv(t, withAuth(nil))
	cmd := exec.CommandContext(testCtx(t), "python3", filepath.Join("..", "..", "test", "e2e", "auth_boto3.py"), env.url, adminKey, adminSecret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("auth_boto3.py: %v\n%s", err, out)
	}
	t.Logf("auth_boto3.py:\n%s", out)
	if !strings.Contains(string(out), "PASS") {
		t.Fatalf("auth_boto3.py did not finish:\n%s", out)
	}
}
