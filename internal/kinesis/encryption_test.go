package kinesis

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/rheo-dev/rheo/internal/atrest"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// encEnv is a server whose log is the at-rest wrapper over a memory log,
// wired as `rheo serve` wires it; inner is the memory log itself.
type encEnv struct {
	*testEnv
	inner *shardlog.Memory
}

func startEncEnv(t *testing.T, master byte, opts ...envOption) *encEnv {
	t.Helper()
	st, err := meta.Open(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	inner := shardlog.NewMemory(nil)
	t.Cleanup(func() { st.Close() })
	return startEncEnvOver(t, st, inner, master, opts...)
}

// startEncEnvOver starts a server over an existing store and inner log with
// the given master key.
func startEncEnvOver(t *testing.T, st *meta.Store, inner *shardlog.Memory, master byte, opts ...envOption) *encEnv {
	t.Helper()
	return startEncEnvLookup(t, st, inner, master, EncryptionLookup(st), opts...)
}

// startEncEnvLookup is startEncEnvOver with the at-rest wrapper asking
// lookup, not the streams' metadata, whether to seal.
func startEncEnvLookup(t *testing.T, st *meta.Store, inner *shardlog.Memory, master byte, lookup func(uint64) (string, bool), opts ...envOption) *encEnv {
	t.Helper()
	keys, err := atrest.NewKeys(bytes.Repeat([]byte{master}, atrest.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	lg := atrest.Wrap(inner, keys, lookup)
	clock := &testClock{}
	cfg := DefaultConfig()
	cfg.StateDelay = 0
	cfg.Now = clock.now
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(cfg, st, lg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	client := kin.New(kin.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(hs.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
	return &encEnv{testEnv: &testEnv{srv: srv, meta: st, log: lg, url: hs.URL, client: client, clock: clock}, inner: inner}
}

func (e *encEnv) put(t *testing.T, stream, data string) *kin.PutRecordOutput {
	t.Helper()
	out, err := e.client.PutRecord(testCtx(t), &kin.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String("pk"), Data: []byte(data)})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	return out
}

func (e *encEnv) startEnc(t *testing.T, stream, key string) {
	t.Helper()
	if _, err := e.client.StartStreamEncryption(testCtx(t), &kin.StartStreamEncryptionInput{StreamName: aws.String(stream), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(key)}); err != nil {
		t.Fatalf("StartStreamEncryption: %v", err)
	}
}

// TestEncryptionAtRest checks that records put while encryption is on are
// ciphertext in the underlying log yet read back byte-exact with
// EncryptionType KMS, records from before and after stay NONE, and
// DescribeStreamSummary shows the type and key.
func TestEncryptionAtRest(t *testing.T) {
	env := startEncEnv(t, 1)
	env.create(t, "enc", 1)
	ctx := testCtx(t)
	if out := env.put(t, "enc", "plain before"); out.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("PutRecord before: EncryptionType %q", out.EncryptionType)
	}
	env.startEnc(t, "enc", "alias/aws/kinesis")
	sum, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("enc")})
	if err != nil {
		t.Fatal(err)
	}
	if d := sum.StreamDescriptionSummary; d.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("summary: %q %q", d.EncryptionType, aws.ToString(d.KeyId))
	}
	secret := "top secret payload"
	if out := env.put(t, "enc", secret); out.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("PutRecord while on: EncryptionType %q", out.EncryptionType)
	}
	pr, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("enc"), Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("pk"), Data: []byte("batch secret")}}})
	if err != nil || pr.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("PutRecords while on: %v %q", err, pr.EncryptionType)
	}
	if _, err := env.client.StopStreamEncryption(ctx, &kin.StopStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatalf("StopStreamEncryption: %v", err)
	}
	if out := env.put(t, "enc", "plain after"); out.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("PutRecord after stop: EncryptionType %q", out.EncryptionType)
	}

	st, _ := env.meta.Stream("enc")
	raw, err := env.inner.Read(context.Background(), shardlog.ShardID{Stream: st.UID, Shard: 0}, 0, 100, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"plain before", secret, "batch secret", "plain after"}
	wantEnc := []types.EncryptionType{types.EncryptionTypeNone, types.EncryptionTypeKms, types.EncryptionTypeKms, types.EncryptionTypeNone}
	if len(raw.Records) != len(want) {
		t.Fatalf("inner log has %d records", len(raw.Records))
	}
	for i, r := range raw.Records {
		enc := wantEnc[i] == types.EncryptionTypeKms
		if enc != (r.Flags&shardlog.FlagEncrypted != 0) || enc == bytes.Equal(r.Data, []byte(want[i])) || enc && bytes.Contains(r.Data, []byte("secret")) {
			t.Fatalf("inner record %d: flags %#x data %q", i, r.Flags, r.Data)
		}
	}
	recs := readAllRecords(t, env.testEnv, "enc", "shardId-000000000000")
	if len(recs) != len(want) {
		t.Fatalf("GetRecords: %d records", len(recs))
	}
	for i, r := range recs {
		if string(r.Data) != want[i] || r.EncryptionType != wantEnc[i] {
			t.Fatalf("record %d: %q %q, want %q %q", i, r.Data, r.EncryptionType, want[i], wantEnc[i])
		}
	}
	// A stream never encrypted keeps AWS's plain answer: no EncryptionType.
	env.create(t, "plain", 1)
	env.put(t, "plain", "x")
	if recs := readAllRecords(t, env.testEnv, "plain", "shardId-000000000000"); len(recs) != 1 || recs[0].EncryptionType != "" {
		t.Fatalf("plain stream record: %+v", recs)
	}
}

// TestEncryptionWrongMasterKey checks that a server started with another
// master key over the same data fails GetRecords with InternalFailure
// (the log says ErrWrongKey) instead of returning ciphertext as data.
func TestEncryptionWrongMasterKey(t *testing.T) {
	env := startEncEnv(t, 1)
	env.create(t, "enc", 1)
	env.startEnc(t, "enc", "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012")
	env.put(t, "enc", "secret")
	other := startEncEnvOver(t, env.meta, env.inner, 2)
	it, err := other.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{StreamName: aws.String("enc"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	wantAPIError(t, err, "InternalFailure", "Internal service failure.")
	// The right key still reads it.
	if recs := readAllRecords(t, env.testEnv, "enc", "shardId-000000000000"); len(recs) != 1 || string(recs[0].Data) != "secret" {
		t.Fatalf("right key: %+v", recs)
	}
}

// TestEncryptionErrors checks validation, key forms and state errors.
func TestEncryptionErrors(t *testing.T) {
	env := startEncEnv(t, 1, func(c *Config) { c.StateDelay = time.Hour })
	ctx := testCtx(t)
	start := func(name string, typ types.EncryptionType, key *string) error {
		_, err := env.client.StartStreamEncryption(ctx, &kin.StartStreamEncryptionInput{StreamName: aws.String(name), EncryptionType: typ, KeyId: key})
		return err
	}
	wantAPIError(t, start("missing", types.EncryptionTypeKms, aws.String("alias/aws/kinesis")), "ResourceNotFoundException", "Stream missing under account 000000000000 not found.")
	raw := func(action, body, typ, msg string) {
		t.Helper()
		code, gotType, gotMsg := env.raw(t, action, body)
		if code != 400 || gotType != typ || gotMsg != msg {
			t.Fatalf("%s %s: %d %s %q, want %s %q", action, body, code, gotType, gotMsg, typ, msg)
		}
	}
	raw("StartStreamEncryption", `{"StreamName":"missing","KeyId":"alias/aws/kinesis"}`, "ValidationException",
		"1 validation error detected: Value null at 'encryptionType' failed to satisfy constraint: Member must not be null")
	raw("StopStreamEncryption", `{"StreamName":"missing","EncryptionType":"AES"}`, "ValidationException",
		"2 validation errors detected: Value 'AES' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS, NONE]; Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	raw("StartStreamEncryption", `{"StreamName":"bad name","EncryptionType":"KMS","KeyId":""}`, "ValidationException",
		"2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value 'bad name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	wantAPIError(t, start("missing", types.EncryptionTypeNone, aws.String("alias/aws/kinesis")), "InvalidArgumentException",
		"Encryption type NONE is not valid for StartStreamEncryption; use KMS.")
	wantAPIError(t, start("missing", types.EncryptionTypeKms, aws.String("my key")), "InvalidArgumentException",
		"Invalid KeyId my key. Specify a key id, key ARN, alias name or alias ARN.")
	for _, k := range []string{"alias/aws/kinesis", "alias/mine", "12345678-1234-1234-1234-123456789012", "mrk-1234abcd", "arn:aws:kms:eu-west-1:123456789012:alias/mine"} {
		if !validKeyID(k) {
			t.Fatalf("key %q refused", k)
		}
	}
	for _, k := range []string{"alias/", "arn:aws:s3:::bucket", "1234", "arn:aws:kms:eu-west-1:123456789012:key/"} {
		if validKeyID(k) {
			t.Fatalf("key %q accepted", k)
		}
	}
	// CREATING (state delay 1 h): not ACTIVE.
	env.create(t, "slow", 1)
	wantAPIError(t, start("slow", types.EncryptionTypeKms, aws.String("alias/aws/kinesis")), "ResourceInUseException",
		"Stream slow under account 000000000000 not ACTIVE, instead in state CREATING")
	env.clock.advance(time.Hour)
	if err := start("slow", types.EncryptionTypeKms, aws.String("alias/aws/kinesis")); err != nil {
		t.Fatal(err)
	}
	st, _ := env.meta.Stream("slow")
	if st.Effective(env.clock.now()) != meta.StatusUpdating || st.EncryptionType != "KMS" {
		t.Fatalf("after start: %s %s", st.Effective(env.clock.now()), st.EncryptionType)
	}
	_, err := env.client.StopStreamEncryption(ctx, &kin.StopStreamEncryptionInput{StreamName: aws.String("slow"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	wantAPIError(t, err, "ResourceInUseException", "Stream slow under account 000000000000 not ACTIVE, instead in state UPDATING")
}

// TestEncryptionSubscribeToShardPerRecord checks that SubscribeToShard
// reports EncryptionType per record, as GetRecords and AWS do: an event
// holding records from before, during and after encryption marks only the
// ones stored encrypted KMS.
func TestEncryptionSubscribeToShardPerRecord(t *testing.T) {
	env := startEncEnv(t, 1)
	ctx := testCtx(t)
	arn := fanStream(t, env.testEnv, "enc", 1)
	env.put(t, "enc", "plain before")
	env.startEnc(t, "enc", "alias/aws/kinesis")
	env.put(t, "enc", "secret")
	if _, err := env.client.StopStreamEncryption(ctx, &kin.StopStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	env.put(t, "enc", "plain after")
	c := fanRegister(t, env.testEnv, arn, "c")
	es := fanSubscribe(t, ctx, env.testEnv, *c.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	recs, _ := recordsUntil(t, es, 3)
	want := []types.EncryptionType{types.EncryptionTypeNone, types.EncryptionTypeKms, types.EncryptionTypeNone}
	for i, r := range recs {
		if r.EncryptionType != want[i] {
			t.Errorf("record %d %q: EncryptionType %q, want %q", i, r.Data, r.EncryptionType, want[i])
		}
	}
	// A stream never encrypted keeps the member out, as GetRecords does.
	plainARN := fanStream(t, env.testEnv, "plain", 1)
	env.put(t, "plain", "x")
	pc := fanRegister(t, env.testEnv, plainARN, "c")
	es = fanSubscribe(t, ctx, env.testEnv, *pc.ConsumerARN, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	if recs, _ := recordsUntil(t, es, 1); recs[0].EncryptionType != "" {
		t.Fatalf("plain stream record: EncryptionType %q", recs[0].EncryptionType)
	}
}

// TestPutEncryptionTypeIsHowStored: when StartStreamEncryption or
// StopStreamEncryption lands between a put's reading of the stream and its
// append, the reply's EncryptionType says how the records were stored,
// not what the stream said when the call began. The race is pinned by an
// at-rest wrapper that disagrees with the metadata.
func TestPutEncryptionTypeIsHowStored(t *testing.T) {
	st, err := meta.Open(filepath.Join(t.TempDir(), "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var seal atomic.Bool
	env := startEncEnvLookup(t, st, shardlog.NewMemory(nil), 1, func(uint64) (string, bool) { return "alias/aws/kinesis", seal.Load() })
	env.create(t, "race", 2)
	ctx := testCtx(t)
	putRecords := func() types.EncryptionType {
		t.Helper()
		out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("race"), Records: []types.PutRecordsRequestEntry{
			{PartitionKey: aws.String("a"), Data: []byte("1")}, {PartitionKey: aws.String("b"), Data: []byte("2")}, {PartitionKey: aws.String("c"), Data: []byte("3")}}})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v %+v", err, out)
		}
		return out.EncryptionType
	}
	// Encryption started after the stream was read: the records are sealed.
	seal.Store(true)
	if got := env.put(t, "race", "x").EncryptionType; got != types.EncryptionTypeKms {
		t.Errorf("PutRecord sealed under a stream read as unencrypted: EncryptionType %q", got)
	}
	if got := putRecords(); got != types.EncryptionTypeKms {
		t.Errorf("PutRecords sealed under a stream read as unencrypted: EncryptionType %q", got)
	}
	// Encryption stopped after the stream (KMS) was read: stored plain.
	env.startEnc(t, "race", "alias/aws/kinesis")
	seal.Store(false)
	if got := env.put(t, "race", "y").EncryptionType; got != types.EncryptionTypeNone {
		t.Errorf("PutRecord stored plain under a stream read as KMS: EncryptionType %q", got)
	}
	if got := putRecords(); got != types.EncryptionTypeNone {
		t.Errorf("PutRecords stored plain under a stream read as KMS: EncryptionType %q", got)
	}
}
