package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncryptionKeyFileMismatchRefused: once records were encrypted under
// one master key, a start with another key file fails with an error naming
// the file (instead of failing every read and sealing new records under a
// second key); the right key starts again, and a data dir that never
// encrypted anything accepts any key.
func TestEncryptionKeyFileMismatchRefused(t *testing.T) {
	dir := t.TempDir()
	keyA, keyB := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")
	if err := os.WriteFile(keyA, bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyB, bytes.Repeat([]byte{2}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.EncryptionKeyFile = keyA
	s := startTest(t, cfg)
	kinesisCall(t, s, "CreateStream", `{"StreamName":"plain","ShardCount":1}`)
	kinesisCall(t, s, "PutRecord", `{"StreamName":"plain","PartitionKey":"k","Data":"eA=="}`)
	s.Close()

	// Nothing encrypted yet: another key is fine.
	cfg.EncryptionKeyFile = keyB
	s = startTest(t, cfg)
	kinesisCall(t, s, "CreateStream", `{"StreamName":"enc","ShardCount":1}`)
	kinesisCall(t, s, "StartStreamEncryption", `{"StreamName":"enc","EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}`)
	kinesisCall(t, s, "PutRecord", `{"StreamName":"enc","PartitionKey":"k","Data":"c2VjcmV0"}`)
	s.Close()

	cfg.EncryptionKeyFile = keyA
	if s, err := Start(context.Background(), cfg); err == nil {
		s.Close()
		t.Fatal("started with a key file other than the one records were encrypted with")
	} else if !strings.Contains(err.Error(), keyA) || !strings.Contains(err.Error(), "not the master key") {
		t.Fatalf("error does not say which key file is wrong: %v", err)
	}
	// Without a key file the data dir's own key is another key too.
	cfg.EncryptionKeyFile = ""
	if s, err := Start(context.Background(), cfg); err == nil {
		s.Close()
		t.Fatal("started with the data dir's key after records were encrypted with a key file")
	}
	cfg.EncryptionKeyFile = keyB
	s = startTest(t, cfg)
	it := kinesisCall(t, s, "GetShardIterator", `{"StreamName":"enc","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"}`)
	out := kinesisCall(t, s, "GetRecords", `{"ShardIterator":"`+it["ShardIterator"].(string)+`"}`)
	recs, _ := out["Records"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["Data"] != "c2VjcmV0" {
		t.Fatalf("records after restart with the right key: %v", out)
	}
}
