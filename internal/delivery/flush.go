package delivery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// flush delivers the buffer as one batch and commits it.
func (w *worker) flush(ctx context.Context) error {
	if !w.settle() {
		return nil // ctx done
	}
	idxs := make([]uint32, 0, len(w.recs))
	for idx := range w.recs {
		idxs = append(idxs, idx)
	}
	sort.Slice(idxs, func(i, j int) bool { return idxs[i] < idxs[j] })
	plan := &batchPlan{Random: newRandom(), Spec: clone(w.spec()), Planned: w.m.now().UTC()}
	recs := make([][]shardlog.Record, 0, len(idxs))
	for _, idx := range idxs {
		plan.Ranges = append(plan.Ranges, span{Shard: idx, From: w.from[idx], To: w.pos[idx]})
		recs = append(recs, w.recs[idx])
	}
	// Shards read without records for the batch (only expired ones, or a
	// new child's start at its trim horizon) advance with it.
	var extra map[uint32]uint64
	w.s.mu.Lock()
	for idx, p := range w.pos {
		if _, inPlan := w.from[idx]; !inPlan && p > w.s.rec.State.Next[idx] {
			if extra == nil {
				extra = make(map[uint32]uint64)
			}
			extra[idx] = p
		}
	}
	w.s.mu.Unlock()
	// Persist the plan before writing anything.
	if err := w.retry(ctx, func() error {
		w.s.mu.Lock()
		defer w.s.mu.Unlock()
		rec := w.s.rec
		plan.Seq = rec.State.Seq
		rec.State.Plan = plan
		if err := putStored(w.m.opts.Meta, &rec); err != nil {
			return err
		}
		w.s.rec = rec
		return nil
	}); err != nil {
		return nil // ctx done
	}
	// Deliver in the background while the next buffer fills; the buffer
	// now belongs to that goroutine. If ctx ends first, the plan stays
	// and is replayed at the next start.
	held, lost := w.held, w.lost
	w.held, w.lost = nil, 0
	w.clearBuffer()
	done := make(chan error, 1)
	w.inflight = done
	go func() {
		defer release(held)
		_, err := w.deliver(ctx, plan, recs)
		if err == nil {
			err = w.commit(ctx, plan, extra, lost)
		}
		done <- err
	}()
	return nil
}

// deliver runs a batch until it succeeds or ctx is done, backing off
// between failed attempts. recs nil means read the plan's ranges (replay);
// it then returns the number of the plan's records that were gone from
// the log (see readPlan).
func (w *worker) deliver(ctx context.Context, plan *batchPlan, recs [][]shardlog.Record) (lost int64, err error) {
	attempt := 0
	if recs == nil {
		var held []shardlog.Batch
		defer func() { release(held) }()
		if err := w.retryAttempts(ctx, &attempt, func() error {
			var err error
			recs, held, lost, err = w.readPlan(ctx, plan)
			return err
		}); err != nil {
			return 0, err
		}
		n := 0
		for _, r := range recs {
			n += len(r)
		}
		if n == 0 {
			return lost, nil // nothing left to deliver: the caller commits
		}
	}
	cur := plan
	start := w.m.now()
	err = w.retryAttempts(ctx, &attempt, func() error {
		if attempt > 0 {
			// A failing batch follows UpdateDestination (AWS: "the
			// updated configuration normally takes effect within a few
			// minutes"): retrying the old destination forever would make
			// a wrong bucket impossible to fix without losing data.
			np, err := w.replan(cur)
			if err != nil {
				return err
			}
			cur = np
		}
		res, err := w.execute(ctx, cur, recs, attempt+1, start)
		if err != nil {
			return err
		}
		w.s.succeeded(res, w.m.now())
		return nil
	})
	return lost, err
}

// replan returns plan with the stream's current spec if an update changed
// it since plan was stored (the ranges, sequence number and random string
// stay), storing it first so a crash replays the new plan. Objects an
// earlier attempt wrote under the old spec stay where they are: records
// are delivered at least once. Without a change it returns plan.
func (w *worker) replan(plan *batchPlan) (*batchPlan, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	rec := w.s.rec
	if rec.Def.Spec.Version == plan.Spec.Version {
		return plan, nil
	}
	np := *plan
	np.Spec = clone(rec.Def.Spec)
	np.Ranges = slices.Clone(plan.Ranges)
	rec.State.Plan = &np
	if err := putStored(w.m.opts.Meta, &rec); err != nil {
		return nil, fmt.Errorf("store batch %d with version %d: %w", plan.Seq, np.Spec.Version, err)
	}
	w.s.rec = rec
	w.m.logger.Info("delivery: failing batch moves to the updated destination", "stream", rec.Def.Name,
		"batch", plan.Seq, "from_version", plan.Spec.Version, "to_version", np.Spec.Version)
	return &np, nil
}

// commit advances the checkpoints past the batch (and the shards in
// extra to their positions), adds lost to the count of expired records
// and clears the plan, in one meta write.
func (w *worker) commit(ctx context.Context, plan *batchPlan, extra map[uint32]uint64, lost int64) error {
	return w.retry(ctx, func() error {
		w.s.mu.Lock()
		defer w.s.mu.Unlock()
		rec := w.s.rec
		rec.State.Next = maps.Clone(rec.State.Next)
		if rec.State.Next == nil {
			rec.State.Next = make(map[uint32]uint64)
		}
		for _, r := range plan.Ranges {
			rec.State.Next[r.Shard] = r.To
		}
		for idx, p := range extra {
			rec.State.Next[idx] = max(rec.State.Next[idx], p)
		}
		rec.State.Plan = nil
		rec.State.Seq = plan.Seq + 1
		rec.State.Lost += lost
		if err := putStored(w.m.opts.Meta, &rec); err != nil {
			return err
		}
		w.s.rec = rec
		return nil
	})
}

// readPlan reads a plan's ranges back from the log; the records alias the
// returned batches. A Kinesis source shard that no longer exists (its
// stream was deleted, or it was a closed shard whose records all expired)
// cannot be read by anyone any more: its range's records are counted in
// lost instead of failing the replay for ever.
func (w *worker) readPlan(ctx context.Context, plan *batchPlan) (out [][]shardlog.Record, held []shardlog.Batch, lost int64, err error) {
	out = make([][]shardlog.Record, len(plan.Ranges))
	for i, r := range plan.Ranges {
		id := internalShard(w.uid)
		if w.source == SourceKinesis {
			id = shardlog.ShardID{Stream: w.sourceUID, Shard: r.Shard}
		}
		for pos := r.From; pos < r.To; {
			b, err := w.m.opts.Log.Read(ctx, id, pos, readMaxRecords, 4*readMaxBytes)
			if err != nil && w.source == SourceKinesis && errors.Is(err, shardlog.ErrShardNotFound) {
				lost += int64(r.To - pos)
				w.m.logger.Warn("delivery: a pending batch's source shard is gone; its records are counted as lost",
					"stream", w.s.name(), "batch", plan.Seq, "source", w.kinesisStream, "shard", r.Shard, "records", r.To-pos)
				break
			}
			if err != nil {
				release(held)
				return nil, nil, 0, fmt.Errorf("replay batch %d: read %s: %w", plan.Seq, id, err)
			}
			for _, rec := range b.Records {
				if rec.Offset >= r.To {
					break
				}
				out[i] = append(out[i], rec)
			}
			n := len(b.Records)
			b.Records = nil // copied to out; keep only the data buffers
			held = append(held, b)
			if b.Next <= pos || n == 0 {
				break
			}
			pos = b.Next
		}
	}
	return out, held, lost, nil
}
