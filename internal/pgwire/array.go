package pgwire

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
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
