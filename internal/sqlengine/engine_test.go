package sqlengine

import (
	"context"
	"strings"
	"testing"

	"github.com/rheo-dev/rheo/internal/seqnum"
)

func TestCSVStreamTable(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("trades", 2)
	e.put("trades", 0, "AAPL", "AAPL,BUY,10,101.5", "AAPL,SELL,5,102")
	e.put("trades", 1, "MSFT", "MSFT,BUY,x,300", "MSFT,BUY,7")
	s := e.session()
	r := exec(t, s, `CREATE EXTERNAL TABLE trades (ticker STRING, side STRING, qty INT, price DOUBLE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY ','
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES ("kinesis.stream.name" = "trades");`)
	if r.Tag() != "CREATE STREAM TABLE" {
		t.Fatalf("tag %q", r.Tag())
	}
	got := rows(t, s, "SELECT ticker, side, qty, price, _shard_id, _partition_key, _sub_sequence, _parse_error FROM trades ORDER BY _sequence_number")
	want := []string{
		"AAPL|BUY|10|101.5|shardId-000000000000|AAPL|0|NULL",
		"AAPL|SELL|5|102|shardId-000000000000|AAPL|0|NULL",
		`MSFT|BUY|NULL|300|shardId-000000000001|MSFT|0|column qty: cannot parse "x" as INTEGER`,
		"MSFT|BUY|7|NULL|shardId-000000000001|MSFT|0|NULL",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := one(t, s, "SELECT _sequence_number, _raw, _arrival_time FROM trades WHERE _shard_id = 'shardId-000000000001' ORDER BY 1 LIMIT 1"); got != seqnum.Encode(1, 0)+"|MSFT,BUY,x,300|2026-01-02T10:00:00Z" {
		t.Fatalf("metadata: %s", got)
	}
	res, err := s.Query(context.Background(), "SELECT count(*) AS n FROM trades")
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Columns(); len(c) != 1 || c[0].Name != "n" || c[0].Type != "BIGINT" {
		t.Fatalf("columns %v", c)
	}
	for res.Next() {
	}
	if res.Tag() != "SELECT 1" {
		t.Fatalf("tag %q", res.Tag())
	}
	res.Close()
}
