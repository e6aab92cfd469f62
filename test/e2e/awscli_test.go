package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// awsCLI runs the AWS CLI against one endpoint with dummy credentials and
// a config isolated from the user's.
type awsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
	dir      string
}

// newAWSCLI returns a runner, skipping the test if aws is not installed.
func newAWSCLI(t *testing.T, endpoint string) *awsCLI {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed:", err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ACCESS_KEY_ID=x",
		"AWS_SECRET_ACCESS_KEY=x",
		"AWS_PAGER=",
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	)
	return &awsCLI{t: t, endpoint: endpoint, env: env, dir: dir}
}

// withConfig returns a runner whose config file has the extra lines, for
// example "parameter_validation = false".
func (a *awsCLI) withConfig(lines ...string) *awsCLI {
	a.t.Helper()
	cfg := filepath.Join(a.t.TempDir(), "config")
	body := "[default]\nregion = us-east-1\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		a.t.Fatal(err)
	}
	b := *a
	b.env = append(slices.Clone(a.env), "AWS_CONFIG_FILE="+cfg)
	return &b
}

// run executes "aws --endpoint-url E --region us-east-1 --output json
// kinesis ARGS" and returns stdout, stderr and the exit code.
func (a *awsCLI) run(args ...string) (stdout, stderr string, code int) {
	a.t.Helper()
	return a.exec("kinesis", args, nil)
}

// exec runs "aws <service> ARGS EXTRA" against the endpoint in a's
// environment; a failure to start aws at all fails the test.
func (a *awsCLI) exec(service string, args, extra []string) (stdout, stderr string, code int) {
	a.t.Helper()
	full := append([]string{"--endpoint-url", a.endpoint, "--region", "us-east-1", "--output", "json", service}, args...)
	cmd := exec.Command("aws", append(full, extra...)...)
	cmd.Env = a.env
	cmd.Dir = a.dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		a.t.Fatalf("aws %s %s: %v", service, strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// ok runs a command that must succeed and decodes its JSON output into v
// (v may be nil for commands without output).
func (a *awsCLI) ok(v any, args ...string) {
	a.t.Helper()
	out, errOut, code := a.run(args...)
	if code != 0 {
		a.t.Fatalf("aws kinesis %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), code, errOut, out)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		a.t.Fatalf("aws kinesis %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// fails runs a command that must fail with a service error whose code
// and message are in stderr.
func (a *awsCLI) fails(code, msg string, args ...string) {
	a.t.Helper()
	out, errOut, exit := a.run(args...)
	if exit != 254 && exit != 255 {
		a.t.Errorf("aws kinesis %s: exit %d, want 254 or 255\nstderr: %s\nstdout: %s", strings.Join(args, " "), exit, errOut, out)
		return
	}
	if !strings.Contains(errOut, "("+code+")") {
		a.t.Errorf("aws kinesis %s: stderr lacks (%s):\n%s", strings.Join(args, " "), code, errOut)
	}
	if !strings.Contains(errOut, msg) {
		a.t.Errorf("aws kinesis %s: stderr lacks message %q:\n%s", strings.Join(args, " "), msg, errOut)
	}
}

// cliRecord is a record as "aws kinesis get-records" prints it.
type cliRecord struct {
	SequenceNumber string
	Data           string // base64
	PartitionKey   string
}

// readAllCLI reads every shard from TRIM_HORIZON with the CLI and
// returns payload → partition key, checking sequence order on the way.
func (a *awsCLI) readAllCLI(stream string) map[string]string {
	a.t.Helper()
	var shards struct{ Shards []struct{ ShardId string } }
	a.ok(&shards, "list-shards", "--stream-name", stream)
	if len(shards.Shards) != 2 {
		a.t.Fatalf("list-shards: %d shards, want 2: %+v", len(shards.Shards), shards)
	}
	got := map[string]string{}
	for _, s := range shards.Shards {
		var it struct{ ShardIterator string }
		a.ok(&it, "get-shard-iterator", "--stream-name", stream, "--shard-id", s.ShardId, "--shard-iterator-type", "TRIM_HORIZON")
		iter, prev := it.ShardIterator, ""
		for calls := 0; iter != ""; calls++ {
			if calls > 20 {
				a.t.Fatalf("shard %s: get-records did not reach the end in 20 calls", s.ShardId)
			}
			var out struct {
				Records            []cliRecord
				NextShardIterator  string
				MillisBehindLatest int64
			}
			a.ok(&out, "get-records", "--shard-iterator", iter)
			for _, r := range out.Records {
				data, err := base64.StdEncoding.DecodeString(r.Data)
				if err != nil {
					a.t.Fatalf("shard %s seq %s: Data %q not base64: %v", s.ShardId, r.SequenceNumber, r.Data, err)
				}
				if _, dup := got[string(data)]; dup {
					a.t.Errorf("payload %q read twice", data)
				}
				got[string(data)] = r.PartitionKey
				if prev != "" && !seqLess(prev, r.SequenceNumber) {
					a.t.Errorf("shard %s: sequence %s after %s", s.ShardId, r.SequenceNumber, prev)
				}
				prev = r.SequenceNumber
			}
			if len(out.Records) == 0 && out.MillisBehindLatest == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	return got
}

// TestAWSCLI drives rheo with the stock AWS CLI: create, put, list, read
// back, error cases, then a restart and a second read-back.
func TestAWSCLI(t *testing.T) {
	p := startRheo(t)
	a := newAWSCLI(t, p.endpoint())
	const stream = "cli-stream"

	a.ok(nil, "create-stream", "--stream-name", stream, "--shard-count", "2")
	deadline := time.Now().Add(15 * time.Second)
	for {
		var d struct{ StreamDescriptionSummary struct{ StreamStatus string } }
		a.ok(&d, "describe-stream-summary", "--stream-name", stream)
		if d.StreamDescriptionSummary.StreamStatus == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream still %s after 15s", d.StreamDescriptionSummary.StreamStatus)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// CLI v1 sends the --data string's UTF-8 bytes (base64 on the wire).
	want := map[string]string{"hello from the aws cli ✓": "pk-single"}
	var put struct{ ShardId, SequenceNumber string }
	a.ok(&put, "put-record", "--stream-name", stream, "--partition-key", "pk-single", "--data", "hello from the aws cli ✓")
	if !strings.HasPrefix(put.ShardId, "shardId-") || put.SequenceNumber == "" {
		t.Fatalf("put-record: %+v", put)
	}

	type entry struct{ Data, PartitionKey string }
	var entries []entry
	for i := range 40 {
		e := entry{Data: fmt.Sprintf("cli-batch-record-%03d", i), PartitionKey: fmt.Sprintf("pk-%d", i)}
		entries = append(entries, e)
		want[e.Data] = e.PartitionKey
	}
	file := filepath.Join(t.TempDir(), "records.json")
	b, _ := json.Marshal(entries)
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var puts struct {
		FailedRecordCount int
		Records           []struct{ ShardId, SequenceNumber, ErrorCode string }
	}
	a.ok(&puts, "put-records", "--stream-name", stream, "--records", "file://"+file)
	if puts.FailedRecordCount != 0 || len(puts.Records) != len(entries) {
		t.Fatalf("put-records: FailedRecordCount %d, %d results for %d records", puts.FailedRecordCount, len(puts.Records), len(entries))
	}
	shardsUsed := map[string]bool{}
	for i, r := range puts.Records {
		if r.ErrorCode != "" || r.SequenceNumber == "" || !strings.HasPrefix(r.ShardId, "shardId-") {
			t.Errorf("put-records result %d: %+v", i, r)
		}
		shardsUsed[r.ShardId] = true
	}
	if len(shardsUsed) != 2 {
		t.Errorf("40 partition keys landed on %d shards, want both", len(shardsUsed))
	}

	check := func(when string) {
		t.Helper()
		got := a.readAllCLI(stream)
		for d, pk := range want {
			if gpk, ok := got[d]; !ok {
				t.Errorf("%s: record %q missing", when, d)
			} else if gpk != pk {
				t.Errorf("%s: record %q has partition key %q, want %q", when, d, gpk, pk)
			}
		}
		for d := range got {
			if _, ok := want[d]; !ok {
				t.Errorf("%s: unexpected record %q", when, d)
			}
		}
	}
	check("before restart")

	t.Run("errors", func(t *testing.T) {
		a := *a
		a.t = t
		a.fails("ResourceNotFoundException", "Stream nope under account 000000000000 not found.",
			"describe-stream", "--stream-name", "nope")
		a.fails("ResourceInUseException", "already exists",
			"create-stream", "--stream-name", stream, "--shard-count", "1")
		// The CLI itself rejects 0 (botocore's min: 1) unless validation is
		// off; with it off the request reaches rheo, which must reject it.
		out, errOut, code := a.run("create-stream", "--stream-name", "zero", "--shard-count", "0")
		if code == 0 {
			t.Errorf("create-stream --shard-count 0 with client validation: exit 0\n%s", out)
		}
		t.Logf("client-side validation: exit %d: %s", code, strings.TrimSpace(errOut))
		a.withConfig("parameter_validation = false").fails("ValidationException",
			"1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"create-stream", "--stream-name", "zero", "--shard-count", "0")
	})

	p.restartAfterTerm()
	check("after restart")
	var ls struct{ StreamNames []string }
	a.ok(&ls, "list-streams")
	if !slices.Contains(ls.StreamNames, stream) {
		t.Errorf("list-streams after restart: %v, want %s", ls.StreamNames, stream)
	}
	if slices.Contains(ls.StreamNames, "zero") {
		t.Errorf("list-streams shows stream %q whose creation was rejected", "zero")
	}
}
