package kinesis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// repairShards creates the shard-log shards that the metadata lists but the
// log lacks. CreateStream stores the stream first and creates its shards
// second, so a crash between the two leaves exactly this state; finishing
// the job at startup makes the pair atomic as far as clients can tell
// (the stream was still CREATING when the crash hit, and nothing was
// acknowledged into those shards). It also gives the log's shards the
// retention meta stores (syncRetention), for a retention change a crash
// cut short.
func (s *Server) repairShards() error {
	var errs []error
	for _, st := range s.meta.Streams() {
		if gone(st, s.now()) {
			continue
		}
		retention := time.Duration(st.RetentionHours) * time.Hour
		for _, sh := range st.Shards {
			id := shardlog.ShardID{Stream: st.UID, Shard: sh.Index}
			if _, err := s.log.Info(id); !errors.Is(err, shardlog.ErrShardNotFound) {
				continue
			}
			s.logger.Warn("recreating shard missing from the log", "stream", st.Name, "shard", shardIDString(sh.Index))
			err := s.log.CreateShard(id, shardlog.ShardConfig{Retention: retention})
			if err == nil && sh.Closed {
				_, err = s.log.Seal(context.Background(), id)
			}
			if err != nil && !errors.Is(err, shardlog.ErrShardExists) {
				errs = append(errs, fmt.Errorf("repair shard %s of %s: %w", id, st.Name, err))
			}
		}
		// A retention change whose log writes a crash cut short.
		if err := s.syncRetention(st.Name, st.UID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
