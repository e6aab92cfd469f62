package sqlengine

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// jsonDocs splits a record into its JSON documents and checks each with
// the strict RFC 8259 grammar, so the SQL that extracts columns never
// meets text DuckDB's parser rejects (DuckDB's reader is more lenient:
// NaN, trailing commas). A Firehose record may hold several documents
// back to back ({"a":1}{"a":2}); each must be an object.
//
// With lower, object keys (at every depth) are lower-cased (ASCII), and
// with dots, '.' in keys becomes '_': the OpenX SerDe's case.insensitive
// and ConvertDotsInJsonKeysToUnderscores. Both keep lengths, so a document
// that needs them is copied once and patched in place.
type jsonDocs struct {
	lower, dots bool
	maxDepth    int
	// keys maps a (normalized) top-level key to a column's bit; present
	// gets the bits of the keys of the current document whose value is
	// not null (escaped keys are decoded first, see lookup).
	keys    map[string]int
	present uint64
	keyBuf  []byte
	escBuf  []byte // scratch of lookup for escaped keys
	keyEnd  int    // index of the closing quote of the last key

	s     []byte
	i     int
	fixes []int // [start, end) of keys to patch
}

// errJSON is a malformed document, with Firehose-style wording.
type errJSON struct{ msg string }

func (e *errJSON) Error() string { return e.msg }

func (j *jsonDocs) fail(format string, a ...any) error {
	return &errJSON{msg: fmt.Sprintf(format, a...) + fmt.Sprintf(" at byte %d", j.i)}
}

// split calls fn for each document of rec; a patched document lives in
// scratch and is only valid during the call. It returns the first problem.
func (j *jsonDocs) split(rec []byte, scratch *[]byte, fn func(doc []byte, patched bool, present uint64)) error {
	if !utf8.Valid(rec) {
		return &errJSON{msg: "record is not valid UTF-8"}
	}
	if j.maxDepth == 0 {
		j.maxDepth = 512
	}
	j.s, j.i = rec, 0
	n := 0
	for {
		j.ws()
		if j.i >= len(j.s) {
			break
		}
		start := j.i
		j.fixes = j.fixes[:0]
		j.present = 0
		if j.s[j.i] != '{' {
			return j.fail("expected a JSON object")
		}
		if err := j.value(0); err != nil {
			return err
		}
		doc := j.s[start:j.i]
		if len(j.fixes) > 0 {
			*scratch = append((*scratch)[:0], doc...)
			b := *scratch
			for k := 0; k < len(j.fixes); k += 2 {
				for p := j.fixes[k] - start; p < j.fixes[k+1]-start; p++ {
					c := b[p]
					switch {
					case j.lower && c >= 'A' && c <= 'Z':
						b[p] = c + 'a' - 'A'
					case j.dots && c == '.':
						b[p] = '_'
					}
				}
			}
			doc = b
		}
		fn(doc, len(j.fixes) > 0, j.present)
		n++
	}
	if n == 0 {
		return &errJSON{msg: "record holds no JSON document"}
	}
	return nil
}

func (j *jsonDocs) ws() {
	for j.i < len(j.s) {
		switch j.s[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

func (j *jsonDocs) value(depth int) error {
	if depth > j.maxDepth {
		return j.fail("JSON nested deeper than %d levels", j.maxDepth)
	}
	j.ws()
	if j.i >= len(j.s) {
		return j.fail("unexpected end of JSON")
	}
	switch c := j.s[j.i]; {
	case c == '{':
		j.i++
		j.ws()
		if j.i < len(j.s) && j.s[j.i] == '}' {
			j.i++
			return nil
		}
		for {
			j.ws()
			if j.i >= len(j.s) || j.s[j.i] != '"' {
				return j.fail("expected a quoted object key")
			}
			ks := j.i
			if err := j.str(); err != nil {
				return err
			}
			j.keyEnd = j.i - 1
			if j.lower || j.dots {
				for p := ks + 1; p < j.i-1; p++ {
					c := j.s[p]
					if (j.lower && c >= 'A' && c <= 'Z') || (j.dots && c == '.') {
						j.fixes = append(j.fixes, ks+1, j.i-1)
						break
					}
				}
			}
			j.ws()
			if j.i >= len(j.s) || j.s[j.i] != ':' {
				return j.fail("expected ':' after an object key")
			}
			j.i++
			if depth == 0 && j.keys != nil {
				j.ws()
				if j.i < len(j.s) && j.s[j.i] != 'n' {
					j.lookup(j.s[ks+1 : ks+1+(j.keyEnd-ks-1)])
				}
			}
			if err := j.value(depth + 1); err != nil {
				return err
			}
			j.ws()
			if j.i >= len(j.s) {
				return j.fail("unterminated object")
			}
			if j.s[j.i] == ',' {
				j.i++
				continue
			}
			if j.s[j.i] == '}' {
				j.i++
				return nil
			}
			return j.fail("expected ',' or '}' in an object")
		}
	case c == '[':
		j.i++
		j.ws()
		if j.i < len(j.s) && j.s[j.i] == ']' {
			j.i++
			return nil
		}
		for {
			if err := j.value(depth + 1); err != nil {
				return err
			}
			j.ws()
			if j.i >= len(j.s) {
				return j.fail("unterminated array")
			}
			if j.s[j.i] == ',' {
				j.i++
				continue
			}
			if j.s[j.i] == ']' {
				j.i++
				return nil
			}
			return j.fail("expected ',' or ']' in an array")
		}
	case c == '"':
		return j.str()
	case c == '-' || c >= '0' && c <= '9':
		return j.number()
	case c == 't':
		return j.lit("true")
	case c == 'f':
		return j.lit("false")
	case c == 'n':
		return j.lit("null")
	}
	return j.fail("unexpected character %q", j.s[j.i])
}

func (j *jsonDocs) lit(w string) error {
	if len(j.s)-j.i < len(w) || string(j.s[j.i:j.i+len(w)]) != w {
		return j.fail("invalid literal")
	}
	j.i += len(w)
	return nil
}

// strSpecial marks the bytes a string scan must stop at: the quote, the
// backslash and control characters.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (j *jsonDocs) str() error {
	j.i++ // opening quote
	s := j.s
	for j.i < len(s) {
		// Skip plain bytes in a tight loop (most of a record's bytes).
		i := j.i
		for i < len(s) && !strSpecial[s[i]] {
			i++
		}
		j.i = i
		if i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			j.i++
			return nil
		case c == '\\':
			if j.i+1 >= len(j.s) {
				return j.fail("unterminated string")
			}
			switch j.s[j.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j.i += 2
			case 'u':
				r, ok := hex4(j.s, j.i+2)
				if !ok {
					return j.fail("invalid \\u escape")
				}
				j.i += 6
				switch {
				case r >= 0xDC00 && r <= 0xDFFF:
					return j.fail("unpaired low surrogate")
				case r >= 0xD800 && r <= 0xDBFF:
					lo, ok := hex4(j.s, j.i+2)
					if !ok || j.s[j.i] != '\\' || j.s[j.i+1] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
						return j.fail("unpaired high surrogate")
					}
					j.i += 6
				}
			default:
				return j.fail("invalid escape")
			}
		case c < 0x20:
			return j.fail("control character in string")
		default:
			j.i++
		}
	}
	return j.fail("unterminated string")
}

// hex4 reads the 4 hex digits at s[i:]; false if there are not 4.
func hex4(s []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (j *jsonDocs) number() error {
	s, i := j.s, j.i
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		j.i = i
		return j.fail("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			j.i = i
			return j.fail("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			j.i = i
			return j.fail("invalid number")
		}
	}
	j.i = i
	return nil
}

// lookup sets the bit of key k (raw bytes between the quotes). The key is
// normalized as the patched document shows it to DuckDB (literal ASCII
// letters and dots), then JSON escapes are decoded as DuckDB decodes them,
// so "a\u0062" finds column ab: a value of it that does not convert is
// then a failure, not a silent NULL.
func (j *jsonDocs) lookup(k []byte) {
	norm := k
	esc := false
	for i, c := range k {
		if c == '\\' {
			esc = true
		}
		if (j.lower && c >= 'A' && c <= 'Z') || (j.dots && c == '.') {
			j.keyBuf = append(j.keyBuf[:0], k...)
			for p, c := range j.keyBuf[i:] {
				switch {
				case j.lower && c >= 'A' && c <= 'Z':
					j.keyBuf[i+p] = c + 'a' - 'A'
				case j.dots && c == '.':
					j.keyBuf[i+p] = '_'
				case c == '\\':
					esc = true
				}
			}
			norm = j.keyBuf
			break
		}
	}
	if esc {
		// Rare: keys are seldom escaped. The scan has checked the
		// escapes, so decoding cannot fail.
		j.escBuf = append(append(append(j.escBuf[:0], '"'), norm...), '"')
		var dec string
		if err := json.Unmarshal(j.escBuf, &dec); err != nil {
			return
		}
		if bit, ok := j.keys[dec]; ok {
			j.present |= 1 << bit
		}
		return
	}
	if bit, ok := j.keys[string(norm)]; ok {
		j.present |= 1 << bit
	}
}
