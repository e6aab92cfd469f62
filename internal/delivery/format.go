package delivery

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Error codes of records that do not match Destination.RecordFormat. AWS
// does not document the codes a channel's dead-letter records carry;
// these are rheo's.
const (
	codeInvalidJSON   = "RecordFormat.InvalidJSON"
	codeInvalidString = "RecordFormat.InvalidUTF8"
)

// checkFormat keeps the records that match format and turns the others
// into failures for the error output. JSON records are compacted when
// they contain a newline, so a record stays one line of its object; the
// result depends only on the records, so a replay writes the same bytes.
func checkFormat(format string, users []userRecord) ([]userRecord, []failure) {
	if format == "" {
		return users, nil
	}
	out := users[:0:0]
	var fails []failure
	for _, u := range users {
		switch format {
		case RecordFormatJSON:
			if !json.Valid(u.data) {
				fails = append(fails, failure{rec: u, errType: errTypeProcessing, code: codeInvalidJSON,
					message: "The record is not a JSON document."})
				continue
			}
			if bytes.ContainsAny(u.data, "\r\n") {
				var b bytes.Buffer
				if err := json.Compact(&b, u.data); err == nil {
					u.data = b.Bytes()
				}
			}
		case RecordFormatString:
			if !utf8.Valid(u.data) {
				fails = append(fails, failure{rec: u, errType: errTypeProcessing, code: codeInvalidString,
					message: "The record is not valid UTF-8 text."})
				continue
			}
		}
		out = append(out, u)
	}
	return out, fails
}
