package firehose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/delivery"
)

// fakeEngine is an in-memory engine: it stores definitions as the Manager
// does and records what was put.
type fakeEngine struct {
	mu     sync.Mutex
	defs   map[string]delivery.Definition
	put    map[string][][]byte
	status map[string]delivery.Status
	putErr error
	// sealed says whether the at-rest wrapper would seal the records of
	// the stream with that UID (the server's EncryptionFor, as in rheo
	// serve); tests replace it to pin a Start/Stop racing with a put.
	sealed  func(uid uint64) bool
	nextID  int
	created time.Time
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{defs: map[string]delivery.Definition{}, put: map[string][][]byte{}, status: map[string]delivery.Status{}}
}

func (f *fakeEngine) Create(_ context.Context, name string, spec delivery.Spec, api json.RawMessage) (delivery.Definition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.defs[name]; ok {
		return delivery.Definition{}, delivery.ErrExists
	}
	d := delivery.Definition{Name: name, UID: uint64(len(f.defs) + 1), Created: f.created, Spec: spec, API: append(json.RawMessage(nil), api...)}
	f.defs[name] = d
	return d, nil
}

func (f *fakeEngine) Get(name string) (delivery.Definition, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.defs[name]
	return d, ok
}

func (f *fakeEngine) List() []delivery.Definition {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]delivery.Definition, 0, len(f.defs))
	for _, d := range f.defs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (f *fakeEngine) Update(_ context.Context, name string, fn func(*delivery.Definition) error) (delivery.Definition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.defs[name]
	if !ok {
		return delivery.Definition{}, delivery.ErrNotFound
	}
	cp := d
	cp.API = append(json.RawMessage(nil), d.API...)
	if err := fn(&cp); err != nil {
		return delivery.Definition{}, err
	}
	f.defs[name] = cp
	return cp, nil
}

func (f *fakeEngine) Delete(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.defs[name]; !ok {
		return delivery.ErrNotFound
	}
	delete(f.defs, name)
	delete(f.put, name)
	return nil
}

func (f *fakeEngine) Put(_ context.Context, name string, records [][]byte) ([]string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.defs[name]
	if !ok {
		return nil, false, delivery.ErrNotFound
	}
	if f.putErr != nil {
		return nil, false, f.putErr
	}
	ids := make([]string, len(records))
	for i, r := range records {
		f.put[name] = append(f.put[name], append([]byte(nil), r...))
		f.nextID++
		ids[i] = fmt.Sprintf("rec-%d", f.nextID)
	}
	return ids, f.sealed != nil && f.sealed(d.UID), nil
}

func (f *fakeEngine) Status(name string) (delivery.Status, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.status[name]
	return st, ok
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a server over an engine with a test clock.
type env struct {
	t     testing.TB
	srv   *Server
	fake  *fakeEngine // nil with the real Manager
	clk   *clock
	delay time.Duration
}

const testDelay = 2 * time.Second

var errNoTable = errors.New("Catalog Error: Table with name missing does not exist!")

// testConfig is the configuration tests use: a known account, the test
// clock, a catalog holding table "logs.events" and a Kinesis stream "src".
func testConfig(clk *clock) Config {
	return Config{
		Account:     "123456789012",
		StateDelay:  testDelay,
		Now:         clk.now,
		CheckStream: func(name string) bool { return name == "src" },
		CheckTable: func(_ context.Context, db, table string) error {
			if db == "logs" && table == "events" {
				return nil
			}
			return errNoTable
		},
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	fake := newFakeEngine()
	fake.created = clk.now()
	srv := newServer(testConfig(clk), fake)
	fake.sealed = func(uid uint64) bool { _, on := srv.EncryptionFor(uid); return on }
	return &env{t: t, srv: srv, fake: fake, clk: clk, delay: testDelay}
}

// call sends one action and returns the status and decoded body.
func (e *env) call(action string, body any) (int, map[string]any) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	req.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("%s: reply is not JSON: %q", action, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != contentType {
		e.t.Fatalf("%s: Content-Type %q", action, ct)
	}
	return w.Code, out
}

// ok sends an action that must succeed.
func (e *env) ok(action string, body any) map[string]any {
	e.t.Helper()
	code, out := e.call(action, body)
	if code != http.StatusOK {
		e.t.Fatalf("%s: HTTP %d %v", action, code, out)
	}
	return out
}

// fail sends an action that must fail with typ and a message containing
// msg.
func (e *env) fail(action string, body any, typ, msg string) {
	e.t.Helper()
	code, out := e.call(action, body)
	if code == http.StatusOK {
		e.t.Fatalf("%s: succeeded, want %s (%s): %v", action, typ, msg, out)
	}
	if out["__type"] != typ || !strings.Contains(fmt.Sprint(out["message"]), msg) {
		e.t.Fatalf("%s: got %d %v %q, want %s containing %q", action, code, out["__type"], out["message"], typ, msg)
	}
}

// s3Config is a minimal ExtendedS3DestinationConfiguration.
func s3Config(bucket string) map[string]any {
	return map[string]any{
		"RoleARN":   "arn:aws:iam::123456789012:role/firehose",
		"BucketARN": "arn:aws:s3:::" + bucket,
	}
}

// create makes a DirectPut stream with an ExtendedS3 destination and
// waits out CREATING.
func (e *env) create(name string, ext map[string]any) {
	e.t.Helper()
	if ext == nil {
		ext = s3Config("lake-test")
	}
	e.ok("CreateDeliveryStream", map[string]any{"DeliveryStreamName": name, "ExtendedS3DestinationConfiguration": ext})
	e.clk.advance(e.delay)
}

// describe returns the DeliveryStreamDescription.
func (e *env) describe(name string) map[string]any {
	e.t.Helper()
	out := e.ok("DescribeDeliveryStream", map[string]any{"DeliveryStreamName": name})
	return out["DeliveryStreamDescription"].(map[string]any)
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}
