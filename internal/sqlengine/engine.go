package sqlengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/rheo-dev/rheo/internal/iteration"
	"github.com/rheo-dev/rheo/internal/lake"
	"github.com/rheo-dev/rheo/internal/meta"
	"github.com/rheo-dev/rheo/internal/shardlog"
)

// Namespace is the meta namespace of the stream table catalog.
const Namespace = "sqltables"

// Options configure an Engine.
type Options struct {
	// Path is the DuckDB database file, normally <data-dir>/warehouse.duckdb;
	// "" keeps the database in memory (tests).
	Path string
	// Meta holds streams and the stream table catalog. Required.
	Meta *meta.Store
	// Log is the shard log stream tables read. Required.
	Log shardlog.Log
	// Logger; nil discards.
	Logger *slog.Logger
	// Now is the clock for iteration records; nil means time.Now.
	Now func() time.Time
	// MemoryLimit is DuckDB's memory_limit; "" means "2GB".
	MemoryLimit string
	// Threads is DuckDB's worker thread count; 0 or less means runtime.NumCPU().
	Threads int
	// Objects resolves s3://bucket/key in COPY, external table locations and
	// read_* paths; nil means s3:// paths fail with a clear error. With the
	// built-in lake DuckDB reads files in place; a remote S3 store is
	// downloaded into TempDir for the statement.
	Objects lake.Store
	// TempDir holds downloads of a remote store's objects during a COPY;
	// "" means os.TempDir().
	TempDir string
	// AllowedDirs, when not nil, confines what SQL may read and write to
	// files under these directories, StateDir and TempDir (TempDir ""
	// then means <StateDir>/tmp): DuckDB's readers, COPY, ATTACH, EXPORT
	// and extension installs elsewhere fail with 42501, and no session
	// can lift it (DuckDB keeps external access off until it closes). The
	// server sets it when auth is on, so that rheo:ExecuteSQL does not
	// also grant the server's other files: the credentials file, meta.db,
	// the encryption master key, whatever else rheo's user may read.
	AllowedDirs []string
	// StateDir holds the engine's own files (the directories external
	// tables are read through); "" means <dir of Path>/sql, or a temp dir
	// removed by Close when Path is "".
	StateDir string
	// JobObserver, if set, is told of every run of a scheduled job: how
	// long it took and whether it failed (metrics).
	JobObserver func(job string, d time.Duration, failed bool)
}

// Engine is the embedded DuckDB database plus rheo's stream tables. It is
// safe for concurrent use; each Session is one DuckDB connection.
type Engine struct {
	log     shardlog.Log
	meta    *meta.Store
	iters   *iteration.Store
	logger  *slog.Logger
	now     func() time.Time
	threads int
	objects lake.Store
	tempDir string
	// stateDir holds external tables' directories; ownState: Close removes it.
	stateDir string
	// confined: SQL's files are limited to allowed (Options.AllowedDirs,
	// absolute), the state dir and the temp dir.
	confined bool
	allowed  []string
	ownState bool
	loadMu   sync.Mutex // serialises Load, so one load id is applied once
	jobs     *scheduler // scheduled jobs (job*.go)
	jobSeen  func(job string, d time.Duration, failed bool)
	// jobKeep and jobPruneEvery bound the job history (job_run.go).
	jobKeep, jobPruneEvery int64

	// dsn opens the database again after a fatal error (reopen.go).
	dsn string
	// instMu guards inst, the open DuckDB instance: nil while it is being
	// reopened after a fatal error, which reopenWG waits for.
	instMu   sync.Mutex
	inst     *instance
	stop     chan struct{} // closed by Close: a reopen gives up
	reopenWG sync.WaitGroup
	// reopenMu guards closing and reopenWG.Add. It is not e.mu, which
	// DDL holds while its statements run into the fatal error.
	reopenMu sync.Mutex
	closing  bool
	// lastCause is the last fatal error, for the error of a session
	// refused while no instance is open.
	lastCause atomic.Pointer[Error]

	// mu guards tables (the in-memory copy of the catalog) and closed.
	// DDL on stream tables holds it while it changes DuckDB and meta, so
	// the view and the record never disagree for long.
	mu        sync.Mutex
	tables    map[string]*streamTable
	externals map[string]*externalTable
	mirrorMu  sync.Mutex // serialises mirror syncs (mirror.go)
	s3cache   *s3Cache   // objects of s3:// paths on a remote store (s3cache.go)
	closed    bool

	// recordsRead counts records read from the shard log by all scans; the
	// pushdown tests compare it.
	recordsRead atomic.Int64
	// identityAlways says whether any table has an IDENTITY column, whose
	// INSERTs are checked (redshift.go): unknown until the first INSERT.
	identityAlways atomic.Int32
}

// Open opens (or creates) the DuckDB database, registers rheo's table
// functions and makes the views of the stream tables in meta.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Meta == nil || opts.Log == nil {
		return nil, errors.New("sqlengine: Options.Meta and Options.Log are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = "2GB"
	}
	if opts.Threads <= 0 {
		opts.Threads = runtime.NumCPU()
	}
	e := &Engine{
		jobKeep:       jobHistoryKeep,
		jobPruneEvery: jobHistoryPruneEvery,
		log:           opts.Log,
		meta:          opts.Meta,
		iters:         iteration.New(opts.Meta, opts.Log, opts.Now),
		logger:        opts.Logger,
		now:           opts.Now,
		threads:       opts.Threads,
		tables:        map[string]*streamTable{},
		externals:     map[string]*externalTable{},
		objects:       opts.Objects,
		tempDir:       opts.TempDir,
		stateDir:      opts.StateDir,
		jobSeen:       opts.JobObserver,
		stop:          make(chan struct{}),
	}
	if e.stateDir == "" {
		if opts.Path != "" {
			e.stateDir = filepath.Join(filepath.Dir(opts.Path), "sql")
		} else {
			dir, err := os.MkdirTemp(opts.TempDir, "rheo-sql-")
			if err != nil {
				return nil, fmt.Errorf("sqlengine: state dir: %w", err)
			}
			e.stateDir, e.ownState = dir, true
		}
	}
	e.s3cache = newS3Cache(filepath.Join(e.stateDir, "s3cache"), defaultS3CacheLimit)
	if opts.AllowedDirs != nil {
		e.confined = true
		for _, d := range opts.AllowedDirs {
			abs, err := filepath.Abs(d)
			if err != nil {
				return nil, fmt.Errorf("sqlengine: allowed dir %q: %w", d, err)
			}
			e.allowed = append(e.allowed, abs)
		}
	}
	if e.confined && e.tempDir == "" {
		// os.TempDir() is shared with everything else on the machine.
		e.tempDir = filepath.Join(e.stateDir, "tmp")
		if err := os.MkdirAll(e.tempDir, 0o700); err != nil {
			if e.ownState {
				os.RemoveAll(e.stateDir)
			}
			return nil, fmt.Errorf("sqlengine: temp dir: %w", err)
		}
	}
	// The DSN carries settings so they apply before anything runs.
	e.dsn = opts.Path + "?" + "memory_limit=" + opts.MemoryLimit + fmt.Sprintf("&threads=%d", opts.Threads) +
		"&autoinstall_known_extensions=false"
	inst, err := e.openInstance(ctx)
	if err != nil {
		if e.ownState {
			os.RemoveAll(e.stateDir)
		}
		return nil, err
	}
	e.inst = inst
	e.jobs.start(ctx)
	return e, nil
}

// withSep ends a directory path in a separator, so that as a prefix
// /data/lake does not also match /data/lake-other.
func withSep(dir string) string {
	return strings.TrimSuffix(dir, string(filepath.Separator)) + string(filepath.Separator)
}

// checkLocal refuses, when SQL's files are confined (Options.AllowedDirs),
// a local path outside the allowed directories. Paths that rheo opens
// itself rather than DuckDB need it: COPY's sources and manifests, and
// external table locations, which DuckDB reads through a symlink in the
// state dir that its own check would let through.
func (e *Engine) checkLocal(p string) error {
	if !e.confined {
		return nil
	}
	clean := filepath.Clean(p)
	for _, d := range e.allowed {
		if clean == d || strings.HasPrefix(clean, withSep(d)) {
			return nil
		}
	}
	return newErr(CodePrivilege, "cannot access %s: with auth on, rheo's SQL reads and writes files only in the lake, by s3://bucket/key or its path (docs/auth.md)", p)
}

// confineFiles turns DuckDB's external access off but for dirs, the state
// and temp dirs (and DuckDB's own temp_directory, which it always allows).
// Paths are prefixes to DuckDB, so each ends in a separator: /data/lake
// must not also allow /data/lake-other. DuckDB normalises ".." before it
// checks, and refuses to change either setting again while it runs.
func (e *Engine) confineFiles(ctx context.Context, db *sql.DB, dirs []string) error {
	all := append(append([]string(nil), dirs...), e.stateDir, e.tempDir)
	quoted := make([]string, 0, len(all))
	for _, d := range all {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fmt.Errorf("allowed dir %q: %w", d, err)
		}
		quoted = append(quoted, quoteString(withSep(abs)))
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL allowed_directories = ["+strings.Join(quoted, ", ")+"]"); err != nil {
		return fmt.Errorf("set allowed_directories: %w", err)
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL enable_external_access = false"); err != nil {
		return fmt.Errorf("turn external access off: %w", err)
	}
	return nil
}

// init sets up a newly opened instance: rheo's functions, the pg shim,
// the views of the catalog in meta and the job history.
func (e *Engine) init(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	err = duckdb.RegisterTableUDF(conn, "rheo_scan", duckdb.ParallelChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{vc}},
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			name, _ := args[0].(string)
			return e.bindScan(ctx, strings.ToLower(name), nil)
		},
	})
	if err != nil {
		return fmt.Errorf("register rheo_scan: %w", err)
	}
	err = duckdb.RegisterTableUDF(conn, "rheo_csv_scan", duckdb.ParallelChunkTableFunction{
		// null_format (NULL DEFINED AS) is a named argument that every view
		// passes; Open replaces the views of a warehouse made before it.
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{vc, vc, vc}, NamedArguments: map[string]duckdb.TypeInfo{"null_format": vc}},
		BindArgumentsContext: func(ctx context.Context, named map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			name, _ := args[0].(string)
			delim, _ := args[1].(string)
			spec, _ := args[2].(string)
			null, ok := named["null_format"].(string)
			if !ok {
				null = hiveNull
			}
			cs, err := parseCSVSpec(delim, spec, null)
			if err != nil {
				return nil, err
			}
			return e.bindScan(ctx, strings.ToLower(name), cs)
		},
	})
	if err != nil {
		return fmt.Errorf("register rheo_csv_scan: %w", err)
	}
	if err := registerSleep(conn); err != nil {
		return err
	}
	if err := registerRedshiftUDFs(conn); err != nil {
		return err
	}
	if err := registerJSONBFuncs(conn); err != nil {
		return err
	}
	if err := e.registerRecords(conn); err != nil {
		return fmt.Errorf("register rheo_records: %w", err)
	}
	if err := duckdb.RegisterTableUDF(conn, "rheo_iterations", duckdb.RowTableFunction{
		BindArgumentsContext: func(ctx context.Context, _ map[string]any, _ ...any) (duckdb.RowTableSource, error) {
			return e.bindIterations(ctx)
		},
	}); err != nil {
		return fmt.Errorf("register rheo_iterations: %w", err)
	}
	if err := initPGCatalog(ctx, conn); err != nil {
		return err
	}
	if err := dropOldPublic(ctx, conn, e.logger); err != nil {
		return err
	}
	// Load the catalog and make DuckDB's views match it. A reopen loads
	// it again: no DDL runs meanwhile, as no session is open.
	tables, externals := map[string]*streamTable{}, map[string]*externalTable{}
	err = e.meta.Scan(Namespace, "", func(key string, value []byte) error {
		st := new(streamTable)
		if err := json.Unmarshal(value, st); err != nil {
			return fmt.Errorf("decode stream table %q: %w", key, err)
		}
		tables[key] = st
		return nil
	})
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	err = e.meta.Scan(externalNamespace, "", func(key string, value []byte) error {
		t := new(externalTable)
		if err := json.Unmarshal(value, t); err != nil {
			return fmt.Errorf("decode external table %q: %w", key, err)
		}
		externals[key] = t
		return nil
	})
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	e.mu.Lock()
	e.tables, e.externals = tables, externals
	e.mu.Unlock()
	rows, err := conn.QueryContext(ctx, "SELECT view_name, comment FROM duckdb_views() WHERE comment IN (?, ?) AND NOT internal", viewComment, externalComment)
	if err != nil {
		return fmt.Errorf("list views: %w", err)
	}
	var stale []string
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			rows.Close()
			return err
		}
		_, isStream := e.tables[strings.ToLower(n)]
		_, isExt := e.externals[strings.ToLower(n)]
		if (c == viewComment && !isStream) || (c == externalComment && !isExt) {
			stale = append(stale, n)
		}
	}
	rows.Close()
	for _, n := range stale {
		if _, err := conn.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(n)); err != nil {
			return fmt.Errorf("drop stale view %s: %w", n, err)
		}
	}
	for _, st := range e.tables {
		if err := createView(ctx, conn, st, true); err != nil {
			e.logger.Warn("sqlengine: cannot make view of stream table", "table", st.Name, "err", err)
		}
	}
	exec := func(ctx context.Context, q string) error { _, err := conn.ExecContext(ctx, q); return err }
	for _, n := range e.externalNames() {
		t := e.externals[n]
		err := e.prepareExternal(ctx, t, exec)
		if err == nil {
			err = exec(ctx, e.externalViewSQL(t, true))
		}
		if err == nil {
			err = exec(ctx, "COMMENT ON VIEW "+quoteIdent(t.Name)+" IS "+quoteString(externalComment))
		}
		if err != nil {
			e.logger.Warn("sqlengine: cannot make view of external table", "table", t.Name, "err", err)
		}
	}
	if err := e.replaceView(ctx, conn, "rheo_iterations", "CREATE OR REPLACE VIEW rheo_iterations AS SELECT logical_name, iteration, stream, shard_id, "+
		"nullif(start_sequence_number, '') AS start_sequence_number, nullif(end_sequence_number, '') AS end_sequence_number, created_at "+
		"FROM rheo_iterations()"); err != nil {
		return fmt.Errorf("create rheo_iterations view: %w", err)
	}
	return e.initJobs(ctx, conn)
}

// replaceView runs q, a CREATE OR REPLACE VIEW of rheo's own view name,
// at the start. If it fails and the view is there from an earlier run,
// that one serves (a warning says so): on a full disk DuckDB cannot write
// the replacement to its WAL, and the start must not fail for it, or the
// records already stored could not be read until space is freed.
func (e *Engine) replaceView(ctx context.Context, conn *sql.Conn, name, q string) error {
	_, err := conn.ExecContext(ctx, q)
	if err == nil {
		return nil
	}
	var n int
	if qerr := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", name).Scan(&n); qerr != nil || n == 0 {
		return err
	}
	e.logger.Warn("sqlengine: cannot re-create view; the one kept from the last run serves", "view", name, "err", err)
	return nil
}

// createView makes the DuckDB view of st and marks it as rheo's.
func createView(ctx context.Context, conn *sql.Conn, st *streamTable, orReplace bool) error {
	if _, err := conn.ExecContext(ctx, st.viewSQL(orReplace)); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, "COMMENT ON VIEW "+quoteIdent(st.Name)+" IS "+quoteString(viewComment))
	return err
}

// table returns the stream table of that (lower-case) name.
func (e *Engine) table(name string) (*streamTable, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.tables[name]
	return st, ok
}

// Close closes the database. Sessions must be closed first.
func (e *Engine) Close() error {
	e.jobs.stop() // first, so no run starts on a closing engine; runs in progress roll back
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.reopenMu.Lock()
	e.closing = true
	e.reopenMu.Unlock()
	close(e.stop)
	e.reopenWG.Wait() // a reopen in progress gives up
	e.instMu.Lock()
	inst := e.inst
	e.inst = nil
	e.instMu.Unlock()
	var err error
	if inst != nil {
		err = inst.close()
	}
	if e.ownState {
		os.RemoveAll(e.stateDir)
	}
	return err
}

// NewSession opens one DuckDB connection with its own SET state. While
// the database is being reopened after a fatal error it fails with
// 57P03 (cannot_connect_now), as Postgres refuses logins during recovery.
func (e *Engine) NewSession(ctx context.Context) (*Session, error) {
	return e.newSession(ctx, true)
}

// newSession opens a session. A reopen closes a killable one's connection
// itself when the session is idle; it waits for the others (rheo's own:
// job runs, loads), which do not serialise their statements on s.mu, to
// be closed by their users.
func (e *Engine) newSession(ctx context.Context, killable bool) (*Session, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, errors.New("sqlengine: engine closed")
	}
	e.instMu.Lock()
	defer e.instMu.Unlock()
	inst := e.inst
	if inst == nil || inst.cause() != nil {
		return nil, e.unavailableErr(inst)
	}
	dc, err := inst.connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlengine: new session: %w", err)
	}
	conn, ok := dc.(*duckdb.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("sqlengine: unexpected driver connection %T", dc)
	}
	s := &Session{e: e, inst: inst, conn: conn, killable: killable, changed: map[string]bool{}, prepared: map[string]bool{}}
	inst.sessions[s] = struct{}{}
	return s, nil
}

// iterSource lists iteration boundaries for rheo_iterations().
type iterSource struct {
	rows []iteration.Boundary
	i    int
}

func (e *Engine) bindIterations(ctx context.Context) (*iterSource, error) {
	plan, _ := ctx.Value(planKey{}).(*queryPlan)
	if plan == nil || plan.describe {
		return &iterSource{}, nil
	}
	b, err := e.iters.List(ctx)
	if err != nil {
		return nil, err
	}
	return &iterSource{rows: b}, nil
}

func (s *iterSource) ColumnInfos() []duckdb.ColumnInfo {
	vc, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	bi, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	ts, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP_TZ)
	return []duckdb.ColumnInfo{
		{Name: "logical_name", T: vc},
		{Name: "iteration", T: bi},
		{Name: "stream", T: vc},
		{Name: "shard_id", T: vc},
		{Name: "start_sequence_number", T: vc},
		{Name: "end_sequence_number", T: vc},
		{Name: "created_at", T: ts},
	}
}

func (s *iterSource) Cardinality() *duckdb.CardinalityInfo { return nil }
func (s *iterSource) Init()                                {}

func (s *iterSource) FillRow(row duckdb.Row) (bool, error) {
	if s.i >= len(s.rows) {
		return false, nil
	}
	b := s.rows[s.i]
	s.i++
	// Empty bounds stay "" here and become NULL in the view: duckdb-go
	// v2.5.4's Row.SetRowValue panics on a nil value (a crash of the whole
	// process from a cgo callback), so never hand it one.
	vals := []any{b.LogicalName, b.Iteration, b.Stream, b.ShardID, b.StartSequenceNumber, b.EndSequenceNumber, b.CreatedAt}
	for i, v := range vals {
		if err := row.SetRowValue(i, v); err != nil {
			return false, err
		}
	}
	return true, nil
}

var _ driver.Conn = (*duckdb.Conn)(nil)
