package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// ctlClock is a race-free settable clock for state-transition tests (the
// janitor reads it from its own goroutine).
type ctlClock struct{ off atomic.Int64 }

func (c *ctlClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *ctlClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// withClock makes the server use c, with StateDelay d.
func withClock(c *ctlClock, d time.Duration) envOption {
	return func(cfg *Config) { cfg.Now, cfg.StateDelay = c.now, d }
}

func withShardLimit(n int) envOption { return func(cfg *Config) { cfg.ShardLimit = n } }

// wantAPIError asserts err is the API error code with exactly msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("want %s %q\n got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// raw posts body to action and returns the status, __type and message.
func (e *testEnv) raw(t *testing.T, action, body string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url, strings.NewReader(body))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var eb struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(b, &eb)
	return resp.StatusCode, eb.Type, eb.Message
}

func (e *testEnv) create(t *testing.T, name string, shards int32) {
	t.Helper()
	if _, err := e.client.CreateStream(testCtx(t), &kin.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestCreateAndDescribeStream(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "s1", 3)
	out, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.StreamDescription
	if *d.StreamName != "s1" || *d.StreamARN != "arn:aws:kinesis:us-east-1:000000000000:stream/s1" ||
		d.StreamStatus != types.StreamStatusActive || *d.RetentionPeriodHours != 24 || d.EncryptionType != types.EncryptionTypeNone ||
		d.StreamModeDetails.StreamMode != types.StreamModeProvisioned || *d.HasMoreShards || len(d.EnhancedMonitoring) != 1 {
		t.Fatalf("description %+v", d)
	}
	want := splitHashSpace(3)
	if len(d.Shards) != 3 {
		t.Fatalf("%d shards", len(d.Shards))
	}
	for i, sh := range d.Shards {
		if *sh.ShardId != shardIDOf(uint32(i)) || *sh.HashKeyRange.StartingHashKey != want[i][0].String() || *sh.HashKeyRange.EndingHashKey != want[i][1].String() ||
			len(*sh.SequenceNumberRange.StartingSequenceNumber) != 56 || sh.SequenceNumberRange.EndingSequenceNumber != nil || sh.ParentShardId != nil {
			t.Fatalf("shard %d: %+v", i, sh)
		}
	}
	if *d.Shards[0].ShardId != "shardId-000000000000" {
		t.Fatalf("shard id %s", *d.Shards[0].ShardId)
	}
	st, _ := env.meta.Stream("s1")
	for _, sh := range st.Shards {
		info, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
		if err != nil || info.Retention != 24*time.Hour {
			t.Fatalf("shard log %d: %+v %v", sh.Index, info, err)
		}
	}
	// Pagination of DescribeStream.
	page, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s1"), Limit: aws.Int32(2)})
	if err != nil || len(page.StreamDescription.Shards) != 2 || !*page.StreamDescription.HasMoreShards {
		t.Fatalf("page 1: %v %+v", err, page)
	}
	page, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s1"), Limit: aws.Int32(2), ExclusiveStartShardId: aws.String("shardId-000000000001")})
	if err != nil || len(page.StreamDescription.Shards) != 1 || *page.StreamDescription.HasMoreShards || *page.StreamDescription.Shards[0].ShardId != "shardId-000000000002" {
		t.Fatalf("page 2: %v %+v", err, page)
	}
	_, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s1"), Limit: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s1"), Limit: aws.Int32(10001)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000")

	sum, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("s1")})
	if err != nil || *sum.StreamDescriptionSummary.OpenShardCount != 3 || *sum.StreamDescriptionSummary.ConsumerCount != 0 ||
		sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusActive || *sum.StreamDescriptionSummary.RetentionPeriodHours != 24 {
		t.Fatalf("summary %v %+v", err, sum)
	}
	_, err = env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("not typed: %T", err)
	}
}

func TestCreateStreamErrors(t *testing.T) {
	env := startEnv(t, withShardLimit(10))
	ctx := testCtx(t)
	env.create(t, "exists", 4)
	long := strings.Repeat("a", 129)
	cases := []struct {
		name, body, typ, msg string
	}{
		{"no name", `{"ShardCount":1}`, "ValidationException", "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null"},
		{"bad pattern", `{"StreamName":"a b","ShardCount":1}`, "ValidationException", "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"empty name", `{"StreamName":"","ShardCount":1}`, "ValidationException", "1 validation error detected: Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"long name", `{"StreamName":"` + long + `","ShardCount":1}`, "ValidationException", "1 validation error detected: Value '" + long + "' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"zero shards and no name", `{"ShardCount":0}`, "ValidationException", "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value null at 'streamName' failed to satisfy constraint: Member must not be null"},
		{"bad mode", `{"StreamName":"x","StreamModeDetails":{"StreamMode":"FAST"}}`, "ValidationException", "1 validation error detected: Value 'FAST' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"},
		{"on-demand with count", `{"StreamName":"x","ShardCount":2,"StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`, "InvalidArgumentException", "ShardCount is not expected when StreamMode=ON_DEMAND"},
		{"provisioned without count", `{"StreamName":"x"}`, "InvalidArgumentException", "ShardCount is required when StreamMode=PROVISIONED"},
		{"exists", `{"StreamName":"exists","ShardCount":1}`, "ResourceInUseException", "Stream exists under account 000000000000 already exists."},
		{"limit", `{"StreamName":"big","ShardCount":7}`, "LimitExceededException", "This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 4. Limit: 10. Number of additional shards that would have resulted from this request: 7. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits."},
		{"wrong type", `{"StreamName":"x","ShardCount":"one"}`, "SerializationException", ""},
		{"bad tag chars", `{"StreamName":"x","ShardCount":1,"Tags":{"k":"v!"}}`, "InvalidArgumentException", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, typ, msg := env.raw(t, "CreateStream", c.body)
			if status != 400 || typ != c.typ || (c.msg != "" && msg != c.msg) {
				t.Fatalf("got %d %s %q\nwant %s %q", status, typ, msg, c.typ, c.msg)
			}
		})
	}
	// Through the SDK: typed errors.
	_, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("exists"), ShardCount: aws.Int32(1)})
	var riu *types.ResourceInUseException
	if !errors.As(err, &riu) {
		t.Fatalf("want ResourceInUseException, got %v", err)
	}
	_, err = env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(7)})
	var le *types.LimitExceededException
	if !errors.As(err, &le) {
		t.Fatalf("want LimitExceededException, got %v", err)
	}
	if status, typ, _ := env.raw(t, "NoSuchAction", `{}`); status != 400 || typ != "UnknownOperationException" {
		t.Fatalf("unknown op: %d %s", status, typ)
	}
	// Exactly at the limit is fine.
	env.create(t, "fits", 6)
}

func TestOnDemandAndLimits(t *testing.T) {
	env := startEnv(t, func(c *Config) { c.OnDemandStreamCountLimit = 1 })
	ctx := testCtx(t)
	_, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	if err != nil {
		t.Fatal(err)
	}
	env.create(t, "prov", 2)
	sum, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("od")})
	if err != nil || *sum.StreamDescriptionSummary.OpenShardCount != 4 || sum.StreamDescriptionSummary.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("%v %+v", err, sum)
	}
	lim, err := env.client.DescribeLimits(ctx, &kin.DescribeLimitsInput{})
	if err != nil || *lim.ShardLimit != 1000 || *lim.OpenShardCount != 6 || *lim.OnDemandStreamCount != 1 || *lim.OnDemandStreamCountLimit != 1 {
		t.Fatalf("%v %+v", err, lim)
	}
	_, err = env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od2"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	var le *types.LimitExceededException
	if !errors.As(err, &le) {
		t.Fatalf("want LimitExceededException, got %v", err)
	}
}

func TestStreamStates(t *testing.T) {
	clk := &ctlClock{}
	env := startEnv(t, withClock(clk, 10*time.Second))
	ctx := testCtx(t)
	env.create(t, "st", 2)
	desc := func() *types.StreamDescription {
		t.Helper()
		out, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("st")})
		if err != nil {
			t.Fatal(err)
		}
		return out.StreamDescription
	}
	if d := desc(); d.StreamStatus != types.StreamStatusCreating || len(d.Shards) != 0 {
		t.Fatalf("want CREATING without shards, got %s %d", d.StreamStatus, len(d.Shards))
	}
	_, err := env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("st"), Tags: map[string]string{"a": "b"}})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 not ACTIVE or UPDATING, instead in state CREATING")
	_, err = env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("st")})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 not ACTIVE or UPDATING, instead in state CREATING")
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("st")})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 not ACTIVE or UPDATING, instead in state CREATING")
	_, err = env.client.IncreaseStreamRetentionPeriod(ctx, &kin.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("st"), RetentionPeriodHours: aws.Int32(48)})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 not ACTIVE, instead in state CREATING")
	if err := env.srv.requireActive(mustStream(t, env, "st")); err == nil {
		t.Fatal("requireActive passed on CREATING")
	}

	clk.advance(10 * time.Second)
	env.srv.kickJanitor()
	if d := desc(); d.StreamStatus != types.StreamStatusActive || len(d.Shards) != 2 {
		t.Fatalf("want ACTIVE, got %s", d.StreamStatus)
	}
	eventually(t, "ACTIVE persisted", func() bool { return mustStream(t, env, "st").Status == meta.StatusActive })

	// UPDATING during a retention change.
	if _, err := env.client.IncreaseStreamRetentionPeriod(ctx, &kin.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("st"), RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	if d := desc(); d.StreamStatus != types.StreamStatusUpdating || *d.RetentionPeriodHours != 48 {
		t.Fatalf("want UPDATING 48, got %s %d", d.StreamStatus, *d.RetentionPeriodHours)
	}
	_, err = env.client.DecreaseStreamRetentionPeriod(ctx, &kin.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("st"), RetentionPeriodHours: aws.Int32(24)})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 not ACTIVE, instead in state UPDATING")
	// Tags are allowed while UPDATING.
	if _, err := env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("st"), Tags: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	clk.advance(10 * time.Second)
	env.srv.kickJanitor()
	if d := desc(); d.StreamStatus != types.StreamStatusActive {
		t.Fatalf("want ACTIVE after update, got %s", d.StreamStatus)
	}

	// DELETING, then gone with its data.
	st := mustStream(t, env, "st")
	id := shardlog.ShardID{Stream: st.UID, Shard: 0}
	if _, err := env.log.Append(ctx, id, []shardlog.Entry{{PartitionKey: []byte("k"), Data: []byte("d")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("st"), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if d := desc(); d.StreamStatus != types.StreamStatusDeleting {
		t.Fatalf("want DELETING, got %s", d.StreamStatus)
	}
	_, err = env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("st")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream st under account 000000000000 not found.")
	// The name stays taken while DELETING.
	_, err = env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("st"), ShardCount: aws.Int32(1)})
	wantAPIError(t, err, "ResourceInUseException", "Stream st under account 000000000000 already exists.")
	if _, err := env.log.Info(id); err != nil {
		t.Fatalf("data gone too early: %v", err)
	}
	clk.advance(10 * time.Second)
	_, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("st")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream st under account 000000000000 not found.")
	eventually(t, "deletion finished", func() bool {
		_, ok := env.meta.Stream("st")
		return !ok
	})
	for i := uint32(0); i < 2; i++ {
		if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: i}); !errors.Is(err, shardlog.ErrShardNotFound) {
			t.Fatalf("shard %d still there: %v", i, err)
		}
	}
	// The name can be reused; the new stream has new shards.
	env.create(t, "st", 1)
	if ns := mustStream(t, env, "st"); ns.UID == st.UID {
		t.Fatal("UID reused")
	}
}

func mustStream(t *testing.T, env *testEnv, name string) *meta.Stream {
	t.Helper()
	st, ok := env.meta.Stream(name)
	if !ok {
		t.Fatalf("stream %s missing", name)
	}
	return st
}

func TestDeleteFinishesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	ms, err := meta.Open(dir+"/meta.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	lg := shardlog.NewMemory(nil)
	defer lg.Close()
	st, err := ms.CreateStream(meta.Stream{Name: "old", Status: meta.StatusDeleting, ReadyAt: time.Now().Add(-time.Minute),
		RetentionHours: 24, Shards: []meta.Shard{{Index: 0, HashKeyStart: "0", HashKeyEnd: maxHashKey.String()}}, NextShardIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := lg.CreateShard(shardlog.ShardID{Stream: st.UID}, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{StateDelay: -1}, ms, lg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	eventually(t, "deletion on start", func() bool {
		_, ok := ms.Stream("old")
		_, err := lg.Info(shardlog.ShardID{Stream: st.UID})
		return !ok && errors.Is(err, shardlog.ErrShardNotFound)
	})
}

func TestListStreams(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	names := []string{"a", "b", "c", "d", "e"}
	for _, n := range names {
		env.create(t, n, 1)
	}
	var got []string
	in := &kin.ListStreamsInput{Limit: aws.Int32(2)}
	for pages := 0; ; pages++ {
		out, err := env.client.ListStreams(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.StreamNames...)
		if len(out.StreamSummaries) != len(out.StreamNames) || *out.StreamSummaries[0].StreamARN != "arn:aws:kinesis:us-east-1:000000000000:stream/"+out.StreamNames[0] {
			t.Fatalf("summaries %+v", out.StreamSummaries)
		}
		if !*out.HasMoreStreams {
			if out.NextToken != nil || pages != 2 {
				t.Fatalf("last page: token %v after %d pages", out.NextToken, pages)
			}
			break
		}
		in = &kin.ListStreamsInput{Limit: aws.Int32(2), NextToken: out.NextToken}
	}
	if strings.Join(got, ",") != "a,b,c,d,e" {
		t.Fatalf("got %v", got)
	}
	out, err := env.client.ListStreams(ctx, &kin.ListStreamsInput{ExclusiveStartStreamName: aws.String("c")})
	if err != nil || strings.Join(out.StreamNames, ",") != "d,e" || *out.HasMoreStreams {
		t.Fatalf("%v %v", err, out.StreamNames)
	}
	_, err = env.client.ListStreams(ctx, &kin.ListStreamsInput{Limit: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = env.client.ListStreams(ctx, &kin.ListStreamsInput{NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid NextToken.")
}

func TestListShards(t *testing.T) {
	clk := &ctlClock{}
	env := startEnv(t, withClock(clk, 0))
	ctx := testCtx(t)
	env.create(t, "ls", 5)
	var ids []string
	in := &kin.ListShardsInput{StreamName: aws.String("ls"), MaxResults: aws.Int32(2)}
	var token *string
	for {
		out, err := env.client.ListShards(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range out.Shards {
			ids = append(ids, *sh.ShardId)
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
		in = &kin.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(2)}
	}
	if len(ids) != 5 || ids[4] != "shardId-000000000004" {
		t.Fatalf("ids %v", ids)
	}
	out, err := env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("ls"), ExclusiveStartShardId: aws.String("shardId-000000000002")})
	if err != nil || len(out.Shards) != 2 || out.NextToken != nil {
		t.Fatalf("%v %+v", err, out)
	}
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("ls"), NextToken: token})
	wantAPIError(t, err, "InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{})
	wantAPIError(t, err, "InvalidArgumentException", "Either NextToken or StreamName should be provided.")
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("ls"), MaxResults: aws.Int32(10001)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '10001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10000")
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{NextToken: aws.String("bm90IGEgdG9rZW4gYXQgYWxsIG5vIHNpcg")})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid NextToken.")
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("missing")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream missing under account 000000000000 not found.")
	st := mustStream(t, env, "ls")
	if _, err := env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("ls"), StreamCreationTimestamp: aws.Time(st.CreatedAt)}); err != nil {
		t.Fatal(err)
	}
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("ls"), StreamCreationTimestamp: aws.Time(st.CreatedAt.Add(-time.Hour))})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream ls under account 000000000000 not found.")

	// Tokens expire after 300 s.
	clk.advance(301 * time.Second)
	_, err = env.client.ListShards(ctx, &kin.ListShardsInput{NextToken: token})
	var ent *types.ExpiredNextTokenException
	if !errors.As(err, &ent) {
		t.Fatalf("want ExpiredNextTokenException, got %v", err)
	}
}

// TestPageSizeCaps checks AWS's page caps above the validated range:
// DescribeStream returns at most 100 shards and ListShards at most 1000
// whatever Limit or MaxResults (1-10000) asks for, so code that forgets to
// page through a resharded stream's shards fails here as it would on AWS.
func TestPageSizeCaps(t *testing.T) {
	env := startEnv(t, func(c *Config) { c.ShardLimit = 2000 })
	ctx := testCtx(t)
	env.create(t, "big", 1001)
	d, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("big"), Limit: aws.Int32(10000)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.StreamDescription.Shards); n != 100 || !*d.StreamDescription.HasMoreShards {
		t.Fatalf("DescribeStream Limit 10000: %d shards, HasMoreShards %v; want 100, true", n, *d.StreamDescription.HasMoreShards)
	}
	l, err := env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("big"), MaxResults: aws.Int32(10000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Shards) != 1000 || l.NextToken == nil {
		t.Fatalf("ListShards MaxResults 10000: %d shards, NextToken %v; want 1000 and a token", len(l.Shards), l.NextToken)
	}
	l, err = env.client.ListShards(ctx, &kin.ListShardsInput{NextToken: l.NextToken, MaxResults: aws.Int32(5000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Shards) != 1 || *l.Shards[0].ShardId != "shardId-000000001000" || l.NextToken != nil {
		t.Fatalf("second page: %d shards, NextToken %v", len(l.Shards), l.NextToken)
	}
}

// TestListStreamsPageCap checks that ListStreams returns at most 100 names
// however large Limit is, as the API reference says.
func TestListStreamsPageCap(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	for i := range 101 {
		env.create(t, fmt.Sprintf("s%03d", i), 1)
	}
	out, err := env.client.ListStreams(ctx, &kin.ListStreamsInput{Limit: aws.Int32(10000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.StreamNames) != 100 || !*out.HasMoreStreams || out.NextToken == nil {
		t.Fatalf("Limit 10000: %d names, HasMoreStreams %v, NextToken %v; want 100, true and a token", len(out.StreamNames), *out.HasMoreStreams, out.NextToken)
	}
}

func TestListShardsFilters(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "f", 2)
	// Simulate resharding history: shard 0 closed 30 h ago (past the 24 h
	// retention) with child 2; shard 1 closed 1 h ago with child 3.
	now := time.Now()
	created := now.Add(-48 * time.Hour)
	_, err := env.meta.UpdateStream("f", func(st *meta.Stream) error {
		st.CreatedAt = created
		p0, p1 := uint32(0), uint32(1)
		st.Shards[0].CreatedAt, st.Shards[1].CreatedAt = created, created
		st.Shards[0].Closed, st.Shards[0].ClosedAt, st.Shards[0].End = true, now.Add(-30*time.Hour), 8
		st.Shards[1].Closed, st.Shards[1].ClosedAt = true, now.Add(-time.Hour)
		st.Shards = append(st.Shards,
			meta.Shard{Index: 2, Parent: &p0, HashKeyStart: st.Shards[0].HashKeyStart, HashKeyEnd: st.Shards[0].HashKeyEnd, CreatedAt: now.Add(-30 * time.Hour)},
			meta.Shard{Index: 3, Parent: &p1, HashKeyStart: st.Shards[1].HashKeyStart, HashKeyEnd: st.Shards[1].HashKeyEnd, CreatedAt: now.Add(-time.Hour)})
		st.NextShardIndex = 4
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func(f *types.ShardFilter) string {
		t.Helper()
		out, err := env.client.ListShards(ctx, &kin.ListShardsInput{StreamName: aws.String("f"), ShardFilter: f})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sh := range out.Shards {
			ids = append(ids, strings.TrimPrefix(*sh.ShardId, "shardId-00000000000"))
		}
		return strings.Join(ids, ",")
	}
	cases := []struct {
		name   string
		filter *types.ShardFilter
		want   string
	}{
		{"default", nil, "1,2,3"},
		{"from trim horizon", &types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}, "1,2,3"},
		{"at trim horizon", &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, "1,2"},
		{"at latest", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, "2,3"},
		{"after shard id", &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000001")}, "2,3"},
		// Shard 0 expired (closed 30 h ago, past the 24 h retention): never
		// listed; timestamps before the trim horizon are corrected to it.
		{"at timestamp", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(now.Add(-40 * time.Hour))}, "1,2"},
		{"at creation", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: aws.Time(created.Add(-time.Hour))}, "1,2"},
		{"from timestamp", &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: aws.Time(now.Add(-2 * time.Hour))}, "1,2,3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := list(c.filter); got != c.want {
				t.Fatalf("got %s want %s", got, c.want)
			}
		})
	}
	out, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("f")})
	if err != nil {
		t.Fatal(err)
	}
	sh := out.StreamDescription.Shards
	// ListShards deleted the expired shard 0 for good.
	if len(sh) != 3 || sh[0].SequenceNumberRange.EndingSequenceNumber == nil || *sh[1].ParentShardId != "shardId-000000000000" || sh[1].SequenceNumberRange.EndingSequenceNumber != nil {
		t.Fatalf("closed shards rendered wrong: %+v", sh)
	}
	if status, typ, msg := env.raw(t, "ListShards", `{"StreamName":"f","ShardFilter":{"Type":"AFTER_SHARD_ID"}}`); status != 400 || typ != "InvalidArgumentException" || msg != "ShardId must be specified with the AFTER_SHARD_ID shard filter type." {
		t.Fatalf("%d %s %s", status, typ, msg)
	}
	if _, typ, msg := env.raw(t, "ListShards", `{"StreamName":"f","ShardFilter":{"Type":"NOPE"}}`); typ != "ValidationException" || !strings.Contains(msg, "at 'shardFilter.type'") {
		t.Fatalf("%s %s", typ, msg)
	}
}

func TestRetentionPeriod(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "r", 2)
	st := mustStream(t, env, "r")
	retention := func() time.Duration {
		info, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: 1})
		if err != nil {
			t.Fatal(err)
		}
		return info.Retention
	}
	if _, err := env.client.IncreaseStreamRetentionPeriod(ctx, &kin.IncreaseStreamRetentionPeriodInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/r"), RetentionPeriodHours: aws.Int32(168)}); err != nil {
		t.Fatal(err)
	}
	if r := retention(); r != 168*time.Hour {
		t.Fatalf("retention %v", r)
	}
	inc := func(h int32) error {
		_, err := env.client.IncreaseStreamRetentionPeriod(ctx, &kin.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(h)})
		return err
	}
	dec := func(h int32) error {
		_, err := env.client.DecreaseStreamRetentionPeriod(ctx, &kin.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(h)})
		return err
	}
	wantAPIError(t, inc(48), "InvalidArgumentException", "Requested retention period (48 hours) for stream r can not be shorter than existing retention period (168 hours). Use DecreaseRetentionPeriod API.")
	wantAPIError(t, dec(200), "InvalidArgumentException", "Requested retention period (200 hours) for stream r can not be longer than existing retention period (168 hours). Use IncreaseRetentionPeriod API.")
	wantAPIError(t, inc(8761), "InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.")
	wantAPIError(t, dec(23), "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.")
	wantAPIError(t, dec(0), "ValidationException", "1 validation error detected: Value '0' at 'retentionPeriodHours' failed to satisfy constraint: Member must have value greater than or equal to 1")
	if err := inc(168); err != nil {
		t.Fatalf("same value: %v", err)
	}
	if err := dec(24); err != nil {
		t.Fatal(err)
	}
	if r := retention(); r != 24*time.Hour {
		t.Fatalf("retention %v", r)
	}
	if status, typ, msg := env.raw(t, "IncreaseStreamRetentionPeriod", `{"StreamName":"r"}`); status != 400 || typ != "ValidationException" ||
		msg != "1 validation error detected: Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("%d %s %s", status, typ, msg)
	}
}

func TestTags(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	_, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("t"), ShardCount: aws.Int32(1), Tags: map[string]string{"z": "last"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: map[string]string{"a": "1", "b": "2", "c": "", "é t": "ü"}}); err != nil {
		t.Fatal(err)
	}
	out, err := env.client.ListTagsForStream(ctx, &kin.ListTagsForStreamInput{StreamName: aws.String("t"), Limit: aws.Int32(2)})
	if err != nil || len(out.Tags) != 2 || !*out.HasMoreTags || *out.Tags[0].Key != "a" || *out.Tags[1].Value != "2" {
		t.Fatalf("%v %+v", err, out)
	}
	out, err = env.client.ListTagsForStream(ctx, &kin.ListTagsForStreamInput{StreamName: aws.String("t"), ExclusiveStartTagKey: aws.String("b")})
	if err != nil || len(out.Tags) != 3 || *out.HasMoreTags || *out.Tags[0].Key != "c" || *out.Tags[2].Key != "é t" {
		t.Fatalf("%v %+v", err, out)
	}
	if _, err := env.client.RemoveTagsFromStream(ctx, &kin.RemoveTagsFromStreamInput{StreamName: aws.String("t"), TagKeys: []string{"a", "nope"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.client.ListTagsForStream(ctx, &kin.ListTagsForStreamInput{StreamName: aws.String("t")})
	if len(out.Tags) != 4 {
		t.Fatalf("after remove: %+v", out.Tags)
	}
	_, err = env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: map[string]string{"k": "50%"}})
	wantAPIError(t, err, "InvalidArgumentException", "Failed to add tags to stream t under account 000000000000 because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.")
	_, err = env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: map[string]string{"k": "a*b"}})
	wantAPIError(t, err, "InvalidArgumentException", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.")
	_, err = env.client.RemoveTagsFromStream(ctx, &kin.RemoveTagsFromStreamInput{StreamName: aws.String("t"), TagKeys: []string{"x%"}})
	wantAPIError(t, err, "InvalidArgumentException", "Failed to remove tags from stream t under account 000000000000 because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.")
	many := map[string]string{}
	for i := 0; i < 47; i++ {
		many["k"+itoa(int64(i))] = "v"
	}
	_, err = env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: many})
	wantAPIError(t, err, "InvalidArgumentException", "Failed to add tags to stream t under account 000000000000 because a given stream cannot have more than 50 tags associated with it.")
	delete(many, "k0")
	if _, err := env.client.AddTagsToStream(ctx, &kin.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: many}); err != nil {
		t.Fatalf("50 tags: %v", err)
	}
	_, err = env.client.ListTagsForStream(ctx, &kin.ListTagsForStreamInput{StreamName: aws.String("t"), Limit: aws.Int32(51)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
	for _, c := range []struct{ action, body, msg string }{
		{"AddTagsToStream", `{"StreamName":"t"}`, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
		{"AddTagsToStream", `{"StreamName":"t","Tags":{"":"v"}}`, "1 validation error detected: Value '{=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"RemoveTagsFromStream", `{"StreamName":"t"}`, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
		{"RemoveTagsFromStream", `{"StreamName":"t","TagKeys":[]}`, "1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	} {
		if status, typ, msg := env.raw(t, c.action, c.body); status != 400 || typ != "ValidationException" || msg != c.msg {
			t.Fatalf("%s %s: %d %s %q", c.action, c.body, status, typ, msg)
		}
	}
}

func TestStreamARNAddressing(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "arn1", 1)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/arn1"
	out, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamARN: aws.String(arn)})
	if err != nil || *out.StreamDescriptionSummary.StreamName != "arn1" {
		t.Fatalf("%v %+v", err, out)
	}
	_, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("other"), StreamARN: aws.String(arn)})
	wantAPIError(t, err, "InvalidArgumentException", "StreamARN "+arn+" and StreamName other do not refer to the same stream.")
	_, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{})
	wantAPIError(t, err, "InvalidArgumentException", "Either StreamName or StreamARN should be provided.")
	if _, err := env.client.ListShards(ctx, &kin.ListShardsInput{StreamARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	// ARNs carry the request's region.
	eu := kin.New(env.client.Options(), func(o *kin.Options) { o.Region = "eu-west-1" })
	d, err := eu.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("arn1")})
	if err != nil || *d.StreamDescription.StreamARN != "arn:aws:kinesis:eu-west-1:000000000000:stream/arn1" {
		t.Fatalf("%v %+v", err, d)
	}
	if _, err := env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
}

// FuzzControlRequests feeds random bodies to every stream-management action
// through the HTTP adapter: each answer is a 200 or a 4xx wire error with a
// type, never a panic or a 5xx.
func FuzzControlRequests(f *testing.F) {
	seeds := []string{
		`{"StreamName":"f","ShardCount":2}`, `{"StreamName":"f"}`, `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/f"}`,
		`{"StreamName":"f","Limit":0}`, `{"NextToken":"x"}`, `{"StreamName":"f","ShardFilter":{"Type":"AT_TIMESTAMP","Timestamp":"x"}}`,
		`{"StreamName":"f","Tags":{"a":"%"}}`, `{"StreamName":"f","TagKeys":[1]}`, `{"StreamName":"f","RetentionPeriodHours":1e99}`,
		`[]`, `null`, `"s"`, `{`, ``, `{"StreamModeDetails":{"StreamMode":"ON_DEMAND"},"StreamName":"g"}`,
		`{"StreamName":"f","ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"zz"}}`,
	}
	ops := []string{"CreateStream", "DeleteStream", "DescribeStream", "DescribeStreamSummary", "ListStreams", "ListShards",
		"AddTagsToStream", "RemoveTagsFromStream", "ListTagsForStream", "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod", "DescribeLimits"}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	ms, err := meta.Open(f.TempDir()+"/meta.db", nil)
	if err != nil {
		f.Fatal(err)
	}
	lg := shardlog.NewMemory(nil)
	srv, err := New(Config{StateDelay: -1, ShardLimit: 50}, ms, lg, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close(); lg.Close(); ms.Close() })
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", targetPrefix+ops[int(op)%len(ops)])
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req.WithContext(context.Background()))
		if rec.Code == http.StatusOK {
			return
		}
		var e struct {
			Type string `json:"__type"`
		}
		if rec.Code < 400 || rec.Code > 499 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Type == "" {
			t.Fatalf("%s %q: %d %s", ops[int(op)%len(ops)], body, rec.Code, rec.Body.String())
		}
	})
}

// A crash between storing a stream and creating its shards must not leave
// a stream that fails every put: New recreates the missing shards.
func TestRepairMissingShards(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("torn"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	st, _ := env.meta.Stream("torn")
	if err := env.log.DeleteShard(shardlog.ShardID{Stream: st.UID, Shard: 1}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{StateDelay: 0}, env.meta, env.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: 1}); err != nil {
		t.Fatalf("shard 1 not recreated: %v", err)
	}
}

// TestValidationReportsStreamWithOtherMembers: AWS checks every member's
// constraints at once, so a bad StreamName or StreamARN is counted with the
// request's other failures, not reported alone on a second try.
func TestValidationReportsStreamWithOtherMembers(t *testing.T) {
	env := startEnv(t)
	const (
		badName = "Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
		badARN  = "Value 'x' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"
	)
	cases := []struct{ op, body, msg string }{
		{"DescribeStream", `{"StreamName":"a b","Limit":0}`, "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badName},
		{"ListShards", `{"StreamName":"a b","MaxResults":0}`, "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badName},
		{"ListTagsForStream", `{"StreamName":"a b","Limit":0}`, "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badName},
		{"AddTagsToStream", `{"StreamName":"a b","Tags":{}}`, "Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1; " + badName},
		{"RemoveTagsFromStream", `{"StreamName":"a b","TagKeys":[]}`, "Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1; " + badName},
		{"IncreaseStreamRetentionPeriod", `{"StreamName":"a b","RetentionPeriodHours":0}`, "Value '0' at 'retentionPeriodHours' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badName},
		{"DecreaseStreamRetentionPeriod", `{"StreamName":"a b","RetentionPeriodHours":0}`, "Value '0' at 'retentionPeriodHours' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badName},
		{"UpdateStreamMode", `{"StreamARN":"x"}`, badARN + "; Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null"},
		{"SplitShard", `{"StreamARN":"x","ShardToSplit":"shardId-000000000000"}`, badARN + "; Value null at 'newStartingHashKey' failed to satisfy constraint: Member must not be null"},
		{"GetRecords", `{"StreamARN":"x","Limit":0}`, "Value null at 'shardIterator' failed to satisfy constraint: Member must not be null; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " + badARN},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			status, typ, msg := env.raw(t, c.op, c.body)
			n := strings.Count(c.msg, "; ") + 1
			if want := fmt.Sprintf("%d validation errors detected: %s", n, c.msg); status != 400 || typ != "ValidationException" || msg != want {
				t.Fatalf("got %d %s %q\nwant ValidationException %q", status, typ, msg, want)
			}
		})
	}
}

// TestNextTokenLength: NextToken is 1-1,048,576 characters in every
// paginated action; a longer one is a ValidationException, not a token
// that fails to decode.
func TestNextTokenLength(t *testing.T) {
	env := startEnv(t)
	long := strings.Repeat("a", 1048577)
	want := "1 validation error detected: Value '" + long + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1048576"
	for op, body := range map[string]string{
		"ListShards":          `{"NextToken":"` + long + `"}`,
		"ListStreams":         `{"NextToken":"` + long + `"}`,
		"ListStreamConsumers": `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","NextToken":"` + long + `"}`,
	} {
		if status, typ, msg := env.raw(t, op, body); status != 400 || typ != "ValidationException" || msg != want {
			t.Errorf("%s: got %d %s %.200q", op, status, typ, msg)
		}
	}
}

// failRetentionLog fails the next fail SetRetention calls, as a log whose
// state-file write failed does.
type failRetentionLog struct {
	shardlog.Log
	fail atomic.Int32
}

func (f *failRetentionLog) SetRetention(id shardlog.ShardID, d time.Duration) error {
	if f.fail.Add(-1) >= 0 {
		return fmt.Errorf("write state: %w", shardlog.ErrReadOnly)
	}
	return f.Log.SetRetention(id, d)
}

// TestRetentionDecreaseHidesOlderRecords: as on AWS, records older than a
// decreased retention are unreadable at once: from TRIM_HORIZON, at their
// own sequence numbers and through iterators taken before the decrease.
// When the log's write fails, the call fails, and a retry (which finds
// meta already changed) or a start still brings the log in line.
func TestRetentionDecreaseHidesOlderRecords(t *testing.T) {
	var fl *failRetentionLog
	env := startEnvWith(t, func(l shardlog.Log) shardlog.Log { fl = &failRetentionLog{Log: l}; return fl })
	ctx := testCtx(t)
	env.create(t, "r", 1)
	if _, err := env.client.IncreaseStreamRetentionPeriod(ctx, &kin.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	_, oldSeq := rsPut(t, env, "r", "0", "old")
	env.clock.advance(30 * time.Hour)
	_, newSeq := rsPut(t, env, "r", "0", "new")
	shard := aws.String("shardId-000000000000")
	iter := func(typ types.ShardIteratorType, seq *string) *string {
		t.Helper()
		out, err := env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("r"), ShardId: shard, ShardIteratorType: typ, StartingSequenceNumber: seq})
		if err != nil {
			t.Fatal(err)
		}
		return out.ShardIterator
	}
	first := func(it *string) string {
		t.Helper()
		out, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Records) == 0 {
			return ""
		}
		return *out.Records[0].SequenceNumber
	}
	held := iter(types.ShardIteratorTypeTrimHorizon, nil)
	if got := first(iter(types.ShardIteratorTypeTrimHorizon, nil)); got != oldSeq {
		t.Fatalf("before the decrease TRIM_HORIZON reads %s, want %s", got, oldSeq)
	}
	dec := func() error {
		_, err := env.client.DecreaseStreamRetentionPeriod(ctx, &kin.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(24)})
		return err
	}
	fl.fail.Store(1)
	if err := dec(); err == nil {
		t.Fatal("the decrease succeeded although the log's write failed")
	}
	if err := dec(); err != nil {
		t.Fatalf("retry: %v", err)
	}
	for name, it := range map[string]*string{
		"held iterator": held,
		"TRIM_HORIZON":  iter(types.ShardIteratorTypeTrimHorizon, nil),
		"AT old number": iter(types.ShardIteratorTypeAtSequenceNumber, aws.String(oldSeq)),
	} {
		if got := first(it); got != newSeq {
			t.Errorf("%s after the decrease reads %s, want %s", name, got, newSeq)
		}
	}

	// A start finishes a change whose log write never happened.
	st := mustStream(t, env, "r")
	id := shardlog.ShardID{Stream: st.UID, Shard: 0}
	if err := env.log.SetRetention(id, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.repairShards(); err != nil {
		t.Fatal(err)
	}
	if info, err := env.log.Info(id); err != nil || info.Retention != 24*time.Hour {
		t.Fatalf("after repair: retention %v, %v", info.Retention, err)
	}
}
