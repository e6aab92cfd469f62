package objkey

import (
	"fmt"
	"strings"
)

// Namespaces of !{namespace:value} expressions.
const (
	nsTimestamp     = "timestamp"
	nsFirehose      = "firehose"
	nsPartitionKey  = "partitionKeyFromQuery"
	nsPartitionFunc = "partitionKeyFromLambda"

	valRandomString = "random-string"
	valErrorType    = "error-output-type"
)

// segKind says what one piece of a prefix evaluates to.
type segKind int

const (
	segLiteral   segKind = iota
	segTimestamp         // !{timestamp:pattern}
	segRandom            // !{firehose:random-string}
	segErrorType         // !{firehose:error-output-type}
	segPartition         // !{partitionKeyFromQuery:key}
)

// segment is one literal run or one expression of a prefix.
type segment struct {
	kind segKind
	text string      // literal text, or the partition key name
	ts   *timeFormat // segTimestamp
}

// expression is a parsed prefix: its segments and what they contain.
type expression struct {
	segs         []segment
	hasExpr      bool
	hasTimestamp bool
	hasErrorType bool
	hasPartition bool
	partKeys     []string // distinct partitionKeyFromQuery keys in order
}

// parseExpression splits a Prefix or ErrorOutputPrefix (field names the
// member in messages) into segments, applying the syntax rules: "!{" only
// opens a !{namespace:value} expression whose namespace is letters; the
// namespace is one of the four Firehose knows; the value is valid for it.
func parseExpression(s, field string) (*expression, error) {
	e := &expression{}
	lit := 0 // start of the pending literal
	for i := 0; i < len(s); {
		if s[i] != '!' || i+1 >= len(s) || s[i+1] != '{' {
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return nil, errorf("Invalid expression usage")
		}
		body := s[i+2 : i+2+end]
		colon := strings.IndexByte(body, ':')
		if colon <= 0 || strings.ContainsAny(body, "{") || !allLetters(body[:colon]) {
			return nil, errorf("Invalid expression usage")
		}
		if lit < i {
			e.segs = append(e.segs, segment{kind: segLiteral, text: s[lit:i]})
		}
		seg, err := parseNamespace(body[:colon], body[colon+1:], field)
		if err != nil {
			return nil, err
		}
		e.add(seg)
		i += 2 + end + 1
		lit = i
	}
	if lit < len(s) {
		e.segs = append(e.segs, segment{kind: segLiteral, text: s[lit:]})
	}
	return e, nil
}

func (e *expression) add(seg segment) {
	e.segs = append(e.segs, seg)
	e.hasExpr = true
	switch seg.kind {
	case segTimestamp:
		e.hasTimestamp = true
	case segErrorType:
		e.hasErrorType = true
	case segPartition:
		e.hasPartition = true
		for _, k := range e.partKeys {
			if k == seg.text {
				return
			}
		}
		e.partKeys = append(e.partKeys, seg.text)
	}
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseNamespace compiles one expression.
func parseNamespace(ns, value, field string) (segment, error) {
	badValue := errorf("Invalid conversion character used in the value of the expression in " + field)
	switch ns {
	case nsTimestamp:
		f, err := compileTimeFormat(value)
		if err != nil {
			return segment{}, badValue
		}
		return segment{kind: segTimestamp, ts: f, text: value}, nil
	case nsFirehose:
		switch value {
		case valRandomString:
			return segment{kind: segRandom}, nil
		case valErrorType:
			return segment{kind: segErrorType}, nil
		}
		return segment{}, badValue
	case nsPartitionKey:
		if value == "" {
			return segment{}, badValue
		}
		return segment{kind: segPartition, text: value}, nil
	case nsPartitionFunc:
		return segment{}, errorf(fmt.Sprintf("!{partitionKeyFromLambda:%s} cannot be used: rheo does not run "+
			"Lambda functions, so no partition keys come from Lambda; use !{partitionKeyFromQuery:%s} with a "+
			"MetadataExtractionQuery instead", value, value))
	}
	return segment{}, errorf(fmt.Sprintf("Namespace to the left of colon (%s) is an invalid keyword!", ns))
}
