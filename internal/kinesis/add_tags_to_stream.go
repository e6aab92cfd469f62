// AddTagsToStream adds or overwrites tags of a stream. A stream has at most
// 50 tags; keys are 1-128 and values 0-256 characters of Unicode letters,
// digits, white space and _ . / = + - % @ : ('%' is then refused by a
// second check, as AWS does).
//
// Errors as AWS: ValidationException for a missing or oversized Tags map
// and bad key/value lengths; InvalidArgumentException with AWS's wording
// for invalid characters and for more than 50 tags; ResourceInUseException
// unless the stream is ACTIVE or UPDATING.
//
// Known gaps vs AWS: the API reference says "up to 10 key-value pairs" per
// call but its shape allows 200; rheo follows the shape. The "aws:" key
// prefix is not reserved.
package kinesis

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
	"github.com/rheo-dev/rheo/internal/meta"
)

func (s *Server) addTagsToStream(ctx context.Context, in *wire.AddTagsToStreamInput) (*wire.Empty, error) {
	var v wire.Validation
	if in.Tags == nil {
		v.Null("tags")
	} else {
		checkTagMap(&v, in.Tags)
	}
	validateStream(&v, in.StreamName, in.StreamARN)
	if err := v.Err(); err != nil {
		return nil, err
	}
	st, err := s.resolveStream(ctx, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if err := checkTagChars(in.Tags, "add tags to", st.Name, s.cfg.Account); err != nil {
		return nil, err
	}
	_, err = s.meta.UpdateStream(st.Name, func(cur *meta.Stream) error {
		if err := s.requireStatus(cur, meta.StatusActive, meta.StatusUpdating); err != nil {
			return err
		}
		n := len(cur.Tags)
		for k := range in.Tags {
			if _, ok := cur.Tags[k]; !ok {
				n++
			}
		}
		if n > maxTagsPerStream {
			return wire.InvalidArgument("Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.", cur.Name, s.cfg.Account, maxTagsPerStream)
		}
		if cur.Tags == nil {
			cur.Tags = make(map[string]string, len(in.Tags))
		}
		for k, val := range in.Tags {
			cur.Tags[k] = val
		}
		return nil
	})
	return s.tagResult(st.Name, err)
}

// tagResult maps an UpdateStream error of the tag actions.
func (s *Server) tagResult(name string, err error) (*wire.Empty, error) {
	if err == nil {
		return &wire.Empty{}, nil
	}
	if _, ok := wire.AsError(err); ok {
		return nil, err
	}
	return nil, fmt.Errorf("update tags of %s: %w", name, err)
}

// checkTagMap records AWS's shape constraints on a Tags map.
func checkTagMap(v *wire.Validation, tags map[string]string) {
	if tags == nil {
		return
	}
	if len(tags) < 1 {
		v.Fail("tags", renderTags(tags), "Member must have length greater than or equal to 1")
		return
	}
	if len(tags) > maxTagsPerRequest {
		v.Fail("tags", renderTags(tags), fmt.Sprintf("Member must have length less than or equal to %d", maxTagsPerRequest))
		return
	}
	var keyBad, valBad bool
	for k, val := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > maxTagKeyLen {
			keyBad = true
		}
		if utf8.RuneCountInString(val) > maxTagValueLen {
			valBad = true
		}
	}
	if keyBad {
		v.Fail("tags", renderTags(tags), "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
	}
	if valBad {
		v.Fail("tags", renderTags(tags), "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]")
	}
}

// renderTags renders a map the way AWS's validation messages print it.
func renderTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// tagCharOK reports whether r may appear in a tag key or value.
func tagCharOK(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("_./=+-%@:", r)
}

// checkTagChars applies AWS's two character checks to keys and values;
// verb is "add tags to" or "remove tags from".
func checkTagChars(tags map[string]string, verb, stream, account string) error {
	all := make([]string, 0, 2*len(tags))
	for k, v := range tags {
		all = append(all, k, v)
	}
	return checkTagStrings(all, verb, stream, account)
}

func checkTagStrings(all []string, verb, stream, account string) error {
	for _, s := range all {
		for _, r := range s {
			if !tagCharOK(r) {
				return wire.InvalidArgument("%s", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.")
			}
		}
	}
	for _, s := range all {
		if strings.ContainsRune(s, '%') {
			return wire.InvalidArgument("Failed to %s stream %s under account %s because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.", verb, stream, account)
		}
	}
	return nil
}
