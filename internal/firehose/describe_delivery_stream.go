// DescribeDeliveryStream returns the full DeliveryStreamDescription as AWS
// renders it: status (CREATING until Config.StateDelay has passed, then
// ACTIVE; DELETING for a deleted stream until its delay passes), the
// encryption configuration (DirectPut streams only, Status DISABLED when
// off), Source.KinesisStreamSourceDescription for Kinesis-sourced streams,
// and the one destination with AWS's defaults filled in (BufferingHints
// 5/300, CompressionFormat UNCOMPRESSED, EncryptionConfiguration
// NoEncryption, CloudWatchLoggingOptions Enabled false, S3BackupMode
// Disabled). An S3 or ExtendedS3 destination is shown under both
// S3DestinationDescription and ExtendedS3DestinationDescription, as AWS
// does; a Redshift destination never shows its Password. While the
// destination is failing (delivery.Status.FailingSince set) the
// description carries FailureDescription {Type: UNKNOWN_ERROR, Details:
// the last error}.
//
// Limit and ExclusiveStartDestinationId are validated; with one
// destination per stream they change nothing (HasMoreDestinations is
// always false), as on AWS.
//
// Known gaps vs AWS: FailureDescription types other than UNKNOWN_ERROR
// (KMS, VPC) never occur.
package firehose

import (
	"context"
	"strconv"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) describeDeliveryStream(_ context.Context, in *NameInput) (*DescribeDeliveryStreamOutput, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	c.intRange("limit", in.Limit, 1, 10000)
	c.str("exclusiveStartDestinationId", in.ExclusiveStartDestinationId, 1, 100, reDestID, patDestID)
	if err := c.Err(); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	now := s.now()
	sm, err := s.load(name)
	if err != nil {
		s.mu.Lock()
		t, ok := s.tombLocked(name, now)
		s.mu.Unlock()
		if ok {
			return &DescribeDeliveryStreamOutput{DeliveryStreamDescription: t.desc}, nil
		}
		return nil, err
	}
	return &DescribeDeliveryStreamOutput{DeliveryStreamDescription: s.describe(sm, now)}, nil
}

// describe renders a stream's description at now.
func (s *Server) describe(sm *stream, now time.Time) *DeliveryStreamDescription {
	st := sm.st
	d := &DeliveryStreamDescription{
		DeliveryStreamName:   sm.def.Name,
		DeliveryStreamARN:    s.streamARN(st.Region, sm.def.Name),
		DeliveryStreamStatus: st.status(now),
		DeliveryStreamType:   st.Type,
		VersionId:            strconv.FormatInt(sm.def.Spec.Version, 10),
		CreateTimestamp:      &wire.Timestamp{Time: sm.def.Created},
		Destinations:         []DestinationDescription{{DestinationId: destinationID}},
	}
	if !st.Updated.IsZero() {
		d.LastUpdateTimestamp = &wire.Timestamp{Time: st.Updated}
	}
	if st.Type == typeKinesis {
		d.Source = &SourceDescription{KinesisStreamSourceDescription: &KinesisStreamSourceDescription{
			KinesisStreamARN:       deref(st.Kinesis.KinesisStreamARN),
			RoleARN:                deref(st.Kinesis.RoleARN),
			DeliveryStartTimestamp: &wire.Timestamp{Time: sm.def.Created},
		}}
	} else {
		enc := &EncryptionDescription{Status: st.Enc.status(now)}
		if st.Enc.KeyType != "" {
			enc.KeyType = ptr(st.Enc.KeyType)
		}
		if st.Enc.KeyARN != "" {
			enc.KeyARN = ptr(st.Enc.KeyARN)
		}
		d.DeliveryStreamEncryptionConfiguration = enc
		if st.DirectPut != nil {
			d.Source = &SourceDescription{DirectPutSourceDescription: st.DirectPut}
		}
	}
	dd := &d.Destinations[0]
	switch st.Kind {
	case kindRedshift:
		dd.RedshiftDestinationDescription = st.Redshift
	default:
		dd.ExtendedS3DestinationDescription = st.S3
		s3 := st.S3.S3Destination
		dd.S3DestinationDescription = &s3
	}
	if status, ok := s.eng.Status(sm.def.Name); ok && !status.FailingSince.IsZero() {
		msg := status.LastError
		if msg == "" {
			msg = "delivery to the destination is failing"
		}
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		d.FailureDescription = &FailureDescription{Type: "UNKNOWN_ERROR", Details: msg}
	}
	return d
}
