package sqlengine

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Record format conversion for delivery (Firehose's
// DataFormatConversionConfiguration): JSON records become rows of a
// Parquet file whose schema is a table of rheo's catalog.
//
// Records reach DuckDB through the table function rheo_records()
// (records.go), which reads the batch handed over in the statement's
// context (as rheo_scan reads its plan) and emits (__idx, __raw,
// __present). Go splits each record into its JSON documents and checks
// them (jsonscan.go), applying the OpenX key rules, so malformed records
// fail fast and DuckDB parses only valid JSON; __present has a bit per
// column whose key holds a non-null value. One COPY ... TO (FORMAT
// parquet) types each document with from_json (the machinery of
// read_json) and writes the rows whose present columns all converted, in
// record order (convert_sql.go); only a batch with bad rows takes a
// second pass to name them. Tables too wide for the bit mask use a
// materialising plan that computes each row's error message.

// Firehose's error code for a record that does not match the schema or is
// not JSON (the lastErrorCode of records under the error prefix).
const codeMalformed = "DataFormatConversion.MalformedData"

// ConvertRequest is one batch to convert.
type ConvertRequest struct {
	Database, Table string
	// Deserializer is "openx" (OpenXJsonSerDe) or "hive" (HiveJsonSerDe).
	Deserializer string
	// CaseInsensitive: OpenX matches keys ignoring case (AWS's default is
	// true; the Hive SerDe always does).
	CaseInsensitive bool
	// ColumnToJSONKey maps a column to the JSON key it reads (OpenX).
	ColumnToJSONKey map[string]string
	// DotsToUnderscores turns "a.b" keys into "a_b" (OpenX).
	DotsToUnderscores bool
	// TimestampFormats are Joda-Time patterns (Hive), "millis" for epoch
	// milliseconds.
	TimestampFormats []string
	Serializer       string // "parquet"; "orc" is not supported
	Compression      string // SNAPPY (default), GZIP, UNCOMPRESSED, ZSTD
	Records          [][]byte
	Path             string // the file to create
}

// ConvertResult is what Convert did: Rows written, and the records that
// could not be converted (in no file).
type ConvertResult struct {
	Rows   int
	Failed []ConvertFailure
}

// ConvertFailure is one record that did not convert.
type ConvertFailure struct {
	Index         int // into ConvertRequest.Records
	Code, Message string
}

// CheckTable fails unless database.table names a table or view of the
// catalog (stream tables, lake tables and warehouse tables all count);
// database "", "default", "public" or a DuckDB schema name. The message is for the
// API to show.
func (e *Engine) CheckTable(ctx context.Context, database, table string) error {
	_, err := e.schemaColumns(ctx, database, table)
	return err
}

// isMainSchema reports whether a conversion schema's DatabaseName names
// the warehouse's main schema: "" or Glue's "default", "main", or
// Postgres's "public" (pgschema.go).
func isMainSchema(database string) bool {
	return database == "" || strings.EqualFold(database, "default") || strings.EqualFold(database, "main") ||
		strings.EqualFold(database, "public")
}

// schemaColumns returns the data columns of a conversion schema table.
func (e *Engine) schemaColumns(ctx context.Context, database, table string) ([]tableColumn, error) {
	name := strings.ToLower(table)
	if isMainSchema(database) {
		e.mu.Lock()
		st, isStream := e.tables[name]
		xt, isExt := e.externals[name]
		e.mu.Unlock()
		switch {
		case isStream:
			return st.userColumns(), nil
		case isExt:
			return xt.Columns, nil
		}
	}
	s, err := e.newSession(ctx, false)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	schema := database
	if isMainSchema(schema) {
		schema = "main"
	}
	rows, err := s.conn.QueryContext(ctx, `SELECT column_name, data_type FROM duckdb_columns()
WHERE lower(table_name) = lower(?) AND lower(schema_name) = lower(?) AND database_name = current_database()
ORDER BY column_index`, namedArgs([]any{table, schema}))
	if err != nil {
		return nil, toError(err)
	}
	defer rows.Close()
	var cols []tableColumn
	vals := make([]driver.Value, 2)
	for {
		if err := rows.Next(vals); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, toError(err)
		}
		cols = append(cols, tableColumn{Name: fmt.Sprint(vals[0]), Type: fmt.Sprint(vals[1])})
	}
	if len(cols) == 0 {
		return nil, newErr(CodeUndefinedTable, "table %s.%s does not exist in rheo's SQL catalog", firstNonEmpty(database, "default"), table)
	}
	return cols, nil
}

// userColumns are a stream table's columns without the metadata columns
// (a raw table has its one column, or "data").
func (st *streamTable) userColumns() []tableColumn {
	if st.Format == formatRaw && len(st.Columns) == 0 {
		return []tableColumn{{Name: "data", Type: "VARCHAR"}}
	}
	return st.Columns
}

// Convert writes the records that convert as the rows of one Parquet file
// at req.Path and reports the others, each with Firehose's error code. An
// error means the batch as a whole failed (retry it). No record is dropped
// silently: every index is either in a row of the file or in Failed.
func (e *Engine) Convert(ctx context.Context, req *ConvertRequest) (ConvertResult, error) {
	switch strings.ToLower(req.Serializer) {
	case "parquet", "":
	case "orc":
		return ConvertResult{}, newErr(CodeFeature, "the ORC serializer is not supported by rheo (DuckDB cannot write ORC); use ParquetSerDe")
	default:
		return ConvertResult{}, newErr(CodeInvalidParameter, "unknown serializer %q", req.Serializer)
	}
	comp := strings.ToUpper(req.Compression)
	switch comp {
	case "":
		comp = "SNAPPY"
	case "SNAPPY", "GZIP", "UNCOMPRESSED", "ZSTD":
	default:
		return ConvertResult{}, newErr(CodeInvalidParameter, "unknown Parquet compression %q (SNAPPY, GZIP, UNCOMPRESSED or ZSTD)", req.Compression)
	}
	cols, err := e.schemaColumns(ctx, req.Database, req.Table)
	if err != nil {
		return ConvertResult{}, err
	}
	hive := strings.EqualFold(req.Deserializer, "hive")
	lower := hive || req.CaseInsensitive
	b := &convertBatch{records: req.Records, lower: lower, dots: !hive && req.DotsToUnderscores}
	tsConv, err := timestampParsers(req, hive)
	if err != nil {
		return ConvertResult{}, err
	}
	s, err := e.newSession(ctx, false)
	if err != nil {
		return ConvertResult{}, err
	}
	defer s.Close()
	if _, err := s.exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		return ConvertResult{}, toError(err)
	}
	tmp := req.Path + ".rheo-tmp"
	defer os.Remove(tmp)
	var res ConvertResult
	fp := fastPlan(cols, req, lower, hive, tsConv)
	var plan *conversion
	if fp == nil {
		if plan, err = convertPlan(cols, req, lower, hive, tsConv); err != nil {
			return ConvertResult{}, err
		}
	}
	run := func() (ConvertResult, error) {
		if fp != nil {
			b.keys = fp.keys
			return s.convertFast(ctx, b, fp, tmp, comp)
		}
		return s.convertSlow(ctx, b, plan, tmp, comp)
	}
	res, err = run()
	if err != nil && ctx.Err() == nil {
		// rheo's JSON check is meant to match DuckDB's parser; should a
		// document still fail it, find the records DuckDB rejects, fail
		// them alone and convert the rest, rather than wedging delivery.
		var rejected []ConvertFailure
		if rejected, err = s.rejectedRecords(ctx, b, err); err == nil {
			b.rewind()
			b.quiet.Store(false)
			b.failed = rejected
			b.multi.Store(false)
			res, err = run()
		}
	}
	if err != nil {
		return ConvertResult{}, fmt.Errorf("convert %d records with table %s into %s: %w", len(req.Records), req.Table, req.Path, toError(err))
	}
	if err := os.Rename(tmp, req.Path); err != nil {
		return ConvertResult{}, fmt.Errorf("write %s: %w", req.Path, err)
	}
	sortFailures(res.Failed)
	return res, nil
}

// convertFast runs the one-pass conversion; batches with bad rows take
// one more pass to find them (and one more if a multi-document record must
// be dropped as a whole).
func (s *Session) convertFast(ctx context.Context, b *convertBatch, fp *fastConversion, tmp, comp string) (ConvertResult, error) {
	cctx := context.WithValue(ctx, convertKey{}, b)
	write := func(where string) (int64, error) {
		q := "COPY (SELECT " + fp.out + " FROM (" + fp.sql + ") WHERE " + where + " ORDER BY __idx) TO " + quoteString(tmp) +
			" (FORMAT parquet, COMPRESSION " + comp + ")"
		r, err := s.exec(cctx, q)
		if err != nil {
			return 0, err
		}
		return r.RowsAffected()
	}
	n, err := write("__bad = 0")
	if err != nil {
		return ConvertResult{}, err
	}
	var res ConvertResult
	b.mu.Lock()
	res.Failed = append(res.Failed, b.failed...)
	b.mu.Unlock()
	if n != b.docs.Load() {
		b.rewind()
		rows, err := s.conn.QueryContext(cctx, "SELECT __idx, bit_or(__bad) FROM ("+fp.sql+") WHERE __bad <> 0 GROUP BY __idx ORDER BY __idx", nil)
		if err != nil {
			return ConvertResult{}, err
		}
		vals := make([]driver.Value, 2)
		var bad []string
		for {
			if err := rows.Next(vals); err != nil {
				rows.Close()
				if !errors.Is(err, io.EOF) {
					return ConvertResult{}, err
				}
				break
			}
			idx, _ := vals[0].(int32)
			mask, _ := vals[1].(int64)
			res.Failed = append(res.Failed, ConvertFailure{Index: int(idx), Code: codeMalformed, Message: fp.message(uint64(mask))})
			bad = append(bad, fmt.Sprint(idx))
		}
		if len(bad) > 0 && b.multi.Load() {
			// A record whose documents did not all convert fails as a whole.
			b.rewind()
			if n, err = write("__bad = 0 AND __idx NOT IN (" + strings.Join(bad, ", ") + ")"); err != nil {
				return ConvertResult{}, err
			}
		}
	}
	res.Rows = int(n)
	return res, nil
}

// convertSlow materialises every row with its error message (tables too
// wide for the fast path's bit mask, or with a key read by two columns).
func (s *Session) convertSlow(ctx context.Context, b *convertBatch, plan *conversion, tmp, comp string) (ConvertResult, error) {
	cctx := context.WithValue(ctx, convertKey{}, b)
	defer s.exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS temp.__rheo_conv")
	if _, err := s.exec(cctx, "CREATE OR REPLACE TEMP TABLE __rheo_conv AS "+plan.sql); err != nil {
		return ConvertResult{}, err
	}
	res := ConvertResult{}
	b.mu.Lock()
	res.Failed = append(res.Failed, b.failed...)
	b.mu.Unlock()
	bad, err := s.queryFailures(ctx)
	if err != nil {
		return ConvertResult{}, err
	}
	res.Failed = append(res.Failed, bad...)
	where := "__err IS NULL"
	if len(bad) > 0 && b.multi.Load() {
		where = "__idx NOT IN (SELECT __idx FROM __rheo_conv WHERE __err IS NOT NULL)"
	}
	q := "COPY (SELECT " + plan.out + " FROM __rheo_conv WHERE " + where + " ORDER BY __idx) TO " + quoteString(tmp) +
		" (FORMAT parquet, COMPRESSION " + comp + ")"
	r, err := s.exec(ctx, q)
	if err != nil {
		return ConvertResult{}, err
	}
	n, _ := r.RowsAffected()
	res.Rows = int(n)
	return res, nil
}

// rejectedRecords returns the records whose documents DuckDB's JSON
// parser rejects and excludes them from b; cause is returned when there
// are none (the failure was something else).
func (s *Session) rejectedRecords(ctx context.Context, b *convertBatch, cause error) ([]ConvertFailure, error) {
	b.rewind()
	cctx := context.WithValue(ctx, convertKey{}, b)
	rows, err := s.conn.QueryContext(cctx, "SELECT DISTINCT __idx FROM rheo_records() WHERE NOT json_valid(__raw) ORDER BY 1", nil)
	if err != nil {
		return nil, cause
	}
	defer rows.Close()
	var out []ConvertFailure
	vals := make([]driver.Value, 1)
	for rows.Next(vals) == nil {
		idx, _ := vals[0].(int32)
		out = append(out, ConvertFailure{Index: int(idx), Code: codeMalformed, Message: "invalid JSON (rejected by the parser)"})
	}
	if len(out) == 0 {
		return nil, cause
	}
	b.exclude = map[int]bool{}
	for _, f := range out {
		b.exclude[f.Index] = true
	}
	return out, nil
}

func sortFailures(f []ConvertFailure) {
	// A batch of garbage fails every record: sort in O(n log n) (an
	// insertion sort took minutes for 300k failures).
	slices.SortStableFunc(f, func(a, b ConvertFailure) int { return cmp.Compare(a.Index, b.Index) })
}

// queryFailures reads the rows that did not convert (one per record).
func (s *Session) queryFailures(ctx context.Context) ([]ConvertFailure, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT __idx, min(__err) FROM __rheo_conv WHERE __err IS NOT NULL GROUP BY __idx ORDER BY __idx", nil)
	if err != nil {
		return nil, toError(err)
	}
	defer rows.Close()
	var out []ConvertFailure
	vals := make([]driver.Value, 2)
	for {
		if err := rows.Next(vals); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, toError(err)
		}
		idx, _ := vals[0].(int32)
		msg, _ := vals[1].(string)
		out = append(out, ConvertFailure{Index: int(idx), Code: codeMalformed, Message: msg})
	}
}
