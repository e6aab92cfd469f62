// Channels (CreateChannel, DescribeChannel, ListChannels, UpdateChannel,
// DeleteChannel): a channel delivers a stream's records to a general
// purpose S3 bucket or to a streaming table. rheo runs each channel as one
// definition of the delivery engine (internal/delivery) with a Kinesis
// source; this file holds what the five actions share: the request and
// response shapes, the channel state kept in Definition.API, the mapping
// to a delivery.Spec, statuses and lookups.
//
// A channel named N is the delivery definition "channel:N". Firehose names
// match [a-zA-Z0-9_.-]+, so the two never collide, and the Firehose API
// leaves names containing ':' out of ListDeliveryStreams.
//
// Statuses are lazy, as for streams (states.go): CREATING and UPDATING end
// Config.StateDelay after the change. DeleteChannel stops delivery at once
// and leaves a tombstone in meta (namespace channelDeletingNS) that shows
// the channel as DELETING until StateDelay has passed; the name stays
// taken meanwhile. A channel whose source stream is gone is FAILED.
//
// Known gaps vs AWS, all documented in docs/channels.md: records are not
// validated (STRING as UTF-8, JSON as JSON) so nothing reaches the
// dead-letter queue; the dead-letter bucket is recorded but error output,
// if any, goes to the destination bucket; object keys are the rendered
// OutputKeyTemplate followed by the delivery engine's unique suffix;
// ServiceExecutionRoleARN, ExpectedBucketOwner, StorageClass, encryption,
// logging, GSRSchemaARN and PartitionSpec are stored and described but
// have no effect; records put while the channel is CREATING are delivered
// (AWS delivers from ACTIVE on).
package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/delivery"
	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// ChannelEngine is what the channel actions need of the delivery engine;
// *delivery.Manager implements it. Config.Channels nil turns the channel
// actions off (they answer with an explanatory error).
type ChannelEngine interface {
	Create(ctx context.Context, name string, spec delivery.Spec, api json.RawMessage) (delivery.Definition, error)
	Get(name string) (delivery.Definition, bool)
	List() []delivery.Definition
	Update(ctx context.Context, name string, fn func(*delivery.Definition) error) (delivery.Definition, error)
	Delete(ctx context.Context, name string) error
}

// Channel limits and defaults (Kinesis Data Streams developer guide,
// "Delivery quotas and limits" and "Data delivery concepts").
const (
	// channelPrefix marks delivery definitions that are channels.
	channelPrefix = "channel:"
	// channelDeletingNS holds tombstones of channels being deleted.
	channelDeletingNS = "kinesis-channel-deleting"
	// Data freshness: 300 to 900 seconds, 300 by default.
	minFreshness, maxFreshness, defaultFreshness = 300, 900, 300
	// channelBufferBytes bounds an object's input size: AWS documents
	// no size hint for channels ("optimally sized objects").
	channelBufferBytes = 64 << 20
	// channelLoadRetry bounds how long an S3 Tables batch the table
	// rejects is retried before it is skipped (a manifest under the
	// prefix's errors/manifests/ names its staged object): one bad record
	// must not stop the channel for good. An hour, Firehose's default for
	// Redshift loads, leaves time to create a missing table.
	channelLoadRetry  = time.Hour
	maxChannelNameLen = 128
	maxListChannels   = 100
	// defaultKeyTemplate is the S3 output key template AWS uses when none
	// is given (developer guide, "S3 output key template for Amazon S3
	// delivery").
	defaultKeyTemplate = "kinesis-channel/!{channel-name}/!{channel-id}/!{yyyy}/!{MM}/!{dd}/!{HH}/" +
		"!{channel-name}-!{channel-id}-!{yyyy}-!{MM}-!{dd}-!{HH}-!{mm}!{extension}"
)

// Channel statuses and destination types as the API spells them.
const (
	channelCreating = "CREATING"
	channelActive   = "ACTIVE"
	channelUpdating = "UPDATING"
	channelDeleting = "DELETING"
	channelFailed   = "FAILED"
	destS3          = "S3"
	destS3Tables    = "S3_TABLES"
)

// Request and response shapes (aws-sdk-go-v2 service/kinesis types).
type (
	recordConfiguration struct {
		RecordFormatType *string `json:"RecordFormatType"`
		GSRSchemaARN     *string `json:"GSRSchemaARN,omitempty"`
	}
	channelStreamConfiguration struct {
		RecordConfiguration *recordConfiguration `json:"RecordConfiguration"`
		StreamARN           *string              `json:"StreamARN"`
	}
	channelStreamDescription struct {
		RecordConfiguration     *recordConfiguration `json:"RecordConfiguration"`
		StreamARN               string               `json:"StreamARN"`
		StreamCreationTimestamp wire.Timestamp       `json:"StreamCreationTimestamp"`
	}
	channelStreamIdentifier struct {
		StreamARN               string         `json:"StreamARN"`
		StreamCreationTimestamp wire.Timestamp `json:"StreamCreationTimestamp"`
	}
	dlqConfiguration struct {
		BucketARN           *string `json:"BucketARN"`
		ExpectedBucketOwner *string `json:"ExpectedBucketOwner"`
		ErrorOutputPrefix   *string `json:"ErrorOutputPrefix,omitempty"`
	}
	s3StorageConfiguration struct {
		BucketARN           *string `json:"BucketARN"`
		CompressionType     *string `json:"CompressionType"`
		ExpectedBucketOwner *string `json:"ExpectedBucketOwner"`
		OutputKeyTemplate   *string `json:"OutputKeyTemplate,omitempty"`
		StorageClass        *string `json:"StorageClass,omitempty"`
	}
	s3DestinationConfiguration struct {
		StorageConfiguration           *s3StorageConfiguration `json:"StorageConfiguration"`
		DataFreshnessInSeconds         *int64                  `json:"DataFreshnessInSeconds,omitempty"`
		DeadLetterQueueS3Configuration *dlqConfiguration       `json:"DeadLetterQueueS3Configuration,omitempty"`
	}
	partitionField struct {
		SourceName *string `json:"SourceName"`
		Transform  *string `json:"Transform"`
	}
	partitionSpec struct {
		PartitionFields []partitionField `json:"PartitionFields"`
	}
	s3TablesConfiguration struct {
		CompressionType *string        `json:"CompressionType"`
		Namespace       *string        `json:"Namespace"`
		TableBucketARN  *string        `json:"TableBucketARN"`
		TableName       *string        `json:"TableName"`
		PartitionSpec   *partitionSpec `json:"PartitionSpec,omitempty"`
	}
	s3TablesDestinationConfiguration struct {
		DeadLetterQueueS3Configuration *dlqConfiguration       `json:"DeadLetterQueueS3Configuration,omitempty"`
		S3TablesConfigurationList      []s3TablesConfiguration `json:"S3TablesConfigurationList"`
		DataFreshnessInSeconds         *int64                  `json:"DataFreshnessInSeconds,omitempty"`
	}
	channelEncryptionConfiguration struct {
		EncryptionType *string `json:"EncryptionType"`
		KeyID          *string `json:"KeyId"`
	}
	cloudWatchLogs struct {
		Enabled       *bool   `json:"Enabled"`
		LogGroupName  *string `json:"LogGroupName,omitempty"`
		LogStreamName *string `json:"LogStreamName,omitempty"`
	}
	channelLoggingConfiguration struct {
		CloudWatchLogs *cloudWatchLogs `json:"CloudWatchLogs"`
	}
	channelDescription struct {
		ChannelARN                       string                            `json:"ChannelARN"`
		ChannelCreationTimestamp         wire.Timestamp                    `json:"ChannelCreationTimestamp"`
		ChannelID                        string                            `json:"ChannelId"`
		ChannelName                      string                            `json:"ChannelName"`
		ChannelStatus                    string                            `json:"ChannelStatus"`
		ChannelStatusReason              *string                           `json:"ChannelStatusReason,omitempty"`
		EncryptionConfiguration          *channelEncryptionConfiguration   `json:"EncryptionConfiguration,omitempty"`
		LoggingConfiguration             *channelLoggingConfiguration      `json:"LoggingConfiguration"`
		S3DestinationConfiguration       *s3DestinationConfiguration       `json:"S3DestinationConfiguration,omitempty"`
		S3TablesDestinationConfiguration *s3TablesDestinationConfiguration `json:"S3TablesDestinationConfiguration,omitempty"`
		ServiceExecutionRoleARN          string                            `json:"ServiceExecutionRoleARN"`
		StreamConfigurationList          []channelStreamDescription        `json:"StreamConfigurationList"`
	}
	channelSummary struct {
		ChannelARN               string                    `json:"ChannelARN"`
		ChannelCreationTimestamp wire.Timestamp            `json:"ChannelCreationTimestamp"`
		ChannelDestinationType   string                    `json:"ChannelDestinationType"`
		ChannelID                string                    `json:"ChannelId"`
		ChannelName              string                    `json:"ChannelName"`
		ChannelStatus            string                    `json:"ChannelStatus"`
		ChannelStatusReason      *string                   `json:"ChannelStatusReason,omitempty"`
		Streams                  []channelStreamIdentifier `json:"Streams"`
	}
)

// channelState is a channel's API-side state, stored as the delivery
// definition's API member (so it changes atomically with the Spec), and
// as the tombstone of a channel being deleted.
type channelState struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Status  string    `json:"status"` // CREATING, UPDATING, ACTIVE or DELETING
	ReadyAt time.Time `json:"readyAt"`
	Role    string    `json:"role"`
	// The source stream: UID tells a re-created namesake apart.
	StreamName    string              `json:"streamName"`
	StreamUID     uint64              `json:"streamUid"`
	StreamCreated time.Time           `json:"streamCreated"`
	Record        recordConfiguration `json:"record"`
	// The destination as described (defaults filled in).
	S3         *s3DestinationConfiguration       `json:"s3,omitempty"`
	S3Tables   *s3TablesDestinationConfiguration `json:"s3Tables,omitempty"`
	Encryption *channelEncryptionConfiguration   `json:"encryption,omitempty"`
	Logging    *channelLoggingConfiguration      `json:"logging"`
	Tags       map[string]string                 `json:"tags,omitempty"`
}

// destType is the ChannelDestinationType of c.
func (c *channelState) destType() string {
	if c.S3Tables != nil {
		return destS3Tables
	}
	return destS3
}

// engine returns the configured channel engine or the error every channel
// action answers without one.
func (s *Server) engine() (ChannelEngine, error) {
	if s.cfg.Channels == nil {
		return nil, wire.InvalidArgument("Channels are not available: this server runs without the delivery engine.")
	}
	return s.cfg.Channels, nil
}

// deliveryName is the delivery definition name of channel name.
func deliveryName(name string) string { return channelPrefix + name }

// channelOf decodes the channel state of a delivery definition; false for
// definitions that are not channels (Firehose delivery streams).
func channelOf(def delivery.Definition) (*channelState, bool) {
	if !strings.HasPrefix(def.Name, channelPrefix) {
		return nil, false
	}
	c := new(channelState)
	if err := json.Unmarshal(def.API, c); err != nil || c.Name == "" {
		return nil, false
	}
	return c, true
}

// channelARN is the ARN of channel name in the request's region.
func (s *Server) channelARN(ctx context.Context, name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:channel/%s", requestInfo(ctx).Region, s.cfg.Account, name)
}

// channelNotFound is the ResourceNotFoundException of a missing channel.
func (s *Server) channelNotFound(name string) error {
	return wire.ResourceNotFound("Channel %s under account %s not found.", name, s.cfg.Account)
}

// channelARNPattern is the ChannelARN member's constraint.
const channelARNPattern = `Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:channel/\S+`

// channelNameOfARN validates a ChannelARN member and returns the channel
// name in it (an ARN may carry "/<id>" after the name; the id is ignored).
func channelNameOfARN(arn *string) (string, error) {
	var v wire.Validation
	switch {
	case arn == nil:
		v.Null("channelARN")
	case len(*arn) < 1:
		v.Fail("channelARN", *arn, "Member must have length greater than or equal to 1")
	case len(*arn) > 2048:
		v.Fail("channelARN", *arn, "Member must have length less than or equal to 2048")
	case !validChannelARN(*arn):
		v.Fail("channelARN", *arn, channelARNPattern)
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	_, rest, _ := strings.Cut(*arn, ":channel/")
	name, _, _ := strings.Cut(rest, "/")
	return name, nil
}

// validChannelARN approximates arn:aws.*:kinesis:.*:\d{12}:channel/\S+.
func validChannelARN(arn string) bool {
	if !strings.HasPrefix(arn, "arn:aws") || strings.ContainsAny(arn, " \t\r\n") {
		return false
	}
	_, after, ok := strings.Cut(arn, ":kinesis:")
	if !ok {
		return false
	}
	i := strings.LastIndex(after, ":channel/")
	if i < 13 || len(after)-i-len(":channel/") < 1 {
		return false
	}
	return allDigits(after[i-12 : i])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkChannelName records AWS's constraints on a channel name.
func checkChannelName(v *wire.Validation, path string, name *string) {
	switch {
	case name == nil:
		v.Null(path)
	case len(*name) < 1:
		v.Fail(path, *name, "Member must have length greater than or equal to 1")
	case len(*name) > maxChannelNameLen:
		v.Fail(path, *name, "Member must have length less than or equal to 128")
	case !validName(*name):
		v.Fail(path, *name, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}

// channelStatus returns the status c has now and, for FAILED, why.
func (s *Server) channelStatus(c *channelState, now time.Time) (string, *string) {
	if c.Status == channelDeleting {
		return channelDeleting, nil
	}
	if st, ok := s.meta.Stream(c.StreamName); !ok || st.UID != c.StreamUID || gone(st, now) {
		reason := fmt.Sprintf("Source stream %s no longer exists.", c.StreamName)
		return channelFailed, &reason
	}
	if (c.Status == channelCreating || c.Status == channelUpdating) && now.Before(c.ReadyAt) {
		return c.Status, nil
	}
	return channelActive, nil
}

// channelView is a channel as the actions see it: its state, and whether
// it is a tombstone (deleted from the engine, DELETING until ReadyAt).
type channelView struct {
	state     *channelState
	tombstone bool
}

// findChannelLocked is the first step of the actions on one channel:
// the engine and the channel's view, or ResourceNotFoundException. The
// caller holds s.ctl.mu.
func (s *Server) findChannelLocked(ctx context.Context, name string) (ChannelEngine, *channelView, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, nil, err
	}
	v, ok, err := s.lookupChannel(ctx, eng, name)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, s.channelNotFound(name)
	}
	return eng, v, nil
}

// lookupChannel finds channel name: live in the engine, or a tombstone
// whose time has not come. It finishes deletions that are due (and one a
// crash interrupted between tombstone and engine delete). Callers hold
// s.ctl.mu.
func (s *Server) lookupChannel(ctx context.Context, eng ChannelEngine, name string) (*channelView, bool, error) {
	now := s.now()
	tomb := new(channelState)
	hasTomb, err := s.meta.Get(channelDeletingNS, name, tomb)
	if err != nil {
		return nil, false, err
	}
	if hasTomb {
		if _, live := eng.Get(deliveryName(name)); live {
			if err := eng.Delete(ctx, deliveryName(name)); err != nil && !errors.Is(err, delivery.ErrNotFound) {
				return nil, false, fmt.Errorf("finish deleting channel %s: %w", name, err)
			}
		}
		if now.Before(tomb.ReadyAt) {
			return &channelView{state: tomb, tombstone: true}, true, nil
		}
		if err := s.meta.Delete(channelDeletingNS, name); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return nil, false, err
		}
		return nil, false, nil
	}
	def, ok := eng.Get(deliveryName(name))
	if !ok {
		return nil, false, nil
	}
	c, ok := channelOf(def)
	if !ok {
		return nil, false, fmt.Errorf("channel %s: unreadable state", name)
	}
	return &channelView{state: c}, true, nil
}

// allChannels returns every channel (live and tombstones still DELETING)
// sorted by name, finishing due deletions on the way. Callers hold
// s.ctl.mu.
func (s *Server) allChannels(ctx context.Context, eng ChannelEngine) ([]*channelView, error) {
	names := make(map[string]bool)
	for _, def := range eng.List() {
		if c, ok := channelOf(def); ok {
			names[c.Name] = true
		}
	}
	if err := s.meta.Scan(channelDeletingNS, "", func(key string, _ []byte) error {
		names[key] = true
		return nil
	}); err != nil {
		return nil, err
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	out := make([]*channelView, 0, len(sorted))
	for _, n := range sorted {
		v, ok, err := s.lookupChannel(ctx, eng, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// describeChannelState renders c as a ChannelDescription.
func (s *Server) describeChannelState(ctx context.Context, c *channelState, now time.Time) *channelDescription {
	status, reason := s.channelStatus(c, now)
	rec := c.Record
	return &channelDescription{
		ChannelARN:                       s.channelARN(ctx, c.Name),
		ChannelCreationTimestamp:         wire.Timestamp{Time: c.Created},
		ChannelID:                        c.ID,
		ChannelName:                      c.Name,
		ChannelStatus:                    status,
		ChannelStatusReason:              reason,
		EncryptionConfiguration:          c.Encryption,
		LoggingConfiguration:             c.Logging,
		S3DestinationConfiguration:       c.S3,
		S3TablesDestinationConfiguration: c.S3Tables,
		ServiceExecutionRoleARN:          c.Role,
		StreamConfigurationList: []channelStreamDescription{{
			RecordConfiguration:     &rec,
			StreamARN:               s.streamARN(ctx, c.StreamName),
			StreamCreationTimestamp: wire.Timestamp{Time: c.StreamCreated},
		}},
	}
}

// summarizeChannel renders c as a ChannelSummary.
func (s *Server) summarizeChannel(ctx context.Context, c *channelState, now time.Time) channelSummary {
	status, reason := s.channelStatus(c, now)
	return channelSummary{
		ChannelARN:               s.channelARN(ctx, c.Name),
		ChannelCreationTimestamp: wire.Timestamp{Time: c.Created},
		ChannelDestinationType:   c.destType(),
		ChannelID:                c.ID,
		ChannelName:              c.Name,
		ChannelStatus:            status,
		ChannelStatusReason:      reason,
		Streams: []channelStreamIdentifier{{
			StreamARN:               s.streamARN(ctx, c.StreamName),
			StreamCreationTimestamp: wire.Timestamp{Time: c.StreamCreated},
		}},
	}
}

// engineError maps a delivery engine error to an API error.
func (s *Server) engineError(name string, err error) error {
	switch {
	case errors.Is(err, delivery.ErrExists):
		return wire.ResourceInUse("Channel %s under account %s already exists.", name, s.cfg.Account)
	case errors.Is(err, delivery.ErrNotFound):
		return s.channelNotFound(name)
	case errors.Is(err, delivery.ErrSourceNotFound):
		return wire.ResourceNotFound("Stream of channel %s under account %s not found.", name, s.cfg.Account)
	case errors.Is(err, delivery.ErrUnsupported):
		return wire.InvalidArgument("Channel %s: %v", name, err)
	}
	return err
}

// channelBucketOf returns the bucket name of a validated s3 BucketARN
// (arn:aws[-a-z0-9]*:s3:::NAME).
func channelBucketOf(arn string) string {
	_, name, _ := strings.Cut(arn, ":::")
	return name
}

// tableBucketOf returns the table bucket name of a TableBucketARN
// (arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME).
func tableBucketOf(arn string) string {
	_, name, _ := strings.Cut(arn, ":bucket/")
	return name
}

// channelSpec builds the delivery definition of channel c.
func channelSpec(c *channelState) (delivery.Spec, error) {
	spec := delivery.Spec{Source: delivery.SourceKinesis, KinesisStream: c.StreamName}
	d := delivery.Destination{ID: "destinationId-000000000001", BufferBytes: channelBufferBytes}
	var template, errPrefix string
	var freshness int64
	switch {
	case c.S3 != nil:
		sc := c.S3.StorageConfiguration
		d.Bucket = channelBucketOf(*sc.BucketARN)
		comp, err := channelCompression(*sc.CompressionType)
		if err != nil {
			return spec, err
		}
		d.Compression = comp
		template = defaultKeyTemplate
		if sc.OutputKeyTemplate != nil {
			template = *sc.OutputKeyTemplate
		}
		errPrefix = *c.S3.DeadLetterQueueS3Configuration.ErrorOutputPrefix
		freshness = *c.S3.DataFreshnessInSeconds
		// JSON and STRING records are written one per line; BYTE_ARRAY
		// records are written as sent (docs/channels.md).
		d.AppendDelimiter = *c.Record.RecordFormatType != "BYTE_ARRAY"
		d.RecordFormat = channelRecordFormat(*c.Record.RecordFormatType)
	case c.S3Tables != nil:
		tc := c.S3Tables.S3TablesConfigurationList[0]
		d.Bucket = tableBucketOf(*tc.TableBucketARN)
		d.Compression = "UNCOMPRESSED"
		template = defaultKeyTemplate
		errPrefix = *c.S3Tables.DeadLetterQueueS3Configuration.ErrorOutputPrefix
		freshness = *c.S3Tables.DataFreshnessInSeconds
		d.AppendDelimiter = true
		d.RecordFormat = delivery.RecordFormatJSON
		retry := channelLoadRetry
		d.Warehouse = &delivery.Warehouse{Table: *tc.Namespace + "." + *tc.TableName, CopyOptions: "JSON 'auto'", RetryFor: &retry}
	default:
		return spec, errors.New("channel has no destination")
	}
	prefix, err := renderKeyTemplate(template, c.Name, c.ID)
	if err != nil {
		return spec, err
	}
	d.Prefix = prefix
	d.ErrorOutputPrefix = errPrefix + "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/"
	d.BufferInterval = time.Duration(freshness) * time.Second
	spec.Dest = d
	return spec, nil
}

// channelRecordFormat is the check the engine applies to a channel's
// records: AWS validates JSON (and GSR_JSON) records as JSON and STRING
// records as UTF-8, sending failures to the dead-letter queue; BYTE_ARRAY
// records are not checked.
func channelRecordFormat(t string) string {
	switch t {
	case "JSON", "GSR_JSON":
		return delivery.RecordFormatJSON
	case "STRING":
		return delivery.RecordFormatString
	}
	return ""
}

// channelCompression maps a channel CompressionType to the delivery
// engine's compression format.
func channelCompression(t string) (string, error) {
	switch t {
	case "NONE":
		return "UNCOMPRESSED", nil
	case "GZIP":
		return "GZIP", nil
	case "ZSTD":
		return "ZSTD", nil
	}
	return "", wire.InvalidArgument("CompressionType %s is not supported; use NONE, GZIP or ZSTD.", t)
}

// streamChannelsInUse is DeleteStream's channel check. AWS: "A stream
// cannot be deleted while it has active channels" (DeleteChannel API
// reference). It returns a ResourceInUseException naming a channel of st
// that is not being deleted, or nil (also when the server runs without a
// channel engine). It takes s.ctl.mu; the caller must not hold it.
func (s *Server) streamChannelsInUse(ctx context.Context, st *meta.Stream) error {
	if s.cfg.Channels == nil {
		return nil
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	all, err := s.allChannels(ctx, s.cfg.Channels)
	if err != nil {
		return fmt.Errorf("list channels of stream %s: %w", st.Name, err)
	}
	for _, c := range all {
		if !c.tombstone && c.state.StreamUID == st.UID {
			return wire.ResourceInUse("Stream %s under account %s has channel %s; delete its channels (ListChannels with a StreamFilter finds them) before the stream.",
				st.Name, s.cfg.Account, c.state.Name)
		}
	}
	return nil
}
