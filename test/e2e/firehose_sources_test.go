package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The source type the first scenario of each client does not cover: the
// AWS CLI with a Kinesis-sourced delivery stream (firehose_test.go covers
// Direct PUT) and boto3 with Direct PUT (firehose_boto3.py covers the
// Kinesis source).

// TestFirehoseAWSCLIKinesisSource: aws kinesis create-stream, aws firehose
// create-delivery-stream --delivery-stream-type KinesisStreamAsSource,
// aws kinesis put-records; every record lands GZIP'd in the lake, and
// put-record on the delivery stream is refused as on AWS.
func TestFirehoseAWSCLIKinesisSource(t *testing.T) {
	p := startRheo(t)
	kin := newAWSCLI(t, p.endpoint())
	fh := fhCLI{kin}
	kin.ok(nil, "create-stream", "--stream-name", "cli-src", "--shard-count", "2")
	waitUntil(t, 10*time.Second, func() bool {
		var d struct{ StreamDescriptionSummary struct{ StreamStatus string } }
		kin.ok(&d, "describe-stream-summary", "--stream-name", "cli-src")
		return d.StreamDescriptionSummary.StreamStatus == "ACTIVE"
	})
	dest := `{"RoleARN":"arn:aws:iam::000000000000:role/firehose","BucketARN":"arn:aws:s3:::lake-cli-kin",` +
		`"CompressionFormat":"GZIP","Prefix":"clicks/","BufferingHints":{"SizeInMBs":1,"IntervalInSeconds":0}}`
	fh.ok(nil, "create-delivery-stream", "--delivery-stream-name", "cli-kin-hose",
		"--delivery-stream-type", "KinesisStreamAsSource",
		"--kinesis-stream-source-configuration",
		"KinesisStreamARN=arn:aws:kinesis:us-east-1:000000000000:stream/cli-src,RoleARN=arn:aws:iam::000000000000:role/firehose",
		"--extended-s3-destination-configuration", dest)
	d := fh.waitActive("cli-kin-hose")
	if typ := d.DeliveryStreamDescription.DeliveryStreamType; typ != "KinesisStreamAsSource" {
		t.Fatalf("DeliveryStreamType = %q", typ)
	}
	fh.fails("InvalidArgumentException", "This operation is not permitted on KinesisStreamAsSource delivery stream type.",
		"put-record", "--delivery-stream-name", "cli-kin-hose", "--record", `{"Data":"x"}`)

	var want []string
	for b := 0; b < 3; b++ {
		var recs []string
		for i := 0; i < 20; i++ {
			line := fmt.Sprintf(`{"click":%d,"page":"/p/%d"}`, b*20+i, i%4)
			want = append(want, line+"\n")
			recs = append(recs, fmt.Sprintf("Data=%s,PartitionKey=k%d", cliBlob(t, line+"\n"), i))
		}
		args := append([]string{"put-records", "--stream-name", "cli-src", "--records"}, recs...)
		var out struct{ FailedRecordCount int }
		kin.ok(&out, args...)
		if out.FailedRecordCount != 0 {
			t.Fatalf("put-records: %d failed", out.FailedRecordCount)
		}
	}
	objs := waitLake(t, p.dataDir, "lake-cli-kin", "clicks", 30*time.Second, func(objs []lakeObject) bool {
		return len(gunzipLines(t, objs)) >= len(want)
	})
	got := gunzipLines(t, objs)
	if strings.Join(got, "") != strings.Join(sortedCopy(want), "") {
		t.Fatalf("lake holds %d records, want exactly the %d put:\n%q", len(got), len(want), got)
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Key, "clicks/") || !strings.HasSuffix(o.Key, ".gz") {
			t.Fatalf("object key %q: want clicks/YYYY/MM/dd/HH/...gz", o.Key)
		}
	}
}

// cliBlob spells a blob for "aws kinesis put-records" shorthand: raw
// text on CLI v1, base64 on v2.
func cliBlob(t *testing.T, s string) string {
	if cliV2(t) {
		return b64(s)
	}
	if strings.ContainsAny(s, ",=") {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}

// gunzipLines returns the newline-terminated records of GZIP objects,
// sorted.
func gunzipLines(t *testing.T, objs []lakeObject) []string {
	t.Helper()
	var plain []lakeObject
	for _, o := range objs {
		zr, err := gzip.NewReader(bytes.NewReader(o.Data))
		if err != nil {
			t.Fatalf("%s: %v", o.Key, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", o.Key, err)
		}
		plain = append(plain, lakeObject{Key: o.Key, Data: b})
	}
	return recordLines(plain)
}

// TestFirehoseBoto3DirectPut runs firehose_direct_boto3.py: Direct PUT
// with binary records byte-exact, UpdateDestination with the version
// check, encryption, tags, delete.
func TestFirehoseBoto3DirectPut(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed:", err)
	}
	if out, err := exec.Command("python3", "-c", "import boto3").CombinedOutput(); err != nil {
		t.Skipf("boto3 not importable: %v\n%s", err, out)
	}
	script, err := filepath.Abs("firehose_direct_boto3.py")
	if err != nil {
		t.Fatal(err)
	}
	p := startRheo(t)
	cmd := exec.Command("python3", script, p.endpoint(), filepath.Join(p.dataDir, "lake"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("firehose_direct_boto3.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}
