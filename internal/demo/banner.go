package demo

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// PrintBanner tells the user where everything is and what to try.
func (d *Demo) PrintBanner(w io.Writer) {
	url, pg := d.URL(), d.PGURL()
	psql := func(q string) string { return fmt.Sprintf("psql %q -c %q", pg, q) }
	aws := "aws --endpoint-url " + url
	dataNote := "(kept)"
	if d.tmpDir != "" {
		dataNote = "(temporary: removed on exit; keep it with --data-dir)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rheo demo is running. Stop it with Ctrl+C.\n\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Web console\t%s/\n", url)
	fmt.Fprintf(tw, "  Kinesis + Firehose API\t%s\n", url)
	fmt.Fprintf(tw, "  SQL (Postgres wire)\t%s\n", pg)
	fmt.Fprintf(tw, "  Data dir\t%s %s\n", d.DataDir(), dataNote)
	tw.Flush()
	fmt.Fprintf(&b, "\nWhat runs:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  stream\t%s\t%d web access log records/s (JSON) from a built-in producer\n", StreamName, d.opts.Rate)
	fmt.Fprintf(tw, "  stream table\t%s\tthe stream as a SQL table (Hive JSON SerDe DDL)\n", StreamTable)
	fmt.Fprintf(tw, "  job\t%s\tevery %s: top 10 errors by region and page -> table %s\n", JobName, d.opts.JobEvery, WarehouseTable)
	fmt.Fprintf(tw, "  delivery stream\t%s\tthe stream -> Parquet in s3://%s/%s (every %v)\n", DeliveryName, LakeBucket, LakePrefix, d.opts.DeliveryInterval.Round(time.Second))
	fmt.Fprintf(tw, "  lake table\t%s\tthose Parquet objects as a SQL table\n", LakeTable)
	tw.Flush()
	fmt.Fprintf(&b, "\nTry:\n")
	for _, line := range []string{
		psql("SELECT region, count(*) AS requests, round(avg(latency_ms)) AS avg_ms FROM " + StreamTable +
			" WHERE _arrival_time > now() - INTERVAL 1 MINUTE GROUP BY region ORDER BY requests DESC"),
		psql("SHOW JOBS"),
		psql("SELECT * FROM " + WarehouseTable + " ORDER BY iteration DESC, errors DESC LIMIT 10"),
		psql("SELECT dt, count(*) AS records, max(\"timestamp\") AS newest FROM " + LakeTable + " GROUP BY dt"),
		fmt.Sprintf("rheo sql --pg-url %q", pg) + "                 # an interactive SQL shell",
		fmt.Sprintf("rheo tail --endpoint %s --stream %s", url, StreamName),
		"",
		"export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1",
		aws + " kinesis list-streams",
		aws + " kinesis describe-stream-summary --stream-name " + StreamName,
		aws + " firehose describe-delivery-stream --delivery-stream-name " + DeliveryName,
		"ls -R " + filepath.Join(d.DataDir(), "lake", LakeBucket, strings.TrimSuffix(LakePrefix, "/")),
	} {
		if line == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line + "\n")
	}
	fmt.Fprintf(&b, "\nMore: docs/demo.md.\n")
	_, _ = io.WriteString(w, b.String())
}
