package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// accessLogDDL is the table of the EMR Hive tutorial (seed 003): Apache
// access-log lines parsed by RegexSerDe from a Kinesis stream.
const accessLogDDL = `CREATE TABLE apachelog (
  host STRING, IDENTITY STRING, USER STRING, TIME STRING, request STRING,
  STATUS STRING, SIZE STRING, referrer STRING, agent STRING
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  "input.regex" = "([^ ]*) ([^ ]*) ([^ ]*) (-|\\[[^\\]]*\\]) ([^ \"]*|\"[^\"]*\") (-|[0-9]*) (-|[0-9]*)(?: ([^ \"]*|\"[^\"]*\") ([^ \"]*|\"[^\"]*\"))?"
)
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES ("kinesis.stream.name" = "AccessLogStream");
`

// checkpointSets are the settings of the tutorial for one iteration.
func checkpointSets(logical string, iteration int) []string {
	return []string{
		"set kinesis.checkpoint.enabled=true;",
		"set kinesis.checkpoint.metastore.table.name=gslabEMRkinesisTable;",
		"set kinesis.checkpoint.metastore.hash.key.name=HashKey;",
		"set kinesis.checkpoint.metastore.range.key.name=RangeKey;",
		"set kinesis.checkpoint.logical.name=" + logical + ";",
		fmt.Sprintf("set kinesis.checkpoint.iteration.no=%d;", iteration),
	}
}

// psqlRun runs psql against addr with the statements as -c arguments (one
// session) and returns its output; -q -A -t leave only the data.
func psqlRun(t *testing.T, addr string, stmts ...string) (string, error) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	args := []string{"-h", host, "-p", port, "-U", "rheo", "-d", "rheo", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"}
	for _, s := range stmts {
		args = append(args, "-c", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr // NOTICEs and ERRORs; stdout holds only data
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// psqlCount runs the checkpoint settings and a count(*) and returns it.
func psqlCount(t *testing.T, addr, logical string, iteration int) int {
	t.Helper()
	out, err := psqlRun(t, addr, append(checkpointSets(logical, iteration), "SELECT count(*) FROM apachelog;")...)
	if err != nil {
		t.Fatalf("psql count (%s, iteration %d): %v\n%s", logical, iteration, err, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("psql count (%s, iteration %d) printed %q", logical, iteration, out)
	}
	return n
}

// TestSeed003HiveIterationsOverPsql is the EMR-Hive-on-Kinesis scenario of
// seed 003 through psql against the built binary: a producer writes
// access-log lines continuously; iteration 0 of a logical name is frozen
// (the same count while records keep arriving); iteration 1 holds only the
// records after it; a new logical name starts from the oldest record; a
// restart keeps the iterations; bad SQL is an error and the server stays up.
func TestSeed003HiveIterationsOverPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	pgAddr := freeAddr(t)
	p := startRheo(t, "--pg-listen", pgAddr, "--sql-threads", "1", "--sql-memory-limit", "512MB")
	ctx := ctxT(t, 3*time.Minute)
	c := newKinesis(p.endpoint())
	createStreamActive(ctx, t, c, "AccessLogStream", 2)

	// The producer: PutRecords of Apache access-log lines until stopped.
	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := 0; ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			entries := make([]types.PutRecordsRequestEntry, 25)
			for i := range entries {
				n := b*25 + i
				line := fmt.Sprintf(`10.0.%d.%d - - [20/Jul/2009:20:12:%02d -0700] "GET /item/%d HTTP/1.1" %d %d "-" "Mozilla/5.0"`,
					n/250%250, n%250, n%60, n, []int{200, 200, 302, 404, 500}[n%5], 100+n%900)
				entries[i] = types.PutRecordsRequestEntry{Data: []byte(line), PartitionKey: aws.String(strconv.Itoa(n))}
			}
			out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("AccessLogStream"), Records: entries})
			if err != nil {
				t.Errorf("PutRecords: %v", err)
				return
			}
			acked.Add(int64(len(entries) - int(aws.ToInt32(out.FailedRecordCount))))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	stopProducer := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopProducer)
	for acked.Load() < 300 {
		if t.Failed() {
			t.FailNow()
		}
		time.Sleep(20 * time.Millisecond)
	}

	if out, err := psqlRun(t, pgAddr, accessLogDDL); err != nil {
		t.Fatalf("Hive DDL: %v\n%s", err, out)
	}
	c0 := psqlCount(t, pgAddr, "TestLogicalName", 0)
	if c0 <= 0 {
		t.Fatalf("iteration 0 counted %d records", c0)
	}
	// Records keep arriving; iteration 0 stays the same.
	before := acked.Load()
	for acked.Load() < before+200 {
		time.Sleep(20 * time.Millisecond)
	}
	if again := psqlCount(t, pgAddr, "TestLogicalName", 0); again != c0 {
		t.Fatalf("iteration 0 re-run counted %d, first run %d", again, c0)
	}
	// Parsing works on the table (top status codes, as the tutorial asks).
	out, err := psqlRun(t, pgAddr, append(checkpointSets("TestLogicalName", 0),
		"SELECT status, count(*) FROM apachelog GROUP BY status ORDER BY status;")...)
	if err != nil || !strings.Contains(out, "200|") || !strings.Contains(out, "500|") {
		t.Fatalf("group by status: %v\n%s", err, out)
	}

	stopProducer()
	total := int(acked.Load())
	c1 := psqlCount(t, pgAddr, "TestLogicalName", 1)
	if c1 <= 0 || c0+c1 != total {
		t.Fatalf("iteration 1 counted %d; iteration 0 %d; %d acknowledged in all", c1, c0, total)
	}
	if n := psqlCount(t, pgAddr, "AnotherName", 0); n != total {
		t.Fatalf("a new logical name's iteration 0 counted %d, want all %d", n, total)
	}

	// Bad SQL is an error; the server stays up and the session model holds.
	out, err = psqlRun(t, pgAddr, "SELEC count(*) FROM apachelog;")
	if err == nil || !strings.Contains(out, "ERROR") {
		t.Fatalf("bad SQL: err %v\n%s", err, out)
	}

	// A restart keeps the iterations.
	p.restartAfterTerm()
	if n := psqlCount(t, pgAddr, "TestLogicalName", 0); n != c0 {
		t.Fatalf("after restart iteration 0 counted %d, want %d", n, c0)
	}
	if n := psqlCount(t, pgAddr, "TestLogicalName", 1); n != c1 {
		t.Fatalf("after restart iteration 1 counted %d, want %d", n, c1)
	}
	if out, err := psqlRun(t, pgAddr, "SELECT count(*) FROM apachelog;"); err != nil || strings.TrimSpace(out) != strconv.Itoa(total) {
		t.Fatalf("plain count after restart: %v %q, want %d", err, out, total)
	}
}
