package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// diskResult is the raw sequential write + fdatasync bandwidth of one
// chunk size: the most a durable (fsync-before-ack) log can ingest on
// this file system with one writer.
type diskResult struct {
	Chunk   int     `json:"chunk_bytes"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Syncs   int64   `json:"syncs"`
}

// MiBPerSec is the bandwidth in MiB/s.
func (d diskResult) MiBPerSec() float64 {
	if d.Seconds <= 0 {
		return 0
	}
	return float64(d.Bytes) / (1 << 20) / d.Seconds
}

// rawSegment is where the measurement rolls over to the file's start,
// like a shard log segment (internal/shardlog's BenchmarkRawWriteSync
// does the same), so the file stays small.
const rawSegment = 64 << 20

// measureDisk writes chunk-byte blocks sequentially to a new file in dir,
// each followed by fdatasync, for d or until limit bytes, and removes the
// file. It is what internal/shardlog's BenchmarkRawWriteSync measures,
// in the same run as the servers.
func measureDisk(ctx context.Context, dir string, chunk int, d time.Duration, limit int64) (diskResult, error) {
	path := filepath.Join(dir, fmt.Sprintf("rawwrite-%d", chunk))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return diskResult{}, fmt.Errorf("raw write: %w", err)
	}
	defer os.Remove(path)
	defer f.Close()
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = byte(i*7 + 1) // not zeros, in case the device compresses
	}
	res := diskResult{Chunk: chunk}
	start := time.Now()
	var pos int64
	for time.Since(start) < d && (limit <= 0 || res.Bytes < limit) && ctx.Err() == nil {
		if _, err := f.WriteAt(buf, pos); err != nil {
			return res, fmt.Errorf("raw write: %w", err)
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return res, fmt.Errorf("raw fdatasync: %w", err)
		}
		res.Bytes += int64(chunk)
		res.Syncs++
		pos += int64(chunk)
		if pos >= rawSegment {
			pos = 0
			if err := f.Truncate(0); err != nil {
				return res, fmt.Errorf("raw write: %w", err)
			}
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, ctx.Err()
}
