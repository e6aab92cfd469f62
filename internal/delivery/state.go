package delivery

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/meta"
)

// metaNS is the meta namespace of delivery streams: key = stream name,
// value = a stored (definition and engine state in one JSON document, so a
// batch commit and an UpdateDestination are each one atomic meta Put).
const metaNS = "delivery"

// stored is the meta record of one delivery stream.
type stored struct {
	Def   Definition  `json:"def"`
	State engineState `json:"state"`
}

// engineState is the delivery progress of a stream.
type engineState struct {
	// SourceUID is the UID of the Kinesis source stream being read: the
	// stream of that name at Create, then the one that replaced it if the
	// source was deleted and re-created (the worker follows the name, as
	// Firehose follows the stream's ARN, and reads the new stream from its
	// trim horizon).
	SourceUID uint64 `json:"sourceUid,omitempty"`
	// Next is, per source shard index, the first offset not yet delivered
	// (the checkpoint). A Kinesis shard missing here (a child made by a
	// reshard after Create) starts at its trim horizon.
	Next map[uint32]uint64 `json:"next"`
	// Seq is the sequence number of the next batch.
	Seq uint64 `json:"seq"`
	// Plan is the batch being delivered, persisted before any object is
	// written; nil when none.
	Plan *batchPlan `json:"plan,omitempty"`
	// Lost counts records that expired from the log before delivery.
	Lost int64 `json:"lost,omitempty"`
	// Deleting is set when Delete has started: New finishes the deletion.
	Deleting bool `json:"deleting,omitempty"`
}

// batchPlan is one batch: its inputs are fixed before anything is written,
// so a replay after a crash writes the same objects under the same keys.
type batchPlan struct {
	Seq     uint64    `json:"seq"`
	Random  string    `json:"random"`
	Spec    Spec      `json:"spec"`
	Ranges  []span    `json:"ranges"`
	Planned time.Time `json:"planned"`
}

// span is the offset range [From, To) of one source shard in a batch.
type span struct {
	Shard uint32 `json:"shard"`
	From  uint64 `json:"from"`
	To    uint64 `json:"to"`
}

// clone deep-copies v through JSON, so callers never share maps, pointers
// or raw messages with the Manager's copy.
func clone[T any](v T) T {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("delivery: clone: %v", err)) // only plain data types: cannot fail
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("delivery: clone: %v", err))
	}
	return out
}

// putStored writes rec under its name.
func putStored(ms *meta.Store, rec *stored) error {
	if err := ms.Put(metaNS, rec.Def.Name, rec); err != nil {
		return fmt.Errorf("delivery: store %s: %w", rec.Def.Name, err)
	}
	return nil
}

// loadAll reads every stored delivery stream.
func loadAll(ms *meta.Store) ([]*stored, error) {
	var out []*stored
	err := ms.Scan(metaNS, "", func(key string, value []byte) error {
		rec := new(stored)
		if err := json.Unmarshal(value, rec); err != nil {
			return fmt.Errorf("decode %s: %w", key, err)
		}
		if rec.State.Next == nil {
			rec.State.Next = make(map[uint32]uint64)
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: load: %w", err)
	}
	return out, nil
}

// cloneDef deep-copies a definition; an absent API state stays nil (JSON
// would turn it into "null").
func cloneDef(d Definition) Definition {
	c := clone(d)
	if len(d.API) == 0 || string(d.API) == "null" {
		c.API = nil
	}
	return c
}
