// CreateDeliveryStream stores and starts a delivery stream: DirectPut
// (records from PutRecord/PutRecordBatch, kept in an internal shard log
// until delivered) or KinesisStreamAsSource (records read from a rheo
// Kinesis stream, which must exist), with one S3, ExtendedS3 or Redshift
// destination (destination.go has the rules). The stream is CREATING for
// Config.StateDelay, then ACTIVE; its VersionId is 1 and its destination
// id destinationId-000000000001.
//
// Errors as AWS: ValidationException for shape constraints (name, ARNs,
// enums, ranges, tags); ResourceInUseException "Firehose X under accountId
// Y already exists" (also while a deleted stream of that name is still
// DELETING); InvalidArgumentException for the service rules, for
// destinations and sources rheo does not serve (Elasticsearch, OpenSearch,
// Splunk, HTTP endpoint, Snowflake, Iceberg; MSK and database sources),
// for a missing source stream, and for SSE on a Kinesis-sourced stream.
//
// Known gaps vs AWS: the 50 (or 5,000) delivery streams per region quota
// is not enforced; RoleARNs are not checked; the wording of several
// InvalidArgumentException messages is rheo's (AWS's is undocumented).
package firehose

import (
	"context"
	"errors"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) createDeliveryStream(ctx context.Context, in *CreateDeliveryStreamInput) (*CreateDeliveryStreamOutput, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	c.enum("deliveryStreamType", in.DeliveryStreamType, enumStreamType)
	if dp := in.DirectPutSourceConfiguration; dp != nil {
		if dp.ThroughputHintInMBs == nil {
			c.Null("directPutSourceConfiguration.throughputHintInMBs")
		}
		c.intRange("directPutSourceConfiguration.throughputHintInMBs", dp.ThroughputHintInMBs, 1, 100)
	}
	if ks := in.KinesisStreamSourceConfiguration; ks != nil {
		c.reqStr("kinesisStreamSourceConfiguration.kinesisStreamARN", ks.KinesisStreamARN, 1, 512, reKinesisARN, patKinesisARN)
		c.reqStr("kinesisStreamSourceConfiguration.roleARN", ks.RoleARN, 1, 512, reRoleARN, patRoleARN)
	}
	checkEncryptionInput(&c, "deliveryStreamEncryptionConfigurationInput", in.DeliveryStreamEncryptionConfigurationInput)
	checkS3Shape(&c, "s3DestinationConfiguration", in.S3DestinationConfiguration, true)
	checkExtShape(&c, "extendedS3DestinationConfiguration", in.ExtendedS3DestinationConfiguration, true)
	checkRedshiftShape(&c, "redshiftDestinationConfiguration", in.RedshiftDestinationConfiguration, true)
	checkTags(&c, "tags", in.Tags, false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	name := *in.DeliveryStreamName
	region := requestInfo(ctx).Region

	st := &apiState{Region: region, Type: typeDirectPut}
	if in.DeliveryStreamType != nil {
		st.Type = *in.DeliveryStreamType
	}
	u := in.unsupportedDestinations
	switch {
	case st.Type == "MSKAsSource" || u.MSKSourceConfiguration != nil:
		return nil, wire.InvalidArgument("rheo does not support MSK sources (MSKAsSource); supported delivery stream types: DirectPut, KinesisStreamAsSource.")
	case st.Type == "DatabaseAsSource" || u.DatabaseSourceConfiguration != nil:
		return nil, wire.InvalidArgument("rheo does not support database sources (DatabaseAsSource); supported delivery stream types: DirectPut, KinesisStreamAsSource.")
	case st.Type == typeKinesis && in.KinesisStreamSourceConfiguration == nil:
		return nil, wire.InvalidArgument("KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.")
	case st.Type == typeDirectPut && in.KinesisStreamSourceConfiguration != nil:
		return nil, wire.InvalidArgument("KinesisStreamSourceConfiguration is only allowed when DeliveryStreamType is KinesisStreamAsSource.")
	case st.Type == typeKinesis && in.DirectPutSourceConfiguration != nil:
		return nil, wire.InvalidArgument("DirectPutSourceConfiguration is only allowed when DeliveryStreamType is DirectPut.")
	}
	if err := unsupportedDestination(u); err != nil {
		return nil, err
	}
	n := 0
	for _, set := range []bool{in.S3DestinationConfiguration != nil, in.ExtendedS3DestinationConfiguration != nil, in.RedshiftDestinationConfiguration != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, wire.InvalidArgument("Exactly one destination configuration must be specified: ExtendedS3DestinationConfiguration, S3DestinationConfiguration or RedshiftDestinationConfiguration.")
	}
	switch {
	case in.ExtendedS3DestinationConfiguration != nil:
		st.Kind, st.S3 = kindExtendedS3, canonicalExt(in.ExtendedS3DestinationConfiguration)
	case in.S3DestinationConfiguration != nil:
		st.Kind, st.S3 = kindS3, canonicalExt(&ExtendedS3Destination{S3Destination: *in.S3DestinationConfiguration})
	default:
		st.Kind, st.Redshift = kindRedshift, canonicalRedshift(in.RedshiftDestinationConfiguration)
	}
	if st.Type == typeKinesis {
		st.Kinesis = in.KinesisStreamSourceConfiguration
		arn := *st.Kinesis.KinesisStreamARN
		if s.cfg.CheckStream != nil && !s.cfg.CheckStream(streamNameOf(arn)) {
			return nil, wire.InvalidArgument("Kinesis stream %s does not exist.", arn)
		}
	} else {
		st.DirectPut = in.DirectPutSourceConfiguration
	}
	if enc := in.DeliveryStreamEncryptionConfigurationInput; enc != nil {
		if st.Type == typeKinesis {
			return nil, errNotOnKinesis()
		}
		es, err := encryptionFrom(enc)
		if err != nil {
			return nil, err
		}
		st.Enc = es // enabled from the start: no ENABLING phase at creation
	}
	st.Tags = mergeTags(nil, in.Tags)
	spec, err := s.specOf(ctx, st, 1)
	if err != nil {
		return nil, err
	}
	now := s.now()
	st.ReadyAt = now.Add(s.cfg.StateDelay)
	api, err := st.encode()
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tombLocked(name, now); ok {
		return nil, s.inUse(name)
	}
	if _, err := s.eng.Create(ctx, name, spec, api); err != nil {
		if errors.Is(err, delivery.ErrExists) {
			return nil, s.inUse(name)
		}
		return nil, s.engineErr(name, err)
	}
	s.refreshViews()
	return &CreateDeliveryStreamOutput{DeliveryStreamARN: s.streamARN(region, name)}, nil
}

// inUse is AWS's ResourceInUseException for a taken name.
func (s *Server) inUse(name string) error {
	return wire.ResourceInUse("Firehose %s under accountId %s already exists", name, s.cfg.Account)
}

// unsupportedDestination refuses the destinations rheo does not serve.
func unsupportedDestination(u unsupportedDestinations) error {
	for _, d := range []struct {
		set    bool
		member string
	}{
		{u.ElasticsearchDestinationConfiguration != nil, "ElasticsearchDestinationConfiguration"},
		{u.AmazonopensearchserviceDestinationConfiguration != nil, "AmazonopensearchserviceDestinationConfiguration"},
		{u.SplunkDestinationConfiguration != nil, "SplunkDestinationConfiguration"},
		{u.HttpEndpointDestinationConfiguration != nil, "HttpEndpointDestinationConfiguration"},
		{u.AmazonOpenSearchServerlessDestinationConfiguration != nil, "AmazonOpenSearchServerlessDestinationConfiguration"},
		{u.SnowflakeDestinationConfiguration != nil, "SnowflakeDestinationConfiguration"},
		{u.IcebergDestinationConfiguration != nil, "IcebergDestinationConfiguration"},
	} {
		if d.set {
			return wire.InvalidArgument("rheo does not support %s; supported destinations: ExtendedS3DestinationConfiguration, S3DestinationConfiguration, RedshiftDestinationConfiguration.", d.member)
		}
	}
	return nil
}
