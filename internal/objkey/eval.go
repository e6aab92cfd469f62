package objkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotJSON: the record is not one JSON document, so the query can't run
// on it (Firehose sends such a record to the error output).
var ErrNotJSON = errors.New("objkey: record is not valid JSON")

// maxDepth is jq 1.6's parser nesting limit (MAX_PARSING_DEPTH).
const maxDepth = 256

// Eval runs the query on one JSON record and returns the partition values
// by key. Strings render verbatim, numbers as jq 1.6 prints them, booleans
// as true/false. A null or missing value fails with ErrMissingPartitionKey,
// an object or array value with ErrPartitionValue, a record that is not
// one JSON document with ErrNotJSON.
func (q *Query) Eval(record []byte) (map[string]string, error) {
	vals, err := q.EvalValues(record, nil)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(q.keys))
	for i, k := range q.keys {
		m[k] = vals[i]
	}
	return m, nil
}

// EvalValues is Eval without the map: it returns the values in Keys()
// order, reusing dst's storage when it is large enough.
func (q *Query) EvalValues(record []byte, dst []string) ([]string, error) {
	if cap(dst) >= len(q.keys) {
		dst = dst[:len(q.keys)]
		clear(dst)
	} else {
		dst = make([]string, len(q.keys))
	}
	var setBuf [16]bool
	var set []bool
	if len(q.keys) <= len(setBuf) {
		set = setBuf[:len(q.keys)]
	} else {
		set = make([]bool, len(q.keys))
	}
	s := scanner{data: record, vals: dst, set: set}
	s.ws()
	if s.pos >= len(s.data) {
		return nil, recordErr(ErrNotJSON, "", "empty record")
	}
	if err := s.value(q.root, 0); err != nil {
		return nil, err
	}
	s.ws()
	if s.pos != len(s.data) {
		return nil, recordErr(ErrNotJSON, "", "unexpected data at offset %d after the JSON value", s.pos)
	}
	for i, ok := range set {
		if !ok {
			return nil, &RecordError{Kind: ErrMissingPartitionKey, Key: q.keys[i]}
		}
	}
	return dst, nil
}

// scanner walks a JSON document once, descending only into the members
// and elements the query's paths name and skipping everything else.
type scanner struct {
	data []byte
	pos  int
	vals []string
	set  []bool
}

func (s *scanner) syntax(what string) error {
	return recordErr(ErrNotJSON, "", "%s at offset %d", what, s.pos)
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value scans one value at s.pos; n is the query node the value stands at
// (nil when no path goes through it).
func (s *scanner) value(n *node, depth int) error {
	if s.pos >= len(s.data) {
		return s.syntax("unexpected end of data")
	}
	start := s.pos
	var err error
	c := s.data[s.pos]
	switch {
	case c == '{':
		err = s.object(n, depth+1)
	case c == '[':
		err = s.array(n, depth+1)
	case c == '"':
		err = s.skipString()
	case c == '-' || c >= '0' && c <= '9':
		err = s.number()
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	default:
		err = s.syntax(fmt.Sprintf("unexpected character %q", c))
	}
	if err != nil || n == nil || len(n.outs) == 0 {
		return err
	}
	return s.capture(n, s.data[start:s.pos])
}

// capture renders raw as the value of the outputs that end at n.
func (s *scanner) capture(n *node, raw []byte) error {
	var v string
	switch raw[0] {
	case 'n': // null: as if missing
		for _, o := range n.outs {
			s.set[o] = false
		}
		return nil
	case '{', '[':
		return recordErr(ErrPartitionValue, "", "an object or array is not a partition key value")
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			v = string(raw[1 : len(raw)-1])
			if !utf8.ValidString(v) {
				v = replaceInvalidUTF8(v)
			}
		} else {
			var u string
			if err := json.Unmarshal(raw, &u); err != nil {
				return recordErr(ErrNotJSON, "", "%v", err)
			}
			v = u
		}
	case 't':
		v = "true"
	case 'f':
		v = "false"
	default:
		v = jqNumber(raw)
	}
	for _, o := range n.outs {
		s.vals[o] = v
		s.set[o] = true
	}
	return nil
}

func (s *scanner) object(n *node, depth int) error {
	if depth > maxDepth {
		return s.syntax("exceeds depth limit for parsing")
	}
	if n != nil && len(n.fields) == 0 {
		// No member is wanted (jq would fail on an index into an object;
		// the outputs stay unset, which fails the record the same way).
		n = nil
	}
	s.pos++ // {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.syntax("expected a member name")
		}
		nameStart := s.pos
		if err := s.skipString(); err != nil {
			return err
		}
		var child *node
		if n != nil {
			child = s.member(n, s.data[nameStart:s.pos])
		}
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.syntax("expected ':'")
		}
		s.pos++
		s.ws()
		if child != nil {
			// A repeated member replaces the earlier one, as in jq.
			for _, o := range child.all {
				s.set[o] = false
			}
		}
		if err := s.value(child, depth); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.syntax("unexpected end of data in object")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		default:
			return s.syntax("expected ',' or '}'")
		}
	}
}

// member finds the query step for a member name given as a raw JSON string.
func (s *scanner) member(n *node, raw []byte) *node {
	name := raw[1 : len(raw)-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		var u string
		if json.Unmarshal(raw, &u) != nil {
			return nil
		}
		return n.field(u)
	}
	if !utf8.Valid(name) {
		return n.field(replaceInvalidUTF8(string(name)))
	}
	for _, c := range n.fields {
		if c.name == string(name) {
			return c.n
		}
	}
	return nil
}

func (s *scanner) array(n *node, depth int) error {
	if depth > maxDepth {
		return s.syntax("exceeds depth limit for parsing")
	}
	if n != nil && len(n.indexes) == 0 {
		n = nil
	}
	s.pos++ // [
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		s.ws()
		var child *node
		if n != nil {
			child = n.index(i)
		}
		if err := s.value(child, depth); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.syntax("unexpected end of data in array")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.syntax("expected ',' or ']'")
		}
	}
}

// skipString moves past the string at s.pos, checking its escapes. It
// stays linear however many escapes the string holds: q is the first quote
// not known to be escaped, and backslashes are only looked for before it.
func (s *scanner) skipString() error {
	d := s.data
	i := s.pos + 1
	j := bytes.IndexByte(d[i:], '"')
	if j < 0 {
		return s.syntax("unterminated string")
	}
	q := i + j
	for {
		k := bytes.IndexByte(d[i:q], '\\')
		if k < 0 {
			s.pos = q + 1
			return nil
		}
		b := i + k // b < q, so d[b+1] exists
		switch d[b+1] {
		case '"': // the quote at q is escaped: find the next one
			j := bytes.IndexByte(d[q+1:], '"')
			if j < 0 {
				return s.syntax("unterminated string")
			}
			q = q + 1 + j
			i = b + 2
		case '\\', '/', 'b', 'f', 'n', 'r', 't':
			i = b + 2
		case 'u':
			if b+6 > q || !isHex4(d[b+2:b+6]) {
				s.pos = b
				return s.syntax("invalid \\u escape")
			}
			i = b + 6
		default:
			s.pos = b
			return s.syntax("invalid escape")
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(lit)) {
		return s.syntax("invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// number moves past a JSON number, checking its grammar.
func (s *scanner) number() error {
	d := s.data
	i := s.pos
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		return s.syntax("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return s.syntax("invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return s.syntax("invalid number")
		}
	}
	s.pos = i
	return nil
}

// jqNumber renders a JSON number as jq 1.6 prints it: the shortest
// representation of the double, in plain notation unless the decimal
// exponent is below -4 or beyond the digits by more than 15 (jq's
// jvp_dtoa_fmt), with at least two exponent digits.
func jqNumber(raw []byte) string {
	// Fast path: an integer of at most 15 digits is printed as written.
	if isShortInt(raw) {
		return string(raw)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return string(raw)
	}
	// Out of range: jq's strtod also gives ±0 or ±Inf, printed as ±0 or
	// the largest double.
	if math.IsInf(f, 0) {
		f = math.Copysign(math.MaxFloat64, f)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	ei := bytes.IndexByte([]byte(e), 'e')
	mant, exp := e[:ei], e[ei+1:]
	digits := mant[:1]
	if len(mant) > 2 {
		digits += mant[2:]
	}
	x, _ := strconv.Atoi(exp)
	decpt := x + 1
	var b []byte
	if neg {
		b = append(b, '-')
	}
	switch {
	case decpt <= -4 || decpt > len(digits)+15:
		b = append(b, digits[0])
		if len(digits) > 1 {
			b = append(b, '.')
			b = append(b, digits[1:]...)
		}
		b = append(b, 'e')
		x = decpt - 1
		if x < 0 {
			b = append(b, '-')
			x = -x
		} else {
			b = append(b, '+')
		}
		if x < 10 {
			b = append(b, '0')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	case decpt <= 0:
		b = append(b, '0', '.')
		for ; decpt < 0; decpt++ {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		for i := 0; i < len(digits); i++ {
			b = append(b, digits[i])
			if i+1 == decpt && i+1 < len(digits) {
				b = append(b, '.')
			}
		}
		for i := len(digits); i < decpt; i++ {
			b = append(b, '0')
		}
	}
	return string(b)
}

func isShortInt(raw []byte) bool {
	d := raw
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 15 {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// replaceInvalidUTF8 replaces each byte that is not part of a valid UTF-8
// sequence with U+FFFD, as jq's parser (and encoding/json) do.
func replaceInvalidUTF8(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 8)
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(v[i : i+n])
		}
		i += n
	}
	return b.String()
}
