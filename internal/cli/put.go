package cli

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// Kinesis PutRecords limits.
const (
	maxBatchRecords = 500
	maxBatchBytes   = 5 << 20 // data plus partition keys
	maxRecordData   = 1 << 20
	maxKeyLen       = 256
)

// putRecordsAPI is the part of the Kinesis client the putter needs; tests
// fake it.
type putRecordsAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
}

// putterConfig tunes a putter. Zero values mean the defaults of
// defaultPutterConfig.
type putterConfig struct {
	stream      string
	lanes       int           // batches in flight at once
	linger      time.Duration // longest a record waits for its batch to fill
	maxRecords  int           // records per PutRecords, at most 500
	maxBytes    int           // data+key bytes per PutRecords, at most 5 MiB
	maxAttempts int           // tries per record before it counts as failed
	baseBackoff time.Duration // first retry delay; doubles per attempt
	maxBackoff  time.Duration // retry delay cap
	// warn reports failures; nil discards.
	warn func(msg string)
	// fatal is told of a call error that every later call would get too
	// (isFatal); nil ignores it.
	fatal func(err error)
}

func defaultPutterConfig() putterConfig {
	return putterConfig{
		lanes: 4, linger: 100 * time.Millisecond, maxRecords: maxBatchRecords, maxBytes: maxBatchBytes,
		maxAttempts: 10, baseBackoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second,
	}
}

func (c *putterConfig) ensureDefaults() {
	d := defaultPutterConfig()
	if c.lanes <= 0 {
		c.lanes = d.lanes
	}
	if c.linger <= 0 {
		c.linger = d.linger
	}
	if c.maxRecords <= 0 || c.maxRecords > maxBatchRecords {
		c.maxRecords = d.maxRecords
	}
	if c.maxBytes <= 0 || c.maxBytes > maxBatchBytes {
		c.maxBytes = d.maxBytes
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = d.maxAttempts
	}
	if c.baseBackoff <= 0 {
		c.baseBackoff = d.baseBackoff
	}
	if c.maxBackoff < c.baseBackoff {
		c.maxBackoff = max(d.maxBackoff, c.baseBackoff)
	}
	if c.warn == nil {
		c.warn = func(string) {}
	}
	if c.fatal == nil {
		c.fatal = func(error) {}
	}
}

// putEntry is one record to send.
type putEntry struct {
	key  string
	data []byte
}

func (e putEntry) size() int { return len(e.key) + len(e.data) }

// putStats counts a putter's work; safe to read while it runs.
type putStats struct {
	records  atomic.Int64 // acknowledged records
	bytes    atomic.Int64 // their data bytes
	failed   atomic.Int64 // records given up on (including skipped lines)
	retries  atomic.Int64 // records sent again after a failure
	requests atomic.Int64 // PutRecords calls
	// lastErr is the error of the last call that failed records for good,
	// if they failed because of one.
	lastErr atomic.Pointer[error]
}

// putter batches records into PutRecords calls.
//
// Records are routed to one of cfg.lanes lanes by a hash of their partition
// key. Each lane is one goroutine that fills a batch (up to maxRecords,
// maxBytes, or until linger has passed since its first record), sends it and
// retries its failed records until they succeed or run out of attempts,
// then starts the next batch. So lanes batches are in flight at once, and
// records of one partition key are sent in order, except that a record
// retried after a per-record failure lands after the records of the same
// batch that succeeded at once.
type putter struct {
	api   putRecordsAPI
	cfg   putterConfig
	stats *putStats
	lanes []chan putEntry
	wg    sync.WaitGroup
}

// newPutter starts the lanes. Sends use ctx: cancelling it fails what is not
// yet acknowledged. Call close to flush and stop.
func newPutter(ctx context.Context, api putRecordsAPI, cfg putterConfig) *putter {
	cfg.ensureDefaults()
	p := &putter{api: api, cfg: cfg, stats: new(putStats)}
	for range cfg.lanes {
		ch := make(chan putEntry, cfg.maxRecords)
		p.lanes = append(p.lanes, ch)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.runLane(ctx, ch)
		}()
	}
	return p
}

// add queues a record, blocking while its lane is full. It must not be
// called after close or concurrently with it.
func (p *putter) add(ctx context.Context, e putEntry) error {
	h := fnv.New32a()
	h.Write([]byte(e.key))
	select {
	case p.lanes[int(h.Sum32()%uint32(len(p.lanes)))] <- e:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close sends every queued record and waits for the lanes to finish.
func (p *putter) close() {
	for _, ch := range p.lanes {
		close(ch)
	}
	p.wg.Wait()
}

func (p *putter) runLane(ctx context.Context, in <-chan putEntry) {
	var batch []putEntry
	size := 0
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	defer linger.Stop()
	flush := func() {
		linger.Stop()
		if len(batch) > 0 {
			p.send(ctx, batch)
		}
		batch, size = nil, 0
	}
	for {
		select {
		case e, ok := <-in:
			if !ok {
				flush()
				return
			}
			if len(batch) > 0 && size+e.size() > p.cfg.maxBytes {
				flush()
			}
			batch = append(batch, e)
			size += e.size()
			if len(batch) == 1 {
				linger.Reset(p.cfg.linger)
			}
			if len(batch) >= p.cfg.maxRecords {
				flush()
			}
		case <-linger.C:
			flush()
		}
	}
}

// send delivers one batch, retrying throttled requests and failed records
// with exponential backoff and jitter.
func (p *putter) send(ctx context.Context, batch []putEntry) {
	pending := batch
	var lastErr string
	var lastCallErr error // of the last call, if it failed whole
	defer func() {
		if len(pending) > 0 && lastCallErr != nil {
			p.stats.lastErr.Store(&lastCallErr)
		}
	}()
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			if attempt >= p.cfg.maxAttempts {
				p.fail(pending, fmt.Sprintf("giving up after %d attempts: %s", attempt, lastErr))
				return
			}
			p.stats.retries.Add(int64(len(pending)))
			if !sleepCtx(ctx, backoff(attempt, p.cfg.baseBackoff, p.cfg.maxBackoff)) {
				p.fail(pending, "interrupted: "+context.Cause(ctx).Error())
				return
			}
		}
		in := &kinesis.PutRecordsInput{StreamName: aws.String(p.cfg.stream), Records: make([]types.PutRecordsRequestEntry, len(pending))}
		for i, e := range pending {
			in.Records[i] = types.PutRecordsRequestEntry{Data: e.data, PartitionKey: aws.String(e.key)}
		}
		p.stats.requests.Add(1)
		out, err := p.api.PutRecords(ctx, in)
		lastCallErr = err
		if err != nil {
			if ctx.Err() != nil {
				p.fail(pending, "interrupted: "+err.Error())
				return
			}
			if !isRetryable(err) {
				p.fail(pending, err.Error())
				if isFatal(err) {
					p.cfg.fatal(err)
				}
				return
			}
			lastErr = err.Error()
			continue
		}
		if len(out.Records) != len(pending) {
			lastErr = fmt.Sprintf("PutRecords answered %d results for %d records", len(out.Records), len(pending))
			continue
		}
		var next []putEntry
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				next = append(next, pending[i])
				lastErr = aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage)
				continue
			}
			p.stats.records.Add(1)
			p.stats.bytes.Add(int64(len(pending[i].data)))
		}
		pending = next
	}
}

func (p *putter) fail(entries []putEntry, why string) {
	p.stats.failed.Add(int64(len(entries)))
	p.cfg.warn(fmt.Sprintf("%d records failed: %s", len(entries), why))
}

// backoff returns the delay before retry number attempt (1 for the first):
// exponential from base, capped at max, with "equal jitter" (half fixed,
// half random) so that lanes throttled together spread out.
func backoff(attempt int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// sleepCtx sleeps for d and reports true, or reports false as soon as ctx
// is done.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
