package sqlengine

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of the small lexer rheo uses for the
// statements it handles itself (Hive DDL, SET, DROP) and for finding
// statement boundaries. Everything else is left to DuckDB's own parser.
type tokKind int

const (
	tokWord   tokKind = iota // keyword or bare identifier
	tokQIdent                // `quoted` identifier (Hive) or "quoted" in DuckDB mode
	tokString                // '...' or, in Hive mode, "..."
	tokNumber
	tokPunct // one of ( ) , ; = < > : . and anything else single-byte
)

// token is one lexeme; text is unescaped for strings and quoted names.
type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the statement
	end  int
}

// is reports whether t is the word w, ignoring case.
func (t token) is(w string) bool { return t.kind == tokWord && strings.EqualFold(t.text, w) }

// lex splits s into tokens, skipping whitespace and comments. In hive mode
// double-quoted text is a string and backslash escapes work in both quote
// kinds, as in HiveQL; otherwise double quotes delimit identifiers.
func lex(s string, hive bool) ([]token, error) { return lexWith(s, hive, hive) }

// lexWith is lex with its two Hive rules apart: dqString makes double
// quotes delimit strings, escapes makes backslashes escape in strings.
// The native stream DDL takes SQL's identifiers with Hive's escapes.
func lexWith(s string, dqString, escapes bool) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return nil, syntaxErr("unterminated /* comment")
			}
			i += j + 4
		case c == '$' && !dqString && dollarTag(s[i:]) != "":
			// A dollar-quoted string ($$...$$, $tag$...$tag$), as
			// SplitStatements reads it: dbt's comments are written so.
			tag := dollarTag(s[i:])
			j := strings.Index(s[i+len(tag):], tag)
			if j < 0 {
				return nil, syntaxErr("unterminated dollar-quoted string")
			}
			end := i + len(tag) + j + len(tag)
			out = append(out, token{kind: tokString, text: s[i+len(tag) : end-len(tag)], pos: i, end: end})
			i = end
		case c == '\'' || (c == '"' && dqString):
			text, n, err := lexString(s[i:], c, escapes)
			if err != nil {
				return nil, err
			}
			out = append(out, token{kind: tokString, text: text, pos: i, end: i + n})
			i += n
		case c == '`' || c == '"':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(s) {
					return nil, syntaxErr("unterminated quoted identifier")
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{kind: tokQIdent, text: b.String(), pos: i, end: j + 1})
			i = j + 1
		case isWordStart(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{kind: tokWord, text: s[i:j], pos: i, end: j})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			out = append(out, token{kind: tokNumber, text: s[i:j], pos: i, end: j})
			i = j
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			out = append(out, token{kind: tokPunct, text: s[i : i+n], pos: i, end: i + n})
			i += n
		}
	}
	return out, nil
}

// dollarTag returns the $tag$ (or $$) that opens a dollar-quoted string
// at the start of s, or "" (a parameter $1, or no quote).
func dollarTag(s string) string {
	j := 1
	for j < len(s) && (isWordStart(s[j]) || j > 1 && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j < len(s) && s[j] == '$' {
		return s[:j+1]
	}
	return ""
}

func isWordStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isWordByte(c byte) bool { return isWordStart(c) || c >= '0' && c <= '9' || c == '$' }

// lexString reads a quoted string starting at s[0]==q and returns its
// unescaped text and its length in s. A doubled quote is a quote; in hive
// mode backslash escapes follow Hive (\\ \' \" \n \t \r \0 \NNN octal
// \uXXXX), otherwise backslashes are literal as in standard SQL.
func lexString(s string, q byte, hive bool) (string, int, error) {
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		case c == '\\' && hive && i+1 < len(s):
			n := unescapeHive(s[i+1:], &b)
			i += 1 + n
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, syntaxErr("unterminated quoted string")
}

// unescapeHive writes the character escaped by the text after a backslash
// and returns how many bytes of s it used.
func unescapeHive(s string, b *strings.Builder) int {
	c := s[0]
	switch c {
	case 'n':
		b.WriteByte('\n')
	case 't':
		b.WriteByte('\t')
	case 'r':
		b.WriteByte('\r')
	case 'b':
		b.WriteByte('\b')
	case 'Z':
		b.WriteByte(0x1a)
	case 'u':
		if len(s) >= 5 {
			if v, err := strconv.ParseUint(s[1:5], 16, 32); err == nil {
				b.WriteRune(rune(v))
				return 5
			}
		}
		b.WriteByte('u')
	default:
		if c >= '0' && c <= '7' {
			n := 1
			for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(s[:n], 8, 32)
			if v < 256 {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			return n
		}
		// \\ \' \" and any other escaped character stand for themselves.
		b.WriteByte(c)
	}
	return 1
}

// SplitStatements splits a multi-statement string on ';' outside quotes
// ('...', "...", `...`), dollar-quoted bodies ($$...$$, $tag$...$tag$) and
// comments. It drops statements that are empty or only comments and trims
// surrounding whitespace; the ';' itself is not kept.
func SplitStatements(sql string) []string {
	var out []string
	start := 0
	i := 0
	emit := func(end int) {
		st := strings.TrimSpace(sql[start:end])
		if st != "" && !onlyComments(st) {
			out = append(out, st)
		}
	}
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 4
			}
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(sql) {
				if sql[j] == '\\' && c == '"' && j+1 < len(sql) {
					// Hive's "\"" escapes; DuckDB names rarely hold a backslash.
					j += 2
					continue
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j + 1
		case c == '$' && (i == 0 || !isWordByte(sql[i-1])):
			// $tag$ opens a dollar-quoted body; $1 is a parameter.
			j := i + 1
			for j < len(sql) && (isWordStart(sql[j]) || sql[j] >= '0' && sql[j] <= '9') && sql[j] != '$' {
				j++
			}
			if j < len(sql) && sql[j] == '$' && (j == i+1 || !(sql[i+1] >= '0' && sql[i+1] <= '9')) {
				tag := sql[i : j+1]
				k := strings.Index(sql[j+1:], tag)
				if k < 0 {
					i = len(sql)
				} else {
					i = j + 1 + k + len(tag)
				}
			} else {
				i = j
			}
		case c == ';':
			emit(i)
			i++
			start = i
		default:
			i++
		}
	}
	if start < len(sql) {
		emit(len(sql))
	}
	return out
}

// onlyComments reports whether s holds nothing but comments and space.
func onlyComments(s string) bool {
	toks, err := lex(s, false)
	return err == nil && len(toks) == 0
}
