package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// tools are the binaries and files the targets are started from.
type tools struct {
	rheo    string // rheo binary
	node    string // node binary
	prefix  string // npm prefix holding node_modules with the peers
	preload string // loopback.cjs
}

// launch is how one target is started.
type launch struct {
	argv []string
	env  []string
}

// command prints a launch as a shell command line.
func (l launch) command() string {
	var parts []string
	for _, e := range l.env {
		k, v, _ := strings.Cut(e, "=")
		parts = append(parts, k+"="+shellWord(v))
	}
	for _, a := range l.argv {
		parts = append(parts, shellWord(a))
	}
	return strings.Join(parts, " ")
}

// shellWord quotes s when a shell would split or expand it.
func shellWord(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"'$;&|<>*?`\\") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// targetSpec is one server configuration of the comparison.
type targetSpec struct {
	key  string // --targets name
	name string // column title
	peer string // rheo | kinesalite | kinesis-mock
	mode string // storage, in a few words
	// build returns the launch for a server on 127.0.0.1:port (and a
	// second free port where a peer needs one) with its data in dir.
	build func(t tools, port, port2 int, dir string) launch
}

// allTargets are the servers in the order they run; the first is the
// reference the ratios are computed against.
var allTargets = []targetSpec{
	{
		key: "rheo", name: "rheo (durable)", peer: "rheo",
		mode: "shard log on disk, fdatasync before each acknowledgement (`--sync always`, the default)",
		build: func(t tools, port, _ int, dir string) launch {
			return launch{argv: rheoArgs(t, port, dir, "always")}
		},
	},
	{
		key: "rheo-never", name: "rheo (--sync never)", peer: "rheo",
		mode: "shard log on disk, never fsynced (page cache; like the peers' persistence, lost on power loss)",
		build: func(t tools, port, _ int, dir string) launch {
			return launch{argv: rheoArgs(t, port, dir, "never")}
		},
	},
	{
		key: "kinesalite", name: "kinesalite (memory)", peer: "kinesalite",
		mode: "in memory (memdown, its default)",
		build: func(t tools, port, _ int, _ string) launch {
			return launch{argv: kinesaliteArgs(t, port)}
		},
	},
	{
		key: "kinesalite-disk", name: "kinesalite (--path)", peer: "kinesalite",
		mode: "LevelDB in `--path` (leveldown; writes are not fsynced)",
		build: func(t tools, port, _ int, dir string) launch {
			return launch{argv: append(kinesaliteArgs(t, port), "--path", dir)}
		},
	},
	{
		key: "kinesis-mock", name: "kinesis-mock (memory)", peer: "kinesis-mock",
		mode: "in memory (its default)",
		build: func(t tools, port, port2 int, _ string) launch {
			return launch{argv: kinesisMockArgs(t), env: kinesisMockEnv(t, port, port2)}
		},
	},
	{
		key: "kinesis-mock-disk", name: "kinesis-mock (persist)", peer: "kinesis-mock",
		mode: "in memory, whole state written to a JSON file every 5 s (`SHOULD_PERSIST_DATA=true`, `PERSIST_INTERVAL` default)",
		build: func(t tools, port, port2 int, dir string) launch {
			env := append(kinesisMockEnv(t, port, port2), "SHOULD_PERSIST_DATA=true", "PERSIST_PATH="+dir, "LOAD_DATA_IF_EXISTS=false")
			return launch{argv: kinesisMockArgs(t), env: env}
		},
	},
}

func rheoArgs(t tools, port int, dir, sync string) []string {
	return []string{t.rheo, "serve", "--data-dir", dir, "--listen", "127.0.0.1:" + strconv.Itoa(port),
		"--pg-listen", "off", "--sync", sync, "--state-delay", "0s", "--log-level", "warn"}
}

// kinesaliteArgs starts kinesalite's own CLI. It has no bind-address
// option (it listens on every interface); the preload binds it to
// 127.0.0.1.
func kinesaliteArgs(t tools, port int) []string {
	return []string{t.node, "--require", t.preload, filepath.Join(t.prefix, "node_modules", kinesalitePkg, "cli.js"),
		"--port", strconv.Itoa(port), "--createStreamMs", "0"}
}

// kinesisMockArgs starts kinesis-mock's Node build. It binds 0.0.0.0 on
// a plain and a TLS port with no setting to change that; the preload
// binds both to 127.0.0.1.
func kinesisMockArgs(t tools) []string {
	return []string{t.node, "--require", t.preload, filepath.Join(t.prefix, "node_modules", kinesisMockPkg, "main.js")}
}

// kinesisMockEnv is kinesis-mock's configuration (its README's
// environment variables): the plain HTTP port the load goes to, a TLS
// port nobody uses, and its certificate, which it otherwise looks for in
// the working directory.
func kinesisMockEnv(t tools, port, tlsPort int) []string {
	return []string{
		"KINESIS_MOCK_PLAIN_PORT=" + strconv.Itoa(port),
		"KINESIS_MOCK_TLS_PORT=" + strconv.Itoa(tlsPort),
		"KINESIS_MOCK_CERT_PATH=" + filepath.Join(t.prefix, "node_modules", kinesisMockPkg, "server.json"),
		"CREATE_STREAM_DURATION=0ms",
		"LOG_LEVEL=WARN",
	}
}

// selectTargets returns the targets named in a comma-separated list, in
// their fixed order; "all" or "" is every target.
func selectTargets(list string) ([]targetSpec, error) {
	if list == "" || list == "all" {
		return allTargets, nil
	}
	want := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			want[k] = true
		}
	}
	var out []targetSpec
	for _, t := range allTargets {
		if want[t.key] {
			out = append(out, t)
			delete(want, t.key)
		}
	}
	if len(want) > 0 {
		var keys []string
		for _, t := range allTargets {
			keys = append(keys, t.key)
		}
		var bad []string
		for k := range want {
			bad = append(bad, k)
		}
		return nil, fmt.Errorf("unknown target(s) %s (have %s)", strings.Join(bad, ", "), strings.Join(keys, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no targets selected")
	}
	return out, nil
}
