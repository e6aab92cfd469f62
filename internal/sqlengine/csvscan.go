package sqlengine

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
)

// CSV stream tables are scanned by rheo_csv_scan(table, delimiter, spec):
// rheo_scan's columns, then per table column a typed column __c<i> and/or
// a VARCHAR column __s<i>. The scan splits each record on the delimiter and
// parses the common, unambiguous spellings of the native types in Go
// (e.g. -12, 3.25, 2026-01-02 10:00:00) into __c<i>. Every other non-empty,
// non-\N field goes to __s<i> as text, and the view casts it with DuckDB's
// TRY_CAST, so results and _parse_error are exactly those of casting in SQL.

// csvKind is how the scan handles one table column.
type csvKind uint8

const (
	csvText       csvKind = iota // any other type: field (NULL if '' or null) to __s, cast in the view
	csvBlob                      // BLOB: field (NULL if null) base64-decoded if it is base64, to __c
	csvRawBlob                   // BLOB: field (NULL if null) as is, to __c
	csvCollection                // ARRAY/MAP: field (NULL if null, '' kept) to __s, split in the view
	csvVarchar                   // field (NULL if null) to __c
	csvBigint
	csvInteger
	csvSmallint
	csvTinyint
	csvDouble
	csvFloat
	csvBoolean
	csvDecimal // width <= 18
	csvTimestamp
	csvDate
)

var csvKinds = map[string]csvKind{
	"VARCHAR": csvVarchar, "BIGINT": csvBigint, "INTEGER": csvInteger, "SMALLINT": csvSmallint,
	"TINYINT": csvTinyint, "DOUBLE": csvDouble, "FLOAT": csvFloat, "BOOLEAN": csvBoolean,
	"TIMESTAMP": csvTimestamp, "DATE": csvDate, "BLOB": csvBlob,
}

type csvCol struct {
	kind         csvKind
	width, scale int // DECIMAL
}

// typed reports whether the column has a typed output column __c.
func (c csvCol) typed() bool { return c.kind != csvText && c.kind != csvCollection }

// text reports whether the column has a VARCHAR output column __s.
func (c csvCol) text() bool { return !c.blob() && c.kind != csvVarchar }

// blob reports whether the column is BINARY: its bytes are never text.
func (c csvCol) blob() bool { return c.kind == csvBlob || c.kind == csvRawBlob }

// csvColumn classifies a DuckDB type (as catalog columns spell it).
func csvColumn(t string) csvCol {
	if k, ok := csvKinds[t]; ok {
		return csvCol{kind: k}
	}
	var w, s int
	if n, _ := fmt.Sscanf(t, "DECIMAL(%d,%d)", &w, &s); n == 2 && w >= 1 && w <= 18 && s >= 0 && s <= w &&
		t == fmt.Sprintf("DECIMAL(%d,%d)", w, s) {
		return csvCol{kind: csvDecimal, width: w, scale: s}
	}
	return csvCol{kind: csvText}
}

// spec renders the column's token in rheo_csv_scan's spec argument.
func (c csvCol) spec() string {
	switch c.kind {
	case csvText:
		return "-"
	case csvCollection:
		return "COLLECTION"
	case csvRawBlob:
		return "RAWBLOB"
	case csvDecimal:
		return fmt.Sprintf("DECIMAL(%d,%d)", c.width, c.scale)
	}
	for t, k := range csvKinds {
		if k == c.kind {
			return t
		}
	}
	return "-"
}

// csvSpec is a bound rheo_csv_scan's parsing plan.
type csvSpec struct {
	delim []byte
	null  string // the spelling of NULL (NULL DEFINED AS)
	cols  []csvCol
	typed []int // output column of __c<i>, -1 if none
	text  []int // output column of __s<i>, -1 if none
	infos []duckdb.ColumnInfo
}

func parseCSVSpec(delim, spec, null string) (*csvSpec, error) {
	if delim == "" {
		return nil, fmt.Errorf("rheo_csv_scan: empty delimiter")
	}
	cs := &csvSpec{delim: []byte(delim), null: null, infos: scanColumns()}
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	for i, tok := range strings.Fields(spec) {
		c := csvColumn(tok)
		switch tok {
		case "COLLECTION":
			c = csvCol{kind: csvCollection}
		case "RAWBLOB":
			c = csvCol{kind: csvRawBlob}
		}
		if tok != "-" && c.kind == csvText {
			return nil, fmt.Errorf("rheo_csv_scan: bad column type %q", tok)
		}
		cs.cols = append(cs.cols, c)
		cs.typed = append(cs.typed, -1)
		cs.text = append(cs.text, -1)
		if c.typed() {
			var ti duckdb.TypeInfo
			var err error
			if c.kind == csvDecimal {
				ti, err = duckdb.NewDecimalInfo(uint8(c.width), uint8(c.scale))
			} else {
				ti, err = duckdb.NewTypeInfo(c.duckType())
			}
			if err != nil {
				return nil, err
			}
			cs.typed[i] = len(cs.infos)
			cs.infos = append(cs.infos, duckdb.ColumnInfo{Name: fmt.Sprintf("__c%d", i), T: ti})
		}
		if c.text() {
			cs.text[i] = len(cs.infos)
			cs.infos = append(cs.infos, duckdb.ColumnInfo{Name: fmt.Sprintf("__s%d", i), T: vc})
		}
	}
	return cs, nil
}

func (c csvCol) duckType() duckdb.Type {
	switch c.kind {
	case csvBigint:
		return duckdb.TYPE_BIGINT
	case csvInteger:
		return duckdb.TYPE_INTEGER
	case csvSmallint:
		return duckdb.TYPE_SMALLINT
	case csvTinyint:
		return duckdb.TYPE_TINYINT
	case csvDouble:
		return duckdb.TYPE_DOUBLE
	case csvFloat:
		return duckdb.TYPE_FLOAT
	case csvBoolean:
		return duckdb.TYPE_BOOLEAN
	case csvTimestamp:
		return duckdb.TYPE_TIMESTAMP
	case csvDate:
		return duckdb.TYPE_DATE
	case csvBlob, csvRawBlob:
		return duckdb.TYPE_BLOB
	}
	return duckdb.TYPE_VARCHAR
}

// vecPtrs are the data and validity pointers of one output vector.
type vecPtrs struct{ data, mask unsafe.Pointer }

// rawVectors reads the data and validity pointers of a chunk's vectors by
// output column (nil if unprojected). duckdb-go v2.5.4 has no vector-level
// API: writing fixed-size values and inlined strings (<= 12 bytes) straight
// into DuckDB's vectors saves a cgo call per value (three for a string).
// It returns false if duckdb-go's layout is not the expected one; callers
// then fall back to SetChunkValue.
func rawVectors(chunk duckdb.DataChunk, out []vecPtrs) (ok bool) {
	if noRawVectors {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := reflect.ValueOf(chunk)
	cols, proj := v.FieldByName("columns"), v.FieldByName("projection")
	if !cols.IsValid() || cols.Kind() != reflect.Slice || !proj.IsValid() || proj.Len() != len(out) {
		return false
	}
	for i := range out {
		out[i] = vecPtrs{}
		j := int(proj.Index(i).Int())
		if j < 0 {
			continue
		}
		c := cols.Index(j)
		d, m := c.FieldByName("dataPtr"), c.FieldByName("maskPtr")
		if d.Kind() != reflect.UnsafePointer || m.Kind() != reflect.UnsafePointer {
			return false
		}
		out[i] = vecPtrs{d.UnsafePointer(), m.UnsafePointer()}
		if out[i].data == nil || out[i].mask == nil {
			return false
		}
	}
	return true
}

// noRawVectors forces the SetChunkValue path (tests).
var noRawVectors bool

// cellWriter writes one row's cells, directly when it can.
type cellWriter struct {
	chunk duckdb.DataChunk
	vecs  []vecPtrs // nil: use SetChunkValue
	row   int
}

func (w *cellWriter) valid(col int) {
	m := (*uint64)(unsafe.Add(w.vecs[col].mask, (w.row/64)*8))
	*m |= 1 << (w.row % 64)
}

func (w *cellWriter) null(col int) error {
	if w.vecs == nil {
		return w.chunk.SetValue(col, w.row, nil)
	}
	m := (*uint64)(unsafe.Add(w.vecs[col].mask, (w.row/64)*8))
	*m &^= 1 << (w.row % 64)
	return nil
}

// duckString is DuckDB's string_t in its inlined form.
type duckString struct {
	n uint32
	b [12]byte
}

func (w *cellWriter) str(col int, b []byte) error {
	if w.vecs == nil || len(b) > 12 {
		return duckdb.SetChunkValue(w.chunk, col, w.row, b)
	}
	var s duckString
	s.n = uint32(len(b))
	copy(s.b[:], b)
	*(*duckString)(unsafe.Add(w.vecs[col].data, w.row*16)) = s
	w.valid(col)
	return nil
}

func put[T int8 | int16 | int32 | int64 | float32 | float64 | bool](w *cellWriter, col int, v T) error {
	if w.vecs == nil {
		return duckdb.SetChunkValue(w.chunk, col, w.row, v)
	}
	*(*T)(unsafe.Add(w.vecs[col].data, uintptr(w.row)*unsafe.Sizeof(v))) = v
	w.valid(col)
	return nil
}

// emit fills the projected table columns of one record. bounds is scratch
// space for field offsets (ints, not slices: no GC write barriers). data is
// the record's bytes; valid says whether they are UTF-8. Text fields of an
// invalid record have invalid sequences replaced by U+FFFD (DuckDB's
// VARCHAR must be UTF-8), in scratch; BINARY fields keep their bytes.
// Splitting the bytes rather than the replaced text gives the same fields:
// the delimiter is a whole character, and a run of invalid bytes holds no
// character.
func (cs *csvSpec) emit(w *cellWriter, proj []bool, need int, bounds *[]int, data []byte, valid bool, scratch *[]byte) error {
	b := (*bounds)[:0]
	for start := 0; len(b) < 2*need; {
		var j int
		if len(cs.delim) == 1 {
			j = bytes.IndexByte(data[start:], cs.delim[0])
		} else {
			j = bytes.Index(data[start:], cs.delim)
		}
		if j < 0 {
			b = append(b, start, len(data))
			break
		}
		b = append(b, start, start+j)
		start += j + len(cs.delim)
	}
	*bounds = b
	nf := len(b) / 2
	for i, c := range cs.cols {
		tc, xc := cs.typed[i], cs.text[i]
		pt, px := tc >= 0 && proj[tc], xc >= 0 && proj[xc]
		if !pt && !px {
			continue
		}
		var v []byte
		missing := i >= nf
		if !missing {
			v = data[b[2*i]:b[2*i+1]]
		}
		isNull := missing || string(v) == cs.null || (len(v) == 0 && c.kind != csvVarchar && !c.blob() && c.kind != csvCollection)
		if isNull {
			if pt {
				if err := w.null(tc); err != nil {
					return err
				}
			}
			if px {
				if err := w.null(xc); err != nil {
					return err
				}
			}
			continue
		}
		if c.blob() {
			if c.kind == csvBlob {
				if d, ok := hiveBase64(scratch, v); ok {
					v = d
				}
			}
			if err := w.str(tc, v); err != nil {
				return err
			}
			continue
		}
		if !valid {
			v = validText(scratch, v)
		}
		if c.kind == csvVarchar {
			if err := w.str(tc, v); err != nil {
				return err
			}
			continue
		}
		ok := false
		if pt {
			var err error
			if ok, err = cs.parse(w, tc, c, v); err != nil {
				return err
			}
			if !ok {
				if err := w.null(tc); err != nil {
					return err
				}
			}
		} else if c.typed() {
			ok = cs.parses(c, v)
		}
		if px {
			var err error
			if ok {
				err = w.null(xc)
			} else {
				err = w.str(xc, v)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// hiveBase64 decodes v into buf if it is base64 as Hive's LazyBinary reads a
// BINARY field (java.util.Base64's basic decoder): the standard alphabet,
// padding optional but complete if present, no line breaks. Otherwise Hive
// takes the field's bytes as they are.
func hiveBase64(buf *[]byte, v []byte) ([]byte, bool) {
	if bytes.ContainsAny(v, "\r\n") { // Go's decoder skips them; Java's refuses them
		return nil, false
	}
	enc := base64.StdEncoding
	if len(v)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	n := enc.DecodedLen(len(v))
	if cap(*buf) < n {
		*buf = make([]byte, n)
	}
	n, err := enc.Decode((*buf)[:n], v)
	if err != nil {
		return nil, false
	}
	return (*buf)[:n], true
}

// parses reports whether parse would handle v (for a query that needs only
// __s, e.g. _parse_error alone).
func (cs *csvSpec) parses(c csvCol, v []byte) bool {
	switch c.kind {
	case csvBigint, csvInteger, csvSmallint, csvTinyint:
		_, ok := parseInt(v, intBits(c.kind))
		return ok
	case csvDouble:
		_, ok := parseDouble(v)
		return ok
	case csvFloat:
		_, ok := parseFloat(v)
		return ok
	case csvBoolean:
		_, ok := parseBool(v)
		return ok
	case csvDecimal:
		_, ok := parseDecimal(v, c.width, c.scale)
		return ok
	case csvTimestamp:
		_, ok := parseTimestamp(v)
		return ok
	case csvDate:
		_, ok := parseDate(v)
		return ok
	}
	return false
}

// parse writes v to typed column col if it is a spelling the scan parses;
// false: leave it to DuckDB's cast.
func (cs *csvSpec) parse(w *cellWriter, col int, c csvCol, v []byte) (bool, error) {
	switch c.kind {
	case csvBigint, csvInteger, csvSmallint, csvTinyint:
		n, ok := parseInt(v, intBits(c.kind))
		if !ok {
			return false, nil
		}
		switch c.kind {
		case csvBigint:
			return true, put(w, col, n)
		case csvInteger:
			return true, put(w, col, int32(n))
		case csvSmallint:
			return true, put(w, col, int16(n))
		default:
			return true, put(w, col, int8(n))
		}
	case csvDouble:
		x, ok := parseDouble(v)
		if !ok {
			return false, nil
		}
		return true, put(w, col, x)
	case csvFloat:
		x, ok := parseFloat(v)
		if !ok {
			return false, nil
		}
		return true, put(w, col, x)
	case csvBoolean:
		b, ok := parseBool(v)
		if !ok {
			return false, nil
		}
		return true, put(w, col, b)
	case csvDecimal:
		n, ok := parseDecimal(v, c.width, c.scale)
		if !ok {
			return false, nil
		}
		switch {
		case c.width <= 4:
			return true, put(w, col, int16(n))
		case c.width <= 9:
			return true, put(w, col, int32(n))
		default:
			return true, put(w, col, n)
		}
	case csvTimestamp:
		us, ok := parseTimestamp(v)
		if !ok {
			return false, nil
		}
		if w.vecs == nil {
			return true, duckdb.SetChunkValue(w.chunk, col, w.row, time.UnixMicro(us).UTC())
		}
		return true, put(w, col, us)
	case csvDate:
		d, ok := parseDate(v)
		if !ok {
			return false, nil
		}
		if w.vecs == nil {
			return true, duckdb.SetChunkValue(w.chunk, col, w.row, time.Unix(int64(d)*86400, 0).UTC())
		}
		return true, put(w, col, d)
	}
	return false, nil
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// plainDigits reads -?[0-9]+(\.[0-9]+)? with at most 19 digits into its
// digits as an integer and the number of fraction digits.
func plainDigits(v []byte) (neg bool, m uint64, frac int, ok bool) {
	if len(v) > 0 && v[0] == '-' {
		neg, v = true, v[1:]
	}
	if len(v) == 0 || v[0] == '.' || v[len(v)-1] == '.' {
		return false, 0, 0, false
	}
	dot, nd := -1, 0
	for i, c := range v {
		if c == '.' {
			if dot >= 0 {
				return false, 0, 0, false
			}
			dot = i
			continue
		}
		if c < '0' || c > '9' {
			return false, 0, 0, false
		}
		if nd++; nd > 19 {
			return false, 0, 0, false
		}
		m = m*10 + uint64(c-'0')
	}
	if dot >= 0 {
		frac = len(v) - dot - 1
	}
	return neg, m, frac, true
}

// parseDouble parses a plain decimal. When the digits and the power of ten
// are exact doubles one division rounds correctly (as DuckDB's cast);
// otherwise strconv does.
func parseDouble(v []byte) (float64, bool) {
	neg, m, frac, ok := plainDigits(v)
	if !ok {
		return 0, false
	}
	var x float64
	if m <= 1<<53 && frac < len(pow10) {
		x = float64(m) / pow10[frac]
	} else {
		var err error
		if x, err = strconv.ParseFloat(unsafeString(v), 64); err != nil {
			return 0, false
		}
		return x, true
	}
	if neg {
		x = -x
	}
	return x, true
}

var pow10f = [...]float32{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}

// parseFloat is parseDouble for FLOAT (rounded once, to float32).
func parseFloat(v []byte) (float32, bool) {
	neg, m, frac, ok := plainDigits(v)
	if !ok {
		return 0, false
	}
	if m > 1<<24 || frac >= len(pow10f) {
		x, err := strconv.ParseFloat(unsafeString(v), 32)
		if err != nil {
			return 0, false
		}
		return float32(x), true
	}
	x := float32(m) / pow10f[frac]
	if neg {
		x = -x
	}
	return x, true
}

func intBits(k csvKind) int {
	switch k {
	case csvInteger:
		return 32
	case csvSmallint:
		return 16
	case csvTinyint:
		return 8
	}
	return 64
}

// parseInt parses -?[0-9]{1,18} within bits; anything else (signs, spaces,
// underscores, fractions, overflow) is left to DuckDB.
func parseInt(v []byte, bits int) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	d := v
	if neg {
		d = v[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
		return 0, false
	}
	return n, true
}

// isPlainDecimal: -?[0-9]+(\.[0-9]+)?, at most 18 significant characters
// (exactly representable spellings aside, ParseFloat rounds correctly, as
// DuckDB does).
func isPlainDecimal(v []byte) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 24 {
		return false
	}
	dot := -1
	for i, c := range v {
		if c == '.' {
			if dot >= 0 {
				return false
			}
			dot = i
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return dot != 0 && dot != len(v)-1
}

func parseBool(v []byte) (bool, bool) {
	switch string(v) {
	case "true", "TRUE":
		return true, true
	case "false", "FALSE":
		return false, true
	}
	return false, false
}

// parseDecimal parses -?[0-9]+(\.[0-9]+)? with at most width-scale integer
// and scale fraction digits into the unscaled value.
func parseDecimal(v []byte, width, scale int) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || v[0] == '-' || !isPlainDecimal(v) {
		return 0, false
	}
	ip, fp := v, []byte(nil)
	if i := bytes.IndexByte(v, '.'); i >= 0 {
		ip, fp = v[:i], v[i+1:]
	}
	for len(ip) > 1 && ip[0] == '0' {
		ip = ip[1:]
	}
	if len(fp) > scale || (len(ip) > width-scale && !(len(ip) == 1 && ip[0] == '0')) {
		return 0, false
	}
	var n int64
	for _, c := range ip {
		n = n*10 + int64(c-'0')
	}
	for i := range scale {
		n *= 10
		if i < len(fp) {
			n += int64(fp[i] - '0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

func digits(v []byte) (int, bool) {
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(v) > 0
}

// parseDate parses YYYY-MM-DD (a valid date, years 1000-9999) into days
// since the epoch.
func parseDate(v []byte) (int32, bool) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(v[:4])
	m, ok2 := digits(v[5:7])
	d, ok3 := digits(v[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1000 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false
	}
	return int32(t.Unix() / 86400), true
}

// parseTimestamp parses YYYY-MM-DD HH:MM:SS[.f{1,6}] into microseconds
// since the epoch.
func parseTimestamp(v []byte) (int64, bool) {
	if len(v) < 19 || v[10] != ' ' || v[13] != ':' || v[16] != ':' {
		return 0, false
	}
	days, ok := parseDate(v[:10])
	if !ok {
		return 0, false
	}
	h, ok1 := digits(v[11:13])
	mi, ok2 := digits(v[14:16])
	s, ok3 := digits(v[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	us := 0
	if len(v) > 19 {
		fr := v[20:]
		if v[19] != '.' || len(fr) < 1 || len(fr) > 6 {
			return 0, false
		}
		f, ok := digits(fr)
		if !ok {
			return 0, false
		}
		for range 6 - len(fr) {
			f *= 10
		}
		us = f
	}
	return int64(days)*86400e6 + int64(h*3600+mi*60+s)*1e6 + int64(us), true
}
