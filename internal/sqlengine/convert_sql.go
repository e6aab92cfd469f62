package sqlengine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// fastConversion is the one-pass SQL: DuckDB's from_json (the machinery
// of read_json) turns each document into a typed STRUCT, leaving NULL
// where a value does not convert; rheo_records' __present says which
// columns had a non-null value, so __bad (present but NULL) finds the
// rows that did not convert without parsing twice.
type fastConversion struct {
	sql  string // SELECT __idx, __c0, ..., __bad
	out  string // __c0 AS "name", ...
	keys map[string]int
	cols []tableColumn
}

// message names the columns of mask.
func (fp *fastConversion) message(mask uint64) string {
	var parts []string
	for i, c := range fp.cols {
		if mask&(1<<i) != 0 {
			parts = append(parts, "column "+c.Name+": value does not convert to "+c.Type)
		}
	}
	if len(parts) == 0 {
		return "record does not match the schema"
	}
	return strings.Join(parts, "; ")
}

// fastPlan renders the one-pass conversion; nil if the table does not
// fit it (more than 63 columns, or two columns reading the same key).
func fastPlan(cols []tableColumn, req *ConvertRequest, lower, hive bool, tsConv func(f, typ string) string) *fastConversion {
	if len(cols) == 0 || len(cols) > 63 {
		return nil
	}
	fp := &fastConversion{keys: map[string]int{}, cols: cols}
	var structure, sel, mask, out []string
	for i, c := range cols {
		key := columnKey(c.Name, req, lower, hive)
		if _, dup := fp.keys[key]; dup {
			return nil
		}
		fp.keys[key] = i
		typ := strings.ToUpper(c.Type)
		f := "__s." + quoteIdent(key)
		jt, conv := c.Type, f
		switch {
		case strings.HasPrefix(typ, "TIMESTAMP") || typ == "DATE":
			jt, conv = "VARCHAR", tsConv(f, c.Type)
		case typ == "BLOB":
			jt, conv = "VARCHAR", "encode("+f+")"
		}
		structure = append(structure, jsonString(key)+":"+jsonString(jt))
		name := fmt.Sprintf("__c%d", i)
		sel = append(sel, conv+" AS "+name)
		mask = append(mask, fmt.Sprintf("CASE WHEN %s IS NULL THEN %d ELSE 0 END", name, uint64(1)<<i))
		out = append(out, name+" AS "+quoteIdent(c.Name))
	}
	st := "{" + strings.Join(structure, ",") + "}"
	inner := "SELECT __idx, __present, from_json(__raw, " + quoteString(st) + ") AS __s FROM rheo_records()"
	fp.sql = "SELECT *, __present & (" + strings.Join(mask, " + ") + ") AS __bad FROM (SELECT __idx, __present, " +
		strings.Join(sel, ", ") + " FROM (" + inner + "))"
	fp.out = strings.Join(out, ", ")
	return fp
}

// jsonString renders s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// columnKey is the (normalized) JSON key column name reads.
func columnKey(name string, req *ConvertRequest, lower, hive bool) string {
	key := name
	if !hive {
		if m, ok := req.ColumnToJSONKey[name]; ok {
			key = m
		} else if m, ok := lookupFold(req.ColumnToJSONKey, name); ok {
			key = m
		}
	}
	if lower {
		key = strings.ToLower(key)
	}
	if req.DotsToUnderscores && !hive {
		key = strings.ReplaceAll(key, ".", "_")
	}
	return key
}

// conversion is the SQL of one Convert.
type conversion struct {
	sql string // SELECT __idx, __c0.., __err FROM rheo_records()
	out string // the output columns: __c0 AS "name", ...
}

// convertPlan renders the extraction of cols from each document.
func convertPlan(cols []tableColumn, req *ConvertRequest, lower, hive bool, tsConv func(f, typ string) string) (*conversion, error) {
	var paths, nested []string
	var sel, errs, out []string
	for i, c := range cols {
		key := columnKey(c.Name, req, lower, hive)
		typ := strings.ToUpper(c.Type)
		var f, conv, check string
		if isNested(typ) {
			nested = append(nested, quoteString("$."+jsonKey(key)))
			f = fmt.Sprintf("__j[%d]", len(nested))
			conv = "TRY_CAST(" + f + " AS " + c.Type + ")"
			if typ == "JSON" {
				conv = f
			}
			check = f + " IS NOT NULL AND json_type(" + f + ") <> 'NULL' AND " + conv + " IS NULL"
		} else {
			paths = append(paths, quoteString("$."+jsonKey(key)))
			f = fmt.Sprintf("__f[%d]", len(paths))
			switch {
			case typ == "VARCHAR":
				conv = f
			case typ == "BLOB":
				conv = "encode(" + f + ")"
			case strings.HasPrefix(typ, "TIMESTAMP") || typ == "DATE":
				conv = tsConv(f, c.Type)
				check = f + " IS NOT NULL AND " + conv + " IS NULL"
			default:
				conv = "TRY_CAST(" + f + " AS " + c.Type + ")"
				check = f + " IS NOT NULL AND " + conv + " IS NULL"
			}
		}
		name := fmt.Sprintf("__c%d", i)
		sel = append(sel, conv+" AS "+name)
		out = append(out, name+" AS "+quoteIdent(c.Name))
		if check != "" {
			errs = append(errs, "CASE WHEN "+check+" THEN "+
				quoteString("column "+c.Name+": cannot convert \"")+" || left("+f+"::VARCHAR, 200) || "+quoteString("\" to "+c.Type)+" END")
		}
	}
	var inner []string
	inner = append(inner, "__idx")
	if len(paths) > 0 {
		inner = append(inner, "json_extract_string(__raw, ["+strings.Join(paths, ", ")+"]) AS __f")
	}
	if len(nested) > 0 {
		inner = append(inner, "json_extract(__raw, ["+strings.Join(nested, ", ")+"]) AS __j")
	}
	perr := "CAST(NULL AS VARCHAR)"
	if len(errs) > 0 {
		perr = "NULLIF(concat_ws('; ', " + strings.Join(errs, ", ") + "), '')"
	}
	return &conversion{
		sql: "SELECT __idx, " + strings.Join(sel, ", ") + ", " + perr + " AS __err FROM (SELECT " + strings.Join(inner, ", ") + " FROM rheo_records())",
		out: strings.Join(out, ", "),
	}, nil
}

func lookupFold(m map[string]string, k string) (string, bool) {
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			return v, true
		}
	}
	return "", false
}

// timestampParsers returns the conversion of text f to a TIMESTAMP/DATE
// column. OpenX accepts ISO-8601 (with T and Z), "yyyy-MM-dd HH:mm:ss[.S]"
// and epoch seconds or milliseconds (numbers); Hive accepts
// "yyyy-MM-dd HH:mm:ss[.S]" plus the configured Joda patterns ("millis"
// for epoch milliseconds). See "Choose the JSON deserializer" in the
// Firehose developer guide.
func timestampParsers(req *ConvertRequest, hive bool) (func(f, typ string) string, error) {
	var alts []string
	epochMillis := false
	for _, p := range req.TimestampFormats {
		if p == "millis" {
			epochMillis = true
			continue
		}
		sf, err := jodaToStrptime(p)
		if err != nil {
			return nil, err
		}
		alts = append(alts, quoteString(sf))
	}
	return func(f, typ string) string {
		parts := []string{"TRY_CAST(" + f + " AS TIMESTAMP)"}
		for _, a := range alts {
			parts = append(parts, "try_strptime("+f+", "+a+")")
		}
		num := "TRY_CAST(" + f + " AS DOUBLE)"
		switch {
		case !hive:
			// Epoch seconds, or milliseconds when too large for seconds.
			parts = append(parts, "CASE WHEN abs("+num+") >= 1e11 THEN make_timestamp(CAST("+num+" * 1000 AS BIGINT)) ELSE make_timestamp(CAST("+num+" * 1000000 AS BIGINT)) END")
		case epochMillis:
			parts = append(parts, "make_timestamp(CAST("+num+" * 1000 AS BIGINT))")
		}
		return "TRY_CAST(coalesce(" + strings.Join(parts, ", ") + ") AS " + typ + ")"
	}, nil
}

// jodaToStrptime converts the common Joda-Time pattern letters.
func jodaToStrptime(p string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		j := i
		for j < len(p) && p[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'y':
			if n == 2 {
				b.WriteString("%y")
			} else {
				b.WriteString("%Y")
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString("%B")
			case n == 3:
				b.WriteString("%b")
			default:
				b.WriteString("%m")
			}
		case 'd':
			b.WriteString("%d")
		case 'H':
			b.WriteString("%H")
		case 'h':
			b.WriteString("%I")
		case 'm':
			b.WriteString("%M")
		case 's':
			b.WriteString("%S")
		case 'S':
			switch {
			case n <= 3:
				b.WriteString("%g")
			case n <= 6:
				b.WriteString("%f")
			default:
				b.WriteString("%n")
			}
		case 'a':
			b.WriteString("%p")
		case 'Z':
			b.WriteString("%z")
		case 'E':
			if n >= 4 {
				b.WriteString("%A")
			} else {
				b.WriteString("%a")
			}
		case '\'':
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return "", newErr(CodeInvalidParameter, "timestamp format %q has an unterminated quote", p)
			}
			lit := p[i+1 : i+1+end]
			if lit == "" {
				b.WriteByte('\'')
			}
			b.WriteString(strings.ReplaceAll(lit, "%", "%%"))
			i += end + 2
			continue
		default:
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return "", newErr(CodeInvalidParameter, "timestamp format %q: pattern letter %q is not supported", p, string(c))
			}
			for k := 0; k < n; k++ {
				if c == '%' {
					b.WriteString("%%")
				} else {
					b.WriteByte(c)
				}
			}
		}
		i = j
	}
	return b.String(), nil
}
