package sqlengine

import (
	"strings"
	"testing"
)

const kinesisStored = " STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s')"

// TestHiveDelimitedCollections: ARRAY and MAP columns of a ROW FORMAT
// DELIMITED table are split as Hive's LazySimpleSerDe splits them (items on
// the collection delimiter, keys from values on the map-keys delimiter);
// they used to be NULL with a _parse_error.
func TestHiveDelimitedCollections(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p",
		"1|a,b|x:1,y:2|1,2",
		"2||||",
		`3|\N|\N|\N`,
		"4|a,,\\N|x:1,x:2,:3,z,w:q|7,x,",
		"5",
		"6|a\x02b|x\x031\x02y\x032|3\x024",
	)
	s := e.session()
	ddl := "CREATE TABLE t (id INT, arr ARRAY<STRING>, m MAP<STRING,INT>, ints ARRAY<INT>) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' " +
		"COLLECTION ITEMS TERMINATED BY ',' MAP KEYS TERMINATED BY ':'" + kinesisStored
	r := exec(t, s, ddl)
	for _, n := range r.Notices() {
		if strings.Contains(n, "COLLECTION") || strings.Contains(n, "MAP KEYS") {
			t.Errorf("notice for an applied clause: %q", n)
		}
	}
	want := []string{
		"1|[a, b]|map[x:1 y:2]|[1 2]|NULL",
		"2|[]|map[]|[]|NULL",
		"3|NULL|NULL|NULL|NULL",
		`4|[a, '', NULL]|map[:3 w:<nil> x:1 z:<nil>]|[7 <nil> <nil>]|column m: cannot parse "x:1,x:2,:3,z,w:q" as MAP(VARCHAR, INTEGER); column ints: cannot parse "7,x," as INTEGER[]`,
		"5|NULL|NULL|NULL|NULL",
		"6|[a\x02b]|map[x\x031\x02y\x032:<nil>]|[<nil>]|" + `column ints: cannot parse "3` + "\x024" + `" as INTEGER[]`,
	}
	check := func(name string) {
		t.Helper()
		got := rows(t, s, "SELECT id, arr::VARCHAR, m, ints, _parse_error FROM "+name+" ORDER BY id")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: got\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("t")
	if got := one(t, s, "SELECT m['y'], arr[2], ints[2] FROM t WHERE id = 1"); got != "2|b|2" {
		t.Fatal(got)
	}

	// Hive's defaults (\002 between items, \003 between key and value), and
	// the same delimiters as LazySimpleSerDe properties.
	exec(t, s, "CREATE TABLE d (id INT, arr ARRAY<STRING>, m MAP<STRING,INT>, ints ARRAY<INT>) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|'"+kinesisStored)
	if got := one(t, s, "SELECT arr::VARCHAR, m, ints FROM d WHERE id = 6"); got != "[a, b]|map[x:1 y:2]|[3 4]" {
		t.Fatal(got)
	}
	exec(t, s, "CREATE TABLE p (id INT, arr ARRAY<STRING>, m MAP<STRING,INT>, ints ARRAY<INT>) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "+
		"WITH SERDEPROPERTIES ('field.delim'='|', 'collection.delim'=',', 'mapkey.delim'=':')"+kinesisStored)
	check("p")
	// Hive's own spelling of the property has a typo, which DDL generated
	// by Hive (SHOW CREATE TABLE) carries.
	exec(t, s, "CREATE TABLE p2 (id INT, arr ARRAY<STRING>, m MAP<STRING,INT>, ints ARRAY<INT>) ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "+
		"WITH SERDEPROPERTIES ('field.delim'='|', 'colelction.delim'=',', 'mapkey.delim'=':')"+kinesisStored)
	check("p2")
	// A non-ASCII field delimiter reads the record in SQL: same results.
	e.stream("u", 1)
	e.put("u", 0, "p", "1§a,b§x:1,y:2§1,2")
	exec(t, s, "CREATE STREAM TABLE u (id INT, arr ARRAY<STRING>, m MAP<STRING,INT>, ints ARRAY<INT>) FROM STREAM 'u' FORMAT csv "+
		"OPTIONS (delimiter '§', collection.delim ',', mapkey.delim ':')")
	if got := one(t, s, "SELECT id, arr::VARCHAR, m, ints, _parse_error FROM u"); got != want[0] {
		t.Fatal(got)
	}
	// Definitions survive a restart.
	e.reopen()
	s = e.session()
	check("t")
}

// TestStreamTableStoredBeforeCollections: a definition stored before the
// delimiter fields existed loads with Hive's defaults.
func TestStreamTableStoredBeforeCollections(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p", "1|a\x02b|x\x031")
	old := map[string]any{"name": "old", "stream": "s", "format": "csv", "delimiter": "|", "ddl": "CREATE TABLE old ...",
		"columns": []map[string]string{{"name": "id", "type": "INTEGER"}, {"name": "arr", "type": "VARCHAR[]"}, {"name": "m", "type": "MAP(VARCHAR, INTEGER)"}}}
	if err := e.meta.Put(Namespace, "old", old); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	s := e.session()
	if got := one(t, s, "SELECT id, arr, m, _parse_error FROM old"); got != "1|[a b]|map[x:1]|NULL" {
		t.Fatal(got)
	}
}

// TestHiveNullDefinedAs: NULL DEFINED AS (and LazySimpleSerDe's
// serialization.null.format) sets the spelling of NULL in every field, item,
// key and value, as in Hive; it used to be ignored with a notice, so only \N
// was NULL.
func TestHiveNullDefinedAs(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p", "1|NA|NA|a,NA|k:NA", `2|\N|\N|\N|\N`, "3|||,|:", "NA|x|5|NA|NA")
	s := e.session()
	cols := " (id INT, n STRING, i INT, arr ARRAY<STRING>, m MAP<STRING,STRING>) "
	r := exec(t, s, "CREATE TABLE d"+cols+"ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "+
		"COLLECTION ITEMS TERMINATED BY ',' MAP KEYS TERMINATED BY ':' NULL DEFINED AS 'NA'"+kinesisStored)
	if len(r.Notices()) != 0 {
		t.Fatalf("notices %q", r.Notices())
	}
	want := []string{
		"1|NULL|NULL|[a, NULL]|{k=NULL}|NULL",
		`2|\N|NULL|[\N]|{\N=NULL}|column i: cannot parse "\N" as INTEGER`,
		"3||NULL|['', '']|{''=''}|NULL",
		"NULL|x|5|NULL|NULL|NULL",
	}
	check := func(name string) {
		t.Helper()
		got := rows(t, s, "SELECT id, n, i, arr::VARCHAR, m::VARCHAR, _parse_error FROM "+name+" ORDER BY _sequence_number")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: got\n%s\nwant\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("d")
	exec(t, s, "CREATE TABLE p"+cols+"ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe' "+
		"WITH SERDEPROPERTIES ('field.delim'='|', 'collection.delim'=',', 'mapkey.delim'=':', 'serialization.null.format'='NA')"+kinesisStored)
	check("p")
	// Hive reads SerDe properties from TBLPROPERTIES too, the usual place
	// for serialization.null.format = '' (empty fields are NULL).
	exec(t, s, "CREATE TABLE q (id INT, n STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED BY "+
		"'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s', 'serialization.null.format'='')")
	if got := strings.Join(rows(t, s, "SELECT id, n FROM q ORDER BY _sequence_number"), ","); got != `1|NA,2|\N,3|NULL,NULL|x` {
		t.Fatal(got)
	}
	e.reopen()
	s = e.session()
	check("d")
}

// TestHiveDelimitedBinary: a BINARY field of a delimited table is
// base64-decoded when it is base64 and taken as its exact bytes otherwise,
// as Hive's LazyBinary does; hive.serialization.decode.binary.as.base64 =
// false takes every field as is. The field's bytes used to go through
// UTF-8 replacement (00 ff c3 28 came back as 00 ef bf bd ...).
func TestHiveDelimitedBinary(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.stream("s", 1)
	e.put("s", 0, "p",
		"1|AP/DKAoNAQ==|AP/DKAoNAQ==",
		"2|\x00\xff\xc3\x28\x0a\x0d\x01|\x00\xff\xc3\x28\x0a\x0d\x01",
		"3||",
		`4|\N|\N`,
		"5|abcd|abcd",
		"6|AP/DKAoNAQ|ab\xffcd",
		"7|ab=c|AP/D\nKAoNAQ==",
		"8|AP/D\nKAoNAQ==|x",
	)
	s := e.session()
	exec(t, s, "CREATE TABLE b (id INT, b BINARY, v STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|'"+kinesisStored)
	exec(t, s, "CREATE TABLE r (id INT, b BINARY, v STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' STORED BY "+
		"'com.amazon.emr.kinesis.hive.KinesisStorageHandler' TBLPROPERTIES ('kinesis.stream.name'='s', 'hive.serialization.decode.binary.as.base64'='false')")
	got := rows(t, s, "SELECT b.id, hex(b.b), hex(r.b), hex(encode(b.v)), b._parse_error FROM b JOIN r USING (_sequence_number) ORDER BY b.id")
	want := []string{
		"1|00FFC3280A0D01|41502F444B416F4E41513D3D|41502F444B416F4E41513D3D|NULL",
		"2|00FFC3280A0D01|00FFC3280A0D01|00EFBFBD280A0D01|NULL",
		"3||||NULL",
		"4|NULL|NULL|NULL|NULL",
		"5|69B71D|61626364|61626364|NULL",
		"6|00FFC3280A0D01|41502F444B416F4E4151|6162EFBFBD6364|NULL",
		"7|61623D63|61623D63|41502F440A4B416F4E41513D3D|NULL",
		"8|41502F440A4B416F4E41513D3D|41502F440A4B416F4E41513D3D|78|NULL",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Only the BINARY column projected, and the slow (SetChunkValue) path.
	noRawVectors = true
	defer func() { noRawVectors = false }()
	if got := one(t, s, "SELECT hex(b) FROM b WHERE id = 2"); got != "00FFC3280A0D01" {
		t.Fatal(got)
	}
}

// TestLakeTableDelimitedClausesNotice: lake tables do not apply NULL DEFINED
// AS or the collection delimiters, and say so rather than dropping them
// silently.
func TestLakeTableDelimitedClausesNotice(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	r := exec(t, s, "CREATE EXTERNAL TABLE l (id INT, arr ARRAY<STRING>) ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "+
		"COLLECTION ITEMS TERMINATED BY ',' NULL DEFINED AS 'NA' LOCATION 's3://lake1/l'")
	if n := strings.Join(r.Notices(), "\n"); !strings.Contains(n, "COLLECTION ITEMS") || !strings.Contains(n, "NULL DEFINED AS") {
		t.Fatalf("notices %q", r.Notices())
	}
}
