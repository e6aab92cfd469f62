// TagResource, UntagResource and ListTagsForResource: tags addressed by
// ResourceARN, a stream ARN, a consumer ARN or a channel ARN (channel_tags.go).
//
// Behaviour: a stream's tags are the same ones AddTagsToStream,
// RemoveTagsFromStream and ListTagsForStream see (meta.Stream.Tags), with
// the same checks (key 1-128 and value 0-256 characters, AWS's character
// set, at most 50 tags, ACTIVE or UPDATING); a consumer's tags live in its
// consumer record (consumers.go). ListTagsForResource returns every tag
// sorted by key.
//
// Known gaps vs AWS: the ARN's region and account are not checked; the
// messages for a consumer over 50 tags and for an ARN that is neither a
// stream nor a consumer are rheo's.
package kinesis

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

// resourceARNPattern is ResourceARN's constraint as AWS words it.
const resourceARNPattern = `Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:.*stream\/\S+`

// resource is what a ResourceARN names: a stream, or a consumer of one.
type resource struct {
	st       *meta.Stream
	consumer *consumerRecord // nil for a stream
}

// checkResourceARN records the constraints of a ResourceARN member.
func checkResourceARN(v *wire.Validation, arn *string) {
	switch {
	case arn == nil:
		v.Null("resourceARN")
	case len(*arn) < 1:
		v.Fail("resourceARN", arn, "Member must have length greater than or equal to 1")
	case len(*arn) > 2048:
		v.Fail("resourceARN", arn, "Member must have length less than or equal to 2048")
	case !strings.HasPrefix(*arn, "arn:aws") || !strings.Contains(*arn, ":kinesis:") || (!strings.Contains(*arn, "stream/") && !strings.Contains(*arn, ":channel/")) || strings.ContainsAny(*arn, " \t\n"):
		v.Fail("resourceARN", arn, resourceARNPattern)
	}
}

// resourceFromARN validates a ResourceARN member and resolves it: the shared
// first step of the resource-tag and resource-policy actions.
func (s *Server) resourceFromARN(ctx context.Context, arn *string) (resource, error) {
	var v wire.Validation
	checkResourceARN(&v, arn)
	if err := v.Err(); err != nil {
		return resource{}, err
	}
	return s.resolveResource(ctx, *arn)
}

// resolveResource finds the stream or consumer a validated ResourceARN
// names.
func (s *Server) resolveResource(ctx context.Context, arn string) (resource, error) {
	if strings.Contains(arn, "/consumer/") {
		if _, ok := parseConsumerARN(arn); !ok {
			return resource{}, wire.InvalidArgument("Invalid ResourceARN %s: not a stream or consumer ARN.", arn)
		}
		st, c, err := s.consumerByARN(arn)
		if err != nil {
			return resource{}, err
		}
		return resource{st: st, consumer: c}, nil
	}
	st, err := s.resolveStream(ctx, nil, &arn)
	if err != nil {
		return resource{}, err
	}
	return resource{st: st}, nil
}

func (s *Server) tagResource(ctx context.Context, in *wire.TagResourceInput) (*wire.Empty, error) {
	var v wire.Validation
	checkResourceARN(&v, in.ResourceARN)
	if in.Tags == nil {
		v.Null("tags")
	} else {
		checkTagMap(&v, in.Tags)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if isChannelARN(*in.ResourceARN) {
		if err := checkTagChars(in.Tags, "add tags to", *in.ResourceARN, s.cfg.Account); err != nil {
			return nil, err
		}
		return &wire.Empty{}, s.updateChannelTags(ctx, *in.ResourceARN, func(tags map[string]string) error {
			maps.Copy(tags, in.Tags)
			return nil
		})
	}
	r, err := s.resolveResource(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if r.consumer == nil {
		return s.addTagsToStream(ctx, &wire.AddTagsToStreamInput{StreamName: &r.st.Name, Tags: in.Tags})
	}
	if err := checkTagChars(in.Tags, "add tags to", r.st.Name, s.cfg.Account); err != nil {
		return nil, err
	}
	return s.updateConsumerTags(r, func(tags map[string]string) error {
		n := len(tags)
		for k := range in.Tags {
			if _, ok := tags[k]; !ok {
				n++
			}
		}
		if n > maxTagsPerStream {
			return wire.InvalidArgument("Failed to add tags to consumer %s under account %s because a given resource cannot have more than %d tags associated with it.", r.consumer.Name, s.cfg.Account, maxTagsPerStream)
		}
		for k, val := range in.Tags {
			tags[k] = val
		}
		return nil
	})
}

func (s *Server) untagResource(ctx context.Context, in *wire.UntagResourceInput) (*wire.Empty, error) {
	var v wire.Validation
	checkResourceARN(&v, in.ResourceARN)
	checkTagKeys(&v, in.TagKeys)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if isChannelARN(*in.ResourceARN) {
		if err := checkTagStrings(in.TagKeys, "remove tags from", *in.ResourceARN, s.cfg.Account); err != nil {
			return nil, err
		}
		return &wire.Empty{}, s.updateChannelTags(ctx, *in.ResourceARN, func(tags map[string]string) error {
			for _, k := range in.TagKeys {
				delete(tags, k)
			}
			return nil
		})
	}
	r, err := s.resolveResource(ctx, *in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if r.consumer == nil {
		return s.removeTagsFromStream(ctx, &wire.RemoveTagsFromStreamInput{StreamName: &r.st.Name, TagKeys: in.TagKeys})
	}
	if err := checkTagStrings(in.TagKeys, "remove tags from", r.st.Name, s.cfg.Account); err != nil {
		return nil, err
	}
	return s.updateConsumerTags(r, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// updateConsumerTags changes a consumer's tags with fn, serialised with
// consumer registration and deregistration under controlState.mu.
func (s *Server) updateConsumerTags(r resource, fn func(tags map[string]string) error) (*wire.Empty, error) {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	c, ok, err := s.getConsumer(r.st.UID, r.consumer.Name)
	if err != nil {
		return nil, err
	}
	if !ok || !c.CreatedAt.Equal(r.consumer.CreatedAt) {
		return nil, s.consumerNotFound(r.consumer.Name)
	}
	if c.Tags == nil {
		c.Tags = make(map[string]string)
	}
	if err := fn(c.Tags); err != nil {
		return nil, err
	}
	if err := s.meta.Put(consumerNS, consumerKey(r.st.UID, c.Name), c); err != nil {
		return nil, fmt.Errorf("store tags of consumer %s: %w", c.Name, err)
	}
	return &wire.Empty{}, nil
}

func (s *Server) listTagsForResource(ctx context.Context, in *wire.ResourceARNInput) (*wire.ListTagsForResourceOutput, error) {
	var tags map[string]string
	if in.ResourceARN != nil && isChannelARN(*in.ResourceARN) {
		var err error
		if tags, err = s.channelTags(ctx, *in.ResourceARN); err != nil {
			return nil, err
		}
	} else {
		r, err := s.resourceFromARN(ctx, in.ResourceARN)
		if err != nil {
			return nil, err
		}
		tags = r.st.Tags
		if r.consumer != nil {
			tags = r.consumer.Tags
		}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &wire.ListTagsForResourceOutput{Tags: make([]wire.Tag, 0, len(keys))}
	for _, k := range keys {
		val := tags[k]
		out.Tags = append(out.Tags, wire.Tag{Key: k, Value: &val})
	}
	return out, nil
}
