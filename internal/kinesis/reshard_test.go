package kinesis

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/rheo-dev/rheo/internal/awsfix"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/seqnum"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

const (
	hashMid  = "170141183460469231731687303715884105728" // 2^127
	hashMax  = "340282366920938463463374607431768211455" // 2^128-1
	hashMidM = "170141183460469231731687303715884105727" // 2^127-1
)

// rsPut puts one record with an explicit hash key and returns its shard
// and sequence number.
func rsPut(t *testing.T, env *testEnv, stream, hashKey, data string) (string, string) {
	t.Helper()
	out, err := env.client.PutRecord(testCtx(t), &kin.PutRecordInput{
		StreamName: aws.String(stream), PartitionKey: aws.String("pk"), ExplicitHashKey: aws.String(hashKey), Data: []byte(data),
	})
	if err != nil {
		t.Fatalf("PutRecord: %v", err)
	}
	return aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber)
}

// rsShards lists every shard of stream with ListShards and filter.
func rsShards(t *testing.T, env *testEnv, stream string, f *types.ShardFilter) []types.Shard {
	t.Helper()
	out, err := env.client.ListShards(testCtx(t), &kin.ListShardsInput{StreamName: aws.String(stream), ShardFilter: f})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	return out.Shards
}

// rsIDs renders shard ids as their short numbers: "0,1,2".
func rsIDs(shards []types.Shard) string {
	var ids []string
	for _, sh := range shards {
		n, _ := parseShardID(aws.ToString(sh.ShardId))
		ids = append(ids, fmt.Sprint(n))
	}
	return strings.Join(ids, ",")
}

// rsRead reads a whole shard from TRIM_HORIZON to its end (closed) or tip
// (open) and returns its records and, for a closed shard, its children.
func rsRead(t *testing.T, env *testEnv, stream, shard string) ([]types.Record, []types.ChildShard, bool) {
	t.Helper()
	ctx := testCtx(t)
	it, err := env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatalf("GetShardIterator %s: %v", shard, err)
	}
	next := it.ShardIterator
	var recs []types.Record
	for range 1000 {
		out, err := env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: next})
		if err != nil {
			t.Fatalf("GetRecords %s: %v", shard, err)
		}
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil {
			return recs, out.ChildShards, true
		}
		if len(out.Records) == 0 {
			return recs, nil, false
		}
		next = out.NextShardIterator
	}
	t.Fatalf("shard %s never ended", shard)
	return nil, nil, false
}

// envOn returns env served by srv instead (a restarted server on the same
// meta and log).
func envOn(t *testing.T, env *testEnv, srv *Server) *testEnv {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := *env
	e.srv, e.url = srv, hs.URL
	e.client = kin.New(kin.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(hs.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       awsfix.HTTPClient(0),
	})
	return &e
}

func TestSplitShard(t *testing.T) {
	clock := &ctlClock{}
	env := startEnv(t, withClock(clock, time.Second))
	ctx := testCtx(t)
	env.create(t, "s", 1)
	clock.advance(2 * time.Second)
	_, seqA := rsPut(t, env, "s", "5", "a")
	_, seqB := rsPut(t, env, "s", hashMax, "b")

	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(hashMid)}); err != nil {
		t.Fatal(err)
	}
	d, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if d.StreamDescription.StreamStatus != types.StreamStatusUpdating {
		t.Fatalf("status %s, want UPDATING", d.StreamDescription.StreamStatus)
	}
	sh := d.StreamDescription.Shards
	if len(sh) != 3 {
		t.Fatalf("%d shards", len(sh))
	}
	if got := aws.ToString(sh[0].SequenceNumberRange.EndingSequenceNumber); got != seqB {
		t.Fatalf("parent ends at %s, want last record %s", got, seqB)
	}
	wantRanges := [][2]string{{"0", hashMidM}, {hashMid, hashMax}}
	for i, c := range sh[1:] {
		if aws.ToString(c.ParentShardId) != "shardId-000000000000" || c.AdjacentParentShardId != nil {
			t.Fatalf("child %d lineage %v %v", i, aws.ToString(c.ParentShardId), c.AdjacentParentShardId)
		}
		if r := c.HashKeyRange; aws.ToString(r.StartingHashKey) != wantRanges[i][0] || aws.ToString(r.EndingHashKey) != wantRanges[i][1] {
			t.Fatalf("child %d range %s-%s", i, aws.ToString(r.StartingHashKey), aws.ToString(r.EndingHashKey))
		}
		if start := aws.ToString(c.SequenceNumberRange.StartingSequenceNumber); start <= seqB || c.SequenceNumberRange.EndingSequenceNumber != nil {
			t.Fatalf("child %d sequence range %+v", i, c.SequenceNumberRange)
		}
	}
	// UPDATING refuses another reshard, as AWS does.
	_, err = env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000001"), NewStartingHashKey: aws.String("1000")})
	wantAPIError(t, err, "ResourceInUseException", "Stream s under account 000000000000 not ACTIVE, instead in state UPDATING")
	clock.advance(2 * time.Second)

	// Writes go to the children; the parent reads to its end with ChildShards.
	if shard, seq := rsPut(t, env, "s", "5", "c"); shard != "shardId-000000000001" || seq <= seqA {
		t.Fatalf("put after split went to %s %s", shard, seq)
	}
	if shard, _ := rsPut(t, env, "s", hashMax, "d"); shard != "shardId-000000000002" {
		t.Fatalf("put after split went to %s", shard)
	}
	recs, children, ended := rsRead(t, env, "s", "shardId-000000000000")
	if !ended || len(recs) != 2 || len(children) != 2 {
		t.Fatalf("parent read: %d records, ended %v, children %+v", len(recs), ended, children)
	}
	if aws.ToString(children[0].ShardId) != "shardId-000000000001" || !slices.Equal(children[0].ParentShards, []string{"shardId-000000000000"}) ||
		aws.ToString(children[1].HashKeyRange.StartingHashKey) != hashMid {
		t.Fatalf("children %+v", children)
	}
}

func TestSplitShardErrors(t *testing.T) {
	env := startEnv(t, withShardLimit(3))
	ctx := testCtx(t)
	env.create(t, "e", 2)
	split := func(shard, key string) error {
		_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("e"), ShardToSplit: aws.String(shard), NewStartingHashKey: aws.String(key)})
		return err
	}
	wantAPIError(t, split("shardId-000000000009", "5"), "ResourceNotFoundException", "Could not find shard shardId-000000000009 in stream e under account 000000000000.")
	wantAPIError(t, split("bogus", "5"), "ResourceNotFoundException", "Could not find shard bogus in stream e under account 000000000000.")
	for _, key := range []string{"0", "1", hashMidM, "340282366920938463463374607431768211456"} {
		wantAPIError(t, split("shardId-000000000000", key), "InvalidArgumentException",
			"NewStartingHashKey "+key+" used in SplitShard() on shard shardId-000000000000 in stream e under account 000000000000 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey "+hashMidM+".")
	}
	wantAPIError(t, split("shardId-000000000000", "01"), "ValidationException",
		`1 validation error detected: Value '01' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\d{0,38})`)
	if status, typ, msg := env.raw(t, "SplitShard", `{"StreamName":"e"}`); status != 400 || typ != "ValidationException" ||
		msg != "2 validation errors detected: Value null at 'shardToSplit' failed to satisfy constraint: Member must not be null; Value null at 'newStartingHashKey' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("%d %s %s", status, typ, msg)
	}
	_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("nope"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("5")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream nope under account 000000000000 not found.")

	if err := split("shardId-000000000000", "2"); err != nil { // the smallest legal key
		t.Fatal(err)
	}
	wantAPIError(t, split("shardId-000000000000", "5"), "InvalidArgumentException",
		"Shard shardId-000000000000 in stream e under account 000000000000 has already been merged or split, and thus is not eligible for merging or splitting.")
	wantAPIError(t, split("shardId-000000000001", "300000000000000000000000000000000000000"), "LimitExceededException",
		"This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 3. Limit: 3. Number of additional shards that would have resulted from this request: 1. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.")
}

func TestReshardOnDemandRefused(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	msg := "Request is invalid. Stream od under account 000000000000 is in On-Demand mode."
	_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("od"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("5")})
	wantAPIError(t, err, "ValidationException", msg)
	_, err = env.client.MergeShards(ctx, &kin.MergeShardsInput{StreamName: aws.String("od"), ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000001")})
	wantAPIError(t, err, "ValidationException", msg)
	_, err = env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("od"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling})
	wantAPIError(t, err, "ValidationException", msg)
}

func TestMergeShards(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "m", 3)
	// Shard 1 holds nothing: its EndingSequenceNumber is its starting one.
	_, seq0 := rsPut(t, env, "m", "0", "a")
	merge := func(a, b string) error {
		_, err := env.client.MergeShards(ctx, &kin.MergeShardsInput{StreamName: aws.String("m"), ShardToMerge: aws.String(a), AdjacentShardToMerge: aws.String(b)})
		return err
	}
	wantAPIError(t, merge("shardId-000000000000", "shardId-000000000002"), "InvalidArgumentException",
		"Shards shardId-000000000000 and shardId-000000000002 in stream m under account 000000000000 are not an adjacent pair of shards eligible for merging")
	wantAPIError(t, merge("shardId-000000000001", "shardId-000000000001"), "InvalidArgumentException",
		"Shards shardId-000000000001 and shardId-000000000001 in stream m under account 000000000000 are not an adjacent pair of shards eligible for merging")
	wantAPIError(t, merge("shardId-000000000001", "shardId-000000000007"), "ResourceNotFoundException",
		"Could not find shard shardId-000000000007 in stream m under account 000000000000.")
	if status, typ, msg := env.raw(t, "MergeShards", `{"StreamName":"m","ShardToMerge":"a b"}`); status != 400 || typ != "ValidationException" ||
		msg != "2 validation errors detected: Value 'a b' at 'shardToMerge' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value null at 'adjacentShardToMerge' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("%d %s %s", status, typ, msg)
	}
	// The upper shard first: the child's parent is ShardToMerge.
	if err := merge("shardId-000000000001", "shardId-000000000000"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, merge("shardId-000000000003", "shardId-000000000000"), "InvalidArgumentException",
		"Shard shardId-000000000000 in stream m under account 000000000000 has already been merged or split, and thus is not eligible for merging or splitting.")
	shards := rsShards(t, env, "m", nil)
	if rsIDs(shards) != "0,1,2,3" {
		t.Fatalf("shards %s", rsIDs(shards))
	}
	if got := aws.ToString(shards[0].SequenceNumberRange.EndingSequenceNumber); got != seq0 {
		t.Fatalf("shard 0 ends at %s, want %s", got, seq0)
	}
	// An empty closed shard ends where it starts, as on AWS.
	if got, start := aws.ToString(shards[1].SequenceNumberRange.EndingSequenceNumber), aws.ToString(shards[1].SequenceNumberRange.StartingSequenceNumber); got != seqnum.Start(1) || got != start {
		t.Fatalf("empty shard 1 ends at %s, starts at %s", got, start)
	}
	c := shards[3]
	if aws.ToString(c.ParentShardId) != "shardId-000000000001" || aws.ToString(c.AdjacentParentShardId) != "shardId-000000000000" ||
		aws.ToString(c.HashKeyRange.StartingHashKey) != "0" || aws.ToString(c.HashKeyRange.EndingHashKey) != aws.ToString(shards[1].HashKeyRange.EndingHashKey) {
		t.Fatalf("merged child %+v", c)
	}
	_, children, ended := rsRead(t, env, "m", "shardId-000000000001")
	if !ended || len(children) != 1 || !slices.Equal(children[0].ParentShards, []string{"shardId-000000000001", "shardId-000000000000"}) {
		t.Fatalf("empty parent: ended %v children %+v", ended, children)
	}
	if shard, _ := rsPut(t, env, "m", "0", "b"); shard != "shardId-000000000003" {
		t.Fatalf("put after merge went to %s", shard)
	}
}

// openRanges returns the open shards' ranges of a stream, by start.
func openRanges(t *testing.T, env *testEnv, stream string) [][2]string {
	t.Helper()
	var out [][2]string
	for _, sh := range rsShards(t, env, stream, &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}) {
		out = append(out, [2]string{aws.ToString(sh.HashKeyRange.StartingHashKey), aws.ToString(sh.HashKeyRange.EndingHashKey)})
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		x, _ := new(big.Int).SetString(a[0], 10)
		y, _ := new(big.Int).SetString(b[0], 10)
		return x.Cmp(y)
	})
	return out
}

func uniform(n int) [][2]string {
	var out [][2]string
	for _, r := range splitHashSpace(n) {
		out = append(out, [2]string{r[0].String(), r[1].String()})
	}
	return out
}

func TestUpdateShardCount(t *testing.T) {
	clock := &ctlClock{}
	env := startEnv(t, withClock(clock, 0))
	ctx := testCtx(t)
	env.create(t, "u", 2)
	update := func(n int32) (*kin.UpdateShardCountOutput, error) {
		return env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("u"), TargetShardCount: aws.Int32(n), ScalingType: types.ScalingTypeUniformScaling})
	}
	// A manual split first, so the stream is no longer uniform.
	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("u"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int32{3, 5, 10, 7, 4, 2, 1, 2} {
		before := len(openRanges(t, env, "u"))
		out, err := update(n)
		if err != nil {
			t.Fatalf("to %d: %v", n, err)
		}
		if int(aws.ToInt32(out.CurrentShardCount)) != before || out.TargetShardCount == nil || *out.TargetShardCount != n || aws.ToString(out.StreamName) != "u" ||
			aws.ToString(out.StreamARN) != "arn:aws:kinesis:us-east-1:000000000000:stream/u" {
			t.Fatalf("output %+v", out)
		}
		if got := openRanges(t, env, "u"); !slices.Equal(got, uniform(int(n))) {
			t.Fatalf("after scaling to %d: %v", n, got)
		}
	}
	// Every closed shard reads to its end and names its children.
	for _, sh := range rsShards(t, env, "u", nil) {
		if sh.SequenceNumberRange.EndingSequenceNumber == nil {
			continue
		}
		if _, children, ended := rsRead(t, env, "u", aws.ToString(sh.ShardId)); !ended || len(children) == 0 {
			t.Fatalf("closed %s: ended %v children %d", aws.ToString(sh.ShardId), ended, len(children))
		}
	}
	// Calls 9 and 10 of the day (the SplitShard does not count) are the
	// last ones allowed.
	for range 2 {
		if _, err := update(2); err != nil {
			t.Fatal(err)
		}
	}
	_, err := update(3)
	wantAPIError(t, err, "LimitExceededException", "UpdateShardCount cannot be called more than 10 times per rolling 24-hour period for stream u under account 000000000000.")
	clock.advance(24*time.Hour + time.Second)
	_, err = update(5)
	wantAPIError(t, err, "LimitExceededException", "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 2, Target shard count: 5")
	_, err = update(4)
	if err != nil {
		t.Fatal(err)
	}
	_, err = update(1)
	wantAPIError(t, err, "LimitExceededException", "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1")
	_, err = update(0)
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
	if status, typ, msg := env.raw(t, "UpdateShardCount", `{"StreamName":"u","TargetShardCount":2,"ScalingType":"ODD"}`); status != 400 || typ != "ValidationException" ||
		msg != "1 validation error detected: Value 'ODD' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]" {
		t.Fatalf("%d %s %s", status, typ, msg)
	}
	if _, typ, msg := env.raw(t, "UpdateShardCount", `{"StreamName":"u"}`); typ != "ValidationException" ||
		msg != "2 validation errors detected: Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null; Value null at 'scalingType' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("%s %s", typ, msg)
	}
}

func TestUpdateShardCountLimits(t *testing.T) {
	env := startEnv(t, withShardLimit(5))
	ctx := testCtx(t)
	env.create(t, "q", 2)
	env.create(t, "r", 2)
	_, err := env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("q"), TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	wantAPIError(t, err, "LimitExceededException", "This request would exceed the shard limit for the account 000000000000 in us-east-1. Current shard count for the account: 4. Limit: 5. Number of additional shards that would have resulted from this request: 2. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.")
	_, err = env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("q"), TargetShardCount: aws.Int32(10001), ScalingType: types.ScalingTypeUniformScaling})
	wantAPIError(t, err, "LimitExceededException", "Target shard count or number of open shards cannot be greater than 10000. Current open shard count: 2, Target shard count: 10001")
	_, err = env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("q"), TargetShardCount: aws.Int32(100001), ScalingType: types.ScalingTypeUniformScaling})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '100001' at 'targetShardCount' failed to satisfy constraint: Member must have value less than or equal to 100000")
	// Same count on a uniform stream: no shard changes.
	if _, err := env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("q"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
		t.Fatal(err)
	}
	if got := rsIDs(rsShards(t, env, "q", nil)); got != "0,1" {
		t.Fatalf("shards %s", got)
	}
}

func TestUpdateStreamMode(t *testing.T) {
	clock := &ctlClock{}
	env := startEnv(t, withClock(clock, time.Second))
	ctx := testCtx(t)
	env.create(t, "p", 2)
	arn := aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/p")
	mode := func(m types.StreamMode) error {
		_, err := env.client.UpdateStreamMode(ctx, &kin.UpdateStreamModeInput{StreamARN: arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: m}})
		return err
	}
	wantAPIError(t, mode(types.StreamModeOnDemand), "ResourceInUseException", "Stream p under account 000000000000 not ACTIVE, instead in state CREATING")
	clock.advance(2 * time.Second)
	wantAPIError(t, mode(types.StreamModeProvisioned), "InvalidArgumentException", "Stream p under account 000000000000 is already in PROVISIONED mode.")
	if err := mode(types.StreamModeOnDemand); err != nil {
		t.Fatal(err)
	}
	sum, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if d := sum.StreamDescriptionSummary; d.StreamStatus != types.StreamStatusUpdating || d.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("after switch: %s %s", d.StreamStatus, d.StreamModeDetails.StreamMode)
	}
	wantAPIError(t, mode(types.StreamModeProvisioned), "ResourceInUseException", "Stream p under account 000000000000 not ACTIVE, instead in state UPDATING")
	clock.advance(2 * time.Second)
	if err := mode(types.StreamModeProvisioned); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Second)
	wantAPIError(t, mode(types.StreamModeOnDemand), "LimitExceededException", "The capacity mode of stream p under account 000000000000 cannot be switched more than 2 times per rolling 24-hour period.")
	clock.advance(24 * time.Hour)
	if err := mode(types.StreamModeOnDemand); err != nil {
		t.Fatal(err)
	}
	if st, _ := env.meta.Stream("p"); len(st.OpenShards()) != 2 {
		t.Fatalf("mode switch changed the shards: %d open", len(st.OpenShards()))
	}

	if _, typ, msg := env.raw(t, "UpdateStreamMode", `{}`); typ != "ValidationException" ||
		msg != "2 validation errors detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null; Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("%s %s", typ, msg)
	}
	if _, typ, msg := env.raw(t, "UpdateStreamMode", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/p","StreamModeDetails":{"StreamMode":"FAST"}}`); typ != "ValidationException" ||
		msg != "1 validation error detected: Value 'FAST' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]" {
		t.Fatalf("%s %s", typ, msg)
	}
	_, err = env.client.UpdateStreamMode(ctx, &kin.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/gone"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream gone under account 000000000000 not found.")
}

func TestUpdateStreamModeOnDemandQuota(t *testing.T) {
	env := startEnv(t, func(c *Config) { c.OnDemandStreamCountLimit = 1 })
	ctx := testCtx(t)
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	env.create(t, "pv", 1)
	_, err := env.client.UpdateStreamMode(ctx, &kin.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/pv"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantAPIError(t, err, "LimitExceededException", "This request would exceed the limit of on-demand streams for the account 000000000000 in us-east-1. Current on-demand stream count for the account: 1. Limit: 1.")
}

// TestListShardsLineage builds real lineage over simulated time and checks
// every ShardFilter against it, then the expiry of closed shards.
func TestListShardsLineage(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "l", 2) // t0: shards 0, 1
	rsPut(t, env, "l", "0", "old")
	env.clock.advance(time.Hour)
	// t1: split 0 → 2, 3
	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("l"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")}); err != nil {
		t.Fatal(err)
	}
	env.clock.advance(time.Hour)
	// t2: merge 3+1 → 4
	if _, err := env.client.MergeShards(ctx, &kin.MergeShardsInput{StreamName: aws.String("l"), ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	env.clock.advance(time.Hour)
	st, _ := env.meta.Stream("l")
	t0, t1, t2 := st.CreatedAt, st.Shards[2].CreatedAt, st.Shards[4].CreatedAt
	if !st.Shards[0].ClosedAt.Equal(t1) || !st.Shards[1].ClosedAt.Equal(t2) {
		t.Fatalf("close times %v %v, want %v %v", st.Shards[0].ClosedAt, st.Shards[1].ClosedAt, t1, t2)
	}
	filter := func(typ types.ShardFilterType, ts *time.Time, id *string) *types.ShardFilter {
		return &types.ShardFilter{Type: typ, Timestamp: ts, ShardId: id}
	}
	at := func(t time.Time) *time.Time { return &t }
	cases := []struct {
		name   string
		filter *types.ShardFilter
		want   string
	}{
		{"default", nil, "0,1,2,3,4"},
		{"from trim horizon", filter(types.ShardFilterTypeFromTrimHorizon, nil, nil), "0,1,2,3,4"},
		{"at trim horizon", filter(types.ShardFilterTypeAtTrimHorizon, nil, nil), "0,1"},
		{"at latest", filter(types.ShardFilterTypeAtLatest, nil, nil), "2,4"},
		{"after shard id", filter(types.ShardFilterTypeAfterShardId, nil, aws.String("shardId-000000000002")), "3,4"},
		{"at timestamp before split", filter(types.ShardFilterTypeAtTimestamp, at(t1.Add(-time.Minute)), nil), "0,1"},
		{"at timestamp of split", filter(types.ShardFilterTypeAtTimestamp, at(t1), nil), "0,1,2,3"},
		{"at timestamp between", filter(types.ShardFilterTypeAtTimestamp, at(t1.Add(time.Minute)), nil), "1,2,3"},
		{"at timestamp after merge", filter(types.ShardFilterTypeAtTimestamp, at(t2.Add(time.Minute)), nil), "2,4"},
		{"at timestamp before creation", filter(types.ShardFilterTypeAtTimestamp, at(t0.Add(-time.Hour)), nil), "0,1"},
		{"from timestamp between", filter(types.ShardFilterTypeFromTimestamp, at(t1.Add(time.Minute)), nil), "1,2,3,4"},
		{"from timestamp after merge", filter(types.ShardFilterTypeFromTimestamp, at(t2.Add(time.Minute)), nil), "2,4"},
		{"from timestamp long ago", filter(types.ShardFilterTypeFromTimestamp, at(t0.Add(-48*time.Hour)), nil), "0,1,2,3,4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := rsIDs(rsShards(t, env, "l", c.filter)); got != c.want {
				t.Fatalf("got %s want %s", got, c.want)
			}
		})
	}

	// 24 h after the split, shard 0's records have expired: it disappears
	// everywhere and its log shard is deleted. Shards 1 and 3 closed an
	// hour later and stay.
	env.clock.advance(22*time.Hour + 30*time.Minute)
	if got := rsIDs(rsShards(t, env, "l", nil)); got != "1,2,3,4" {
		t.Fatalf("after shard 0 expired: %s", got)
	}
	if got := rsIDs(rsShards(t, env, "l", filter(types.ShardFilterTypeAtTrimHorizon, nil, nil))); got != "1,2,3" {
		t.Fatalf("at trim horizon after expiry: %s", got)
	}
	if got := rsIDs(rsShards(t, env, "l", filter(types.ShardFilterTypeAtTimestamp, at(t0), nil))); got != "1,2,3" {
		t.Fatalf("at an expired timestamp: %s", got)
	}
	d, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("l")})
	if err != nil {
		t.Fatal(err)
	}
	if got := rsIDs(d.StreamDescription.Shards); got != "1,2,3,4" || aws.ToString(d.StreamDescription.Shards[1].ParentShardId) != "shardId-000000000000" {
		t.Fatalf("DescribeStream after expiry: %s", got)
	}
	if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: 0}); !errors.Is(err, shardlog.ErrShardNotFound) {
		t.Fatalf("expired shard 0 still in the log: %v", err)
	}
	env.clock.advance(time.Hour)
	if got := rsIDs(rsShards(t, env, "l", nil)); got != "2,4" {
		t.Fatalf("after all expired: %s", got)
	}
}

// ack is one acknowledged record of the concurrent test.
type ack struct {
	key    string
	n      int // the writer's counter for key
	shard  string
	seq    string
	stored bool
}

func TestReshardUnderConcurrentWrites(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "c", 2)

	const writers, keysPer = 4, 6
	var (
		mu     sync.Mutex
		acks   = map[string]*ack{} // by data
		failed int
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counter := map[string]int{}
			for batch := 0; ; batch++ {
				select {
				case <-stop:
					return
				default:
				}
				var entries []types.PutRecordsRequestEntry
				var datas []string
				for k := range keysPer {
					key := fmt.Sprintf("w%d-k%d", w, k)
					for range 2 {
						counter[key]++
						data := fmt.Sprintf("%s#%d", key, counter[key])
						entries = append(entries, types.PutRecordsRequestEntry{PartitionKey: aws.String(key), Data: []byte(data)})
						datas = append(datas, data)
					}
				}
				out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("c"), Records: entries})
				if err != nil {
					t.Errorf("PutRecords: %v", err)
					return
				}
				mu.Lock()
				for i, r := range out.Records {
					if r.ErrorCode != nil {
						failed++
						continue
					}
					key, n, _ := strings.Cut(datas[i], "#")
					num, _ := strconv.Atoi(n)
					acks[datas[i]] = &ack{key: key, n: num, shard: aws.ToString(r.ShardId), seq: aws.ToString(r.SequenceNumber)}
				}
				mu.Unlock()
			}
		}()
	}

	pause := func() { time.Sleep(15 * time.Millisecond) }
	latest := func() []types.Shard {
		return rsShards(t, env, "c", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest})
	}
	reshards := []func() error{
		func() error { // split the first open shard in the middle
			sh := latest()[0]
			lo, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
			hi, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
			mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
			_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("c"), ShardToSplit: sh.ShardId, NewStartingHashKey: aws.String(mid.String())})
			return err
		},
		func() error { // merge the two lowest open shards
			open := latest()
			slices.SortFunc(open, func(a, b types.Shard) int {
				x, _ := new(big.Int).SetString(aws.ToString(a.HashKeyRange.StartingHashKey), 10)
				y, _ := new(big.Int).SetString(aws.ToString(b.HashKeyRange.StartingHashKey), 10)
				return x.Cmp(y)
			})
			_, err := env.client.MergeShards(ctx, &kin.MergeShardsInput{StreamName: aws.String("c"), ShardToMerge: open[0].ShardId, AdjacentShardToMerge: open[1].ShardId})
			return err
		},
	}
	scale := func(n int32) func() error {
		return func() error {
			_, err := env.client.UpdateShardCount(ctx, &kin.UpdateShardCountInput{StreamName: aws.String("c"), TargetShardCount: aws.Int32(n), ScalingType: types.ScalingTypeUniformScaling})
			return err
		}
	}
	steps := []func() error{reshards[0], reshards[1], scale(4), reshards[0], scale(3), reshards[1], scale(4), scale(3), reshards[0], reshards[1]}
	pause()
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("reshard step %d: %v", i, err)
		}
		pause()
	}
	close(stop)
	wg.Wait()
	if failed != 0 {
		t.Errorf("%d records failed; puts that raced with a reshard must be retried on the new routing", failed)
	}

	// Read the whole lineage, parents before children, following
	// ChildShards from GetRecords.
	all := rsShards(t, env, "c", nil)
	byID := map[string]types.Shard{}
	for _, sh := range all {
		byID[aws.ToString(sh.ShardId)] = sh
	}
	doneShard := map[string]bool{}
	var queue []string
	for _, sh := range all {
		if sh.ParentShardId == nil {
			queue = append(queue, aws.ToString(sh.ShardId))
		}
	}
	seen := map[string]int{}
	readCount := 0
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if doneShard[id] {
			continue
		}
		sh := byID[id]
		for _, p := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
			if p != nil && !doneShard[*p] {
				t.Fatalf("shard %s reached before its parent %s", id, *p)
			}
		}
		doneShard[id] = true
		recs, children, ended := rsRead(t, env, "c", id)
		if ended != (sh.SequenceNumberRange.EndingSequenceNumber != nil) {
			t.Fatalf("shard %s: ended %v but EndingSequenceNumber %v", id, ended, sh.SequenceNumberRange.EndingSequenceNumber)
		}
		if n := len(recs); n > 0 && ended && aws.ToString(recs[n-1].SequenceNumber) != aws.ToString(sh.SequenceNumberRange.EndingSequenceNumber) {
			t.Fatalf("shard %s: last record %s, EndingSequenceNumber %s", id, aws.ToString(recs[n-1].SequenceNumber), aws.ToString(sh.SequenceNumberRange.EndingSequenceNumber))
		}
		for _, r := range recs {
			readCount++
			data := string(r.Data)
			seen[data]++
			a, ok := acks[data]
			if !ok {
				t.Fatalf("record %q was never acknowledged", data)
			}
			if a.seq != aws.ToString(r.SequenceNumber) || a.shard != id {
				t.Fatalf("record %q acknowledged as %s/%s, read as %s/%s", data, a.shard, a.seq, id, aws.ToString(r.SequenceNumber))
			}
			a.stored = true
		}
		for _, c := range children {
			cid := aws.ToString(c.ShardId)
			ready := true
			for _, p := range c.ParentShards {
				ready = ready && doneShard[p]
			}
			if ready {
				queue = append(queue, cid)
			}
		}
	}
	if len(doneShard) != len(all) {
		t.Fatalf("lineage reached %d of %d shards", len(doneShard), len(all))
	}
	for data, n := range seen {
		if n != 1 {
			t.Fatalf("record %q read %d times", data, n)
		}
	}
	perKey := map[string][]*ack{}
	for data, a := range acks {
		if !a.stored {
			t.Fatalf("acknowledged record %q not found in the lineage", data)
		}
		perKey[a.key] = append(perKey[a.key], a)
	}
	for key, as := range perKey {
		slices.SortFunc(as, func(a, b *ack) int { return a.n - b.n })
		for i := 1; i < len(as); i++ {
			if as[i].seq <= as[i-1].seq {
				t.Fatalf("key %s: record %d (%s) not after record %d (%s)", key, as[i].n, as[i].seq, as[i-1].n, as[i-1].seq)
			}
		}
	}
	if got := openRanges(t, env, "c"); len(got) != 3 {
		t.Fatalf("final open shards %v", got)
	}
	t.Logf("%d records acknowledged and read once each across %d shards", readCount, len(all))
}

// TestReshardCrashRecovery stops a split after each step of the protocol,
// as a crash would, then starts a new server on the same meta and log and
// checks the stream is consistent, readable and writable.
func TestReshardCrashRecovery(t *testing.T) {
	for _, crashAt := range []reshardStep{stepIntent, stepCreated, stepSealed, stepMeta} {
		t.Run(string(crashAt), func(t *testing.T) {
			env := startEnv(t)
			env.create(t, "x", 1)
			_, seqA := rsPut(t, env, "x", "7", "a")
			crash := errors.New("crash")
			ctx := context.WithValue(testCtx(t), reshardHookKey{}, func(s reshardStep) error {
				if s == crashAt {
					return crash
				}
				return nil
			})
			_, err := env.srv.splitShard(ctx, &wire.SplitShardInput{StreamName: aws.String("x"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String(hashMid)})
			if !errors.Is(err, crash) {
				t.Fatalf("split: %v", err)
			}
			env.srv.Close()

			srv, err := New(env.srv.cfg, env.meta, env.log, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if err := srv.recoverReshards(); err != nil { // New calls it once wired; a second run is a no-op
				t.Fatal(err)
			}
			st, _ := env.meta.Stream("x")
			if found, _ := env.meta.Get(reshardNS, intentKey(st.UID), new(reshardIntent)); found {
				t.Fatal("intent left behind")
			}
			if len(st.Shards) != 3 || !st.Shards[0].Closed || st.Shards[0].End != 1 || st.Shards[1].Closed || st.Shards[2].Closed || st.NextShardIndex != 3 {
				t.Fatalf("stream after recovery: %+v", st.Shards)
			}
			for _, sh := range st.Shards {
				info, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: sh.Index})
				if err != nil || info.Closed != sh.Closed {
					t.Fatalf("log shard %d: %+v %v", sh.Index, info, err)
				}
			}
			env = envOn(t, env, srv)
			if shard, seq := rsPut(t, env, "x", "7", "b"); shard != "shardId-000000000001" || seq <= seqA {
				t.Fatalf("put after recovery: %s %s", shard, seq)
			}
			recs, children, ended := rsRead(t, env, "x", "shardId-000000000000")
			if !ended || len(recs) != 1 || string(recs[0].Data) != "a" || len(children) != 2 {
				t.Fatalf("parent after recovery: %d records, ended %v, %d children", len(recs), ended, len(children))
			}
		})
	}
}

// TestPutRetriedAfterInterruptedReshard leaves a split sealed in the log
// but not in meta (a crash before step 4, no recovery run yet): a put
// routed to the sealed parent is re-routed by appendRerouted, which
// completes the reshard first.
func TestPutRetriedAfterInterruptedReshard(t *testing.T) {
	env := startEnv(t)
	env.create(t, "y", 1)
	crash := errors.New("crash")
	ctx := context.WithValue(testCtx(t), reshardHookKey{}, func(s reshardStep) error {
		if s == stepSealed {
			return crash
		}
		return nil
	})
	if _, err := env.srv.splitShard(ctx, &wire.SplitShardInput{StreamName: aws.String("y"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String(hashMid)}); !errors.Is(err, crash) {
		t.Fatalf("split: %v", err)
	}
	st, _ := env.meta.Stream("y")
	entries := []shardlog.Entry{
		{PartitionKey: []byte("a"), ExplicitHashKey: []byte("1"), Data: []byte("1")},
		{PartitionKey: []byte("b"), ExplicitHashKey: []byte(hashMax), Data: []byte("2")},
		{PartitionKey: []byte("c"), ExplicitHashKey: []byte("2"), Data: []byte("3")},
	}
	if _, err := env.log.Append(testCtx(t), shardlog.ShardID{Stream: st.UID, Shard: 0}, entries); !errors.Is(err, shardlog.ErrShardClosed) {
		t.Fatalf("append to the sealed parent: %v", err)
	}
	got := env.srv.appendRerouted(testCtx(t), "y", st.UID, entries)
	want := []placed{{shard: 1, offset: 0}, {shard: 2, offset: 0}, {shard: 1, offset: 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("rerouted %+v, want %+v", got, want)
	}
	if cur, _ := env.meta.Stream("y"); len(cur.OpenShards()) != 2 || !cur.Shards[0].Closed {
		t.Fatalf("reshard not completed: %+v", cur.Shards)
	}
}

func TestPlanUniformShapes(t *testing.T) {
	st := &meta.Stream{Name: "p", NextShardIndex: 3}
	for i, r := range splitHashSpace(3) {
		st.Shards = append(st.Shards, meta.Shard{Index: uint32(i), HashKeyStart: r[0].String(), HashKeyEnd: r[1].String()})
	}
	p, err := planUniform(st, time.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	// 3 → 2: split the middle shard at 2^127 (children 3, 4), then merge
	// 0+3 → 5 and 4+2 → 6; 3 and 4 are short-lived.
	var got []string
	for _, sh := range p.shards {
		s := fmt.Sprintf("%d<%d", sh.Index, *sh.Parent)
		if sh.AdjacentParent != nil {
			s += fmt.Sprintf("+%d", *sh.AdjacentParent)
		}
		if sh.Closed {
			s += "x"
		}
		got = append(got, s)
	}
	if want := "3<1x,4<1x,5<0+3,6<4+2"; strings.Join(got, ",") != want {
		t.Fatalf("plan %s, want %s", strings.Join(got, ","), want)
	}
	if !slices.Equal(p.parents, []uint32{1, 0, 2}) {
		t.Fatalf("parents %v", p.parents)
	}
}

// TestGetRecordsBetweenSealAndCommit reads a parent that the log has
// sealed but meta still lists as open (a reshard between steps 3 and 4):
// GetRecords must not end the shard without children, but hand back an
// iterator; once the reshard commits, the same position ends the shard
// and lists its children.
func TestGetRecordsBetweenSealAndCommit(t *testing.T) {
	env := startEnv(t)
	env.create(t, "g", 1)
	rsPut(t, env, "g", "7", "a")
	it, err := env.client.GetShardIterator(testCtx(t), &kin.GetShardIteratorInput{StreamName: aws.String("g"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("crash")
	ctx := context.WithValue(testCtx(t), reshardHookKey{}, func(s reshardStep) error {
		if s == stepSealed {
			return crash
		}
		return nil
	})
	if _, err := env.srv.splitShard(ctx, &wire.SplitShardInput{StreamName: aws.String("g"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String(hashMid)}); !errors.Is(err, crash) {
		t.Fatalf("split: %v", err)
	}
	out, err := env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 || out.NextShardIterator == nil || len(out.ChildShards) != 0 {
		t.Fatalf("mid-reshard read: %d records, next %v, children %d", len(out.Records), out.NextShardIterator != nil, len(out.ChildShards))
	}
	st, _ := env.meta.Stream("g")
	if err := env.srv.settleReshard(st.UID); err != nil {
		t.Fatal(err)
	}
	out, err = env.client.GetRecords(testCtx(t), &kin.GetRecordsInput{ShardIterator: out.NextShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 0 || out.NextShardIterator != nil || len(out.ChildShards) != 2 {
		t.Fatalf("after commit: %d records, next %v, children %d", len(out.Records), out.NextShardIterator != nil, len(out.ChildShards))
	}
}

// BenchmarkSplitMerge measures one SplitShard plus one MergeShards (two
// crash-safe reshards: three meta commits each) through the API.
func BenchmarkSplitMerge(b *testing.B) {
	env := startEnvB(b)
	ctx := context.Background()
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("b"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		open := uint32(i * 3) // the single open shard
		if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("b"), ShardToSplit: aws.String(shardIDString(open)), NewStartingHashKey: aws.String(hashMid)}); err != nil {
			b.Fatal(err)
		}
		if _, err := env.client.MergeShards(ctx, &kin.MergeShardsInput{StreamName: aws.String("b"), ShardToMerge: aws.String(shardIDString(open + 1)), AdjacentShardToMerge: aws.String(shardIDString(open + 2))}); err != nil {
			b.Fatal(err)
		}
	}
}

// startEnvB is startEnv for benchmarks: file-backed meta (real fsyncs),
// memory log, StateDelay 0, no shard quota to speak of.
func startEnvB(b *testing.B) *testEnv {
	b.Helper()
	return startEnvWith(b, nil, func(c *Config) { c.ShardLimit = 1 << 20 })
}

// TestDescribeStreamHidesExpiredShards: a closed shard whose records have
// all passed the retention period is gone from DescribeStream as from
// ListShards, even when nothing (ListShards, a reshard) has swept it away
// yet.
func TestDescribeStreamHidesExpiredShards(t *testing.T) {
	clock := &ctlClock{}
	env := startEnv(t, withClock(clock, 0))
	ctx := testCtx(t)
	env.create(t, "s", 1)
	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(hashMid)}); err != nil {
		t.Fatal(err)
	}
	clock.advance(25 * time.Hour)
	d, err := env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sh := range d.StreamDescription.Shards {
		ids = append(ids, *sh.ShardId)
	}
	if !slices.Equal(ids, []string{"shardId-000000000001", "shardId-000000000002"}) {
		t.Fatalf("DescribeStream lists %v, want the two open children only", ids)
	}
	d, err = env.client.DescribeStream(ctx, &kin.DescribeStreamInput{StreamName: aws.String("s"), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.StreamDescription.Shards) != 1 || *d.StreamDescription.Shards[0].ShardId != "shardId-000000000001" || !*d.StreamDescription.HasMoreShards {
		t.Fatalf("Limit 1: %+v", d.StreamDescription)
	}
}

// TestJanitorExpiresClosedShards: once a closed shard's records have all
// passed the retention period, the janitor removes its log files and its
// metadata on its own (no ListShards or reshard needed), and the data
// actions answer for it as AWS does for an expired shard, even before the
// janitor has run.
func TestJanitorExpiresClosedShards(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	env.create(t, "s", 1)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	c := fanRegister(t, env, arn, "c")
	rsPut(t, env, "s", "0", "old")
	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(hashMid)}); err != nil {
		t.Fatal(err)
	}
	st, _ := env.meta.Stream("s")
	closedAt := st.Shards[0].ClosedAt
	next, pending := env.srv.sweep()
	if want := closedAt.Add(24*time.Hour + time.Millisecond); !pending || !next.Equal(want) {
		t.Fatalf("janitor wakes at %v (pending %v), want %v", next, pending, want)
	}

	// An iterator taken just before the expiry, used just after.
	env.clock.advance(24*time.Hour - time.Minute)
	it, err := env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	env.clock.advance(2 * time.Minute)
	const missing = "Shard shardId-000000000000 in stream s under account 000000000000 does not exist"
	_, err = env.client.GetRecords(ctx, &kin.GetRecordsInput{ShardIterator: it.ShardIterator})
	wantAPIError(t, err, "ResourceNotFoundException", missing)
	_, err = env.client.GetShardIterator(ctx, &kin.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	wantAPIError(t, err, "ResourceNotFoundException", missing)
	_, err = env.client.SubscribeToShard(ctx, &kin.SubscribeToShardInput{ConsumerARN: c.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
	wantAPIError(t, err, "ResourceNotFoundException", missing)

	// The janitor's round removes it from the log and from meta.
	if _, pending := env.srv.sweep(); pending {
		t.Fatal("janitor still has work pending after the last closed shard expired")
	}
	if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: 0}); !errors.Is(err, shardlog.ErrShardNotFound) {
		t.Fatalf("expired shard 0 still in the log: %v", err)
	}
	st, _ = env.meta.Stream("s")
	if len(st.Shards) != 2 || st.Shards[0].Index != 1 {
		t.Fatalf("meta still lists the expired shard: %+v", st.Shards)
	}
}

// sealFullLog is a log on a disk that fills up: while full, Seal cannot
// write the shard's state file and fails with ENOSPC, and, as
// shardlog.File does (TestDiskFullSealRetries), the shard then refuses
// appends with ErrShardClosed until a Seal succeeds.
type sealFullLog struct {
	shardlog.Log
	mu      sync.Mutex
	full    bool
	sealing map[shardlog.ShardID]bool
}

func (l *sealFullLog) setFull(full bool) {
	l.mu.Lock()
	l.full = full
	l.mu.Unlock()
}

func (l *sealFullLog) Seal(ctx context.Context, id shardlog.ShardID) (shardlog.ShardInfo, error) {
	l.mu.Lock()
	if l.full {
		l.sealing[id] = true
		l.mu.Unlock()
		return shardlog.ShardInfo{}, fmt.Errorf("shard %s: seal: write state.tmp: %w", id, syscall.ENOSPC)
	}
	delete(l.sealing, id)
	l.mu.Unlock()
	return l.Log.Seal(ctx, id)
}

func (l *sealFullLog) Append(ctx context.Context, id shardlog.ShardID, e []shardlog.Entry) (shardlog.AppendResult, error) {
	l.mu.Lock()
	refused := l.sealing[id]
	l.mu.Unlock()
	if refused {
		return shardlog.AppendResult{}, fmt.Errorf("shard %s: %w", id, shardlog.ErrShardClosed)
	}
	return l.Log.Append(ctx, id, e)
}

// TestReshardOnFullDisk: a reshard whose Seal fails for want of space
// answers InternalFailure and leaves the stream ACTIVE with its old shards;
// puts to the half-sealed parent's range fail while the disk stays full.
// Once there is space, the reshard completes by itself: through the next
// put to that range (appendRerouted), or through the next reshard call,
// which must finish the decided one before planning its own (else the
// parent would refuse appends until a restart).
func TestReshardOnFullDisk(t *testing.T) {
	var fl *sealFullLog
	env := startEnvWith(t, func(l shardlog.Log) shardlog.Log {
		fl = &sealFullLog{Log: l, sealing: make(map[shardlog.ShardID]bool)}
		return fl
	})
	ctx := testCtx(t)
	status := func(name string) types.StreamStatus {
		t.Helper()
		out, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return out.StreamDescriptionSummary.StreamStatus
	}
	put := func(name, key string) (*kin.PutRecordOutput, error) {
		return env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String(name), PartitionKey: aws.String("pk"), ExplicitHashKey: aws.String(key), Data: []byte("d")})
	}

	t.Run("healed by a put", func(t *testing.T) {
		env.create(t, "p", 1)
		rsPut(t, env, "p", "7", "a")
		fl.setFull(true)
		_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("p"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String(hashMid)})
		wantErr(t, err, "InternalFailure", "Internal service failure.")
		if got := rsIDs(rsShards(t, env, "p", nil)); got != "0" {
			t.Fatalf("shards after the failed split: %s", got)
		}
		if s := status("p"); s != types.StreamStatusActive {
			t.Fatalf("status after the failed split: %s", s)
		}
		_, err = put("p", "7")
		wantErr(t, err, "InternalFailure", "Internal service failure.")
		fl.setFull(false)
		if shard, _ := rsPut(t, env, "p", "7", "b"); shard != "shardId-000000000001" {
			t.Fatalf("put once there is space went to %s", shard)
		}
		if got := rsIDs(rsShards(t, env, "p", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest})); got != "1,2" {
			t.Fatalf("open shards after the put: %s", got)
		}
		recs, children, ended := rsRead(t, env, "p", "shardId-000000000000")
		if !ended || len(recs) != 1 || string(recs[0].Data) != "a" || len(children) != 2 {
			t.Fatalf("parent: %d records, ended %v, %d children", len(recs), ended, len(children))
		}
		eventually(t, "ACTIVE after the reshard", func() bool { return status("p") == types.StreamStatusActive })
	})

	t.Run("healed by the next reshard", func(t *testing.T) {
		env.create(t, "r", 2)
		st, _ := env.meta.Stream("r")
		fl.setFull(true)
		_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("r"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String("1000")})
		wantErr(t, err, "InternalFailure", "Internal service failure.")
		// Still full: the next reshard cannot finish the first either.
		_, err = env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("r"), ShardToSplit: aws.String("1"), NewStartingHashKey: aws.String("300000000000000000000000000000000000000")})
		wantErr(t, err, "InternalFailure", "Internal service failure.")
		fl.setFull(false)
		if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("r"), ShardToSplit: aws.String("1"), NewStartingHashKey: aws.String("300000000000000000000000000000000000000")}); err != nil {
			t.Fatalf("split once there is space: %v", err)
		}
		if got := rsIDs(rsShards(t, env, "r", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest})); got != "2,3,4,5" {
			t.Fatalf("open shards: %s", got)
		}
		for _, key := range []string{"0", "1000", st.Shards[1].HashKeyStart, hashMax} {
			if _, err := put("r", key); err != nil {
				t.Fatalf("put at %s: %v", key, err)
			}
		}
		eventually(t, "ACTIVE after the reshards", func() bool { return status("r") == types.StreamStatusActive })
	})
}

// TestDeleteStreamDuringFailedReshard: deleting a stream whose reshard
// failed half way (its Seal found the disk full: the children exist in the
// log, meta does not list them, the intent is stored) removes the children
// and the intent with the stream, without a restart. A start that finds
// the deletion due before the janitor ran cleans them too, rather than
// rolling the reshard forward on a disk still full.
func TestDeleteStreamDuringFailedReshard(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			var fl *sealFullLog
			delay := time.Duration(0)
			if restart {
				delay = time.Hour // the janitor must not finish the deletion before the restart
			}
			env := startEnvWith(t, func(l shardlog.Log) shardlog.Log {
				fl = &sealFullLog{Log: l, sealing: make(map[shardlog.ShardID]bool)}
				return fl
			}, func(c *Config) { c.StateDelay = delay })
			ctx := testCtx(t)
			env.create(t, "d", 1)
			st, _ := env.meta.Stream("d")
			env.clock.advance(delay) // ACTIVE
			rsPut(t, env, "d", "7", "a")
			fl.setFull(true) // and it stays full
			_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("d"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String(hashMid)})
			wantErr(t, err, "InternalFailure", "Internal service failure.")
			if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: 1}); err != nil {
				t.Fatalf("the failed split made no child: %v", err)
			}
			if _, err := env.client.DeleteStream(ctx, &kin.DeleteStreamInput{StreamName: aws.String("d")}); err != nil {
				t.Fatalf("DeleteStream: %v", err)
			}
			if restart {
				env.srv.Close()
				env.clock.advance(2 * delay)
				srv, err := New(env.srv.cfg, env.meta, env.log, nil)
				if err != nil {
					t.Fatalf("restart with the deletion due: %v", err)
				}
				t.Cleanup(func() { srv.Close() })
				env = envOn(t, env, srv)
			}
			eventually(t, "the deletion", func() bool { _, ok := env.meta.Stream("d"); return !ok })
			for i := range uint32(3) {
				if _, err := env.log.Info(shardlog.ShardID{Stream: st.UID, Shard: i}); !errors.Is(err, shardlog.ErrShardNotFound) {
					t.Errorf("shard %d left in the log: %v", i, err)
				}
			}
			if found, err := env.meta.Get(reshardNS, intentKey(st.UID), new(reshardIntent)); found || err != nil {
				t.Errorf("intent left behind (%v)", err)
			}
		})
	}
}

// TestStartWithReshardPendingOnFullDisk: a start that finds a reshard
// whose Seal failed for want of space, with the disk still full, serves
// the stream on its old shards instead of refusing to start; once there is
// space, the next reshard call finishes the pending one first.
func TestStartWithReshardPendingOnFullDisk(t *testing.T) {
	var fl *sealFullLog
	env := startEnvWith(t, func(l shardlog.Log) shardlog.Log {
		fl = &sealFullLog{Log: l, sealing: make(map[shardlog.ShardID]bool)}
		return fl
	})
	ctx := testCtx(t)
	env.create(t, "p", 2)
	rsPut(t, env, "p", "7", "a")
	fl.setFull(true)
	_, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("p"), ShardToSplit: aws.String("0"), NewStartingHashKey: aws.String("1000")})
	wantErr(t, err, "InternalFailure", "Internal service failure.")
	env.srv.Close()
	fl.mu.Lock()
	clear(fl.sealing) // a restart forgets a Seal that never reached the disk
	fl.mu.Unlock()
	srv, err := New(env.srv.cfg, env.meta, env.log, nil)
	if err != nil {
		t.Fatalf("start with a reshard pending on a full disk: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	env = envOn(t, env, srv)
	if got := rsIDs(rsShards(t, env, "p", nil)); got != "0,1" {
		t.Fatalf("shards after the start: %s", got)
	}
	if recs, _, ended := rsRead(t, env, "p", "shardId-000000000000"); ended || len(recs) != 1 || string(recs[0].Data) != "a" {
		t.Fatalf("parent after the start: %d records, ended %v", len(recs), ended)
	}
	fl.setFull(false)
	if _, err := env.client.SplitShard(ctx, &kin.SplitShardInput{StreamName: aws.String("p"), ShardToSplit: aws.String("1"), NewStartingHashKey: aws.String("300000000000000000000000000000000000000")}); err != nil {
		t.Fatalf("split once there is space: %v", err)
	}
	if got := rsIDs(rsShards(t, env, "p", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest})); got != "2,3,4,5" {
		t.Fatalf("open shards: %s", got)
	}
}
