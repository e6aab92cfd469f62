// PutRecord appends one record (Data up to 1,000 KiB, base64 on the wire)
// to a DirectPut delivery stream and answers once it is durable in the
// stream's internal log, with a RecordId and Encrypted (whether the record
// was sealed at rest: from StartDeliveryStreamEncryption on, ENABLING
// included, until StopDeliveryStreamEncryption). Records are delivered as sent: Firehose adds no separator.
//
// Errors as AWS: ValidationException "Value 'java.nio.HeapByteBuffer[pos=0
// lim=N cap=N]' at 'record.data' failed to satisfy constraint: Member must
// have length less than or equal to 1024000"; ResourceNotFoundException
// for a missing stream and, as AWS does for any stream that is not ACTIVE,
// one still CREATING; InvalidArgumentException "This operation is not
// permitted on KinesisStreamAsSource delivery stream type." (AWS's
// wording, quoted in aws/aws-cli#7010);
// ServiceUnavailableException (503) while the server shuts down or when
// the internal log cannot take the record.
//
// Known gaps vs AWS: no per-stream throughput limits (AWS: 2,000
// transactions, 5,000 records or 5 MiB per second).
package firehose

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) putRecord(ctx context.Context, in *PutRecordInput) (*PutRecordOutput, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	switch {
	case in.Record == nil:
		c.Null("record")
	case in.Record.Data == nil:
		c.Null("record.data")
	case len(in.Record.Data) > maxRecordSize:
		c.Fail("record.data", blobValue(len(in.Record.Data)), fmt.Sprintf("Member must have length less than or equal to %d", maxRecordSize))
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	if _, err := s.writable(name); err != nil {
		return nil, err
	}
	ids, sealed, err := s.eng.Put(ctx, name, [][]byte{in.Record.Data})
	if err != nil {
		return nil, s.putErr(ctx, name, err)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("put to %s: engine returned %d record ids for 1 record", name, len(ids))
	}
	// How the record was stored, not the stream's setting, which a
	// Start/StopDeliveryStreamEncryption may change during the call.
	return &PutRecordOutput{RecordId: ids[0], Encrypted: sealed}, nil
}

// putErr maps a failed append: a storage failure becomes
// ServiceUnavailableException (503, which SDKs retry), as AWS answers
// when it cannot take a record.
func (s *Server) putErr(ctx context.Context, name string, err error) error {
	if errors.Is(err, delivery.ErrNotFound) || errors.Is(err, delivery.ErrClosed) || ctx.Err() != nil {
		return s.engineErr(name, err)
	}
	if _, ok := wire.AsError(err); ok {
		return err
	}
	s.logger.Error("put record failed", "stream", name, "err", err)
	return &wire.Error{Type: "ServiceUnavailableException", Status: http.StatusServiceUnavailable, Message: "Slow down."}
}

// writable returns the view of a stream that accepts puts: ACTIVE and
// DirectPut.
func (s *Server) writable(name string) (putView, error) {
	v, ok := s.views.Load().byName[name]
	switch {
	case !ok:
		return putView{}, s.notFound(name)
	case s.now().Before(v.readyAt): // CREATING
		return putView{}, s.notFound(name)
	case v.kinesis:
		return putView{}, errNotOnKinesis()
	}
	return v, nil
}
