// Stream consumers (enhanced fan-out): their durable records, ARNs and
// state machine, shared by RegisterStreamConsumer, DescribeStreamConsumer,
// ListStreamConsumers, DeregisterStreamConsumer and SubscribeToShard.
//
// A consumer is one meta record in namespace consumerNS under the key
// "<stream uid:016x>/<consumer name>", so deleting a stream drops its
// consumers with one DeletePrefix (dropConsumers) and a re-created stream
// of the same name never sees them. Statuses change lazily, like streams':
// the record stores CREATING or DELETING and ReadyAt; a CREATING consumer
// is ACTIVE once ReadyAt has passed and a DELETING one is gone. Gone
// records are removed by the next RegisterStreamConsumer or
// ListStreamConsumers of the stream; until then every lookup skips them.
//
// ARNs are AWS's: arn:aws:kinesis:<region>:<account>:stream/<stream>/
// consumer/<name>:<creation epoch seconds>. A consumer deregistered and
// registered again gets a new ARN (a new creation time), so an old ARN
// stops resolving, as on AWS.
//
// Registration is serialised with the other structural changes under
// controlState.mu, so the 20-consumer quota and name uniqueness hold under
// concurrent calls.
//
// Known gaps vs AWS: the ARN's region and account are not checked; messages
// for a missing consumer, a duplicate name and the quota are rheo's
// (AWS's are not documented). Tags given to RegisterStreamConsumer are
// the consumer's resource tags (resource_tags.go).
package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// consumerNS is the meta namespace of consumer records.
const consumerNS = "kinesis.consumers"

// consumerARNPattern is the ConsumerARN constraint as AWS words it.
const consumerARNPattern = `Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`

// consumerRecord is the stored form of a consumer.
type consumerRecord struct {
	Name      string            `json:"name"`
	Stream    string            `json:"stream"`
	StreamUID uint64            `json:"streamUid"`
	CreatedAt time.Time         `json:"createdAt"`
	Status    string            `json:"status"` // CREATING or DELETING as stored
	ReadyAt   time.Time         `json:"readyAt"`
	Tags      map[string]string `json:"tags,omitempty"`
}

// effective is the consumer's status at now; "" means gone.
func (c *consumerRecord) effective(now time.Time) string {
	ready := !now.Before(c.ReadyAt)
	switch c.Status {
	case wire.ConsumerCreating:
		if ready {
			return wire.ConsumerActive
		}
		return wire.ConsumerCreating
	case wire.ConsumerDeleting:
		if ready {
			return ""
		}
		return wire.ConsumerDeleting
	}
	return c.Status
}

func consumerPrefix(uid uint64) string { return fmt.Sprintf("%016x/", uid) }

func consumerKey(uid uint64, name string) string { return consumerPrefix(uid) + name }

// consumerARN renders a consumer's ARN in the request's region.
func (s *Server) consumerARN(ctx context.Context, c *consumerRecord) string {
	return fmt.Sprintf("%s/consumer/%s:%d", s.streamARN(ctx, c.Stream), c.Name, c.CreatedAt.Unix())
}

// wireConsumer renders c as of now.
func (s *Server) wireConsumer(ctx context.Context, c *consumerRecord, now time.Time) wire.Consumer {
	return wire.Consumer{
		ConsumerName:              c.Name,
		ConsumerARN:               s.consumerARN(ctx, c),
		ConsumerStatus:            c.effective(now),
		ConsumerCreationTimestamp: wire.Timestamp{Time: c.CreatedAt},
	}
}

// loadConsumers returns the consumers of stream uid that are not gone, in
// name order, and the keys of gone ones (for the caller to purge).
func (s *Server) loadConsumers(uid uint64) (live []*consumerRecord, goneKeys []string, err error) {
	now := s.now()
	err = s.meta.Scan(consumerNS, consumerPrefix(uid), func(key string, value []byte) error {
		c := new(consumerRecord)
		if err := json.Unmarshal(value, c); err != nil {
			return fmt.Errorf("decode consumer %s: %w", key, err)
		}
		if c.effective(now) == "" {
			goneKeys = append(goneKeys, key)
			return nil
		}
		live = append(live, c)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list consumers of stream %016x: %w", uid, err)
	}
	sort.Slice(live, func(i, j int) bool { return live[i].Name < live[j].Name })
	return live, goneKeys, nil
}

// purgeConsumers deletes the records of gone consumers; failures are only
// logged, since lookups skip gone records anyway.
func (s *Server) purgeConsumers(keys []string) {
	for _, k := range keys {
		if err := s.meta.Delete(consumerNS, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
			s.logger.Warn("purge deregistered consumer", "key", k, "err", err)
		}
	}
}

// getConsumer returns consumer name of stream uid unless it is missing or
// gone.
func (s *Server) getConsumer(uid uint64, name string) (*consumerRecord, bool, error) {
	c := new(consumerRecord)
	ok, err := s.meta.Get(consumerNS, consumerKey(uid, name), c)
	if err != nil {
		return nil, false, fmt.Errorf("read consumer %s: %w", name, err)
	}
	if !ok || c.effective(s.now()) == "" {
		return nil, false, nil
	}
	return c, true, nil
}

// consumerCount is the number of consumers of st that are not gone, for
// DescribeStreamSummary's ConsumerCount and DeleteStream's
// EnforceConsumerDeletion check.
func (s *Server) consumerCount(st *meta.Stream) (int, error) {
	live, _, err := s.loadConsumers(st.UID)
	return len(live), err
}

// dropConsumers deletes every consumer record of stream uid, for
// DeleteStream (its consumers go with it) and for finishing a deletion.
func (s *Server) dropConsumers(uid uint64) error {
	if _, err := s.meta.DeletePrefix(consumerNS, consumerPrefix(uid)); err != nil {
		return fmt.Errorf("drop consumers of stream %016x: %w", uid, err)
	}
	return nil
}

// parsedConsumerARN is what a ConsumerARN names.
type parsedConsumerARN struct {
	stream, consumer string
	epoch            int64
}

// parseConsumerARN splits arn:...:stream/<stream>/consumer/<name>:<epoch>.
func parseConsumerARN(arn string) (parsedConsumerARN, bool) {
	var p parsedConsumerARN
	if !strings.HasPrefix(arn, "arn:aws") || !strings.Contains(arn, ":kinesis:") {
		return p, false
	}
	i := strings.LastIndex(arn, "stream/")
	if i < 0 {
		return p, false
	}
	rest := arn[i+len("stream/"):]
	stream, rest, ok := strings.Cut(rest, "/consumer/")
	if !ok || !validName(stream) {
		return p, false
	}
	j := strings.LastIndexByte(rest, ':')
	if j < 0 {
		return p, false
	}
	name, ts := rest[:j], rest[j+1:]
	if !validName(name) || ts == "" {
		return p, false
	}
	for k := 0; k < len(ts); k++ {
		if ts[k] < '0' || ts[k] > '9' {
			return p, false
		}
	}
	epoch, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return p, false
	}
	return parsedConsumerARN{stream: stream, consumer: name, epoch: epoch}, true
}

// checkConsumerARN records AWS's constraints on a ConsumerARN at path.
func checkConsumerARN(v *wire.Validation, path, arn string) {
	switch {
	case len(arn) < 1:
		v.Fail(path, arn, "Member must have length greater than or equal to 1")
	case len(arn) > 2048:
		v.Fail(path, arn, "Member must have length less than or equal to 2048")
	default:
		if _, ok := parseConsumerARN(arn); !ok {
			v.Fail(path, arn, consumerARNPattern)
		}
	}
}

// checkConsumerName records AWS's constraints on a ConsumerName at path.
func checkConsumerName(v *wire.Validation, path, name string) {
	switch {
	case len(name) < 1:
		v.Fail(path, name, "Member must have length greater than or equal to 1")
	case len(name) > 128:
		v.Fail(path, name, "Member must have length less than or equal to 128")
	case !validName(name):
		v.Fail(path, name, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}

// consumerNotFound is the ResourceNotFoundException for a consumer.
func (s *Server) consumerNotFound(what string) error {
	return wire.ResourceNotFound("Consumer %s under account %s not found.", what, s.cfg.Account)
}

// consumerByARN resolves a ConsumerARN (already validated) to its stream
// and consumer.
func (s *Server) consumerByARN(arn string) (*meta.Stream, *consumerRecord, error) {
	p, _ := parseConsumerARN(arn)
	st, ok := s.meta.Stream(p.stream)
	if !ok || gone(st, s.now()) {
		return nil, nil, s.consumerNotFound(arn)
	}
	c, ok, err := s.getConsumer(st.UID, p.consumer)
	if err != nil {
		return nil, nil, err
	}
	if !ok || c.CreatedAt.Unix() != p.epoch {
		return nil, nil, s.consumerNotFound(arn)
	}
	return st, c, nil
}

// resolveConsumer finds the consumer named by ConsumerARN, or by StreamARN
// and ConsumerName, as DescribeStreamConsumer and DeregisterStreamConsumer
// accept.
func (s *Server) resolveConsumer(ctx context.Context, streamARN, name, consumerARN *string) (*meta.Stream, *consumerRecord, error) {
	var v wire.Validation
	if streamARN != nil {
		checkStreamARN(&v, *streamARN)
	}
	if name != nil {
		checkConsumerName(&v, "consumerName", *name)
	}
	if consumerARN != nil {
		checkConsumerARN(&v, "consumerARN", *consumerARN)
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if consumerARN != nil {
		st, c, err := s.consumerByARN(*consumerARN)
		if err != nil {
			return nil, nil, err
		}
		if name != nil && *name != c.Name || streamARN != nil && *streamARN != s.streamARN(ctx, st.Name) {
			return nil, nil, wire.InvalidArgument("ConsumerARN %s does not match the given StreamARN or ConsumerName.", *consumerARN)
		}
		return st, c, nil
	}
	if streamARN == nil || name == nil {
		return nil, nil, wire.InvalidArgument("Either ConsumerARN or both StreamARN and ConsumerName must be provided.")
	}
	st, err := s.resolveStream(ctx, nil, streamARN)
	if err != nil {
		return nil, nil, err
	}
	c, ok, err := s.getConsumer(st.UID, *name)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, s.consumerNotFound(*name)
	}
	return st, c, nil
}

// checkStreamARN records the length and pattern constraints of a StreamARN.
func checkStreamARN(v *wire.Validation, arn string) {
	switch {
	case len(arn) < 1:
		v.Fail("streamARN", arn, "Member must have length greater than or equal to 1")
	case len(arn) > 2048:
		v.Fail("streamARN", arn, "Member must have length less than or equal to 2048")
	default:
		i := strings.LastIndex(arn, ":stream/")
		if !strings.HasPrefix(arn, "arn:aws") || i < 0 || len(arn)-i-len(":stream/") < 1 || strings.ContainsAny(arn[i:], " \t\n") {
			v.Fail("streamARN", arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
		}
	}
}

// consumerNotActive is AWS's ResourceInUseException for a consumer that is
// CREATING or DELETING.
func (s *Server) consumerNotActive(c *consumerRecord) error {
	return wire.ResourceInUse("Consumer %s with creation timestamp %d under stream %s and account %s is not in ACTIVE status.",
		c.Name, c.CreatedAt.Unix(), c.Stream, s.cfg.Account)
}
