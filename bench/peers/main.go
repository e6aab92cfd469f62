// Command peers runs the same Kinesis workloads against rheo and against
// the local Kinesis servers people already use — kinesalite and
// kinesis-mock (its Node.js build, npm package kinesis-local) — each in
// memory and with its on-disk persistence, and writes a markdown section
// with rheo ÷ peer ratios and a PNG chart. bench/run-peers.sh builds the
// binaries and runs it; that script is the documented command.
//
// Everything is bounded and local: the peers are installed from the npm
// registry into a cache directory when missing, every server listens on
// 127.0.0.1 only (checked in /proc; a server listening anywhere else is
// stopped and skipped), the load generator (bench/loadgen, aws-sdk-go-v2)
// sends only to 127.0.0.1, each step is bounded in time and records, and
// each server is stopped by its own PID — also on failure or interrupt.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options is the parsed command line.
type options struct {
	quick    bool
	rheo     string
	loadgen  string
	node     string
	cache    string
	workDir  string
	outDir   string
	targets  string
	client   string
	install  bool
	splice   string
	imgOut   string
	command  string
	pidFile  string
	rheoFrom string
	fromJSON string
	deadline time.Duration
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "short bounded steps (about a minute per server): checks the harness; figures are not for publishing")
	flag.StringVar(&o.rheo, "rheo", "", "rheo binary (required)")
	flag.StringVar(&o.loadgen, "loadgen", "", "bench/loadgen binary (required)")
	flag.StringVar(&o.node, "node", "node", "Node.js binary for the peers")
	flag.StringVar(&o.cache, "cache", "bench/out/peers", "npm prefix the peers are installed into (node_modules under it)")
	flag.StringVar(&o.workDir, "work", os.TempDir(), "parent of the temporary data directories (put it on the disk to measure)")
	flag.StringVar(&o.outDir, "out", "bench/out", "where peers.md, peers.png, peers.json and the per-run logs go")
	flag.StringVar(&o.targets, "targets", "all", "comma-separated subset of: rheo, rheo-never, kinesalite, kinesalite-disk, kinesis-mock, kinesis-mock-disk (rheo first is the ratio reference)")
	flag.StringVar(&o.client, "client", "sdk", "loadgen --client: sdk (aws-sdk-go-v2) or raw")
	flag.BoolVar(&o.install, "install", true, "npm install the peers into --cache when missing")
	flag.StringVar(&o.splice, "splice", "", "also write the section into this markdown file (docs/benchmarks.md) between <!-- peers:begin --> and <!-- peers:end -->, appending the markers when absent")
	flag.StringVar(&o.imgOut, "splice-img", "", "with --splice, also copy the chart here (default: img/peers.png next to the --splice file)")
	flag.StringVar(&o.command, "command", "", "the command line to print as how this run was made (run-peers.sh passes its own)")
	flag.StringVar(&o.rheoFrom, "rheo-from", "", "where the rheo binary comes from, for the report (run-peers.sh: built from this tree, or $RHEO_BIN)")
	flag.StringVar(&o.pidFile, "pid-file", "", "file kept listing the PIDs of running servers, for the wrapper's trap")
	flag.StringVar(&o.fromJSON, "from-json", "", "measure nothing: render peers.md/peers.png (and --splice) again from a saved peers.json")
	flag.DurationVar(&o.deadline, "time-limit", 45*time.Minute, "hard limit for the whole run")
	flag.Parse()
	if o.fromJSON != "" {
		if err := rerender(o); err != nil {
			fatalf("%v", err)
		}
		return
	}
	if o.rheo == "" || o.loadgen == "" {
		fatalf("--rheo and --loadgen are required (bench/run-peers.sh builds them)")
	}
	if o.client != "sdk" && o.client != "raw" {
		fatalf("--client must be sdk or raw")
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.deadline)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peers: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "peers: "+format+"\n", args...)
}

// rerender publishes a saved run again (after a change to the report's
// layout, or to splice a run made elsewhere).
func rerender(o options) error {
	b, err := os.ReadFile(o.fromJSON)
	if err != nil {
		return err
	}
	var res runResult
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", o.fromJSON, err)
	}
	return publish(o, res, filepath.Dir(o.fromJSON))
}

// runResult is the whole run, as saved to peers.json and rendered.
type runResult struct {
	Profile   string         `json:"profile"`
	Plan      string         `json:"plan"`
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	Command   string         `json:"command"`
	Machine   machine        `json:"machine"`
	Disk      []diskResult   `json:"disk"`
	DiskError string         `json:"disk_error,omitempty"`
	Targets   []targetResult `json:"targets"`
	Limits    string         `json:"limits"`
}

func run(ctx context.Context, o options) error {
	p := fullProfile
	if o.quick {
		p = quickProfile
	}
	specs, err := selectTargets(o.targets)
	if err != nil {
		return err
	}
	for _, b := range []*string{&o.rheo, &o.loadgen, &o.cache, &o.outDir} {
		if *b, err = filepath.Abs(*b); err != nil {
			return err
		}
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	runDir := filepath.Join(o.outDir, "peers-"+stamp)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("output dir: %w", err)
	}
	work, err := os.MkdirTemp(o.workDir, "rheo-peers.")
	if err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	defer os.RemoveAll(work)

	res := runResult{
		Profile: p.name, Plan: p.plan(), Started: time.Now().UTC(), Command: o.command,
		Limits: fmt.Sprintf("each put step stops starting calls at its duration or record cap and cancels calls still unanswered %v later; the read-back is limited as in the plan; the server is given up to %v to go idle before each step; loadgen is killed after %v per server", p.grace, p.settle, p.loadgenLimit),
	}
	res.Machine = describeMachine(ctx, work, o.node)
	res.Machine.RheoFrom = o.rheoFrom

	// Peers: install when missing. Without them the run still measures rheo.
	t := tools{rheo: o.rheo, node: o.node, prefix: o.cache}
	needPeers := false
	for _, s := range specs {
		needPeers = needPeers || s.peer != "rheo"
	}
	var peerErr error
	if needPeers {
		if _, err := exec.LookPath(o.node); err != nil {
			peerErr = fmt.Errorf("node (%s) not found: %w", o.node, err)
		} else {
			t.preload, peerErr = ensurePeers(ctx, o.cache, o.install)
		}
		if peerErr != nil {
			logf("peers unavailable, they are skipped: %v", peerErr)
		}
	}
	res.Machine.Peers = fmt.Sprintf("kinesalite %s, kinesis-local %s (npm, in %s)", installed(o.cache, kinesalitePkg), installed(o.cache, kinesisMockPkg), o.cache)

	// The disk's ceiling, in the same run and file system as the servers.
	for _, c := range diskChunks {
		d, err := measureDisk(ctx, work, c, p.diskFor, p.diskLimit)
		if err != nil {
			res.DiskError = err.Error()
			logf("raw disk measurement: %v", err)
			break
		}
		logf("raw write+fdatasync, %d-byte chunks: %.1f MiB/s", c, d.MiBPerSec())
		res.Disk = append(res.Disk, d)
	}

	for _, s := range specs {
		if ctx.Err() != nil {
			break
		}
		tr := targetResult{Name: s.name, Peer: s.peer, Mode: s.mode}
		if s.peer != "rheo" && peerErr != nil {
			tr.Skipped = peerErr.Error()
		} else {
			runTarget(ctx, o, p, t, s, work, runDir, &tr)
		}
		if tr.Skipped != "" {
			logf("%s SKIPPED: %s", s.name, tr.Skipped)
		}
		res.Targets = append(res.Targets, tr)
	}
	res.Finished = time.Now().UTC()
	res.Machine.LoadAfter = loadavg()
	if ctx.Err() != nil {
		logf("stopped early: %v (writing what was measured)", ctx.Err())
	}
	return publish(o, res, runDir)
}

// runTarget starts one server, checks it listens on loopback only, runs
// the workloads against it and stops it by its PID.
func runTarget(ctx context.Context, o options, p profile, t tools, s targetSpec, work, runDir string, tr *targetResult) {
	dir := filepath.Join(work, s.key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tr.Skipped = err.Error()
		return
	}
	port, err1 := freePort()
	port2, err2 := freePort()
	if err1 != nil || err2 != nil {
		tr.Skipped = fmt.Sprintf("no free port: %v %v", err1, err2)
		return
	}
	l := s.build(t, port, port2, dir)
	tr.Command = l.command()
	logf("starting %s: %s", s.name, tr.Command)
	srv, err := startServer(s.name, l.argv, l.env, dir, filepath.Join(runDir, s.key+".server.log"), o.pidFile, port)
	if err != nil {
		tr.Skipped = err.Error()
		return
	}
	defer func() {
		// rheo syncs and closes its log on SIGTERM; the peers keep
		// nothing worth waiting for (kinesis-mock often ignores SIGTERM
		// while busy), so they get SIGKILL sooner.
		grace := 15 * time.Second
		if s.peer != "rheo" {
			grace = 5 * time.Second
		}
		srv.stop(grace)
		tr.DataBytes = dirSize(dir)
		logf("stopped %s (pid %d); %d bytes in its data dir", s.name, srv.pid(), tr.DataBytes)
	}()
	if err := srv.waitReady(ctx, p.readyLimit); err != nil {
		tr.Skipped = "did not start: " + err.Error()
		return
	}
	ls, err := checkLoopback(srv.pid())
	if err != nil {
		tr.Skipped = fmt.Sprintf("cannot be bound to 127.0.0.1 only (%v); stopped before any traffic", err)
		return
	}
	var addrs []string
	for _, l := range ls {
		addrs = append(addrs, l.addr.String())
	}
	logf("%s (pid %d) listens on %s only", s.name, srv.pid(), strings.Join(addrs, ", "))

	jsonPath := filepath.Join(runDir, s.key+".loadgen.json")
	args := []string{
		"--endpoint", "http://127.0.0.1:" + strconv.Itoa(port),
		"--server-pid", strconv.Itoa(srv.pid()),
		"--client", o.client,
		"--shards", "4",
		"--plan", p.plan(),
		"--step-grace", p.grace.String(),
		"--settle", p.settle.String(),
		"--keep-going",
		"--timeout", p.loadgenLimit.String(),
		"--json", jsonPath,
	}
	tr.Loadgen = launch{argv: append([]string{"loadgen"}, args...)}.command()
	lctx, cancel := context.WithTimeout(ctx, p.loadgenLimit+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(lctx, o.loadgen, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // no load without the harness
	cmd.WaitDelay = 15 * time.Second
	mdPath := filepath.Join(runDir, s.key+".loadgen.md")
	out, err := os.Create(mdPath)
	if err != nil {
		tr.Skipped = err.Error()
		return
	}
	defer out.Close()
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	runErr := cmd.Run()
	var rep loadgenReport
	b, err := os.ReadFile(jsonPath)
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	switch {
	case err == nil:
		tr.Report = &rep
	case runErr != nil:
		tr.Skipped = fmt.Sprintf("load generator failed: %v (see %s)", runErr, mdPath)
	default:
		tr.Skipped = fmt.Sprintf("no load generator results: %v", err)
	}
	if srv.exited() {
		tr.Warning = fmt.Sprintf("the server exited during the run (%v); its last log lines: %s", srv.waitErr, oneLine(tail(srv.logPath, 5)))
	} else if _, err := checkLoopback(srv.pid()); err != nil {
		tr.Warning = fmt.Sprintf("after the run the server %v", err)
	}
	if tr.Warning != "" {
		logf("%s: %s", s.name, tr.Warning)
	}
}

// dirSize is the total size of the regular files under dir: what a
// server left on disk (0 for the in-memory peers).
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
