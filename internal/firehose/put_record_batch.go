// PutRecordBatch appends up to 500 records (each up to 1,000 KiB, 4 MiB in
// all) to a DirectPut delivery stream in one durable append and answers
// with one RequestResponses entry per record, in order: {RecordId} or
// {ErrorCode, ErrorMessage}, FailedPutCount and Encrypted (as PutRecord's).
// The append is all-or-nothing: if the internal log cannot take the batch
// (a storage failure), every entry fails with ServiceUnavailableException
// so clients retry just those records, as the AWS documentation tells
// them to.
//
// Errors as AWS: ValidationException for more than 500 records ('records'
// ... Member must have length less than or equal to 500) and per record
// ('records.N.member.data'); InvalidArgumentException "Records size
// exceeds 4 MB limit" for more than 4 MiB of data in the request; ResourceNotFoundException (missing or not
// ACTIVE); InvalidArgumentException for a Kinesis-sourced stream.
//
// Known gaps vs AWS: no throughput limits.
package firehose

import (
	"context"
	"errors"
	"fmt"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// Limits of one PutRecordBatch call.
const (
	maxBatchRecords = 500
	maxBatchBytes   = 4 << 20
)

func (s *Server) putRecordBatch(ctx context.Context, in *PutRecordBatchInput) (*PutRecordBatchOutput, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	total := 0
	switch {
	case in.Records == nil:
		c.Null("records")
	case len(in.Records) < 1:
		c.Fail("records", "[]", "Member must have length greater than or equal to 1")
	case len(in.Records) > maxBatchRecords:
		c.Fail("records", fmt.Sprintf("[%d records]", len(in.Records)), fmt.Sprintf("Member must have length less than or equal to %d", maxBatchRecords))
	}
	for i, r := range in.Records {
		// The member path is only built for a record that fails: this
		// loop runs for up to 500 records per call.
		switch {
		case r == nil || r.Data == nil:
			c.Null(recordPath(i))
		case len(r.Data) > maxRecordSize:
			c.Fail(recordPath(i), blobValue(len(r.Data)), fmt.Sprintf("Member must have length less than or equal to %d", maxRecordSize))
		default:
			total += len(r.Data)
		}
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if total > maxBatchBytes {
		return nil, wire.InvalidArgument("Records size exceeds 4 MB limit")
	}
	name := *in.DeliveryStreamName
	if _, err := s.writable(name); err != nil {
		return nil, err
	}
	records := make([][]byte, len(in.Records))
	for i, r := range in.Records {
		records[i] = r.Data
	}
	out := &PutRecordBatchOutput{RequestResponses: make([]PutRecordBatchResponseEntry, len(records))}
	ids, sealed, err := s.eng.Put(ctx, name, records)
	// How the records were stored (see putRecord).
	out.Encrypted = sealed
	switch {
	case err == nil && len(ids) != len(records):
		return nil, fmt.Errorf("put to %s: engine returned %d record ids for %d records", name, len(ids), len(records))
	case err == nil:
		for i, id := range ids {
			out.RequestResponses[i].RecordId = id
		}
		return out, nil
	case errors.Is(err, delivery.ErrNotFound) || errors.Is(err, delivery.ErrClosed) || ctx.Err() != nil:
		return nil, s.engineErr(name, err)
	}
	if _, ok := wire.AsError(err); ok {
		return nil, err
	}
	s.logger.Error("put record batch failed", "stream", name, "records", len(records), "err", err)
	out.FailedPutCount = len(records)
	for i := range out.RequestResponses {
		out.RequestResponses[i] = PutRecordBatchResponseEntry{ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down. The record could not be stored; retry it."}
	}
	return out, nil
}

// recordPath is the ValidationException path of the i-th record's data.
func recordPath(i int) string { return fmt.Sprintf("records.%d.member.data", i+1) }
