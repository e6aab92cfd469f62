package sqlengine

import (
	"strconv"
	"strings"
)

// The kinesis.* settings of a session (Hive's EMR connector settings:
// checkpointing, logical name, iteration number) and how SET shows them.

// isKinesisSet reports whether a SET statement sets a kinesis.* variable.
func isKinesisSet(st string) bool {
	name, _, ok := parseSet(st)
	return ok && strings.HasPrefix(strings.ToLower(name), "kinesis.")
}

// setDisplay reports whether a SET statement is Hive's display form, SET
// name without a value, and returns the name.
func setDisplay(st string) (string, bool) {
	name, value, ok := parseSet(strings.TrimSuffix(strings.TrimSpace(st), ";"))
	if !ok || value != "" || strings.ContainsAny(name, "=;") {
		return "", false
	}
	rest := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(st), ";"))
	if !strings.HasSuffix(rest, name) { // SET name = '' sets an empty value
		return "", false
	}
	return name, true
}

// setDisplayQuery answers Hive's SET name as Hive prints it: one row,
// "name=value", or "name is undefined".
func (s *Session) setDisplayQuery(name string) string {
	text := name + " is undefined"
	if v, ok := s.ownSetting(name); ok && v != "" {
		text = name + "=" + v
	}
	return "SELECT " + quoteString(text) + " AS set"
}

// parseSet splits "SET [SESSION|LOCAL] name = value" or "SET name TO
// value" (Hive writes set a.b.c=v) into name and unquoted value.
func parseSet(st string) (name, value string, ok bool) {
	rest := strings.TrimSpace(st)
	if len(rest) < 4 || !strings.EqualFold(rest[:3], "set") {
		return "", "", false
	}
	rest = strings.TrimSpace(rest[3:])
	for _, kw := range []string{"session ", "local ", "global "} {
		if len(rest) > len(kw) && strings.EqualFold(rest[:len(kw)], kw) {
			rest = strings.TrimSpace(rest[len(kw):])
		}
	}
	i := strings.IndexAny(rest, "= \t\n")
	if i < 0 {
		return rest, "", true
	}
	name = rest[:i]
	rest = strings.TrimSpace(rest[i:])
	switch {
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	case len(rest) >= 3 && strings.EqualFold(rest[:2], "to") && (rest[2] == ' ' || rest[2] == '\t' || rest[2] == '\n'):
		rest = rest[2:]
	default:
		return name, "", false
	}
	value = strings.TrimSpace(rest)
	if len(value) >= 2 && (value[0] == '\'' || value[0] == '"') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return name, value, true
}

// set handles SET kinesis.*: the checkpoint settings are kept per
// session; the rest of the EMR connector's settings are accepted with a
// notice, because rheo has no DynamoDB, credentials or timeouts to tune.
func (s *Session) set(st string) (*Result, error) {
	name, value, ok := parseSet(st)
	if !ok {
		return nil, syntaxErr("syntax error in SET: expected SET name = value")
	}
	key := strings.ToLower(name)
	def := strings.EqualFold(value, "default")
	r := &Result{tag: "SET"}
	switch key {
	case "kinesis.checkpoint.enabled":
		switch strings.ToLower(value) {
		case "true", "on", "1":
			s.ckptEnabled = true
		case "false", "off", "0", "default":
			s.ckptEnabled = false
		default:
			return nil, newErr(CodeInvalidParameter, "invalid value for kinesis.checkpoint.enabled: %q (true or false)", value)
		}
	case "kinesis.checkpoint.logical.name":
		if def {
			value = ""
		}
		s.ckptName = value
	case "kinesis.checkpoint.iteration.no":
		if def {
			s.ckptIterSet = false
			break
		}
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return nil, newErr(CodeInvalidParameter, "invalid value for kinesis.checkpoint.iteration.no: %q (a whole number >= 0)", value)
		}
		s.ckptIter, s.ckptIterSet = n, true
	default:
		if def {
			delete(s.kinesisOther, key)
			break
		}
		if s.kinesisOther == nil {
			s.kinesisOther = map[string]string{}
		}
		s.kinesisOther[key] = value
		switch {
		case strings.HasPrefix(key, "kinesis.checkpoint.metastore."):
			r.notices = append(r.notices, name+" is ignored: rheo keeps checkpoints in its own store (see rheo_iterations)")
		case key == "kinesis.accesskey" || key == "kinesis.secretkey" || key == "kinesis.endpoint.region" || key == "kinesis.endpoint":
			r.notices = append(r.notices, name+" is ignored: rheo reads its own streams, no credentials or region needed")
		case key == "kinesis.nodata.timeout" || key == "kinesis.iteration.timeout" || key == "kinesis.retry.interval" || key == "kinesis.retry.maxattempts" || key == "kinesis.records.batchsize":
			r.notices = append(r.notices, name+" is ignored: rheo reads the shard log directly, without polling")
		default:
			r.notices = append(r.notices, name+" is not a setting rheo knows; it is ignored")
		}
	}
	return r, nil
}

// checkpointPlan returns the session's checkpoint for a query, or the
// error to give if a stream table is read with incomplete settings.
func (s *Session) checkpointPlan() (*checkpoint, error) {
	if !s.ckptEnabled {
		return nil, nil
	}
	if s.ckptName == "" {
		return nil, newErr(CodeIteration, "kinesis.checkpoint.enabled is true but kinesis.checkpoint.logical.name is not set: SET kinesis.checkpoint.logical.name = NAME")
	}
	if !s.ckptIterSet {
		return nil, newErr(CodeIteration, "kinesis.checkpoint.enabled is true but kinesis.checkpoint.iteration.no is not set: SET kinesis.checkpoint.iteration.no = N (0 for the first iteration)")
	}
	return &checkpoint{name: s.ckptName, n: s.ckptIter}, nil
}
