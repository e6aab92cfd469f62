package firehose

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/rheo-dev/rheo/internal/auth"
)

// signedCall sends an action signed with akid/secret for service.
func signedCall(t *testing.T, e *env, akid, secret, service, action string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "http://localhost/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", contentType)
	if akid != "" {
		sum := sha256.Sum256(raw)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
			req, hex.EncodeToString(sum[:]), service, "eu-west-1", e.clk.now())
		if err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

func TestAuth(t *testing.T) {
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	cfg := testConfig(clk)
	st, err := auth.New(auth.File{Users: []auth.User{
		auth.FullAccess("admin", "AKIDADMIN", "admin-secret"),
		{Name: "producer", AccessKeyID: "AKIDPROD", SecretAccessKey: "prod-secret", Allow: []auth.Rule{
			{Actions: []string{"firehose:Put*", "firehose:DescribeDeliveryStream"}, Resources: []string{"orders-*"}},
		}},
	}}, auth.Options{Account: cfg.Account, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth = st
	fake := newFakeEngine()
	e := &env{t: t, srv: newServer(cfg, fake), fake: fake, clk: clk, delay: testDelay}
	put := map[string]any{"DeliveryStreamName": "orders-eu", "Record": map[string]any{"Data": "YQ=="}}

	code, out := signedCall(t, e, "", "", "firehose", "PutRecord", put)
	if code != 400 || out["__type"] != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned: %d %v", code, out)
	}
	code, out = signedCall(t, e, "AKIDADMIN", "wrong", "firehose", "PutRecord", put)
	if out["__type"] != "InvalidSignatureException" {
		t.Fatalf("bad secret: %d %v", code, out)
	}
	code, out = signedCall(t, e, "AKIDADMIN", "admin-secret", "kinesis", "PutRecord", put)
	if out["__type"] != "InvalidSignatureException" || !strings.Contains(out["message"].(string), "'firehose'") {
		t.Fatalf("kinesis-scoped key: %d %v", code, out)
	}
	code, out = signedCall(t, e, "AKIDADMIN", "admin-secret", "firehose", "CreateDeliveryStream",
		map[string]any{"DeliveryStreamName": "orders-eu", "ExtendedS3DestinationConfiguration": s3Config("lake-test")})
	if code != 200 || !strings.Contains(out["DeliveryStreamARN"].(string), ":eu-west-1:") {
		t.Fatalf("admin create: %d %v", code, out)
	}
	clk.advance(testDelay)
	if code, out = signedCall(t, e, "AKIDPROD", "prod-secret", "firehose", "PutRecord", put); code != 200 {
		t.Fatalf("producer put: %d %v", code, out)
	}
	// Denied before anything is looked up: a missing stream is not revealed.
	for _, c := range []struct {
		action string
		body   map[string]any
		arn    string
	}{
		{"PutRecord", map[string]any{"DeliveryStreamName": "secret-stream", "Record": map[string]any{"Data": "YQ=="}}, "arn:aws:firehose:eu-west-1:123456789012:deliverystream/secret-stream"},
		{"DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "orders-eu"}, "arn:aws:firehose:eu-west-1:123456789012:deliverystream/orders-eu"},
		{"ListDeliveryStreams", map[string]any{}, "arn:aws:firehose:eu-west-1:123456789012:deliverystream/*"},
	} {
		code, out = signedCall(t, e, "AKIDPROD", "prod-secret", "firehose", c.action, c.body)
		want := "User: arn:aws:iam::123456789012:user/producer is not authorized to perform: firehose:" + c.action + " on resource: " + c.arn +
			" because no identity-based policy allows the firehose:" + c.action + " action"
		if code != 400 || out["__type"] != "AccessDeniedException" || out["message"] != want {
			t.Fatalf("%s: %d %v\nwant %s", c.action, code, out, want)
		}
	}
	if _, ok := fake.Get("orders-eu"); !ok {
		t.Fatal("a denied delete removed the stream")
	}
}
