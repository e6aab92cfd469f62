// Per-stream settings that meta.Stream has no field for — shard-level
// metrics (Enable/DisableEnhancedMonitoring), MaxRecordSizeInKiB
// (UpdateMaxRecordSize) and warm throughput (UpdateStreamWarmThroughput) —
// plus the stream lookup that encryption at rest needs.
//
// Settings are durable meta records in namespace settingsNS under the
// stream's UID ("<uid:016x>"), so a re-created stream starts clean, and are
// mirrored in memory (loaded once by New) because PutRecord consults the
// record size on every call: a read lock and a map lookup, skipped entirely
// while no stream has a non-default size.
//
// Known gaps vs AWS: records of deleted streams stay in the namespace
// (harmless: UIDs are never reused) until finishDelete drops them.
package kinesis

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// settingsNS is the meta namespace of per-stream settings.
const settingsNS = "kinesis.settings"

// streamSettings is the stored form of one stream's settings.
type streamSettings struct {
	ShardLevelMetrics   []string `json:"shardLevelMetrics,omitempty"`
	MaxRecordSizeInKiB  int64    `json:"maxRecordSizeInKiB,omitempty"` // 0: 1024
	WarmThroughputMiBps int64    `json:"warmThroughputMiBps,omitempty"`
	// Distribution is the record distribution strategy: "" or
	// USER_PARTITION_KEY (route by key), AUTO (spread evenly).
	Distribution string `json:"distribution,omitempty"`
}

// miscState is the state of the misc actions.
type miscState struct {
	mu       sync.RWMutex // guards settings; writers also hold it across the meta write
	settings map[uint64]streamSettings
	// large counts streams with MaxRecordSizeInKiB above 1024, so the
	// record actions skip the lookup while it is 0.
	large atomic.Int64
	// auto counts streams with the AUTO distribution strategy, for the
	// same reason.
	auto atomic.Int64
	// rr spreads AUTO records over a stream's open shards, round-robin.
	rr atomic.Uint64
}

// initMisc builds the limiter and loads the stored settings.
func (s *Server) initMisc() error {
	s.limits = newLimiter(&s.cfg)
	s.misc.settings = make(map[uint64]streamSettings)
	err := s.meta.Scan(settingsNS, "", func(key string, value []byte) error {
		var uid uint64
		if _, err := fmt.Sscanf(key, "%016x", &uid); err != nil {
			return fmt.Errorf("settings key %q: %w", key, err)
		}
		var ss streamSettings
		if err := json.Unmarshal(value, &ss); err != nil {
			return fmt.Errorf("decode settings %q: %w", key, err)
		}
		s.misc.settings[uid] = ss
		if ss.MaxRecordSizeInKiB > 1024 {
			s.misc.large.Add(1)
		}
		if ss.Distribution == distributionAuto {
			s.misc.auto.Add(1)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load stream settings: %w", err)
	}
	return nil
}

// settingsOf returns the settings of stream uid (zero value if none).
func (s *Server) settingsOf(uid uint64) streamSettings {
	s.misc.mu.RLock()
	defer s.misc.mu.RUnlock()
	return s.misc.settings[uid]
}

// updateSettings changes the settings of stream uid with fn and stores
// them. fn may return an error to change nothing.
func (s *Server) updateSettings(uid uint64, fn func(ss *streamSettings) error) (streamSettings, error) {
	s.misc.mu.Lock()
	defer s.misc.mu.Unlock()
	old := s.misc.settings[uid]
	ss := old
	ss.ShardLevelMetrics = append([]string(nil), old.ShardLevelMetrics...)
	if err := fn(&ss); err != nil {
		return old, err
	}
	if err := s.meta.Put(settingsNS, fmt.Sprintf("%016x", uid), &ss); err != nil {
		return old, fmt.Errorf("store settings of stream %016x: %w", uid, err)
	}
	s.misc.settings[uid] = ss
	s.misc.large.Add(countDelta(old.MaxRecordSizeInKiB > 1024, ss.MaxRecordSizeInKiB > 1024))
	s.misc.auto.Add(countDelta(old.Distribution == distributionAuto, ss.Distribution == distributionAuto))
	return ss, nil
}

// countDelta is +1, -1 or 0 for a flag going on, off or neither.
func countDelta(was, is bool) int64 {
	switch {
	case is && !was:
		return 1
	case was && !is:
		return -1
	}
	return 0
}

// recordRules are the per-stream rules the record actions validate and
// route by, for the stream named name (or by arn): maxRecord is the
// largest data plus partition key a record may have (MaxRecordSizeInKiB,
// bounded by what the shard log stores), auto reports the AUTO
// distribution strategy of an ON_DEMAND stream (partition keys optional
// and ignored). An unknown stream gets the defaults; the resolver reports
// it missing afterwards. While no stream has a non-default setting this is
// two atomic loads.
func (s *Server) recordRules(name, arn *string) (maxRecord int, auto bool) {
	maxRecord = wire.MaxRecordSize
	if s.misc.large.Load() == 0 && s.misc.auto.Load() == 0 {
		return maxRecord, false
	}
	var n string
	switch {
	case name != nil:
		n = *name
	case arn != nil:
		n = streamNameOfARN(*arn)
	}
	st, ok := s.meta.Stream(n)
	if !ok {
		return maxRecord, false
	}
	ss := s.settingsOf(st.UID)
	if kib := ss.MaxRecordSizeInKiB; kib > 1024 {
		maxRecord = int(min(kib<<10, int64(shardlog.MaxDataSize)))
	}
	return maxRecord, ss.Distribution == distributionAuto && st.Mode == meta.ModeOnDemand
}

// maxRecordBytes is recordRules' maxRecord.
func (s *Server) maxRecordBytes(name, arn *string) int {
	m, _ := s.recordRules(name, arn)
	return m
}

// autoRoutes reserves n consecutive round-robin positions for AUTO
// records; record i goes to route (base+i) mod the number of routes.
func (s *Server) autoRoutes(n int) uint64 {
	return s.misc.rr.Add(uint64(n)) - uint64(n)
}

// streamNameOfARN returns the part after ":stream/" ("" if none).
func streamNameOfARN(arn string) string {
	const sep = ":stream/"
	for i := len(arn) - len(sep); i >= 0; i-- {
		if arn[i:i+len(sep)] == sep {
			return arn[i+len(sep):]
		}
	}
	return ""
}

// enhancedMonitoring renders the stream's enabled shard-level metrics for
// DescribeStream and DescribeStreamSummary: one entry, as AWS answers.
func (s *Server) enhancedMonitoring(st *meta.Stream) []wire.EnhancedMetrics {
	m := s.settingsOf(st.UID).ShardLevelMetrics
	if m == nil {
		m = []string{}
	}
	return []wire.EnhancedMetrics{{ShardLevelMetrics: m}}
}

// EncryptionLookup returns the function atrest.Wrap needs: whether stream
// uid has encryption on, and its KeyId. It reads the store's current
// snapshot, so StartStreamEncryption and StopStreamEncryption take effect
// for the next append. A uid → name index is rebuilt when an unknown uid
// shows up (a new stream), so the append path costs two map lookups.
func EncryptionLookup(st *meta.Store) func(uid uint64) (keyID string, on bool) {
	var names atomic.Pointer[map[uint64]string]
	var mu sync.Mutex // serialises rebuilds
	var notStreams sync.Map
	rebuild := func() map[uint64]string {
		mu.Lock()
		defer mu.Unlock()
		m := make(map[uint64]string)
		for _, x := range st.Streams() {
			m[x.UID] = x.Name
		}
		names.Store(&m)
		return m
	}
	return func(uid uint64) (string, bool) {
		m := names.Load()
		var name string
		ok := false
		if m != nil {
			name, ok = (*m)[uid]
		}
		if !ok {
			if _, miss := notStreams.Load(uid); miss {
				return "", false
			}
			name, ok = rebuild()[uid]
			if !ok {
				// Another owner's log (a delivery stream's): UIDs are
				// never reused, so it will never be a stream. Remember,
				// or every append to it would rebuild the map.
				notStreams.Store(uid, struct{}{})
				return "", false
			}
		}
		x, found := st.Stream(name)
		if !found || x.UID != uid || x.EncryptionType != encryptionKMS {
			return "", false
		}
		return x.KeyID, true
	}
}
