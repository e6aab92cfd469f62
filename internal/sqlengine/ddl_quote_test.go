package sqlengine

import "testing"

// TestNativeDDLQuotedColumns: in the native form, as in Postgres and
// DuckDB, double quotes delimit identifiers ("user" is a keyword); the
// Hive form keeps Hive's rule, where they delimit strings.
func TestNativeDDLQuotedColumns(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "k", `{"id":1,"user":"ann","Mixed Case":true}`)
	s := e.session()
	exec(t, s, `CREATE STREAM TABLE t (id INT, "user" VARCHAR, "Mixed Case" BOOLEAN) FROM STREAM 's' FORMAT json`)
	if got := one(t, s, `SELECT id, "user", "Mixed Case" FROM t`); got != "1|ann|true" {
		t.Errorf("row %q", got)
	}
	exec(t, s, `CREATE TABLE h (id INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ("kinesis.stream.name" = "s")`)
	if got := one(t, s, "SELECT id FROM h"); got != "1" {
		t.Errorf("hive row %q", got)
	}
}
