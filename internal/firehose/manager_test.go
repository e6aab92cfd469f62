package firehose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/atrest"
	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// newManagerEnv runs the API over a real delivery.Manager on a temp data
// dir with the local lake, the server clock being the wall clock.
func newManagerEnv(t testing.TB) (*env, string) {
	t.Helper()
	dir := t.TempDir()
	ms, err := meta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	lg, err := shardlog.OpenFile(shardlog.Options{Dir: filepath.Join(dir, "streams")})
	if err != nil {
		t.Fatal(err)
	}
	// Sealed at rest as in rheo serve, so put replies' Encrypted is the
	// wrapper's (srv is set below, before anything appends).
	keys, err := atrest.NewKeys(bytes.Repeat([]byte{7}, atrest.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	var srv *Server
	sealed := atrest.Wrap(lg, keys, func(uid uint64) (string, bool) { return srv.EncryptionFor(uid) })
	lakeDir := filepath.Join(dir, "lake")
	m, err := delivery.New(context.Background(), delivery.Options{Meta: ms, Log: sealed, Store: lake.NewLocal(lakeDir),
		RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.Close()
		_ = lg.Close()
		_ = ms.Close()
	})
	clk := &clock{t: time.Now()}
	cfg := testConfig(clk)
	cfg.Now = time.Now
	cfg.StateDelay = 0
	if srv, err = New(cfg, m); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, srv: srv, clk: clk}, lakeDir
}

// waitObjects waits until the lake holds objects under bucket whose
// concatenated content has want bytes, and returns their keys and content.
func waitObjects(t *testing.T, lakeDir, bucket string, want int) ([]string, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var keys []string
		var content strings.Builder
		root := filepath.Join(lakeDir, bucket)
		_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || strings.HasPrefix(info.Name(), ".") {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			keys = append(keys, filepath.ToSlash(rel))
			return nil
		})
		sort.Strings(keys)
		for _, k := range keys {
			b, err := os.ReadFile(filepath.Join(root, k))
			if err == nil {
				content.Write(b)
			}
		}
		if content.Len() >= want || time.Now().After(deadline) {
			return keys, content.String()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWithManager(t *testing.T) {
	e, lakeDir := newManagerEnv(t)
	ext := s3Config("lake-m")
	ext["BufferingHints"] = map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 0}
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "m", "ExtendedS3DestinationConfiguration": ext,
		"Tags": []any{map[string]any{"Key": "team", "Value": "data"}}})
	if got := e.describe("m")["DeliveryStreamStatus"]; got != "ACTIVE" {
		t.Fatalf("status %v", got)
	}
	out := e.ok("PutRecord", map[string]any{"DeliveryStreamName": "m", "Record": map[string]any{"Data": b64("one\n")}})
	if id, _ := out["RecordId"].(string); id == "" {
		t.Fatalf("PutRecord reply %v", out)
	}
	out = e.ok("PutRecordBatch", map[string]any{"DeliveryStreamName": "m", "Records": []any{
		map[string]any{"Data": b64("two\n")}, map[string]any{"Data": b64("three\n")},
	}})
	if out["FailedPutCount"] != 0.0 || get(out, "RequestResponses", 1, "RecordId") == get(out, "RequestResponses", 0, "RecordId") {
		t.Fatalf("PutRecordBatch reply %v", out)
	}
	keys, content := waitObjects(t, lakeDir, "lake-m", len("one\ntwo\nthree\n"))
	// Objects of the same second sort by their random part: compare lines.
	if got := sortedLines(content); got != "one,three,two" {
		t.Fatalf("lake content %q in %v", content, keys)
	}
	now := time.Now().UTC()
	for _, k := range keys {
		// Default layout: YYYY/MM/dd/HH/<stream>-<version>-<time>-<random>.
		if !strings.HasPrefix(k, now.Format("2006/01/02/")) || !strings.Contains(k, "/m-1-") {
			t.Fatalf("key %q does not follow Firehose's default layout", k)
		}
	}

	// UpdateDestination through the engine: new objects use version 2 and the prefix.
	e.ok("UpdateDestination", update("m", "1", "ExtendedS3DestinationUpdate", map[string]any{"Prefix": "v2/"}))
	e.fail("UpdateDestination", update("m", "1", "ExtendedS3DestinationUpdate", map[string]any{"Prefix": "v3/"}), "ConcurrentModificationException", "do not match")
	if d := e.describe("m"); d["VersionId"] != "2" || get(d, "Destinations", 0, "ExtendedS3DestinationDescription", "Prefix") != "v2/" {
		t.Fatalf("after update %v", d)
	}
	e.ok("PutRecord", map[string]any{"DeliveryStreamName": "m", "Record": map[string]any{"Data": b64("four\n")}})
	keys, _ = waitObjects(t, filepath.Join(lakeDir, "lake-m"), "v2", len("four\n"))
	if len(keys) == 0 || !strings.Contains(keys[0], "/m-2-") {
		t.Fatalf("keys after update %v", keys)
	}

	e.ok("TagDeliveryStream", map[string]any{"DeliveryStreamName": "m", "Tags": []any{map[string]any{"Key": "env", "Value": "test"}}})
	if tags := e.ok("ListTagsForDeliveryStream", map[string]any{"DeliveryStreamName": "m"})["Tags"].([]any); len(tags) != 2 {
		t.Fatalf("tags %v", tags)
	}
	e.ok("StartDeliveryStreamEncryption", map[string]any{"DeliveryStreamName": "m"})
	if got := e.ok("PutRecord", map[string]any{"DeliveryStreamName": "m", "Record": map[string]any{"Data": b64("five\n")}})["Encrypted"]; got != true {
		t.Fatalf("Encrypted %v with SSE on and no delay", got)
	}
	if names := e.ok("ListDeliveryStreams", map[string]any{})["DeliveryStreamNames"].([]any); len(names) != 1 || names[0] != "m" {
		t.Fatalf("list %v", names)
	}
	e.ok("DeleteDeliveryStream", map[string]any{"DeliveryStreamName": "m"})
	e.fail("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": "m"}, "ResourceNotFoundException", "Firehose m under account 123456789012 not found.")
	e.fail("PutRecord", map[string]any{"DeliveryStreamName": "m", "Record": map[string]any{"Data": b64("x")}}, "ResourceNotFoundException", "not found.")
	e.create("m", nil)
}

func TestWithManagerKinesisSource(t *testing.T) {
	e, _ := newManagerEnv(t)
	// The API's CheckStream says "src" exists but the engine's meta has no
	// such stream: the engine's refusal becomes InvalidArgumentException.
	e.fail("CreateDeliveryStream", map[string]any{
		"DeliveryStreamName": "k", "DeliveryStreamType": "KinesisStreamAsSource",
		"KinesisStreamSourceConfiguration":   map[string]any{"KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/src", "RoleARN": "arn:aws:iam::123456789012:role/r"},
		"ExtendedS3DestinationConfiguration": s3Config("lake-k"),
	}, "InvalidArgumentException", "does not exist")
	// Conversion and warehouse loads need the SQL engine, which this
	// Manager lacks: refused, not accepted and then failing.
	e.fail("CreateDeliveryStream", map[string]any{"DeliveryStreamName": "w", "RedshiftDestinationConfiguration": map[string]any{
		"RoleARN": "arn:aws:iam::123456789012:role/r", "ClusterJDBCURL": "jdbc:redshift://c.abc.us-east-1.redshift.amazonaws.com:5439/dev",
		"CopyCommand":     map[string]any{"DataTableName": "t"},
		"S3Configuration": map[string]any{"RoleARN": "arn:aws:iam::123456789012:role/r", "BucketARN": "arn:aws:s3:::stage"}}},
		"InvalidArgumentException", "warehouse")
}

// sortedLines returns the lines of s sorted and joined with commas.
func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, ",")
}
