// Command loadgen drives a Kinesis-compatible endpoint (rheo serve) with
// aws-sdk-go-v2 and reports throughput, call latency and, given the
// server's pid, its CPU time and resident memory.
//
//	go run ./bench/loadgen --endpoint http://127.0.0.1:4567 --scenario all --server-pid 1234
//
// Scenarios:
//
//	putrecords  PutRecords of --batch × --record-size into a --shards stream with
//	            --inflight calls in flight, for --duration or until --bytes were sent
//	putrecord   single PutRecord calls with --inflight in flight for --duration
//	readback    GetRecords from TRIM_HORIZON of every shard in parallel; record and
//	            byte counts are checked against what this run wrote
//	all         the three in sequence
//
// --plan runs several steps with their own settings on one stream (see
// parsePlan), e.g. the workloads bench/peers runs against rheo and its
// peers; --json writes the figures for such tools and --keep-going
// records a failed step instead of stopping.
//
// --client raw replaces the SDK by pre-encoded request bodies and scanned
// responses (raw.go), to see the server's limit when client and server
// share a small machine. Results are printed as markdown tables. This is
// a benchmark tool; its tests cover only the pure parts (plan parsing,
// /proc parsing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// config is the parsed command line.
type config struct {
	endpoint     string
	scenario     string
	stream       string
	shards       int
	recordSize   int
	batch        int
	inflight     int
	duration     time.Duration
	bytes        int64
	serverPID    int
	sampleEvery  time.Duration
	unsigned     bool
	putRecordDur time.Duration
	readInflight int
	client       string
	timeout      time.Duration
	maxRecords   int64  // cap on records of a putrecord step (0: none)
	plan         string // --plan; empty: the single --scenario
	jsonOut      string // --json file
	keepGoing    bool   // a failed step is recorded and the next one runs
	grace        time.Duration
	settle       time.Duration
}

func main() {
	var c config
	var bytesFlag string
	flag.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:4567", "Kinesis API endpoint")
	flag.StringVar(&c.scenario, "scenario", "all", "putrecords | putrecord | readback | all")
	flag.StringVar(&c.stream, "stream", "", "stream name (default: a new stream bench-<time>; an existing stream is used as is)")
	flag.IntVar(&c.shards, "shards", 4, "shard count of a created stream")
	flag.IntVar(&c.recordSize, "record-size", 1024, "record payload size in bytes")
	flag.IntVar(&c.batch, "batch", 500, "records per PutRecords call")
	flag.IntVar(&c.inflight, "inflight", 16, "concurrent calls for putrecords and putrecord")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long putrecords runs (ignored with --bytes)")
	flag.StringVar(&bytesFlag, "bytes", "", "stop putrecords after this much payload, e.g. 10GiB (overrides --duration; RSS is sampled every --sample-interval)")
	flag.DurationVar(&c.putRecordDur, "putrecord-duration", 0, "how long putrecord runs (default --duration)")
	flag.IntVar(&c.serverPID, "server-pid", -1, "pid of the server, to sample its CPU time and RSS")
	flag.DurationVar(&c.sampleEvery, "sample-interval", time.Second, "server sampling period")
	flag.BoolVar(&c.unsigned, "unsigned-payload", false, "send UNSIGNED-PAYLOAD instead of hashing each body (saves client CPU; SigV4 is not checked by rheo)")
	flag.IntVar(&c.readInflight, "read-parallel", 0, "shards read in parallel by readback (default: all)")
	flag.StringVar(&c.client, "client", "sdk", "sdk (aws-sdk-go-v2, what users run) or raw (pre-encoded bodies and scanned responses, to see the server's limit when client and server share a small machine)")
	flag.DurationVar(&c.timeout, "timeout", 15*time.Minute, "hard limit for the whole run")
	flag.StringVar(&c.plan, "plan", "", `steps run in order on one stream, overriding --scenario, e.g. "putrecords size=1024 batch=500 inflight=4 duration=10s records=2000000; putrecord inflight=16; readback duration=60s" (keys: size, batch, inflight, duration, records, bytes, id)`)
	flag.StringVar(&c.jsonOut, "json", "", "also write the results as JSON to this file")
	flag.DurationVar(&c.grace, "step-grace", 30*time.Second, "calls of a put step still in flight this long after its duration are canceled (counted as cut off, outcome unknown)")
	flag.DurationVar(&c.settle, "settle", 30*time.Second, "before each step, wait up to this long for the server (--server-pid) to go idle, so work left by cut-off calls does not slow the next step")
	flag.BoolVar(&c.keepGoing, "keep-going", false, "record a failed step in the results and run the next one instead of stopping")
	cpuProfile := flag.String("cpuprofile", "", "write this process's CPU profile (pprof) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fatalf("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatalf("--cpuprofile: %v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if bytesFlag != "" {
		n, err := parseBytes(bytesFlag)
		if err != nil {
			fatalf("--bytes: %v", err)
		}
		c.bytes = n
	}
	if c.putRecordDur == 0 {
		c.putRecordDur = c.duration
	}
	if c.stream == "" {
		c.stream = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	}
	if c.client != "sdk" && c.client != "raw" {
		fatalf("--client must be sdk or raw")
	}
	if c.batch < 1 || c.batch > 500 || c.recordSize < 1 || c.inflight < 1 || c.shards < 1 {
		fatalf("need 1 ≤ --batch ≤ 500, --record-size ≥ 1, --inflight ≥ 1, --shards ≥ 1")
	}
	steps, err := baseSteps(c)
	if c.plan != "" {
		steps, err = parsePlan(c.plan, c)
	}
	if err != nil {
		fatalf("%v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, c, steps, os.Stdout); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

// parseBytes parses sizes like 10GiB, 512MiB, 1GB, 4096.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	s = strings.TrimSpace(s)
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || f < 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return int64(f * float64(u.mult)), nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n, nil
}

// newClient builds a Kinesis client with enough idle connections for
// every in-flight call and no retries (a failed call is counted, not
// hidden).
func newClient(c config) *kinesis.Client {
	opts := kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(c.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		HTTPClient:   newHTTPClient(c),
		Retryer:      aws.NopRetryer{},
	}
	if c.unsigned {
		opts.APIOptions = append(opts.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	}
	return kinesis.New(opts)
}

// newHTTPClient returns an HTTP client keeping an idle connection for
// every concurrent call.
func newHTTPClient(c config) *http.Client {
	conns := max(c.inflight, c.shards) * 2
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      256 << 10,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// written counts what the put scenarios acknowledged, per shard, so
// readback can check it.
type written struct {
	mu      sync.Mutex
	records map[string]int64
	bytes   map[string]int64
	unknown int64 // records of calls whose outcome is unknown (see closedRace)
}

func (w *written) addUnknown(n int64) {
	w.mu.Lock()
	w.unknown += n
	w.mu.Unlock()
}

// closedRace reports whether err is the aws-sdk-go-v2 client-side race of
// aws/aws-sdk-go-v2#1825 and #2737: net/http's write loop closes the
// connection while the response is read. The SDK's standard retryer
// retries it; this tool runs without retries, so a call failing this way
// has an unknown outcome (the server usually did the work) and is counted,
// not fatal.
func closedRace(err error) bool { return errors.Is(err, net.ErrClosed) }

func (w *written) add(shard string, n, size int64) {
	w.mu.Lock()
	w.records[shard] += n
	w.bytes[shard] += size
	w.mu.Unlock()
}

// result is one scenario's outcome.
type result struct {
	name      string
	wall      time.Duration
	calls     int64
	failed    int64 // calls that returned an error
	races     int64 // of those, closedRace ones (outcome unknown)
	cut       int64 // calls canceled at the step's hard limit (outcome unknown; not in failed)
	recFailed int64 // PutRecords entries with an ErrorCode
	records   int64
	bytes     int64
	lat       []time.Duration
	server    procStats
	self      procStats
	note      string
	step      step  // the plan step this result is of
	err       error // the step's failure, with --keep-going
	verified  bool  // readback: every acknowledged record was read back
}

func run(ctx context.Context, c config, steps []step, out io.Writer) error {
	for _, s := range steps {
		c.inflight = max(c.inflight, s.inflight) // size the connection pool for the busiest step
	}
	cl := newClient(c)
	rc := &rawClient{hc: newHTTPClient(c), endpoint: c.endpoint}
	created, err := ensureStream(ctx, cl, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "## loadgen %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(out, "- endpoint `%s`, stream `%s` (%d shards, created by this run: %v)\n", c.endpoint, c.stream, c.shards, created)
	if c.plan != "" {
		fmt.Fprintf(out, "- client %s, plan `%s`, unsigned payload %v\n", c.client, c.plan, c.unsigned)
	} else {
		fmt.Fprintf(out, "- client %s, record size %d B, batch %d, in flight %d, unsigned payload %v\n", c.client, c.recordSize, c.batch, c.inflight, c.unsigned)
	}
	fmt.Fprintf(out, "- loadgen GOMAXPROCS %d, server pid %d\n\n", runtime.GOMAXPROCS(0), c.serverPID)

	w := &written{records: map[string]int64{}, bytes: map[string]int64{}}
	var results []result
	var failed []string
	var stopErr error
	for _, st := range steps {
		busy, idle := settle(ctx, c.serverPID, c.settle)
		r, err := runStep(ctx, cl, rc, st.apply(c), st, w, created)
		if busy > time.Second || !idle {
			r.note = joinNote(r.note, fmt.Sprintf("server was still busy %v after the previous step (idle: %v)", busy.Round(100*time.Millisecond), idle))
		}
		r.step = st
		r.name = st.id
		if c.client == "raw" {
			r.name += " (raw)"
		}
		if err != nil {
			r.err = err
			failed = append(failed, st.id)
			if !c.keepGoing || ctx.Err() != nil {
				// Stop, but report the steps done so far.
				stopErr = fmt.Errorf("%s: %w", st.id, err)
				results = append(results, r)
				break
			}
			fmt.Fprintf(os.Stderr, "loadgen: %s failed (going on): %v\n", st.id, err)
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "loadgen: %s done in %v\n", st.id, r.wall.Round(time.Millisecond))
	}
	report(out, c, results)
	if c.jsonOut != "" {
		if err := writeJSON(c.jsonOut, c, created, results); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(out, "Failed steps: %s\n\n", strings.Join(failed, ", "))
	}
	return stopErr
}

// joinNote joins non-empty notes with "; ".
func joinNote(notes ...string) string {
	var keep []string
	for _, n := range notes {
		if n = strings.TrimSpace(n); n != "" {
			keep = append(keep, n)
		}
	}
	return strings.Join(keep, "; ")
}

// runStep runs one step with the server and this process sampled.
func runStep(ctx context.Context, cl *kinesis.Client, rc *rawClient, c config, st step, w *written, created bool) (result, error) {
	var r result
	var err error
	srv := startSampler(c.serverPID, c.sampleEvery, true)
	self := startSampler(0, c.sampleEvery, false)
	pctx := ctx
	if st.scenario != "readback" {
		// A put step stops starting calls at its duration; calls still in
		// flight grace later are canceled, so a server that answers
		// slowly cannot stretch the run.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, st.duration+c.grace)
		defer cancel()
	}
	switch st.scenario {
	case "putrecords":
		if c.client == "raw" {
			r, err = runPutRecordsRaw(ctx, rc, c, w)
		} else {
			r, err = runPutRecords(ctx, cl, c, w)
		}
	case "putrecord":
		if c.client == "raw" {
			r, err = runPutRecordRaw(ctx, rc, c, w)
		} else {
			r, err = runPutRecord(ctx, cl, c, w)
		}
	case "readback":
		rctx := ctx
		if st.duration > 0 {
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(ctx, st.duration)
			defer cancel()
		}
		read := func(ctx context.Context, shard string) (int64, int64, int64, []time.Duration, error) {
			return readShard(ctx, cl, c.stream, shard)
		}
		if c.client == "raw" {
			read = func(ctx context.Context, shard string) (int64, int64, int64, []time.Duration, error) {
				return readShardRaw(ctx, rc, c.stream, shard)
			}
		}
		r, err = runReadback(rctx, cl, c, w, created, read)
		if err != nil && rctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("read-back did not finish within its limit of %v (%d records read): %w", st.duration, r.records, err)
		}
	default:
		err = fmt.Errorf("unknown scenario %q", st.scenario)
	}
	r.server = srv.finish()
	r.self = self.finish()
	if r.cut > 0 && pctx.Err() == nil {
		r.note = joinNote(fmt.Sprintf("%d calls cut off at the %v limit (duration + --step-grace; outcome unknown)", r.cut, st.duration+c.grace), r.note)
	}
	return r, err
}

// ensureStream creates the stream unless it exists, and waits for ACTIVE.
func ensureStream(ctx context.Context, cl *kinesis.Client, c config) (created bool, err error) {
	_, err = cl.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(c.stream), ShardCount: aws.Int32(int32(c.shards))})
	var inUse *types.ResourceInUseException
	switch {
	case err == nil:
		created = true
	case errors.As(err, &inUse):
	default:
		return false, fmt.Errorf("CreateStream: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := cl.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(c.stream)})
		if err != nil {
			return created, fmt.Errorf("DescribeStreamSummary: %w", err)
		}
		if d.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			return created, nil
		}
		if time.Now().After(deadline) {
			return created, fmt.Errorf("stream %s not ACTIVE after 30s", c.stream)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// payload returns a random buffer to take record data from; records share
// it (the SDK only reads Data) so the client spends no CPU making data.
func payload(size int) []byte {
	b := make([]byte, size+4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// keys is a pool of random partition keys spreading records over shards.
func keys(n int) []string {
	r := rand.New(rand.NewPCG(3, 4))
	k := make([]string, n)
	for i := range k {
		k[i] = strconv.FormatUint(r.Uint64(), 36)
	}
	return k
}

// batchBudget returns the function the put loops call before each batch:
// it reserves one batch of batchBytes and reports false once the byte
// budget (total > 0) or the deadline is spent, the context is done or a
// call failed. mu guards firstErr, which the loops set under it.
func batchBudget(ctx context.Context, mu *sync.Mutex, firstErr *error, total, batchBytes int64, deadline time.Time) func() bool {
	var reserved int64
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || *firstErr != nil || !time.Now().Before(deadline) {
			return false
		}
		if total > 0 {
			if reserved >= total {
				return false
			}
			reserved += batchBytes
		}
		return true
	}
}

// runPutRecords runs the PutRecords scenario.
func runPutRecords(ctx context.Context, cl *kinesis.Client, c config, w *written) (result, error) {
	buf := payload(c.recordSize)
	pk := keys(8192)
	batchBytes := int64(c.batch * c.recordSize)
	var (
		mu       sync.Mutex
		res      = result{name: "putrecords"}
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(c.duration)
	next := batchBudget(ctx, &mu, &firstErr, c.bytes, batchBytes, deadline)
	var wg sync.WaitGroup
	for g := range c.inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 5))
			entries := make([]types.PutRecordsRequestEntry, c.batch)
			var lat []time.Duration
			shardRecs := map[string]int64{}
			for next() {
				for i := range entries {
					off := r.IntN(4096)
					entries[i] = types.PutRecordsRequestEntry{Data: buf[off : off+c.recordSize], PartitionKey: &pk[r.IntN(len(pk))]}
				}
				t0 := time.Now()
				out, err := cl.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(c.stream), Records: entries})
				d := time.Since(t0)
				mu.Lock()
				res.calls++
				if err != nil && ctx.Err() != nil { // cut off at the step's limit: outcome unknown
					res.cut++
					w.addUnknown(int64(len(entries)))
					mu.Unlock()
					continue
				}
				if err != nil {
					res.failed++
					if closedRace(err) {
						res.races++
						w.addUnknown(int64(len(entries)))
					} else if firstErr == nil && ctx.Err() == nil {
						firstErr = fmt.Errorf("PutRecords: %w", err)
					}
					mu.Unlock()
					continue
				}
				lat = append(lat, d)
				ok := int64(len(out.Records)) - int64(aws.ToInt32(out.FailedRecordCount))
				res.records += ok
				res.recFailed += int64(aws.ToInt32(out.FailedRecordCount))
				res.bytes += ok * int64(c.recordSize)
				mu.Unlock()
				clear(shardRecs)
				for _, rr := range out.Records {
					if rr.ErrorCode == nil {
						shardRecs[aws.ToString(rr.ShardId)]++
					}
				}
				for s, n := range shardRecs {
					w.add(s, n, n*int64(c.recordSize))
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	if c.bytes > 0 && res.bytes+int64(c.inflight)*batchBytes >= c.bytes {
		res.note = fmt.Sprintf("stopped at its cap of %s", human(c.bytes))
	}
	return res, firstErr
}

// recordBudget returns the function the PutRecord loops call before each
// call: it reserves one record and reports false once limit records were
// reserved (limit ≤ 0: never).
func recordBudget(limit int64) func() bool {
	var n atomic.Int64
	return func() bool { return limit <= 0 || n.Add(1) <= limit }
}

// runPutRecord runs the single-record PutRecord scenario.
func runPutRecord(ctx context.Context, cl *kinesis.Client, c config, w *written) (result, error) {
	buf := payload(c.recordSize)
	pk := keys(8192)
	var (
		mu       sync.Mutex
		res      = result{name: "putrecord"}
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(c.putRecordDur)
	take := recordBudget(c.maxRecords)
	var wg sync.WaitGroup
	for g := range c.inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 6))
			var lat []time.Duration
			var calls, failed, races, cut, recs int64
			shardRecs := map[string]int64{}
			for ctx.Err() == nil && time.Now().Before(deadline) && take() {
				off := r.IntN(4096)
				t0 := time.Now()
				out, err := cl.PutRecord(ctx, &kinesis.PutRecordInput{
					StreamName: aws.String(c.stream), Data: buf[off : off+c.recordSize], PartitionKey: &pk[r.IntN(len(pk))],
				})
				d := time.Since(t0)
				calls++
				if err != nil && ctx.Err() != nil { // cut off at the step's limit: outcome unknown
					cut++
					w.addUnknown(1)
					break
				}
				if err != nil {
					failed++
					if closedRace(err) {
						races++
						w.addUnknown(1)
						continue
					}
					mu.Lock()
					if firstErr == nil && ctx.Err() == nil {
						firstErr = fmt.Errorf("PutRecord: %w", err)
					}
					mu.Unlock()
					break
				}
				lat = append(lat, d)
				recs++
				shardRecs[aws.ToString(out.ShardId)]++
			}
			for s, n := range shardRecs {
				w.add(s, n, n*int64(c.recordSize))
			}
			mu.Lock()
			res.calls += calls
			res.failed += failed
			res.cut += cut
			res.races += races
			res.records += recs
			res.bytes += recs * int64(c.recordSize)
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res, firstErr
}

// runReadback reads every shard from TRIM_HORIZON in parallel and checks
// the counts against w when this run created the stream.
func runReadback(ctx context.Context, cl *kinesis.Client, c config, w *written, created bool,
	read func(ctx context.Context, shard string) (n, size, calls int64, lat []time.Duration, err error)) (result, error) {
	ls, err := cl.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(c.stream)})
	if err != nil {
		return result{}, fmt.Errorf("ListShards: %w", err)
	}
	var shards []string
	for {
		for _, s := range ls.Shards {
			shards = append(shards, aws.ToString(s.ShardId))
		}
		if ls.NextToken == nil {
			break
		}
		if ls, err = cl.ListShards(ctx, &kinesis.ListShardsInput{NextToken: ls.NextToken}); err != nil {
			return result{}, fmt.Errorf("ListShards: %w", err)
		}
	}
	par := c.readInflight
	if par <= 0 {
		par = len(shards)
	}
	sem := make(chan struct{}, par)
	var (
		mu       sync.Mutex
		res      = result{name: "readback (" + c.client + ")"}
		firstErr error
		got      = map[string][2]int64{}
	)
	start := time.Now()
	var wg sync.WaitGroup
	for _, shard := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			n, b, calls, lat, err := read(ctx, shard)
			mu.Lock()
			defer mu.Unlock()
			res.calls += calls
			res.records += n
			res.bytes += b
			res.lat = append(res.lat, lat...)
			got[shard] = [2]int64{n, b}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	if firstErr != nil {
		return res, firstErr
	}
	if !created {
		res.note = "stream existed before this run: counts not verified"
		return res, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Every acknowledged record must be there; records of calls with an
	// unknown outcome may be there too, but nothing else.
	var bad []string
	var acked int64
	for _, s := range shards {
		acked += w.records[s]
		if got[s][0] < w.records[s] || got[s][1] < w.bytes[s] {
			bad = append(bad, fmt.Sprintf("%s: read %d records/%d B, acknowledged %d/%d", s, got[s][0], got[s][1], w.records[s], w.bytes[s]))
		}
	}
	if res.records > acked+w.unknown {
		bad = append(bad, fmt.Sprintf("read %d records in all, but only %d were acknowledged and %d unknown", res.records, acked, w.unknown))
	}
	if len(bad) > 0 {
		return res, fmt.Errorf("read-back does not match what was written:\n  %s", strings.Join(bad, "\n  "))
	}
	res.verified = true
	res.note = fmt.Sprintf("verified: all %d acknowledged records read back", acked)
	if w.unknown > 0 {
		res.note += fmt.Sprintf(" (+%d of %d with unknown outcome)", res.records-acked, w.unknown)
	}
	return res, nil
}

// readShard reads one shard to its end; the end is the first empty
// GetRecords answer with MillisBehindLatest 0.
func readShard(ctx context.Context, cl *kinesis.Client, stream, shard string) (n, size, calls int64, lat []time.Duration, err error) {
	it, err := cl.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("GetShardIterator %s: %w", shard, err)
	}
	iter := it.ShardIterator
	retries := 0
	for iter != nil {
		t0 := time.Now()
		out, err := cl.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		calls++
		if err != nil && closedRace(err) && retries < 5 {
			retries++ // GetRecords is idempotent: ask again with the same iterator
			continue
		}
		if err != nil {
			return n, size, calls, lat, fmt.Errorf("GetRecords %s after %d records: %w", shard, n, err)
		}
		lat = append(lat, time.Since(t0))
		for _, r := range out.Records {
			size += int64(len(r.Data))
		}
		n += int64(len(out.Records))
		if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
			break
		}
		iter = out.NextShardIterator
	}
	return n, size, calls, lat, nil
}

// pct returns the p-th percentile (0..100) of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func human(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	default:
		return fmt.Sprintf("%d B", b)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// report prints the results as markdown tables.
func report(out io.Writer, c config, rs []result) {
	fmt.Fprintln(out, "| scenario | wall s | calls | failed calls (SDK conn race) | failed records | records | payload | MiB/s | records/s | calls/s | p50 ms | p99 ms | max ms |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		slices.Sort(r.lat)
		sec := r.wall.Seconds()
		fmt.Fprintf(out, "| %s | %.1f | %d | %d (%d) | %d | %d | %s | %.1f | %.0f | %.0f | %s | %s | %s |\n",
			r.name, sec, r.calls, r.failed, r.races, r.recFailed, r.records, human(r.bytes),
			float64(r.bytes)/(1<<20)/sec, float64(r.records)/sec, float64(r.calls)/sec,
			ms(pct(r.lat, 50)), ms(pct(r.lat, 99)), ms(pct(r.lat, 100)))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scenario | server CPU cores (avg) | server CPU s per GiB | server RSS start → end MiB | server RSS min / max MiB | server peak RSS (VmHWM) MiB | loadgen CPU cores (avg) | note |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		srv, perGiB := "n/a", "n/a"
		rss, rssMM, peak := "n/a", "n/a", "n/a"
		if r.server.err == nil || r.server.wall > 0 {
			srv = fmt.Sprintf("%.2f", r.server.cores())
			if r.bytes > 0 {
				perGiB = fmt.Sprintf("%.2f", r.server.cpu.Seconds()/(float64(r.bytes)/(1<<30)))
			}
			rss = fmt.Sprintf("%.0f → %.0f", float64(r.server.rssStart)/1024, float64(r.server.rssEnd)/1024)
			rssMM = fmt.Sprintf("%.0f / %.0f", float64(r.server.rssMin)/1024, float64(r.server.rssMax)/1024)
			peak = fmt.Sprintf("%.0f", float64(r.server.peakKiB)/1024)
			if !r.server.peakReset {
				peak += " (since start)"
			}
		}
		note := r.note
		if r.err != nil {
			note = strings.TrimSpace("FAILED: " + strings.ReplaceAll(r.err.Error(), "\n", " ") + " " + note)
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %.2f | %s |\n", r.name, srv, perGiB, rss, rssMM, peak, r.self.cores(), note)
	}
	fmt.Fprintln(out)
	for _, r := range rs {
		if c.bytes > 0 && strings.HasPrefix(r.name, "putrecords") && len(r.server.samples) > 0 {
			fmt.Fprintf(out, "Server RSS (MiB) every %v during putrecords: ", c.sampleEvery)
			parts := make([]string, len(r.server.samples))
			for i, v := range r.server.samples {
				parts[i] = fmt.Sprintf("%.0f", v)
			}
			fmt.Fprintf(out, "%s\n\n", strings.Join(parts, " "))
		}
	}
}
