package pgwire

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Transaction status bytes of ReadyForQuery.
const (
	txIdle   = 'I'
	txBlock  = 'T'
	txFailed = 'E'
)

// flushEvery is how many bytes of DataRows are buffered before they are
// written, so a large result streams instead of piling up in memory.
const flushEvery = 64 << 10

// conn is one client connection; every field except the query-cancel
// ones is owned by the connection's goroutine.
type conn struct {
	srv *Server
	nc  net.Conn // the TLS connection once the client asked for it
	tls bool
	be  *pgproto3.Backend
	ctx context.Context // cancelled on Terminate, disconnect or Server.Close

	pid, secret    uint32
	user, database string
	sess           Session
	settings       map[string]string // Postgres-only parameters (see intercept.go)
	tx             byte
	stmts          map[string]*stmt
	portals        map[string]*portal
	skipToSync     bool // an extended-protocol error happened: ignore until Sync
	pending        int  // bytes sent since the last flush

	qmu      sync.Mutex // guards the running query's cancel state
	qcancel  context.CancelFunc
	canceled bool // a CancelRequest hit the running query
}

// stmt is a prepared statement (Parse).
type stmt struct {
	sql  string
	oids []uint32 // as sent by the client; 0 = unspecified
	desc *Description
}

// portal is a bound statement (Bind), possibly partly executed.
type portal struct {
	st      *stmt
	args    []any
	formats []int16 // result format codes as sent in Bind
	rows    Rows    // open after a suspended Execute
	cancel  context.CancelFunc
	ctx     context.Context
	cols    []Column
	oids    []uint32
	tag     string
	done    bool
}

// errTerminate ends the connection after a Terminate message.
var errTerminate = errors.New("pgwire: client terminated")

// serveConn runs one connection to its end.
func (s *Server) serveConn(nc net.Conn) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	defer nc.Close()
	c := &conn{srv: s, nc: nc, ctx: ctx, tx: txIdle, settings: map[string]string{},
		stmts: map[string]*stmt{}, portals: map[string]*portal{}}
	// Shutdown unblocks a connection waiting for its client's next message.
	stopWatch := context.AfterFunc(ctx, func() {
		_ = nc.SetReadDeadline(time.Now())
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	})
	defer stopWatch()

	_ = nc.SetDeadline(time.Now().Add(s.cfg.StartupTimeout))
	ok, err := c.startup()
	if err != nil || !ok {
		if err != nil && !isDisconnect(err) {
			s.logger.Debug("pgwire: start-up failed", "remote", nc.RemoteAddr().String(), "err", err)
		}
		return
	}
	if ctx.Err() == nil {
		_ = nc.SetDeadline(time.Time{})
	}
	defer s.unregister(c)
	defer c.closeAll()
	err = c.loop()
	switch {
	case errors.Is(err, errTerminate) || isDisconnect(err):
	case s.ctx.Err() != nil:
		c.fatal(codeAdminShutdown, "terminating connection due to administrator command")
	case err != nil:
		s.logger.Debug("pgwire: connection failed", "remote", nc.RemoteAddr().String(), "pid", c.pid, "err", err)
		c.fatal(codeProtocolViolation, err.Error())
	}
}

// isDisconnect reports the ordinary ends of a connection.
func isDisconnect(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// fatal sends a FATAL error; the connection closes right after.
func (c *conn) fatal(code, msg string) {
	c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	_ = c.be.Flush()
}

// Codes of the 8-byte requests that open a connection instead of a
// StartupMessage.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// negotiate answers the encryption requests a connection may open with
// (SSLRequest: 'S' and TLS when Config.TLS is set, else 'N'; GSSENCRequest:
// 'N') and then sets up the message reader for the rest. The requests are
// read by hand, 8 bytes at a time, so nothing the client sent in plain text
// after an SSLRequest is buffered before the handshake: such bytes reach
// the TLS layer, which fails on them, and can never pass as part of the
// encrypted session.
func (c *conn) negotiate() error {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
			return fmt.Errorf("receive start-up message: %w", err)
		}
		size, code := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
		switch {
		case size == 8 && code == sslRequestCode && c.srv.cfg.TLS != nil && !c.tls:
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return err
			}
			tc := tls.Server(c.nc, c.srv.cfg.TLS)
			if err := tc.HandshakeContext(c.ctx); err != nil {
				return fmt.Errorf("TLS handshake: %w", err)
			}
			c.nc, c.tls = tc, true
		case size == 8 && (code == sslRequestCode || code == gssEncRequestCode):
			// No (more) encryption: the client goes on as it is.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return err
			}
		default: // a StartupMessage or CancelRequest: pgproto3 reads it
			c.be = pgproto3.NewBackend(io.MultiReader(bytes.NewReader(hdr[:]), c.nc), c.nc)
			c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
			return nil
		}
	}
}

// startup runs the exchange up to the first ReadyForQuery. ok is false
// when the connection ends without error (a CancelRequest).
func (c *conn) startup() (ok bool, err error) {
	if err := c.negotiate(); err != nil {
		return false, err
	}
	var sm *pgproto3.StartupMessage
	for sm == nil {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return false, fmt.Errorf("receive start-up message: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// Only as the first message (negotiate); later it is too late.
			return false, fmt.Errorf("unexpected %T after the connection's first message", msg)
		case *pgproto3.CancelRequest:
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return false, nil
		case *pgproto3.StartupMessage:
			sm = m
		default:
			return false, fmt.Errorf("unexpected start-up message %T", msg)
		}
	}
	c.user = sm.Parameters["user"]
	c.database = sm.Parameters["database"]
	if c.database == "" {
		c.database = c.user
	}
	if c.user == "" {
		c.fatal("28000", "no PostgreSQL user name specified in startup packet")
		return false, nil
	}
	if c.srv.cfg.RequireTLS && !c.tls {
		c.fatal("28000", "this server requires TLS: connect with sslmode=require (or verify-ca, verify-full)")
		return false, nil
	}
	// Protocol 3.2 and "_pq_." options are not supported: tell the client
	// to speak 3.0 without them.
	var unknown []string
	for k := range sm.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unknown = append(unknown, k)
		}
	}
	if sm.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unknown) > 0 {
		slices.Sort(unknown)
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	if err := c.authenticate(); err != nil {
		return false, err
	}
	if !c.srv.register(c) {
		c.fatal(codeAdminShutdown, "the database system is shutting down")
		return false, nil
	}
	sess, err := c.srv.cfg.Backend.NewSession(c.ctx, c.user, c.database)
	if err != nil {
		c.srv.unregister(c)
		pe := toPGError(err, false)
		c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: pe.Code, Message: pe.Message})
		return false, c.be.Flush()
	}
	c.sess = sess
	if v := sm.Parameters["application_name"]; v != "" {
		c.settings["application_name"] = v
	}
	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", c.srv.cfg.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"TimeZone", "UTC"},
		{"is_superuser", "on"},
		{"session_authorization", c.user},
		{"application_name", c.settings["application_name"]},
	} {
		c.be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	secret := []byte{byte(c.secret >> 24), byte(c.secret >> 16), byte(c.secret >> 8), byte(c.secret)}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: secret})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: txIdle})
	return true, c.be.Flush()
}

// authenticate runs SCRAM-SHA-256 when Config.Password is set, else
// checks a cleartext password when Config.CheckPassword is.
func (c *conn) authenticate() error {
	if c.srv.cfg.Password != nil {
		return c.authenticateSCRAM()
	}
	check := c.srv.cfg.CheckPassword
	if check == nil {
		return nil
	}
	c.be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := c.be.Flush(); err != nil {
		return err
	}
	if err := c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return fmt.Errorf("receive password: %w", err)
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok || !check(c.user, pm.Password) {
		return c.passwordFailed(errors.New("wrong password"))
	}
	return nil
}

// passwordFailed tells the client its login failed, in Postgres's words,
// and returns the error that ends the connection.
func (c *conn) passwordFailed(why error) error {
	c.fatal(codeInvalidPassword, fmt.Sprintf("password authentication failed for user %q", c.user))
	return fmt.Errorf("password authentication failed: %w", why)
}

// loop reads and handles messages until the connection ends.
func (c *conn) loop() error {
	for {
		msg, err := c.be.Receive()
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		if err := c.handle(msg); err != nil {
			return err
		}
	}
}

// handle dispatches one message; a returned error ends the connection.
func (c *conn) handle(msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.skipToSync = false
		c.simpleQuery(m.String)
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.Sync:
		c.skipToSync = false
		if c.tx == txIdle {
			c.closePortals()
		}
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.Terminate:
		return errTerminate
	case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
		if c.skipToSync {
			return nil
		}
		var err error
		switch m := msg.(type) {
		case *pgproto3.Parse:
			err = c.parse(m)
		case *pgproto3.Bind:
			err = c.bind(m)
		case *pgproto3.Describe:
			err = c.describe(m)
		case *pgproto3.Execute:
			err = c.execute(m)
		case *pgproto3.Close:
			err = c.closeMsg(m)
		}
		if err != nil {
			c.sendError(err)
			c.skipToSync = true
		}
		return c.maybeFlush()
	case *pgproto3.FunctionCall:
		c.sendError(&Error{Code: codeFeatureNotSupported, Message: "the function call protocol is not supported"})
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		return nil // no COPY in progress: Postgres ignores these too
	}
	return fmt.Errorf("unexpected message %T", msg)
}

func (c *conn) flush() error {
	c.pending = 0
	if err := c.be.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// maybeFlush writes out once enough is buffered.
func (c *conn) maybeFlush() error {
	if c.pending >= flushEvery {
		return c.flush()
	}
	return nil
}

// sendError reports err as an ErrorResponse and fails an open transaction.
func (c *conn) sendError(err error) {
	c.qmu.Lock()
	canceled := c.canceled
	c.qmu.Unlock()
	pe := toPGError(err, canceled)
	if c.srv.ctx.Err() != nil && errors.Is(err, context.Canceled) {
		pe = &Error{Code: codeAdminShutdown, Message: "terminating connection due to administrator command"}
	}
	c.be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: pe.Code,
		Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint})
	if c.tx == txBlock {
		c.tx = txFailed
	}
}

// toPGError gives any error a SQLSTATE.
func toPGError(err error, canceled bool) *Error {
	if canceled && (errors.Is(err, context.Canceled) || !isPGError(err)) {
		return &Error{Code: codeQueryCanceled, Message: "canceling statement due to user request"}
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Code == "" {
			return &Error{Code: codeInternal, Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint}
		}
		return pe
	}
	if canceled {
		return &Error{Code: codeQueryCanceled, Message: "canceling statement due to user request"}
	}
	return &Error{Code: codeInternal, Message: err.Error()}
}

func isPGError(err error) bool {
	var pe *Error
	return errors.As(err, &pe)
}

// beginQuery makes ctx the running query's context, cancellable by a
// CancelRequest, until endQuery.
func (c *conn) beginQuery(cancel context.CancelFunc) {
	c.qmu.Lock()
	c.qcancel, c.canceled = cancel, false
	c.qmu.Unlock()
}

func (c *conn) endQuery() {
	c.qmu.Lock()
	c.qcancel = nil
	c.qmu.Unlock()
}

// cancelQuery is called by the server for a matching CancelRequest, from
// another goroutine.
func (c *conn) cancelQuery() {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qcancel != nil {
		c.canceled = true
		c.qcancel()
	}
}

// run executes one statement, intercepting Postgres-only settings, and
// tracks the transaction status from the tag once the rows are consumed.
func (c *conn) run(ctx context.Context, sql string, args []any) (Rows, error) {
	if in := c.intercept(sql); in != nil {
		if in.set != "" {
			c.settings[in.set] = in.value
			if name, ok := reportedParams[in.set]; ok {
				c.be.Send(&pgproto3.ParameterStatus{Name: name, Value: in.value})
			}
		}
		return &staticRows{in: in}, nil
	}
	rows, err := c.sess.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		return nil, errors.New("pgwire: backend returned no result")
	}
	return rows, nil
}

// trackTx updates the transaction status after a statement with tag.
func (c *conn) trackTx(tag string) {
	switch strings.ToUpper(strings.TrimSpace(tag)) {
	case "BEGIN", "START TRANSACTION":
		c.tx = txBlock
	case "COMMIT", "ROLLBACK", "END", "ABORT":
		c.tx = txIdle
	}
}

// simpleQuery runs every statement of a Query message.
func (c *conn) simpleQuery(q string) {
	// A simple query drops the unnamed statement and portal.
	delete(c.stmts, "")
	c.closePortal("")
	stmts := c.split(q)
	if len(stmts) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for _, sql := range stmts {
		if err := c.simpleStatement(sql); err != nil {
			c.sendError(err)
			return
		}
	}
}

// split cuts q into statements with Config.Split.
func (c *conn) split(q string) []string {
	if strings.TrimSpace(q) == "" {
		return nil
	}
	if c.srv.cfg.Split == nil {
		return []string{q}
	}
	var out []string
	for _, s := range c.srv.cfg.Split(q) {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// simpleStatement runs one statement and streams its result in text.
func (c *conn) simpleStatement(sql string) error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.beginQuery(cancel)
	defer c.endQuery()
	if c.tx == txFailed && !isTxEnd(sql) {
		return &Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}
	}
	rows, err := c.run(ctx, sql, nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	if cr, ok := rows.(CopyRows); ok {
		if out := cr.CopyOut(); out != nil {
			return c.copyOut(out, rows.Tag())
		}
		if in := cr.CopyIn(); in != nil {
			var cols []Column
			if br, ok := rows.(CopyBinaryRows); ok {
				cols = br.CopyInBinary()
			}
			return c.copyIn(ctx, in, cols)
		}
	}
	cols := rows.Columns()
	var oids []uint32
	if cols != nil {
		var fds []pgproto3.FieldDescription
		fds, oids = fieldDescriptions(cols, nil)
		c.be.Send(&pgproto3.RowDescription{Fields: fds})
	}
	if _, err := c.sendRows(rows, cols, oids, nil, 0); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	c.sendNotices(rows.Notices())
	tag := rows.Tag()
	c.trackTx(tag)
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

// isTxEnd reports statements allowed in a failed transaction block.
func isTxEnd(sql string) bool {
	f := strings.Fields(strings.ToUpper(sql))
	return len(f) > 0 && (strings.TrimSuffix(f[0], ";") == "ROLLBACK" || strings.TrimSuffix(f[0], ";") == "ABORT" ||
		strings.TrimSuffix(f[0], ";") == "COMMIT" || strings.TrimSuffix(f[0], ";") == "END")
}

func (c *conn) sendNotices(notices []string) {
	for _, n := range notices {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: n})
	}
}

// sendRows sends up to max rows (0: all) as DataRows; more is true when
// it stopped at max.
func (c *conn) sendRows(rows Rows, cols []Column, oids []uint32, formats []int16, max uint32) (more bool, err error) {
	var n uint32
	buf := make([]byte, 0, 1024) // never nil: an empty value must not read as NULL
	vals := make([][]byte, len(cols))
	spans := make([][2]int, len(cols))
	for {
		if max > 0 && n >= max {
			return true, nil
		}
		if !rows.Next() {
			return false, nil
		}
		row := rows.Row()
		if len(row) != len(cols) {
			return false, fmt.Errorf("pgwire: row has %d values for %d columns", len(row), len(cols))
		}
		buf = buf[:0]
		for i, v := range row {
			spans[i] = [2]int{len(buf), -1} // end -1: NULL
			if v == nil {
				continue
			}
			if formatOf(formats, i) == 1 {
				var err error
				if buf, err = appendBinary(buf, oids[i], v); err != nil {
					return false, &Error{Code: codeInternal, Message: fmt.Sprintf("column %q: %v", cols[i].Name, err)}
				}
			} else {
				var ok bool
				if buf, ok = appendText(buf, oids[i], v); !ok {
					continue
				}
			}
			spans[i][1] = len(buf)
		}
		for i, sp := range spans {
			if sp[1] < 0 {
				vals[i] = nil
			} else {
				vals[i] = buf[sp[0]:sp[1]:sp[1]]
			}
		}
		c.be.Send(&pgproto3.DataRow{Values: vals})
		c.pending += len(buf) + 4*len(vals)
		n++
		if err := c.maybeFlush(); err != nil {
			return false, err
		}
	}
}

// formatOf is the result format of column i per Bind's format codes.
func formatOf(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

// fieldDescriptions builds a RowDescription and the columns' OIDs.
func fieldDescriptions(cols []Column, formats []int16) ([]pgproto3.FieldDescription, []uint32) {
	fds := make([]pgproto3.FieldDescription, len(cols))
	oids := make([]uint32, len(cols))
	for i, col := range cols {
		oid, size := TypeOID(col.Type)
		oids[i] = oid
		fds[i] = pgproto3.FieldDescription{Name: []byte(col.Name), DataTypeOID: oid, DataTypeSize: size,
			TypeModifier: -1, Format: formatOf(formats, i)}
	}
	return fds, oids
}

// checkFormats validates Bind's result format codes against the columns.
func checkFormats(formats []int16, ncols int) error {
	if len(formats) > 1 && len(formats) != ncols {
		return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("bind message has %d result formats but query has %d columns", len(formats), ncols)}
	}
	for _, f := range formats {
		if f != 0 && f != 1 {
			return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("unsupported format code: %d", f)}
		}
	}
	return nil
}

// parse handles Parse: it stores the statement; errors in the SQL show
// at Describe or Execute, as the engine prepares lazily.
func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return &Error{Code: codeDuplicateStatement, Message: fmt.Sprintf("prepared statement %q already exists", m.Name)}
		}
	}
	stmts := c.split(m.Query)
	if len(stmts) > 1 {
		return &Error{Code: codeSyntaxError, Message: "cannot insert multiple commands into a prepared statement"}
	}
	st := &stmt{oids: slices.Clone(m.ParameterOIDs)}
	if len(stmts) == 1 {
		st.sql = stmts[0]
	}
	c.stmts[m.Name] = st
	c.be.Send(&pgproto3.ParseComplete{})
	return nil
}

// describeStmt returns (and caches) what the statement takes and returns.
func (c *conn) describeStmt(st *stmt) (*Description, error) {
	if st.desc != nil {
		return st.desc, nil
	}
	if strings.TrimSpace(st.sql) == "" {
		st.desc = &Description{}
		return st.desc, nil
	}
	if in := c.intercept(st.sql); in != nil {
		st.desc = &Description{Columns: in.cols}
		return st.desc, nil
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.beginQuery(cancel)
	defer c.endQuery()
	d, err := c.sess.Describe(ctx, st.sql)
	if err != nil {
		return nil, err
	}
	if d == nil {
		d = &Description{}
	}
	st.desc = d
	return d, nil
}

// paramOIDs merges the client's parameter types with the engine's.
func paramOIDs(st *stmt, d *Description) []uint32 {
	n := len(st.oids)
	if d != nil {
		n = max(n, len(d.ParamTypes))
	}
	oids := make([]uint32, n)
	for i := range oids {
		if i < len(st.oids) && st.oids[i] != 0 {
			oids[i] = st.oids[i]
			continue
		}
		if d != nil && i < len(d.ParamTypes) && d.ParamTypes[i] != "" {
			oids[i], _ = TypeOID(d.ParamTypes[i])
			continue
		}
		oids[i] = OIDText
	}
	return oids
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		st, ok := c.stmts[m.Name]
		if !ok {
			return &Error{Code: codeUndefinedStatement, Message: fmt.Sprintf("prepared statement %q does not exist", m.Name)}
		}
		d, err := c.describeStmt(st)
		if err != nil {
			return err
		}
		c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: paramOIDs(st, d)})
		if d.Columns == nil {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		fds, _ := fieldDescriptions(d.Columns, nil)
		c.be.Send(&pgproto3.RowDescription{Fields: fds})
		return nil
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return &Error{Code: codeUndefinedPortal, Message: fmt.Sprintf("portal %q does not exist", m.Name)}
		}
		cols := p.cols
		if p.rows == nil && !p.done {
			d, err := c.describeStmt(p.st)
			if err != nil {
				return err
			}
			cols = d.Columns
		}
		if cols == nil {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		if err := checkFormats(p.formats, len(cols)); err != nil {
			return err
		}
		fds, _ := fieldDescriptions(cols, p.formats)
		c.be.Send(&pgproto3.RowDescription{Fields: fds})
		return nil
	}
	return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("invalid DESCRIBE message subtype %d", m.ObjectType)}
}

func (c *conn) bind(m *pgproto3.Bind) error {
	st, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return &Error{Code: codeUndefinedStatement, Message: fmt.Sprintf("prepared statement %q does not exist", m.PreparedStatement)}
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return &Error{Code: "42P03", Message: fmt.Sprintf("cursor %q already exists", m.DestinationPortal)}
		}
	}
	np := len(m.Parameters)
	if nf := len(m.ParameterFormatCodes); nf > 1 && nf != np {
		return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("bind message has %d parameter formats but %d parameters", nf, np)}
	}
	var d *Description
	if np > 0 && (len(st.oids) < np || slices.Contains(st.oids[:np], 0)) {
		var err error
		if d, err = c.describeStmt(st); err != nil {
			return err
		}
	}
	oids := paramOIDs(st, d)
	if len(oids) != np {
		return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("bind message supplies %d parameters, but prepared statement %q requires %d", np, m.PreparedStatement, len(oids))}
	}
	args := make([]any, np)
	for i, raw := range m.Parameters {
		oid := OIDText
		if i < len(oids) {
			oid = oids[i]
		}
		v, err := decodeParam(oid, formatOf(m.ParameterFormatCodes, i), raw)
		if err != nil {
			if isPGError(err) {
				return err
			}
			return &Error{Code: codeInvalidParamValue, Message: fmt.Sprintf("parameter $%d: %v", i+1, err)}
		}
		args[i] = v
	}
	for _, f := range m.ResultFormatCodes {
		if f != 0 && f != 1 {
			return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("unsupported format code: %d", f)}
		}
	}
	c.closePortal(m.DestinationPortal)
	c.portals[m.DestinationPortal] = &portal{st: st, args: args, formats: slices.Clone(m.ResultFormatCodes)}
	c.be.Send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) execute(m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return &Error{Code: codeUndefinedPortal, Message: fmt.Sprintf("portal %q does not exist", m.Portal)}
	}
	if strings.TrimSpace(p.st.sql) == "" {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if p.done {
		c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag)})
		return nil
	}
	if c.tx == txFailed && !isTxEnd(p.st.sql) {
		return &Error{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}
	}
	if p.rows == nil {
		p.ctx, p.cancel = context.WithCancel(c.ctx)
		c.beginQuery(p.cancel)
		rows, err := c.run(p.ctx, p.st.sql, p.args)
		if err != nil {
			c.endQuery()
			c.closePortal(m.Portal)
			return err
		}
		if cr, ok := rows.(CopyRows); ok && (cr.CopyOut() != nil || cr.CopyIn() != nil) {
			rows.Close()
			c.endQuery()
			c.closePortal(m.Portal)
			return &Error{Code: "0A000", Message: "COPY ... TO STDOUT and COPY ... FROM STDIN work in the simple query protocol only (as psql's \\copy sends them)"}
		}
		p.rows = rows
		p.cols = rows.Columns()
		if err := checkFormats(p.formats, len(p.cols)); err != nil {
			c.endQuery()
			c.closePortal(m.Portal)
			return err
		}
		_, p.oids = fieldDescriptions(p.cols, nil)
	} else {
		c.beginQuery(p.cancel)
	}
	defer c.endQuery()
	more, err := c.sendRows(p.rows, p.cols, p.oids, p.formats, m.MaxRows)
	if err != nil {
		c.closePortal(m.Portal)
		return err
	}
	if more {
		c.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	if err := p.rows.Err(); err != nil {
		c.closePortal(m.Portal)
		return err
	}
	c.sendNotices(p.rows.Notices())
	p.tag = p.rows.Tag()
	c.trackTx(p.tag)
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(p.tag)})
	_ = p.rows.Close()
	p.rows = nil
	p.cancel()
	p.done = true
	return nil
}

func (c *conn) closeMsg(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name)
	default:
		return &Error{Code: codeProtocolViolation, Message: fmt.Sprintf("invalid CLOSE message subtype %d", m.ObjectType)}
	}
	c.be.Send(&pgproto3.CloseComplete{})
	return nil
}

// closePortal releases a portal's open result.
func (c *conn) closePortal(name string) {
	p, ok := c.portals[name]
	if !ok {
		return
	}
	if p.rows != nil {
		_ = p.rows.Close()
	}
	if p.cancel != nil {
		p.cancel()
	}
	delete(c.portals, name)
}

func (c *conn) closePortals() {
	for name := range c.portals {
		c.closePortal(name)
	}
}

// closeAll releases everything the connection holds.
func (c *conn) closeAll() {
	c.closePortals()
	if c.sess != nil {
		if err := c.sess.Close(); err != nil {
			c.srv.logger.Warn("pgwire: close session", "pid", c.pid, "err", err)
		}
	}
}
