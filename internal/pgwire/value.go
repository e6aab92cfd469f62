package pgwire

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Layouts of Postgres' text output with DateStyle ISO and TimeZone UTC.
const (
	layoutDate      = "2006-01-02"
	layoutTime      = "15:04:05.999999"
	layoutTimestamp = "2006-01-02 15:04:05.999999"
)

// pgEpoch is the origin of Postgres' binary dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// FormatText renders one value of a column of DuckDB type typ the way
// Postgres prints it in text format; ok is false for NULL. It understands
// the Go types of the SQL engine: integers, floats, bool, string, []byte,
// time.Time, *big.Int, fmt.Stringer (decimals), interval structs (fields
// Months, Days, Micros), slices (Postgres arrays for lists of types
// Postgres has arrays of, else JSON) and maps (JSON).
func FormatText(typ string, v any) (s string, ok bool) {
	oid, _ := TypeOID(typ)
	b, ok := appendText(nil, oid, v)
	return string(b), ok
}

// appendText appends the text form of v for a column of type oid.
func appendText(dst []byte, oid uint32, v any) ([]byte, bool) {
	if elem, ok := arrayElem(oid); ok && v != nil {
		if out, ok := appendArrayText(dst, elem, v, appendText); ok {
			return out, true
		}
	}
	if isVector(oid) {
		if l, ok := listValues(v); ok {
			for i, e := range l {
				if i > 0 {
					dst = append(dst, ' ')
				}
				dst, _ = appendText(dst, OIDInt8, e)
			}
			return dst, true
		}
	}
	switch x := v.(type) {
	case nil:
		return dst, false
	case bool:
		if oid == OIDJSON || oid == OIDJSONB {
			// A decoded JSON true or false, printed as JSON.
			return strconv.AppendBool(dst, x), true
		}
		if x {
			return append(dst, 't'), true
		}
		return append(dst, 'f'), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	case float32:
		return appendFloat(dst, float64(x), 32), true
	case float64:
		return appendFloat(dst, x, 64), true
	case string:
		if oid == OIDJSON || oid == OIDJSONB {
			// The engine (duckdb-go) decodes a JSON value: a string is a
			// JSON string, which Postgres prints quoted (to_json('a')).
			return appendJSON(dst, x), true
		}
		return append(dst, x...), true
	case []byte:
		switch {
		case oid == OIDUUID && len(x) == 16:
			return appendUUID(dst, x), true
		case oid == OIDText || oid == OIDJSON || oid == OIDJSONB || oid == OIDVarchar:
			return append(dst, x...), true
		}
		dst = append(dst, `\x`...)
		return hex.AppendEncode(dst, x), true
	case time.Time:
		switch oid {
		case OIDDate:
			return appendTimeText(dst, x, layoutDate, nil), true
		case OIDTime:
			return x.AppendFormat(dst, layoutTime), true
		case OIDTimetz:
			return appendOffset(x.AppendFormat(dst, layoutTime), x), true
		case OIDTimestamptz:
			return appendTimestamptz(dst, x, nil), true
		case OIDText:
			return x.AppendFormat(dst, time.RFC3339Nano), true
		}
		return appendTimeText(dst, x, layoutTimestamp, nil), true
	case *big.Int:
		if x == nil {
			return dst, false
		}
		return x.Append(dst, 10), true
	case json.RawMessage:
		return append(dst, x...), true
	case fmt.Stringer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return dst, false
		}
		if n, scale, ok := decimalParts(v); ok {
			return appendDecimal(dst, n, scale), true
		}
		return append(dst, x.String()...), true
	}
	if m, d, us, ok := intervalParts(v); ok {
		return appendInterval(dst, m, d, us), true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array && rv.Len() == 16 && rv.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, 16)
		reflect.Copy(reflect.ValueOf(b), rv)
		return appendUUID(dst, b), true
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return dst, false
		}
		return appendText(dst, oid, rv.Elem().Interface())
	}
	return appendJSON(dst, JSONValue("", v)), true
}

// appendJSON appends v as JSON, without the HTML escaping of json.Marshal
// (Postgres prints '<' and '&' as they are); a value JSON cannot hold is
// appended as fmt prints it.
func appendJSON(dst []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Appendf(dst, "%v", v)
	}
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// appendFloat formats like Postgres (shortest exact form, Infinity, NaN).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// appendUUID formats 16 bytes as 8-4-4-4-12 hex.
func appendUUID(dst, b []byte) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	return append(dst, buf[:]...)
}

// intervalParts reads an interval struct (DuckDB's Interval: Months,
// Days int32, Micros int64) without importing its package.
func intervalParts(v any) (months, days, micros int64, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return 0, 0, 0, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return 0, 0, 0, false
	}
	mf, df, uf := rv.FieldByName("Months"), rv.FieldByName("Days"), rv.FieldByName("Micros")
	if !mf.IsValid() || !df.IsValid() || !uf.IsValid() || !mf.CanInt() || !df.CanInt() || !uf.CanInt() {
		return 0, 0, 0, false
	}
	return mf.Int(), df.Int(), uf.Int(), true
}

// decimalParts reads a decimal struct (DuckDB's Decimal: Scale uint8,
// Value *big.Int, the unscaled value) without importing its package. Its
// String method drops trailing zeros ("3.5" for DECIMAL(10,2) 3.50), but
// Postgres prints a numeric with its scale, and JDBC's getBigDecimal and
// binary numeric's dscale carry it.
func decimalParts(v any) (n *big.Int, scale int, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, 0, false
	}
	sf, vf := rv.FieldByName("Scale"), rv.FieldByName("Value")
	if !sf.IsValid() || !vf.IsValid() || !sf.CanUint() || !vf.CanInterface() {
		return nil, 0, false
	}
	n, ok = vf.Interface().(*big.Int)
	if !ok || n == nil {
		return nil, 0, false
	}
	return n, int(sf.Uint()), true
}

// appendDecimal appends unscaled value n with scale digits after the
// point, as Postgres prints numeric(p,s): 350 scale 2 is "3.50".
func appendDecimal(dst []byte, n *big.Int, scale int) []byte {
	if n.Sign() < 0 {
		dst = append(dst, '-')
	}
	digits := new(big.Int).Abs(n).String()
	if scale <= 0 {
		return append(dst, digits...)
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// appendInterval formats like Postgres' IntervalStyle postgres:
// "1 year 2 mons 3 days 04:05:06.5".
func appendInterval(dst []byte, months, days, micros int64) []byte {
	start := len(dst)
	part := func(n int64, unit string) {
		if n == 0 {
			return
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if n != 1 && n != -1 {
			dst = append(dst, 's')
		}
	}
	part(months/12, "year")
	part(months%12, "mon")
	part(days, "day")
	if micros != 0 || len(dst) == start {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		if micros < 0 {
			dst = append(dst, '-')
			micros = -micros
		}
		sec := micros / 1e6
		dst = fmt.Appendf(dst, "%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
		if frac := micros % 1e6; frac != 0 {
			dst = append(dst, strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")...)
		}
	}
	return dst
}

// JSONValue converts one engine value of DuckDB type typ ("" when unknown)
// into a value encoding/json renders faithfully: big numbers and decimals
// stay exact (json.Number), NaN and infinities become strings, times
// become RFC 3339 text (dates "2006-01-02"), intervals and UUIDs their
// Postgres text, BLOBs base64, JSON columns embedded JSON, and lists,
// structs and maps recurse.
func JSONValue(typ string, v any) any {
	oid := OIDText
	if typ != "" {
		oid, _ = TypeOID(typ)
	}
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if s, ok := x.(string); ok && (oid == OIDJSON || oid == OIDJSONB) && json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
		return x
	case float32:
		return jsonFloat(float64(x), 32)
	case float64:
		return jsonFloat(x, 64)
	case []byte:
		if oid == OIDUUID && len(x) == 16 {
			return string(appendUUID(nil, x))
		}
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		if s, ok := appendInfinity(nil, x); ok {
			return string(s)
		}
		switch oid {
		case OIDDate:
			return x.Format(layoutDate)
		case OIDTime:
			return x.Format(layoutTime)
		case OIDTimetz:
			return string(appendOffset(x.AppendFormat(nil, layoutTime), x))
		case OIDTimestamp:
			return x.Format("2006-01-02T15:04:05.999999")
		}
		return x.Format(time.RFC3339Nano)
	case *big.Int:
		if x == nil {
			return nil
		}
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(elemType(typ), e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue("", e)
		}
		return out
	}
	if _, _, _, ok := intervalParts(v); ok {
		s, _ := appendText(nil, OIDInterval, v)
		return string(s)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		keys := rv.MapKeys()
		for _, k := range keys {
			ks, _ := appendText(nil, OIDText, k.Interface())
			out[string(ks)] = JSONValue("", rv.MapIndex(k).Interface())
		}
		return out
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Array && rv.Len() == 16 && rv.Type().Elem().Kind() == reflect.Uint8 {
			break // a UUID
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = JSONValue(elemType(typ), rv.Index(i).Interface())
		}
		return out
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
	case reflect.Struct:
		if tag, val := rv.FieldByName("Tag"), rv.FieldByName("Value"); rv.NumField() == 2 && tag.Kind() == reflect.String && val.IsValid() && val.CanInterface() {
			// DuckDB's UNION: its member's value, as to_json gives it.
			return JSONValue("", val.Interface())
		}
	}
	if !hasTextForm(v) {
		// appendText renders what it does not know as JSON, through
		// here: it must not come back.
		return fmt.Sprint(v)
	}
	s, ok := appendText(nil, oid, v)
	if !ok {
		return nil
	}
	if oid == OIDNumeric && isDecimalText(string(s)) {
		return json.Number(s)
	}
	return string(s)
}

// hasTextForm reports values JSONValue leaves to appendText, which has a
// text form for them other than JSON: decimals and other Stringers,
// intervals, UUIDs and pointers.
func hasTextForm(v any) bool {
	switch v.(type) {
	case fmt.Stringer, json.RawMessage:
		return true
	}
	if _, _, _, ok := intervalParts(v); ok {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		return true
	case reflect.Array:
		return rv.Len() == 16 && rv.Type().Elem().Kind() == reflect.Uint8
	}
	return false
}

// elemType is the element type of a list type name ("INTEGER[]" →
// "INTEGER"), or "".
func elemType(typ string) string {
	if i := strings.LastIndexByte(typ, '['); i > 0 && strings.HasSuffix(typ, "]") {
		return typ[:i]
	}
	return ""
}

func jsonFloat(f float64, bits int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return string(appendFloat(nil, f, bits))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, bits))
}

// isDecimalText reports whether s is a plain decimal number JSON accepts.
func isDecimalText(s string) bool {
	return json.Valid([]byte(s)) && s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}

// errBinaryUnsupported marks a value pgwire cannot send in binary format.
var errBinaryUnsupported = errors.New("binary format not supported")

// appendBinary appends the binary form of v for a column of type oid.
// Types without a dedicated encoding (text, json, composites) use their
// text bytes, which is their binary form in Postgres too.
func appendBinary(dst []byte, oid uint32, v any) ([]byte, error) {
	if elem, ok := arrayElem(oid); ok {
		return appendArrayBinary(dst, elem, v)
	}
	switch oid {
	case OIDInt2Vector:
		return appendArrayBinary(dst, OIDInt2, v)
	case OIDOIDVector:
		return appendArrayBinary(dst, OIDOid, v)
	case OIDOid:
		if n, ok := toInt64(v); ok && n >= 0 && n <= math.MaxUint32 {
			return binary.BigEndian.AppendUint32(dst, uint32(n)), nil
		}
	case OIDBool:
		if b, ok := v.(bool); ok {
			if b {
				return append(dst, 1), nil
			}
			return append(dst, 0), nil
		}
	case OIDInt2, OIDInt4, OIDInt8:
		n, ok := toInt64(v)
		if !ok {
			t, _ := appendText(nil, oid, v)
			var err error
			if n, err = strconv.ParseInt(string(t), 10, 64); err != nil {
				return nil, fmt.Errorf("value %q is not an integer", t)
			}
		}
		switch oid {
		case OIDInt2:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return nil, fmt.Errorf("value %d out of range for smallint", n)
			}
			return binary.BigEndian.AppendUint16(dst, uint16(int16(n))), nil
		case OIDInt4:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("value %d out of range for integer", n)
			}
			return binary.BigEndian.AppendUint32(dst, uint32(int32(n))), nil
		}
		return binary.BigEndian.AppendUint64(dst, uint64(n)), nil
	case OIDFloat4, OIDFloat8:
		var f float64
		switch x := v.(type) {
		case float32:
			f = float64(x)
		case float64:
			f = x
		default:
			if n, ok := toInt64(v); ok {
				f = float64(n)
			} else {
				return nil, fmt.Errorf("value of type %T is not a float", v)
			}
		}
		if oid == OIDFloat4 {
			return binary.BigEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil
		}
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(f)), nil
	case OIDBytea:
		if b, ok := v.([]byte); ok {
			return append(dst, b...), nil
		}
	case OIDDate:
		if t, ok := v.(time.Time); ok {
			switch infinity(t) {
			case 1:
				return binary.BigEndian.AppendUint32(dst, math.MaxInt32), nil
			case -1:
				return binary.BigEndian.AppendUint32(dst, 1<<31), nil // MinInt32
			}
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix()/86400 - pgEpoch.Unix()/86400
			return binary.BigEndian.AppendUint32(dst, uint32(int32(d))), nil
		}
	case OIDTime, OIDTimetz:
		if t, ok := v.(time.Time); ok {
			us := int64(t.Hour())*3600e6 + int64(t.Minute())*60e6 + int64(t.Second())*1e6 + int64(t.Nanosecond()/1000)
			dst = binary.BigEndian.AppendUint64(dst, uint64(us))
			if oid == OIDTimetz {
				_, off := t.Zone()
				dst = binary.BigEndian.AppendUint32(dst, uint32(int32(-off))) // seconds west of UTC
			}
			return dst, nil
		}
	case OIDTimestamp, OIDTimestamptz:
		if t, ok := v.(time.Time); ok {
			switch infinity(t) {
			case 1:
				return binary.BigEndian.AppendUint64(dst, math.MaxInt64), nil
			case -1:
				return binary.BigEndian.AppendUint64(dst, 1<<63), nil // MinInt64
			}
			if oid == OIDTimestamp {
				// Wall clock, as if in UTC.
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			}
			us := (t.Unix()-pgEpoch.Unix())*1e6 + int64(t.Nanosecond()/1000)
			return binary.BigEndian.AppendUint64(dst, uint64(us)), nil
		}
	case OIDInterval:
		if m, d, us, ok := intervalParts(v); ok {
			dst = binary.BigEndian.AppendUint64(dst, uint64(us))
			dst = binary.BigEndian.AppendUint32(dst, uint32(int32(d)))
			return binary.BigEndian.AppendUint32(dst, uint32(int32(m))), nil
		}
	case OIDUUID:
		if b, ok := v.([]byte); ok && len(b) == 16 {
			return append(dst, b...), nil
		}
		t, _ := appendText(nil, oid, v)
		u, err := parseUUID(string(t))
		if err != nil {
			return nil, err
		}
		return append(dst, u...), nil
	case OIDNumeric:
		t, _ := appendText(nil, oid, v)
		return appendNumeric(dst, string(t))
	case OIDJSONB:
		// jsonb_send: a version byte, 1, then the text.
		t, _ := appendText(append(dst, 1), oid, v)
		return t, nil
	default:
		t, _ := appendText(dst, oid, v)
		return t, nil
	}
	return nil, fmt.Errorf("%w for a value of Go type %T as type OID %d", errBinaryUnsupported, v, oid)
}

// toInt64 converts any Go integer that fits.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		return int64(x), x <= math.MaxInt64
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

// parseUUID accepts the 8-4-4-4-12 form, with or without dashes or braces.
func parseUUID(s string) ([]byte, error) {
	h := strings.NewReplacer("-", "", "{", "", "}", "").Replace(s)
	if len(h) != 32 {
		return nil, fmt.Errorf("invalid input syntax for type uuid: %q", s)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("invalid input syntax for type uuid: %q", s)
	}
	return b, nil
}

// Numeric sign words of the binary numeric format.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// appendNumeric encodes a plain decimal string ("-12.340") in Postgres'
// binary numeric format: ndigits, weight, sign, dscale, base-10000 digits.
func appendNumeric(dst []byte, s string) ([]byte, error) {
	head := func(nd, weight int, sign uint16, dscale int) []byte {
		dst = binary.BigEndian.AppendUint16(dst, uint16(nd))
		dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
		dst = binary.BigEndian.AppendUint16(dst, sign)
		return binary.BigEndian.AppendUint16(dst, uint16(dscale))
	}
	switch s {
	case "NaN":
		return head(0, 0, numericNaN, 0), nil
	case "Infinity":
		return head(0, 0, numericPInf, 0), nil
	case "-Infinity":
		return head(0, 0, numericNInf, 0), nil
	}
	var sign uint16 = numericPos
	if strings.HasPrefix(s, "-") {
		sign, s = numericNeg, s[1:]
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || strings.Trim(intPart, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return nil, fmt.Errorf("invalid input syntax for type numeric: %q", s)
	}
	dscale := len(frac)
	intPart = strings.TrimLeft(intPart, "0")
	if pad := (4 - len(intPart)%4) % 4; pad > 0 {
		intPart = strings.Repeat("0", pad) + intPart
	}
	if pad := (4 - len(frac)%4) % 4; pad > 0 {
		frac += strings.Repeat("0", pad)
	}
	all := intPart + frac
	digits := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		d, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, uint16(d))
	}
	weight := len(intPart)/4 - 1
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		weight, sign = 0, numericPos
	}
	dst = head(len(digits), weight, sign, dscale)
	for _, d := range digits {
		dst = binary.BigEndian.AppendUint16(dst, d)
	}
	return dst, nil
}

// decodeNumeric turns binary numeric into its decimal text.
func decodeNumeric(b []byte) (string, error) {
	if len(b) < 8 {
		return "", errors.New("invalid binary numeric: too short")
	}
	nd := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*nd || dscale > 16383 {
		return "", errors.New("invalid binary numeric: bad length")
	}
	switch sign {
	case numericNaN:
		return "NaN", nil
	case numericPInf:
		return "Infinity", nil
	case numericNInf:
		return "-Infinity", nil
	case numericPos, numericNeg:
	default:
		return "", errors.New("invalid binary numeric: bad sign")
	}
	digit := func(e int) int { // digit of 10000^e
		i := weight - e
		if i < 0 || i >= nd {
			return 0
		}
		return int(binary.BigEndian.Uint16(b[8+2*i:]))
	}
	var sb strings.Builder
	if sign == numericNeg && nd > 0 {
		sb.WriteByte('-')
	}
	if weight < 0 {
		sb.WriteByte('0')
	} else {
		if weight > 1000 {
			return "", errors.New("invalid binary numeric: weight too large")
		}
		for e := weight; e >= 0; e-- {
			if e == weight {
				fmt.Fprintf(&sb, "%d", digit(e))
			} else {
				fmt.Fprintf(&sb, "%04d", digit(e))
			}
		}
	}
	if dscale > 0 {
		var fb strings.Builder
		for e := -1; fb.Len() < dscale; e-- {
			fmt.Fprintf(&fb, "%04d", digit(e))
		}
		sb.WriteByte('.')
		sb.WriteString(fb.String()[:dscale])
	}
	return sb.String(), nil
}
