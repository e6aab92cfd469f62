package demo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// producerTick is how often the producer sends what is due; records of
// one tick go in one PutRecords call (or a few at high rates).
const producerTick = 100 * time.Millisecond

// produce writes Options.Rate records per second to the stream until ctx
// ends. A producer that falls behind (a slow disk, a paused laptop) skips
// ahead rather than bursting to catch up.
func (d *Demo) produce(ctx context.Context) {
	gen := newGenerator(d.opts.Seed)
	rate := float64(d.opts.Rate)
	start := time.Now()
	var sent int64
	tick := time.NewTicker(producerTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		due := int64(rate*time.Since(start).Seconds()) - sent
		if limit := int64(rate) + maxBatch; due > limit {
			sent += due - limit
			due = limit
		}
		for due > 0 && ctx.Err() == nil {
			n := min(due, maxBatch)
			d.putBatch(ctx, gen, int(n))
			sent += n
			due -= n
		}
	}
}

// putBatch sends n fresh records in one PutRecords call.
func (d *Demo) putBatch(ctx context.Context, gen *generator, n int) {
	now := time.Now()
	entries := make([]ktypes.PutRecordsRequestEntry, n)
	for i := range entries {
		rec := gen.next(now)
		entries[i] = ktypes.PutRecordsRequestEntry{Data: rec.encode(), PartitionKey: aws.String(rec.IP)}
	}
	out, err := d.kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(StreamName), Records: entries})
	if err != nil {
		if ctx.Err() == nil {
			d.logger.Warn("demo producer: PutRecords failed", "records", n, "err", err)
		}
		d.failed.Add(int64(n))
		return
	}
	failed := int64(aws.ToInt32(out.FailedRecordCount))
	d.produced.Add(int64(n) - failed)
	d.failed.Add(failed)
}
