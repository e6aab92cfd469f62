package main

import (
	"fmt"
	"strings"
	"time"
)

// profile bounds one benchmark run: the workloads (a bench/loadgen
// --plan) and every time limit. Each put step stops starting calls after
// its duration or record cap, and cancels calls still unanswered grace
// later; the read-back has its own limit; loadgen as a whole is killed at
// loadgenLimit. grace and settle are long because kinesis-mock takes
// about a second per 500-record PutRecords on a 2-core machine, so 16 in
// flight queue for ~16 s; a canceled call is still processed by the
// server and slows the next step, which settle waits out.
type profile struct {
	name         string
	steps        []string
	grace        time.Duration // --step-grace
	settle       time.Duration // --settle
	loadgenLimit time.Duration // per target
	readyLimit   time.Duration // server start-up
	diskFor      time.Duration // raw write measurement per chunk size
	diskLimit    int64         // bytes per chunk size
}

// plan is the --plan string for loadgen.
func (p profile) plan() string { return strings.Join(p.steps, "; ") }

// diskChunks are the raw write sizes: one PutRecords batch of 500 × 1 KiB
// as the shard log frames it (about 540 KB; internal/shardlog's
// BenchmarkRawWriteSync uses the same), and 4 MiB, what group commit
// writes per fdatasync when many batches are in flight.
var diskChunks = []int{540_000, 4 << 20}

// putStep is the workload the durable-ingest fraction is computed for.
const putStep = "putrecords-1024x500-c16"

func steps(d time.Duration, recs1K, recs100, recsSingle int64, readLimit time.Duration) []string {
	return []string{
		fmt.Sprintf("putrecords size=1024 batch=500 inflight=4 duration=%v records=%d", d, recs1K),
		fmt.Sprintf("putrecords size=1024 batch=500 inflight=16 duration=%v records=%d", d, recs1K),
		fmt.Sprintf("putrecords size=100 batch=500 inflight=16 duration=%v records=%d", d, recs100),
		fmt.Sprintf("putrecord size=1024 inflight=16 duration=%v records=%d", d, recsSingle),
		fmt.Sprintf("readback duration=%v", readLimit),
	}
}

var (
	// fullProfile is the published run: 10 s per put step, at most
	// ~1.9 GiB per 1 KiB step (rheo reaches it in ~6 s).
	fullProfile = profile{
		name:         "full",
		steps:        steps(10*time.Second, 2_000_000, 5_000_000, 200_000, 2*time.Minute),
		grace:        60 * time.Second,
		settle:       60 * time.Second,
		loadgenLimit: 15 * time.Minute,
		readyLimit:   60 * time.Second,
		diskFor:      5 * time.Second,
		diskLimit:    4 << 30,
	}
	// quickProfile checks that everything works in about a minute per
	// target; its figures are not for publishing.
	quickProfile = profile{
		name:         "quick",
		steps:        steps(2*time.Second, 200_000, 500_000, 20_000, 30*time.Second),
		grace:        30 * time.Second,
		settle:       30 * time.Second,
		loadgenLimit: 6 * time.Minute,
		readyLimit:   60 * time.Second,
		diskFor:      time.Second,
		diskLimit:    512 << 20,
	}
)
