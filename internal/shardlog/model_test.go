package shardlog

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestModel runs random operation sequences against File and Memory (the
// oracle) with the same clock and compares every result. Set
// SHARDLOG_MODEL_SEED to replay a seed, SHARDLOG_MODEL_OPS to run longer.
func TestModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SHARDLOG_MODEL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	ops := 1500
	if s := os.Getenv("SHARDLOG_MODEL_OPS"); s != "" {
		ops, _ = strconv.Atoi(s)
	}
	for _, p := range []SyncPolicy{SyncAlways, SyncNever} {
		t.Run(p.String(), func(t *testing.T) {
			t.Logf("seed %d (replay with SHARDLOG_MODEL_SEED=%d)", seed, seed)
			runModel(t, rand.New(rand.NewPCG(seed, uint64(p))), p, ops)
		})
	}
}

func runModel(t *testing.T, rng *rand.Rand, p SyncPolicy, ops int) {
	ctx := context.Background()
	clock := newFakeClock()
	mem := NewMemory(clock.Now)
	o := testOptions(t, clock)
	o.Sync = p
	if p == SyncAlways {
		o.Journal = minJournal // reopen and delete-and-re-create meet its replay
	}
	o.SegmentSize = int64(2<<10 + rng.IntN(8<<10))
	o.MaxOpenFiles = 1 + rng.IntN(4) // force handle eviction
	f, err := OpenFile(o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	ids := []ShardID{{1, 0}, {1, 1}, {2, 0}}
	for _, id := range ids {
		if err := errors.Join(mem.CreateShard(id, ShardConfig{}), f.CreateShard(id, ShardConfig{})); err != nil {
			t.Fatal(err)
		}
	}
	same := func(op string, e1, e2 error) bool {
		t.Helper()
		if (e1 == nil) != (e2 == nil) || (e1 != nil && !errors.Is(e2, errors.Unwrap(e1)) && e1.Error() != e2.Error() && !sameSentinel(e1, e2)) {
			t.Fatalf("%s: memory error %v, file error %v", op, e1, e2)
		}
		return e1 == nil
	}
	for i := 0; i < ops; i++ {
		id := ids[rng.IntN(len(ids))]
		switch k := rng.IntN(100); {
		case k < 40: // append
			n := rng.IntN(12)
			es := make([]Entry, n)
			for j := range es {
				size := rng.IntN(600)
				if rng.IntN(30) == 0 {
					size = 5000 + rng.IntN(10000) // larger than a segment
				}
				es[j] = entry(rng.IntN(1000), size)
				if rng.IntN(4) == 0 {
					es[j].ExplicitHashKey = nil
				}
			}
			r1, e1 := mem.Append(ctx, id, es)
			r2, e2 := f.Append(ctx, id, es)
			if same("append", e1, e2) && r1 != r2 {
				t.Fatalf("op %d append: memory %+v, file %+v", i, r1, r2)
			}
		case k < 65: // read
			inf, _ := mem.Info(id)
			from := uint64(rng.IntN(int(inf.Next) + 3))
			maxR, maxB := 1+rng.IntN(50), rng.IntN(8000)
			b1, e1 := mem.Read(ctx, id, from, maxR, maxB)
			b2, e2 := f.Read(ctx, id, from, maxR, maxB)
			if same("read", e1, e2) {
				compareBatch(t, i, b1, b2)
			}
			b2.Release() // its buffers flow back into the pool the appends use too
		case k < 75: // seek
			inf, _ := mem.Info(id)
			s := Seek{Kind: SeekKind(rng.IntN(5)), Offset: uint64(rng.IntN(int(inf.Next) + 2))}
			s.Timestamp = inf.LastTimestamp - int64(rng.IntN(3*3600*1000))
			if b, _ := mem.Read(ctx, id, s.Offset, 1, 1); rng.IntN(2) == 0 && len(b.Records) > 0 {
				s.Timestamp = b.Records[0].Timestamp // an exact arrival time
			}
			o1, e1 := mem.Seek(id, s)
			o2, e2 := f.Seek(id, s)
			if same("seek", e1, e2) && o1 != o2 {
				t.Fatalf("op %d seek %+v: memory %d, file %d", i, s, o1, o2)
			}
		case k < 83: // time passes
			d := time.Duration(rng.IntN(1000)) * time.Millisecond
			if rng.IntN(5) == 0 {
				d = time.Duration(rng.IntN(90)) * time.Minute
			}
			clock.Advance(d)
		case k < 86: // retention change
			d := time.Duration(1+rng.IntN(4)) * time.Hour
			same("retention", mem.SetRetention(id, d), f.SetRetention(id, d))
		case k < 89: // background trim
			if s, err := f.shard(id); err == nil {
				if _, err := f.trimShard(ctx, s); err != nil {
					t.Fatalf("op %d trim: %v", i, err)
				}
			}
		case k < 90: // seal
			i1, e1 := mem.Seal(ctx, id)
			i2, e2 := f.Seal(ctx, id)
			if same("seal", e1, e2) {
				compareInfo(t, i, i1, i2)
			}
		case k < 91: // delete and re-create
			same("delete", mem.DeleteShard(id), f.DeleteShard(id))
			same("create", mem.CreateShard(id, ShardConfig{}), f.CreateShard(id, ShardConfig{}))
		case k < 95: // reopen
			if err := f.Close(); err != nil {
				t.Fatalf("op %d close: %v", i, err)
			}
			if f, err = OpenFile(o); err != nil {
				t.Fatalf("op %d reopen: %v", i, err)
			}
		default: // info
			i1, e1 := mem.Info(id)
			i2, e2 := f.Info(id)
			if same("info", e1, e2) {
				compareInfo(t, i, i1, i2)
			}
		}
	}
	for _, id := range ids {
		b1, _ := mem.Read(ctx, id, 0, 1<<20, 1<<30)
		b2, err := f.Read(ctx, id, 0, 1<<20, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		compareBatch(t, -1, b1, b2)
	}
}

func sameSentinel(e1, e2 error) bool {
	for _, s := range []error{ErrShardNotFound, ErrShardExists, ErrShardClosed, ErrClosed, ErrInvalidEntry} {
		if errors.Is(e1, s) && errors.Is(e2, s) {
			return true
		}
	}
	return false
}

func compareInfo(t *testing.T, op int, a, b ShardInfo) {
	t.Helper()
	b.Bytes, b.Segments = 0, 0
	if a != b {
		t.Fatalf("op %d info: memory %+v, file %+v", op, a, b)
	}
}

func compareBatch(t *testing.T, op int, a, b Batch) {
	t.Helper()
	if a.Next != b.Next || a.Tip != b.Tip || a.TipTimestamp != b.TipTimestamp || a.Ended != b.Ended || len(a.Records) != len(b.Records) {
		t.Fatalf("op %d read: memory next %d tip %d/%d ended %v n %d; file next %d tip %d/%d ended %v n %d", op,
			a.Next, a.Tip, a.TipTimestamp, a.Ended, len(a.Records), b.Next, b.Tip, b.TipTimestamp, b.Ended, len(b.Records))
	}
	for i := range a.Records {
		if !sameRecord(a.Records[i], b.Records[i]) {
			t.Fatalf("op %d read: record %d differs: memory off %d ts %d, file off %d ts %d", op, i,
				a.Records[i].Offset, a.Records[i].Timestamp, b.Records[i].Offset, b.Records[i].Timestamp)
		}
	}
}
