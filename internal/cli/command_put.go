package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
)

// putOptions are the flags of "rheo put".
type putOptions struct {
	clientFlags
	stream       string
	key          string
	keyField     string
	concurrency  int
	linger       time.Duration
	maxAttempts  int
	drainTimeout time.Duration
	progress     bool
}

func newPutCommand() *cobra.Command {
	o := &putOptions{}
	cmd := &cobra.Command{
		Use:   "put --stream NAME [FILE...]",
		Short: "Send lines of files or stdin to a stream, one record per line",
		Long: `Send lines of files (or stdin when none is given, or for "-") to a stream,
one record per line without its line ending, batched into PutRecords calls.
Like Kinesis Agent:  tail -F app.log | rheo put --stream logs

Each record gets a random partition key unless --partition-key or
--partition-key-field says otherwise. Batches are sent when they hold 500
records or 5 MiB, or --linger after their first record. Failed records are
retried with exponential backoff; lines that do not fit the 1 MiB record
limit together with their partition key are skipped. On SIGINT, reading
stops and what was read is still sent. A missing stream or refused
credentials stop the reading at once. The exit status is non-zero if any
record was finally not stored.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args) },
	}
	o.clientFlags.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.stream, "stream", "", "stream name (required)")
	f.StringVar(&o.key, "partition-key", "", "partition key of every record (default: random per record)")
	f.StringVar(&o.keyField, "partition-key-field", "", "take the partition key from this top-level field of each JSON line (random when missing)")
	f.IntVar(&o.concurrency, "concurrency", 4, "PutRecords batches in flight")
	f.DurationVar(&o.linger, "linger", 100*time.Millisecond, "longest a record waits for its batch to fill")
	f.IntVar(&o.maxAttempts, "max-attempts", 10, "tries per record before it counts as failed")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 10*time.Second, "after SIGINT, how long to keep sending what was read")
	f.BoolVar(&o.progress, "progress", true, "show progress when stderr is a terminal")
	_ = cmd.MarkFlagRequired("stream")
	cmd.MarkFlagsMutuallyExclusive("partition-key", "partition-key-field")
	return cmd
}

func (o *putOptions) run(cmd *cobra.Command, args []string) error {
	if len(o.key) > maxKeyLen {
		return fmt.Errorf("--partition-key is %d bytes, more than %d", len(o.key), maxKeyLen)
	}
	if o.key == "" && cmd.Flags().Changed("partition-key") {
		return errors.New("--partition-key must not be empty")
	}
	ctx := cmd.Context()
	client, err := o.client(ctx)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	var inputs []input
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, a := range args {
		if a == "-" {
			inputs = append(inputs, input{name: "stdin", r: cmd.InOrStdin()})
			continue
		}
		f, err := os.Open(a)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		defer f.Close()
		inputs = append(inputs, input{name: a, r: f})
	}
	tty := false
	if f, ok := stderr.(*os.File); ok && o.progress {
		tty = isTerminal(f)
	}
	return putOutcome(runPut(ctx, client, putJob{
		putterConfig: putterConfig{
			stream: o.stream, lanes: o.concurrency, linger: o.linger, maxAttempts: o.maxAttempts,
		},
		key: o.key, keyField: o.keyField, inputs: inputs, stderr: stderr,
		progress: tty, drainTimeout: o.drainTimeout,
	}))
}

// putOutcome is the error of "rheo put" for what runPut returned.
func putOutcome(res putResult, err error) error {
	if err != nil {
		return err
	}
	if res.failed > 0 {
		return failedError{n: res.failed, last: res.lastErr}
	}
	return nil
}

// failedError says how many records were not stored; it wraps the error
// of the last failed call, so that a refused connection can be explained.
type failedError struct {
	n    int64
	last error
}

func (e failedError) Error() string { return fmt.Sprintf("%d records failed", e.n) }

func (e failedError) Unwrap() error { return e.last }

// input is one source of lines.
type input struct {
	name string
	r    io.Reader
}

// putJob is everything runPut needs.
type putJob struct {
	putterConfig
	key, keyField string
	inputs        []input
	stderr        io.Writer
	progress      bool          // redraw a status line on stderr
	drainTimeout  time.Duration // after ctx is done, keep sending this long
}

// putResult sums up a put.
type putResult struct {
	records, bytes, failed int64
	elapsed                time.Duration
	lastErr                error // of the last failed PutRecords call, if any
}

// runPut reads the inputs line by line and sends them. When ctx is done it
// stops reading, keeps sending what it has for up to drainTimeout, and
// returns. It writes warnings and a final summary to job.stderr.
func runPut(ctx context.Context, api putRecordsAPI, job putJob) (putResult, error) {
	start := time.Now()
	var outMu sync.Mutex // serialises writes to stderr
	printf := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		if job.progress {
			fmt.Fprint(job.stderr, "\r\033[K")
		}
		fmt.Fprintf(job.stderr, format, args...)
	}
	job.warn = func(msg string) { printf("rheo put: %s\n", msg) }

	sendCtx, cancelSend := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelSend(nil)
	stopDrain := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(job.drainTimeout, func() {
			cancelSend(fmt.Errorf("not sent within --drain-timeout %v after interrupt", job.drainTimeout))
		})
		context.AfterFunc(sendCtx, func() { t.Stop() })
	})
	defer stopDrain()

	// A fatal call error (no such stream, refused credentials) stops the
	// reading: with "tail -F app.log | rheo put" it would never end.
	readCtx, stopReading := context.WithCancelCause(ctx)
	defer stopReading(nil)
	var fatalErr atomic.Pointer[error]
	job.fatal = func(err error) {
		if fatalErr.CompareAndSwap(nil, &err) {
			stopReading(err)
		}
	}
	p := newPutter(sendCtx, api, job.putterConfig)
	stats := p.stats

	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if job.progress {
		progressDone.Add(1)
		go func() {
			defer progressDone.Done()
			tk := time.NewTicker(250 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stopProgress:
					outMu.Lock()
					fmt.Fprint(job.stderr, "\r\033[K")
					outMu.Unlock()
					return
				case <-tk.C:
					el := time.Since(start).Seconds()
					outMu.Lock()
					fmt.Fprintf(job.stderr, "\r\033[K%d records (%s) sent, %d failed, %.0f records/s",
						stats.records.Load(), humanBytes(stats.bytes.Load()), stats.failed.Load(), float64(stats.records.Load())/el)
					outMu.Unlock()
				}
			}
		}()
	}

	missingField := 0
	readErr := readAll(readCtx, job.inputs, func(name string, lineNo int, line []byte, tooLong int) error {
		if tooLong > 0 {
			stats.failed.Add(1)
			printf("rheo put: %s line %d is %d bytes, more than the 1 MiB record limit: skipped\n", name, lineNo, tooLong)
			return nil
		}
		if len(line) == 0 {
			return nil
		}
		key := job.key
		if key == "" && job.keyField != "" {
			var ok bool
			if key, ok = fieldKey(line, job.keyField); !ok {
				if missingField == 0 {
					printf("rheo put: %s line %d has no JSON field %q: using a random partition key (reported once)\n", name, lineNo, job.keyField)
				}
				missingField++
			}
		}
		if key == "" {
			key = randomKey()
		}
		if len(line)+len(key) > maxRecordData {
			// Kinesis counts the partition key in the record limit and
			// rejects the whole PutRecords call for one record over it.
			stats.failed.Add(1)
			printf("rheo put: %s line %d is %d bytes, with its %d-byte partition key more than the 1 MiB record limit: skipped\n", name, lineNo, len(line), len(key))
			return nil
		}
		return p.add(readCtx, putEntry{key: key, data: append([]byte(nil), line...)})
	})
	p.close()
	close(stopProgress)
	progressDone.Wait()

	res := putResult{records: stats.records.Load(), bytes: stats.bytes.Load(), failed: stats.failed.Load(), elapsed: time.Since(start)}
	if e := stats.lastErr.Load(); e != nil {
		res.lastErr = *e
	}
	rate := float64(res.records) / max(res.elapsed.Seconds(), 1e-3)
	printf("rheo put: %d records (%s) sent to stream %s in %v (%.0f records/s), %d failed, %d retried in %d requests\n",
		res.records, humanBytes(res.bytes), job.stream, res.elapsed.Round(time.Millisecond), rate,
		res.failed, stats.retries.Load(), stats.requests.Load())
	if e := fatalErr.Load(); e != nil {
		return res, fmt.Errorf("stopped reading: %w", *e)
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return res, readErr
	}
	return res, nil
}

// readAll feeds every line of the inputs to fn until ctx is done. Reads of
// stdin cannot be interrupted, so the reading runs in its own goroutine and
// readAll returns at once on ctx being done, leaving it blocked; that
// goroutine ends with the process.
func readAll(ctx context.Context, inputs []input, fn func(name string, lineNo int, line []byte, tooLong int) error) error {
	type item struct {
		name    string
		lineNo  int
		line    []byte
		tooLong int
	}
	items := make(chan item, 256)
	errc := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(items)
		for _, in := range inputs {
			lineNo := 0
			err := readLines(in.r, maxRecordData, func(line []byte, tooLong int) error {
				lineNo++
				select {
				case items <- item{in.name, lineNo, append([]byte(nil), line...), tooLong}:
					return nil
				case <-stop:
					return context.Canceled
				}
			})
			if err != nil {
				errc <- fmt.Errorf("%s: %w", in.name, err)
				return
			}
		}
	}()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				select {
				case err := <-errc:
					return err
				default:
					return nil
				}
			}
			if err := fn(it.name, it.lineNo, it.line, it.tooLong); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fieldKey returns the partition key taken from a top-level field of a JSON
// object line: a string as is, any other value as its JSON text. Keys over
// 256 bytes are replaced by their SHA-256 in hex, so they stay stable.
func fieldKey(line []byte, field string) (string, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return "", false
	}
	raw, ok := obj[field]
	if !ok || string(raw) == "null" {
		return "", false
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		key = string(raw)
	}
	if key == "" {
		return "", false
	}
	if len(key) > maxKeyLen {
		sum := sha256.Sum256([]byte(key))
		key = hex.EncodeToString(sum[:])
	}
	return key, true
}

// randomKey returns a random partition key, spreading records over shards.
func randomKey() string {
	return strconv.FormatUint(rand.Uint64(), 36)
}
