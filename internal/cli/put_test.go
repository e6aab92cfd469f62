package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// fakePut is a PutRecords endpoint that stores records and injects
// failures.
type fakePut struct {
	mu          sync.Mutex
	rng         *rand.Rand
	failRate    float64 // chance a record gets ProvisionedThroughputExceeded
	throttleN   int     // the first throttleN calls fail whole
	calls       int
	maxBatch    int
	maxBytes    int
	stored      map[string][]string // partition key → data in arrival order
	total       int
	permanent   error         // returned by every call when set
	delay       time.Duration // per call
	callsAtTime []time.Time
}

func newFakePut(seed uint64) *fakePut {
	return &fakePut{rng: rand.New(rand.NewPCG(seed, 1)), stored: map[string][]string{}}
}

func (f *fakePut) PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, _ ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.callsAtTime = append(f.callsAtTime, time.Now())
	if f.permanent != nil {
		return nil, f.permanent
	}
	if f.calls <= f.throttleN {
		return nil, &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "slow down"}
	}
	if aws.ToString(in.StreamName) != "s" {
		return nil, fmt.Errorf("wrong stream %q", aws.ToString(in.StreamName))
	}
	size := 0
	for _, r := range in.Records {
		size += len(r.Data) + len(aws.ToString(r.PartitionKey))
	}
	f.maxBatch = max(f.maxBatch, len(in.Records))
	f.maxBytes = max(f.maxBytes, size)
	if len(in.Records) > 500 || size > 5<<20 {
		return nil, &smithy.GenericAPIError{Code: "InvalidArgumentException", Message: "batch too big"}
	}
	for i, r := range in.Records {
		// Like Kinesis: one record over the limit (data plus partition
		// key) rejects the whole call.
		if len(r.Data)+len(aws.ToString(r.PartitionKey)) > 1<<20 {
			return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: fmt.Sprintf("records.%d.member.data too long", i+1)}
		}
	}
	out := &kinesis.PutRecordsOutput{}
	for _, r := range in.Records {
		if f.rng.Float64() < f.failRate {
			out.FailedRecordCount = aws.Int32(aws.ToInt32(out.FailedRecordCount) + 1)
			out.Records = append(out.Records, types.PutRecordsResultEntry{
				ErrorCode: aws.String("ProvisionedThroughputExceededException"), ErrorMessage: aws.String("rate exceeded"),
			})
			continue
		}
		k := aws.ToString(r.PartitionKey)
		f.stored[k] = append(f.stored[k], string(r.Data))
		f.total++
		out.Records = append(out.Records, types.PutRecordsResultEntry{SequenceNumber: aws.String("1"), ShardId: aws.String("shardId-000000000000")})
	}
	return out, nil
}

func fastConfig() putterConfig {
	return putterConfig{stream: "s", linger: 5 * time.Millisecond, baseBackoff: time.Millisecond, maxBackoff: 4 * time.Millisecond}
}

func TestPutterDeliversEverythingDespiteFailures(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	f := newFakePut(seed)
	f.failRate = 0.3
	f.throttleN = 3
	cfg := fastConfig()
	cfg.maxAttempts = 50
	p := newPutter(context.Background(), f, cfg)
	const keys, perKey = 7, 300
	for i := range perKey {
		for k := range keys {
			if err := p.add(context.Background(), putEntry{key: fmt.Sprint("k", k), data: []byte(fmt.Sprint(i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	p.close()
	if got := p.stats.records.Load(); got != keys*perKey || f.total != keys*perKey {
		t.Fatalf("acknowledged %d, stored %d, want %d", got, f.total, keys*perKey)
	}
	if p.stats.failed.Load() != 0 {
		t.Errorf("failed = %d", p.stats.failed.Load())
	}
	if p.stats.retries.Load() == 0 {
		t.Error("no retries counted despite failures")
	}
	if f.maxBatch > 500 {
		t.Errorf("batch of %d records", f.maxBatch)
	}
	// Every record of every key arrived exactly once.
	for k := range keys {
		got := f.stored[fmt.Sprint("k", k)]
		seen := map[string]bool{}
		for _, d := range got {
			if seen[d] {
				t.Fatalf("key k%d: %s stored twice", k, d)
			}
			seen[d] = true
		}
		if len(seen) != perKey {
			t.Fatalf("key k%d: %d distinct records, want %d", k, len(seen), perKey)
		}
	}
}

func TestPutterKeepsOrderPerKeyWithoutFailures(t *testing.T) {
	f := newFakePut(1)
	cfg := fastConfig()
	cfg.maxRecords = 7 // many batches
	p := newPutter(context.Background(), f, cfg)
	for i := range 1000 {
		p.add(context.Background(), putEntry{key: fmt.Sprint("k", i%5), data: []byte(fmt.Sprintf("%04d", i))})
	}
	p.close()
	for k, recs := range f.stored {
		for i := 1; i < len(recs); i++ {
			if recs[i] < recs[i-1] {
				t.Fatalf("key %s out of order: %s after %s", k, recs[i], recs[i-1])
			}
		}
	}
	if f.maxBatch > 7 {
		t.Errorf("batch of %d > maxRecords 7", f.maxBatch)
	}
}

func TestPutterBatchByteLimit(t *testing.T) {
	f := newFakePut(1)
	p := newPutter(context.Background(), f, fastConfig())
	big := bytes.Repeat([]byte("x"), 900<<10) // 12 of these exceed 5 MiB
	for range 12 {
		p.add(context.Background(), putEntry{key: "k", data: big})
	}
	p.close()
	if f.total != 12 || f.maxBytes > 5<<20 {
		t.Errorf("stored %d, largest batch %d bytes", f.total, f.maxBytes)
	}
}

func TestPutterLingerFlushesTrickle(t *testing.T) {
	f := newFakePut(1)
	cfg := fastConfig()
	cfg.linger = 20 * time.Millisecond
	p := newPutter(context.Background(), f, cfg)
	defer p.close()
	p.add(context.Background(), putEntry{key: "k", data: []byte("one")})
	deadline := time.Now().Add(2 * time.Second)
	for p.stats.records.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a single record was not sent within 2s although linger is 20ms")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPutterPermanentFailure(t *testing.T) {
	f := newFakePut(1)
	f.permanent = &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no stream s"}
	var warnings []string
	var mu sync.Mutex
	cfg := fastConfig()
	cfg.warn = func(s string) { mu.Lock(); warnings = append(warnings, s); mu.Unlock() }
	p := newPutter(context.Background(), f, cfg)
	for i := range 10 {
		p.add(context.Background(), putEntry{key: fmt.Sprint(i), data: []byte("x")})
	}
	p.close()
	if p.stats.failed.Load() != 10 || p.stats.records.Load() != 0 {
		t.Errorf("failed %d, records %d", p.stats.failed.Load(), p.stats.records.Load())
	}
	if f.calls > 4 { // one per lane: not retried
		t.Errorf("non-retryable error retried: %d calls", f.calls)
	}
	if len(warnings) == 0 || !strings.Contains(warnings[0], "ResourceNotFoundException") {
		t.Errorf("warnings = %q", warnings)
	}
}

func TestPutterGivesUp(t *testing.T) {
	f := newFakePut(1)
	f.failRate = 1
	cfg := fastConfig()
	cfg.maxAttempts = 3
	p := newPutter(context.Background(), f, cfg)
	p.add(context.Background(), putEntry{key: "k", data: []byte("x")})
	p.close()
	if p.stats.failed.Load() != 1 || f.calls != 3 {
		t.Errorf("failed %d after %d calls, want 1 after 3", p.stats.failed.Load(), f.calls)
	}
	if n := p.stats.retries.Load(); n != 2 {
		t.Errorf("retries = %d, want 2 (3 calls)", n)
	}
}

func TestBackoff(t *testing.T) {
	base, maxD := 100*time.Millisecond, time.Second
	for attempt, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			d := backoff(attempt, base, maxD)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

func TestRunPut(t *testing.T) {
	f := newFakePut(1)
	long := strings.Repeat("y", maxRecordData+1)
	in := "a\r\n{\"user\":\"u1\",\"n\":1}\n\n" + long + "\n{\"user\":\"u1\",\"n\":2}\n{\"n\":3}\nlast-no-newline"
	var stderr bytes.Buffer
	res, err := runPut(context.Background(), f, putJob{
		putterConfig: fastConfig(), keyField: "user",
		inputs: []input{{name: "stdin", r: strings.NewReader(in)}}, stderr: &stderr,
		drainTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.records != 5 || res.failed != 1 {
		t.Errorf("records %d failed %d, want 5 and 1\n%s", res.records, res.failed, stderr.String())
	}
	if got := f.stored["u1"]; len(got) != 2 || got[0] != `{"user":"u1","n":1}` || got[1] != `{"user":"u1","n":2}` {
		t.Errorf("records of key u1 = %q", got)
	}
	var all []string
	for _, v := range f.stored {
		all = append(all, v...)
	}
	if !contains(all, "a") || !contains(all, "last-no-newline") || !contains(all, `{"n":3}`) {
		t.Errorf("stored %q", all)
	}
	out := stderr.String()
	for _, want := range []string{"line 4 is 1048577 bytes", `no JSON field "user"`, "5 records", "1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

// TestRunPutRecordLimitCountsKey checks that a line that fits the 1 MiB
// record limit only without its partition key is skipped, rather than sent
// and making Kinesis reject its whole batch (every other line in it).
func TestRunPutRecordLimitCountsKey(t *testing.T) {
	f := newFakePut(1)
	exact := strings.Repeat("y", maxRecordData)
	in := "before\n" + exact + "\n" + exact[:maxRecordData-3] + "\nafter\n"
	var stderr bytes.Buffer
	cfg := fastConfig()
	cfg.linger = time.Second // one batch
	cfg.lanes = 1
	res, err := runPut(context.Background(), f, putJob{
		putterConfig: cfg, key: "abc",
		inputs: []input{{name: "stdin", r: strings.NewReader(in)}}, stderr: &stderr,
		drainTimeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.records != 3 || res.failed != 1 {
		t.Errorf("records %d failed %d, want 3 and 1\n%s", res.records, res.failed, stderr.String())
	}
	if got := f.stored["abc"]; len(got) != 3 || got[0] != "before" || len(got[1]) != maxRecordData-3 || got[2] != "after" {
		t.Errorf("stored %d records", len(got))
	}
	if out := stderr.String(); !strings.Contains(out, "line 2 is 1048576 bytes") || !strings.Contains(out, "partition key") {
		t.Errorf("stderr does not explain the skipped line 2:\n%s", out)
	}
}

func TestRunPutInterruptDrains(t *testing.T) {
	f := newFakePut(1)
	f.delay = 50 * time.Millisecond
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for i := range 20 {
			fmt.Fprintf(pw, "line %d\n", i)
		}
		time.Sleep(50 * time.Millisecond)
		cancel() // like SIGINT while the input is still open
	}()
	var stderr bytes.Buffer
	done := make(chan putResult)
	go func() {
		res, err := runPut(ctx, f, putJob{putterConfig: fastConfig(), inputs: []input{{"stdin", pr}}, stderr: &stderr, drainTimeout: 5 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		if res.records != 20 || res.failed != 0 {
			t.Errorf("after interrupt: %d records, %d failed; want all 20 sent", res.records, res.failed)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runPut did not return after interrupt")
	}
}

func TestReadLines(t *testing.T) {
	type got struct {
		line    string
		tooLong int
	}
	for _, tc := range []struct {
		name, in string
		max      int
		want     []got
	}{
		{"empty", "", 10, nil},
		{"basic", "a\nbb\n", 10, []got{{"a", 0}, {"bb", 0}}},
		{"crlf and no final newline", "a\r\nb", 10, []got{{"a", 0}, {"b", 0}}},
		{"blank lines", "\n\nx\n", 10, []got{{"", 0}, {"", 0}, {"x", 0}}},
		{"exactly max", "12345\n", 5, []got{{"12345", 0}}},
		{"one over", "123456\nok\n", 5, []got{{"", 6}, {"ok", 0}}},
		{"far over", strings.Repeat("z", 200000) + "\nok", 5, []got{{"", 200000}, {"ok", 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out []got
			err := readLines(strings.NewReader(tc.in), tc.max, func(line []byte, tooLong int) error {
				out = append(out, got{string(line), tooLong})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(out) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", out, tc.want)
			}
		})
	}
	boom := errors.New("boom")
	if err := readLines(strings.NewReader("a\nb\n"), 5, func([]byte, int) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func TestFieldKey(t *testing.T) {
	for _, tc := range []struct {
		line, want string
		ok         bool
	}{
		{`{"user":"bob"}`, "bob", true},
		{`{"user":42}`, "42", true},
		{`{"user":{"id":1}}`, `{"id":1}`, true},
		{`{"user":null}`, "", false},
		{`{"user":""}`, "", false},
		{`{"other":1}`, "", false},
		{`not json`, "", false},
		{`[1,2]`, "", false},
	} {
		got, ok := fieldKey([]byte(tc.line), "user")
		if got != tc.want || ok != tc.ok {
			t.Errorf("fieldKey(%s) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
	long := fmt.Sprintf(`{"user":"%s"}`, strings.Repeat("u", 300))
	if got, ok := fieldKey([]byte(long), "user"); !ok || len(got) != 64 {
		t.Errorf("long key not hashed: %q", got)
	}
}

// endless is an input that never ends, as "tail -F app.log" is.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "line\n"[i%5]
	}
	return len(p) - len(p)%5, nil
}

func TestRunPutStopsOnMissingStream(t *testing.T) {
	f := newFakePut(1)
	f.permanent = &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Stream typo under account 000000000000 not found."}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	res, err := runPut(ctx, f, putJob{
		putterConfig: fastConfig(), inputs: []input{{name: "stdin", r: endless{}}}, stderr: &stderr,
		drainTimeout: time.Second,
	})
	if ctx.Err() != nil {
		t.Fatalf("still reading an endless input after 20 s of ResourceNotFoundException (%d calls)", f.calls)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Fatalf("err = %v, want the ResourceNotFoundException", err)
	}
	if res.records != 0 || res.failed == 0 {
		t.Errorf("records %d failed %d", res.records, res.failed)
	}
}
