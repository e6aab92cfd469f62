package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
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

// TestEncryptionKeyFileOpenPermsWarned: like ssh with private keys, a key
// file that group or others can read is warned about at start (not
// refused); a 0600 one is not.
func TestEncryptionKeyFileOpenPermsWarned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix mode bits")
	}
	key := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(key, bytes.Repeat([]byte{3}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o644, true}, {0o640, true}, {0o604, true}} {
		if err := os.Chmod(key, tc.mode); err != nil {
			t.Fatal(err)
		}
		var buf syncBuffer
		cfg := testConfig(t)
		cfg.EncryptionKeyFile = key
		cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
		s := startTest(t, cfg)
		s.Close()
		out := buf.String()
		warned := strings.Contains(out, "level=WARN") && strings.Contains(out, "encryption key file is readable") &&
			strings.Contains(out, fmt.Sprintf("mode=%#o", tc.mode))
		if warned != tc.warn {
			t.Errorf("key file mode %#o: warned %v, want %v; log:\n%s", tc.mode, warned, tc.warn, out)
		}
	}
}
