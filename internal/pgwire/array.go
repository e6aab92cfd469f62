package pgwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Postgres arrays of DuckDB lists: text form as array_out writes it,
// binary form as array_send does, and both read back for parameters.

// appendElemFunc appends the text form of one element; ok is false for
// NULL.
type appendElemFunc func(dst []byte, oid uint32, v any) ([]byte, bool)

// listValues returns the elements of a list value (a Go slice or array
// other than bytes); ok is false for anything else.
func listValues(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false // bytes: a bytea or a uuid, not a list
		}
	default:
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// isNull reports a NULL element: nil or a nil pointer.
func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// appendArrayText appends list v as a one-dimensional Postgres array of
// elem in text form ({1,2,NULL}), each element written by fn and quoted
// as array_out quotes: when empty, the word NULL, or holding braces,
// commas, quotes, backslashes or white space. ok is false when v is not
// a list.
func appendArrayText(dst []byte, elem uint32, v any, fn appendElemFunc) ([]byte, bool) {
	l, ok := listValues(v)
	if !ok {
		return dst, false
	}
	dst = append(dst, '{')
	var tmp []byte
	for i, e := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		start := len(dst)
		var ok bool
		if dst, ok = fn(dst, elem, e); !ok {
			dst = append(dst[:start], "NULL"...)
			continue
		}
		if !needsArrayQuote(dst[start:]) {
			continue
		}
		tmp = append(tmp[:0], dst[start:]...)
		dst = append(dst[:start], '"')
		for _, c := range tmp {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
		dst = append(dst, '"')
	}
	return append(dst, '}'), true
}

// needsArrayQuote is array_out's test for an element that must be quoted.
func needsArrayQuote(s []byte) bool {
	if len(s) == 0 || strings.EqualFold(string(s), "NULL") {
		return true
	}
	for _, c := range s {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// appendArrayBinary appends list v as a one-dimensional Postgres array of
// elem in binary form (array_send): dimensions, a has-NULL flag, the
// element OID, size and lower bound 1, then each element's length (-1
// for NULL) and binary form. An empty list has no dimension.
func appendArrayBinary(dst []byte, elem uint32, v any) ([]byte, error) {
	l, ok := listValues(v)
	if !ok {
		return nil, fmt.Errorf("%w for a value of Go type %T as an array", errBinaryUnsupported, v)
	}
	if len(l) == 0 {
		dst = binary.BigEndian.AppendUint32(dst, 0)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		return binary.BigEndian.AppendUint32(dst, elem), nil
	}
	dst = binary.BigEndian.AppendUint32(dst, 1)
	flags := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, elem)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(l)))
	dst = binary.BigEndian.AppendUint32(dst, 1)
	for _, e := range l {
		if isNull(e) {
			binary.BigEndian.PutUint32(dst[flags:], 1)
			dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
			continue
		}
		at := len(dst)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		var err error
		if dst, err = appendBinary(dst, elem, e); err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

// maxArrayParam bounds the elements of an array parameter or COPY field.
const maxArrayParam = 1 << 20

// decodeArrayParam decodes a one-dimensional array of elem in format (0
// text, 1 binary) into the text of the DuckDB list literal DuckDB casts
// to a list (["1", NULL, "a b"]). Not a Go slice: duckdb-go binds a slice
// to a list parameter only when its elements have exactly the Go type of
// the list's element type (and panics otherwise, or on a NULL), which
// neither the client nor duckdb-go's API tells pgwire; a string is bound
// as VARCHAR, which DuckDB casts to the list the statement takes.
func decodeArrayParam(elem uint32, format int16, b []byte, loc *time.Location) (string, error) {
	elems, err := decodeArrayElems(elem, format, b, loc)
	if err != nil {
		return "", err
	}
	return string(appendDuckDBList(nil, elem, elems)), nil
}

// appendDuckDBList appends elements decoded from a parameter as a DuckDB
// list literal, every element quoted, with quotes and backslashes
// escaped by a backslash.
func appendDuckDBList(dst []byte, elem uint32, elems []any) []byte {
	dst = append(dst, '[')
	var tmp []byte
	for i, e := range elems {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		if e == nil {
			dst = append(dst, "NULL"...)
			continue
		}
		tmp = copyText(tmp[:0], elem, e)
		dst = append(dst, '"')
		for _, c := range tmp {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
		dst = append(dst, '"')
	}
	return append(dst, ']')
}

// decodeArrayElems decodes a one-dimensional array of elem in format (0
// text, 1 binary) into its elements, each decoded as a parameter of type
// elem (nil for NULL).
func decodeArrayElems(elem uint32, format int16, b []byte, loc *time.Location) ([]any, error) {
	if format == 0 {
		elems, err := parseArrayText(string(b))
		if err != nil {
			return nil, err
		}
		out := make([]any, len(elems))
		for i, e := range elems {
			if e == nil {
				continue
			}
			if out[i], err = decodeTextParam(elem, *e, loc); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(b) < 12 {
		return nil, errors.New("invalid binary array: too short")
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	if got := binary.BigEndian.Uint32(b[8:]); got != elem {
		return nil, fmt.Errorf("binary array of element type OID %d where %d was expected", got, elem)
	}
	switch {
	case ndim == 0:
		return []any{}, nil
	case ndim != 1:
		return nil, fmt.Errorf("binary arrays of %d dimensions are not supported", ndim)
	case len(b) < 20:
		return nil, errors.New("invalid binary array: too short")
	}
	n := int32(binary.BigEndian.Uint32(b[12:]))
	b = b[20:]
	// Each element takes at least its length word: a count the bytes
	// cannot hold fails before it sizes an allocation.
	if n < 0 || n > maxArrayParam || int(n) > len(b)/4 {
		return nil, fmt.Errorf("invalid binary array: %d elements", n)
	}
	out := make([]any, n)
	for i := range out {
		if len(b) < 4 {
			return nil, errors.New("invalid binary array: too short")
		}
		size := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if size == -1 {
			continue
		}
		if size < 0 || int(size) > len(b) {
			return nil, errors.New("invalid binary array: bad element length")
		}
		var err error
		if out[i], err = decodeParam(elem, 1, b[:size], loc); err != nil {
			return nil, err
		}
		b = b[size:]
	}
	if len(b) != 0 {
		return nil, errors.New("invalid binary array: trailing bytes")
	}
	return out, nil
}

// parseArrayText reads a one-dimensional Postgres array in text form
// ({1,"a b",NULL}) into its elements, nil for NULL, as array_in does:
// white space around unquoted elements is dropped, backslash escapes any
// character, and a dimension decoration ([1:3]=) is skipped.
func parseArrayText(s string) ([]*string, error) {
	bad := func() error {
		return &Error{Code: codeInvalidTextRep, Message: fmt.Sprintf("malformed array literal: %q", s)}
	}
	t := strings.TrimLeft(s, " \t\n\r\v\f")
	if strings.HasPrefix(t, "[") {
		i := strings.IndexByte(t, '=')
		if i < 0 {
			return nil, bad()
		}
		t = strings.TrimLeft(t[i+1:], " \t\n\r\v\f")
	}
	t = strings.TrimRight(t, " \t\n\r\v\f")
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, bad()
	}
	body := t[1 : len(t)-1]
	if strings.Trim(body, " \t\n\r\v\f") == "" {
		return []*string{}, nil
	}
	var out []*string
	var sb strings.Builder
	for i := 0; ; {
		for i < len(body) && isArraySpace(body[i]) {
			i++
		}
		sb.Reset()
		quoted := i < len(body) && body[i] == '"'
		trail := 0 // unescaped white space ending an unquoted element
		if quoted {
			i++
			for {
				if i >= len(body) {
					return nil, bad()
				}
				c := body[i]
				i++
				if c == '"' {
					break
				}
				if c == '\\' {
					if i >= len(body) {
						return nil, bad()
					}
					c = body[i]
					i++
				}
				sb.WriteByte(c)
			}
			for i < len(body) && isArraySpace(body[i]) {
				i++
			}
		} else {
			for i < len(body) && body[i] != ',' {
				c := body[i]
				if c == '{' || c == '}' || c == '"' {
					return nil, bad() // nested arrays are not supported
				}
				i++
				if c == '\\' {
					if i >= len(body) {
						return nil, bad()
					}
					c = body[i]
					i++
					trail = 0
				} else if isArraySpace(c) {
					trail++
				} else {
					trail = 0
				}
				sb.WriteByte(c)
			}
			if sb.Len()-trail == 0 {
				return nil, bad()
			}
		}
		e := sb.String()
		e = e[:len(e)-trail]
		if !quoted && strings.EqualFold(e, "NULL") {
			out = append(out, nil)
		} else {
			out = append(out, &e)
		}
		if len(out) > maxArrayParam {
			return nil, bad()
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, bad()
		}
		i++
	}
}

// isArraySpace is array_in's white space.
func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
