package sqlengine

import (
	"fmt"
	"strings"
)

// Metadata columns every stream table has, after the user columns.
var metaColumns = []tableColumn{
	{"_shard_id", "VARCHAR"},
	{"_sequence_number", "VARCHAR"},
	{"_partition_key", "VARCHAR"},
	{"_arrival_time", "TIMESTAMP WITH TIME ZONE"},
	{"_sub_sequence", "INTEGER"},
	{"_raw", "VARCHAR"},
	{"_parse_error", "VARCHAR"},
}

func isMetaColumn(name string) bool {
	for _, c := range metaColumns {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

// viewComment marks DuckDB views that rheo made for stream tables, so Open
// can drop the ones whose definition is no longer in meta.
const viewComment = "rheo stream table"

// viewSQL renders the DuckDB view of a stream table. The view reads
// rheo_scan (raw records plus metadata) and parses in SQL with DuckDB's
// vectorised regex and JSON functions; rheo_scan only copies bytes. CSV
// tables read rheo_csv_scan, which splits and
// parses in Go; the view only casts the fields the scan left as text.
//
// Parsing follows Hive: a field that does not convert gives NULL. rheo
// also fills _parse_error, so bad records are visible instead of silently
// NULL, and never fail the query.
func (st *streamTable) viewSQL(orReplace bool) string {
	var cols, errs []string
	inner := "SELECT * FROM rheo_scan(" + quoteString(st.Name) + ")"
	switch {
	case st.Format == formatCSV:
		// rheo_csv_scan splits and parses in Go (csvscan.go); fields it
		// leaves as text (__s) are cast here, as the SQL path does.
		var spec []string
		for i, c := range st.Columns {
			cc := csvColumn(c.Type)
			if _, _, ok := st.convertCollection("", c.Type); ok {
				cc = csvCol{kind: csvCollection}
			}
			if cc.kind == csvBlob && st.RawBinary {
				cc = csvCol{kind: csvRawBlob}
			}
			spec = append(spec, cc.spec())
			tc, sc := fmt.Sprintf("__c%d", i), fmt.Sprintf("__s%d", i)
			var conv string
			switch {
			case cc.kind == csvCollection:
				var check string
				conv, check, _ = st.convertCollection(sc, c.Type)
				cols = append(cols, conv+" AS "+quoteIdent(c.Name))
				errs = append(errs, fmt.Sprintf("CASE WHEN %s THEN %s END", check,
					"'column "+strings.ReplaceAll(c.Name, "'", "''")+": cannot parse \"' || "+sc+" || '\" as "+c.Type+"'"))
				continue
			case cc.kind == csvVarchar:
				cols = append(cols, tc+" AS "+quoteIdent(c.Name))
				continue
			case cc.blob():
				cols = append(cols, tc+" AS "+quoteIdent(c.Name))
				continue
			case cc.typed():
				conv = "coalesce(" + tc + ", TRY_CAST(" + sc + " AS " + c.Type + "))"
			default:
				conv = "TRY_CAST(" + sc + " AS " + c.Type + ")"
			}
			cols = append(cols, conv+" AS "+quoteIdent(c.Name))
			errs = append(errs, fmt.Sprintf("CASE WHEN %s IS NOT NULL AND TRY_CAST(%s AS %s) IS NULL THEN %s END", sc, sc, c.Type,
				"'column "+strings.ReplaceAll(c.Name, "'", "''")+": cannot parse \"' || "+sc+" || '\" as "+c.Type+"'"))
		}
		inner = "SELECT * FROM rheo_csv_scan(" + quoteString(st.Name) + ", " + quoteString(firstChar(st.Delimiter, ",")) + ", " + quoteString(strings.Join(spec, " ")) +
			", null_format := " + quoteString(st.nullFormat()) + ")"
	case st.Format == formatJSON:
		var paths []string
		for _, c := range st.Columns {
			paths = append(paths, quoteString("$."+jsonKey(c.Name)))
		}
		inner = "SELECT *, CASE WHEN json_valid(_raw) THEN json_extract_string(_raw, [" + strings.Join(paths, ", ") +
			"]) END AS __f, CASE WHEN json_valid(_raw) THEN json_extract(_raw, [" + strings.Join(paths, ", ") +
			"]) END AS __j FROM rheo_scan(" + quoteString(st.Name) + ")"
		errs = append(errs, "CASE WHEN NOT json_valid(_raw) THEN 'invalid JSON' END")
		for i, c := range st.Columns {
			f := fmt.Sprintf("__f[%d]", i+1)
			var conv, check string
			if isNested(c.Type) {
				f = fmt.Sprintf("__j[%d]", i+1)
				conv = "TRY_CAST(" + f + " AS " + c.Type + ")"
				check = f + " IS NOT NULL AND json_type(" + f + ") <> 'NULL' AND " + conv + " IS NULL"
			} else {
				conv, check = convert(f, c.Type, hiveNull)
			}
			cols = append(cols, conv+" AS "+quoteIdent(c.Name))
			if check != "" {
				errs = append(errs, fmt.Sprintf("CASE WHEN %s THEN %s END", check,
					"'column "+strings.ReplaceAll(c.Name, "'", "''")+": cannot parse \"' || "+f+"::VARCHAR || '\" as "+c.Type+"'"))
			}
		}
	case st.Format == formatRegex:
		pat := quoteString("^(?:" + st.Regex + ")$")
		var names []string
		for i := range st.Columns {
			names = append(names, fmt.Sprintf("'g%d'", i+1))
		}
		inner = "SELECT *, CASE WHEN regexp_full_match(_raw, " + pat + ") THEN regexp_extract(_raw, " + pat + ", [" +
			strings.Join(names, ", ") + "]) END AS __m FROM rheo_scan(" + quoteString(st.Name) + ")"
		errs = append(errs, "CASE WHEN __m IS NULL AND _raw IS NOT NULL THEN 'record does not match input.regex' END")
		for i, c := range st.Columns {
			f := fmt.Sprintf("__m.g%d", i+1)
			conv, check := convert(f, c.Type, hiveNull)
			cols = append(cols, conv+" AS "+quoteIdent(c.Name))
			if check != "" {
				errs = append(errs, fmt.Sprintf("CASE WHEN %s THEN %s END", check,
					"'column "+strings.ReplaceAll(c.Name, "'", "''")+": cannot parse \"' || "+f+" || '\" as "+c.Type+"'"))
			}
		}
	case st.Format == formatRaw:
		if len(st.Columns) == 1 && st.Columns[0].Type == "BLOB" {
			cols = append(cols, "_bytes AS "+quoteIdent(st.Columns[0].Name))
		} else {
			name := "data"
			if len(st.Columns) == 1 {
				name = st.Columns[0].Name
			}
			cols = append(cols, "_raw AS "+quoteIdent(name))
		}
	}
	for _, m := range metaColumns[:len(metaColumns)-1] {
		cols = append(cols, m.Name)
	}
	perr := "CAST(NULL AS VARCHAR)"
	if len(errs) > 0 {
		perr = "NULLIF(concat_ws('; ', " + strings.Join(errs, ", ") + "), '')"
	}
	cols = append(cols, perr+" AS _parse_error")
	verb := "CREATE VIEW "
	if orReplace {
		verb = "CREATE OR REPLACE VIEW "
	}
	return verb + quoteIdent(st.Name) + " AS SELECT " + strings.Join(cols, ", ") + " FROM (" + inner + ")"
}

// hiveNull is Hive's default spelling of NULL in text.
const hiveNull = `\N`

// nullFormat is the spelling of NULL in the fields of a csv table.
func (st *streamTable) nullFormat() string {
	if st.Null != nil {
		return *st.Null
	}
	return hiveNull
}

// convert returns the conversion of field expression f to type t and the
// condition under which the field failed to convert ("" if it cannot fail).
// Hive's text rules: null (\N unless NULL DEFINED AS says otherwise) is
// NULL; for non-string types an empty field is NULL.
func convert(f, t, null string) (conv, check string) {
	nf := quoteString(null)
	switch t {
	case "VARCHAR":
		return "NULLIF(" + f + ", " + nf + ")", ""
	case "BLOB":
		return "encode(NULLIF(" + f + ", " + nf + "))", ""
	}
	conv = "TRY_CAST(NULLIF(NULLIF(" + f + ", ''), " + nf + ") AS " + t + ")"
	check = f + " IS NOT NULL AND " + f + " NOT IN ('', " + nf + ") AND " + conv + " IS NULL"
	return conv, check
}

// convertCollection returns the conversion of the text f of an ARRAY or
// MAP field of a csv table to type t and the condition under which a part
// of it failed to convert, as Hive's LazySimpleSerDe reads them: items are
// split on the collection delimiter, a map entry's key from its value on
// the first map-keys delimiter, and each part is converted as a field of
// its type would be. An empty field is an empty ARRAY or MAP; entries with
// a NULL key are dropped and the first of equal keys wins (Hive's LazyMap).
// ok is false when t is not an ARRAY or MAP of non-nested types: Hive
// splits those on further delimiters (\004...), which rheo does not do.
func (st *streamTable) convertCollection(f, t string) (conv, check string, ok bool) {
	items := "CASE WHEN " + f + " = " + quoteString(st.nullFormat()) + " THEN NULL WHEN " + f + " = '' THEN []::VARCHAR[] ELSE string_split(" + f + ", " +
		quoteString(st.collectionDelim()) + ") END"
	switch k, v, isMap := mapTypes(t); {
	case strings.HasSuffix(t, "[]"):
		el := strings.TrimSuffix(t, "[]")
		if isNested(el) {
			return "", "", false
		}
		conv, check := convert("__x", el, st.nullFormat())
		if check == "" {
			check = "false"
		}
		return "CAST(list_transform(" + items + ", __x -> " + conv + ") AS " + t + ")",
			"len(list_filter(" + items + ", __x -> " + check + ")) > 0", true
	case isMap:
		if isNested(k) || isNested(v) {
			return "", "", false
		}
		mk := quoteString(st.mapKeyDelim())
		key := "CASE WHEN strpos(__x, " + mk + ") > 0 THEN left(__x, strpos(__x, " + mk + ") - 1) ELSE __x END"
		val := "CASE WHEN strpos(__x, " + mk + ") > 0 THEN substr(__x, strpos(__x, " + mk + ") + 1) END"
		kc, kchk := convert(key, k, st.nullFormat())
		vc, vchk := convert(val, v, st.nullFormat())
		var checks []string
		for _, c := range []string{kchk, vchk} {
			if c != "" {
				checks = append(checks, "("+c+")")
			}
		}
		if len(checks) == 0 {
			checks = append(checks, "false")
		}
		entries := "list_transform(" + items + ", __x -> {'k': " + kc + ", 'v': " + vc + "})"
		keys := "list_transform(" + entries + ", __y -> __y.k)"
		return "CAST(map_from_entries(list_filter(" + entries + ", (__e, __i) -> __e.k IS NOT NULL AND list_position(" + keys + ", __e.k) = __i)) AS " + t + ")",
			"len(list_filter(" + items + ", __x -> " + strings.Join(checks, " OR ") + ")) > 0", true
	}
	return "", "", false
}

// mapTypes splits MAP(K, V) (as hiveType renders it) into K and V.
func mapTypes(t string) (k, v string, ok bool) {
	if !strings.HasPrefix(t, "MAP(") || !strings.HasSuffix(t, ")") {
		return "", "", false
	}
	in := t[len("MAP(") : len(t)-1]
	depth := 0
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case ',':
			if depth == 0 {
				return strings.TrimSpace(in[:i]), strings.TrimSpace(in[i+1:]), true
			}
		}
	}
	return "", "", false
}

func isNested(t string) bool {
	return strings.HasSuffix(t, "]") || strings.HasPrefix(t, "MAP(") || strings.HasPrefix(t, "STRUCT(") || t == "JSON"
}

// jsonKey renders a column name as a JSONPath member.
func jsonKey(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `\"`) + `"`
}
