package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rheoBin is the binary TestMain builds (or $RHEO_E2E_BIN); every test
// runs this one file.
var rheoBin string

// buildErr is why the build failed, if it did; tests then fail with it
// instead of TestMain aborting the whole run without a useful message.
var buildErr error

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rheo-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		os.Exit(1)
	}
	if bin := os.Getenv("RHEO_E2E_BIN"); bin != "" {
		rheoBin = bin // a prebuilt binary, e.g. from CI's build step
	} else {
		rheoBin = filepath.Join(dir, "rheo")
		buildErr = buildRheo(rheoBin)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildRheo compiles ./cmd/rheo of the enclosing module into out.
func buildRheo(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if root == "." || root == "" {
		return errors.New("go env GOMOD: not inside a module")
	}
	cmd := exec.Command("go", "build", "-o", out, "./cmd/rheo")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/rheo: %w\n%s", err, b)
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the child's stderr copier and the
// test goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rheoProc is one "rheo serve" child process on a fixed data directory
// and port. It can be stopped (SIGTERM or SIGKILL) and started again on
// the same directory and port, so clients keep their endpoint.
type rheoProc struct {
	t       *testing.T
	dataDir string
	addr    string
	extra   []string
	stderr  *syncBuffer
	gen     int

	cmd  *exec.Cmd
	done chan struct{} // closed when cmd.Wait returns
	err  error         // cmd.Wait's result, valid after done
}

// startRheo starts "rheo serve" on a fresh data directory and a free
// loopback port, waits until GET /health answers 200, and registers a
// cleanup that kills the process and, if the test failed, logs its stderr.
func startRheo(t *testing.T, extraArgs ...string) *rheoProc {
	t.Helper()
	return startRheoIn(t, t.TempDir(), extraArgs...)
}

// startRheoIn is startRheo on the data directory dataDir.
func startRheoIn(t *testing.T, dataDir string, extraArgs ...string) *rheoProc {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building rheo failed: %v", buildErr)
	}
	p := &rheoProc{
		t:       t,
		dataDir: dataDir,
		addr:    freeAddr(t),
		extra:   extraArgs,
		stderr:  &syncBuffer{},
	}
	t.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("rheo stderr (all runs):\n%s", p.stderr.String())
		}
	})
	p.start()
	return p
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// args returns the command line of "rheo serve" for this process.
func (p *rheoProc) args() []string {
	// The Postgres endpoint is off unless a test asks for it (a later
	// --pg-listen in extra wins), so parallel runs never race for 5433.
	a := []string{"serve", "--data-dir", p.dataDir, "--listen", p.addr, "--state-delay", "50ms", "--pg-listen", "off"}
	return append(a, p.extra...)
}

// start launches the process and waits for /health.
func (p *rheoProc) start() {
	p.t.Helper()
	p.launch()
	p.waitHealthy(20 * time.Second)
}

// launch starts the process without waiting for it to be healthy.
func (p *rheoProc) launch() {
	p.t.Helper()
	if p.running() {
		p.t.Fatalf("rheo already running")
	}
	p.gen++
	fmt.Fprintf(p.stderr, "=== run %d: rheo %s\n", p.gen, strings.Join(p.args(), " "))
	cmd := exec.Command(rheoBin, p.args()...)
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start rheo: %v", err)
	}
	p.cmd = cmd
	p.done = make(chan struct{})
	go func() {
		p.err = cmd.Wait()
		fmt.Fprintf(p.stderr, "=== run %d exited: %v\n", p.gen, p.err)
		close(p.done)
	}()
}

// running reports whether the current child has been started and not
// yet exited.
func (p *rheoProc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitHealthy polls GET /health until it answers 200, the process exits
// or the timeout passes.
func (p *rheoProc) waitHealthy(timeout time.Duration) {
	p.t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			p.t.Fatalf("rheo exited before becoming healthy: %v\nstderr:\n%s", p.err, p.stderr.String())
		default:
		}
		resp, err := client.Get(p.endpoint() + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("rheo not healthy after %v (last error %v)", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// endpoint is the base URL clients use.
func (p *rheoProc) endpoint() string { return "http://" + p.addr }

// pid is the current child's process id.
func (p *rheoProc) pid() int { return p.cmd.Process.Pid }

// term sends SIGTERM and requires exit status 0 within timeout. It returns
// how long the exit took.
func (p *rheoProc) term(timeout time.Duration) time.Duration {
	p.t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		p.t.Fatalf("rheo did not exit within %v of SIGTERM", timeout)
	}
	if p.err != nil {
		p.t.Fatalf("rheo exited with %v after SIGTERM, want exit status 0", p.err)
	}
	return time.Since(start)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *rheoProc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("SIGKILL: %v", err)
	}
	<-p.done
}

// restartAfterTerm stops the server gracefully and starts it again on the
// same data directory and port.
func (p *rheoProc) restartAfterTerm() {
	p.t.Helper()
	p.term(15 * time.Second)
	p.start()
}

// ctxT returns a context bounded by d and cancelled when the test ends.
func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
