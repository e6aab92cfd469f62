package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spf13/cobra"

	"github.com/rheo-dev/rheo/internal/kpl"
)

// tailOptions are the flags of "rheo tail".
type tailOptions struct {
	clientFlags
	stream  string
	from    string
	json    bool
	follow  bool
	max     int64
	shards  []string
	limit   int32
	maxIdle time.Duration
	deagg   bool
}

func newTailCommand() *cobra.Command {
	o := &tailOptions{}
	cmd := &cobra.Command{
		Use:   "tail --stream NAME",
		Short: "Print the records of a stream as they arrive",
		Long: `Print the records of every shard of a stream, one line each (a newline is
added when the data lacks one), or one JSON object per record with --json.

--from is where to start in each shard: "latest" (only new records),
"trim-horizon" (the oldest kept), an RFC 3339 time, or a sequence number
(the shard it belongs to starts there, the other open shards at latest).
When a shard is closed by resharding, its children are followed after it.
Records aggregated by the Kinesis Producer Library (or any producer of its
aggregation format) are printed as their user records, as the KCL delivers
them; with --json each has its subSequenceNumber. --deaggregate=false prints
the records as stored.
Stops on SIGINT, after --max records, or, with --follow=false, once every
shard is read to its end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, err := o.client(cmd.Context())
			if err != nil {
				return err
			}
			err = runTail(cmd.Context(), client, o.job(cmd.OutOrStdout(), cmd.ErrOrStderr()))
			if errors.Is(err, context.Canceled) {
				return nil // SIGINT: a normal way to stop tailing
			}
			return err
		},
	}
	o.clientFlags.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.stream, "stream", "", "stream name (required)")
	f.StringVar(&o.from, "from", "latest", `start position: latest, trim-horizon, an RFC 3339 time or a sequence number`)
	f.BoolVar(&o.json, "json", false, "print one JSON object per record (shardId, sequenceNumber, partitionKey, arrivalTime, data or dataBase64)")
	f.BoolVar(&o.follow, "follow", true, "keep waiting for new records; with false, stop when every shard is read to its end")
	f.Int64Var(&o.max, "max", 0, "stop after this many records (0: no limit)")
	f.StringSliceVar(&o.shards, "shard", nil, "only these shard ids (default: all)")
	f.Int32Var(&o.limit, "limit", 10000, "records per GetRecords call")
	f.BoolVar(&o.deagg, "deaggregate", true, "print the user records of KPL aggregated records, as the KCL does; false prints the records as stored")
	_ = cmd.MarkFlagRequired("stream")
	return cmd
}

func (o *tailOptions) job(out, errOut io.Writer) tailJob {
	return tailJob{
		stream: o.stream, from: o.from, json: o.json, follow: o.follow, max: o.max,
		shards: o.shards, limit: o.limit, deagg: o.deagg, out: out, errOut: errOut,
	}
}

// tailAPI is the part of the Kinesis client tail needs.
type tailAPI interface {
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
	GetShardIterator(ctx context.Context, in *kinesis.GetShardIteratorInput, optFns ...func(*kinesis.Options)) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *kinesis.GetRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.GetRecordsOutput, error)
}

// tailJob is everything runTail needs.
type tailJob struct {
	stream  string
	from    string
	json    bool
	follow  bool
	max     int64
	shards  []string
	limit   int32
	deagg   bool // print the user records of KPL aggregates
	out     io.Writer
	errOut  io.Writer
	minPoll time.Duration // delay after an empty read; 0 means 200ms
	maxPoll time.Duration // cap of that delay as reads stay empty; 0 means 1s
}

// startPos is a parsed --from.
type startPos struct {
	typ  types.ShardIteratorType
	ts   time.Time
	seq  string
	desc string
}

func parseFrom(s string) (startPos, error) {
	switch strings.ToLower(s) {
	case "latest", "":
		return startPos{typ: types.ShardIteratorTypeLatest, desc: "latest"}, nil
	case "trim-horizon", "trim_horizon", "oldest", "earliest":
		return startPos{typ: types.ShardIteratorTypeTrimHorizon, desc: "trim-horizon"}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return startPos{typ: types.ShardIteratorTypeAtTimestamp, ts: t, desc: s}, nil
	}
	if strings.Trim(s, "0123456789") == "" {
		return startPos{typ: types.ShardIteratorTypeAtSequenceNumber, seq: s, desc: s}, nil
	}
	return startPos{}, fmt.Errorf("--from %q: want latest, trim-horizon, an RFC 3339 time or a sequence number", s)
}

// tailer follows the shards of one stream.
//
// One goroutine per shard reads it from its start position. Shards whose
// parents are not being read (or not listed any more) start at once; a
// child shard starts when all its parents in the listing have ended, so
// records of a partition key come out in order across a reshard.
type tailer struct {
	api  tailAPI
	job  tailJob
	from startPos

	cancel context.CancelFunc
	wg     sync.WaitGroup

	outMu   sync.Mutex // guards w, printed
	w       *bufio.Writer
	printed int64

	mu       sync.Mutex               // guards the fields below
	tracked  map[string]bool          // shards to be read, from the listing
	started  map[string]bool          // shards that got a goroutine
	ended    map[string]bool          // shards read to their end
	parents  map[string][]string      // shard → parents in the listing
	children map[string][]types.Shard // parent → children waiting for it
	err      error                    // first fatal error
}

// runTail prints records until ctx is done, job.max records are printed,
// a fatal error occurs, or, without follow, every shard is read to its
// current end.
func runTail(ctx context.Context, api tailAPI, job tailJob) error {
	from, err := parseFrom(job.from)
	if err != nil {
		return err
	}
	if job.limit <= 0 || job.limit > 10000 {
		job.limit = 10000
	}
	if job.minPoll <= 0 {
		job.minPoll = 200 * time.Millisecond
	}
	if job.maxPoll < job.minPoll {
		job.maxPoll = max(time.Second, job.minPoll)
	}
	shards, err := listShards(ctx, api, job.stream)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := &tailer{
		api: api, job: job, from: from, cancel: cancel, w: bufio.NewWriterSize(job.out, 64<<10),
		tracked: map[string]bool{}, started: map[string]bool{}, ended: map[string]bool{}, parents: map[string][]string{}, children: map[string][]types.Shard{},
	}
	listed := map[string]bool{}
	for _, sh := range shards {
		listed[aws.ToString(sh.ShardId)] = true
	}
	only := map[string]bool{}
	for _, id := range job.shards {
		if !listed[id] {
			return fmt.Errorf("stream %s has no shard %s", job.stream, id)
		}
		only[id] = true
	}
	var roots []types.Shard
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if len(only) > 0 && !only[id] {
			continue
		}
		if from.typ == types.ShardIteratorTypeLatest && sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil {
			continue // closed: nothing will ever be after its latest
		}
		t.tracked[id] = true
		var ps []string
		for _, p := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
			if p != nil && listed[*p] && (len(only) == 0 || only[*p]) && from.typ != types.ShardIteratorTypeLatest {
				ps = append(ps, *p)
			}
		}
		if len(ps) == 0 {
			roots = append(roots, sh)
			continue
		}
		t.parents[id] = ps
		for _, p := range ps {
			t.children[p] = append(t.children[p], sh)
		}
	}
	if len(roots) == 0 {
		return fmt.Errorf("stream %s: no shard to read", job.stream)
	}
	t.mu.Lock()
	for _, sh := range roots {
		t.startLocked(ctx, aws.ToString(sh.ShardId))
	}
	t.mu.Unlock()
	t.wg.Wait()

	t.outMu.Lock()
	flushErr := t.w.Flush()
	t.outMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	if flushErr != nil {
		return fmt.Errorf("write output: %w", flushErr)
	}
	if job.max > 0 && t.printed >= job.max {
		return nil
	}
	return context.Cause(ctx)
}

// startLocked starts reading a shard once. t.mu should be held.
func (t *tailer) startLocked(ctx context.Context, id string) {
	if t.started[id] || ctx.Err() != nil {
		return
	}
	t.started[id] = true
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		children, err := t.readShard(ctx, id)
		t.mu.Lock()
		defer t.mu.Unlock()
		if err != nil {
			if ctx.Err() == nil && t.err == nil {
				t.err = err
				t.cancel()
			}
			return
		}
		t.ended[id] = true
		// Children announced by GetRecords may be newer than our listing.
		for _, c := range children {
			cid := aws.ToString(c.ShardId)
			if _, known := t.parents[cid]; !known {
				var ps []string
				for _, p := range c.ParentShards {
					if t.tracked[p] || t.started[p] {
						ps = append(ps, p)
					}
				}
				t.parents[cid] = ps
			}
		}
		for _, c := range children {
			t.maybeStartLocked(ctx, aws.ToString(c.ShardId))
		}
		for _, c := range t.children[id] {
			t.maybeStartLocked(ctx, aws.ToString(c.ShardId))
		}
	}()
}

// maybeStartLocked starts a child shard once all its parents that are
// being read have ended. t.mu should be held.
func (t *tailer) maybeStartLocked(ctx context.Context, id string) {
	if len(t.job.shards) > 0 && !contains(t.job.shards, id) {
		return
	}
	for _, p := range t.parents[id] {
		if !t.ended[p] {
			return
		}
	}
	t.startLocked(ctx, id)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readShard reads one shard until it ends (returning its children), ctx
// is done, or, without follow, it has caught up.
func (t *tailer) readShard(ctx context.Context, id string) ([]types.ChildShard, error) {
	// Children found through resharding start at their beginning.
	pos := t.from
	t.mu.Lock()
	if _, isChild := t.parents[id]; isChild && pos.typ != types.ShardIteratorTypeAtTimestamp {
		pos = startPos{typ: types.ShardIteratorTypeTrimHorizon}
	}
	t.mu.Unlock()
	iter, err := t.iterator(ctx, id, pos)
	if err != nil {
		return nil, err
	}
	lastSeq := ""
	delay := t.job.minPoll
	for {
		out, err := t.api.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(t.job.limit)})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errorCode(err) == "ExpiredIteratorException":
			p := pos
			if lastSeq != "" {
				p = startPos{typ: types.ShardIteratorTypeAfterSequenceNumber, seq: lastSeq}
			}
			if iter, err = t.iterator(ctx, id, p); err != nil {
				return nil, err
			}
			continue
		case isRetryable(err):
			if !sleepCtx(ctx, delay) {
				return nil, ctx.Err()
			}
			delay = min(delay*2, 5*time.Second)
			continue
		default:
			return nil, fmt.Errorf("read shard %s: %w", id, err)
		}
		if len(out.Records) > 0 {
			lastSeq = aws.ToString(out.Records[len(out.Records)-1].SequenceNumber)
			if done := t.print(id, out.Records); done {
				return nil, nil
			}
			delay = t.job.minPoll
		}
		if out.NextShardIterator == nil {
			return out.ChildShards, nil
		}
		iter = out.NextShardIterator
		caughtUp := len(out.Records) == 0 || (out.MillisBehindLatest != nil && *out.MillisBehindLatest == 0 && len(out.Records) < int(t.job.limit))
		if caughtUp && !t.job.follow {
			return nil, nil
		}
		if len(out.Records) == 0 {
			t.flush()
			if !sleepCtx(ctx, delay) {
				return nil, ctx.Err()
			}
			delay = min(delay*2, t.job.maxPoll)
		}
	}
}

// iterator gets a shard iterator for a start position.
func (t *tailer) iterator(ctx context.Context, id string, pos startPos) (*string, error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(t.job.stream), ShardId: aws.String(id), ShardIteratorType: pos.typ}
	switch pos.typ {
	case types.ShardIteratorTypeAtTimestamp:
		in.Timestamp = aws.Time(pos.ts)
	case types.ShardIteratorTypeAtSequenceNumber, types.ShardIteratorTypeAfterSequenceNumber:
		in.StartingSequenceNumber = aws.String(pos.seq)
	}
	for delay := t.job.minPoll; ; delay = min(delay*2, 5*time.Second) {
		out, err := t.api.GetShardIterator(ctx, in)
		if err == nil {
			return out.ShardIterator, nil
		}
		if pos.typ == types.ShardIteratorTypeAtSequenceNumber && errorCode(err) == "InvalidArgumentException" {
			// The sequence number belongs to another shard: read this
			// one from now on.
			in.ShardIteratorType, in.StartingSequenceNumber = types.ShardIteratorTypeLatest, nil
			pos.typ = types.ShardIteratorTypeLatest
			continue
		}
		if !isRetryable(err) {
			return nil, fmt.Errorf("get iterator for shard %s at %s: %w", id, pos.typ, err)
		}
		if !sleepCtx(ctx, delay) {
			return nil, ctx.Err()
		}
	}
}

// print writes records and reports whether --max is reached (then it
// cancels the other readers). --max counts the records printed, so user
// records of aggregates each count.
func (t *tailer) print(shard string, recs []types.Record) bool {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	for i := range recs {
		r := &recs[i]
		if !t.job.deagg || !kpl.IsAggregated(r.Data) {
			t.printOne(shard, r, nil)
			continue
		}
		subs, err := kpl.Deaggregate(r.Data)
		if err != nil {
			t.printOne(shard, r, nil) // not a valid aggregate: as stored, as the KCL does
			continue
		}
		for j := range subs {
			t.printOne(shard, r, &subs[j])
		}
	}
	if t.job.max > 0 && t.printed >= t.job.max {
		t.w.Flush()
		t.cancel()
		return true
	}
	return false
}

// printOne writes one record, or user record sub of the aggregate r, unless
// --max is reached. t.outMu should be held.
func (t *tailer) printOne(shard string, r *types.Record, sub *kpl.Record) {
	if t.job.max > 0 && t.printed >= t.job.max {
		return
	}
	data := r.Data
	if sub != nil {
		data = sub.Data
	}
	if t.job.json {
		b, _ := json.Marshal(jsonRecord(shard, r, sub))
		t.w.Write(b)
		t.w.WriteByte('\n')
	} else {
		t.w.Write(data)
		if len(data) == 0 || data[len(data)-1] != '\n' {
			t.w.WriteByte('\n')
		}
	}
	t.printed++
}

func (t *tailer) flush() {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	t.w.Flush()
}

// tailRecord is the --json form of a record.
type tailRecord struct {
	ShardID        string `json:"shardId"`
	SequenceNumber string `json:"sequenceNumber"`
	// SubSequence is the position of a user record in its KPL aggregate,
	// the KCL's subSequenceNumber; absent for records not aggregated.
	SubSequence     *int            `json:"subSequenceNumber,omitempty"`
	PartitionKey    string          `json:"partitionKey"`
	ExplicitHashKey string          `json:"explicitHashKey,omitempty"`
	ArrivalTime     string          `json:"arrivalTime,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`
	DataBase64      string          `json:"dataBase64,omitempty"`
}

// jsonRecord renders the record r, or its user record sub when r is a KPL
// aggregate, with data as embedded JSON if it is JSON, as a string if it is
// UTF-8, else as base64.
func jsonRecord(shard string, r *types.Record, sub *kpl.Record) tailRecord {
	out := tailRecord{ShardID: shard, SequenceNumber: aws.ToString(r.SequenceNumber), PartitionKey: aws.ToString(r.PartitionKey)}
	data := r.Data
	if sub != nil {
		out.SubSequence = &sub.SubSequence
		out.PartitionKey = sub.PartitionKey
		out.ExplicitHashKey = sub.ExplicitHashKey
		data = sub.Data
	}
	if r.ApproximateArrivalTimestamp != nil {
		out.ArrivalTime = r.ApproximateArrivalTimestamp.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	switch {
	case len(data) > 0 && json.Valid(data):
		var c bytes.Buffer
		if err := json.Compact(&c, data); err == nil {
			out.Data = c.Bytes()
			return out
		}
		fallthrough
	case utf8.Valid(data):
		s, _ := json.Marshal(string(data))
		out.Data = s
	default:
		out.DataBase64 = base64.StdEncoding.EncodeToString(data)
	}
	return out
}

// listShards returns every shard of the stream, following pagination.
func listShards(ctx context.Context, api tailAPI, stream string) ([]types.Shard, error) {
	var shards []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(stream)}
	for {
		out, err := api.ListShards(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list shards of %s: %w", stream, err)
		}
		shards = append(shards, out.Shards...)
		if out.NextToken == nil {
			return shards, nil
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
}
