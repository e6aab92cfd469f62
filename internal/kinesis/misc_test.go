package kinesis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kin "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// wantRawErr posts body to action and checks the error type and message.
func wantRawErr(t *testing.T, env *testEnv, action, body, typ, msg string) {
	t.Helper()
	code, gotType, gotMsg := env.raw(t, action, body)
	if code != http.StatusBadRequest || gotType != typ || gotMsg != msg {
		t.Fatalf("%s %s:\n got %d %s %q\nwant 400 %s %q", action, body, code, gotType, gotMsg, typ, msg)
	}
}

func metricNames(ms []types.MetricsName) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}

// TestEnhancedMonitoring checks Enable/DisableEnhancedMonitoring: ALL,
// AWS's order, the before/after sets, persistence across a restart and
// the errors.
func TestEnhancedMonitoring(t *testing.T) {
	env := startEnv(t)
	env.create(t, "mon", 1)
	ctx := testCtx(t)
	out, err := env.client.EnableEnhancedMonitoring(ctx, &kin.EnableEnhancedMonitoringInput{StreamName: aws.String("mon"), ShardLevelMetrics: []types.MetricsName{"OutgoingRecords", "IncomingBytes"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := metricNames(out.DesiredShardLevelMetrics); len(out.CurrentShardLevelMetrics) != 0 || !reflect.DeepEqual(got, []string{"IncomingBytes", "OutgoingRecords"}) ||
		aws.ToString(out.StreamARN) != "arn:aws:kinesis:us-east-1:000000000000:stream/mon" {
		t.Fatalf("enable: current %v desired %v arn %s", out.CurrentShardLevelMetrics, got, aws.ToString(out.StreamARN))
	}
	out, err = env.client.EnableEnhancedMonitoring(ctx, &kin.EnableEnhancedMonitoringInput{StreamName: aws.String("mon"), ShardLevelMetrics: []types.MetricsName{"ALL"}})
	if err != nil || len(out.DesiredShardLevelMetrics) != 7 || len(out.CurrentShardLevelMetrics) != 2 {
		t.Fatalf("enable ALL: %v %v %v", err, out.CurrentShardLevelMetrics, out.DesiredShardLevelMetrics)
	}
	dis, err := env.client.DisableEnhancedMonitoring(ctx, &kin.DisableEnhancedMonitoringInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/mon"), ShardLevelMetrics: []types.MetricsName{"IncomingBytes", "IteratorAgeMilliseconds"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"IncomingRecords", "OutgoingBytes", "OutgoingRecords", "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"}
	if got := metricNames(dis.DesiredShardLevelMetrics); !reflect.DeepEqual(got, want) {
		t.Fatalf("disable: desired %v, want %v", got, want)
	}
	st, _ := env.meta.Stream("mon")
	if got := env.srv.enhancedMonitoring(st); len(got) != 1 || !reflect.DeepEqual(got[0].ShardLevelMetrics, want) {
		t.Fatalf("enhancedMonitoring helper: %v", got)
	}
	// A restarted server reads the settings back.
	again, err := New(env.srv.cfg, env.meta, env.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := again.enhancedMonitoring(st); !reflect.DeepEqual(got[0].ShardLevelMetrics, want) {
		t.Fatalf("after restart: %v", got)
	}
	env.create(t, "none", 1)
	st2, _ := env.meta.Stream("none")
	if got := env.srv.enhancedMonitoring(st2); len(got) != 1 || got[0].ShardLevelMetrics == nil || len(got[0].ShardLevelMetrics) != 0 {
		t.Fatalf("fresh stream: %#v", got)
	}

	wantRawErr(t, env, "EnableEnhancedMonitoring", `{"StreamName":"mon","ShardLevelMetrics":["Foo"]}`, "ValidationException",
		"1 validation error detected: Value 'Foo' at 'shardLevelMetrics.1.member' failed to satisfy constraint: Member must satisfy enum value set: "+metricsEnum)
	wantRawErr(t, env, "DisableEnhancedMonitoring", `{"StreamName":"mon"}`, "ValidationException",
		"1 validation error detected: Value null at 'shardLevelMetrics' failed to satisfy constraint: Member must not be null")
	wantRawErr(t, env, "EnableEnhancedMonitoring", `{"StreamName":"nope","ShardLevelMetrics":["ALL"]}`, "ResourceNotFoundException",
		"Stream nope under account 000000000000 not found.")
}

// TestResourceTags checks TagResource, UntagResource and
// ListTagsForResource on a stream (sharing AddTagsToStream's storage) and
// on a consumer, and their errors.
func TestResourceTags(t *testing.T) {
	env := startEnv(t)
	env.create(t, "tg", 1)
	ctx := testCtx(t)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/tg"
	if _, err := env.client.TagResource(ctx, &kin.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"team": "data", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := env.client.ListTagsForStream(ctx, &kin.ListTagsForStreamInput{StreamName: aws.String("tg")})
	if err != nil || len(lt.Tags) != 2 || aws.ToString(lt.Tags[0].Key) != "env" {
		t.Fatalf("ListTagsForStream after TagResource: %v %+v", err, lt)
	}
	if _, err := env.client.UntagResource(ctx, &kin.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	lr, err := env.client.ListTagsForResource(ctx, &kin.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || len(lr.Tags) != 1 || aws.ToString(lr.Tags[0].Key) != "team" || aws.ToString(lr.Tags[0].Value) != "data" {
		t.Fatalf("ListTagsForResource: %v %+v", err, lr)
	}

	reg, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	carn := reg.Consumer.ConsumerARN
	if _, err := env.client.TagResource(ctx, &kin.TagResourceInput{ResourceARN: carn, Tags: map[string]string{"owner": "me", "x": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.UntagResource(ctx, &kin.UntagResourceInput{ResourceARN: carn, TagKeys: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	lc, err := env.client.ListTagsForResource(ctx, &kin.ListTagsForResourceInput{ResourceARN: carn})
	if err != nil || len(lc.Tags) != 1 || aws.ToString(lc.Tags[0].Key) != "owner" {
		t.Fatalf("consumer tags: %v %+v", err, lc)
	}
	many := map[string]string{}
	for i := range 51 {
		many[string(rune('a'+i%26))+itoa(int64(i))] = "v"
	}
	_, err = env.client.TagResource(ctx, &kin.TagResourceInput{ResourceARN: carn, Tags: many})
	wantAPIError(t, err, "InvalidArgumentException", "Failed to add tags to consumer c1 under account 000000000000 because a given resource cannot have more than 50 tags associated with it.")
	_, err = env.client.TagResource(ctx, &kin.TagResourceInput{ResourceARN: aws.String(arn), Tags: many})
	wantAPIError(t, err, "InvalidArgumentException", "Failed to add tags to stream tg under account 000000000000 because a given stream cannot have more than 50 tags associated with it.")

	wantRawErr(t, env, "TagResource", `{"ResourceARN":"arn:aws:s3:::bucket","Tags":{"a":"b"}}`, "ValidationException",
		"1 validation error detected: Value 'arn:aws:s3:::bucket' at 'resourceARN' failed to satisfy constraint: "+resourceARNPattern)
	wantRawErr(t, env, "UntagResource", `{"ResourceARN":"`+arn+`"}`, "ValidationException",
		"1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	wantRawErr(t, env, "ListTagsForResource", `{}`, "ValidationException",
		"1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	wantRawErr(t, env, "ListTagsForResource", `{"ResourceARN":"arn:aws:kinesis:us-east-1:000000000000:stream/gone"}`, "ResourceNotFoundException",
		"Stream gone under account 000000000000 not found.")
	wantRawErr(t, env, "ListTagsForResource", `{"ResourceARN":"`+arn+`/consumer/c2:1"}`, "ResourceNotFoundException",
		"Consumer "+arn+"/consumer/c2:1 under account 000000000000 not found.")
	wantRawErr(t, env, "TagResource", `{"ResourceARN":"`+arn+`","Tags":{"a":"b%"}}`, "InvalidArgumentException",
		"Failed to add tags to stream tg under account 000000000000 because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.")
}

// TestResourcePolicy checks Put/Get/DeleteResourcePolicy on a stream and a
// consumer: stored, echoed byte for byte, "{}" when none, JSON checked.
func TestResourcePolicy(t *testing.T) {
	env := startEnv(t)
	env.create(t, "pol", 1)
	ctx := testCtx(t)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/pol"
	get := func(a string) string {
		t.Helper()
		out, err := env.client.GetResourcePolicy(ctx, &kin.GetResourcePolicyInput{ResourceARN: aws.String(a)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Policy)
	}
	if p := get(arn); p != "{}" {
		t.Fatalf("no policy: %q", p)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kinesis:GetRecords","Resource":"` + arn + `"}]}`
	if _, err := env.client.PutResourcePolicy(ctx, &kin.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if p := get(arn); p != policy {
		t.Fatalf("policy echoed as %q", p)
	}
	reg, err := env.client.RegisterStreamConsumer(ctx, &kin.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	carn := aws.ToString(reg.Consumer.ConsumerARN)
	if p := get(carn); p != "{}" {
		t.Fatalf("consumer inherits the stream's policy: %q", p)
	}
	if _, err := env.client.PutResourcePolicy(ctx, &kin.PutResourcePolicyInput{ResourceARN: aws.String(carn), Policy: aws.String(`{"Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.DeleteResourcePolicy(ctx, &kin.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if p := get(arn); p != "{}" {
		t.Fatalf("after delete: %q", p)
	}
	if p := get(carn); p != `{"Statement":[]}` {
		t.Fatalf("consumer policy: %q", p)
	}
	_, err = env.client.PutResourcePolicy(ctx, &kin.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(`[1,2]`)})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid policy document: it must be a JSON object (cannot unmarshal array into Go value of type map[string]json.RawMessage).")
	wantRawErr(t, env, "PutResourcePolicy", `{"ResourceARN":"`+arn+`"}`, "ValidationException",
		"1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null")
	wantRawErr(t, env, "GetResourcePolicy", `{"ResourceARN":"arn:aws:kinesis:us-east-1:000000000000:stream/none"}`, "ResourceNotFoundException",
		"Stream none under account 000000000000 not found.")
}

// TestAccountSettings checks the minimum throughput billing commitment's
// life: DISABLED, ENABLED, ENABLED_UNTIL_EARLIEST_ALLOWED_END, DISABLED.
func TestAccountSettings(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	d, err := env.client.DescribeAccountSettings(ctx, &kin.DescribeAccountSettingsInput{})
	if err != nil || d.MinimumThroughputBillingCommitment == nil || d.MinimumThroughputBillingCommitment.Status != "DISABLED" {
		t.Fatalf("initial: %v %+v", err, d)
	}
	update := func(status types.MinimumThroughputBillingCommitmentInputStatus) *types.MinimumThroughputBillingCommitmentOutput {
		t.Helper()
		out, err := env.client.UpdateAccountSettings(ctx, &kin.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: status}})
		if err != nil {
			t.Fatal(err)
		}
		return out.MinimumThroughputBillingCommitment
	}
	on := update("ENABLED")
	if on.Status != "ENABLED" || on.StartedAt == nil || on.EarliestAllowedEndAt == nil || on.EarliestAllowedEndAt.Sub(*on.StartedAt) != commitmentWindow {
		t.Fatalf("enabled: %+v", on)
	}
	off := update("DISABLED")
	if off.Status != "ENABLED_UNTIL_EARLIEST_ALLOWED_END" || off.EndedAt == nil || !off.EndedAt.Equal(*on.EarliestAllowedEndAt) {
		t.Fatalf("disabled early: %+v", off)
	}
	env.clock.advance(25 * time.Hour)
	d, err = env.client.DescribeAccountSettings(ctx, &kin.DescribeAccountSettingsInput{})
	if err != nil || d.MinimumThroughputBillingCommitment.Status != "DISABLED" || d.MinimumThroughputBillingCommitment.EndedAt == nil {
		t.Fatalf("after the window: %v %+v", err, d.MinimumThroughputBillingCommitment)
	}
	wantRawErr(t, env, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"MAYBE"}}`, "ValidationException",
		"1 validation error detected: Value 'MAYBE' at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]")
	wantRawErr(t, env, "UpdateAccountSettings", `{}`, "ValidationException",
		"1 validation error detected: Value null at 'minimumThroughputBillingCommitment' failed to satisfy constraint: Member must not be null")
}

// TestUpdateMaxRecordSize checks the range, the stored size (also after a
// restart) and that record validation follows it, bounded by what the
// shard log stores.
func TestUpdateMaxRecordSize(t *testing.T) {
	env := startEnv(t)
	env.create(t, "big", 1)
	ctx := testCtx(t)
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/big"
	wantRawErr(t, env, "UpdateMaxRecordSize", `{"StreamARN":"`+arn+`","MaxRecordSizeInKiB":100}`, "ValidationException",
		"1 validation error detected: Value '100' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024")
	wantRawErr(t, env, "UpdateMaxRecordSize", `{"StreamARN":"`+arn+`","MaxRecordSizeInKiB":10241}`, "ValidationException",
		"1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240")
	wantRawErr(t, env, "UpdateMaxRecordSize", `{"MaxRecordSizeInKiB":2048}`, "InvalidArgumentException", "Either StreamName or StreamARN should be provided.")
	if _, err := env.client.UpdateMaxRecordSize(ctx, &kin.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	name := "big"
	limit := min(2048<<10, shardlog.MaxDataSize)
	if got := env.srv.maxRecordBytes(&name, nil); got != limit {
		t.Fatalf("record limit %d, want %d", got, limit)
	}
	if got := env.srv.maxRecordBytes(nil, &arn); got != limit {
		t.Fatalf("record limit by ARN %d, want %d", got, limit)
	}
	other := "other"
	if got := env.srv.maxRecordBytes(&other, nil); got != 1<<20 {
		t.Fatalf("unknown stream limit %d", got)
	}
	again, err := New(env.srv.cfg, env.meta, env.log, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got := again.maxRecordBytes(&name, nil); got != limit {
		t.Fatalf("after restart: limit %d, want %d", got, limit)
	}
	_, err = env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: make([]byte, limit)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to "+itoa(int64(limit)))
	if limit > 1<<20 {
		if _, err := env.client.PutRecord(ctx, &kin.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: make([]byte, 1<<20+1)}); err != nil {
			t.Fatalf("large record refused: %v", err)
		}
	}
}

// TestUpdateStreamWarmThroughput checks the ON_DEMAND-only rule and the
// echoed value.
func TestUpdateStreamWarmThroughput(t *testing.T) {
	env := startEnv(t)
	env.create(t, "prov", 1)
	ctx := testCtx(t)
	_, err := env.client.UpdateStreamWarmThroughput(ctx, &kin.UpdateStreamWarmThroughputInput{StreamName: aws.String("prov"), WarmThroughputMiBps: aws.Int32(100)})
	wantAPIError(t, err, "InvalidArgumentException", "Warm throughput can only be set on streams in ON_DEMAND mode; stream prov under account 000000000000 is PROVISIONED.")
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	out, err := env.client.UpdateStreamWarmThroughput(ctx, &kin.UpdateStreamWarmThroughputInput{StreamName: aws.String("od"), WarmThroughputMiBps: aws.Int32(300)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.StreamName) != "od" || out.WarmThroughput == nil || aws.ToInt32(out.WarmThroughput.TargetMiBps) != 300 || aws.ToInt32(out.WarmThroughput.CurrentMiBps) != 300 {
		t.Fatalf("output: %+v", out)
	}
	wantRawErr(t, env, "UpdateStreamWarmThroughput", `{"StreamName":"od","WarmThroughputMiBps":-1}`, "ValidationException",
		"1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0")
	wantRawErr(t, env, "UpdateStreamWarmThroughput", `{"StreamName":"od"}`, "ValidationException",
		"1 validation error detected: Value null at 'warmThroughputMiBps' failed to satisfy constraint: Member must not be null")
}

// TestRecordDistributionStrategy checks UpdateStreamRecordDistributionStrategy:
// AUTO only on ON_DEMAND streams, records without partition keys accepted
// and spread evenly under AUTO, keys honoured again after
// USER_PARTITION_KEY.
func TestRecordDistributionStrategy(t *testing.T) {
	env := startEnv(t)
	env.create(t, "prov", 1)
	ctx := testCtx(t)
	set := func(stream, d string) error {
		_, err := env.client.UpdateStreamRecordDistributionStrategy(ctx, &kin.UpdateStreamRecordDistributionStrategyInput{
			StreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + stream), RecordDistributionStrategy: types.RecordDistributionStrategy(d)})
		return err
	}
	wantAPIError(t, set("prov", "AUTO"), "InvalidArgumentException",
		"The AUTO record distribution strategy is only supported for ON_DEMAND streams; stream prov under account 000000000000 is PROVISIONED.")
	if err := set("prov", "USER_PARTITION_KEY"); err != nil {
		t.Fatal(err)
	}
	wantRawErr(t, env, "UpdateStreamRecordDistributionStrategy", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/prov","RecordDistributionStrategy":"RANDOM"}`, "ValidationException",
		"1 validation error detected: Value 'RANDOM' at 'recordDistributionStrategy' failed to satisfy constraint: "+distributionPattern)
	wantRawErr(t, env, "UpdateStreamRecordDistributionStrategy", `{"RecordDistributionStrategy":"AUTO"}`, "ValidationException",
		"1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null")

	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	// Before AUTO a partition key is required.
	wantRawErr(t, env, "PutRecord", `{"StreamName":"od","Data":"AA=="}`, "ValidationException",
		"1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: Member must not be null")
	if err := set("od", "AUTO"); err != nil {
		t.Fatal(err)
	}
	st, _ := env.meta.Stream("od")
	if env.srv.recordDistribution(st) != "AUTO" {
		t.Fatal("strategy not stored")
	}
	if code, typ, msg := env.raw(t, "PutRecord", `{"StreamName":"od","Data":"AA=="}`); code != http.StatusOK {
		t.Fatalf("PutRecord without key under AUTO: %d %s %s", code, typ, msg)
	}
	recs := make([]types.PutRecordsRequestEntry, 40)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("same"), Data: []byte{byte(i)}}
	}
	out, err := env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("od"), Records: recs})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords under AUTO: %v", err)
	}
	perShard := map[string]int{}
	for _, r := range out.Records {
		perShard[aws.ToString(r.ShardId)]++
	}
	if len(perShard) != len(st.Shards) {
		t.Fatalf("one partition key under AUTO reached %d of %d shards: %v", len(perShard), len(st.Shards), perShard)
	}
	for sh, n := range perShard {
		if n != 40/len(st.Shards) {
			t.Fatalf("uneven spread: %s got %d (%v)", sh, n, perShard)
		}
	}
	if err := set("od", "USER_PARTITION_KEY"); err != nil {
		t.Fatal(err)
	}
	out, err = env.client.PutRecords(ctx, &kin.PutRecordsInput{StreamName: aws.String("od"), Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.Records {
		if aws.ToString(r.ShardId) != aws.ToString(out.Records[0].ShardId) {
			t.Fatal("one partition key spread over shards after USER_PARTITION_KEY")
		}
	}
}

// TestCreateStreamRecordSizeAndWarmThroughput: CreateStream takes
// MaxRecordSizeInKiB and WarmThroughputMiBps as UpdateMaxRecordSize and
// UpdateStreamWarmThroughput do, with the same bounds.
func TestCreateStreamRecordSizeAndWarmThroughput(t *testing.T) {
	env := startEnv(t)
	ctx := testCtx(t)
	wantRawErr(t, env, "CreateStream", `{"StreamName":"x","ShardCount":1,"MaxRecordSizeInKiB":1023,"WarmThroughputMiBps":-1}`, "ValidationException",
		"2 validation errors detected: Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024; "+
			"Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0")
	wantRawErr(t, env, "CreateStream", `{"StreamName":"x","ShardCount":1,"MaxRecordSizeInKiB":10241}`, "ValidationException",
		"1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240")
	wantRawErr(t, env, "UpdateStreamMode", `{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/x","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"WarmThroughputMiBps":-1}`, "ValidationException",
		"1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0")

	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.client.CreateStream(ctx, &kin.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}, WarmThroughputMiBps: aws.Int32(300)}); err != nil {
		t.Fatal(err)
	}
	big, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToInt32(big.StreamDescriptionSummary.MaxRecordSizeInKiB); got != 2048 {
		t.Fatalf("MaxRecordSizeInKiB %d, want 2048", got)
	}
	name := "big"
	if got, want := env.srv.maxRecordBytes(&name, nil), min(2048<<10, shardlog.MaxDataSize); got != want {
		t.Fatalf("record limit %d, want %d", got, want)
	}
	od, err := env.client.DescribeStreamSummary(ctx, &kin.DescribeStreamSummaryInput{StreamName: aws.String("od")})
	if err != nil {
		t.Fatal(err)
	}
	if w := od.StreamDescriptionSummary.WarmThroughput; w == nil || aws.ToInt32(w.TargetMiBps) != 300 {
		t.Fatalf("WarmThroughput %+v, want 300", w)
	}
}

// TestAbandonedRequestNotLoggedAsFailure: a client that hangs up mid-call
// (a producer stopped with Ctrl+C) is not an internal failure of rheo's.
func TestAbandonedRequestNotLoggedAsFailure(t *testing.T) {
	var buf bytes.Buffer
	srv := newTestServer(t)
	srv.logger = slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	srv.writeError(httptest.NewRecorder(), req, fmt.Errorf("append: %w", context.Canceled))
	if strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("abandoned request logged as an error: %s", buf.String())
	}
	// A failure while the client still waits is logged.
	req = httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/", nil)
	srv.writeError(httptest.NewRecorder(), req, errors.New("disk on fire"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("internal failure not logged: %q", buf.String())
	}
}
