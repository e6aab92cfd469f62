package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a started server process. It is stopped by its own PID only.
type server struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	pidFile string // shared file listing running servers, for run-peers.sh's trap
	port    int
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startServer starts argv with env added to this process's environment,
// in dir, with output to logPath. The process gets SIGKILL if this
// harness dies (Pdeathsig), and its PID is appended to pidFile so the
// wrapper script can stop it if the harness itself is killed.
func startServer(name string, argv []string, env []string, dir, logPath, pidFile string, port int) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s: log file: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: starting %s: %w", name, argv[0], err)
	}
	s := &server{name: name, cmd: cmd, logPath: logPath, pidFile: pidFile, port: port, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	if err := editPIDFile(pidFile, cmd.Process.Pid, true); err != nil {
		s.stop(10 * time.Second)
		return nil, err
	}
	return s, nil
}

// pid is the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// exited reports whether the process has ended.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// waitReady waits until the port accepts TCP connections on 127.0.0.1,
// the process dies, or timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	for {
		if s.exited() {
			return fmt.Errorf("%s exited at start (%v); last log lines:\n%s", s.name, s.waitErr, tail(s.logPath, 15))
		}
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening on %s after %v; last log lines:\n%s", s.name, addr, timeout, tail(s.logPath, 15))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM to the server's PID, waits up to grace, then sends
// SIGKILL, and waits for the exit. Only this PID is signalled.
func (s *server) stop(grace time.Duration) {
	defer func() { _ = editPIDFile(s.pidFile, s.pid(), false) }()
	if s.exited() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return
	case <-time.After(grace):
	}
	fmt.Fprintf(os.Stderr, "peers: %s (pid %d) ignored SIGTERM for %v; sending SIGKILL\n", s.name, s.pid(), grace)
	_ = s.cmd.Process.Kill()
	<-s.done
}

// editPIDFile adds or removes "pid" in the file listing running servers.
// The harness runs servers one at a time from one goroutine, so a plain
// read-modify-write is enough.
func editPIDFile(path string, pid int, add bool) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pid file: %w", err)
	}
	var keep []string
	p := strconv.Itoa(pid)
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && l != p {
			keep = append(keep, l)
		}
	}
	if add {
		keep = append(keep, p)
	}
	out := strings.Join(keep, "\n")
	if out != "" {
		out += "\n"
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// freePort asks the kernel for a free port on 127.0.0.1. Another process
// could take it before the server binds it; the server then fails to
// start and says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
