package sqlengine

import (
	"context"
	"flag"
	"path/filepath"
	"testing"
)

var convertRecords = flag.Int("convbench.records", 200_000, "records in the conversion benchmarks")

// BenchmarkConvertParquet measures Convert (JSON records → Parquet, the
// delivery path of DataFormatConversion) on ~1 KiB access-log records;
// MB/s is of JSON input. Compare with BenchmarkDuckDBParquetDirect, DuckDB
// converting the same rows from an NDJSON file by itself.
func BenchmarkConvertParquet(b *testing.B) {
	e := newEnv(b, envOpt{})
	s := e.session()
	exec(b, s, accessDDL)
	recs := accessRecords(*convertRecords)
	var total int64
	for _, r := range recs {
		total += int64(len(r))
	}
	path := filepath.Join(e.dir, "out.parquet")
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		res, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "access", Deserializer: "openx", CaseInsensitive: true, Records: recs, Path: path})
		if err != nil || res.Rows != len(recs) {
			b.Fatal(res.Rows, err)
		}
	}
}

// BenchmarkDuckDBParquetDirect is the comparison point: DuckDB reading the
// same records from an NDJSON file with the table's column types and
// writing Parquet (COPY (SELECT ... FROM read_json(...)) TO ...).
func BenchmarkDuckDBParquetDirect(b *testing.B) {
	e := newEnv(b, envOpt{})
	s := e.session()
	recs := accessRecords(*convertRecords)
	var total int64
	for _, r := range recs {
		total += int64(len(r)) + 1
	}
	in := filepath.Join(e.dir, "in.ndjson")
	writeNDJSON(b, in, recs)
	q := "COPY (SELECT * FROM read_json('" + in + "', format='newline_delimited', columns={'host': 'VARCHAR', 'status': 'INTEGER', 'bytes': 'BIGINT', 'ts': 'TIMESTAMP', 'ok': 'BOOLEAN', 'price': 'DECIMAL(10,2)', 'tags': 'VARCHAR[]', 'geo': 'STRUCT(country VARCHAR, city VARCHAR)'})) TO '" +
		filepath.Join(e.dir, "direct.parquet") + "' (FORMAT parquet, COMPRESSION snappy)"
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		exec(b, s, q)
	}
}
