package kinesis

// The S3 OutputKeyTemplate of a channel and its translation into a
// delivery-engine Prefix.
//
// Template variables (developer guide, "S3 output key template for Amazon
// S3 delivery"): !{channel-name}, !{channel-id}, !{yyyy}, !{YY}, !{MM},
// !{dd}, !{HH}, !{mm} and !{extension}. The structural rules are those the
// MSK channel guide lists for the same template language ("Rules"): at
// most 1024 characters, no "..", no leading or trailing "/", every "!{"
// closed, only known variables.
//
// Translation: channel name and id become literals, time variables become
// !{timestamp:...} expressions of the object's oldest record (UTC), and
// !{extension} (allowed only at the end) is dropped because the engine
// appends the compression's extension to every key. AWS "automatically
// appends a unique suffix to every object key"; rheo's suffix is the
// engine's "<delivery name>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>",
// joined with "-". So the default template gives, for a GZIP channel:
//
//	kinesis-channel/orders/<id>/2026/11/22/05/orders-<id>-2026-11-22-05-41-channel:orders-1-2026-11-22-05-41-07-<random>.gz
//
// Known gap: a template without any time variable gets the engine's
// Firehose-style "yyyy/MM/dd/HH/" folders before the suffix.

import (
	"strings"

	"github.com/rheo-dev/rheo/internal/kinesis/wire"
)

// maxEnginePrefixLen is the delivery engine's limit on a Prefix
// expression (objkey.MaxPrefixLength, Firehose's Prefix limit).
const maxEnginePrefixLen = 1024

// keyTemplateTimes maps time variables to Firehose timestamp patterns.
var keyTemplateTimes = map[string]string{
	"yyyy": "yyyy", "YY": "yy", "MM": "MM", "dd": "dd", "HH": "HH", "mm": "mm",
}

// keyTemplatePart is one piece of a parsed template: a literal, or a
// variable name.
type keyTemplatePart struct {
	text     string
	variable bool
}

// parseKeyTemplate checks t against the template rules and splits it.
// Errors are InvalidArgumentExceptions.
func parseKeyTemplate(t string) ([]keyTemplatePart, error) {
	bad := func(why string) error {
		return wire.InvalidArgument("Invalid OutputKeyTemplate %s: %s", t, why)
	}
	switch {
	case strings.Contains(t, ".."):
		return nil, bad("it must not contain '..'.")
	case strings.HasPrefix(t, "/"):
		return nil, bad("it must not start with '/'.")
	case strings.HasSuffix(t, "/"):
		return nil, bad("it must not end with '/'.")
	}
	var parts []keyTemplatePart
	rest := t
	for rest != "" {
		i := strings.Index(rest, "!{")
		if i < 0 {
			parts = append(parts, keyTemplatePart{text: rest})
			break
		}
		if i > 0 {
			parts = append(parts, keyTemplatePart{text: rest[:i]})
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, bad("every '!{' must be closed by '}'.")
		}
		name := rest[i+2 : i+end]
		switch name {
		case "channel-name", "channel-id", "extension":
		default:
			if _, ok := keyTemplateTimes[name]; !ok {
				return nil, bad("unknown variable !{" + name + "}.")
			}
		}
		parts = append(parts, keyTemplatePart{text: name, variable: true})
		rest = rest[i+end+1:]
	}
	for i, p := range parts {
		if p.variable && p.text == "extension" && i != len(parts)-1 {
			return nil, bad("!{extension} can only end the template.")
		}
	}
	return parts, nil
}

// renderKeyTemplate translates template into the delivery engine's Prefix
// expression for channel name with id.
func renderKeyTemplate(template, name, id string) (string, error) {
	parts, err := parseKeyTemplate(template)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range parts {
		switch {
		case !p.variable:
			b.WriteString(p.text)
		case p.text == "channel-name":
			b.WriteString(name)
		case p.text == "channel-id":
			b.WriteString(id)
		case p.text == "extension":
		default:
			b.WriteString("!{timestamp:" + keyTemplateTimes[p.text] + "}")
		}
	}
	out := b.String()
	if !strings.HasSuffix(out, "/") && !strings.HasSuffix(out, "-") {
		out += "-"
	}
	if len(out) > maxEnginePrefixLen {
		return "", wire.InvalidArgument("Invalid OutputKeyTemplate %s: it is too long once expanded (more than %d characters).", template, maxEnginePrefixLen)
	}
	return out, nil
}
