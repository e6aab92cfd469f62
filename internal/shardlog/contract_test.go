package shardlog

import (
	"context"
	"errors"
	"testing"
	"time"
)

// impl builds a Log for the contract tests; every test runs against each.
type impl struct {
	name string
	open func(t *testing.T, clock *fakeClock) Log
}

func impls() []impl {
	out := []impl{{"memory", func(_ *testing.T, c *fakeClock) Log { return NewMemory(c.Now) }}}
	for _, p := range []SyncPolicy{SyncAlways, SyncInterval, SyncNever} {
		out = append(out, impl{"file-" + p.String(), func(t *testing.T, c *fakeClock) Log {
			o := testOptions(t, c)
			o.Sync = p
			o.SyncInterval = 5 * time.Millisecond
			return mustOpen(t, o)
		}})
	}
	return out
}

func forAll(t *testing.T, fn func(t *testing.T, l Log, c *fakeClock)) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			c := newFakeClock()
			fn(t, im.open(t, c), c)
		})
	}
}

var sid = ShardID{Stream: 0xabc, Shard: 3}

func TestContractShardLifecycle(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		ctx := context.Background()
		if _, err := l.Info(sid); !errors.Is(err, ErrShardNotFound) {
			t.Fatalf("Info on missing shard: %v", err)
		}
		if _, err := l.Append(ctx, sid, entries(0, 1, 1)); !errors.Is(err, ErrShardNotFound) {
			t.Fatalf("Append on missing shard: %v", err)
		}
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		if err := l.CreateShard(sid, ShardConfig{}); !errors.Is(err, ErrShardExists) {
			t.Fatalf("second CreateShard: %v", err)
		}
		inf, err := l.Info(sid)
		if err != nil || inf.Next != 0 || inf.TrimHorizon != 0 || inf.Closed || inf.Retention != DefaultRetention {
			t.Fatalf("Info of new shard: %+v %v", inf, err)
		}
		mustAppend(t, l, sid, entries(0, 3, 10))
		if err := l.DeleteShard(sid); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Read(ctx, sid, 0, 10, 1<<20); !errors.Is(err, ErrShardNotFound) {
			t.Fatalf("Read after delete: %v", err)
		}
		if err := l.CreateShard(sid, ShardConfig{Retention: 48 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		inf, _ = l.Info(sid)
		if inf.Next != 0 || inf.Retention != 48*time.Hour {
			t.Fatalf("re-created shard is not empty: %+v", inf)
		}
	})
}

func TestContractAppendRead(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		ctx := context.Background()
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		var all []Entry
		for i := 0; i < 20; i++ {
			es := entries(len(all), i%7+1, 100*(i%5))
			r := mustAppend(t, l, sid, es)
			if r.FirstOffset != uint64(len(all)) {
				t.Fatalf("append %d: first offset %d, want %d", i, r.FirstOffset, len(all))
			}
			if r.Timestamp != c.Now().UnixMilli() {
				t.Fatalf("timestamp %d, want %d", r.Timestamp, c.Now().UnixMilli())
			}
			all = append(all, es...)
			c.Advance(time.Millisecond)
		}
		checkRecords(t, readAll(t, l, sid, 0), all, 0)
		checkRecords(t, readAll(t, l, sid, 17), all[17:], 17)
		// Limits: maxRecords, maxBytes, and at least one record.
		b, err := l.Read(ctx, sid, 5, 3, 1<<20)
		if err != nil || len(b.Records) != 3 || b.Next != 8 || b.Tip != uint64(len(all)) {
			t.Fatalf("Read max 3: %d records next %d tip %d err %v", len(b.Records), b.Next, b.Tip, err)
		}
		b, _ = l.Read(ctx, sid, 0, 100, 1)
		if len(b.Records) != 1 || b.Next != 1 {
			t.Fatalf("Read maxBytes 1: %d records, next %d", len(b.Records), b.Next)
		}
		b, _ = l.Read(ctx, sid, uint64(len(all)), 100, 1<<20)
		if len(b.Records) != 0 || b.Next != uint64(len(all)) || b.Ended {
			t.Fatalf("Read at tip: %+v", b)
		}
		// Invalid entries are refused whole.
		bad := []Entry{{Data: []byte("ok")}, {Data: make([]byte, MaxDataSize+1)}}
		if _, err := l.Append(ctx, sid, bad); !errors.Is(err, ErrInvalidEntry) {
			t.Fatalf("oversized entry: %v", err)
		}
		if inf, _ := l.Info(sid); inf.Next != uint64(len(all)) {
			t.Fatalf("invalid batch changed the shard: next %d", inf.Next)
		}
		// Maximum-size record and empty data.
		big := []Entry{{PartitionKey: make([]byte, MaxPartitionKeySize), ExplicitHashKey: make([]byte, MaxHashKeySize), Data: make([]byte, MaxDataSize)}, {PartitionKey: []byte("e")}}
		r := mustAppend(t, l, sid, big)
		got := readAll(t, l, sid, r.FirstOffset)
		checkRecords(t, got, big, r.FirstOffset)
	})
}

func TestContractTimestampsNeverDecrease(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		r1 := mustAppend(t, l, sid, entries(0, 2, 5))
		c.Advance(-time.Minute)
		r2 := mustAppend(t, l, sid, entries(2, 2, 5))
		if r2.Timestamp != r1.Timestamp {
			t.Fatalf("clock went back: timestamp %d after %d", r2.Timestamp, r1.Timestamp)
		}
	})
}

func TestContractSeek(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		var ts []int64
		for i := 0; i < 50; i++ {
			r := mustAppend(t, l, sid, entries(i*4, 4, 200))
			ts = append(ts, r.Timestamp)
			c.Advance(10 * time.Millisecond)
		}
		cases := []struct {
			name string
			s    Seek
			want uint64
		}{
			{"trim", Seek{Kind: SeekTrimHorizon}, 0},
			{"latest", Seek{Kind: SeekLatest}, 200},
			{"at", Seek{Kind: SeekAtOffset, Offset: 77}, 77},
			{"after", Seek{Kind: SeekAfterOffset, Offset: 77}, 78},
			{"ts-exact", Seek{Kind: SeekAtTimestamp, Timestamp: ts[30]}, 120},
			{"ts-between", Seek{Kind: SeekAtTimestamp, Timestamp: ts[30] + 1}, 124},
			{"ts-before", Seek{Kind: SeekAtTimestamp, Timestamp: 0}, 0},
			{"ts-after", Seek{Kind: SeekAtTimestamp, Timestamp: ts[49] + 1}, 200},
		}
		for _, tc := range cases {
			got, err := l.Seek(sid, tc.s)
			if err != nil || got != tc.want {
				t.Errorf("%s: got %d %v, want %d", tc.name, got, err, tc.want)
			}
		}
	})
}

func TestContractRetention(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		if err := l.CreateShard(sid, ShardConfig{Retention: 2 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			mustAppend(t, l, sid, entries(i*5, 5, 300))
			c.Advance(10 * time.Minute)
		}
		// Now = t0+300min; records of append i are at t0+10i min; cutoff
		// t0+180min keeps appends 18..29.
		want := uint64(18 * 5)
		if off, _ := l.Seek(sid, Seek{Kind: SeekTrimHorizon}); off != want {
			t.Fatalf("trim horizon %d, want %d", off, want)
		}
		b, err := l.Read(context.Background(), sid, 0, 1, 1<<20)
		if err != nil || len(b.Records) != 1 || b.Records[0].Offset != want {
			t.Fatalf("Read from 0 returned %+v %v", b.Records, err)
		}
		if off, _ := l.Seek(sid, Seek{Kind: SeekAtOffset, Offset: 3}); off != want {
			t.Fatalf("Seek at expired offset: %d", off)
		}
		if f, ok := l.(*File); ok {
			n, err := f.trimShard(context.Background(), mustShard(t, f, sid))
			if err != nil || n == 0 {
				t.Fatalf("trimShard deleted %d segments: %v", n, err)
			}
		}
		// A longer retention does not bring expired records back.
		if err := l.SetRetention(sid, 100*time.Hour); err != nil {
			t.Fatal(err)
		}
		if inf, _ := l.Info(sid); inf.TrimHorizon != want || inf.Retention != 100*time.Hour {
			t.Fatalf("after longer retention: %+v", inf)
		}
		if err := l.SetRetention(sid, time.Hour); err != nil {
			t.Fatal(err)
		}
		if inf, _ := l.Info(sid); inf.TrimHorizon != 24*5 {
			t.Fatalf("after shorter retention: horizon %d, want %d", inf.TrimHorizon, 24*5)
		}
		c.Advance(5 * time.Hour)
		if inf, _ := l.Info(sid); inf.TrimHorizon != 150 || inf.Next != 150 {
			t.Fatalf("all expired: %+v", inf)
		}
		mustAppend(t, l, sid, entries(0, 1, 1))
		checkRecords(t, readAll(t, l, sid, 0), entries(0, 1, 1), 150)
	})
}

func mustShard(t *testing.T, f *File, id ShardID) *shard {
	s, err := f.shard(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContractSeal(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		ctx := context.Background()
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, l, sid, entries(0, 10, 50))
		inf, err := l.Seal(ctx, sid)
		if err != nil || !inf.Closed || inf.Next != 10 {
			t.Fatalf("Seal: %+v %v", inf, err)
		}
		if _, err := l.Seal(ctx, sid); err != nil {
			t.Fatalf("second Seal: %v", err)
		}
		if _, err := l.Append(ctx, sid, entries(0, 1, 1)); !errors.Is(err, ErrShardClosed) {
			t.Fatalf("Append after Seal: %v", err)
		}
		b, _ := l.Read(ctx, sid, 4, 3, 1<<20)
		if b.Ended || len(b.Records) != 3 {
			t.Fatalf("middle read: ended %v, %d records", b.Ended, len(b.Records))
		}
		b, _ = l.Read(ctx, sid, 7, 100, 1<<20)
		if !b.Ended || len(b.Records) != 3 || b.Next != 10 {
			t.Fatalf("last read: ended %v, %d records, next %d", b.Ended, len(b.Records), b.Next)
		}
		if err := l.Wait(ctx, sid, 10); err != nil {
			t.Fatalf("Wait on sealed shard: %v", err)
		}
	})
}

func TestContractWait(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		ctx := context.Background()
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if err := l.Wait(short, sid, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait on empty shard: %v", err)
		}
		wake := func(what string, act func(), want error) {
			done := make(chan error, 1)
			from := uint64(0)
			if inf, err := l.Info(sid); err == nil {
				from = inf.Next
			}
			go func() { done <- l.Wait(ctx, sid, from) }()
			select {
			case err := <-done:
				t.Fatalf("%s: Wait returned early: %v", what, err)
			case <-time.After(20 * time.Millisecond):
			}
			act()
			select {
			case err := <-done:
				if !errors.Is(err, want) {
					t.Fatalf("%s: Wait returned %v, want %v", what, err, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: Wait did not wake", what)
			}
		}
		wake("append", func() { mustAppend(t, l, sid, entries(0, 1, 1)) }, nil)
		wake("seal", func() {
			if _, err := l.Seal(ctx, sid); err != nil {
				t.Error(err)
			}
		}, nil)
		other := ShardID{Stream: 9, Shard: 9}
		if err := l.CreateShard(other, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- l.Wait(ctx, other, 0) }()
		time.Sleep(10 * time.Millisecond)
		if err := l.DeleteShard(other); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, ErrShardNotFound) {
			t.Fatalf("Wait on deleted shard: %v", err)
		}
	})
}

func TestContractClose(t *testing.T) {
	forAll(t, func(t *testing.T, l Log, c *fakeClock) {
		if err := l.CreateShard(sid, ShardConfig{}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- l.Wait(context.Background(), sid, 0) }()
		time.Sleep(10 * time.Millisecond)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Fatalf("Wait across Close: %v", err)
		}
		if _, err := l.Append(context.Background(), sid, entries(0, 1, 1)); !errors.Is(err, ErrClosed) {
			t.Fatalf("Append after Close: %v", err)
		}
		if err := l.Close(); !errors.Is(err, ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
	})
}
