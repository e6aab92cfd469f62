package delivery

import (
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Status reports the delivery health of the named stream.
func (m *Manager) Status(name string) (Status, bool) {
	s := m.lookup(name)
	if s == nil {
		return Status{}, false
	}
	s.mu.Lock()
	st := s.st
	st.Lost += s.rec.State.Lost
	next := make(map[uint32]uint64, len(s.rec.State.Next))
	for k, v := range s.rec.State.Next {
		next[k] = v
	}
	def := s.rec.Def
	sourceUID := s.rec.State.SourceUID
	s.mu.Unlock()

	for _, sh := range m.sourceShards(def, sourceUID) {
		info, err := m.opts.Log.Info(sh)
		if err != nil {
			continue
		}
		from, ok := next[sh.Shard]
		if !ok || from < info.TrimHorizon {
			from = info.TrimHorizon
		}
		if info.Next <= from {
			continue
		}
		st.Backlog += int64(info.Next - from)
		if ts := m.arrivalAt(sh, from); ts > 0 {
			if t := msTime(ts); st.OldestPending.IsZero() || t.Before(st.OldestPending) {
				st.OldestPending = t
			}
		}
	}
	return st, true
}

// sourceShards lists every log shard a stream reads (for status only).
func (m *Manager) sourceShards(def Definition, sourceUID uint64) []shardlog.ShardID {
	if def.Spec.Source == SourceDirectPut {
		return []shardlog.ShardID{internalShard(def.UID)}
	}
	src, ok := m.opts.Meta.Stream(def.Spec.KinesisStream)
	if !ok || src.UID != sourceUID {
		return nil
	}
	out := make([]shardlog.ShardID, 0, len(src.Shards))
	for _, sh := range src.Shards {
		out = append(out, shardlog.ShardID{Stream: src.UID, Shard: sh.Index})
	}
	return out
}

// arrivalAt returns the arrival time (ms) of the first readable record at
// or after offset, 0 if none.
func (m *Manager) arrivalAt(id shardlog.ShardID, offset uint64) int64 {
	b, err := m.opts.Log.Read(m.ctx, id, offset, 1, 1)
	if err != nil || len(b.Records) == 0 {
		return 0
	}
	defer b.Release()
	return b.Records[0].Timestamp
}
