package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine is what the reader needs to judge the figures.
type machine struct {
	NProc      int    `json:"nproc"`
	CPU        string `json:"cpu"`
	Memory     string `json:"memory"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	Node       string `json:"node"`
	Filesystem string `json:"filesystem"`
	Commit     string `json:"commit"`
	RheoFrom   string `json:"rheo_from"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
	Peers      string `json:"peers"`
}

func describeMachine(ctx context.Context, dir, node string) machine {
	m := machine{NProc: runtime.NumCPU(), Go: runtime.Version(), LoadBefore: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(b)
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kib, ok := memTotalKiB(b); ok {
			m.Memory = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
		}
	}
	m.Kernel = strings.TrimSpace(readString("/proc/sys/kernel/ostype") + " " + readString("/proc/sys/kernel/osrelease") + " " + runtime.GOARCH)
	m.Node = output(ctx, node, "--version")
	m.Filesystem = strings.Join(strings.Fields(lastLine(output(ctx, "df", "-hT", dir))), " ")
	m.Commit = output(ctx, "git", "rev-parse", "--short", "HEAD")
	if m.Commit != "" && exec.CommandContext(ctx, "git", "diff", "--quiet").Run() != nil {
		m.Commit += " (dirty tree)"
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// memTotalKiB returns MemTotal of /proc/meminfo.
func memTotalKiB(meminfo []byte) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

// loadavg is the 1, 5 and 15 minute load average and the CPU pressure
// (PSI) line, which show whether other work shared the machine.
func loadavg() string {
	f := strings.Fields(readString("/proc/loadavg"))
	s := ""
	if len(f) >= 3 {
		s = strings.Join(f[:3], " ")
	}
	if p := firstLine(readString("/proc/pressure/cpu")); p != "" {
		s += "; cpu pressure " + p
	}
	return s + " at " + time.Now().UTC().Format("15:04:05Z")
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// output runs a short command and returns its trimmed stdout ("" on error).
func output(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
