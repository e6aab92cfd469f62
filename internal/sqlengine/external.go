package sqlengine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rheo-dev/rheo/internal/meta"
)

// External (lake) tables: Hive DDL with a LOCATION and no storage handler
// (CREATE EXTERNAL TABLE t (...) [PARTITIONED BY (...)] ROW FORMAT ...
// LOCATION 's3://bucket/prefix/') becomes a DuckDB view over DuckDB's
// file readers (read_parquet, read_json, read_csv) of every file under the
// location, with key=value directories as partition columns.
//
// DuckDB fails a query whose glob matches no file, and an empty location is
// normal (nothing delivered yet). So the view does not glob the location
// itself but a directory rheo owns, <state>/external/<hex name>/, holding
//
//	data -> <location>                      a symlink (to the table's
//	                                        mirror for a remote store: mirror.go)
//	ph/<p1=__HIVE_DEFAULT_PARTITION__>/.../rheo-empty[.parquet]
//
// and globs <dir>/*/**/[!._]*: the placeholder (no rows, the table's
// schema) always matches, the symlink lets the glob descend into the
// location (DuckDB's ** does not follow symlinks, * does), and [!._]* skips
// the lake's in-flight ".tmp-" files and Hadoop's _SUCCESS-style markers.

// externalNamespace is the meta namespace of external table definitions.
const externalNamespace = "sqlexternal"

// externalComment marks DuckDB views rheo made for external tables.
const externalComment = "rheo external table"

// External table formats (besides formatCSV, formatJSON, formatRegex).
const formatParquet = "parquet"

// externalTable is the persisted definition of a lake table (meta
// namespace "sqlexternal", key = lower-case name).
type externalTable struct {
	Name       string            `json:"name"`
	Location   string            `json:"location"` // as written: s3://bucket/prefix/ or /abs/dir
	Format     string            `json:"format"`
	Columns    []tableColumn     `json:"columns"`
	Partitions []tableColumn     `json:"partitions,omitempty"`
	Delimiter  string            `json:"delimiter,omitempty"`
	Regex      string            `json:"regex,omitempty"`
	Mapping    map[string]string `json:"mapping,omitempty"` // column → JSON key (OpenX mapping.*)
	DDL        string            `json:"ddl"`

	remote bool // LOCATION is on a remote S3 store: read through a mirror
}

// buildExternal turns the clauses of a Hive CREATE TABLE with LOCATION into
// an external table definition.
func buildExternal(name string, cols, parts []tableColumn, serde string, serdeProps map[string]string, rowDelimited bool,
	delim, storedAs, inputFormat, location, raw string) (*externalTable, error) {
	if len(cols) == 0 {
		return nil, syntaxErr("CREATE EXTERNAL TABLE %s needs a column list", name)
	}
	if _, ok := parseS3(location); !ok && !filepath.IsAbs(location) {
		return nil, newErr(CodeInvalidParameter, "LOCATION %q is neither s3://bucket/prefix nor an absolute path", location)
	}
	t := &externalTable{Name: strings.ToLower(name), Location: location, Columns: cols, Partitions: parts, DDL: raw}
	sa := strings.ToUpper(storedAs)
	inf := strings.ToLower(inputFormat)
	switch {
	case sa == "PARQUET" || sa == "PARQUETFILE" || strings.Contains(inf, "parquet") || strings.Contains(strings.ToLower(serde), "parquet"):
		t.Format = formatParquet
	case sa == "ORC" || sa == "AVRO" || sa == "RCFILE" || sa == "SEQUENCEFILE" || strings.Contains(inf, "orc") || strings.Contains(inf, "avro"):
		return nil, newErr(CodeFeature, "STORED AS %s is not supported for lake tables: use PARQUET, TEXTFILE (delimited, JSON or regex) or JSONFILE", firstNonEmpty(storedAs, inputFormat))
	case sa == "JSONFILE" || strings.EqualFold(serde, openxJSONSerDe) || strings.EqualFold(serde, hcatJSONSerDe):
		t.Format = formatJSON
		for k, v := range serdeProps {
			if c, ok := strings.CutPrefix(k, "mapping."); ok {
				if t.Mapping == nil {
					t.Mapping = map[string]string{}
				}
				t.Mapping[strings.ToLower(c)] = v
			}
		}
	case strings.EqualFold(serde, regexSerDe) || strings.EqualFold(serde, regexSerDe2):
		t.Format = formatRegex
		t.Regex = serdeProps["input.regex"]
	case serde == "" || strings.EqualFold(serde, lazySimple) || rowDelimited:
		t.Format = formatCSV
		t.Delimiter = delim
		if t.Delimiter == "" {
			t.Delimiter = serdeProps["field.delim"]
		}
		if t.Delimiter == "" {
			t.Delimiter = "\x01" // Hive's default field delimiter
		}
	default:
		return nil, newErr(CodeFeature, "SerDe %q is not supported; use a JSON SerDe, RegexSerDe, ROW FORMAT DELIMITED or STORED AS PARQUET", serde)
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func (t *externalTable) validate() error {
	seen := map[string]bool{}
	for _, c := range append(append([]tableColumn{}, t.Columns...), t.Partitions...) {
		k := strings.ToLower(c.Name)
		if seen[k] {
			return newErr(CodeDuplicateTable, "column %q specified more than once", c.Name)
		}
		seen[k] = true
	}
	for _, p := range t.Partitions {
		// The name becomes a directory name (name=value/) of the
		// placeholder and of the lake's layout: no separators, no "=",
		// nothing that could leave the table's directory.
		if p.Name == "" || p.Name == "." || p.Name == ".." || strings.ContainsAny(p.Name, "/\\=\x00") {
			return newErr(CodeInvalidParameter, "invalid partition column name %q: it must not contain '/', '\\', '=' or be '.' or '..'", p.Name)
		}
		if isNested(p.Type) || p.Type == "BLOB" {
			return newErr(CodeInvalidParameter, "partition column %q cannot have type %s", p.Name, p.Type)
		}
	}
	switch t.Format {
	case formatRegex:
		if t.Regex == "" {
			return newErr(CodeInvalidParameter, `RegexSerDe needs WITH SERDEPROPERTIES ("input.regex" = "...")`)
		}
		re, err := regexp.Compile(t.Regex)
		if err != nil {
			return newErr(CodeInvalidParameter, "input.regex does not compile (rheo uses RE2 syntax): %v", err)
		}
		if re.NumSubexp() != len(t.Columns) {
			return newErr(CodeInvalidParameter, "input.regex has %d capturing groups but the table has %d columns", re.NumSubexp(), len(t.Columns))
		}
	case formatCSV:
		if t.Delimiter == "" || strings.ContainsAny(t.Delimiter, "'\x00") {
			return newErr(CodeInvalidParameter, "invalid field delimiter %q", t.Delimiter)
		}
	}
	return nil
}

// dir is the table's directory under the engine's state dir.
func (e *Engine) externalDir(name string) string {
	return filepath.Join(e.stateDir, "external", hex.EncodeToString([]byte(name)))
}

// placeholderName is the file that keeps the glob from matching nothing.
func (t *externalTable) placeholderName() string {
	if t.Format == formatParquet {
		return "rheo-empty.parquet"
	}
	return "rheo-empty"
}

// prepare (re)creates the table's directory: the symlink to the location
// and the placeholder. exec runs DuckDB statements (the Parquet
// placeholder is written by DuckDB, so it has the table's exact schema).
func (e *Engine) prepareExternal(ctx context.Context, t *externalTable, exec func(ctx context.Context, q string) error) error {
	target := t.Location
	if _, ok := parseS3(t.Location); ok {
		p, err := e.localPath(t.Location)
		if te := toError(err); err != nil && te.Code == CodeFeature && e.objects != nil {
			// A remote S3 store: the table reads a local mirror of the
			// location, brought up to date before each statement that
			// names the table (mirror.go).
			t.remote = true
			p, err = e.mirrorDir(t.Name), nil
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("make %s: %w", p, err)
			}
		}
		if err != nil {
			return err
		}
		target = p
	}
	dir := e.externalDir(t.Name)
	ph := filepath.Join(dir, "ph")
	for _, p := range t.Partitions {
		ph = filepath.Join(ph, p.Name+"=__HIVE_DEFAULT_PARTITION__")
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	// After the reset: a table made before auth was on must lose its
	// symlink, not keep reading through it.
	if _, ok := parseS3(t.Location); !ok {
		if err := e.checkLocal(target); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(ph, 0o755); err != nil {
		return fmt.Errorf("make %s: %w", ph, err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "data")); err != nil {
		return fmt.Errorf("link %s: %w", target, err)
	}
	file := filepath.Join(ph, t.placeholderName())
	if t.Format != formatParquet {
		return os.WriteFile(file, nil, 0o644)
	}
	var sel []string
	for _, c := range t.Columns {
		sel = append(sel, "CAST(NULL AS "+c.Type+") AS "+quoteIdent(c.Name))
	}
	return exec(ctx, "COPY (SELECT "+strings.Join(sel, ", ")+" WHERE false) TO "+quoteString(file)+" (FORMAT parquet)")
}

// viewSQL renders the DuckDB view of an external table.
func (e *Engine) externalViewSQL(t *externalTable, orReplace bool) string {
	glob := quoteString(filepath.Join(e.externalDir(t.Name), "*", "**", "[!._]*"))
	hive := "hive_partitioning=false"
	if len(t.Partitions) > 0 {
		var ht []string
		// Partition values are read as text and cast in the view: DuckDB
		// casts every file's value when it prunes, and the placeholder's
		// __HIVE_DEFAULT_PARTITION__ is no DATE or INTEGER.
		for _, p := range t.Partitions {
			ht = append(ht, quoteString(p.Name)+": 'VARCHAR'")
		}
		hive = "hive_partitioning=true, hive_types={" + strings.Join(ht, ", ") + "}, hive_types_autocast=false"
	}
	var cols []string
	var from string
	switch t.Format {
	case formatParquet:
		for _, c := range t.Columns {
			cols = append(cols, "CAST("+quoteIdent(c.Name)+" AS "+c.Type+") AS "+quoteIdent(c.Name))
		}
		from = "read_parquet(" + glob + ", union_by_name=true, " + hive + ")"
	case formatJSON:
		var spec []string
		for _, c := range t.Columns {
			key := c.Name
			if m, ok := t.Mapping[strings.ToLower(c.Name)]; ok {
				key = m
			}
			spec = append(spec, quoteString(key)+": "+quoteString(c.Type))
			cols = append(cols, quoteIdent(key)+" AS "+quoteIdent(c.Name))
		}
		from = "read_json(" + glob + ", format='auto', columns={" + strings.Join(spec, ", ") + "}, ignore_errors=true, " + hive + ")"
	case formatCSV:
		var spec []string
		for i, c := range t.Columns {
			f := fmt.Sprintf("__f%d", i)
			spec = append(spec, quoteString(f)+": 'VARCHAR'")
			conv, _ := convert(f, c.Type, hiveNull)
			cols = append(cols, conv+" AS "+quoteIdent(c.Name))
		}
		from = "read_csv(" + glob + ", columns={" + strings.Join(spec, ", ") + "}, delim=" + quoteString(t.Delimiter) +
			", quote='', escape='', header=false, auto_detect=false, null_padding=true, strict_mode=false, ignore_errors=true, " + hive + ")"
	case formatRegex:
		pat := quoteString("^(?:" + t.Regex + ")$")
		var names []string
		for i := range t.Columns {
			names = append(names, fmt.Sprintf("'g%d'", i+1))
		}
		for i, c := range t.Columns {
			conv, _ := convert(fmt.Sprintf("__m.g%d", i+1), c.Type, hiveNull)
			cols = append(cols, conv+" AS "+quoteIdent(c.Name))
		}
		// One VARCHAR column per line: a 4-byte delimiter no text contains.
		inner := "read_csv(" + glob + ", columns={'__line': 'VARCHAR'}, delim='\x1e\x1f\x1e\x1f', quote='', escape='', header=false, auto_detect=false, strict_mode=false, ignore_errors=true, " + hive + ")"
		from = "(SELECT *, CASE WHEN regexp_full_match(__line, " + pat + ") THEN regexp_extract(__line, " + pat + ", [" +
			strings.Join(names, ", ") + "]) END AS __m FROM " + inner + ")"
	}
	for _, p := range t.Partitions {
		if p.Type == "VARCHAR" {
			cols = append(cols, quoteIdent(p.Name))
		} else {
			cols = append(cols, "TRY_CAST("+quoteIdent(p.Name)+" AS "+p.Type+") AS "+quoteIdent(p.Name))
		}
	}
	verb := "CREATE VIEW "
	if orReplace {
		verb = "CREATE OR REPLACE VIEW "
	}
	return verb + quoteIdent(t.Name) + " AS SELECT " + strings.Join(cols, ", ") + " FROM " + from
}

// createExternal makes the view of t and stores its definition.
func (s *Session) createExternal(ctx context.Context, cs *createStmt) (*Result, error) {
	t := cs.external
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	exists := func() (*Result, error) {
		if cs.ifNotExists {
			return &Result{tag: "CREATE EXTERNAL TABLE", notices: []string{fmt.Sprintf("relation %q already exists, skipping", t.Name)}}, nil
		}
		return nil, newErr(CodeDuplicateTable, "relation %q already exists", t.Name)
	}
	if _, ok := e.externals[t.Name]; ok {
		return exists()
	}
	if _, ok := e.tables[t.Name]; ok {
		return exists()
	}
	exec := func(ctx context.Context, q string) error { _, err := s.exec(ctx, q); return err }
	if err := e.prepareExternal(ctx, t, exec); err != nil {
		os.RemoveAll(e.externalDir(t.Name))
		os.RemoveAll(e.mirrorDir(t.Name))
		return nil, toError(err)
	}
	if _, err := s.exec(ctx, e.externalViewSQL(t, false)); err != nil {
		os.RemoveAll(e.externalDir(t.Name))
		os.RemoveAll(e.mirrorDir(t.Name))
		if te := toError(err); te.Code == CodeDuplicateTable {
			return exists()
		}
		return nil, toError(err)
	}
	if _, err := s.exec(ctx, "COMMENT ON VIEW "+quoteIdent(t.Name)+" IS "+quoteString(externalComment)); err != nil {
		_, _ = s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(t.Name))
		return nil, toError(err)
	}
	if err := e.meta.Put(externalNamespace, t.Name, t); err != nil {
		_, _ = s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(t.Name))
		return nil, toError(fmt.Errorf("store external table %s: %w", t.Name, err))
	}
	e.externals[t.Name] = t
	return &Result{tag: "CREATE EXTERNAL TABLE", notices: cs.notices}, nil
}

// dropExternal drops an external table; ok is false if name is not one.
// The location's files are left alone, as Hive does for EXTERNAL tables.
func (s *Session) dropExternal(ctx context.Context, name string) (*Result, bool, error) {
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.externals[name]; !ok {
		return nil, false, nil
	}
	if err := e.meta.Delete(externalNamespace, name); err != nil && !isMetaNotFound(err) {
		return nil, true, toError(fmt.Errorf("drop external table %s: %w", name, err))
	}
	delete(e.externals, name)
	if _, err := s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(name)); err != nil {
		return nil, true, toError(err)
	}
	os.RemoveAll(e.externalDir(name))
	e.mirrorMu.Lock() // not under a running sync
	os.RemoveAll(e.mirrorDir(name))
	e.mirrorMu.Unlock()
	return &Result{tag: "DROP TABLE"}, true, nil
}

// externalNames lists external tables, sorted (for Open).
func (e *Engine) externalNames() []string {
	var out []string
	for n := range e.externals {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func isMetaNotFound(err error) bool { return errors.Is(err, meta.ErrNotFound) }

// isExternal reports whether name (lower case) is an external table.
func (e *Engine) isExternal(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.externals[name]
	return ok
}
