package e2e

// TestTorture is a kill -9 torture run under mixed load; CI skips it.
//
// Run it with a round count (each round is one SIGKILL of the server):
//
//	TMPDIR=/some/real/disk go test ./test/e2e -run TestTorture -torture.rounds 30 -timeout 60m -v
//
// (or RHEO_TORTURE_ROUNDS=30). -torture.seed replays a run's random choices
// (kill moments, reshards, batch sizes); the timing of the server is of
// course not replayed. -torture.sync interval (or never) runs the server
// with that --sync mode: acknowledgements then come after write(2), before
// any fsync, which a process crash must not lose either. Data directories
// and the server's output (torture-<seed>.log) go under $TMPDIR. To hunt
// data races in recovery too, build the server with -race and pass it as
// RHEO_E2E_BIN: a "DATA RACE" report in its output fails the run.
//
// While the server runs, at once: PutRecords and PutRecord producers into
// a 4-shard stream, now and then a reshard (UpdateShardCount while AWS's
// 10-a-day limit allows, then SplitShard/MergeShards; sometimes killed while
// the call runs), a Direct PUT delivery stream and a Kinesis-sourced one
// (both to the built-in lake, IntervalInSeconds 0), a scheduled SQL job
// copying the stream table into a warehouse table every 100 ms (so kills
// often land inside a run), and a GetRecords reader following every shard,
// children after their parents. Sometimes the server is killed again right
// after it came back, or while it starts, or while it shuts down on SIGTERM.
//
// After every restart (and after a final SIGTERM and restart) it checks:
// every acknowledged Kinesis record is present exactly once at its
// acknowledged shard and sequence number, nothing present was never sent,
// sequence numbers increase per shard; everything the reader ever saw is
// still there; the job has exactly one successful run for each of
// iterations 0..N, and its table holds exactly the stream's records of
// those iterations' windows; every acknowledged Firehose record (Direct PUT
// and from the stream) is in the lake, duplicates counted; the server was
// healthy within a few seconds and never logged a panic.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/big"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

var (
	tortureRounds = flag.Int("torture.rounds", 0, "run TestTorture with this many kill -9 rounds (0: skip; also $RHEO_TORTURE_ROUNDS)")
	tortureSeed   = flag.Int64("torture.seed", 0, "random seed of TestTorture (0: time-based)")
	tortureSync   = flag.String("torture.sync", "always", "--sync mode of the server under TestTorture (always, interval, never: a process crash loses nothing under any)")
)

const (
	tortStream  = "tort"
	tortDirect  = "tort-direct"
	tortFromKin = "tort-fromkin"
	tortJob     = "tjob"
)

// tortRec is one record as the stream holds it.
type tortRec struct {
	shard, seq, data string
}

// torture is the state of one torture run: the server, the clients and
// the client-side truth.
type torture struct {
	t   *testing.T
	p   *rheoProc
	ctx context.Context
	rng *rand.Rand

	kc  *kinesis.Client  // control and reads, with retries
	kw  *kinesis.Client  // writes, no retries: outcomes must be exact
	fhw *firehose.Client // Firehose writes, no retries

	mu      sync.Mutex
	ksent   map[string]string      // Kinesis data → partition key
	kacked  map[string]ackedRecord // Kinesis data → acknowledgement
	fsent   map[string]bool        // Firehose data sent
	facked  map[string]bool        // Firehose data acknowledged
	kills   int
	reshard int // reshards issued
	ucount  int // UpdateShardCount calls so far (AWS allows 10 a day)
	starts  []time.Duration
	dupsFH  map[string]int // bucket → duplicated lines seen at the last check

	reader *follower

	// Control-plane churn: streams created (and some deleted) while the
	// rest runs.
	churnCreated map[string]bool   // CreateStream acknowledged
	churnDeleted map[string]bool   // DeleteStream acknowledged
	churnTried   map[string]bool   // CreateStream sent
	churnRecs    map[string]string // stream → data of its acknowledged PutRecord
}

func tortureRoundCount() int {
	if *tortureRounds > 0 {
		return *tortureRounds
	}
	n, _ := strconv.Atoi(os.Getenv("RHEO_TORTURE_ROUNDS"))
	return n
}

func TestTorture(t *testing.T) {
	rounds := tortureRoundCount()
	if rounds <= 0 {
		t.Skip("torture run: set -torture.rounds N or RHEO_TORTURE_ROUNDS=N")
	}
	seed := *tortureSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d, %d rounds, --sync %s, data under %s", seed, rounds, *tortureSync, os.TempDir())

	p := startRheo(t, "--pg-listen", freeAddr(t), "--sync", *tortureSync)
	tt := &torture{
		t:      t,
		p:      p,
		ctx:    ctxT(t, time.Duration(rounds)*3*time.Minute+5*time.Minute),
		rng:    rand.New(rand.NewPCG(uint64(seed), 1)),
		kc:     newKinesis(p.endpoint()),
		kw:     newKinesisNoRetry(p.endpoint()),
		fhw:    newFirehose(p.endpoint(), aws.NopRetryer{}),
		ksent:  map[string]string{},
		kacked: map[string]ackedRecord{},
		fsent:  map[string]bool{},
		facked: map[string]bool{},
		dupsFH: map[string]int{},

		churnCreated: map[string]bool{},
		churnDeleted: map[string]bool{},
		churnTried:   map[string]bool{},
		churnRecs:    map[string]string{},
	}
	t.Cleanup(func() {
		// The server's whole output, for reading the warnings of a run.
		f := fmt.Sprintf("%s/torture-%d.log", os.TempDir(), seed)
		if err := os.WriteFile(f, []byte(p.stderr.String()), 0o644); err == nil {
			t.Logf("server output of all runs: %s", f)
		}
	})
	tt.setup()
	tt.reader = newFollower(newKinesis(p.endpoint()), tortStream)
	stopReader := make(chan struct{})
	readerDone := make(chan struct{})
	go func() { defer close(readerDone); tt.reader.run(tt.ctx, stopReader) }()
	defer func() { close(stopReader); <-readerDone }()

	for round := range rounds {
		tt.round(round)
		if t.Failed() {
			t.Logf("stopping after round %d: a check failed", round)
			return
		}
	}

	// A final clean stop: SIGTERM, start, every check, then wait until the
	// reader and the job have caught up with the whole stream.
	p.term(30 * time.Second)
	tt.restart()
	all := tt.checkAll("final")
	tt.checkCaughtUp(all)
	p.term(30 * time.Second)
	tt.checkLog()

	tt.mu.Lock()
	defer tt.mu.Unlock()
	var maxStart time.Duration
	for _, d := range tt.starts {
		maxStart = max(maxStart, d)
	}
	t.Logf("torture: %d rounds, %d kills, %d reshards; Kinesis %d sent / %d acknowledged; Firehose %d sent / %d acknowledged; reader saw %d; slowest start %v; lake duplicates %v",
		rounds, tt.kills, tt.reshard, len(tt.ksent), len(tt.kacked), len(tt.fsent), len(tt.facked), tt.reader.count(), maxStart, tt.dupsFH)
}

// setup creates the stream, both delivery streams, the stream table, the
// warehouse table and the job.
func (tt *torture) setup() {
	t, ctx := tt.t, tt.ctx
	createStreamActive(ctx, t, tt.kc, tortStream, 4)
	fh := newFirehose(tt.p.endpoint(), nil)
	hints := &fhtypes.BufferingHints{SizeInMBs: aws.Int32(1), IntervalInSeconds: aws.Int32(0)}
	createHose(ctx, t, fh, tortDirect, "lake-direct", hints)
	_, err := fh.CreateDeliveryStream(ctx, &firehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String(tortFromKin),
		DeliveryStreamType: fhtypes.DeliveryStreamTypeKinesisStreamAsSource,
		KinesisStreamSourceConfiguration: &fhtypes.KinesisStreamSourceConfiguration{
			KinesisStreamARN: aws.String("arn:aws:kinesis:us-east-1:000000000000:stream/" + tortStream),
			RoleARN:          aws.String("arn:aws:iam::000000000000:role/firehose"),
		},
		ExtendedS3DestinationConfiguration: &fhtypes.ExtendedS3DestinationConfiguration{
			RoleARN:        aws.String("arn:aws:iam::000000000000:role/firehose"),
			BucketARN:      aws.String("arn:aws:s3:::lake-fromkin"),
			BufferingHints: hints,
		},
	})
	if err != nil {
		t.Fatalf("CreateDeliveryStream %s: %v", tortFromKin, err)
	}
	for {
		out, err := fh.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(tortFromKin)})
		if err != nil {
			t.Fatalf("DescribeDeliveryStream: %v", err)
		}
		if out.DeliveryStreamDescription.DeliveryStreamStatus == fhtypes.DeliveryStreamStatusActive {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, q := range []string{
		"CREATE STREAM TABLE ts FROM STREAM '" + tortStream + "' FORMAT raw",
		"CREATE TABLE tcopy (iter BIGINT, shard VARCHAR, seq VARCHAR, data VARCHAR)",
		"CREATE JOB " + tortJob + " EVERY '100ms' AS INSERT INTO tcopy SELECT getvariable('rheo_iteration'), _shard_id, _sequence_number, data FROM ts",
	} {
		if _, err := tortSQL(ctx, tt.p.endpoint(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// round runs the load, kills the server at a random moment, restarts it
// and checks everything.
func (tt *torture) round(round int) {
	t := tt.t
	var stop atomic.Bool
	var wg sync.WaitGroup
	ackedBefore := tt.ackedK()
	start := time.Now()
	for w := range 3 {
		wr := rand.New(rand.NewPCG(tt.rng.Uint64(), uint64(w)))
		wg.Add(1)
		go func() { defer wg.Done(); tt.produceBatches(&stop, wr, fmt.Sprintf("r%d-w%d", round, w)) }()
	}
	{
		wr := rand.New(rand.NewPCG(tt.rng.Uint64(), 10))
		fseed := wr.Uint64()
		wg.Add(2)
		go func() { defer wg.Done(); tt.produceSingles(&stop, wr, fmt.Sprintf("r%d-s", round)) }()
		go func() { defer wg.Done(); tt.produceFirehose(&stop, fseed, fmt.Sprintf("r%d-f", round)) }()
		cseed := wr.Uint64()
		wg.Add(1)
		go func() { defer wg.Done(); tt.churn(&stop, cseed, round) }()
	}
	for tt.ackedK() == ackedBefore && time.Since(start) < 15*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	wait := time.Duration(200+tt.rng.IntN(2800)) * time.Millisecond
	what := "load"
	var reshardDone chan string
	if tt.rng.IntN(3) == 0 {
		// Reshard, and kill somewhere in or after it: the call runs
		// while the kill timer does.
		time.Sleep(wait / 2)
		reshardDone = make(chan string, 1)
		inFlight := tt.rng.IntN(2) == 0
		// Drawn before the call, which uses the generator too.
		soon := time.Duration(tt.rng.IntN(30)) * time.Millisecond
		go func() { reshardDone <- tt.reshardOnce(inFlight) }()
		if inFlight {
			wait = soon
		} else {
			what = <-reshardDone
			wait = time.Duration(tt.rng.IntN(300)) * time.Millisecond
		}
	}
	time.Sleep(wait)
	tt.p.kill()
	tt.kills++
	stop.Store(true)
	wg.Wait()
	if reshardDone != nil && what == "load" {
		what = <-reshardDone + " (killed while it ran)"
	}
	t.Logf("round %d: %s, killed %v after the first ack; %d Kinesis records acknowledged this round",
		round, what, wait, tt.ackedK()-ackedBefore)

	switch tt.rng.IntN(8) {
	case 0:
		// Kill while it starts: journal replay, reshard roll-forward,
		// meta and DuckDB recovery.
		tt.p.launch()
		d := time.Duration(tt.rng.IntN(500)) * time.Millisecond
		time.Sleep(d)
		tt.p.kill()
		tt.kills++
		t.Logf("round %d: killed again %v into the next start", round, d)
	case 1:
		// Kill in the middle of a graceful shutdown.
		tt.restart()
		if err := tt.p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("SIGTERM: %v", err)
		}
		d := time.Duration(tt.rng.IntN(300)) * time.Millisecond
		time.Sleep(d)
		if tt.p.cmd.Process.Signal(syscall.SIGKILL) == nil {
			tt.kills++ // (or it had just exited by itself)
		}
		<-tt.p.done
		t.Logf("round %d: SIGTERM, then SIGKILL %v later", round, d)
	}
	tt.restart()
	if tt.rng.IntN(6) == 0 {
		// Kill again while it recovers: delivery replays its plans, the job
		// catches up, the reshard janitor runs.
		d := time.Duration(tt.rng.IntN(400)) * time.Millisecond
		time.Sleep(d)
		tt.p.kill()
		tt.kills++
		t.Logf("round %d: killed again %v after the restart", round, d)
		tt.restart()
	}
	tt.checkAll(fmt.Sprintf("round %d", round))
}

// restart starts the server on the same data directory and port, timing it.
func (tt *torture) restart() {
	start := time.Now()
	tt.p.start()
	d := time.Since(start)
	tt.mu.Lock()
	tt.starts = append(tt.starts, d)
	tt.mu.Unlock()
	if d > 10*time.Second {
		tt.t.Errorf("server took %v to become healthy", d)
	}
	tt.checkLog()
}

// checkLog fails on a panic or a runtime fatal error in the server's output.
func (tt *torture) checkLog() {
	log := tt.p.stderr.String()
	for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
		if i := strings.Index(log, bad); i >= 0 {
			end := min(len(log), i+3000)
			tt.t.Fatalf("server log has %q:\n%s", bad, log[i:end])
		}
	}
}

func (tt *torture) ackedK() int {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return len(tt.kacked)
}

// tortPayload is a record's data: a unique id, padding, a newline (so lake
// objects split into records).
func tortPayload(r *rand.Rand, id string) []byte {
	return []byte(id + " " + strings.Repeat("x", r.IntN(200)) + "\n")
}

func (tt *torture) produceBatches(stop *atomic.Bool, r *rand.Rand, prefix string) {
	for b := 0; !stop.Load(); b++ {
		entries := make([]types.PutRecordsRequestEntry, 1+r.IntN(100))
		tt.mu.Lock()
		for i := range entries {
			entries[i] = types.PutRecordsRequestEntry{
				Data:         tortPayload(r, fmt.Sprintf("k-%s-b%d-%d", prefix, b, i)),
				PartitionKey: aws.String(fmt.Sprintf("pk-%d", r.Uint64())),
			}
			tt.ksent[string(entries[i].Data)] = *entries[i].PartitionKey
		}
		tt.mu.Unlock()
		out, err := tt.kw.PutRecords(tt.ctx, &kinesis.PutRecordsInput{StreamName: aws.String(tortStream), Records: entries})
		if err != nil {
			time.Sleep(10 * time.Millisecond) // down, or unknown outcome
			continue
		}
		tt.mu.Lock()
		for i, res := range out.Records {
			if res.ErrorCode == nil {
				tt.kacked[string(entries[i].Data)] = ackedRecord{shard: aws.ToString(res.ShardId), seq: aws.ToString(res.SequenceNumber)}
			}
		}
		tt.mu.Unlock()
		time.Sleep(time.Duration(r.IntN(60)) * time.Millisecond) // keep the volume checkable
	}
}

func (tt *torture) produceSingles(stop *atomic.Bool, r *rand.Rand, prefix string) {
	for n := 0; !stop.Load(); n++ {
		data := tortPayload(r, fmt.Sprintf("k-%s-%d", prefix, n))
		pk := fmt.Sprintf("pk-%d", r.Uint64())
		tt.mu.Lock()
		tt.ksent[string(data)] = pk
		tt.mu.Unlock()
		out, err := tt.kw.PutRecord(tt.ctx, &kinesis.PutRecordInput{StreamName: aws.String(tortStream), Data: data, PartitionKey: aws.String(pk)})
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		tt.mu.Lock()
		tt.kacked[string(data)] = ackedRecord{shard: aws.ToString(out.ShardId), seq: aws.ToString(out.SequenceNumber)}
		tt.mu.Unlock()
	}
}

func (tt *torture) produceFirehose(stop *atomic.Bool, seed uint64, prefix string) {
	r := rand.New(rand.NewPCG(seed, 11))
	for b := 0; !stop.Load(); b++ {
		recs := make([]fhtypes.Record, 1+r.IntN(300))
		tt.mu.Lock()
		for i := range recs {
			recs[i] = fhtypes.Record{Data: tortPayload(r, fmt.Sprintf("f-%s-b%d-%d", prefix, b, i))}
			tt.fsent[string(recs[i].Data)] = true
		}
		tt.mu.Unlock()
		out, err := tt.fhw.PutRecordBatch(tt.ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: aws.String(tortDirect), Records: recs})
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		tt.mu.Lock()
		for i, res := range out.RequestResponses {
			if res.RecordId != nil && res.ErrorCode == nil {
				tt.facked[string(recs[i].Data)] = true
			}
		}
		tt.mu.Unlock()
		time.Sleep(time.Duration(r.IntN(60)) * time.Millisecond)
	}
}

// reshardOnce issues one reshard: UpdateShardCount 4⇄8 while the daily
// limit allows, then SplitShard or MergeShards on the open shards.
//
// inFlight says the server may be killed during the call: its error is
// then no failure.
func (tt *torture) reshardOnce(inFlight bool) string {
	errorf := tt.t.Errorf
	if inFlight {
		errorf = func(string, ...any) {}
	}
	ctx := tt.ctx
	shards, err := tt.kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(tortStream),
		ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	if err != nil {
		errorf("ListShards before reshard: %v", err)
		return "reshard skipped"
	}
	open := shards.Shards
	tt.reshard++
	if tt.ucount < 8 {
		tt.ucount++
		target := int32(8)
		if len(open) > 4 {
			target = 4
		}
		_, err := tt.kc.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String(tortStream),
			TargetShardCount: aws.Int32(target), ScalingType: types.ScalingTypeUniformScaling})
		if err != nil {
			errorf("UpdateShardCount %d→%d: %v", len(open), target, err)
		}
		return fmt.Sprintf("UpdateShardCount %d→%d", len(open), target)
	}
	sort.Slice(open, func(i, j int) bool {
		return hashLess(aws.ToString(open[i].HashKeyRange.StartingHashKey), aws.ToString(open[j].HashKeyRange.StartingHashKey))
	})
	if len(open) < 3 || (len(open) < 8 && tt.rng.IntN(2) == 0) {
		s := open[tt.rng.IntN(len(open))]
		lo, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		mid.Add(mid, big.NewInt(1))
		_, err := tt.kc.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(tortStream),
			ShardToSplit: s.ShardId, NewStartingHashKey: aws.String(mid.String())})
		if err != nil {
			errorf("SplitShard %s: %v", aws.ToString(s.ShardId), err)
		}
		return "SplitShard " + aws.ToString(s.ShardId)
	}
	i := tt.rng.IntN(len(open) - 1)
	a, b := open[i], open[i+1]
	_, err = tt.kc.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(tortStream),
		ShardToMerge: a.ShardId, AdjacentShardToMerge: b.ShardId})
	if err != nil {
		errorf("MergeShards %s %s: %v", aws.ToString(a.ShardId), aws.ToString(b.ShardId), err)
	}
	return "MergeShards " + aws.ToString(a.ShardId) + "+" + aws.ToString(b.ShardId)
}

// tortSeqLess is seqLess without big numbers for the usual case of two
// 56-digit sequence numbers.
func tortSeqLess(a, b string) bool {
	if len(a) == len(b) {
		return a < b
	}
	return seqLess(a, b)
}

func hashLess(a, b string) bool {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	return x.Cmp(y) < 0
}

// checkAll runs every check with the producers stopped and returns the
// stream as read.
func (tt *torture) checkAll(when string) map[string][]types.Record {
	waitActive(tt.ctx, tt.t, tt.kc, tortStream)
	all := tt.checkKinesis(when)
	tt.checkReader(when, all)
	tt.checkJob(when, all)
	tt.checkLake(when, "lake-direct", tt.fsent, tt.facked)
	tt.mu.Lock()
	sent := make(map[string]bool, len(tt.ksent))
	for d := range tt.ksent {
		sent[d] = true
	}
	acked := make(map[string]bool, len(tt.kacked))
	for d := range tt.kacked {
		acked[d] = true
	}
	tt.mu.Unlock()
	tt.checkLake(when, "lake-fromkin", sent, acked)
	tt.checkChurn(when)
	return all
}

// checkKinesis reads the whole stream and checks it against the ledger.
func (tt *torture) checkKinesis(when string) map[string][]types.Record {
	t := tt.t
	all := readAll(tt.ctx, t, tt.kc, tortStream)
	checkIncreasing(t, all)
	tt.mu.Lock()
	defer tt.mu.Unlock()
	seen := map[string]ackedRecord{}
	errs := 0
	fail := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf(when+": "+format, args...)
		}
	}
	n := 0
	for shard, recs := range all {
		for _, r := range recs {
			n++
			d := string(r.Data)
			got := ackedRecord{shard: shard, seq: aws.ToString(r.SequenceNumber)}
			if prev, dup := seen[d]; dup {
				fail("record %q present twice: %v and %v", short(r.Data), prev, got)
				continue
			}
			seen[d] = got
			pk, ok := tt.ksent[d]
			if !ok {
				fail("%v: record %q was never sent", got, short(r.Data))
			} else if pk != aws.ToString(r.PartitionKey) {
				fail("record %q: partition key %q, sent %q", short(r.Data), aws.ToString(r.PartitionKey), pk)
			}
		}
	}
	for d, want := range tt.kacked {
		if got, ok := seen[d]; !ok {
			fail("acknowledged record %q (%v) is missing", short([]byte(d)), want)
		} else if got != want {
			fail("acknowledged record %q: acked as %v, read at %v", short([]byte(d)), want, got)
		}
	}
	t.Logf("%s: stream holds %d records in %d shards; %d acknowledged", when, n, len(all), len(tt.kacked))
	return all
}

// checkReader checks that everything the GetRecords reader saw is still in
// the stream at the same place (it only ever sees durable records).
func (tt *torture) checkReader(when string, all map[string][]types.Record) {
	tt.reader.mu.Lock()
	defer tt.reader.mu.Unlock()
	for _, e := range tt.reader.errs {
		tt.t.Errorf("%s: reader: %s", when, e)
	}
	tt.reader.errs = nil
	for id, s := range tt.reader.shards {
		recs := all[id]
		for i, r := range s.recs {
			if i >= len(recs) || aws.ToString(recs[i].SequenceNumber) != r.seq || string(recs[i].Data) != r.data {
				tt.t.Errorf("%s: reader saw %s record %d at %s (%q); the stream now has %d records there", when, id, i, r.seq, short([]byte(r.data)), len(recs))
				break
			}
		}
	}
}

// checkJob pauses the job, checks its runs and table against the stream,
// and resumes it.
func (tt *torture) checkJob(when string, all map[string][]types.Record) {
	t, ctx, ep := tt.t, tt.ctx, tt.p.endpoint()
	must := func(q string) [][]any {
		rows, err := tortSQL(ctx, ep, q)
		if err != nil {
			t.Fatalf("%s: %s: %v", when, q, err)
		}
		return rows
	}
	must("PAUSE JOB " + tortJob)
	defer must("RESUME JOB " + tortJob)
	runs := must("SELECT CAST(iteration AS VARCHAR), CAST(rows AS VARCHAR) FROM rheo_job_runs WHERE job = '" + tortJob + "' AND error IS NULL ORDER BY iteration")
	wantRows := map[int]int{}
	last := -1
	for _, r := range runs {
		it, _ := strconv.Atoi(fmt.Sprint(r[0]))
		n, _ := strconv.Atoi(fmt.Sprint(r[1]))
		if _, dup := wantRows[it]; dup {
			t.Errorf("%s: job iteration %d succeeded twice", when, it)
		}
		if it != last+1 && it != last {
			t.Errorf("%s: job iterations jump from %d to %d", when, last, it)
		}
		wantRows[it] = n
		last = it
	}
	// Windows of the committed iterations, per shard: [start, end] of
	// record sequence numbers (empty windows have empty strings).
	type window struct {
		it         int
		start, end string
	}
	windows := map[string][]window{}
	for _, r := range must("SELECT CAST(iteration AS VARCHAR), shard_id, coalesce(start_sequence_number, ''), coalesce(end_sequence_number, '') FROM rheo_iterations WHERE logical_name = '" + tortJob + "'") {
		it, _ := strconv.Atoi(fmt.Sprint(r[0]))
		if it > last {
			continue // stored by a run that did not commit
		}
		sh := fmt.Sprint(r[1])
		windows[sh] = append(windows[sh], window{it, fmt.Sprint(r[2]), fmt.Sprint(r[3])})
	}
	copied := must("SELECT CAST(iter AS VARCHAR), shard, seq, data FROM tcopy")
	type key struct{ shard, seq string }
	got := map[key]int{} // → iteration
	perIt := map[int]int{}
	errs := 0
	fail := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf(when+": job: "+format, args...)
		}
	}
	inStream := map[key]string{}
	for sh, recs := range all {
		for _, r := range recs {
			inStream[key{sh, aws.ToString(r.SequenceNumber)}] = string(r.Data)
		}
	}
	for _, r := range copied {
		it, _ := strconv.Atoi(fmt.Sprint(r[0]))
		k := key{fmt.Sprint(r[1]), fmt.Sprint(r[2])}
		perIt[it]++
		if prev, dup := got[k]; dup {
			fail("%v copied twice, by iterations %d and %d", k, prev, it)
		}
		got[k] = it
		if d, ok := inStream[k]; !ok {
			fail("iteration %d copied %v, which the stream does not hold", it, k)
		} else if d != fmt.Sprint(r[3]) {
			fail("iteration %d copied %v as %q, the stream holds %q", it, k, short([]byte(fmt.Sprint(r[3]))), short([]byte(d)))
		}
		if it > last {
			fail("tcopy has rows of iteration %d, past the last committed %d", it, last)
		}
	}
	for it, n := range wantRows {
		if perIt[it] != n {
			fail("iteration %d: rheo_job_runs says %d rows, tcopy has %d", it, n, perIt[it])
		}
	}
	// Every stream record inside a committed window was copied by that
	// iteration, and nothing between windows was skipped.
	for sh, recs := range all {
		var maxEnd string
		var nonEmpty []window // sorted by start: windows of a shard do not overlap
		for _, w := range windows[sh] {
			if w.end != "" && (maxEnd == "" || tortSeqLess(maxEnd, w.end)) {
				maxEnd = w.end
			}
			if w.start != "" {
				nonEmpty = append(nonEmpty, w)
			}
		}
		sort.Slice(nonEmpty, func(i, j int) bool { return tortSeqLess(nonEmpty[i].start, nonEmpty[j].start) })
		for i := 1; i < len(nonEmpty); i++ {
			if !tortSeqLess(nonEmpty[i-1].end, nonEmpty[i].start) {
				fail("shard %s: windows of iterations %d and %d overlap", sh, nonEmpty[i-1].it, nonEmpty[i].it)
			}
		}
		for _, r := range recs {
			seq := aws.ToString(r.SequenceNumber)
			if maxEnd == "" || tortSeqLess(maxEnd, seq) {
				break
			}
			k := key{sh, seq}
			it, ok := got[k]
			if !ok {
				fail("%v is inside the committed iterations (up to %s) but was never copied", k, maxEnd)
				continue
			}
			// The last window starting at or before seq.
			i := sort.Search(len(nonEmpty), func(i int) bool { return tortSeqLess(seq, nonEmpty[i].start) }) - 1
			if i >= 0 && !tortSeqLess(nonEmpty[i].end, seq) && nonEmpty[i].it != it {
				fail("%v copied by iteration %d but lies in the window of iteration %d", k, it, nonEmpty[i].it)
			}
		}
	}
	t.Logf("%s: job committed iterations 0..%d, %d rows copied", when, last, len(copied))
}

// checkLake waits until every acknowledged record is in bucket, and checks
// that the lake holds nothing never sent; duplicates are counted.
func (tt *torture) checkLake(when, bucket string, sent, acked map[string]bool) {
	t := tt.t
	tt.mu.Lock()
	want := make([]string, 0, len(acked))
	for d := range acked {
		want = append(want, d)
	}
	tt.mu.Unlock()
	var have map[string]int
	var missing int
	deadline := time.Now().Add(90 * time.Second)
	for {
		have = map[string]int{}
		for _, l := range recordLines(lakeObjects(t, tt.p.dataDir, bucket, "")) {
			have[l]++
		}
		missing = 0
		for _, d := range want {
			if have[d] == 0 {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	dups, stray := 0, 0
	tt.mu.Lock()
	for l, n := range have {
		if n > 1 {
			dups += n - 1
		}
		if !sent[l] {
			stray++
			if stray <= 5 {
				t.Errorf("%s: lake %s holds %q, never sent", when, bucket, short([]byte(l)))
			}
		}
	}
	tt.dupsFH[bucket] = dups
	tt.mu.Unlock()
	if missing > 0 {
		t.Errorf("%s: lake %s misses %d of %d acknowledged records after 90s", when, bucket, missing, len(want))
	}
	if dups > 0 {
		t.Errorf("%s: lake %s holds %d duplicated records (of %d distinct)", when, bucket, dups, len(have))
	}
	t.Logf("%s: lake %s: %d distinct records, %d acknowledged, %d duplicates", when, bucket, len(have), len(want), dups)
}

// checkCaughtUp waits until the reader and the job have read the whole
// stream, then requires both to hold exactly it.
func (tt *torture) checkCaughtUp(all map[string][]types.Record) {
	t := tt.t
	total := 0
	for _, recs := range all {
		total += len(recs)
	}
	deadline := time.Now().Add(60 * time.Second)
	for tt.reader.count() < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := tt.reader.count(); n != total {
		t.Errorf("final: the reader saw %d records, the stream holds %d", n, total)
	}
	tt.checkReader("final", all)
	for time.Now().Before(deadline) {
		rows, err := tortSQL(tt.ctx, tt.p.endpoint(), "SELECT CAST(count(*) AS VARCHAR) FROM tcopy")
		if err == nil && fmt.Sprint(rows[0][0]) == strconv.Itoa(total) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	tt.checkJob("final", all)
	rows, _ := tortSQL(tt.ctx, tt.p.endpoint(), "SELECT CAST(count(*) AS VARCHAR) FROM tcopy")
	if len(rows) == 0 || fmt.Sprint(rows[0][0]) != strconv.Itoa(total) {
		t.Errorf("final: tcopy has %v rows, the stream %d", rows, total)
	}
}

// tortSQL runs statements through POST /v1/sql and returns the last one's
// rows.
func tortSQL(ctx context.Context, endpoint, sql string) ([][]any, error) {
	body, _ := json.Marshal(map[string]any{"sql": sql, "maxRows": 50_000_000})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/v1/sql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST /v1/sql: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Rows      [][]any
		Truncated bool
		Error     any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %v", resp.StatusCode, out.Error)
	}
	if out.Truncated {
		return nil, fmt.Errorf("result truncated")
	}
	return out.Rows, nil
}

// follower reads every shard of a stream with GetRecords, children after
// their parents are read to their end, surviving server restarts.
type follower struct {
	c      *kinesis.Client
	stream string

	mu     sync.Mutex
	shards map[string]*followShard
	errs   []string
	n      int
}

type followShard struct {
	parents []string
	iter    *string
	last    string
	done    bool
	recs    []tortRec
}

func newFollower(c *kinesis.Client, stream string) *follower {
	return &follower{c: c, stream: stream, shards: map[string]*followShard{}}
}

func (f *follower) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *follower) errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) < 20 {
		f.errs = append(f.errs, fmt.Sprintf(format, args...))
	}
}

func (f *follower) run(ctx context.Context, stop <-chan struct{}) {
	var lastList time.Time
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if time.Since(lastList) > 300*time.Millisecond {
			if err := f.list(ctx); err == nil {
				lastList = time.Now()
			}
		}
		got := 0
		f.mu.Lock()
		ids := make([]string, 0, len(f.shards))
		for id := range f.shards {
			ids = append(ids, id)
		}
		f.mu.Unlock()
		sort.Strings(ids)
		for _, id := range ids {
			got += f.step(ctx, id)
		}
		if got == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// list adds the shards it has not seen yet.
func (f *follower) list(ctx context.Context) error {
	in := &kinesis.ListShardsInput{StreamName: aws.String(f.stream)}
	for {
		out, err := f.c.ListShards(ctx, in)
		if err != nil {
			return err
		}
		f.mu.Lock()
		for _, s := range out.Shards {
			id := aws.ToString(s.ShardId)
			if _, ok := f.shards[id]; !ok {
				var parents []string
				for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
					if p != nil {
						parents = append(parents, *p)
					}
				}
				f.shards[id] = &followShard{parents: parents}
			}
		}
		f.mu.Unlock()
		if out.NextToken == nil {
			return nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}

// step makes one GetRecords call on shard id if it is readable; it returns
// how many records it got.
func (f *follower) step(ctx context.Context, id string) int {
	f.mu.Lock()
	s := f.shards[id]
	if s.done {
		f.mu.Unlock()
		return 0
	}
	for _, p := range s.parents {
		if ps, ok := f.shards[p]; ok && !ps.done {
			f.mu.Unlock()
			return 0
		}
	}
	iter, last := s.iter, s.last
	f.mu.Unlock()
	if iter == nil {
		in := &kinesis.GetShardIteratorInput{StreamName: aws.String(f.stream), ShardId: aws.String(id),
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
		if last != "" {
			in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
			in.StartingSequenceNumber = aws.String(last)
		}
		out, err := f.c.GetShardIterator(ctx, in)
		if err != nil {
			return 0
		}
		iter = out.ShardIterator
	}
	out, err := f.c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(2000)})
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		s.iter = nil // expired, or the server restarted: resume after last
		return 0
	}
	for _, r := range out.Records {
		seq := aws.ToString(r.SequenceNumber)
		if s.last != "" && !seqLess(s.last, seq) {
			if len(f.errs) < 20 {
				f.errs = append(f.errs, fmt.Sprintf("shard %s: GetRecords returned %s after %s", id, seq, s.last))
			}
			continue
		}
		s.last = seq
		s.recs = append(s.recs, tortRec{shard: id, seq: seq, data: string(r.Data)})
		f.n++
	}
	s.iter = out.NextShardIterator
	if s.iter == nil {
		s.done = true
	}
	return len(out.Records)
}

// churn creates small streams, writes one record to each and deletes half
// of them, so kills also land inside CreateStream and DeleteStream.
func (tt *torture) churn(stop *atomic.Bool, seed uint64, round int) {
	r := rand.New(rand.NewPCG(seed, 12))
	ctx := tt.ctx
	for i := 0; !stop.Load(); i++ {
		name := fmt.Sprintf("churn-%d-%d", round, i)
		tt.mu.Lock()
		tt.churnTried[name] = true
		tt.mu.Unlock()
		if _, err := tt.kw.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(int32(1 + r.IntN(3)))}); err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		tt.mu.Lock()
		tt.churnCreated[name] = true
		tt.mu.Unlock()
		for !stop.Load() {
			out, err := tt.kw.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
			if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		data := fmt.Sprintf("churn %s\n", name)
		if _, err := tt.kw.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(name), Data: []byte(data), PartitionKey: aws.String("p")}); err == nil {
			tt.mu.Lock()
			tt.churnRecs[name] = data
			tt.mu.Unlock()
		}
		if r.IntN(2) == 0 {
			if _, err := tt.kw.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name)}); err == nil {
				tt.mu.Lock()
				tt.churnDeleted[name] = true
				tt.mu.Unlock()
			}
		}
		time.Sleep(time.Duration(r.IntN(50)) * time.Millisecond)
	}
}

// checkChurn checks the churned streams: a created one not deleted is (or
// becomes) ACTIVE with its acknowledged record; a deleted one is gone; one
// whose creation was cut is either absent or usable; no stream is stuck.
func (tt *torture) checkChurn(when string) {
	ctx := tt.ctx
	tt.mu.Lock()
	names := make([]string, 0, len(tt.churnTried))
	for n := range tt.churnTried {
		names = append(names, n)
	}
	created, deleted, recs := maps.Clone(tt.churnCreated), maps.Clone(tt.churnDeleted), maps.Clone(tt.churnRecs)
	tt.mu.Unlock()
	sort.Strings(names)
	deadline := time.Now().Add(20 * time.Second)
	live := 0
	for _, name := range names {
		for {
			out, err := tt.kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
			var status types.StreamStatus
			if err == nil {
				status = out.StreamDescriptionSummary.StreamStatus
			} else if !strings.Contains(err.Error(), "ResourceNotFoundException") {
				tt.t.Errorf("%s: churn stream %s: %v", when, name, err)
				break
			}
			gone := err != nil
			switch {
			case deleted[name] && gone:
			case deleted[name]:
				if time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				tt.t.Errorf("%s: churn stream %s was deleted but is still %s", when, name, status)
			case gone && created[name]:
				tt.t.Errorf("%s: churn stream %s was created (acknowledged) and never deleted, but is gone", when, name)
			case gone:
			case status != types.StreamStatusActive && status != types.StreamStatusDeleting:
				if time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				tt.t.Errorf("%s: churn stream %s stuck in %s", when, name, status)
			case status == types.StreamStatusActive:
				live++
				if d, ok := recs[name]; ok {
					got, err := readShard(ctx, tt.kc, name, "shardId-000000000000")
					all := got
					if err == nil {
						ids, _ := listShardIDs(ctx, tt.kc, name)
						for _, id := range ids[1:] {
							more, err2 := readShard(ctx, tt.kc, name, id)
							if err2 != nil {
								err = err2
							}
							all = append(all, more...)
						}
					}
					found := false
					for _, rec := range all {
						found = found || string(rec.Data) == d
					}
					if err != nil || !found {
						tt.t.Errorf("%s: churn stream %s: acknowledged record missing (read error %v)", when, name, err)
					}
				}
			}
			break
		}
	}
	tt.t.Logf("%s: churn: %d streams tried, %d created, %d deleted, %d live", when, len(names), len(created), len(deleted), live)
}
