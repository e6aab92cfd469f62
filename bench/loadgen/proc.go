package main

import (
	"bufio"
	"bytes"
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
	rssKiB int64
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status. pid 0 means
// this process.
func readProc(pid int) (procSample, error) {
	dir := "/proc/self"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return s, err
	}
	// The command name (field 2) may hold spaces; fields after its
	// closing parenthesis are space-separated, state being field 3.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("%s/stat: no ')'", dir)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("%s/stat: %d fields after comm", dir, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("%s/stat: bad utime/stime %q %q", dir, f[11], f[12])
	}
	s.cpu = time.Duration(ut+st) * time.Second / clkTck

	status, err := os.Open(dir + "/status")
	if err != nil {
		return s, err
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb := strings.Fields(v)
			if len(kb) > 0 {
				s.rssKiB, _ = strconv.ParseInt(kb[0], 10, 64)
			}
			break
		}
	}
	return s, sc.Err()
}

// sampler reads a process every interval while a scenario runs and keeps
// the first, last, minimum and maximum RSS.
type sampler struct {
	pid      int
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu              sync.Mutex
	first, last     procSample
	minRSS, maxRSS  int64
	n               int
	err             error
	perSecondRSSMiB []float64
}

// startSampler begins sampling pid every interval. It returns nil when
// pid is negative (no server pid given).
func startSampler(pid int, interval time.Duration) *sampler {
	if pid < 0 {
		return nil
	}
	s := &sampler{pid: pid, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
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
		cpu:      s.last.cpu - s.first.cpu,
		wall:     s.last.at.Sub(s.first.at),
		rssStart: s.first.rssKiB,
		rssEnd:   s.last.rssKiB,
		rssMin:   s.minRSS,
		rssMax:   s.maxRSS,
		samples:  s.perSecondRSSMiB,
		err:      s.err,
	}
}
