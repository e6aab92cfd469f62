package objkey

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Query is a compiled MetadataExtractionQuery: the jq (1.6) subset that
// dynamic partitioning uses in practice, an object construction whose
// values are paths, such as {region: .region, city: .address.city}.
// It is immutable and safe for concurrent use.
type Query struct {
	keys  []string // output keys, in order of first appearance
	paths [][]step // path of each key
	root  *node
}

// node is one step of the paths a query follows, shared by all paths with
// the same beginning, so Eval reads each record once.
type node struct {
	outs    []int        // output slots whose path ends here
	all     []int        // output slots in this subtree (reset on duplicate members)
	fields  []fieldChild // member name → next step
	indexes []indexChild // array index → next step
}

type fieldChild struct {
	name string
	n    *node
}

type indexChild struct {
	index int
	n     *node
}

func (n *node) field(name string) *node {
	for _, c := range n.fields {
		if c.name == name {
			return c.n
		}
	}
	return nil
}

func (n *node) index(i int) *node {
	for _, c := range n.indexes {
		if c.index == i {
			return c.n
		}
	}
	return nil
}

// step is one path component: a member name or an array index.
type step struct {
	name    string
	index   int
	isIndex bool
}

// Keys returns the output keys of the query, in order of first appearance.
func (q *Query) Keys() []string { return append([]string(nil), q.keys...) }

// ParseQuery compiles a MetadataExtractionQuery. Supported: an object
// construction {k: path, ...} (or the shorthand {k}, meaning {k: .k}) whose
// keys are identifiers or quoted strings and whose paths are ., .a, .a.b,
// ."a-b", .a["b"], .a[0], .["a"]. Anything else (pipes, functions such as
// strftime, arithmetic) is rejected with a message that says so. Errors are
// *Error, for an InvalidArgumentException.
func ParseQuery(q string) (*Query, error) {
	if len(q) > MaxQueryLength {
		return nil, errorf(fmt.Sprintf("MetadataExtractionQuery must have length less than or equal to %d", MaxQueryLength))
	}
	p := &queryParser{src: q}
	query, err := p.parse()
	if err != nil {
		return nil, errorf("MetadataExtractionQuery " + strconv.Quote(q) + " is not supported: " + err.Error())
	}
	return query, nil
}

// queryParser is a recursive-descent parser over the query text.
type queryParser struct {
	src string
	pos int
}

func (p *queryParser) errAt(format string, args ...any) error {
	return fmt.Errorf("at offset %d: "+format, append([]any{p.pos}, args...)...)
}

func (p *queryParser) ws() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		case '#': // jq comment, to end of line
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *queryParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *queryParser) parse() (*Query, error) {
	q := &Query{root: &node{}}
	p.ws()
	if p.peek() != '{' {
		return nil, p.errAt("rheo supports only an object of paths such as {key: .field, other: .a.b}")
	}
	p.pos++
	p.ws()
	if p.peek() == '}' {
		return nil, p.errAt("the object has no keys")
	}
	for {
		p.ws()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		p.ws()
		var path []step
		switch p.peek() {
		case ':':
			p.pos++
			p.ws()
			if path, err = p.path(); err != nil {
				return nil, err
			}
		case ',', '}':
			path = []step{{name: key}} // {key} is {key: .key}
		default:
			return nil, p.errAt("expected ':' after key %q", key)
		}
		q.add(key, path)
		p.ws()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
		case '|':
			return nil, p.errAt("pipes and functions (such as strftime) are not supported; use a plain path")
		default:
			return nil, p.errAt("expected ',' or '}'")
		}
		break
	}
	p.ws()
	if p.pos < len(p.src) {
		if p.peek() == '|' {
			return nil, p.errAt("pipes and functions are not supported; the query must be one object of paths")
		}
		return nil, p.errAt("unexpected text after the object")
	}
	return q, nil
}

// add records key ← path; a repeated key takes the later path, as jq does.
func (q *Query) add(key string, path []step) {
	slot := -1
	for i, k := range q.keys {
		if k == key {
			slot = i
			removeSlot(q.root, i)
		}
	}
	if slot < 0 {
		slot = len(q.keys)
		q.keys = append(q.keys, key)
		q.paths = append(q.paths, nil)
	}
	q.paths[slot] = path
	n := q.root
	n.all = append(n.all, slot)
	for _, s := range path {
		var next *node
		if s.isIndex {
			if next = n.index(s.index); next == nil {
				next = &node{}
				n.indexes = append(n.indexes, indexChild{s.index, next})
			}
		} else {
			if next = n.field(s.name); next == nil {
				next = &node{}
				n.fields = append(n.fields, fieldChild{s.name, next})
			}
		}
		n = next
		n.all = append(n.all, slot)
	}
	n.outs = append(n.outs, slot)
}

func removeSlot(n *node, slot int) {
	n.outs = without(n.outs, slot)
	n.all = without(n.all, slot)
	for _, c := range n.fields {
		removeSlot(c.n, slot)
	}
	for _, c := range n.indexes {
		removeSlot(c.n, slot)
	}
}

func without(list []int, v int) []int {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func isIdentStart(c byte) bool { return c == '_' || isLetter(c) }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

func (p *queryParser) ident() string {
	start := p.pos
	if p.pos < len(p.src) && isIdentStart(p.src[p.pos]) {
		p.pos++
		for p.pos < len(p.src) && isIdentChar(p.src[p.pos]) {
			p.pos++
		}
	}
	return p.src[start:p.pos]
}

func (p *queryParser) key() (string, error) {
	switch c := p.peek(); {
	case c == '"':
		return p.str()
	case isIdentStart(c):
		return p.ident(), nil
	case c == '$' || c == '(':
		return "", p.errAt("computed keys ($var, (expr)) are not supported")
	}
	return "", p.errAt("expected a key (an identifier or a quoted string)")
}

// str parses a jq string literal; interpolation \( ) is not supported.
func (p *queryParser) str() (string, error) {
	start := p.pos
	p.pos++
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\\':
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == '(' {
				return "", p.errAt("string interpolation is not supported")
			}
			p.pos += 2
		case '"':
			p.pos++
			var s string
			if err := json.Unmarshal([]byte(p.src[start:p.pos]), &s); err != nil {
				p.pos = start
				return "", p.errAt("invalid string literal")
			}
			return s, nil
		default:
			p.pos++
		}
	}
	p.pos = start
	return "", p.errAt("unterminated string")
}

// path parses ., .a, ."a", .[…] and then any of .b, ."b", […].
func (p *queryParser) path() ([]step, error) {
	if p.peek() != '.' {
		return nil, p.errAt("expected a path starting with '.'")
	}
	p.pos++
	var steps []step
	first := true
	for {
		switch c := p.peek(); {
		case first && isIdentStart(c):
			steps = append(steps, step{name: p.ident()})
		case first && c == '"':
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			steps = append(steps, step{name: s})
		case c == '[':
			s, err := p.bracket()
			if err != nil {
				return nil, err
			}
			steps = append(steps, s)
		case !first && c == '.':
			p.pos++
			switch c := p.peek(); {
			case isIdentStart(c):
				steps = append(steps, step{name: p.ident()})
			case c == '"':
				s, err := p.str()
				if err != nil {
					return nil, err
				}
				steps = append(steps, step{name: s})
			default:
				return nil, p.errAt("expected a field name after '.'")
			}
		case c == '?':
			return nil, p.errAt("the optional operator '?' is not supported")
		default:
			return steps, nil
		}
		first = false
	}
}

// bracket parses ["name"] or [n] with n ≥ 0.
func (p *queryParser) bracket() (step, error) {
	p.pos++ // [
	p.ws()
	var s step
	switch c := p.peek(); {
	case c == '"':
		name, err := p.str()
		if err != nil {
			return step{}, err
		}
		s = step{name: name}
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		n, err := strconv.Atoi(p.src[start:p.pos])
		if err != nil || n > 1<<30 {
			p.pos = start
			return step{}, p.errAt("array index out of range")
		}
		s = step{index: n, isIndex: true}
	case c == '-':
		return step{}, p.errAt("negative array indexes are not supported")
	case c == ']':
		return step{}, p.errAt("iteration .[] is not supported")
	default:
		return step{}, p.errAt("expected a quoted name or an array index in [ ]")
	}
	p.ws()
	if p.peek() != ']' {
		if strings.HasPrefix(p.src[p.pos:], ":") {
			return step{}, p.errAt("slices are not supported")
		}
		return step{}, p.errAt("expected ']'")
	}
	p.pos++
	return s, nil
}
