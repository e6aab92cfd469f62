package shardlog

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestRecordFlags checks that per-record flags survive Append and Read in
// both logs and, for the file log, a reopen (segment.md: frame flags), and
// that unknown flag bits and oversized enveloped data are refused.
func TestRecordFlags(t *testing.T) {
	id := ShardID{Stream: 7, Shard: 1}
	big := bytes.Repeat([]byte{1}, MaxDataSize+MaxEnvelopeOverhead)
	es := []Entry{
		{PartitionKey: []byte("a"), Data: []byte("plain")},
		{PartitionKey: []byte("b"), Data: []byte("sealed"), Flags: FlagEncrypted},
		{PartitionKey: []byte("c"), Data: big, Flags: FlagEncrypted},
		{PartitionKey: []byte("d"), Data: []byte("plain again")},
	}
	want := []uint16{0, FlagEncrypted, FlagEncrypted, 0}
	check := func(t *testing.T, l Log) {
		t.Helper()
		got := readAll(t, l, id, 0)
		if len(got) != len(es) {
			t.Fatalf("read %d records, want %d", len(got), len(es))
		}
		for i, r := range got {
			if r.Flags != want[i] || !bytes.Equal(r.Data, es[i].Data) {
				t.Fatalf("record %d: flags %#x (%d bytes), want %#x (%d bytes)", i, r.Flags, len(r.Data), want[i], len(es[i].Data))
			}
		}
	}
	refuse := func(t *testing.T, l Log) {
		t.Helper()
		bad := [][]Entry{
			{{PartitionKey: []byte("x"), Data: []byte("x"), Flags: 1 << 7}},
			{{PartitionKey: []byte("x"), Data: big[:MaxDataSize+1]}},
			{{PartitionKey: []byte("x"), Data: append(big, 0), Flags: FlagEncrypted}},
		}
		for i, b := range bad {
			if _, err := l.Append(context.Background(), id, b); !errors.Is(err, ErrInvalidEntry) {
				t.Fatalf("bad entry %d: got %v, want ErrInvalidEntry", i, err)
			}
		}
	}
	t.Run("memory", func(t *testing.T) {
		m := NewMemory(nil)
		if err := m.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, m, id, es)
		check(t, m)
		refuse(t, m)
	})
	t.Run("file", func(t *testing.T) {
		o := testOptions(t, nil)
		f, err := OpenFile(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.CreateShard(id, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, f, id, es)
		check(t, f)
		refuse(t, f)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		check(t, mustOpen(t, o))
	})
}

// TestDecodeFrameUnknownFlags checks that a frame carrying a flag bit this
// version does not know is malformed, not silently read.
func TestDecodeFrameUnknownFlags(t *testing.T) {
	e := Entry{PartitionKey: []byte("k"), Data: []byte("v"), Flags: FlagEncrypted}
	b := appendFrame(nil, 0, 1, &e)
	if r, _, err := decodeFrame(b); err != nil || r.Flags != FlagEncrypted {
		t.Fatalf("decode: flags %#x, err %v", r.Flags, err)
	}
	e.Flags = 1 << 3
	b = appendFrame(nil, 0, 1, &e)
	if _, _, err := decodeFrame(b); !errors.Is(err, errFrameFormat) {
		t.Fatalf("unknown flag: got %v, want errFrameFormat", err)
	}
}
