package firehose

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestPutRecord(t *testing.T) {
	e := newEnv(t)
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "p", "ExtendedS3DestinationConfiguration": s3Config("lake-test")})
	// CREATING: not yet accepting data (AWS answers ResourceNotFoundException).
	e.fail("PutRecord", map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": b64("x")}}, "ResourceNotFoundException", "Firehose p under account 123456789012 not found.")
	e.clk.advance(testDelay)
	out := e.ok("PutRecord", map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": b64("hello\n")}})
	if out["RecordId"] != "rec-1" || out["Encrypted"] != false {
		t.Fatalf("reply %v", out)
	}
	e.ok("PutRecord", map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": ""}}) // empty data is legal (min 0)
	if got := e.fake.put["p"]; len(got) != 2 || string(got[0]) != "hello\n" || len(got[1]) != 0 {
		t.Fatalf("stored %q", got)
	}
	big := strings.Repeat("x", maxRecordSize)
	e.ok("PutRecord", map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": b64(big)}})

	cases := []struct {
		body      any
		typ, want string
	}{
		{map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": b64(big + "x")}}, "ValidationException",
			"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000"},
		{map[string]any{"DeliveryStreamName": "p"}, "ValidationException", "Value null at 'record' failed to satisfy constraint: Member must not be null"},
		{map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{}}, "ValidationException", "Value null at 'record.data'"},
		{map[string]any{"Record": map[string]any{"Data": "YQ=="}}, "ValidationException", "Value null at 'deliveryStreamName'"},
		{map[string]any{"DeliveryStreamName": "nope", "Record": map[string]any{"Data": "YQ=="}}, "ResourceNotFoundException", "Firehose nope under account 123456789012 not found."},
		{map[string]any{"DeliveryStreamName": "p", "Record": map[string]any{"Data": "not base64!"}}, "SerializationException", ""},
	}
	for _, c := range cases {
		e.fail("PutRecord", c.body, c.typ, c.want)
	}
}

func TestPutRecordBatch(t *testing.T) {
	e := newEnv(t)
	e.create("b", nil)
	recs := func(n, size int) []any {
		out := make([]any, n)
		for i := range out {
			data := fmt.Sprintf("%d|", i)
			data += strings.Repeat("r", max(0, size-len(data)))
			out[i] = map[string]any{"Data": b64(data)}
		}
		return out
	}
	out := e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": recs(500, 10)})
	if out["FailedPutCount"] != 0.0 || out["Encrypted"] != false || len(out["RequestResponses"].([]any)) != 500 {
		t.Fatalf("reply FailedPutCount=%v Encrypted=%v entries=%d", out["FailedPutCount"], out["Encrypted"], len(out["RequestResponses"].([]any)))
	}
	if got := get(out, "RequestResponses", 499, "RecordId"); got != "rec-500" {
		t.Fatalf("last RecordId %v", got)
	}
	if got := e.fake.put["b"]; len(got) != 500 || !bytes.HasPrefix(got[499], []byte("499|")) {
		t.Fatalf("stored %d records", len(got))
	}
	// Exactly 4 MiB of data in one call is allowed; one byte more is not.
	four := recs(5, 0)
	for i := range four {
		n := maxBatchBytes / 5
		if i == 0 {
			n += maxBatchBytes % 5
		}
		four[i] = map[string]any{"Data": b64(strings.Repeat("z", n))}
	}
	e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": four})
	four = append(four, map[string]any{"Data": b64("!")})
	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": four}, "InvalidArgumentException", "Records size exceeds 4 MB limit")
	// AWS's exact words (as producers such as osquery log them).
	if _, out := e.call("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": four}); out["message"] != "Records size exceeds 4 MB limit" {
		t.Errorf("message over 4 MiB = %q, want AWS's %q", out["message"], "Records size exceeds 4 MB limit")
	}

	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": recs(501, 1)}, "ValidationException",
		"at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")
	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": []any{}}, "ValidationException",
		"Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "b"}, "ValidationException", "Value null at 'records'")
	tooBig := recs(3, 1)
	tooBig[1] = map[string]any{"Data": b64(strings.Repeat("q", maxRecordSize+1))}
	tooBig[2] = map[string]any{}
	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": tooBig}, "ValidationException",
		"2 validation errors detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1024000; Value null at 'records.3.member.data'")
	e.fail("PutRecordBatch", map[string]any{"DeliveryStreamName": "zz", "Records": recs(1, 1)}, "ResourceNotFoundException", "Firehose zz under account")

	// A storage failure fails every record, per record.
	before := len(e.fake.put["b"])
	e.fake.putErr = errors.New("disk on fire")
	out = e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "b", "Records": recs(3, 1)})
	if out["FailedPutCount"] != 3.0 || get(out, "RequestResponses", 2, "ErrorCode") != "ServiceUnavailableException" || get(out, "RequestResponses", 2, "RecordId") != nil {
		t.Fatalf("failure reply %v", out)
	}
	if len(e.fake.put["b"]) != before {
		t.Fatal("failed batch stored records")
	}
	// PutRecord reports it as ServiceUnavailableException, which SDKs retry.
	code, perr := e.call("PutRecord", map[string]any{"DeliveryStreamName": "b", "Record": map[string]any{"Data": "YQ=="}})
	if code != 503 || perr["__type"] != "ServiceUnavailableException" {
		t.Fatalf("PutRecord with failing engine: %d %v", code, perr)
	}
}

func TestEncryption(t *testing.T) {
	e := newEnv(t)
	e.create("s", nil)
	enc := func() map[string]any {
		return e.describe("s")["DeliveryStreamEncryptionConfiguration"].(map[string]any)
	}
	put := func() any {
		return e.ok("PutRecord", map[string]any{"DeliveryStreamName": "s", "Record": map[string]any{"Data": "YQ=="}})["Encrypted"]
	}
	e.ok("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s"})
	// Records are sealed from the call on, so Encrypted is true while
	// ENABLING already: it says how the record was stored.
	if got := enc(); got["Status"] != "ENABLING" || got["KeyType"] != "AWS_OWNED_CMK" || put() != true {
		t.Fatalf("after start: %v", got)
	}
	e.clk.advance(testDelay)
	if got := enc(); got["Status"] != "ENABLED" || put() != true {
		t.Fatalf("after delay: %v", got)
	}
	key := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	e.ok("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s",
		"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}})
	e.clk.advance(testDelay)
	if got := enc(); got["Status"] != "ENABLED" || got["KeyType"] != "CUSTOMER_MANAGED_CMK" || got["KeyARN"] != key {
		t.Fatalf("key change: %v", got)
	}
	out := e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "s", "Records": []any{map[string]any{"Data": "YQ=="}}})
	if out["Encrypted"] != true {
		t.Fatalf("batch Encrypted %v", out["Encrypted"])
	}
	e.ok("StopDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s"})
	if got := enc(); got["Status"] != "DISABLING" || got["KeyARN"] != nil {
		t.Fatalf("after stop: %v", got)
	}
	e.clk.advance(testDelay)
	if got := enc(); got["Status"] != "DISABLED" || put() != false {
		t.Fatalf("after stop delay: %v", got)
	}
	e.ok("StopDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s"}) // already off: no-op

	e.fail("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s",
		"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "AWS_OWNED_CMK", "KeyARN": key}}, "InvalidArgumentException", "KeyARN must not be specified")
	e.fail("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s",
		"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": "key-1"}}, "ValidationException", "deliveryStreamEncryptionConfigurationInput.keyARN")
	e.fail("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "missing"}, "ResourceNotFoundException", "Firehose missing under account")
	e.fail("StopDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "missing"}, "ResourceNotFoundException", "Firehose missing under account")

	// Created with SSE: ENABLED from the start.
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "s2", "ExtendedS3DestinationConfiguration": s3Config("lake-test"),
		"DeliveryStreamEncryptionConfigurationInput": map[string]any{"KeyType": "AWS_OWNED_CMK"}})
	e.fail("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s2"}, "ResourceInUseException", "CREATING")
	e.clk.advance(testDelay)
	if got := get(e.describe("s2"), "DeliveryStreamEncryptionConfiguration", "Status"); got != "ENABLED" {
		t.Fatalf("created with SSE: %v", got)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "t", "ExtendedS3DestinationConfiguration": s3Config("lake-test"),
		"Tags": []any{map[string]any{"Key": "team", "Value": "data"}, map[string]any{"Key": "env", "Value": "dev"}}})
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": []any{map[string]any{"Key": "a"}}}, "ResourceInUseException", "CREATING")
	e.clk.advance(testDelay)
	list := func(in map[string]any) string {
		in["DeliveryStreamName"] = "t"
		out := e.ok("ListTagsForDeliveryStream", in)
		var parts []string
		for _, tg := range out["Tags"].([]any) {
			parts = append(parts, fmt.Sprintf("%v=%v", get(tg, "Key"), get(tg, "Value")))
		}
		return strings.Join(parts, ",") + fmt.Sprintf(" more=%v", out["HasMoreTags"])
	}
	if got := list(map[string]any{}); got != "env=dev,team=data more=false" {
		t.Fatalf("tags %q", got)
	}
	e.ok("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": []any{map[string]any{"Key": "env", "Value": "prod"}, map[string]any{"Key": "cost", "Value": ""}}})
	if got := list(map[string]any{}); got != "cost=,env=prod,team=data more=false" {
		t.Fatalf("tags after tag %q", got)
	}
	if got := list(map[string]any{"Limit": 1}); got != "cost= more=true" {
		t.Fatalf("limit 1: %q", got)
	}
	if got := list(map[string]any{"Limit": 1, "ExclusiveStartTagKey": "cost"}); got != "env=prod more=true" {
		t.Fatalf("page 2: %q", got)
	}
	if got := list(map[string]any{"ExclusiveStartTagKey": "env"}); got != "team=data more=false" {
		t.Fatalf("page 3: %q", got)
	}
	e.ok("UntagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "TagKeys": []any{"env", "absent"}})
	if got := list(map[string]any{}); got != "cost=,team=data more=false" {
		t.Fatalf("after untag %q", got)
	}
	many := func(n, from int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"Key": fmt.Sprintf("k%02d", from+i), "Value": "v"}
		}
		return out
	}
	e.ok("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": many(48, 0)})
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": many(1, 48)}, "LimitExceededException", "at most 50 tags")
	e.ok("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": many(1, 0)}) // replacing does not add
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": many(51, 0)}, "ValidationException",
		"at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": []any{}}, "ValidationException", "Member must have length greater than or equal to 1")
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t"}, "ValidationException", "Value null at 'tags'")
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": []any{map[string]any{"Value": "v"}}}, "ValidationException", "Value null at 'tags.1.member.key'")
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Tags": []any{map[string]any{"Key": strings.Repeat("k", 129)}}}, "ValidationException",
		"at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128")
	e.fail("TagDeliveryStream", map[string]any{"DeliveryStreamName": "nope", "Tags": many(1, 0)}, "ResourceNotFoundException", "Firehose nope under account")
	e.fail("UntagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "TagKeys": []any{}}, "ValidationException", "at 'tagKeys'")
	e.fail("UntagDeliveryStream", map[string]any{"DeliveryStreamName": "t", "TagKeys": []any{""}}, "ValidationException", "at 'tagKeys.1.member'")
	e.fail("UntagDeliveryStream", map[string]any{"DeliveryStreamName": "nope", "TagKeys": []any{"a"}}, "ResourceNotFoundException", "Firehose nope under account")
	e.fail("ListTagsForDeliveryStream", map[string]any{"DeliveryStreamName": "t", "Limit": 51}, "ValidationException", "Value '51' at 'limit'")
	e.fail("ListTagsForDeliveryStream", map[string]any{"DeliveryStreamName": "nope"}, "ResourceNotFoundException", "Firehose nope under account")
}

// TestPutEncryptedIsHowStored: when StartDeliveryStreamEncryption or
// StopDeliveryStreamEncryption lands between a put's reading of the stream
// and its append, Encrypted says how the records were stored, not what
// the stream said when the call began. The race is pinned by an at-rest
// decision that disagrees with the stream's setting.
func TestPutEncryptedIsHowStored(t *testing.T) {
	e := newEnv(t)
	e.create("s", nil)
	seal := func(on bool) {
		e.fake.mu.Lock()
		e.fake.sealed = func(uint64) bool { return on }
		e.fake.mu.Unlock()
	}
	put := func() (any, any) {
		one := e.ok("PutRecord", map[string]any{"DeliveryStreamName": "s", "Record": map[string]any{"Data": "YQ=="}})["Encrypted"]
		batch := e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "s", "Records": []any{map[string]any{"Data": "YQ=="}}})["Encrypted"]
		return one, batch
	}
	// Encryption started after the stream was read: the records are sealed.
	seal(true)
	if one, batch := put(); one != true || batch != true {
		t.Errorf("sealed under a stream read as unencrypted: PutRecord %v, PutRecordBatch %v", one, batch)
	}
	// Encryption stopped after the stream (ENABLED) was read: stored plain.
	e.ok("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "s"})
	e.clk.advance(testDelay)
	seal(false)
	if one, batch := put(); one != false || batch != false {
		t.Errorf("stored plain under a stream read as ENABLED: PutRecord %v, PutRecordBatch %v", one, batch)
	}
}
