package sqlengine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/rheo-dev/rheo/internal/iteration"
	"github.com/rheo-dev/rheo/internal/meta"
)

// Session is one DuckDB connection with its own SET state (including the
// kinesis.checkpoint.* settings). A session runs one statement at a time;
// results stay readable after the next statement starts.
type Session struct {
	e        *Engine
	inst     *instance // the DuckDB instance conn is on
	conn     *duckdb.Conn
	killable bool // a reopen may close conn (Engine.newSession)

	// openResults counts the session's Results not yet closed: a reopen
	// does not close the connection under them.
	openResults atomic.Int32
	// stmtMu guards stmtCancel, which interrupts the running statement
	// (a reopen after a fatal error).
	stmtMu     sync.Mutex
	stmtCancel context.CancelFunc
	// termMu guards onTerminate, the owner's hook a reopen calls to end
	// the session (OnTerminate), and terminated, set once it was called.
	termMu      sync.Mutex
	onTerminate func(err error)
	terminated  bool

	// mu serialises statements and guards the fields below.
	mu          sync.Mutex
	closed      bool
	dead        bool // a reopen closed conn: statements fail with 57P02
	ckptEnabled bool
	ckptName    string
	ckptIter    int64
	ckptIterSet bool
	// changed and prepared name the DuckDB settings SET and the
	// statements PREPAREd on the session, for RESET ALL and DISCARD ALL
	// (reset.go).
	changed, prepared map[string]bool
	// searchPath is search_path as last SET, in Postgres's spelling;
	// "": the default (settings.go).
	searchPath string
	// kinesisOther holds the kinesis.* settings rheo ignores, by
	// lower-case name, so SHOW and SET name answer what was set.
	kinesisOther map[string]string
	// user is the login current_user names (identity.go); "": DuckDB's.
	user string
	// tx is what the open transaction block changed in the settings, to
	// undo at its end (txsettings.go); nil outside a block.
	tx *txSettings
	// tempFuncs are the INSERTs of Sequelize's pg_temp functions, by
	// name (plpgsql.go).
	tempFuncs map[string]string
}

// Close closes the connection. Open Results must be closed first.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.dead {
		return nil // a reopen closed it
	}
	return s.closeConn()
}

// closeConn closes the connection and forgets the session. s.mu is held.
func (s *Session) closeConn() error {
	err := s.conn.Close()
	s.e.instMu.Lock()
	delete(s.inst.sessions, s)
	s.e.instMu.Unlock()
	if err != nil {
		return fmt.Errorf("sqlengine: close session: %w", err)
	}
	return nil
}

// Column is a result column with its DuckDB type name.
type Column struct{ Name, Type string }

// Description is what a statement takes and returns, without running it.
type Description struct {
	ParamTypes []string
	Columns    []Column // nil: the statement returns no rows
}

// Query runs ONE statement ($1.. parameters from args). Statements rheo
// handles itself (Hive/native stream DDL, SET kinesis.*, DROP of stream
// tables) never reach DuckDB raw. Every error is an *Error.
func (s *Session) Query(ctx context.Context, sqlText string, args ...any) (*Result, error) {
	return s.query(ctx, sqlText, 0, args)
}

// QueryLimit is Query for a caller that reads at most limit rows (a
// preview: POST /v1/sql, the console). A query is run as
// SELECT * FROM (query) LIMIT limit, so DuckDB, which builds a whole
// result before the first row is read, neither computes nor holds the
// rows no one reads: a SELECT * of a big table in the console took
// gigabytes. Column names, errors and the statement's effects (iterations
// recorded) are the query's own.
func (s *Session) QueryLimit(ctx context.Context, sqlText string, limit int, args ...any) (*Result, error) {
	return s.query(ctx, sqlText, limit, args)
}

func (s *Session) query(ctx context.Context, sqlText string, limit int, args []any) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	sctx, done := s.statementContext(ctx)
	defer done()
	r, err := s.queryLocked(sctx, sqlText, limit, args)
	if err != nil {
		if s.tx != nil {
			s.tx.failed = true
		}
		return r, s.failed(ctx, err)
	}
	if r != nil && !r.done {
		// Counted until closed: a reopen must not close the connection
		// under it.
		s.openResults.Add(1)
		release := r.release
		r.release = func() {
			if release != nil {
				release()
			}
			s.openResults.Add(-1)
		}
	}
	return r, nil
}

// queryLocked is query with s.mu held.
func (s *Session) queryLocked(ctx context.Context, sqlText string, limit int, args []any) (*Result, error) {
	stmts := SplitStatements(sqlText)
	switch len(stmts) {
	case 0:
		return &Result{}, nil
	case 1:
	default:
		return nil, syntaxErr("cannot run %d statements in one query: send them one at a time", len(stmts))
	}
	st := pgCompat(stmts[0])
	release := func() {} // what rewriteS3 downloaded: kept until the result is read
	defer func() { release() }()
	toks, lexErr := lex(st, false)
	var nameSrc string    // the query whose select items name the columns
	var undo *settingUndo // a DuckDB setting's change in a transaction block, or SET LOCAL's
	local := isSetLocal(toks)
	if lexErr == nil && len(toks) > 0 {
		switch {
		case isJobStatement(toks):
			// A job keeps its statement as written (SHOW JOBS showed
			// main.t for public.t): checking and each run rewrite it.
			if orig, err := lex(stmts[0], false); err == nil && isJobStatement(orig) {
				return s.job(ctx, stmts[0], orig)
			}
			return s.job(ctx, st, toks)
		case toks[0].is("set") && isKinesisSet(st):
			if name, ok := setDisplay(st); ok {
				r, err := s.run(ctx, s.setDisplayQuery(name), nil, nil)
				if r != nil {
					r.tagVerb, r.tag = "", "SET"
				}
				return r, err
			}
			u := s.saveSetting(ctx, kinesisKey(st), local, s.saveKinesis(kinesisKey(st)))
			r, err := s.set(st)
			return s.settledResult(ctx, u, r, err)
		case toks[0].is("reset") && len(toks) > 1 && toks[1].is("kinesis"):
			set := "set " + strings.TrimSpace(st[toks[1].pos:]) + " = default"
			u := s.saveSetting(ctx, kinesisKey(set), false, s.saveKinesis(kinesisKey(set)))
			r, err := s.set(set)
			return s.settledResult(ctx, u, r, err)
		case toks[0].is("create") && isHiveCreate(st, toks):
			return s.create(ctx, st)
		case toks[0].is("drop") && len(toks) >= 3 && toks[1].is("table"):
			if r, ok, err := s.dropStream(ctx, toks); ok {
				return r, err
			}
		case toks[0].is("copy") && isRedshiftCopy(toks):
			return s.copy(ctx, st)
		case isSavepointStatement(toks):
			return nil, errSavepoint()
		case isPrivilegeStatement(toks):
			return nil, errPrivileges()
		case toks[0].is("create") && len(toks) > 1 && toks[1].is("extension"):
			return nil, &Error{Code: CodeFeature, Message: "extensions are not supported",
				Hint: "rheo's SQL is DuckDB's, with its built-in functions; restore a dump without its CREATE EXTENSION lines."}
		}
		if r, ok, err := s.plpgsql(ctx, st, toks, limit, args); ok {
			return r, err
		}
		if r, ok, err := publicSchemaDDL(toks); ok {
			return r, err
		}
		if r, ok, err := s.ownerStatement(ctx, st, toks); ok {
			return r, err
		}
		if rw, err := ownedByCompat(st); err != nil {
			return nil, err
		} else if rw != st {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		if isSetConstraints(toks) {
			return &Result{tag: "SET CONSTRAINTS", done: true}, nil
		}
		if isSearchPathSet(toks) {
			u := s.saveSetting(ctx, "search_path", local, s.saveSearchPath)
			r, err := s.setSearchPath(ctx, toks)
			return s.settledResult(ctx, u, r, err)
		}
		if q, ok, err := s.showQuery(ctx, toks); err != nil {
			return nil, err
		} else if ok {
			r, err := s.run(ctx, q, nil, nil)
			if r != nil {
				r.tagVerb, r.tag = "", "SHOW"
			}
			return r, err
		}
		if r, ok, err := s.resetStatement(ctx, toks); ok {
			if err != nil {
				return nil, err
			}
			return r, nil
		}
		nameSrc = redshiftNames(st)
		if rw, err := s.settingFuncs(ctx, st); err != nil {
			return nil, err
		} else if rw != st {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		if rw := redshiftFuncs(st, toks); rw != st {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		rw, changed, done, err := s.e.rewriteS3(ctx, st, toks)
		release = done
		if err != nil {
			return nil, toError(err)
		} else if changed {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		if err := s.e.syncMirrors(ctx, toks); err != nil {
			return nil, toError(err)
		}
		if c, ok := parseStdioCopy(toks); ok {
			return s.runStdioCopy(ctx, st, toks, c)
		}
		if rw, err := s.sessionScoped(ctx, st, toks); err != nil {
			return nil, err
		} else if rw != st {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		if (s.tx != nil || local) && len(toks) > 1 && (toks[0].is("set") || toks[0].is("reset")) && !toks[1].is("variable") {
			if name := setVarName(toks); name != "" {
				undo = s.saveSetting(ctx, name, local, s.saveDuckSetting(name))
			}
		}
	}
	if len(toks) > 0 {
		if rw := s.arraySlots(ctx, st, toks); rw.sql != st {
			st = rw.sql
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
		if rw := s.groupByKeys(ctx, st, toks); rw != st {
			st = rw
			if toks, lexErr = lex(st, false); lexErr != nil {
				toks = nil
			}
		}
	}
	if r, ok, err := s.setvalStatement(ctx, st, toks, args); ok {
		return r, err
	}
	fk, err := s.foreignKeyDDL(ctx, &st, &toks)
	if err != nil || fk.result != nil {
		return fk.result, err
	}
	rs, err := s.redshiftDDL(ctx, &st, &toks)
	if err != nil || rs.result != nil {
		if rs.result != nil {
			rs.result.notices = append(rs.result.notices, fk.notices...)
		}
		return rs.result, err
	}
	r, err := s.runNamed(ctx, st, toks, args, nameSrc, limit)
	rs.after(ctx, err)
	if err == nil && r != nil && rs.tag != "" {
		r.tag = rs.tag
	}
	if err == nil && r != nil {
		r.notices = append(r.notices, fk.notices...)
	}
	if err == nil {
		s.track(toks)
		if err = s.settled(ctx, undo); err != nil {
			r.Close()
			r = nil
		}
	} else {
		err = asAlterBlockErr(s.e.asReadOnlyErr(asPrivilegeErr(err), toks), toks)
	}
	if len(toks) > 0 {
		s.txStatement(ctx, toks, err == nil)
	}
	if r != nil && !r.done {
		r.release, release = release, func() {} // the result releases them when closed
	}
	return r, err
}

// Describe returns parameter types and result columns without running the
// statement (pgwire Parse/Describe). Stream scans are bound but not read,
// and no iteration is recorded.
func (s *Session) Describe(ctx context.Context, sqlText string) (*Description, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	sctx, done := s.statementContext(ctx)
	defer done()
	d, err := s.describe(sctx, sqlText)
	if err != nil {
		return nil, s.failed(ctx, err)
	}
	return d, nil
}

// describe is Describe with s.mu held: the statement goes through the
// rewrites Query gives it, and is prepared but not run.
func (s *Session) describe(ctx context.Context, sqlText string) (*Description, error) {
	stmts := SplitStatements(sqlText)
	if len(stmts) == 0 {
		return &Description{}, nil
	}
	if len(stmts) > 1 {
		return nil, syntaxErr("cannot insert multiple commands into a prepared statement")
	}
	st := pgCompat(stmts[0])
	var nameSrc string // as in Query
	if toks, err := lex(st, false); err == nil && len(toks) > 0 {
		if name, ok := setDisplay(st); ok && toks[0].is("set") && isKinesisSet(st) {
			st = s.setDisplayQuery(name)
			toks, _ = lex(st, false)
		} else if (toks[0].is("set") && isKinesisSet(st)) || (toks[0].is("create") && isHiveCreate(st, toks)) ||
			(toks[0].is("reset") && len(toks) > 1 && toks[1].is("kinesis")) || (toks[0].is("copy") && isRedshiftCopy(toks)) {
			return &Description{}, nil
		}
		if _, ok := parseStdioCopy(toks); ok {
			// Preparing it would have DuckDB open the server's own
			// standard input or output (58P01 for /dev/stdin); a COPY
			// returns no rows, and pgwire refuses to run it outside the
			// simple query protocol with its own error.
			return &Description{}, nil
		}
		if _, ok := isResetStatement(toks); ok || isSearchPathSet(toks) || isSetLocal(toks) || isSetConstraints(toks) {
			return &Description{}, nil
		}
		if _, ok := parseOwnerTo(st, toks); ok {
			return &Description{}, nil
		}
		if rw, err := ownedByCompat(st); err != nil {
			return nil, err
		} else if rw != st {
			st = rw
			toks, _ = lex(st, false)
		}
		if _, _, ok := addColumnNotNull(st, toks); ok {
			return &Description{}, nil // split in two when it runs
		}
		if isPrivilegeStatement(toks) {
			return nil, errPrivileges()
		}
		if _, ok, err := parseAddIdentity(st, toks); ok {
			return &Description{}, err // made of three when it runs
		}
		if (toks[0].is("create") && createTableAt(toks) > 0 || toks[0].is("alter")) && len(findForeignKeys(toks)) > 0 {
			return &Description{}, nil // rewritten when it runs
		}
		if q, ok, err := s.showQuery(ctx, toks); err != nil {
			return nil, err
		} else if ok {
			st = q
			toks, _ = lex(st, false)
		}
		if st == pgCompat(stmts[0]) { // not a SHOW or SET display rewritten above
			nameSrc = redshiftNames(st)
		}
		if rw, err := s.settingFuncs(ctx, st); err != nil {
			return nil, err
		} else if rw != st {
			st = rw
			if t2, err := lex(st, false); err == nil && len(t2) > 0 {
				toks = t2
			}
		}
		if isJobStatement(toks) { // SHOW JOBS is a query; the others return no rows
			if !toks[0].is("show") {
				return &Description{}, nil
			}
			st = showJobsSQL
			toks, _ = lex(st, false)
		}
		if rw := redshiftFuncs(st, toks); rw != st {
			st = rw
			if t2, err := lex(st, false); err == nil && len(t2) > 0 {
				toks = t2
			}
		}
		if c, ok, err := redshiftCreate(st, toks); err != nil {
			return nil, err
		} else if ok {
			if len(c.identities) > 0 {
				return &Description{}, nil // its sequences are made when it runs
			}
			st = c.sql
		}
		if _, ok := isRedshiftAlterNoop(st, toks); ok {
			return &Description{}, nil
		}
		rw, changed, done, err := s.e.rewriteS3(ctx, st, toks)
		defer done()
		if err != nil {
			return nil, toError(err)
		} else if changed {
			st = rw
		}
		if toks[0].is("drop") && len(toks) >= 3 && toks[1].is("table") {
			if _, ok := s.e.table(dropName(toks)); ok {
				return &Description{}, nil
			}
			if s.e.isExternal(dropName(toks)) {
				return &Description{}, nil
			}
		}
	}
	var arrays arrayRewrite
	toks, _ := lex(st, false) // of the statement as prepared
	if len(toks) > 0 {
		if arrays = s.arraySlots(ctx, st, toks); arrays.sql != st {
			st = arrays.sql
			toks, _ = lex(st, false)
		}
		if rw := s.groupByKeys(ctx, st, toks); rw != st {
			st = rw
			toks, _ = lex(st, false)
		}
	}
	setvalName := ""
	if c, ok, err := parseSetval(st, toks); err != nil {
		return nil, err
	} else if ok {
		// Its arguments take the parameters; it returns the value set.
		st, setvalName = c.args, c.name
	}
	plan := &queryPlan{describe: true}
	pctx := context.WithValue(ctx, planKey{}, plan)
	ds, err := s.conn.PrepareContext(pctx, st)
	if err != nil {
		return nil, s.e.asReadOnlyErr(planError(plan, err), toks)
	}
	stmt := ds.(*duckdb.Stmt)
	defer stmt.Close()
	d := &Description{ParamTypes: []string{}}
	for i := 1; i <= stmt.NumInput(); i++ {
		t, err := stmt.ParamType(i)
		name := "UNKNOWN"
		if err == nil && t != duckdb.TYPE_INVALID && t != duckdb.TYPE_ANY {
			if ti, err := duckdb.NewTypeInfo(t); err == nil {
				name = typeName(ti)
			} else {
				name = duckTypeString(t)
			}
		}
		if name == "VARCHAR" && isJSONParam(stmt, i) {
			name = "JSON"
		}
		if lt, ok := arrays.params[i]; ok {
			name = lt
		}
		d.ParamTypes = append(d.ParamTypes, name)
	}
	if setvalName != "" {
		setvalDescription(d, setvalName)
		return d, nil
	}
	stype, _ := stmt.StatementType()
	if !returnsRows(stype) && returningVerb(stype, toks) == "" {
		return d, nil
	}
	if _, err := stmt.ColumnCount(); err != nil {
		return nil, toError(err)
	}
	d.Columns = stmtColumns(stmt)
	if nameSrc != "" && stype == duckdb.STATEMENT_TYPE_SELECT {
		s.pgColumnNames(ctx, nameSrc, d.Columns)
	}
	catalogColumnTypes(st, d.Columns)
	return d, nil
}

// run sends a statement to DuckDB, with the session's checkpoint settings
// and the query's pushdown bounds in the context for rheo_scan.
func (s *Session) run(ctx context.Context, st string, toks []token, args []any) (*Result, error) {
	return s.runNamed(ctx, st, toks, args, "", 0)
}

// runNamed is run naming a query's result columns as Postgres would from
// nameSrc, the statement as the client wrote it ("": DuckDB's names), and
// computing at most limit rows of a query (0: all; QueryLimit).
func (s *Session) runNamed(ctx context.Context, st string, toks []token, args []any, nameSrc string, limit int) (*Result, error) {
	plan := &queryPlan{windows: map[string][]iteration.Range{}}
	if isPlainExplain(toks) {
		// EXPLAIN only plans: binding the scans must not record an
		// iteration (Hive's EXPLAIN checkpoints nothing either).
		plan.describe = true
	}
	ck, ckErr := s.checkpointPlan()
	plan.ckpt = ck
	plan.ckptErr = ckErr
	if toks != nil {
		plan.bounds = s.pushdown(ctx, st, toks)
	}
	pctx := context.WithValue(ctx, planKey{}, plan)
	ds, err := s.conn.PrepareContext(pctx, st)
	if err != nil {
		return nil, planError(plan, err)
	}
	stmt := ds.(*duckdb.Stmt)
	stype, _ := stmt.StatementType()
	if stype == duckdb.STATEMENT_TYPE_SELECT {
		if w := s.rowValueQuery(ctx, stmt, st, args); w != "" {
			if ds, err := s.conn.PrepareContext(pctx, w); err == nil {
				stmt.Close()
				stmt = ds.(*duckdb.Stmt)
			}
		}
	}
	var pgCols []Column // before the query: the parse needs the connection free
	if nameSrc != "" && stype == duckdb.STATEMENT_TYPE_SELECT {
		pgCols = stmtColumns(stmt)
		s.pgColumnNames(ctx, nameSrc, pgCols)
		if limit > 0 && isQuery(toks) {
			// The names stay the query's: the wrapper would rename
			// duplicates (a, a_1).
			stmt = s.limited(pctx, stmt, st, limit, len(pgCols))
		}
	}
	rows, err := stmt.QueryContext(pctx, namedArgs(args))
	if err != nil {
		stmt.Close()
		return nil, planError(plan, err)
	}
	r := &Result{rows: rows, stmt: stmt, plan: plan}
	returning := returningVerb(stype, toks)
	if returnsRows(stype) || returning != "" {
		names := rows.Columns()
		r.cols = make([]Column, len(names))
		tn, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
		for i, n := range names {
			r.cols[i] = Column{Name: n}
			if len(pgCols) == len(names) {
				r.cols[i].Name = pgCols[i].Name
			}
			if tn != nil {
				r.cols[i].Type = normalizeTypeName(tn.ColumnTypeDatabaseTypeName(i))
			}
		}
		catalogColumnTypes(st, r.cols)
		r.vals = make([]driver.Value, len(names))
		r.row = make([]any, len(names))
		switch {
		case stype == duckdb.STATEMENT_TYPE_SELECT || stype == duckdb.STATEMENT_TYPE_EXECUTE:
			r.tagVerb = "SELECT"
		case returning != "":
			r.tagVerb = returning
		default:
			r.tag = commandTag(toks, stype, 0)
		}
		return r, nil
	}
	// A count, if any, becomes the tag; no rows are returned.
	var count int64
	if cols := rows.Columns(); len(cols) == 1 && strings.EqualFold(cols[0], "Count") {
		vals := make([]driver.Value, 1)
		if err := rows.Next(vals); err == nil {
			switch v := vals[0].(type) {
			case int64:
				count = v
			case int32:
				count = int64(v)
			}
		}
	}
	r.closeRows()
	r.done = true
	r.tag = commandTag(toks, stype, count)
	return r, nil
}

// planError prefers the typed error rheo_scan recorded over DuckDB's copy
// of its message.
// isPlainExplain reports whether toks is an EXPLAIN that does not run its
// statement: neither EXPLAIN ANALYZE nor EXPLAIN (ANALYZE ...).
func isPlainExplain(toks []token) bool {
	if len(toks) < 2 || !toks[0].is("explain") || toks[1].is("analyze") {
		return false
	}
	if toks[1].text == "(" {
		for _, t := range toks[2:] {
			if t.text == ")" {
				break
			}
			if t.is("analyze") {
				return false
			}
		}
	}
	return true
}

func planError(plan *queryPlan, err error) *Error {
	plan.mu.Lock()
	perr := plan.err
	plan.mu.Unlock()
	if perr != nil {
		return toError(perr)
	}
	return toError(err)
}

func namedArgs(args []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// create handles Hive DDL and CREATE STREAM TABLE.
func (s *Session) create(ctx context.Context, st string) (*Result, error) {
	cs, err := parseCreate(st)
	if err != nil {
		return nil, toError(err)
	}
	if cs.external != nil {
		return s.createExternal(ctx, cs)
	}
	if cs.stream == nil {
		r, err := s.run(ctx, cs.duckSQL, nil, nil)
		if err != nil {
			return nil, err
		}
		for r.Next() {
		}
		r.notices = append(r.notices, cs.notices...)
		r.tag = "CREATE TABLE"
		return r, r.Err()
	}
	def := cs.stream
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ext := e.externals[def.Name]
	if _, ok := e.tables[def.Name]; ok || ext {
		if cs.ifNotExists {
			return &Result{tag: "CREATE STREAM TABLE", notices: []string{fmt.Sprintf("relation %q already exists, skipping", def.Name)}}, nil
		}
		return nil, newErr(CodeDuplicateTable, "relation %q already exists", def.Name)
	}
	notices := cs.notices
	if _, ok := e.meta.Stream(def.Stream); !ok {
		notices = append(notices, fmt.Sprintf("stream %q does not exist yet; the table reads it once it is created", def.Stream))
	}
	if _, err := s.exec(ctx, def.viewSQL(false)); err != nil {
		if te := toError(err); te.Code == CodeDuplicateTable && cs.ifNotExists {
			return &Result{tag: "CREATE STREAM TABLE", notices: []string{fmt.Sprintf("relation %q already exists, skipping", def.Name)}}, nil
		}
		return nil, toError(err)
	}
	if _, err := s.exec(ctx, "COMMENT ON VIEW "+quoteIdent(def.Name)+" IS "+quoteString(viewComment)); err != nil {
		_, _ = s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(def.Name))
		return nil, toError(err)
	}
	if err := e.meta.Put(Namespace, def.Name, def); err != nil {
		_, _ = s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(def.Name))
		return nil, toError(fmt.Errorf("store stream table %s: %w", def.Name, err))
	}
	e.tables[def.Name] = def
	return &Result{tag: "CREATE STREAM TABLE", notices: notices}, nil
}

// dropName returns the table name of DROP TABLE [IF EXISTS] name.
func dropName(toks []token) string {
	i := 2
	if len(toks) > 4 && toks[2].is("if") && toks[3].is("exists") {
		i = 4
	}
	if i >= len(toks) {
		return ""
	}
	// db.name: keep the last part.
	for i+2 < len(toks) && toks[i+1].text == "." {
		i += 2
	}
	return strings.ToLower(toks[i].text)
}

// dropStream drops a stream table; ok is false if name is not one.
func (s *Session) dropStream(ctx context.Context, toks []token) (*Result, bool, error) {
	name := dropName(toks)
	if r, ok, err := s.dropExternal(ctx, name); ok {
		return r, ok, err
	}
	e := s.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.tables[name]; !ok {
		return nil, false, nil
	}
	if err := e.meta.Delete(Namespace, name); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, true, toError(fmt.Errorf("drop stream table %s: %w", name, err))
	}
	delete(e.tables, name)
	if _, err := s.exec(ctx, "DROP VIEW IF EXISTS "+quoteIdent(name)); err != nil {
		return nil, true, toError(err)
	}
	return &Result{tag: "DROP TABLE"}, true, nil
}

// exec runs an internal statement on the session's connection.
func (s *Session) exec(ctx context.Context, q string, args ...any) (driver.Result, error) {
	r, err := s.conn.ExecContext(ctx, q, namedArgs(args))
	if err != nil && isFatal(err) {
		s.e.markBroken(s.inst, toError(err)) // a job's COMMIT checkpoints too
	}
	return r, err
}

// queryValues runs an internal query and returns its first row.
func (s *Session) queryValues(ctx context.Context, q string, args ...any) ([]driver.Value, error) {
	rows, err := s.conn.QueryContext(ctx, q, namedArgs(args))
	if err != nil {
		if isFatal(err) {
			s.e.markBroken(s.inst, toError(err))
		}
		return nil, err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(vals); err != nil {
		return nil, err
	}
	return vals, nil
}

func quoteIdentIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) || (i == 0 && s[i] >= '0' && s[i] <= '9') {
			return quoteIdent(s)
		}
	}
	return s
}
