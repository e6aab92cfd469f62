// Package wire holds the Kinesis protocol types shared by the server and
// the CLI: request and response shapes, the JSON 1.1 timestamp encoding, the
// table of API errors and the ValidationException message builder. It has
// no behaviour beyond encoding, so both sides can import it cheaply.
package wire
