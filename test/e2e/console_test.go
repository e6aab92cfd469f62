package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath finds the browser; the test skips without one only outside
// CI (CI installs Debian's chromium in .ci/run and must run it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium); the console browser test needs it")
	}
	t.Fatal("chromium is not installed, and CI must run the console browser test (.ci/run installs it)")
	return ""
}

// newBrowser starts headless Chromium (with extra command-line flags) for
// the life of the test and returns its context.
func newBrowser(t *testing.T, chromium string, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox /* CI runs as root */, chromedp.DisableGPU)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, flags...)...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// The first Run starts the browser for the life of its context, so it
	// gets no timeout.
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browser
}

// consoleCall posts one JSON request (Kinesis JSON 1.1 when target is set,
// else JSON to /v1/sql) and fails the test on a non-200 answer.
func consoleCall(t *testing.T, url, target, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", url, target, resp.StatusCode, b)
	}
}

// seriesPixels counts the pixels of the first series' colour (#2563eb) on
// the SQL chart's canvas: the data is drawn, not just the axes.
const seriesPixels = `(() => {
	const c = document.querySelector('#sql-chart canvas');
	const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	let n = 0;
	for (let i = 0; i < d.length; i += 4) if (d[i+3] > 0 && d[i] < 110 && d[i+1] < 150 && d[i+2] > 200) n++;
	return n;
})()`

// TestConsoleBrowser drives the web console in headless Chromium against
// the built binary: the stream the test made is listed with its rate graph
// (and a non-zero rate once sampled), the stream page tails records as JSON
// and puts one, a resharded stream shows its lineage, the SQL page runs
// queries with Ctrl+Enter and draws the result table and a bar or line
// chart, the other pages render, no exception escapes, and with SigV4 on
// the page signs in with an access key and signs its calls. Screenshots
// are kept as artifacts.
func TestConsoleBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	p := startRheo(t)
	url := p.endpoint()

	const stream = "console_clicks"
	consoleCall(t, url+"/", "Kinesis_20131202.CreateStream", `{"StreamName":"`+stream+`","ShardCount":2}`)
	active := func(name string) func() bool {
		return func() bool {
			req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(`{"StreamName":"`+name+`"}`))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "Kinesis_20131202.DescribeStreamSummary")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return bytes.Contains(b, []byte(`"ACTIVE"`))
		}
	}
	waitUntil(t, 10*time.Second, active(stream))
	pages := []string{"/", "/cart", "/checkout", "/search", "/help"}
	var recs []string
	for i := 0; i < 50; i++ {
		data, _ := json.Marshal(map[string]any{"page": pages[i%len(pages)], "ms": 10 * (i%len(pages) + 1)})
		recs = append(recs, fmt.Sprintf(`{"Data":%q,"PartitionKey":"u%d"}`, base64.StdEncoding.EncodeToString(data), i))
	}
	consoleCall(t, url+"/", "Kinesis_20131202.PutRecords", `{"StreamName":"`+stream+`","Records":[`+strings.Join(recs, ",")+`]}`)
	consoleCall(t, url+"/v1/sql", "", `{"sql":"CREATE STREAM TABLE console_clicks_t (page VARCHAR, ms INTEGER) FROM STREAM 'console_clicks' FORMAT json"}`)

	browser := newBrowser(t, chromium, chromedp.WindowSize(1400, 1000))

	// Uncaught exceptions on the page fail the test (HTTP errors of the
	// auth part below are expected and are not exceptions).
	var excMu sync.Mutex
	var exceptions []string
	go func() {
		for msg, err := range chromedp.Console(browser) {
			if err != nil {
				return
			}
			if msg.IsException() {
				excMu.Lock()
				exceptions = append(exceptions, msg.Text)
				excMu.Unlock()
			}
		}
	}()

	artifacts := os.Getenv("RHEO_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100: PNG
			if err != nil {
				return err
			}
			path := filepath.Join(artifacts, name)
			if err := os.WriteFile(path, png, 0o644); err != nil {
				return err
			}
			t.Logf("screenshot: %s", path)
			return nil
		})
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, actions...); err != nil {
			sctx, scancel := context.WithTimeout(browser, 10*time.Second)
			defer scancel()
			_ = chromedp.Do(sctx, shot("console-failed.png"))
			t.Fatalf("%s: %v", name, err)
		}
	}
	// value reads one value from the page.
	value := func(a chromedp.Action[string]) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("read from page: %v", err)
		}
		return v
	}
	// count evaluates an integer expression on the page.
	count := func(expr string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 10*time.Second)
		defer cancel()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("evaluate %.60q: %v", expr, err)
		}
		return n
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// until waits for a JavaScript condition on the page.
	until := func(cond string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(25*time.Second))(ctx, tg)
			return err
		})
	}
	row := `tr[data-stream="` + stream + `"]`

	// Streams: the stream is listed with its rate graph (a canvas).
	step("streams page",
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible(css(row+" a.stream-name")),
		chromedp.WaitVisible(css(row+" .chart canvas")),
	)
	if shards := value(chromedp.Text(css(row + " td:nth-child(3)"))); strings.TrimSpace(shards) != "2" {
		t.Errorf("open shards shown %q, want 2", shards)
	}

	// Stream detail: shards listed; the tail shows the last minutes as
	// pretty JSON, and a record put through the form comes back on top.
	step("stream page",
		chromedp.Click(css(row+" a.stream-name")),
		chromedp.WaitVisible(css("table.shards")),
		until(`document.querySelectorAll('.tail .record pre.json').length === 50`),
		chromedp.SetValue(css("#put-data"), `{"probe": "from chromedp", "n": 7}`),
		chromedp.Click(css("form.put button")),
		until(`(document.querySelector('.tail .record pre.json') || {}).textContent?.includes('"probe": "from chromedp"')`),
		shot("console-stream.png"),
	)
	// Basics for keyboard and screen-reader users: the tail's start is a
	// labelled control, Pause says whether it is pressed, and the nav says
	// which page is open.
	if n := count(`(document.querySelector('#tail-start').closest('label') ? 1 : 0) + (document.querySelector('#tail-pause').getAttribute('aria-pressed') === 'false' ? 1 : 0) + document.querySelectorAll('nav a[aria-current="page"][href="#/"]').length`); n != 3 {
		t.Errorf("stream page accessibility basics: %d of 3", n)
	}
	if ok := value(chromedp.Text(css("p.ok"))); !strings.Contains(ok, "Stored in shardId-") {
		t.Errorf("PutRecord answer shown as %q", ok)
	}

	// Hostile and huge records: markup in a record is shown as text, never
	// parsed; a 300 KB record is cut, not put whole into the page.
	xss := `<img src=x onerror="window.__xss=1"><b id="xss-probe">bold</b>`
	consoleCall(t, url+"/", "Kinesis_20131202.PutRecord", `{"StreamName":"`+stream+`","PartitionKey":"x","Data":"`+base64.StdEncoding.EncodeToString([]byte(xss))+`"}`)
	huge := "big-record " + strings.Repeat("0123456789", 30_000)
	consoleCall(t, url+"/", "Kinesis_20131202.PutRecord", `{"StreamName":"`+stream+`","PartitionKey":"h","Data":"`+base64.StdEncoding.EncodeToString([]byte(huge))+`"}`)
	step("hostile and huge records",
		until(`[...document.querySelectorAll('.tail .record pre.text')].some((p) => p.textContent.startsWith('big-record'))`),
		until(`[...document.querySelectorAll('.tail .record pre.text')].some((p) => p.textContent.includes('xss-probe'))`),
	)
	if n := count(`document.querySelectorAll('#xss-probe, .tail img').length + (window.__xss ? 100 : 0)`); n != 0 {
		t.Errorf("a record's markup became page elements (%d)", n)
	}
	if n := count(`Math.max(...[...document.querySelectorAll('.tail .record pre')].map((p) => p.textContent.length))`); n > 10_000 {
		t.Errorf("the tail shows a record of %d characters, want it cut", n)
	}

	// Lineage: after a reshard the parent is closed and names its children.
	consoleCall(t, url+"/", "Kinesis_20131202.CreateStream", `{"StreamName":"console_reshard","ShardCount":1}`)
	waitUntil(t, 10*time.Second, func() bool {
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(`{"StreamName":"console_reshard","TargetShardCount":2,"ScalingType":"UNIFORM_SCALING"}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.UpdateShardCount")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200 // ResourceInUse while still CREATING
	})
	waitUntil(t, 10*time.Second, active("console_reshard"))
	step("lineage",
		chromedp.Navigate(url+"/#/stream/console_reshard"),
		until(`[...document.querySelectorAll('table.shards tbody tr')].length === 3`),
	)
	lineage := value(chromedp.Text(css("table.shards tbody tr:first-child")))
	if !strings.Contains(lineage, "closed") || !strings.Contains(lineage, "shardId-000000000001, shardId-000000000002") {
		t.Errorf("parent shard row %q, want closed with children 1 and 2", lineage)
	}

	// SQL: Ctrl+Enter runs; the table has a row per page and the chart draws.
	const query = `SELECT page, count(*) AS hits, avg(ms) AS avg_ms FROM console_clicks_t WHERE page IS NOT NULL GROUP BY page ORDER BY page`
	step("sql page",
		chromedp.Navigate(url+"/#/sql"),
		chromedp.WaitVisible(css("#sql-editor")),
		chromedp.SetValue(css("#sql-editor"), query),
		chromedp.Focus(css("#sql-editor")),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(css("#sql-result tbody tr")),
		chromedp.WaitVisible(css("#sql-chart canvas")),
		shot("console-sql.png"),
	)
	meta := value(chromedp.Text(css("#sql-meta")))
	if !strings.Contains(meta, "5 rows") || !strings.Contains(meta, " ms") {
		t.Errorf("result line %q lacks the row count and time", meta)
	}
	if rows := count(`document.querySelectorAll('#sql-result tbody tr').length`); rows != len(pages) {
		t.Errorf("result table has %d rows, want %d", rows, len(pages))
	}
	if painted := count(seriesPixels); painted < 200 {
		t.Errorf("chart canvas has %d pixels of the series colour; the chart drew no data", painted)
	}

	// A time column on x makes a line chart by default.
	step("sql line chart",
		chromedp.SetValue(css("#sql-editor"), `SELECT TIMESTAMP '2026-01-01 00:00:00' + i * INTERVAL 1 MINUTE AS t, i * i AS sq FROM range(0, 30) r(i)`),
		chromedp.Focus(css("#sql-editor")),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		until(`document.querySelectorAll('#sql-result tbody tr').length === 30`),
		chromedp.WaitVisible(css("#sql-chart canvas")),
		shot("console-sql-line.png"),
	)
	if kind := value(chromedp.Value(css("#chart-kind"))); kind != "line" {
		t.Errorf("chart kind for a time x is %q, want line", kind)
	}
	if linePx := count(seriesPixels); linePx < 100 {
		t.Errorf("line chart has %d pixels of the series colour", linePx)
	}

	// A DATE is a day on the calendar, not UTC midnight: west of Greenwich
	// it must not chart as the evening before. The legend shows the x under
	// the cursor, here the middle of three days.
	step("sql date chart west of UTC",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"})
			return err
		}),
		chromedp.SetValue(css("#sql-editor"), `SELECT DATE '2026-01-01' + i::INTEGER AS day, i + 1 AS n FROM range(3) r(i)`),
		chromedp.Click(css("#sql-run")),
		until(`(document.querySelector('#sql-result tbody td') || {}).textContent === '2026-01-01'`),
		chromedp.WaitVisible(css("#sql-chart .u-over")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => { const o = document.querySelector('#sql-chart .u-over'); const r = o.getBoundingClientRect();
				o.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true })); return true; })()`)(ctx, tg)
			return err
		}),
	)
	if x := value(chromedp.Text(css("#sql-chart .u-legend .u-series:first-child .u-value"))); !strings.HasPrefix(x, "2026-01-02") {
		t.Errorf("the middle day charts as %q, want 2026-01-02", x)
	}
	// The legend names the columns as they are.
	if l := value(chromedp.Evaluate[string](`[...document.querySelectorAll('#sql-chart .u-legend .u-label')].map((x) => x.innerText).join(',')`)); l != "day,n" {
		t.Errorf("chart legend %q, want day,n", l)
	}
	step("host time zone again", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{})
		return err
	}))

	// Numbers past a double's 53 bits are shown as the server sent them.
	step("sql big numbers",
		chromedp.SetValue(css("#sql-editor"), `SELECT 9007199254740993::BIGINT AS big, 12345678901234567890::HUGEINT AS huge, 123456789012345678.12::DECIMAL(38,2) AS dec`),
		chromedp.Click(css("#sql-run")),
		until(`document.querySelectorAll('#sql-result tbody td').length === 3`),
	)
	if got := value(chromedp.Text(css("#sql-result tbody tr"))); strings.Join(strings.Fields(got), " ") != "9007199254740993 12345678901234567890 123456789012345678.12" {
		t.Errorf("big numbers shown as %q", got)
	}

	// Only numbers are offered for y: not lists, structs or intervals,
	// whose type names hold INTEGER.
	step("sql chart columns",
		chromedp.SetValue(css("#sql-editor"), `SELECT 'a' AS k, 1 AS n, [1, 2] AS l, {'a': 1} AS s, INTERVAL 3 DAY AS iv`),
		chromedp.Click(css("#sql-run")),
		until(`document.querySelectorAll('#sql-result tbody td').length === 5`),
	)
	if ys := value(chromedp.Evaluate[string](`[...document.querySelectorAll('#chart-y option')].map((o) => o.textContent).join(',')`)); ys != "n" {
		t.Errorf("y columns offered: %q, want only n", ys)
	}
	// Column names are identifiers: shown as they are, not upper-cased.
	if th := value(chromedp.Evaluate[string](`[...document.querySelectorAll('#sql-result th')].map((x) => x.innerText).join(',')`)); th != "k,n,l,s,iv" {
		t.Errorf("result header shows %q, want k,n,l,s,iv", th)
	}

	// A long query is cancelled on the server by Cancel, and by leaving
	// the page (it would run for minutes): rheo counts it as failed.
	sqlErrors := func() int {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var n int
		for _, line := range strings.Split(string(b), "\n") {
			if _, err := fmt.Sscanf(line, `rheo_sql_errors_total{protocol="http"} %d`, &n); err == nil {
				return n
			}
		}
		return -1
	}
	const slow = `SELECT sum(hash(a.range + b.range)) FROM range(200000) a, range(200000) b`
	before := sqlErrors()
	step("sql cancel",
		chromedp.SetValue(css("#sql-editor"), slow),
		chromedp.Click(css("#sql-run")),
		chromedp.WaitVisible(css("#sql-cancel")),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Click(css("#sql-cancel")),
		until(`document.querySelector('#sql-status').textContent.startsWith('cancelled')`),
	)
	waitUntil(t, 15*time.Second, func() bool { return sqlErrors() == before+1 })
	step("sql cancelled by leaving the page",
		chromedp.Click(css("#sql-run")),
		chromedp.WaitVisible(css("#sql-cancel")),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Navigate(url+"/#/iterations"),
	)
	waitUntil(t, 15*time.Second, func() bool { return sqlErrors() == before+2 })
	// The other pages render without errors.
	step("delivery, iterations and jobs pages",
		chromedp.Navigate(url+"/#/delivery"),
		chromedp.WaitVisible(css("main p.empty")),
		chromedp.Navigate(url+"/#/iterations"),
		chromedp.WaitVisible(css("main p.empty")),
		chromedp.Navigate(url+"/#/jobs"),
		until(`!!document.querySelector('#no-jobs, main table')`),
	)
	// A hand-typed stream URL that does not decode names no stream; it
	// is not a blank page.
	step("malformed stream URL",
		chromedp.Navigate(url+"/#/stream/%E0%A4%A"),
		until(`(document.querySelector('main .error') || {}).textContent?.includes('ValidationException')`),
	)
	// Back on the streams page, the rate graph gets its first interval
	// once the server has sampled twice (every 5 s).
	step("streams rates",
		chromedp.Navigate(url+"/#/"),
		chromedp.WaitVisible(css(row+" .chart canvas")),
		until(`parseFloat(document.querySelector('`+row+` td:nth-child(6)').textContent) > 0`),
		shot("console-streams.png"),
	)

	// A server restart while the stream page is open: the tail says rheo
	// is not answering, keeps what it shows, and carries on once it is back.
	step("tail while rheo is down",
		chromedp.Navigate(url+"/#/stream/"+stream),
		until(`document.querySelectorAll('.tail .record').length > 0`),
	)
	p.term(15 * time.Second)
	step("tail says rheo is down",
		until(`(document.querySelector('#tail-status') || {}).textContent?.includes('is not answering')`),
	)
	p.start()
	consoleCall(t, url+"/", "Kinesis_20131202.PutRecord", `{"StreamName":"`+stream+`","PartitionKey":"r","Data":"`+base64.StdEncoding.EncodeToString([]byte(`{"after":"restart"}`))+`"}`)
	step("tail after restart",
		until(`(document.querySelector('.tail .record pre.json') || {}).textContent?.includes('"after": "restart"')`),
		until(`document.querySelector('#tail-status').textContent === ''`),
	)

	excMu.Lock()
	if len(exceptions) > 0 {
		t.Errorf("uncaught exceptions on the page: %q", exceptions)
	}
	excMu.Unlock()

	// With SigV4 auth on, the page asks for an access key before showing
	// anything; a wrong secret is refused with AWS's message, the right one
	// signs every call in the browser (Kinesis, SQL, the console's JSON),
	// and signing out forgets it.
	const akid, secret = "AKIDCONSOLEE2E", "console-e2e-secret"
	t.Setenv("RHEO_ACCESS_KEY_ID", akid)
	t.Setenv("RHEO_SECRET_ACCESS_KEY", secret)
	authed := startRheo(t)
	signed := kinesis.New(newKinesis(authed.endpoint()).Options(), func(o *kinesis.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, "")
	})
	ctx, cancelCtx := context.WithTimeout(context.Background(), time.Minute)
	defer cancelCtx()
	if _, err := signed.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("console_signed"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	signedRow := `tr[data-stream="console_signed"]`
	step("auth sign-in form",
		chromedp.Navigate(authed.endpoint()+"/"),
		chromedp.WaitVisible(css("form.signin")),
		chromedp.WaitVisible(css("#streams .error")),
		shot("console-auth.png"),
	)
	if msg := value(chromedp.Text(css("#streams .error"))); !strings.Contains(msg, "Authentication is on: sign in") {
		t.Errorf("streams page before sign-in says %q", msg)
	}
	signIn := func(key string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.SetValue(css("#signin-akid"), akid),
			chromedp.SetValue(css("#signin-secret"), key),
			chromedp.Click(css("form.signin button")),
		)
	}
	step("auth wrong secret",
		signIn("not-the-secret"),
		until(`(document.querySelector('form.signin .error') || {}).textContent?.includes('InvalidSignatureException')`),
	)
	step("auth sign in",
		signIn(secret),
		chromedp.WaitVisible(css("#signed-in")),
		chromedp.WaitVisible(css(signedRow+" a.stream-name")),
		shot("console-auth-signed-in.png"),
	)
	if who := value(chromedp.Text(css("#signed-in"))); who != "arn:aws:iam::000000000000:user/rheo" {
		t.Errorf("signed in as %q", who)
	}
	step("auth sql",
		chromedp.Navigate(authed.endpoint()+"/#/sql"),
		chromedp.WaitVisible(css("#sql-editor")),
		chromedp.SetValue(css("#sql-editor"), `SELECT 6 * 7 AS answer`),
		chromedp.Focus(css("#sql-editor")),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		until(`(document.querySelector('#sql-result tbody td') || {}).textContent === '42'`),
	)
	step("auth sign out",
		chromedp.Click(css("#sign-out")),
		chromedp.WaitVisible(css("form.signin")),
	)
	excMu.Lock()
	if len(exceptions) > 0 {
		t.Errorf("uncaught exceptions on the page with auth on: %q", exceptions)
	}
	excMu.Unlock()
}

// TestConsoleBrowserThrottled: with --enforce-limits, refreshing a few
// dozen streams spends DescribeStreamSummary's quota (20/s per account);
// the streams page paces itself and shows every stream, not throttling
// errors, across refreshes.
func TestConsoleBrowserThrottled(t *testing.T) {
	chromium := chromiumPath(t)
	p := startRheo(t, "--enforce-limits")
	url := p.endpoint()
	const streams = 30
	for i := 0; i < streams; i++ {
		// CreateStream has a quota too (5/s): wait it out.
		waitUntil(t, 10*time.Second, func() bool {
			req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(fmt.Sprintf(`{"StreamName":"throttled_%02d","ShardCount":1}`, i)))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "Kinesis_20131202.CreateStream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	browser := newBrowser(t, chromium, chromedp.WindowSize(1400, 1000))
	ctx, cancel := context.WithTimeout(browser, time.Minute)
	defer cancel()
	poll := func(cond string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(40*time.Second))(ctx, tg)
			return err
		})
	}
	all := fmt.Sprintf(`document.querySelectorAll('tr[data-stream] .status.active').length === %d`, streams)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/"),
		poll(all),
		chromedp.Sleep(6*time.Second), // the next refresh
		poll(all),
	); err != nil {
		t.Fatalf("streams page under call quotas: %v", err)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-stream] .error').length`)); err != nil || n != 0 {
		t.Errorf("%d streams show an error (%v)", n, err)
	}
}

// TestCrossSiteFormRefused: a page on another origin that makes the
// visitor's Chromium post a form to rheo (a text/plain body that is valid
// JSON for /v1/sql, with a COPY that writes a file) is refused, and the
// file is not written; a name rebound to 127.0.0.1 gets nothing but the
// reason, while localhost works. The same SQL from curl-like clients runs.
func TestCrossSiteFormRefused(t *testing.T) {
	chromium := chromiumPath(t)
	p := startRheo(t)
	target := filepath.Join(t.TempDir(), "pwned.csv")
	field := html.EscapeString(`{"sql":"COPY (SELECT 1 AS x) TO '` + target + `' (FORMAT csv)","x":"`)
	page := `<!doctype html><form id="f" action="` + p.endpoint() + `/v1/sql" method="POST" enctype="text/plain">` +
		`<input name="` + field + `" value="&quot;}"></form><script>document.getElementById("f").submit()</script>`
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	}))
	defer evil.Close()

	// rebind.test resolves to 127.0.0.1, as a hostile name does after a
	// DNS rebinding.
	browser := newBrowser(t, chromium, chromedp.Flag("host-resolver-rules", "MAP rebind.test 127.0.0.1"))
	ctx, cancelRun := context.WithTimeout(browser, 30*time.Second)
	defer cancelRun()
	// The form posts on load; wait until the browser shows rheo's answer.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(evil.URL),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`location.pathname === "/v1/sql" && document.readyState === "complete"`,
				chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
			return err
		}),
	); err != nil {
		t.Fatalf("cross-site form: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(text), "cross-origin") {
		t.Errorf("rheo's answer to the cross-site form: %q", text)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatalf("the cross-site form ran its COPY: %s exists", target)
	}
	// Under a rebound name rheo answers the browser nothing but why; under
	// localhost the console loads.
	_, port, _ := strings.Cut(strings.TrimPrefix(p.endpoint(), "http://"), ":")
	for _, tc := range []struct{ url, want string }{
		{"http://rebind.test:" + port + "/", "DNS rebinding protection"},
		{"http://localhost:" + port + "/console/api/info", `"authRequired":false`},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(tc.url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if !strings.Contains(text, tc.want) {
			t.Errorf("%s shows %q, want %q", tc.url, text, tc.want)
		}
	}
	// The same body from a client without browser headers does run.
	resp, err := http.Post(p.endpoint()+"/v1/sql", "text/plain", strings.NewReader(`{"sql":"COPY (SELECT 1 AS x) TO '`+target+`' (FORMAT csv)"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := os.Stat(target); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the same COPY without browser headers: %d %v", resp.StatusCode, err)
	}
}

// TestCORSFromBrowser: a browser app on another origin calls the Kinesis
// API with fetch, as the AWS SDK for JavaScript does in a browser: a rheo
// started with --cors-origins naming that origin answers it (preflight
// included), one without the option does not.
func TestCORSFromBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><script>
fetch(new URLSearchParams(location.search).get("rheo") + "/", {method: "POST",
  headers: {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.ListStreams"}, body: "{}"})
  .then((r) => r.json()).then((j) => { document.title = "ok " + JSON.stringify(j.StreamNames); },
    (e) => { document.title = "failed " + e; });
</script>`)
	}))
	defer app.Close()
	open := startRheo(t, "--cors-origins", app.URL)
	closed := startRheo(t)

	browser := newBrowser(t, chromium)
	for _, tc := range []struct {
		rheo *rheoProc
		want string
	}{{open, "ok []"}, {closed, "failed TypeError: Failed to fetch"}} {
		ctx, cancelRun := context.WithTimeout(browser, 30*time.Second)
		err := chromedp.Do(ctx,
			chromedp.Navigate(app.URL+"/?rheo="+url.QueryEscape(tc.rheo.endpoint())),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Poll[bool](`document.title !== ""`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))(ctx, tg)
				return err
			}))
		var title string
		if err == nil {
			title, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
		}
		cancelRun()
		if err != nil {
			t.Fatalf("%s: %v", tc.rheo.endpoint(), err)
		}
		if title != tc.want {
			t.Errorf("fetch from %s to %s: %q, want %q", app.URL, tc.rheo.endpoint(), title, tc.want)
		}
	}
}
