package sqlengine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits of a job's interval: shorter would be a busy loop (and each run
// records a history row), longer is surely a typo.
const (
	minJobInterval = 100 * time.Millisecond
	maxJobInterval = 366 * 24 * time.Hour
)

// jobStmt is a parsed job statement.
type jobStmt struct {
	verb        string // "create", "pause", "resume", "drop", "show"
	name        string
	ifNotExists bool // CREATE JOB IF NOT EXISTS
	ifExists    bool // DROP JOB IF EXISTS
	every       string
	interval    time.Duration
	statement   string
}

// isJobStatement reports whether toks start a statement of the scheduler:
// CREATE JOB, PAUSE JOB, RESUME JOB, DROP JOB or SHOW JOBS.
func isJobStatement(toks []token) bool {
	if len(toks) < 2 {
		return false
	}
	switch {
	case toks[0].is("create"), toks[0].is("pause"), toks[0].is("resume"), toks[0].is("drop"):
		return toks[1].is("job")
	case toks[0].is("show"):
		return toks[1].is("jobs") && len(toks) == 2
	}
	return false
}

// showJobsSQL is what SHOW JOBS runs.
const showJobsSQL = "SELECT * FROM rheo_jobs ORDER BY name"

// parseJobStatement parses a statement isJobStatement accepted:
//
//	CREATE JOB [IF NOT EXISTS] name EVERY '<interval>' AS <statement>
//	PAUSE JOB name | RESUME JOB name | DROP JOB [IF EXISTS] name | SHOW JOBS
func parseJobStatement(st string, toks []token) (*jobStmt, error) {
	js := &jobStmt{verb: strings.ToLower(toks[0].text)}
	if js.verb == "show" {
		return js, nil
	}
	i := 2
	switch js.verb {
	case "create":
		if len(toks) > i+2 && toks[i].is("if") && toks[i+1].is("not") && toks[i+2].is("exists") {
			js.ifNotExists = true
			i += 3
		}
	case "drop":
		if len(toks) > i+1 && toks[i].is("if") && toks[i+1].is("exists") {
			js.ifExists = true
			i += 2
		}
	}
	if i >= len(toks) || (toks[i].kind != tokWord && toks[i].kind != tokQIdent) {
		return nil, syntaxErr("syntax error in %s JOB: expected the job name", strings.ToUpper(js.verb))
	}
	js.name = toks[i].text
	if toks[i].kind == tokWord {
		js.name = strings.ToLower(js.name)
	}
	if js.name == "" {
		return nil, syntaxErr("a job name cannot be empty")
	}
	i++
	if js.verb != "create" {
		if i < len(toks) {
			return nil, syntaxErr("syntax error at %q: %s JOB takes only a job name", toks[i].text, strings.ToUpper(js.verb))
		}
		return js, nil
	}
	if i >= len(toks) || !toks[i].is("every") {
		return nil, syntaxErr("syntax error in CREATE JOB: expected EVERY '<interval>' after the job name, e.g. CREATE JOB %s EVERY '1 minute' AS INSERT INTO t SELECT ...", js.name)
	}
	i++
	as := i
	for as < len(toks) && !toks[as].is("as") {
		as++
	}
	if as == i || as >= len(toks) {
		return nil, syntaxErr("syntax error in CREATE JOB: expected EVERY '<interval>' AS <statement>")
	}
	if as == i+1 && toks[i].kind == tokString {
		js.every = toks[i].text
	} else {
		js.every = strings.TrimSpace(st[toks[i].pos:toks[as].pos])
	}
	d, err := parseInterval(js.every)
	if err != nil {
		return nil, newErr(CodeInvalidParameter, "CREATE JOB %s: %v", js.name, err)
	}
	js.interval = d
	if as+1 >= len(toks) {
		return nil, syntaxErr("syntax error in CREATE JOB: expected a statement after AS")
	}
	js.statement = strings.TrimSpace(st[toks[as+1].pos:])
	return js, nil
}

// intervalUnits maps the unit words parseInterval accepts to durations.
var intervalUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseInterval reads a job interval: Go's duration syntax ("5m", "1h30m",
// "200ms") or number-unit pairs as in SQL intervals ("1 minute", "30
// seconds", "1 hour 30 minutes", "INTERVAL 2 hours").
func parseInterval(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if d, err := time.ParseDuration(in); err == nil {
		return checkInterval(s, d)
	}
	f := strings.Fields(strings.ToLower(in))
	if len(f) > 0 && f[0] == "interval" {
		f = f[1:]
	}
	// Split "5min" into "5" "min" so both spellings work.
	var parts []string
	for _, w := range f {
		j := 0
		for j < len(w) && (w[j] >= '0' && w[j] <= '9' || w[j] == '.') {
			j++
		}
		if j > 0 && j < len(w) {
			parts = append(parts, w[:j], w[j:])
		} else {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 || len(parts)%2 != 0 {
		return 0, fmt.Errorf("invalid interval %q: want e.g. '1 minute', '30 seconds' or '5m'", s)
	}
	var total float64
	for i := 0; i < len(parts); i += 2 {
		n, err := strconv.ParseFloat(parts[i], 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) || strings.ContainsAny(parts[i], "eEx_+-") {
			return 0, fmt.Errorf("invalid interval %q: %q is not a number", s, parts[i])
		}
		unit, ok := intervalUnits[parts[i+1]]
		if !ok {
			return 0, fmt.Errorf("invalid interval %q: unknown unit %q (milliseconds, seconds, minutes, hours or days)", s, parts[i+1])
		}
		total += n * float64(unit)
		if total > float64(maxJobInterval) {
			return 0, fmt.Errorf("invalid interval %q: longer than %v", s, maxJobInterval)
		}
	}
	return checkInterval(s, time.Duration(total))
}

func checkInterval(s string, d time.Duration) (time.Duration, error) {
	if d < minJobInterval || d > maxJobInterval {
		return 0, fmt.Errorf("invalid interval %q: must be between %v and %v", s, minJobInterval, maxJobInterval)
	}
	return d, nil
}

// jobStatementAllowed refuses statements that cannot run inside a job's
// transaction or would change the session or the schedule.
func jobStatementAllowed(st string, toks []token) error {
	if len(SplitStatements(st)) != 1 {
		return syntaxErr("a job runs exactly one statement")
	}
	if len(toks) == 0 {
		return syntaxErr("a job needs a statement after AS")
	}
	switch {
	case toks[0].is("begin"), toks[0].is("start"), toks[0].is("commit"), toks[0].is("end"),
		toks[0].is("rollback"), toks[0].is("abort"), toks[0].is("checkpoint"):
		return newErr(CodeFeature, "a job cannot run %s: each run is already one transaction", strings.ToUpper(toks[0].text))
	case toks[0].is("set"), toks[0].is("reset"), toks[0].is("use"):
		return newErr(CodeFeature, "a job cannot run %s: its settings would not outlive the run", strings.ToUpper(toks[0].text))
	case isJobStatement(toks):
		return newErr(CodeFeature, "a job cannot manage jobs")
	case toks[0].is("create") && isHiveCreate(st, toks):
		return newErr(CodeFeature, "a job cannot create stream or lake tables")
	}
	return nil
}
