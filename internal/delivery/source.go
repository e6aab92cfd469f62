package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// errSourceGone: the Kinesis source stream was deleted. Firehose retries
// DescribeStream, GetRecords and GetShardIterator indefinitely (Firehose
// developer guide, Troubleshooting); so does the worker, slowly, with the
// error in Status.LastError (DescribeDeliveryStream's FailureDescription).
var errSourceGone = errors.New("source Kinesis stream not found")

// errSourceRecreated: a stream of the source's name exists with another
// UID (the source was deleted and created again). The delivery stream is
// bound by the stream's ARN, which holds only the name, so it follows the
// new stream (see follow).
var errSourceRecreated = errors.New("source Kinesis stream re-created")

// srcShard is one shard a worker reads.
type srcShard struct {
	idx uint32
	id  shardlog.ShardID
}

// eligible returns the shards the worker may read now, in index order:
// the internal shard for Direct PUT; for a Kinesis source every shard not
// yet read to its end whose parents have been read to theirs, so records
// of one partition key stay in order across a reshard (children always
// have higher indexes than their parents, and batches order records by
// shard index).
func (w *worker) eligible() ([]srcShard, error) {
	if w.source == SourceDirectPut {
		return []srcShard{{idx: 0, id: internalShard(w.uid)}}, nil
	}
	src, ok := w.m.opts.Meta.Stream(w.kinesisStream)
	if !ok || src.Status == meta.StatusDeleting {
		return nil, fmt.Errorf("%w: %s", errSourceGone, w.kinesisStream)
	}
	if src.UID != w.sourceUID {
		return nil, fmt.Errorf("%w: %s", errSourceRecreated, w.kinesisStream)
	}
	byIdx := make(map[uint32]*meta.Shard, len(src.Shards))
	for i := range src.Shards {
		byIdx[src.Shards[i].Index] = &src.Shards[i]
	}
	ended := func(sh *meta.Shard) (bool, error) {
		if w.sealed[sh.Index] {
			return true, nil
		}
		if !sh.Closed {
			return false, nil
		}
		pos, err := w.position(src.UID, sh.Index)
		return pos >= sh.End, err
	}
	var out []srcShard
	for i := range src.Shards {
		sh := &src.Shards[i]
		done, err := ended(sh)
		if err != nil {
			return nil, err
		}
		if done {
			continue
		}
		ready := true
		for _, p := range []*uint32{sh.Parent, sh.AdjacentParent} {
			if p == nil || byIdx[*p] == nil {
				continue // no parent, or one no longer listed: long gone
			}
			pd, err := ended(byIdx[*p])
			if err != nil {
				return nil, err
			}
			ready = ready && pd
		}
		if !ready {
			continue
		}
		if _, err := w.position(src.UID, sh.Index); err != nil {
			return nil, err
		}
		out = append(out, srcShard{idx: sh.Index, id: shardlog.ShardID{Stream: src.UID, Shard: sh.Index}})
	}
	return out, nil
}

// position returns the read position of a shard, starting a shard the
// worker has never read (a child made after Create) at its trim horizon.
func (w *worker) position(streamUID uint64, idx uint32) (uint64, error) {
	if p, ok := w.pos[idx]; ok {
		return p, nil
	}
	p, err := w.m.opts.Log.Seek(shardlog.ShardID{Stream: streamUID, Shard: idx}, shardlog.Seek{Kind: shardlog.SeekTrimHorizon})
	if err != nil {
		if errors.Is(err, shardlog.ErrShardNotFound) {
			return 0, fmt.Errorf("%w: %s", errSourceGone, w.kinesisStream)
		}
		return 0, fmt.Errorf("seek shard %d of %s: %w", idx, w.kinesisStream, err)
	}
	w.pos[idx] = p
	return p, nil
}

// follow binds the worker to the stream now holding the source's name, as
// Firehose, which knows its source only by ARN, reads whatever stream has
// that name: after the batch in flight commits, the buffer (records of the
// old stream) is dropped and every shard of the new stream is read from
// its trim horizon, so records put into it before the worker noticed are
// delivered too. The new binding is stored before anything of the new
// stream is read.
func (w *worker) follow(ctx context.Context) error {
	src, ok := w.m.opts.Meta.Stream(w.kinesisStream)
	if !ok || src.Status == meta.StatusDeleting {
		return fmt.Errorf("%w: %s", errSourceGone, w.kinesisStream)
	}
	if !w.settle() {
		return nil // ctx done
	}
	err := w.retry(ctx, func() error {
		w.s.mu.Lock()
		defer w.s.mu.Unlock()
		rec := w.s.rec
		rec.State.SourceUID = src.UID
		rec.State.Next = make(map[uint32]uint64)
		if err := putStored(w.m.opts.Meta, &rec); err != nil {
			return err
		}
		w.s.rec = rec
		return nil
	})
	if err != nil {
		return nil // ctx done
	}
	w.m.logger.Info("delivery: source stream re-created; reading the new stream from its start",
		"stream", w.s.name(), "source", w.kinesisStream)
	w.sourceUID = src.UID
	w.reset()
	return nil
}
