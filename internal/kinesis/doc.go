// Package kinesis serves the Amazon Kinesis Data Streams API (JSON 1.1) over
// the shard log and the metadata store.
//
// Every action has the same shape,
//
//	func (s *Server) putRecords(ctx context.Context, in *wire.PutRecordsInput) (*wire.PutRecordsOutput, error)
//
// and one adapter (server.go) reads the X-Amz-Target header, decodes the
// body, calls the action, and writes the reply or the wire.Error. Actions
// live one per file, named after the action; each file starts with a comment
// on its behaviour and its known gaps against AWS.
package kinesis
