package firehose

// Tag rules shared by CreateDeliveryStream and the tag actions: keys 1-128
// and values 0-256 characters of AWS's set (Unicode letters, separators,
// digits and _ . : / = + - @ %), keys not starting with "aws:", at most 50
// tags per request and per delivery stream.

import (
	"fmt"
	"strings"
)

// maxTags is the per-stream and per-request tag limit.
const maxTags = 50

// renderTagList prints a tag list as AWS's validation messages do.
func renderTagList(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = fmt.Sprintf("Tag(key=%s, value=%s)", deref(t.Key), deref(t.Value))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkTags checks a Tags member (required: TagDeliveryStream's).
func checkTags(c *checker, path string, tags []Tag, required bool) {
	if tags == nil {
		if required {
			c.Null(path)
		}
		return
	}
	switch {
	case len(tags) < 1:
		c.Fail(path, "[]", "Member must have length greater than or equal to 1")
	case len(tags) > maxTags:
		c.Fail(path, renderTagList(tags), fmt.Sprintf("Member must have length less than or equal to %d", maxTags))
	}
	for i, t := range tags {
		mp := fmt.Sprintf("%s.%d.member", path, i+1)
		if c.required(mp+".key", t.Key) {
			c.fn(mp+".key", t.Key, 1, 128, tagKeyOK, patTagKey)
		}
		c.fn(mp+".value", t.Value, 0, 256, tagValueOK, patTagValue)
	}
}

// mergeTags adds or replaces tags, keeping first-added order.
func mergeTags(cur []storedTag, add []Tag) []storedTag {
	out := append([]storedTag(nil), cur...)
	for _, t := range add {
		k, v := deref(t.Key), deref(t.Value)
		found := false
		for i := range out {
			if out[i].Key == k {
				out[i].Value = v
				found = true
				break
			}
		}
		if !found {
			out = append(out, storedTag{Key: k, Value: v})
		}
	}
	return out
}
