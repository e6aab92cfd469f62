// UpdateDestination changes a delivery stream's destination atomically
// when CurrentDeliveryStreamVersionId matches its VersionId, then bumps
// the VersionId (which appears in new default object keys) and sets
// LastUpdateTimestamp. As AWS documents, an update of the same destination
// type merges: members the update omits keep their values (S3 and
// ExtendedS3 are one type); switching between S3 and Redshift merges
// nothing, so RoleARN and BucketARN (S3) or RoleARN, ClusterJDBCURL,
// CopyCommand and S3Update with RoleARN and BucketARN (Redshift) must all
// be given. The merged destination passes the same rules as at creation
// (destination.go) and takes effect from the engine's next batch.
//
// Errors as AWS: ValidationException for shape constraints;
// ResourceNotFoundException; ResourceInUseException when the stream is not
// ACTIVE; ConcurrentModificationException "Cannot update firehose: X
// since the current version id: N and specified version id: M do not
// match"; InvalidArgumentException for an unknown DestinationId, an
// unsupported destination type, turning dynamic partitioning on for a
// stream created without it ("You cannot enable dynamic partitioning for
// an existing Firehose stream that does not have dynamic partitioning
// already enabled") and every creation rule.
//
// Known gaps vs AWS: the wording of the DestinationId and missing-member
// messages is rheo's.
package firehose

import (
	"context"
	"strconv"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

func (s *Server) updateDestination(ctx context.Context, in *UpdateDestinationInput) (*Empty, error) {
	var c checker
	c.name("deliveryStreamName", in.DeliveryStreamName, true)
	c.reqStr("currentDeliveryStreamVersionId", in.CurrentDeliveryStreamVersionId, 1, 50, reVersionID, patVersionID)
	c.reqStr("destinationId", in.DestinationId, 1, 100, reDestID, patDestID)
	checkS3Shape(&c, "s3DestinationUpdate", in.S3DestinationUpdate, false)
	checkExtShape(&c, "extendedS3DestinationUpdate", in.ExtendedS3DestinationUpdate, false)
	checkRedshiftShape(&c, "redshiftDestinationUpdate", in.RedshiftDestinationUpdate, false)
	if err := c.Err(); err != nil {
		return nil, err
	}
	for _, u := range []struct {
		set    bool
		member string
	}{
		{in.ElasticsearchDestinationUpdate != nil, "ElasticsearchDestinationUpdate"},
		{in.AmazonopensearchserviceDestinationUpdate != nil, "AmazonopensearchserviceDestinationUpdate"},
		{in.SplunkDestinationUpdate != nil, "SplunkDestinationUpdate"},
		{in.HttpEndpointDestinationUpdate != nil, "HttpEndpointDestinationUpdate"},
		{in.AmazonOpenSearchServerlessDestinationUpdate != nil, "AmazonOpenSearchServerlessDestinationUpdate"},
		{in.SnowflakeDestinationUpdate != nil, "SnowflakeDestinationUpdate"},
		{in.IcebergDestinationUpdate != nil, "IcebergDestinationUpdate"},
	} {
		if u.set {
			return nil, wire.InvalidArgument("rheo does not support %s; supported updates: ExtendedS3DestinationUpdate, S3DestinationUpdate, RedshiftDestinationUpdate.", u.member)
		}
	}
	n := 0
	for _, set := range []bool{in.S3DestinationUpdate != nil, in.ExtendedS3DestinationUpdate != nil, in.RedshiftDestinationUpdate != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, wire.InvalidArgument("Exactly one destination update must be specified: ExtendedS3DestinationUpdate, S3DestinationUpdate or RedshiftDestinationUpdate.")
	}
	name := *in.DeliveryStreamName
	_, err := s.eng.Update(ctx, name, func(def *delivery.Definition) error {
		st, err := decodeState(*def)
		if err != nil {
			return err
		}
		now := s.now()
		if status := st.status(now); status != statusActive {
			return wire.ResourceInUse("Cannot update firehose: %s when it is in %s status", name, status)
		}
		cur := strconv.FormatInt(def.Spec.Version, 10)
		if *in.CurrentDeliveryStreamVersionId != cur {
			return &wire.Error{Type: "ConcurrentModificationException", Status: 400,
				Message: "Cannot update firehose: " + name + " since the current version id: " + cur + " and specified version id: " + *in.CurrentDeliveryStreamVersionId + " do not match"}
		}
		if *in.DestinationId != destinationID {
			return wire.InvalidArgument("Destination Id %s not found for Firehose %s under account %s.", *in.DestinationId, name, s.cfg.Account)
		}
		if err := applyUpdate(st, in); err != nil {
			return err
		}
		spec, err := s.specOf(ctx, st, def.Spec.Version+1)
		if err != nil {
			return err
		}
		st.Updated = now
		api, err := st.encode()
		if err != nil {
			return err
		}
		def.Spec, def.API = spec, api
		return nil
	})
	if err != nil {
		return nil, s.engineErr(name, err)
	}
	return &Empty{}, nil
}

// applyUpdate merges or replaces the destination of st.
func applyUpdate(st *apiState, in *UpdateDestinationInput) error {
	wasDynamic := st.S3 != nil && st.S3.DynamicPartitioningConfiguration != nil && deref(st.S3.DynamicPartitioningConfiguration.Enabled)
	switch {
	case in.RedshiftDestinationUpdate != nil && st.Kind == kindRedshift:
		st.Redshift = mergeRedshift(st.Redshift, in.RedshiftDestinationUpdate)
	case in.RedshiftDestinationUpdate != nil:
		u := in.RedshiftDestinationUpdate
		if u.RoleARN == nil || u.ClusterJDBCURL == nil || u.CopyCommand == nil || u.CopyCommand.DataTableName == nil ||
			u.S3Update == nil || u.S3Update.RoleARN == nil || u.S3Update.BucketARN == nil {
			return wire.InvalidArgument("Changing the destination type to Redshift requires RoleARN, ClusterJDBCURL, CopyCommand.DataTableName and S3Update with RoleARN and BucketARN: parameters are not merged across destination types.")
		}
		full := *u
		full.S3Configuration = u.S3Update
		st.Kind, st.S3, st.Redshift = kindRedshift, nil, canonicalRedshift(&full)
	default:
		u := in.ExtendedS3DestinationUpdate
		kind := kindExtendedS3
		if u == nil {
			u = &ExtendedS3Destination{S3Destination: *in.S3DestinationUpdate}
			kind = kindS3
		}
		if st.Kind == kindRedshift {
			if u.RoleARN == nil || u.BucketARN == nil {
				return wire.InvalidArgument("Changing the destination type to S3 requires RoleARN and BucketARN: parameters are not merged across destination types.")
			}
			st.Kind, st.Redshift, st.S3 = kind, nil, canonicalExt(u)
		} else {
			if kind == kindExtendedS3 {
				st.Kind = kindExtendedS3
			}
			st.S3 = mergeExt(st.S3, u)
		}
	}
	nowDynamic := st.S3 != nil && st.S3.DynamicPartitioningConfiguration != nil && deref(st.S3.DynamicPartitioningConfiguration.Enabled)
	if nowDynamic && !wasDynamic {
		return wire.InvalidArgument("You cannot enable dynamic partitioning for an existing Firehose stream that does not have dynamic partitioning already enabled.")
	}
	return nil
}
