package atrest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

func testKeys(t *testing.T, fill byte) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{fill}, MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// switchable is an enabled func whose answer a test changes.
type switchable struct {
	on  atomic.Bool
	key atomic.Value
}

func (s *switchable) enabled(uint64) (string, bool) {
	k, _ := s.key.Load().(string)
	return k, s.on.Load()
}

func readAll(t *testing.T, l shardlog.Log, id shardlog.ShardID) []shardlog.Record {
	t.Helper()
	b, err := l.Read(context.Background(), id, 0, 1000, 64<<20)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return b.Records
}

// TestWrapEncryptsOnlyWhenOn checks that records appended while a stream's
// encryption is on are ciphertext in the inner log yet read back
// byte-exact through the wrapper, that earlier and later plaintext records
// stay flag-free, and that a change of KeyId keeps old records readable.
func TestWrapEncryptsOnlyWhenOn(t *testing.T) {
	ctx := context.Background()
	inner := shardlog.NewMemory(nil)
	sw := &switchable{}
	sw.key.Store("alias/aws/kinesis")
	l := Wrap(inner, testKeys(t, 1), sw.enabled)
	id := shardlog.ShardID{Stream: 3, Shard: 0}
	if err := l.CreateShard(id, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	data := [][]byte{[]byte("before"), []byte("secret one"), {}, bytes.Repeat([]byte("x"), shardlog.MaxDataSize), []byte("other key"), []byte("after")}
	phase := []struct {
		on  bool
		key string
	}{{false, ""}, {true, "alias/aws/kinesis"}, {true, "alias/aws/kinesis"}, {true, "alias/aws/kinesis"}, {true, "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"}, {false, ""}}
	in := make([]shardlog.Entry, 1)
	for i, d := range data {
		sw.on.Store(phase[i].on)
		if phase[i].key != "" {
			sw.key.Store(phase[i].key)
		}
		in[0] = shardlog.Entry{PartitionKey: []byte("pk"), Data: d}
		if _, err := l.Append(ctx, id, in); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if !bytes.Equal(in[0].Data, d) || in[0].Flags != 0 {
			t.Fatalf("append %d changed the caller's entry", i)
		}
	}
	raw := readAll(t, inner, id)
	got := readAll(t, l, id)
	if len(raw) != len(data) || len(got) != len(data) {
		t.Fatalf("read %d raw and %d plain records, want %d", len(raw), len(got), len(data))
	}
	for i, d := range data {
		enc := phase[i].on
		if (raw[i].Flags&shardlog.FlagEncrypted != 0) != enc || (got[i].Flags&shardlog.FlagEncrypted != 0) != enc {
			t.Fatalf("record %d: flags raw %#x plain %#x, encrypted want %v", i, raw[i].Flags, got[i].Flags, enc)
		}
		if enc {
			if len(raw[i].Data) != len(d)+Overhead || len(d) > 8 && bytes.Contains(raw[i].Data, d[:8]) {
				t.Fatalf("record %d: stored data is not an envelope of the plaintext", i)
			}
		} else if !bytes.Equal(raw[i].Data, d) {
			t.Fatalf("record %d: plaintext record changed in the inner log", i)
		}
		if !bytes.Equal(got[i].Data, d) {
			t.Fatalf("record %d: read %d bytes, want the %d written", i, len(got[i].Data), len(d))
		}
	}
	// The inner log's bytes are not touched by decryption.
	again := readAll(t, inner, id)
	if !bytes.Equal(again[1].Data, raw[1].Data) {
		t.Fatal("decryption modified the inner log's record")
	}
}

// TestWrongMasterKey checks that a record sealed under one master key
// fails with ErrWrongKey under another, and that a moved or altered
// envelope fails too, never returning garbage.
func TestWrongMasterKey(t *testing.T) {
	ctx := context.Background()
	inner := shardlog.NewMemory(nil)
	on := func(uint64) (string, bool) { return "alias/aws/kinesis", true }
	id := shardlog.ShardID{Stream: 1, Shard: 2}
	if err := inner.CreateShard(id, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	good := Wrap(inner, testKeys(t, 1), on)
	if _, err := good.Append(ctx, id, []shardlog.Entry{{PartitionKey: []byte("k"), Data: []byte("hello")}}); err != nil {
		t.Fatal(err)
	}
	bad := Wrap(inner, testKeys(t, 2), on)
	if _, err := bad.Read(ctx, id, 0, 10, 1<<20); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("read with another master key: got %v, want ErrWrongKey", err)
	}
	// The same envelope copied to another shard does not open there.
	other := shardlog.ShardID{Stream: 1, Shard: 3}
	if err := inner.CreateShard(other, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	raw := readAll(t, inner, id)
	if _, err := inner.Append(ctx, other, []shardlog.Entry{{PartitionKey: []byte("k"), Data: raw[0].Data, Flags: raw[0].Flags}}); err != nil {
		t.Fatal(err)
	}
	if _, err := good.Read(ctx, other, 0, 10, 1<<20); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("moved envelope: got %v, want ErrWrongKey", err)
	}
	// A truncated envelope is malformed.
	if _, err := inner.Append(ctx, other, []shardlog.Entry{{PartitionKey: []byte("k"), Data: []byte{1, 2}, Flags: shardlog.FlagEncrypted}}); err != nil {
		t.Fatal(err)
	}
	if _, err := good.Read(ctx, other, 1, 10, 1<<20); !errors.Is(err, ErrBadEnvelope) {
		t.Fatalf("short envelope: got %v, want ErrBadEnvelope", err)
	}
}

// TestFileLogRoundTrip checks that encrypted records and their flags
// survive a close and reopen of the durable log.
func TestFileLogRoundTrip(t *testing.T) {
	ctx := context.Background()
	opts := shardlog.Options{Dir: t.TempDir()}
	f, err := shardlog.OpenFile(opts)
	if err != nil {
		t.Fatal(err)
	}
	on := func(uint64) (string, bool) { return "key-1", true }
	id := shardlog.ShardID{Stream: 9, Shard: 0}
	l := Wrap(f, testKeys(t, 7), on)
	if err := l.CreateShard(id, shardlog.ShardConfig{}); err != nil {
		t.Fatal(err)
	}
	want := []byte("durable secret")
	if _, err := l.Append(ctx, id, []shardlog.Entry{{PartitionKey: []byte("k"), Data: want}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f2, err := shardlog.OpenFile(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f2.Close() })
	raw := readAll(t, f2, id)
	if len(raw) != 1 || raw[0].Flags != shardlog.FlagEncrypted || bytes.Contains(raw[0].Data, want) {
		t.Fatalf("reopened raw record: %+v", raw)
	}
	got := readAll(t, Wrap(f2, testKeys(t, 7), on), id)
	if len(got) != 1 || !bytes.Equal(got[0].Data, want) {
		t.Fatalf("reopened record: %+v", got)
	}
	if _, err := Wrap(f2, testKeys(t, 8), on).Read(ctx, id, 0, 10, 1<<20); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("reopened with another key: got %v, want ErrWrongKey", err)
	}
}

// TestReadKeyFile checks the accepted key file forms and the refusal of
// anything else.
func TestReadKeyFile(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, MasterKeySize)
	dir := t.TempDir()
	cases := []struct {
		name    string
		content []byte
		ok      bool
	}{
		{"raw", key, true},
		{"hex", []byte(hex.EncodeToString(key) + "\n"), true},
		{"base64", []byte("q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"), true},
		{"short", key[:16], false},
		{"text", []byte("not a key"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := ReadKeyFile(p)
			if c.ok && (err != nil || !bytes.Equal(got, key)) {
				t.Fatalf("got %x, %v", got, err)
			}
			if !c.ok && !errors.Is(err, ErrBadKeyFile) {
				t.Fatalf("got %v, want ErrBadKeyFile", err)
			}
		})
	}
	if _, err := NewKeys(key[:31]); err == nil {
		t.Fatal("NewKeys accepted a 31-byte key")
	}
}

// BenchmarkAppendEncrypted measures the sealing cost per 1 KiB record.
func BenchmarkAppendEncrypted(b *testing.B) {
	k, _ := NewKeys(bytes.Repeat([]byte{1}, MasterKeySize))
	l := Wrap(shardlog.NewMemory(nil), k, func(uint64) (string, bool) { return "k", true })
	id := shardlog.ShardID{Stream: 1}
	_ = l.CreateShard(id, shardlog.ShardConfig{})
	es := make([]shardlog.Entry, 100)
	for i := range es {
		es[i] = shardlog.Entry{PartitionKey: []byte("pk"), Data: make([]byte, 1024)}
	}
	b.SetBytes(100 * 1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(context.Background(), id, es); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeysCheck: the check value is stable for a master key, differs
// between keys, and is neither the key nor derived like a data key.
func TestKeysCheck(t *testing.T) {
	a1, _ := NewKeys(bytes.Repeat([]byte{1}, MasterKeySize))
	a2, _ := NewKeys(bytes.Repeat([]byte{1}, MasterKeySize))
	b, _ := NewKeys(bytes.Repeat([]byte{2}, MasterKeySize))
	ca1, err := a1.Check()
	if err != nil {
		t.Fatal(err)
	}
	ca2, _ := a2.Check()
	cb, _ := b.Check()
	if ca1 != ca2 || ca1 == cb || len(ca1) != 32 || ca1 == hex.EncodeToString(bytes.Repeat([]byte{1}, 16)) {
		t.Fatalf("checks %q %q %q", ca1, ca2, cb)
	}
}
