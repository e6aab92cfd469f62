package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       time.Duration
		err        string
	}{
		{"plain", "3761 (cat) R 3758 3758 30657 0 -1 4194304 102 0 0 0 250 75 0 0 20 0 1 0 866965 3133440 390", 3250 * time.Millisecond, ""},
		{"comm with spaces and parentheses", "42 (node (worker) x) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 6 7", 30 * time.Millisecond, ""},
		{"no paren", "42 node S 1", 0, "no ')'"},
		{"truncated", "42 (x) S 1 2 3", 0, "fields after comm"},
		{"bad number", "42 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 2 0", 0, "bad utime/stime"},
	} {
		got, err := parseStat([]byte(tc.stat))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	const ok = "Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\nThreads:\t11\n"
	rss, hwm, err := parseStatus([]byte(ok))
	if err != nil || rss != 65432 || hwm != 123456 {
		t.Fatalf("parseStatus = %d, %d, %v", rss, hwm, err)
	}
	for _, tc := range []struct{ name, status, err string }{
		{"zombie: no Vm lines", "Name:\tx\nState:\tZ (zombie)\n", "no VmRSS/VmHWM"},
		{"only RSS", "VmRSS:\t 1 kB\n", "no VmRSS/VmHWM"},
		{"bad unit", "VmHWM:\t 1 MB\nVmRSS:\t 1 kB\n", "bad VmHWM line"},
		{"bad number", "VmHWM:\t x kB\nVmRSS:\t 1 kB\n", "bad VmHWM value"},
	} {
		if _, _, err := parseStatus([]byte(tc.status)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
	}
}

// TestReadProcSelf checks the parsers against the running kernel's files.
func TestReadProcSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.rssKiB <= 0 || s.hwmKiB < s.rssKiB {
		t.Errorf("rss %d KiB, hwm %d KiB: want 0 < rss ≤ hwm", s.rssKiB, s.hwmKiB)
	}
	if err := resetPeak(os.Getpid()); err != nil {
		t.Logf("clear_refs not writable here: %v", err)
	}
}

func TestSettle(t *testing.T) {
	if w, idle := settle(context.Background(), -1, time.Minute); w != 0 || !idle {
		t.Errorf("no pid: waited %v, idle %v", w, idle)
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// This test process is idle while it sleeps in settle.
	if w, idle := settle(context.Background(), os.Getpid(), 5*time.Second); !idle || w > 4*time.Second {
		t.Errorf("idle process: waited %v, idle %v", w, idle)
	}
	// A process that does not exist is not idle, and is not waited for.
	if w, idle := settle(context.Background(), 1<<30, 5*time.Second); idle || w > time.Second {
		t.Errorf("missing process: waited %v, idle %v", w, idle)
	}
	// A busy process is waited for until the limit (two spinning
	// goroutines: well over 10 % of a core even on a loaded machine).
	stop := make(chan struct{})
	defer close(stop)
	for range 2 {
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	if w, idle := settle(context.Background(), os.Getpid(), 700*time.Millisecond); idle || w < 600*time.Millisecond {
		t.Errorf("busy process: waited %v, idle %v", w, idle)
	}
}
