package kinesis

// CreateChannel creates a channel that delivers a stream's records to a
// general purpose S3 bucket or to a streaming table (channels.go).
//
// Behaviour: members are checked with AWS's constraints and wording
// (ValidationException); exactly one of S3DestinationConfiguration and
// S3TablesDestinationConfiguration, exactly one stream and (for S3 Tables)
// one table, DataFreshnessInSeconds 300-900 (default 300), record formats
// per destination (S3: JSON, STRING, BYTE_ARRAY; S3 Tables: JSON with a
// GSRSchemaARN, or GSR_JSON) are InvalidArgumentExceptions. The source
// stream must exist (ResourceNotFoundException), be ON_DEMAND
// (InvalidArgumentException: "only supported for data streams with the
// on-demand capacity mode") and ACTIVE or UPDATING (ResourceInUseException).
// A stream has at most one S3 channel and one S3 Tables channel
// (LimitExceededException; "Delivery quotas and limits"). A name in use,
// also by a channel still DELETING, is a ResourceInUseException. The
// channel is CREATING for Config.StateDelay, then ACTIVE; delivery starts
// at the stream's LATEST position (AWS: "no backfill").
//
// S3 Tables: the records are loaded into the SQL engine's warehouse table
// <Namespace>.<TableName>, staged as JSON lines in the lake bucket named
// after the table bucket.
//
// Gaps vs AWS: GSR_JSON is refused (rheo has no Glue Schema Registry to
// strip its header); ZSTD compression is refused until internal/compress
// writes it; no 5 TPS throttle; error messages are rheo's wording except
// validation.

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// createChannelInput is the CreateChannel request.
type createChannelInput struct {
	ChannelName                      *string                           `json:"ChannelName"`
	ServiceExecutionRoleARN          *string                           `json:"ServiceExecutionRoleARN"`
	StreamConfigurationList          []channelStreamConfiguration      `json:"StreamConfigurationList"`
	S3DestinationConfiguration       *s3DestinationConfiguration       `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration *s3TablesDestinationConfiguration `json:"S3TablesDestinationConfiguration"`
	EncryptionConfiguration          *channelEncryptionConfiguration   `json:"EncryptionConfiguration"`
	LoggingConfiguration             *channelLoggingConfiguration      `json:"LoggingConfiguration"`
	Tags                             map[string]string                 `json:"Tags"`
}

// channelDescriptionOutput is the reply of CreateChannel, DescribeChannel
// and UpdateChannel.
type channelDescriptionOutput struct {
	ChannelDescription *channelDescription `json:"ChannelDescription"`
}

// Enum value sets as AWS prints them in validation messages.
const (
	enumRecordFormat  = "Member must satisfy enum value set: [GSR_JSON, JSON, STRING, BYTE_ARRAY]"
	enumS3Compression = "Member must satisfy enum value set: [NONE, GZIP, ZSTD]"
	enumTablesComp    = "Member must satisfy enum value set: [NONE, ZSTD, SNAPPY]"
	enumStorageClass  = "Member must satisfy enum value set: [STANDARD, INTELLIGENT_TIERING, GLACIER_IR]"
	enumEncryption    = "Member must satisfy enum value set: [KMS]"
	enumTransform     = "Member must satisfy enum value set: [TIME_HOUR]"
)

func validateCreateChannel(in *createChannelInput) error {
	var v wire.Validation
	checkChannelName(&v, "channelName", in.ChannelName)
	checkRequiredString(&v, "serviceExecutionRoleARN", in.ServiceExecutionRoleARN, 1, 2048)
	if in.StreamConfigurationList == nil {
		v.Null("streamConfigurationList")
	} else if len(in.StreamConfigurationList) == 0 {
		v.Fail("streamConfigurationList", "[]", "Member must have length greater than or equal to 1")
	}
	for i, sc := range in.StreamConfigurationList {
		p := "streamConfigurationList." + itoa(int64(i+1)) + ".member."
		if sc.StreamARN == nil {
			v.Null(p + "streamARN")
		} else {
			checkStreamARNAt(&v, p+"streamARN", *sc.StreamARN)
		}
		checkRecordConfiguration(&v, p+"recordConfiguration", sc.RecordConfiguration)
	}
	if d := in.S3DestinationConfiguration; d != nil {
		p := "s3DestinationConfiguration."
		if sc := d.StorageConfiguration; sc == nil {
			v.Null(p + "storageConfiguration")
		} else {
			q := p + "storageConfiguration."
			checkBucketARN(&v, q+"bucketARN", sc.BucketARN)
			checkEnum(&v, q+"compressionType", sc.CompressionType, true, enumS3Compression, "NONE", "GZIP", "ZSTD")
			checkAccountID(&v, q+"expectedBucketOwner", sc.ExpectedBucketOwner)
			if t := sc.OutputKeyTemplate; t != nil {
				checkPattern(&v, q+"outputKeyTemplate", *t, 1, 1024, `[0-9A-Za-z!\-_'.*()\/=:{}]+`, "!-_'.*()/=:{}")
			}
			checkEnum(&v, q+"storageClass", sc.StorageClass, false, enumStorageClass, "STANDARD", "INTELLIGENT_TIERING", "GLACIER_IR")
		}
		if q := d.DeadLetterQueueS3Configuration; q != nil {
			checkDLQ(&v, p+"deadLetterQueueS3Configuration.", q)
		}
	}
	if d := in.S3TablesDestinationConfiguration; d != nil {
		p := "s3TablesDestinationConfiguration."
		if d.DeadLetterQueueS3Configuration == nil {
			v.Null(p + "deadLetterQueueS3Configuration")
		} else {
			checkDLQ(&v, p+"deadLetterQueueS3Configuration.", d.DeadLetterQueueS3Configuration)
		}
		if d.S3TablesConfigurationList == nil {
			v.Null(p + "s3TablesConfigurationList")
		} else if len(d.S3TablesConfigurationList) == 0 {
			v.Fail(p+"s3TablesConfigurationList", "[]", "Member must have length greater than or equal to 1")
		}
		for i, tc := range d.S3TablesConfigurationList {
			q := p + "s3TablesConfigurationList." + itoa(int64(i+1)) + ".member."
			checkEnum(&v, q+"compressionType", tc.CompressionType, true, enumTablesComp, "NONE", "ZSTD", "SNAPPY")
			checkRequiredString(&v, q+"namespace", tc.Namespace, 1, 255)
			checkRequiredString(&v, q+"tableBucketARN", tc.TableBucketARN, 1, 2048)
			checkRequiredString(&v, q+"tableName", tc.TableName, 1, 255)
			if ps := tc.PartitionSpec; ps != nil {
				if ps.PartitionFields == nil {
					v.Null(q + "partitionSpec.partitionFields")
				}
				for j, f := range ps.PartitionFields {
					r := q + "partitionSpec.partitionFields." + itoa(int64(j+1)) + ".member."
					checkRequiredString(&v, r+"sourceName", f.SourceName, 1, 255)
					checkEnum(&v, r+"transform", f.Transform, true, enumTransform, "TIME_HOUR")
				}
			}
		}
	}
	if e := in.EncryptionConfiguration; e != nil {
		checkEnum(&v, "encryptionConfiguration.encryptionType", e.EncryptionType, true, enumEncryption, "KMS")
		checkRequiredString(&v, "encryptionConfiguration.keyId", e.KeyID, 1, 2048)
	}
	if l := in.LoggingConfiguration; l != nil {
		checkLogging(&v, "loggingConfiguration.cloudWatchLogs", l.CloudWatchLogs)
	}
	if n := len(in.Tags); n > maxTagsPerStream {
		v.Fail("tags", renderTags(in.Tags), "Member must have length less than or equal to 50")
	} else {
		checkTagMap(&v, in.Tags)
	}
	return v.Err()
}

// checkStreamARNAt checks a StreamARN member at path (checkStreamARN's
// rules, with a nested path).
func checkStreamARNAt(v *wire.Validation, path, arn string) {
	var inner wire.Validation
	checkStreamARN(&inner, arn)
	if inner.Failed() {
		switch {
		case len(arn) < 1:
			v.Fail(path, arn, "Member must have length greater than or equal to 1")
		case len(arn) > 2048:
			v.Fail(path, arn, "Member must have length less than or equal to 2048")
		default:
			v.Fail(path, arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
		}
	}
}

// checkRecordConfiguration checks a RecordConfiguration member at path.
func checkRecordConfiguration(v *wire.Validation, path string, rc *recordConfiguration) {
	if rc == nil {
		v.Null(path)
		return
	}
	checkEnum(v, path+".recordFormatType", rc.RecordFormatType, true, enumRecordFormat, "GSR_JSON", "JSON", "STRING", "BYTE_ARRAY")
	if rc.GSRSchemaARN != nil {
		checkRequiredString(v, path+".gSRSchemaARN", rc.GSRSchemaARN, 1, 2048)
	}
}

// checkDLQ checks a DeadLetterQueueS3Configuration whose members' paths
// start with p.
func checkDLQ(v *wire.Validation, p string, q *dlqConfiguration) {
	checkBucketARN(v, p+"bucketARN", q.BucketARN)
	checkAccountID(v, p+"expectedBucketOwner", q.ExpectedBucketOwner)
	if q.ErrorOutputPrefix != nil {
		checkPattern(v, p+"errorOutputPrefix", *q.ErrorOutputPrefix, 1, 512, `[0-9A-Za-z!\-_'.*()\/]+`, "!-_'.*()/")
	}
}

// checkLogging checks a CloudWatchLogs member at path.
func checkLogging(v *wire.Validation, path string, l *cloudWatchLogs) {
	if l == nil {
		v.Null(path)
		return
	}
	if l.Enabled == nil {
		v.Null(path + ".enabled")
	}
	if l.LogGroupName != nil {
		checkRequiredString(v, path+".logGroupName", l.LogGroupName, 1, 512)
	}
	if l.LogStreamName != nil {
		checkRequiredString(v, path+".logStreamName", l.LogStreamName, 1, 512)
	}
}

// checkRequiredString records a missing member or a length outside
// [lo, hi].
func checkRequiredString(v *wire.Validation, path string, s *string, lo, hi int) {
	switch {
	case s == nil:
		v.Null(path)
	case len(*s) < lo:
		v.Fail(path, *s, "Member must have length greater than or equal to "+itoa(int64(lo)))
	case len(*s) > hi:
		v.Fail(path, *s, "Member must have length less than or equal to "+itoa(int64(hi)))
	}
}

// checkEnum records a missing required member or a value outside values.
func checkEnum(v *wire.Validation, path string, s *string, required bool, constraint string, values ...string) {
	if s == nil {
		if required {
			v.Null(path)
		}
		return
	}
	for _, ok := range values {
		if *s == ok {
			return
		}
	}
	v.Fail(path, *s, constraint)
}

// checkBucketARN checks arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}.
func checkBucketARN(v *wire.Validation, path string, arn *string) {
	checkRequiredString(v, path, arn, 1, 2048)
	if arn == nil || len(*arn) < 1 || len(*arn) > 2048 {
		return
	}
	head, name, ok := strings.Cut(*arn, ":s3:::")
	good := ok && strings.HasPrefix(head, "arn:aws") && len(name) >= 3 && len(name) <= 63
	for i := 0; good && i < len(head); i++ {
		c := head[i]
		good = i < 7 || c == '-' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	for i := 0; good && i < len(name); i++ {
		c := name[i]
		good = c == '.' || c == '_' || c == '-' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	if !good {
		v.Fail(path, *arn, `Member must satisfy regular expression pattern: arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}`)
	}
}

// checkAccountID checks a required 12-digit account id.
func checkAccountID(v *wire.Validation, path string, id *string) {
	switch {
	case id == nil:
		v.Null(path)
	case len(*id) < 12:
		v.Fail(path, *id, "Member must have length greater than or equal to 12")
	case len(*id) > 12:
		v.Fail(path, *id, "Member must have length less than or equal to 12")
	case !allDigits(*id):
		v.Fail(path, *id, `Member must satisfy regular expression pattern: \d{12}`)
	}
}

// checkPattern checks a length range and a character-class pattern made
// of ASCII letters, digits and the characters in extra.
func checkPattern(v *wire.Validation, path, s string, lo, hi int, pattern, extra string) {
	switch {
	case len(s) < lo:
		v.Fail(path, s, "Member must have length greater than or equal to "+itoa(int64(lo)))
		return
	case len(s) > hi:
		v.Fail(path, s, "Member must have length less than or equal to "+itoa(int64(hi)))
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			v.Fail(path, s, "Member must satisfy regular expression pattern: "+pattern)
			return
		}
	}
}

func (s *Server) createChannel(ctx context.Context, in *createChannelInput) (*channelDescriptionOutput, error) {
	if err := validateCreateChannel(in); err != nil {
		return nil, err
	}
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	name := *in.ChannelName
	if err := checkTagChars(in.Tags, "add tags to", name, s.cfg.Account); err != nil {
		return nil, err
	}
	c, err := s.newChannelState(in)
	if err != nil {
		return nil, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	st, err := s.resolveStream(ctx, nil, in.StreamConfigurationList[0].StreamARN)
	if err != nil {
		return nil, err
	}
	if st.Mode != meta.ModeOnDemand {
		return nil, wire.InvalidArgument("Channels are only supported for streams with the ON_DEMAND capacity mode; stream %s under account %s is %s.", st.Name, s.cfg.Account, st.Mode)
	}
	if err := s.requireStatus(st, meta.StatusActive, meta.StatusUpdating); err != nil {
		return nil, err
	}
	if _, ok, err := s.lookupChannel(ctx, eng, name); err != nil {
		return nil, err
	} else if ok {
		return nil, wire.ResourceInUse("Channel %s under account %s already exists.", name, s.cfg.Account)
	}
	all, err := s.allChannels(ctx, eng)
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if !o.tombstone && o.state.StreamUID == st.UID && o.state.destType() == c.destType() {
			return nil, wire.LimitExceeded("Stream %s under account %s already has a channel of destination type %s (%s); the limit is one per destination type.",
				st.Name, s.cfg.Account, c.destType(), o.state.Name)
		}
	}
	now := s.now()
	c.Created = now.Truncate(time.Millisecond).UTC()
	c.Status, c.ReadyAt = channelCreating, now.Add(s.cfg.StateDelay)
	c.StreamName, c.StreamUID, c.StreamCreated = st.Name, st.UID, st.CreatedAt
	spec, err := channelSpec(c)
	if err != nil {
		return nil, err
	}
	api, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if _, err := eng.Create(ctx, deliveryName(name), spec, api); err != nil {
		return nil, s.engineError(name, err)
	}
	out := s.describeChannelState(ctx, c, now)
	out.ChannelStatus = channelCreating
	return &channelDescriptionOutput{ChannelDescription: out}, nil
}

// newChannelState checks the request's semantic rules and builds the
// channel's state (without source stream and status).
func (s *Server) newChannelState(in *createChannelInput) (*channelState, error) {
	name := *in.ChannelName
	if (in.S3DestinationConfiguration == nil) == (in.S3TablesDestinationConfiguration == nil) {
		return nil, wire.InvalidArgument("Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.")
	}
	if n := len(in.StreamConfigurationList); n != 1 {
		return nil, wire.InvalidArgument("StreamConfigurationList must contain exactly one stream; it has %d.", n)
	}
	id := uuid.NewString() // AWS's channel ids are random UUIDs
	var err error
	rec := *in.StreamConfigurationList[0].RecordConfiguration
	format := *rec.RecordFormatType
	c := &channelState{ID: id, Name: name, Role: *in.ServiceExecutionRoleARN, Record: rec, Encryption: in.EncryptionConfiguration, Tags: in.Tags}
	defaultDLQ := "kinesis-channel/errors/" + name + "/" + id + "/"
	switch {
	case in.S3DestinationConfiguration != nil:
		if format == "GSR_JSON" {
			return nil, wire.InvalidArgument("RecordFormatType GSR_JSON is supported only for S3 Tables destinations.")
		}
		d := *in.S3DestinationConfiguration
		sc := *d.StorageConfiguration
		d.StorageConfiguration = &sc
		if _, err := channelCompression(*sc.CompressionType); err != nil {
			return nil, err
		}
		if sc.OutputKeyTemplate != nil {
			if _, err := parseKeyTemplate(*sc.OutputKeyTemplate); err != nil {
				return nil, err
			}
		}
		if d.DataFreshnessInSeconds, err = freshness(d.DataFreshnessInSeconds); err != nil {
			return nil, err
		}
		d.DeadLetterQueueS3Configuration = withDLQDefaults(d.DeadLetterQueueS3Configuration, sc.BucketARN, sc.ExpectedBucketOwner, defaultDLQ)
		c.S3 = &d
	default:
		d := *in.S3TablesDestinationConfiguration
		if n := len(d.S3TablesConfigurationList); n != 1 {
			return nil, wire.InvalidArgument("S3TablesConfigurationList must contain exactly one table; it has %d.", n)
		}
		switch {
		case format == "STRING" || format == "BYTE_ARRAY":
			return nil, wire.InvalidArgument("RecordFormatType %s is supported only for general purpose S3 destinations.", format)
		case format == "GSR_JSON":
			return nil, wire.InvalidArgument("RecordFormatType GSR_JSON is not supported by this server (no Glue Schema Registry); use JSON.")
		case rec.GSRSchemaARN == nil:
			return nil, wire.InvalidArgument("GSRSchemaARN is required for RecordFormatType JSON with an S3 Tables destination.")
		}
		tc := d.S3TablesConfigurationList[0]
		if !strings.HasPrefix(*tc.TableBucketARN, "arn:aws") || !strings.Contains(*tc.TableBucketARN, ":s3tables:") || !validTableBucket(tableBucketOf(*tc.TableBucketARN)) {
			return nil, wire.InvalidArgument("Invalid TableBucketARN %s: expected arn:aws:s3tables:<region>:<account>:bucket/<name>.", *tc.TableBucketARN)
		}
		for _, n := range []string{*tc.Namespace, *tc.TableName} {
			if !validTableName(n) {
				return nil, wire.InvalidArgument("Invalid namespace or table name %s: use lowercase letters, digits and underscores.", n)
			}
		}
		if d.DataFreshnessInSeconds, err = freshness(d.DataFreshnessInSeconds); err != nil {
			return nil, err
		}
		dlq := *d.DeadLetterQueueS3Configuration
		if dlq.ErrorOutputPrefix == nil {
			dlq.ErrorOutputPrefix = &defaultDLQ
		}
		d.DeadLetterQueueS3Configuration = &dlq
		d.S3TablesConfigurationList = []s3TablesConfiguration{tc}
		c.S3Tables = &d
	}
	c.Logging = loggingWithDefaults(in.LoggingConfiguration, name, id)
	return c, nil
}

// freshness applies DataFreshnessInSeconds' default and range.
func freshness(n *int64) (*int64, error) {
	if n == nil {
		d := int64(defaultFreshness)
		return &d, nil
	}
	if *n < minFreshness || *n > maxFreshness {
		return nil, wire.InvalidArgument("DataFreshnessInSeconds must be between %d and %d seconds.", minFreshness, maxFreshness)
	}
	v := *n
	return &v, nil
}

// withDLQDefaults fills a dead-letter configuration: without one, errors
// go to the destination bucket under defaultPrefix ("If not specified, it
// defaults to the destination bucket with an error prefix"; the prefix is
// kinesis-channel/errors/<channelName>/<channelId>/ per the CloudFormation
// reference).
func withDLQDefaults(q *dlqConfiguration, bucket, owner *string, defaultPrefix string) *dlqConfiguration {
	var out dlqConfiguration
	if q != nil {
		out = *q
	} else {
		out.BucketARN, out.ExpectedBucketOwner = bucket, owner
	}
	if out.ErrorOutputPrefix == nil {
		out.ErrorOutputPrefix = &defaultPrefix
	}
	return &out
}

// loggingWithDefaults returns the logging configuration to describe:
// disabled when none was given; the log group and stream default to
// /aws/kinesis/<channelName>/<channelId> and DestinationDelivery.
func loggingWithDefaults(l *channelLoggingConfiguration, name, id string) *channelLoggingConfiguration {
	if l == nil {
		f := false
		return &channelLoggingConfiguration{CloudWatchLogs: &cloudWatchLogs{Enabled: &f}}
	}
	cw := *l.CloudWatchLogs
	if *cw.Enabled {
		if cw.LogGroupName == nil {
			g := "/aws/kinesis/" + name + "/" + id
			cw.LogGroupName = &g
		}
		if cw.LogStreamName == nil {
			st := "DestinationDelivery"
			cw.LogStreamName = &st
		}
	}
	return &channelLoggingConfiguration{CloudWatchLogs: &cw}
}

// validTableName reports whether s is an S3 Tables namespace or table
// name rheo accepts: lowercase letters, digits and underscores, starting
// with a letter or digit (so it is also a plain SQL identifier).
func validTableName(s string) bool {
	if s == "" || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// validTableBucket reports whether s is a valid table bucket name: 3 to 63
// lowercase letters, digits and hyphens (S3 Tables naming rules), which is
// also a valid lake bucket name.
func validTableBucket(s string) bool {
	if len(s) < 3 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
