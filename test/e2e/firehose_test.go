package e2e

// Firehose (delivery streams) against the built binary: the AWS CLI
// (firehose_test.go), boto3 with a Kinesis source (firehose_boto3.py), the
// Go SDK, and kill -9 during delivery (firehose_sdk_test.go). Objects land
// in the built-in lake, <data-dir>/lake/<bucket>/.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// fhCLI runs "aws firehose ..." with an awsCLI's isolated environment.
type fhCLI struct{ *awsCLI }

func (a fhCLI) run(args ...string) (stdout, stderr string, code int) {
	a.t.Helper()
	var extra []string
	if len(args) > 0 && strings.HasPrefix(args[0], "put-record") && cliV2(a.t) {
		// CLI v2 reads blobs as base64 unless told otherwise; v1 sends
		// them raw. Both then send the text below as the record's bytes.
		extra = []string{"--cli-binary-format", "raw-in-base64-out"}
	}
	return a.exec("firehose", args, extra)
}

// cliV2 reports whether the installed AWS CLI is version 2.
func cliV2(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command("aws", "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("aws --version: %v", err)
	}
	return strings.HasPrefix(string(out), "aws-cli/2")
}

func (a fhCLI) ok(v any, args ...string) {
	a.t.Helper()
	out, errOut, code := a.run(args...)
	if code != 0 {
		a.t.Fatalf("aws firehose %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, errOut, out)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			a.t.Fatalf("aws firehose %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func (a fhCLI) fails(code, msg string, args ...string) {
	a.t.Helper()
	out, errOut, exit := a.run(args...)
	if exit != 254 && exit != 255 {
		a.t.Errorf("aws firehose %s: exit %d, want 254 or 255\nstderr: %s\nstdout: %s", strings.Join(args, " "), exit, errOut, out)
		return
	}
	if !strings.Contains(errOut, "("+code+")") || !strings.Contains(errOut, msg) {
		a.t.Errorf("aws firehose %s: stderr lacks (%s) %q:\n%s", strings.Join(args, " "), code, msg, errOut)
	}
}

// description is the part of describe-delivery-stream the tests read.
type description struct {
	DeliveryStreamDescription struct {
		DeliveryStreamName   string
		DeliveryStreamARN    string
		DeliveryStreamStatus string
		DeliveryStreamType   string
		VersionId            string
		Destinations         []struct {
			DestinationId                    string
			ExtendedS3DestinationDescription struct {
				BucketARN         string
				Prefix            string
				BufferingHints    struct{ SizeInMBs, IntervalInSeconds int }
				CompressionFormat string
			}
		}
	}
}

// waitActiveCLI polls describe-delivery-stream until ACTIVE.
func (a fhCLI) waitActive(name string) description {
	a.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var d description
		a.ok(&d, "describe-delivery-stream", "--delivery-stream-name", name)
		if d.DeliveryStreamDescription.DeliveryStreamStatus == "ACTIVE" {
			return d
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s not ACTIVE: %+v", name, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lakeObject is one delivered object.
type lakeObject struct {
	Key  string
	Data []byte
}

// lakeObjects lists the objects of bucket (under prefix) in the built-in
// lake of dataDir, skipping in-flight temp files.
func lakeObjects(t *testing.T, dataDir, bucket, prefix string) []lakeObject {
	t.Helper()
	root := filepath.Join(dataDir, "lake", bucket)
	var out []lakeObject
	_ = filepath.Walk(filepath.Join(root, prefix), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasPrefix(info.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, lakeObject{Key: filepath.ToSlash(rel), Data: b})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// waitLake waits until cond holds for the objects of bucket/prefix.
func waitLake(t *testing.T, dataDir, bucket, prefix string, timeout time.Duration, cond func([]lakeObject) bool) []lakeObject {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		objs := lakeObjects(t, dataDir, bucket, prefix)
		if cond(objs) {
			return objs
		}
		if time.Now().After(deadline) {
			var keys []string
			for _, o := range objs {
				keys = append(keys, fmt.Sprintf("%s (%d bytes)", o.Key, len(o.Data)))
			}
			t.Fatalf("lake %s/%s: condition not met after %v; objects: %v", bucket, prefix, timeout, keys)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordLines returns the newline-terminated records of the objects,
// sorted.
func recordLines(objs []lakeObject) []string {
	var lines []string
	for _, o := range objs {
		for _, l := range strings.SplitAfter(string(o.Data), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	sort.Strings(lines)
	return lines
}

// defaultKey is Firehose's default object key:
// YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-MM-SS-<random>.
func defaultKey(stream string, version int) *regexp.Regexp {
	return regexp.MustCompile(`^(\d{4})/(\d{2})/(\d{2})/(\d{2})/` + regexp.QuoteMeta(stream) + fmt.Sprintf("-%d-", version) +
		`(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f-]+$`)
}

func TestFirehoseAWSCLI(t *testing.T) {
	p := startRheo(t)
	cli := fhCLI{newAWSCLI(t, p.endpoint())}
	const name = "cli-hose"
	dest := `{"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::lake-e2e","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}`
	var created struct{ DeliveryStreamARN string }
	cli.ok(&created, "create-delivery-stream", "--delivery-stream-name", name, "--delivery-stream-type", "DirectPut",
		"--extended-s3-destination-configuration", dest, "--tags", "Key=team,Value=data")
	if created.DeliveryStreamARN != "arn:aws:firehose:us-east-1:000000000000:deliverystream/"+name {
		t.Fatalf("ARN %q", created.DeliveryStreamARN)
	}
	cli.fails("ResourceInUseException", "Firehose cli-hose under accountId 000000000000 already exists",
		"create-delivery-stream", "--delivery-stream-name", name, "--extended-s3-destination-configuration", dest)
	d := cli.waitActive(name)
	dd := d.DeliveryStreamDescription
	if dd.VersionId != "1" || dd.DeliveryStreamType != "DirectPut" || len(dd.Destinations) != 1 ||
		dd.Destinations[0].ExtendedS3DestinationDescription.CompressionFormat != "UNCOMPRESSED" ||
		dd.Destinations[0].ExtendedS3DestinationDescription.BufferingHints.SizeInMBs != 1 {
		t.Fatalf("description %+v", dd)
	}

	var put struct {
		RecordId  string
		Encrypted bool
	}
	cli.ok(&put, "put-record", "--delivery-stream-name", name, "--record", `{"Data":"{\"n\":1}\n"}`)
	if put.RecordId == "" {
		t.Fatalf("put-record: %+v", put)
	}
	var batch struct {
		FailedPutCount   int
		RequestResponses []struct{ RecordId, ErrorCode string }
	}
	cli.ok(&batch, "put-record-batch", "--delivery-stream-name", name, "--records", `[{"Data":"{\"n\":2}\n"},{"Data":"{\"n\":3}\n"}]`)
	if batch.FailedPutCount != 0 || len(batch.RequestResponses) != 2 || batch.RequestResponses[1].RecordId == "" {
		t.Fatalf("put-record-batch: %+v", batch)
	}
	want := []string{"{\"n\":1}\n", "{\"n\":2}\n", "{\"n\":3}\n"}
	objs := waitLake(t, p.dataDir, "lake-e2e", "", 20*time.Second, func(o []lakeObject) bool { return len(recordLines(o)) >= 3 })
	if got := recordLines(objs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("lake records %q, want %q", got, want)
	}
	re := defaultKey(name, 1)
	for _, o := range objs {
		m := re.FindStringSubmatch(o.Key)
		if m == nil || m[1] != m[5] || m[2] != m[6] || m[3] != m[7] || m[4] != m[8] {
			t.Fatalf("key %q is not Firehose's default layout", o.Key)
		}
	}

	var list struct {
		DeliveryStreamNames    []string
		HasMoreDeliveryStreams bool
	}
	cli.ok(&list, "list-delivery-streams")
	if fmt.Sprint(list.DeliveryStreamNames) != "["+name+"]" || list.HasMoreDeliveryStreams {
		t.Fatalf("list %+v", list)
	}
	cli.ok(&list, "list-delivery-streams", "--delivery-stream-type", "KinesisStreamAsSource")
	if len(list.DeliveryStreamNames) != 0 {
		t.Fatalf("list by type %+v", list)
	}

	// update-destination: new objects go under the new prefix, as version 2.
	cli.fails("ConcurrentModificationException", "do not match", "update-destination", "--delivery-stream-name", name,
		"--current-delivery-stream-version-id", "7", "--destination-id", dd.Destinations[0].DestinationId,
		"--extended-s3-destination-update", `{"Prefix":"v2/"}`)
	cli.ok(nil, "update-destination", "--delivery-stream-name", name, "--current-delivery-stream-version-id", "1",
		"--destination-id", dd.Destinations[0].DestinationId, "--extended-s3-destination-update", `{"Prefix":"v2/","CompressionFormat":"GZIP"}`)
	d = cli.waitActive(name)
	if d.DeliveryStreamDescription.VersionId != "2" || d.DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.Prefix != "v2/" {
		t.Fatalf("after update %+v", d.DeliveryStreamDescription)
	}
	cli.ok(nil, "put-record", "--delivery-stream-name", name, "--record", `{"Data":"after update\n"}`)
	objs = waitLake(t, p.dataDir, "lake-e2e", "v2", 20*time.Second, func(o []lakeObject) bool { return len(o) > 0 })
	if !strings.Contains(objs[0].Key, "/"+name+"-2-") || !strings.HasSuffix(objs[0].Key, ".gz") {
		t.Fatalf("key after update %q", objs[0].Key)
	}

	// Tags.
	cli.ok(nil, "tag-delivery-stream", "--delivery-stream-name", name, "--tags", "Key=env,Value=e2e", "Key=team,Value=platform")
	cli.ok(nil, "untag-delivery-stream", "--delivery-stream-name", name, "--tag-keys", "nope")
	var tags struct {
		Tags        []struct{ Key, Value string }
		HasMoreTags bool
	}
	cli.ok(&tags, "list-tags-for-delivery-stream", "--delivery-stream-name", name)
	if fmt.Sprint(tags.Tags) != "[{env e2e} {team platform}]" || tags.HasMoreTags {
		t.Fatalf("tags %+v", tags)
	}
	cli.ok(nil, "untag-delivery-stream", "--delivery-stream-name", name, "--tag-keys", "env")
	cli.ok(&tags, "list-tags-for-delivery-stream", "--delivery-stream-name", name, "--limit", "1")
	if fmt.Sprint(tags.Tags) != "[{team platform}]" {
		t.Fatalf("tags after untag %+v", tags)
	}

	// Encryption.
	cli.ok(nil, "start-delivery-stream-encryption", "--delivery-stream-name", name, "--delivery-stream-encryption-configuration-input", "KeyType=AWS_OWNED_CMK")
	var enc struct {
		DeliveryStreamDescription struct {
			DeliveryStreamEncryptionConfiguration struct{ Status, KeyType string }
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cli.ok(&enc, "describe-delivery-stream", "--delivery-stream-name", name)
		if enc.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration.Status == "ENABLED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c := enc.DeliveryStreamDescription.DeliveryStreamEncryptionConfiguration; c.Status != "ENABLED" || c.KeyType != "AWS_OWNED_CMK" {
		t.Fatalf("encryption %+v", c)
	}
	cli.ok(&put, "put-record", "--delivery-stream-name", name, "--record", `{"Data":"secret\n"}`)
	if !put.Encrypted {
		t.Fatal("put-record after SSE: Encrypted false")
	}
	cli.ok(nil, "stop-delivery-stream-encryption", "--delivery-stream-name", name)

	// Errors as AWS words them.
	cli.fails("ResourceNotFoundException", "Firehose nope under account 000000000000 not found.", "describe-delivery-stream", "--delivery-stream-name", "nope")
	cli.fails("InvalidArgumentException", "rheo does not support", "create-delivery-stream", "--delivery-stream-name", "es",
		"--elasticsearch-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/r","IndexName":"i","S3Configuration":{"RoleARN":"arn:aws:iam::000000000000:role/r","BucketARN":"arn:aws:s3:::b12"}}`)
	cli.fails("ValidationException", "Member must have value less than or equal to 128", "create-delivery-stream", "--delivery-stream-name", "big",
		"--extended-s3-destination-configuration", `{"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::lake-e2e","BufferingHints":{"SizeInMBs":200,"IntervalInSeconds":60}}`)

	cli.ok(nil, "delete-delivery-stream", "--delivery-stream-name", name)
	deadline = time.Now().Add(10 * time.Second)
	for {
		_, errOut, code := cli.run("describe-delivery-stream", "--delivery-stream-name", name)
		if code != 0 && strings.Contains(errOut, "ResourceNotFoundException") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still described after delete: %s", name, errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFirehoseBoto3 runs firehose_boto3.py: a Kinesis-sourced delivery
// stream with GZIP objects, fed with kinesis put_records.
func TestFirehoseBoto3(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed:", err)
	}
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not importable: %v\n%s", err, out)
	}
	script, err := filepath.Abs("firehose_boto3.py")
	if err != nil {
		t.Fatal(err)
	}
	p := startRheo(t)
	cmd := exec.Command("python3", script, p.endpoint(), filepath.Join(p.dataDir, "lake"))
	out, err := cmd.CombinedOutput()
	t.Logf("firehose_boto3.py:\n%s", out)
	if err != nil {
		t.Fatalf("firehose_boto3.py failed: %v", err)
	}
}
