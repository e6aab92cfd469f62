package server

import (
	"log/slog"
	"path/filepath"
	"time"

	"github.com/rheo-dev/rheo/internal/shardlog"
)

// parseSync checks a sync policy name.
func parseSync(s string) (shardlog.SyncPolicy, error) {
	return shardlog.ParseSyncPolicy(s)
}

// defaultPreallocate is the server's shard log preallocation: 1 MiB per
// shard taking small synced appends (docs/benchmarks.md, PutRecord).
const defaultPreallocate = 1 << 20

// defaultJournal is the server's shard log journal: at PutRecord's rate
// on a 2-core machine it fills, and checkpoints, every few seconds.
const defaultJournal = 32 << 20

// logOptions turns the config into shard log options rooted at
// <dataDir>/streams.
func logOptions(cfg *Config, dataDir string, logger *slog.Logger) (shardlog.Options, error) {
	pol, err := parseSync(cfg.Sync)
	if err != nil {
		return shardlog.Options{}, err
	}
	opts := shardlog.DefaultOptions()
	opts.Dir = filepath.Join(dataDir, "streams")
	opts.Sync = pol
	if cfg.SyncInterval > 0 {
		opts.SyncInterval = cfg.SyncInterval
	}
	if cfg.SegmentSize > 0 {
		opts.SegmentSize = cfg.SegmentSize
	}
	switch {
	case cfg.Preallocate > 0:
		opts.Preallocate = cfg.Preallocate
	case cfg.Preallocate == 0:
		opts.Preallocate = defaultPreallocate
	}
	switch {
	case cfg.Journal > 0:
		opts.Journal = cfg.Journal
	case cfg.Journal == 0:
		opts.Journal = defaultJournal
	}
	opts.MaxOpenFiles = segmentHandles(openFileLimit())
	opts.Logger = logger
	return opts, nil
}

// segmentHandles sizes the shard log's cache of open segment files for a
// descriptor limit: a quarter of it, between 16 and 256 (the storage
// default), leaving the rest to client connections, DuckDB, meta.db and
// the lake. Under `ulimit -n 256` a cache of 256 took every descriptor, and
// appends to further shards failed with "too many open files".
func segmentHandles(limit uint64) int {
	if limit == 0 {
		return 0 // the storage default
	}
	return int(min(max(limit/4, 16), 256))
}

// openLog opens the durable shard log under <dataDir>/streams; observeSync
// is told each fdatasync's duration (metrics).
func openLog(cfg *Config, dataDir string, logger *slog.Logger, observeSync func(time.Duration)) (shardlog.Log, error) {
	opts, err := logOptions(cfg, dataDir, logger)
	if err != nil {
		return nil, err
	}
	opts.SyncObserver = observeSync
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	f, err := shardlog.OpenFile(opts)
	if err != nil {
		return nil, err
	}
	return f, nil
}
