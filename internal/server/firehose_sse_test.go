package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// firehoseCall posts one Firehose action as JSON 1.1 and decodes the reply.
func firehoseCall(t *testing.T, s *Server, action string, in any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Firehose_20150804."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", action, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// TestFirehoseEncryptionSealsBufferedRecords: with server-side encryption
// on, a Direct PUT stream's records are sealed in its internal log on
// disk (and delivered in the clear); without it they are stored as sent.
func TestFirehoseEncryptionSealsBufferedRecords(t *testing.T) {
	cfg := testConfig(t)
	s := startTest(t, cfg)
	create := func(name string, encrypt bool) {
		in := map[string]any{
			"DeliveryStreamName": name,
			"DeliveryStreamType": "DirectPut",
			"ExtendedS3DestinationConfiguration": map[string]any{
				"RoleARN": "arn:aws:iam::000000000000:role/f", "BucketARN": "arn:aws:s3:::sse-lake", "Prefix": name + "/",
				"BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 0},
			},
		}
		if encrypt {
			in["DeliveryStreamEncryptionConfigurationInput"] = map[string]any{"KeyType": "AWS_OWNED_CMK"}
		}
		firehoseCall(t, s, "CreateDeliveryStream", in)
	}
	create("sealed", true)
	create("plain", false)
	put := func(name, secret string) {
		out := firehoseCall(t, s, "PutRecordBatch", map[string]any{"DeliveryStreamName": name,
			"Records": []map[string]any{{"Data": base64.StdEncoding.EncodeToString([]byte(secret))}}})
		if name == "sealed" && out["Encrypted"] != true {
			t.Fatalf("PutRecordBatch on an encrypted stream: Encrypted = %v", out["Encrypted"])
		}
	}
	put("sealed", "top-secret-payload-0451\n")
	put("plain", "visible-payload-0452\n")

	// Both are delivered in the clear.
	lake := filepath.Join(s.DataDir(), "lake", "sse-lake")
	deadline := time.Now().Add(20 * time.Second)
	for {
		found := map[string]bool{}
		_ = filepath.Walk(lake, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(p)
				found["sealed"] = found["sealed"] || bytes.Contains(b, []byte("top-secret-payload-0451"))
				found["plain"] = found["plain"] || bytes.Contains(b, []byte("visible-payload-0452"))
			}
			return nil
		})
		if found["sealed"] && found["plain"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %v", found)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// On disk, only the unencrypted stream's log holds its plaintext.
	var segs strings.Builder
	_ = filepath.Walk(filepath.Join(s.DataDir(), "streams"), func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".seg") {
			b, _ := os.ReadFile(p)
			segs.Write(b)
		}
		return nil
	})
	if strings.Contains(segs.String(), "top-secret-payload-0451") {
		t.Fatal("an encrypted delivery stream's record is in the shard log in the clear")
	}
	if !strings.Contains(segs.String(), "visible-payload-0452") {
		t.Fatal("the unencrypted stream's record is not in the shard log as sent (the check above proves nothing)")
	}
}
