package pgwire

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"
)

// The extended query protocol: Parse, Bind, Describe, Execute, Close,
// and the result formats they negotiate.

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

// checkEncoding refuses a string parameter that is not UTF-8 text, as
// Postgres does: the engine would cut a string at a NUL byte and store
// the rest without a word.
func checkEncoding(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	bad := strings.IndexByte(s, 0)
	if bad < 0 && !utf8.ValidString(s) {
		for i, r := range s {
			if r == utf8.RuneError {
				bad = i
				break
			}
		}
	}
	if bad < 0 {
		return nil
	}
	return &Error{Code: codeCharacterNotInRepertoire, Message: fmt.Sprintf("invalid byte sequence for encoding \"UTF8\": 0x%02x", s[bad])}
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
	if cols, ok := isResetStatement(st.sql); ok {
		st.desc = &Description{Columns: cols}
		return st.desc, nil
	}
	if in := c.intercept(st.sql); in != nil {
		st.desc = &Description{Columns: in.cols}
		return st.desc, nil
	}
	if savepointVerb(st.sql) != "" {
		st.desc = &Description{}
		return st.desc, nil
	}
	if isCursorStatement(st.sql) {
		// Not cached: a FETCH returns the columns of whatever cursor has
		// that name when it runs.
		return c.describeCursorStatement(st.sql)
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.beginQuery(cancel)
	defer c.endQuery()
	d, ok, err := c.describeFunc(ctx, st.sql)
	if !ok {
		d, err = c.sess.Describe(ctx, c.rewriteFuncs(st.sql))
	}
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
		v, err := decodeParam(oid, formatOf(m.ParameterFormatCodes, i), raw, c.loc)
		if err == nil {
			err = checkEncoding(v)
		}
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
		c.observeLocal(time.Now(), true)
		return errAborted
	}
	if p.rows == nil {
		p.ctx, p.cancel = context.WithCancel(c.ctx)
		c.beginQuery(p.cancel)
		start, before := time.Now(), c.queries
		rows, err := c.run(p.ctx, p.st.sql, p.args)
		p.local, p.start = c.queries == before, start
		if err != nil {
			if p.local {
				c.observeLocal(start, true)
			}
			c.endQuery()
			c.closePortal(m.Portal)
			return err
		}
		if cr, ok := rows.(CopyRows); isCopyText(rows) || ok && (cr.CopyOut() != nil || cr.CopyIn() != nil) {
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
	if err == nil && !more {
		err = p.rows.Err()
	}
	if p.local && (err != nil || !more) {
		c.observeLocal(p.start, err != nil)
	}
	if err != nil {
		c.closePortal(m.Portal)
		return err
	}
	if more {
		c.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	c.sendNotices(p.rows.Notices())
	p.tag = p.rows.Tag()
	c.trackTx(p.ctx, p.rows)
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
	c.closeCursors(true)
	if c.sess != nil {
		if err := c.sess.Close(); err != nil {
			c.srv.logger.Warn("pgwire: close session", "pid", c.pid, "err", err)
		}
	}
}
