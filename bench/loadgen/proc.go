package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/<pid>/stat. It is
// 100 on every Linux architecture Go supports (the kernel fixes it for
// user space regardless of CONFIG_HZ).
const clkTck = 100

// procSample is one reading of a process's CPU time and resident memory.
type procSample struct {
	at     time.Time
	cpu    time.Duration // utime+stime
	rssKiB int64         // VmRSS
	hwmKiB int64         // VmHWM: peak RSS since start or the last peak reset
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status. pid 0 means
// this process.
func readProc(pid int) (procSample, error) {
	dir := procDir(pid)
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, err
	}
	if s.cpu, err = parseStat(stat); err != nil {
		return s, fmt.Errorf("%s/stat: %w", dir, err)
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return s, err
	}
	if s.rssKiB, s.hwmKiB, err = parseStatus(status); err != nil {
		return s, fmt.Errorf("%s/status: %w", dir, err)
	}
	return s, nil
}

func procDir(pid int) string {
	if pid == 0 {
		return "/proc/self"
	}
	return "/proc/" + strconv.Itoa(pid)
}

// parseStat returns utime+stime from the text of /proc/<pid>/stat
// (proc(5)). The command name (field 2) may hold spaces and parentheses;
// fields after its last closing parenthesis are space-separated, state
// being field 3, utime 14 and stime 15.
func parseStat(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no ')'")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after comm, want ≥ 13", len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil || ut < 0 || st < 0 {
		return 0, fmt.Errorf("bad utime/stime %q %q", f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

// parseStatus returns VmRSS and VmHWM in KiB from the text of
// /proc/<pid>/status. A kernel thread or zombie has neither: that is an
// error, not zero, so a dead server is not reported as using no memory.
func parseStatus(status []byte) (rssKiB, hwmKiB int64, err error) {
	var haveRSS, haveHWM bool
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("bad %s line %q", k, sc.Text())
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad %s value %q", k, f[0])
		}
		if k == "VmRSS" {
			rssKiB, haveRSS = n, true
		} else {
			hwmKiB, haveHWM = n, true
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if !haveRSS || !haveHWM {
		return 0, 0, fmt.Errorf("no VmRSS/VmHWM (process exited?)")
	}
	return rssKiB, hwmKiB, nil
}

// resetPeak resets the process's VmHWM to its current RSS by writing 5 to
// /proc/<pid>/clear_refs (proc(5), Linux ≥ 4.0), so each step's peak is
// its own. It needs the same user as the process; the caller reports
// whether it worked.
func resetPeak(pid int) error {
	return os.WriteFile(procDir(pid)+"/clear_refs", []byte("5"), 0)
}

// sampler reads a process every interval while a scenario runs and keeps
// the first, last, minimum and maximum RSS.
type sampler struct {
	pid      int
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}

	peakReset       bool // VmHWM was reset at the start
	mu              sync.Mutex
	first, last     procSample
	minRSS, maxRSS  int64
	n               int
	err             error
	perSecondRSSMiB []float64
}

// startSampler begins sampling pid every interval, first resetting its
// peak RSS when reset is set. It returns nil when pid is negative (no
// server pid given).
func startSampler(pid int, interval time.Duration, reset bool) *sampler {
	if pid < 0 {
		return nil
	}
	s := &sampler{pid: pid, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	if reset {
		s.peakReset = resetPeak(pid) == nil
	}
	s.take()
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.take()
				return
			case <-t.C:
				s.take()
			}
		}
	}()
	return s
}

func (s *sampler) take() {
	p, err := readProc(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	if s.n == 0 {
		s.first, s.minRSS, s.maxRSS = p, p.rssKiB, p.rssKiB
	}
	s.last = p
	s.minRSS = min(s.minRSS, p.rssKiB)
	s.maxRSS = max(s.maxRSS, p.rssKiB)
	s.perSecondRSSMiB = append(s.perSecondRSSMiB, float64(p.rssKiB)/1024)
	s.n++
}

// procStats summarizes a sampler over a scenario.
type procStats struct {
	cpu                              time.Duration
	wall                             time.Duration
	rssStart, rssEnd, rssMin, rssMax int64 // KiB
	peakKiB                          int64 // VmHWM at the end: the step's peak if peakReset, else the process's
	peakReset                        bool
	samples                          []float64
	err                              error
}

// cores is the average number of CPU cores used.
func (p procStats) cores() float64 {
	if p.wall <= 0 {
		return 0
	}
	return p.cpu.Seconds() / p.wall.Seconds()
}

// finish stops the sampler and returns its summary.
func (s *sampler) finish() procStats {
	if s == nil {
		return procStats{err: fmt.Errorf("no --server-pid")}
	}
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return procStats{
		cpu:       s.last.cpu - s.first.cpu,
		wall:      s.last.at.Sub(s.first.at),
		rssStart:  s.first.rssKiB,
		rssEnd:    s.last.rssKiB,
		rssMin:    s.minRSS,
		rssMax:    s.maxRSS,
		peakKiB:   s.last.hwmKiB,
		peakReset: s.peakReset,
		samples:   s.perSecondRSSMiB,
		err:       s.err,
	}
}

// settle waits until process pid uses under 10 % of a core over 300 ms,
// for at most limit. It returns how long it waited and whether the
// process went idle. Without a pid it returns at once.
func settle(ctx context.Context, pid int, limit time.Duration) (waited time.Duration, idle bool) {
	if pid <= 0 || limit <= 0 {
		return 0, true
	}
	const window = 300 * time.Millisecond
	start := time.Now()
	for time.Since(start) < limit && ctx.Err() == nil {
		a, err := readProc(pid)
		if err != nil {
			return time.Since(start), false
		}
		select {
		case <-ctx.Done():
		case <-time.After(window):
		}
		b, err := readProc(pid)
		if err != nil {
			return time.Since(start), false
		}
		if b.cpu-a.cpu < window/10 {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}
