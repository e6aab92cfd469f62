package sqlengine

import (
	"context"
	"database/sql/driver"
	"strings"
)

// Settings in transaction blocks. In Postgres a SET inside a transaction
// block is undone when the block rolls back (a failed block included), and
// SET LOCAL (set_config(name, value, true)) lasts until the block ends
// either way. DuckDB's SET is not transactional, and the session keeps
// search_path and kinesis.* itself, so the session undoes them: the first
// change of a setting in a block saves how to put back the value it had at
// BEGIN, and a SET LOCAL of a setting not already masked by one saves the
// value COMMIT goes back to. Connection pools (SQLAlchemy's rolls back
// every connection it gets back) rely on this: a job's SET
// kinesis.checkpoint.enabled = true in a transaction that is rolled back
// must not stay on the pooled connection and cut the next user's reads to
// a checkpoint window. Outside a transaction block none of this costs
// anything.

// txSettings is what the open transaction block changed in the session's
// settings, by key (a DuckDB setting's lower-case name, search_path, or a
// kinesis.* name).
type txSettings struct {
	// orig restores the values the settings had at BEGIN (ROLLBACK).
	orig map[string]func(context.Context) error
	// atCommit restores the values a SET LOCAL masks, those COMMIT keeps
	// (the last plain SET's, or the value at BEGIN).
	atCommit map[string]func(context.Context) error
	// failed: a statement of the block failed, so its COMMIT rolls back,
	// as Postgres's does.
	failed bool
}

// settingUndo is how to undo one change of a setting, saved before the
// change runs and recorded once it succeeds (settled).
type settingUndo struct {
	key            string
	local          bool
	restore        func(context.Context) error
	orig, atCommit bool // which records of the block restore fills
}

// saveSetting prepares the undo of a change of the setting key by SET
// (local false) or SET LOCAL: nil when there is nothing to keep (a plain
// SET outside a transaction block, or a setting save cannot read, whose
// SET fails anyway).
func (s *Session) saveSetting(ctx context.Context, key string, local bool, save func(context.Context) (func(context.Context) error, error)) *settingUndo {
	if s.tx == nil && !local {
		return nil
	}
	u := &settingUndo{key: key, local: local}
	if s.tx != nil {
		_, saved := s.tx.orig[key]
		_, masked := s.tx.atCommit[key]
		u.orig, u.atCommit = !saved, local && !masked
		if !u.orig && !u.atCommit {
			return u
		}
	}
	restore, err := save(ctx)
	if err != nil {
		return nil
	}
	u.restore = restore
	return u
}

// settled records a change that succeeded. A SET LOCAL outside a
// transaction block is undone at once: Postgres warns that it needs a
// block and leaves the setting as it was (pgwire sends the warning).
func (s *Session) settled(ctx context.Context, u *settingUndo) error {
	if u == nil {
		return nil
	}
	if s.tx == nil {
		if err := u.restore(ctx); err != nil {
			return toError(err)
		}
		return nil
	}
	if u.orig {
		if s.tx.orig == nil {
			s.tx.orig = map[string]func(context.Context) error{}
		}
		s.tx.orig[u.key] = u.restore
	}
	if u.atCommit {
		if s.tx.atCommit == nil {
			s.tx.atCommit = map[string]func(context.Context) error{}
		}
		s.tx.atCommit[u.key] = u.restore
	}
	if !u.local {
		delete(s.tx.atCommit, u.key) // a plain SET's value is what COMMIT keeps
	}
	return nil
}

// settledResult is settled for a change that ran with result r, err.
func (s *Session) settledResult(ctx context.Context, u *settingUndo, r *Result, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	if err := s.settled(ctx, u); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// txStatement follows BEGIN, COMMIT and ROLLBACK (ok: the statement ran
// without error): COMMIT undoes the block's SET LOCALs, ROLLBACK, a failed
// COMMIT and the COMMIT of a failed block every change of the block.
func (s *Session) txStatement(ctx context.Context, toks []token, ok bool) {
	// The block is over whatever ended it, also a COMMIT cut short by a
	// cancel or statement_timeout: its clean-up must not be cut too.
	ctx = context.WithoutCancel(ctx)
	switch txVerb(toks) {
	case "begin":
		if ok && s.tx == nil {
			s.tx = &txSettings{}
		}
	case "commit":
		if !ok {
			// A COMMIT that fails ends the transaction, as in Postgres:
			// DuckDB rolls back one whose commit failed, and a COMMIT it
			// refused outright must not leave one open that the client
			// (told the block is over) would never end.
			_, _ = s.exec(ctx, "ROLLBACK")
		}
		s.endTx(ctx, ok)
	case "rollback":
		s.endTx(ctx, false)
	}
}

// endTx ends the transaction block's settings: commit keeps its plain
// SETs, otherwise every setting goes back to its value at BEGIN. The
// statement ending the block has run: a value that cannot be put back
// (it was set a moment ago) must not fail it.
func (s *Session) endTx(ctx context.Context, commit bool) {
	tx := s.tx
	if tx == nil {
		return
	}
	s.tx = nil
	undo := tx.orig
	if commit && !tx.failed {
		undo = tx.atCommit
	}
	for _, restore := range undo {
		_ = restore(ctx)
	}
}

// txVerb classifies transaction control: "begin" (BEGIN, START
// TRANSACTION), "commit" (COMMIT, END), "rollback" (ROLLBACK, ABORT, but
// not ROLLBACK TO a savepoint), or "".
func txVerb(toks []token) string {
	if len(toks) == 0 {
		return ""
	}
	switch {
	case toks[0].is("begin"), toks[0].is("start") && len(toks) > 1 && toks[1].is("transaction"):
		return "begin"
	case toks[0].is("commit"), toks[0].is("end"):
		if len(toks) > 1 && toks[1].is("prepared") {
			return ""
		}
		return "commit"
	case toks[0].is("rollback"), toks[0].is("abort"):
		for _, t := range toks[1:] {
			if t.is("to") || t.is("prepared") {
				return ""
			}
		}
		return "rollback"
	}
	return ""
}

// isSavepointStatement reports SAVEPOINT, RELEASE [SAVEPOINT] and
// ROLLBACK [WORK | TRANSACTION] TO.
func isSavepointStatement(toks []token) bool {
	if len(toks) < 2 {
		return false
	}
	switch {
	case toks[0].is("savepoint"), toks[0].is("release"):
		return true
	case toks[0].is("rollback"):
		return toks[1].is("to") || len(toks) > 2 && (toks[1].is("work") || toks[1].is("transaction")) && toks[2].is("to")
	}
	return false
}

// errSavepoint is the error of a savepoint command: DuckDB has none, and
// the Postgres endpoint keeps them itself (pgwire's savepoint.go), so
// only other callers (POST /v1/sql, the console) get here; DuckDB's own
// error was a syntax error at SAVEPOINT.
func errSavepoint() *Error {
	return &Error{Code: CodeFeature, Message: "savepoints work on the Postgres endpoint only",
		Hint: "DuckDB has no savepoints; rheo's Postgres endpoint keeps them for psql and drivers."}
}

// isSetLocal reports SET LOCAL.
func isSetLocal(toks []token) bool {
	return len(toks) > 2 && toks[0].is("set") && toks[1].is("local")
}

// saveDuckSetting saves a DuckDB setting of the session: a setting it had
// not changed goes back with RESET, one it had with SET.
func (s *Session) saveDuckSetting(name string) func(context.Context) (func(context.Context) error, error) {
	if name == "search_path" {
		return s.saveSearchPath
	}
	return func(ctx context.Context) (func(context.Context) error, error) {
		var v driver.Value // nil: RESET
		if s.changed[name] {
			vals, err := s.queryValues(ctx, "SELECT current_setting("+quoteString(name)+")::VARCHAR")
			if err != nil {
				return nil, err
			}
			v = vals[0]
		}
		return func(ctx context.Context) error {
			if str, ok := v.(string); ok {
				if _, err := s.exec(ctx, "SET SESSION "+quoteIdent(name)+" = "+quoteString(str)); err != nil {
					return err
				}
				s.changed[name] = true
				return nil
			}
			if _, err := s.exec(ctx, "RESET SESSION "+quoteIdent(name)); err != nil {
				return err
			}
			delete(s.changed, name)
			return nil
		}, nil
	}
}

// saveSearchPath saves search_path: as the session shows it and as DuckDB
// holds it.
func (s *Session) saveSearchPath(ctx context.Context) (func(context.Context) error, error) {
	shown, was := s.searchPath, s.changed["search_path"]
	vals, err := s.queryValues(ctx, "SELECT current_setting('search_path')::VARCHAR")
	if err != nil {
		return nil, err
	}
	duck, _ := vals[0].(string)
	return func(ctx context.Context) error {
		q := "RESET search_path"
		if duck != "" {
			q = "SET search_path = " + quoteString(duck)
		}
		if _, err := s.exec(ctx, q); err != nil {
			return err
		}
		s.searchPath = shown
		if was {
			s.changed["search_path"] = true
		} else {
			delete(s.changed, "search_path")
		}
		return nil
	}, nil
}

// saveKinesis saves one kinesis.* setting (key in lower case).
func (s *Session) saveKinesis(key string) func(context.Context) (func(context.Context) error, error) {
	return func(context.Context) (func(context.Context) error, error) {
		var restore func()
		switch key {
		case "kinesis.checkpoint.enabled":
			v := s.ckptEnabled
			restore = func() { s.ckptEnabled = v }
		case "kinesis.checkpoint.logical.name":
			v := s.ckptName
			restore = func() { s.ckptName = v }
		case "kinesis.checkpoint.iteration.no":
			n, set := s.ckptIter, s.ckptIterSet
			restore = func() { s.ckptIter, s.ckptIterSet = n, set }
		default:
			v, ok := s.kinesisOther[key]
			restore = func() {
				switch {
				case !ok:
					delete(s.kinesisOther, key)
				case s.kinesisOther == nil:
					s.kinesisOther = map[string]string{key: v}
				default:
					s.kinesisOther[key] = v
				}
			}
		}
		return func(context.Context) error { restore(); return nil }, nil
	}
}

// kinesisKey is the lower-case kinesis.* name a SET or RESET changes.
func kinesisKey(st string) string {
	name, _, _ := parseSet(st)
	return strings.ToLower(name)
}

// saveAll saves every setting RESET ALL changes, as plain SETs.
func (s *Session) saveAll(ctx context.Context) []*settingUndo {
	if s.tx == nil {
		return nil
	}
	keys := []string{"kinesis.checkpoint.enabled", "kinesis.checkpoint.logical.name", "kinesis.checkpoint.iteration.no"}
	for k := range s.kinesisOther {
		keys = append(keys, k)
	}
	var undo []*settingUndo
	for _, k := range keys {
		undo = append(undo, s.saveSetting(ctx, k, false, s.saveKinesis(k)))
	}
	undo = append(undo, s.saveSetting(ctx, "search_path", false, s.saveSearchPath))
	for name := range s.changed {
		if name != "search_path" {
			undo = append(undo, s.saveSetting(ctx, name, false, s.saveDuckSetting(name)))
		}
	}
	return undo
}
