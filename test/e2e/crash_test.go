package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// ackedRecord is where the server said a record went.
type ackedRecord struct {
	shard, seq string
}

// ledger is the client-side truth of a durability test: every payload
// sent (with its partition key), every acknowledged one, and every one the
// server explicitly rejected.
type ledger struct {
	mu       sync.Mutex
	sent     map[string]string      // payload → partition key
	acked    map[string]ackedRecord // payload → ack
	rejected map[string]string      // payload → ErrorCode
}

func newLedger() *ledger {
	return &ledger{sent: map[string]string{}, acked: map[string]ackedRecord{}, rejected: map[string]string{}}
}

// putBatch sends one PutRecords call and records what was sent and what
// was acknowledged. It returns the call's error.
func (l *ledger) putBatch(ctx context.Context, c *kinesis.Client, stream string, entries []types.PutRecordsRequestEntry) error {
	l.mu.Lock()
	for _, e := range entries {
		l.sent[string(e.Data)] = aws.ToString(e.PartitionKey)
	}
	l.mu.Unlock()
	out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		return err
	}
	if len(out.Records) != len(entries) {
		return fmt.Errorf("PutRecords: %d result entries for %d records", len(out.Records), len(entries))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	failed := 0
	for i, r := range out.Records {
		p := string(entries[i].Data)
		if r.ErrorCode != nil {
			l.rejected[p] = aws.ToString(r.ErrorCode)
			failed++
			continue
		}
		if r.SequenceNumber == nil || r.ShardId == nil {
			return fmt.Errorf("PutRecords: entry %d has neither ErrorCode nor SequenceNumber+ShardId", i)
		}
		l.acked[p] = ackedRecord{shard: aws.ToString(r.ShardId), seq: aws.ToString(r.SequenceNumber)}
	}
	if int32(failed) != aws.ToInt32(out.FailedRecordCount) {
		return fmt.Errorf("PutRecords: FailedRecordCount %d but %d entries carry an ErrorCode", aws.ToInt32(out.FailedRecordCount), failed)
	}
	return nil
}

// ackedCount returns how many records have been acknowledged so far.
func (l *ledger) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// verify reads the whole stream and checks it against the ledger: every
// acknowledged record present exactly once at its acknowledged shard and
// sequence number, nothing present that was never sent or was rejected,
// no duplicates, partition keys intact, sequence numbers increasing.
func (l *ledger) verify(ctx context.Context, t *testing.T, c *kinesis.Client, stream string) (present int) {
	t.Helper()
	all := readAll(ctx, t, c, stream)
	checkIncreasing(t, all)
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := make(map[string]ackedRecord)
	errs := 0
	fail := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for shard, recs := range all {
		for _, r := range recs {
			p := string(r.Data)
			got := ackedRecord{shard: shard, seq: aws.ToString(r.SequenceNumber)}
			if prev, dup := seen[p]; dup {
				fail("payload %q present twice: %v and %v", short(r.Data), prev, got)
				continue
			}
			seen[p] = got
			pk, ok := l.sent[p]
			switch {
			case !ok:
				fail("shard %s seq %s: payload %q was never sent (corrupt?)", shard, got.seq, short(r.Data))
				continue
			case pk != aws.ToString(r.PartitionKey):
				fail("payload %q: partition key %q, sent %q", short(r.Data), aws.ToString(r.PartitionKey), pk)
			}
			if code, rej := l.rejected[p]; rej {
				fail("payload %q was rejected with %s but is present at %v", short(r.Data), code, got)
			}
		}
	}
	for p, want := range l.acked {
		got, ok := seen[p]
		switch {
		case !ok:
			fail("acknowledged payload %q (%v) is missing", short([]byte(p)), want)
		case got != want:
			fail("acknowledged payload %q: acked as %v, read back at %v", short([]byte(p)), want, got)
		}
	}
	if errs > 20 {
		t.Errorf("... and %d more durability errors", errs-20)
	}
	return len(seen)
}

// short renders at most 48 bytes of a payload for messages.
func short(b []byte) string {
	if len(b) > 48 {
		return string(b[:48]) + "..."
	}
	return string(b)
}

// makeEntry builds a small record whose payload is unique (its id) and
// ends in bytes that are not valid UTF-8, so any re-encoding shows.
func makeEntry(r *rand.Rand, id string) types.PutRecordsRequestEntry {
	var b bytes.Buffer
	b.WriteString(id)
	b.Write([]byte{0x00, 0xff, 0xfe, 0x80})
	for range 16 + r.IntN(48) {
		b.WriteByte(byte(r.IntN(256)))
	}
	return types.PutRecordsRequestEntry{
		Data:         b.Bytes(),
		PartitionKey: aws.String(fmt.Sprintf("pk-%d", r.Uint64())),
	}
}

// TestCrashRecovery SIGKILLs the server under concurrent PutRecords load,
// restarts it on the same data directory and checks that every
// acknowledged record survived, exactly once. Five cycles accumulate on
// the same directory.
func TestCrashRecovery(t *testing.T) {
	const (
		cycles  = 5
		workers = 8
		batch   = 50
		stream  = "crash"
	)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	p := startRheo(t)
	ctx := ctxT(t, 150*time.Second)
	c := newKinesis(p.endpoint())
	wc := newKinesisNoRetry(p.endpoint())
	createStreamActive(ctx, t, c, stream, 4)
	l := newLedger()

	for cycle := range cycles {
		var killed atomic.Bool
		var wg sync.WaitGroup
		var calls, callErrs, races atomic.Int64
		before := l.ackedCount()
		cycleStart := time.Now()
		for w := range workers {
			wr := rand.New(rand.NewPCG(uint64(seed), uint64(cycle*workers+w+1)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := 0; !killed.Load(); b++ {
					entries := make([]types.PutRecordsRequestEntry, batch)
					for i := range entries {
						entries[i] = makeEntry(wr, fmt.Sprintf("c%d-w%d-b%d-r%d|", cycle, w, b, i))
					}
					calls.Add(1)
					if err := l.putBatch(ctx, wc, stream, entries); err != nil {
						callErrs.Add(1)
						if !killed.Load() && isSDKClosedConnRace(err) {
							races.Add(1) // outcome unknown, as if cut; keep going
							continue
						}
						if !killed.Load() {
							t.Errorf("cycle %d worker %d: PutRecords failed %v into the cycle, before the kill: %v",
								cycle, w, time.Since(cycleStart), err)
						}
						return
					}
				}
			}()
		}
		// Start the kill timer at the first acknowledgement, so a slow
		// (shared, loaded) machine still kills under load.
		for l.ackedCount() == before && time.Since(cycleStart) < 10*time.Second && !t.Failed() {
			time.Sleep(5 * time.Millisecond)
		}
		wait := time.Duration(300+rng.IntN(1200)) * time.Millisecond
		time.Sleep(wait)
		killed.Store(true)
		p.kill()
		wg.Wait()
		acked := l.ackedCount() - before
		t.Logf("cycle %d: killed after %v; %d calls, %d failed (%d of them the SDK closed-conn race before the kill), %d records acked this cycle",
			cycle, wait, calls.Load(), callErrs.Load(), races.Load(), acked)
		if t.Failed() {
			return
		}
		if acked == 0 {
			t.Fatalf("cycle %d: no record was acknowledged in %v; the test proves nothing", cycle, wait)
		}

		p.start()
		present := l.verify(ctx, t, c, stream)
		t.Logf("cycle %d: after restart %d records present, %d acknowledged in total", cycle, present, l.ackedCount())
		if t.Failed() {
			return
		}
	}
}
