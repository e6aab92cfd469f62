package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The peers, pinned: what the comparison is against.
const (
	kinesalitePkg     = "kinesalite"
	kinesaliteVersion = "3.3.3"
	// kinesis-local is kinesis-mock's Scala.js build for Node.js (same
	// source as the JVM/Docker image; no Java needed).
	kinesisMockPkg     = "kinesis-local"
	kinesisMockVersion = "0.6.2"
)

// loopbackJS is preloaded into both peers to bind them to 127.0.0.1; see
// the file's comment.
//
//go:embed loopback.cjs
var loopbackJS []byte

// installed reports the version of package pkg under prefix's
// node_modules, or "" when it is missing.
func installed(prefix, pkg string) string {
	b, err := os.ReadFile(filepath.Join(prefix, "node_modules", pkg, "package.json"))
	if err != nil {
		return ""
	}
	var p struct{ Version string }
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return p.Version
}

// ensurePeers installs the pinned peers into prefix with npm when they
// are missing or at another version, and writes the loopback preload
// there. It returns the path of the preload.
func ensurePeers(ctx context.Context, prefix string, install bool) (string, error) {
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", fmt.Errorf("peer cache: %w", err)
	}
	var want []string
	for _, p := range [][2]string{{kinesalitePkg, kinesaliteVersion}, {kinesisMockPkg, kinesisMockVersion}} {
		if installed(prefix, p[0]) != p[1] {
			want = append(want, p[0]+"@"+p[1])
		}
	}
	if len(want) > 0 {
		if !install {
			return "", fmt.Errorf("%s missing from %s and --install=false", strings.Join(want, ", "), prefix)
		}
		if _, err := exec.LookPath("npm"); err != nil {
			return "", fmt.Errorf("npm not found: cannot install %s", strings.Join(want, ", "))
		}
		fmt.Fprintf(os.Stderr, "peers: npm install --prefix %s %s\n", prefix, strings.Join(want, " "))
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		args := append([]string{"install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", "--save-exact"}, want...)
		cmd := exec.CommandContext(ictx, "npm", args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("npm install %s: %w", strings.Join(want, " "), err)
		}
		for _, p := range [][2]string{{kinesalitePkg, kinesaliteVersion}, {kinesisMockPkg, kinesisMockVersion}} {
			if v := installed(prefix, p[0]); v != p[1] {
				return "", fmt.Errorf("after npm install, %s is at %q, want %s", p[0], v, p[1])
			}
		}
	}
	pre := filepath.Join(prefix, "loopback.cjs")
	if err := os.WriteFile(pre, loopbackJS, 0o644); err != nil {
		return "", fmt.Errorf("writing loopback preload: %w", err)
	}
	return pre, nil
}
