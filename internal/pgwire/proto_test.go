package pgwire

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// client is a raw protocol client for message-flow tests.
type client struct {
	t      *testing.T
	nc     net.Conn
	fe     *pgproto3.Frontend
	pid    uint32
	secret []byte
	params map[string]string
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	return nc
}

// connect performs start-up as user and reads up to ReadyForQuery.
func connect(t *testing.T, addr, user string) *client {
	t.Helper()
	nc := dialRaw(t, addr)
	c := &client{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc), params: map[string]string{}}
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": user, "database": "rheo"}})
	if err := c.fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			t.Fatalf("start-up: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ParameterStatus:
			c.params[m.Name] = m.Value
		case *pgproto3.BackendKeyData:
			c.pid, c.secret = m.ProcessID, slices.Clone(m.SecretKey)
		case *pgproto3.ReadyForQuery:
			if m.TxStatus != 'I' {
				t.Fatalf("first ReadyForQuery status %c", m.TxStatus)
			}
			return c
		case *pgproto3.AuthenticationOk:
		case *pgproto3.ErrorResponse:
			t.Fatalf("start-up error: %s %s", m.Code, m.Message)
		default:
			t.Fatalf("unexpected start-up message %T", msg)
		}
	}
}

func (c *client) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

// until reads messages up to and including ReadyForQuery (or n messages
// when n > 0) and renders them compactly.
func (c *client) until(n int) []string {
	c.t.Helper()
	var out []string
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			c.t.Fatalf("receive after %v: %v", out, err)
		}
		out = append(out, render(msg))
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok || n > 0 && len(out) == n {
			return out
		}
	}
}

func render(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		var f []string
		for _, fd := range m.Fields {
			f = append(f, fmt.Sprintf("%s:%d/%d", fd.Name, fd.DataTypeOID, fd.Format))
		}
		return "RowDescription(" + strings.Join(f, ",") + ")"
	case *pgproto3.DataRow:
		var f []string
		for _, v := range m.Values {
			if v == nil {
				f = append(f, "NULL")
			} else {
				f = append(f, string(v))
			}
		}
		return "DataRow(" + strings.Join(f, ",") + ")"
	case *pgproto3.CommandComplete:
		return "CommandComplete(" + string(m.CommandTag) + ")"
	case *pgproto3.ErrorResponse:
		return "Error(" + m.Severity + " " + m.Code + ")"
	case *pgproto3.NoticeResponse:
		return "Notice(" + m.Message + ")"
	case *pgproto3.ReadyForQuery:
		return "Ready(" + string(m.TxStatus) + ")"
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription(%v)", m.ParameterOIDs)
	case *pgproto3.ParameterStatus:
		return "ParameterStatus(" + m.Name + "=" + m.Value + ")"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func expectFlow(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("messages:\n got  %q\n want %q", got, want)
	}
}

func TestStartupParameters(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	for k, v := range map[string]string{
		"server_version": DefaultServerVersion, "server_encoding": "UTF8", "client_encoding": "UTF8",
		"DateStyle": "ISO, MDY", "integer_datetimes": "on", "standard_conforming_strings": "on", "TimeZone": "UTC",
	} {
		if c.params[k] != v {
			t.Errorf("ParameterStatus %s = %q, want %q", k, c.params[k], v)
		}
	}
	if c.pid == 0 || len(c.secret) != 4 {
		t.Errorf("BackendKeyData pid %d secret %x", c.pid, c.secret)
	}
}

func TestSSLAndGSSRequestsRefused(t *testing.T) {
	_, _, addr := startFake(t)
	nc := dialRaw(t, addr)
	for _, code := range []uint32{80877103, 80877104} { // SSLRequest, GSSENCRequest
		var b [8]byte
		binary.BigEndian.PutUint32(b[:], 8)
		binary.BigEndian.PutUint32(b[4:], code)
		if _, err := nc.Write(b[:]); err != nil {
			t.Fatal(err)
		}
		var r [1]byte
		if _, err := nc.Read(r[:]); err != nil || r[0] != 'N' {
			t.Fatalf("answer to request %d = %q, %v; want 'N'", code, r[0], err)
		}
	}
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

func TestStartupBackendError(t *testing.T) {
	_, _, addr := startFake(t)
	nc := dialRaw(t, addr)
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "reject", "database": "x"}})
	_ = fe.Flush()
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok || e.Severity != "FATAL" || e.Code != "3D000" {
		t.Fatalf("got %#v, want FATAL 3D000", msg)
	}
}

func TestSimpleQueryFlows(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")

	c.send(&pgproto3.Query{String: "rows 2"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)", "DataRow(1,row-1)", "CommandComplete(SELECT 2)", "Ready(I)")

	c.send(&pgproto3.Query{String: "  "})
	expectFlow(t, c.until(0), "EmptyQueryResponse", "Ready(I)")

	// Several statements; notices come before the tag; an error stops the rest.
	c.send(&pgproto3.Query{String: "nothing; notice; fail; rows 1"})
	expectFlow(t, c.until(0), "CommandComplete(CREATE TABLE)", "Notice(checkpoint enabled)", "CommandComplete(SET)", "Error(ERROR 42601)", "Ready(I)")
	if got := fb.log(); slices.Contains(got, "rows 1") {
		t.Errorf("statement after the error ran: %q", got)
	}

	// An error from the row iterator after some rows.
	c.send(&pgproto3.Query{String: "midfail"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(1,a)", "DataRow(2,b)", "Error(ERROR 22012)", "Ready(I)")

	// Transaction status follows BEGIN, errors and COMMIT.
	c.send(&pgproto3.Query{String: "begin"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Ready(T)")
	c.send(&pgproto3.Query{String: "fail"})
	expectFlow(t, c.until(0), "Error(ERROR 42601)", "Ready(E)")
	c.send(&pgproto3.Query{String: "rows 1"})
	expectFlow(t, c.until(0), "Error(ERROR 25P02)", "Ready(E)")
	// COMMIT of a failed transaction rolls it back, as in Postgres.
	c.send(&pgproto3.Query{String: "commit"})
	expectFlow(t, c.until(0), "CommandComplete(ROLLBACK)", "Ready(I)")
	if got := fb.log(); got[len(got)-1] != "ROLLBACK" {
		t.Errorf("COMMIT of a failed transaction sent %q to the engine, want ROLLBACK", got[len(got)-1])
	}

	// The same over the extended protocol (pgx's tx.Commit).
	c.send(&pgproto3.Query{String: "begin"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Ready(T)")
	c.send(&pgproto3.Parse{Query: "fail"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "Error(ERROR 42601)", "Ready(E)")
	c.send(&pgproto3.Parse{Query: "END"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "CommandComplete(ROLLBACK)", "Ready(I)")

	// Outside a transaction COMMIT and ROLLBACK warn; BEGIN in one warns.
	n := len(fb.log())
	c.send(&pgproto3.Query{String: "commit; ROLLBACK; abort"})
	expectFlow(t, c.until(0), "Notice(there is no transaction in progress)", "CommandComplete(COMMIT)",
		"Notice(there is no transaction in progress)", "CommandComplete(ROLLBACK)",
		"Notice(there is no transaction in progress)", "CommandComplete(ROLLBACK)", "Ready(I)")
	c.send(&pgproto3.Query{String: "begin; START TRANSACTION; commit"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Notice(there is already a transaction in progress)", "CommandComplete(BEGIN)",
		"CommandComplete(COMMIT)", "Ready(I)")
	if got := fb.log()[n:]; !slices.Equal(got, []string{"begin", "commit"}) {
		t.Errorf("engine ran %q, want only the first BEGIN and the COMMIT", got)
	}
}

func TestSimpleQueryTextFormats(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "types"})
	got := c.until(0)
	expectFlow(t, got,
		"RowDescription(b:16/0,i2:21/0,i4:23/0,i8:20/0,h:1700/0,f4:700/0,f8:701/0,d:1700/0,s:25/0,blob:17/0,day:1082/0,ts:1114/0,tstz:1184/0,iv:1186/0,u:2950/0,j:3802/0,l:1007/0,n:25/0,e:25/0)",
		`DataRow(t,-2,40000,-9000000000,1180591620717411303424,1.5,2.25,-12.340,héllo,\x0001fe,2024-02-29,2024-02-29 13:04:05.123456,2024-02-29 13:04:05+00,1 year 2 mons 3 days 01:02:03.5,12345678-9abc-def0-1234-56789abcdef0,{"a":1},{1,NULL,3},NULL,)`,
		"CommandComplete(SELECT 1)", "Ready(I)")
}

func TestInterceptedSettings(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "SET extra_float_digits = 3;SET application_name TO 'PostgreSQL JDBC Driver';SHOW application_name;select version()"})
	got := c.until(0)
	expectFlow(t, got[:5], "CommandComplete(SET)", "ParameterStatus(application_name=PostgreSQL JDBC Driver)", "CommandComplete(SET)",
		"RowDescription(application_name:25/0)", "DataRow(PostgreSQL JDBC Driver)")
	if !strings.HasPrefix(got[7], "DataRow(PostgreSQL 15.0") {
		t.Errorf("version() row = %q", got[7])
	}
	// Postgres's multi-word spelling (pgjdbc's getTransactionIsolation, SQLAlchemy's connect).
	c.send(&pgproto3.Query{String: "show transaction isolation level"})
	expectFlow(t, c.until(0), "RowDescription(transaction_isolation:25/0)", "DataRow(serializable)", "CommandComplete(SHOW)", "Ready(I)")
	// What pg_dump sets at start and its scripts set at their top
	// (psql -f dump.sql restores into rheo).
	c.send(&pgproto3.Query{String: "SET synchronize_seqscans TO off; SET row_security = off; SET quote_all_identifiers = true; " +
		"SET check_function_bodies = false; SET xmloption = content; SET default_tablespace = ''; " +
		"SET default_table_access_method = heap; SET transaction_timeout = 0; SHOW row_security"})
	expectFlow(t, c.until(0), "CommandComplete(SET)", "CommandComplete(SET)", "CommandComplete(SET)", "CommandComplete(SET)",
		"CommandComplete(SET)", "CommandComplete(SET)", "CommandComplete(SET)", "CommandComplete(SET)",
		"RowDescription(row_security:25/0)", "DataRow(off)", "CommandComplete(SHOW)", "Ready(I)")
	if q := fb.log(); len(q) != 0 {
		t.Errorf("intercepted statements reached the engine: %q", q)
	}
}

// TestSettingsDefaultsAndStatementTimeout: SHOW answers the defaults of
// the Postgres-only parameters before any SET, RESET restores them, and
// statement_timeout cancels a statement as in Postgres.
func TestSettingsDefaultsAndStatementTimeout(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "SHOW statement_timeout; SHOW DateStyle"})
	expectFlow(t, c.until(0), "RowDescription(statement_timeout:25/0)", "DataRow(0)", "CommandComplete(SHOW)",
		"RowDescription(datestyle:25/0)", "DataRow(ISO, MDY)", "CommandComplete(SHOW)", "Ready(I)")
	c.send(&pgproto3.Query{String: "SET statement_timeout = 1500; SHOW statement_timeout; SET statement_timeout TO '2min'; SHOW statement_timeout; " +
		"RESET statement_timeout; SHOW statement_timeout"})
	expectFlow(t, c.until(0), "CommandComplete(SET)", "RowDescription(statement_timeout:25/0)", "DataRow(1500ms)", "CommandComplete(SHOW)",
		"CommandComplete(SET)", "RowDescription(statement_timeout:25/0)", "DataRow(2min)", "CommandComplete(SHOW)",
		"CommandComplete(RESET)", "RowDescription(statement_timeout:25/0)", "DataRow(0)", "CommandComplete(SHOW)", "Ready(I)")
	c.send(&pgproto3.Query{String: "SET statement_timeout = 'soon'"})
	expectFlow(t, c.until(0), "Error(ERROR 22023)", "Ready(I)")
	c.send(&pgproto3.Query{String: "RESET application_name"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=)", "CommandComplete(RESET)", "Ready(I)")

	c.send(&pgproto3.Query{String: "SET statement_timeout = 50"})
	expectFlow(t, c.until(0), "CommandComplete(SET)", "Ready(I)")
	start := time.Now()
	c.send(&pgproto3.Query{String: "sleep"})
	msg, err := c.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Code != "57014" || e.Message != "canceling statement due to statement timeout" {
		t.Fatalf("got %#v, want 57014 canceling statement due to statement timeout", msg)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("statement_timeout 50ms cancelled after %v", d)
	}
	expectFlow(t, c.until(0), "Ready(I)")
	// Extended protocol too; then a fast statement is not hit.
	c.send(&pgproto3.Parse{Query: "sleep"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "Error(ERROR 57014)", "Ready(I)")
	c.send(&pgproto3.Query{String: "rows 1"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)", "CommandComplete(SELECT 1)", "Ready(I)")
	if q := fb.log(); slices.ContainsFunc(q, func(s string) bool { return strings.Contains(strings.ToLower(s), "statement_timeout") }) {
		t.Errorf("settings reached the engine: %q", q)
	}
}

func TestExtendedQueryFlows(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")

	// Parse, Describe S, Bind, Describe P, Execute with a row limit.
	c.send(&pgproto3.Parse{Name: "s1", Query: "rows 5"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1", ResultFormatCodes: []int16{1, 0}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Flush{})
	got := c.until(9)
	expectFlow(t, got, "ParseComplete", "ParameterDescription([])", "RowDescription(i:20/0,s:25/0)",
		"BindComplete", "RowDescription(i:20/1,s:25/0)",
		"DataRow(\x00\x00\x00\x00\x00\x00\x00\x00,row-0)", "DataRow(\x00\x00\x00\x00\x00\x00\x00\x01,row-1)", "PortalSuspended",
		"DataRow(\x00\x00\x00\x00\x00\x00\x00\x02,row-2)")
	c.send(&pgproto3.Execute{Portal: "p1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "DataRow(\x00\x00\x00\x00\x00\x00\x00\x03,row-3)", "PortalSuspended",
		"DataRow(\x00\x00\x00\x00\x00\x00\x00\x04,row-4)", "CommandComplete(SELECT 5)", "Ready(I)")
	if n := strings.Count(strings.Join(fb.log(), "|"), "rows 5"); n != 1 {
		t.Errorf("suspended portal re-ran the query: %d runs", n)
	}

	// After an error everything up to Sync is skipped.
	c.send(&pgproto3.Parse{Query: "fail"}, &pgproto3.Bind{}, &pgproto3.Execute{},
		&pgproto3.Parse{Name: "never", Query: "rows 1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "Error(ERROR 42601)", "Ready(I)")
	c.send(&pgproto3.Describe{ObjectType: 'S', Name: "never"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 26000)", "Ready(I)")

	// Statements survive Sync; portals do not; Close works and is idempotent.
	c.send(&pgproto3.Bind{DestinationPortal: "p2", PreparedStatement: "s1"}, &pgproto3.Execute{Portal: "p2", MaxRows: 1}, &pgproto3.Sync{},
		&pgproto3.Execute{Portal: "p2"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "BindComplete", "DataRow(0,row-0)", "PortalSuspended", "Ready(I)")
	expectFlow(t, c.until(0), "Error(ERROR 34000)", "Ready(I)")
	c.send(&pgproto3.Close{ObjectType: 'S', Name: "s1"}, &pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "CloseComplete", "CloseComplete", "Error(ERROR 26000)", "Ready(I)")

	// Multiple statements cannot be prepared; a duplicate name is an error.
	c.send(&pgproto3.Parse{Query: "rows 1; rows 2"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 42601)", "Ready(I)")
	c.send(&pgproto3.Parse{Name: "d", Query: "rows 1"}, &pgproto3.Parse{Name: "d", Query: "rows 1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "Error(ERROR 42P05)", "Ready(I)")

	// Empty statement, statement without rows.
	c.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{},
		&pgproto3.Parse{Query: "nothing"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "NoData", "EmptyQueryResponse",
		"ParseComplete", "BindComplete", "NoData", "CommandComplete(CREATE TABLE)", "Ready(I)")
}

func TestExtendedParameters(t *testing.T) {
	_, fb, addr := startFake(t)
	fb.echoTypes = []string{"INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "BLOB", "DATE", "TIMESTAMP", "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE"}
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Parse{Name: "e", Query: "echo"}, &pgproto3.Describe{ObjectType: 'S', Name: "e"}, &pgproto3.Sync{})
	got := c.until(0)
	if got[1] != "ParameterDescription([23 20 701 16 25 17 1082 1114 1700 1184])" {
		t.Fatalf("parameter types: %s", got[1])
	}
	be := binary.BigEndian
	// Binary parameters of each type, text results.
	num, _ := appendNumeric(nil, "-1234.50")
	params := [][]byte{
		be.AppendUint32(nil, 7), be.AppendUint64(nil, 1<<40), be.AppendUint64(nil, 0x4004000000000000), {1},
		[]byte("txt"), {0, 0xff}, be.AppendUint32(nil, 9191), be.AppendUint64(nil, 1_000_000),
		num, be.AppendUint64(nil, 2_000_000),
	}
	c.send(&pgproto3.Bind{PreparedStatement: "e", ParameterFormatCodes: []int16{1}, Parameters: params}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "BindComplete",
		`DataRow(7,1099511627776,2.5,t,txt,\x00ff,2025-03-01,2000-01-01 00:00:01,-1234.50,2000-01-01 00:00:02+00)`,
		"CommandComplete(SELECT 1)", "Ready(I)")
	// The same in text format, with a NULL.
	text := [][]byte{[]byte("7"), []byte("1099511627776"), []byte("2.5"), []byte("true"), nil, []byte(`\x00ff`),
		[]byte("2025-03-01"), []byte("2000-01-01 00:00:01"), []byte("-1234.50"), []byte("2000-01-01 02:00:02+02")}
	c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: text}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "BindComplete",
		`DataRow(7,1099511627776,2.5,t,NULL,\x00ff,2025-03-01,2000-01-01 00:00:01,-1234.50,2000-01-01 00:00:02+00)`,
		"CommandComplete(SELECT 1)", "Ready(I)")
	// Bad values and counts are errors, not crashes.
	c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: text[:2]}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 08P01)", "Ready(I)")
	bad := slices.Clone(text)
	bad[0] = []byte("seven")
	c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: bad}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 22P02)", "Ready(I)")
	// Dates as JDBC's setDate ("2025-03-01 +02") and pgx without a type
	// send them: the time and zone are ignored, as in Postgres.
	for _, d := range []string{"2025-03-01 +02", "2025-03-01 -05:30", "2025-03-01 00:00:00Z", "2025-03-01T23:59:59+01:00", "2025-03-01 23:00:00.5"} {
		dates := slices.Clone(text)
		dates[6] = []byte(d)
		c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: dates}, &pgproto3.Execute{}, &pgproto3.Sync{})
		if got := c.until(0); len(got) != 4 || !strings.Contains(got[1], ",2025-03-01,") {
			t.Errorf("date %q: %q", d, got)
		}
	}
	bad[0], bad[6] = []byte("7"), []byte("2025-03-01 noon")
	c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: bad}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 22P02)", "Ready(I)")
	// Text with a NUL, or not UTF-8, is refused as Postgres refuses it
	// (the engine cut "a\x00b" to "a").
	for _, s := range []string{"a\x00b", "a\xffb"} {
		texts, bins := slices.Clone(text), slices.Clone(params)
		texts[4], bins[4] = []byte(s), []byte(s)
		c.send(&pgproto3.Bind{PreparedStatement: "e", Parameters: texts}, &pgproto3.Sync{})
		expectFlow(t, c.until(0), "Error(ERROR 22021)", "Ready(I)")
		c.send(&pgproto3.Bind{PreparedStatement: "e", ParameterFormatCodes: []int16{1}, Parameters: bins}, &pgproto3.Sync{})
		expectFlow(t, c.until(0), "Error(ERROR 22021)", "Ready(I)")
	}
	badBin := slices.Clone(params)
	badBin[0] = []byte{1}
	c.send(&pgproto3.Bind{PreparedStatement: "e", ParameterFormatCodes: []int16{1}, Parameters: badBin}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 22023)", "Ready(I)")
}

func TestBinaryResults(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Parse{Query: "types"}, &pgproto3.Bind{ResultFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	var row *pgproto3.DataRow
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := msg.(*pgproto3.DataRow); ok {
			row = &pgproto3.DataRow{Values: slices.Clone(m.Values)}
			for i := range row.Values {
				row.Values[i] = slices.Clone(m.Values[i])
			}
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); ok {
			t.Fatalf("error %s: %s", e.Code, e.Message)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if row == nil {
		t.Fatal("no DataRow")
	}
	v := row.Values
	be := binary.BigEndian
	check := func(i int, want []byte) {
		t.Helper()
		if !slices.Equal(v[i], want) {
			t.Errorf("column %s binary = %x, want %x", typesCols[i].Name, v[i], want)
		}
	}
	check(0, []byte{1})
	check(1, be.AppendUint16(nil, uint16(0xfffe)))
	check(2, be.AppendUint32(nil, 40000))
	i8 := int64(-9000000000)
	check(3, be.AppendUint64(nil, uint64(i8)))
	check(5, be.AppendUint32(nil, 0x3fc00000))
	check(6, be.AppendUint64(nil, 0x4002000000000000))
	num, _ := appendNumeric(nil, "-12.340")
	check(7, num)
	check(8, []byte("héllo"))
	check(9, []byte{0, 1, 0xfe})
	check(10, be.AppendUint32(nil, uint32(8825))) // 2024-02-29 - 2000-01-01 in days
	check(11, be.AppendUint64(nil, uint64(8825*86400_000000+(13*3600+4*60+5)*1_000000+123456)))
	check(13, be.AppendUint32(be.AppendUint32(be.AppendUint64(nil, 3723500000), 3), 14))
	check(14, []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0})
	// int4[] {1,NULL,3}: one dimension, has NULLs, element int4, 3 from 1.
	check(16, hexBytes(t, "00000001 00000001 00000017 00000003 00000001 00000004 00000001 ffffffff 00000004 00000003"))
	if v[17] != nil {
		t.Errorf("NULL column = %x, want NULL", v[17])
	}
	if v[18] == nil || len(v[18]) != 0 {
		t.Errorf("empty string column = %v, want empty non-NULL", v[18])
	}
	if s, err := decodeNumeric(v[4]); err != nil || s != "1180591620717411303424" {
		t.Errorf("hugeint numeric = %q, %v", s, err)
	}
}

func TestNumericRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "10000", "12345.6789", "-0.0001", "0.00012", "99999999999999999999.99", "1180591620717411303424", "1.50", "NaN", "0.000"} {
		b, err := appendNumeric(nil, s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, err := decodeNumeric(b)
		if err != nil || got != s {
			t.Errorf("numeric %q round trip = %q, %v", s, got, err)
		}
	}
	if _, err := appendNumeric(nil, "1e5x"); err == nil {
		t.Error("bad numeric accepted")
	}
}

func TestCancelRequest(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "sleep"})
	time.Sleep(100 * time.Millisecond)
	// A wrong secret does nothing.
	cancelRaw(t, addr, c.pid, []byte{c.secret[0] ^ 1, c.secret[1], c.secret[2], c.secret[3]})
	time.Sleep(100 * time.Millisecond)
	cancelRaw(t, addr, c.pid, c.secret)
	expectFlow(t, c.until(0), "Error(ERROR 57014)", "Ready(I)")
	// The connection still works.
	c.send(&pgproto3.Query{String: "rows 1"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)", "CommandComplete(SELECT 1)", "Ready(I)")
}

func cancelRaw(t *testing.T, addr string, pid uint32, secret []byte) {
	t.Helper()
	nc := dialRaw(t, addr)
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.CancelRequest{ProcessID: pid, SecretKey: secret})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if n, _ := nc.Read(b[:]); n != 0 {
		t.Errorf("server answered a CancelRequest with %q", b[:n])
	}
}

func TestCloseCancelsAndWaits(t *testing.T) {
	srv, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	idle := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "sleep"})
	time.Sleep(100 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	got := c.until(1)
	if got[0] != "Error(ERROR 57P01)" {
		t.Errorf("running query on shutdown: %q", got)
	}
	if got := idle.until(1); got[0] != "Error(FATAL 57P01)" {
		t.Errorf("idle connection on shutdown: %q", got)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.sessions != 2 || fb.closed != 2 {
		t.Errorf("sessions opened %d closed %d", fb.sessions, fb.closed)
	}
}

func TestTerminateClosesSession(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Terminate{})
	var b [1]byte
	if n, err := c.nc.Read(b[:]); n != 0 || err == nil {
		t.Fatalf("after Terminate read %d, %v; want EOF", n, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fb.mu.Lock()
		closed := fb.closed
		fb.mu.Unlock()
		if closed == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("session not closed after Terminate")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serveConfig serves cfg on a loopback port until the test ends.
func serveConfig(t *testing.T, cfg Config) string {
	t.Helper()
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestPasswordCheck(t *testing.T) {
	addr := serveConfig(t, Config{Backend: &fakeBackend{}, CheckPassword: func(u, p string) bool { return p == "sesame" }})
	for _, tc := range []struct{ pw, want string }{{"wrong", "28P01"}, {"sesame", ""}} {
		nc := dialRaw(t, addr)
		fe := pgproto3.NewFrontend(nc, nc)
		fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
		_ = fe.Flush()
		msg, err := fe.Receive()
		if _, ok := msg.(*pgproto3.AuthenticationCleartextPassword); err != nil || !ok {
			t.Fatalf("want a password request, got %T %v", msg, err)
		}
		fe.Send(&pgproto3.PasswordMessage{Password: tc.pw})
		_ = fe.Flush()
		msg, err = fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if tc.want != "" {
			if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Code != tc.want {
				t.Errorf("password %q: got %#v", tc.pw, msg)
			}
		} else if _, ok := msg.(*pgproto3.AuthenticationOk); !ok {
			t.Errorf("password %q: got %T, want AuthenticationOk", tc.pw, msg)
		}
	}
}

// TestCursors: DECLARE, FETCH, MOVE and CLOSE as psql's FETCH_COUNT and
// psycopg2's named cursors send them; the query runs once.
func TestCursors(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "DECLARE c CURSOR FOR rows 5"})
	expectFlow(t, c.until(0), "Error(ERROR 25P01)", "Ready(I)")

	c.send(&pgproto3.Query{String: "begin"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Ready(T)")
	c.send(&pgproto3.Query{String: "DECLARE _psql_cursor NO SCROLL CURSOR FOR\nrows 5"})
	expectFlow(t, c.until(0), "CommandComplete(DECLARE CURSOR)", "Ready(T)")
	c.send(&pgproto3.Query{String: "FETCH FORWARD 2 FROM _psql_cursor"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(0,row-0)", "DataRow(1,row-1)", "CommandComplete(FETCH 2)", "Ready(T)")
	c.send(&pgproto3.Query{String: "MOVE 1 IN _PSQL_CURSOR"})
	expectFlow(t, c.until(0), "CommandComplete(MOVE 1)", "Ready(T)")
	c.send(&pgproto3.Query{String: `FETCH ALL "_psql_cursor"`})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "DataRow(3,row-3)", "DataRow(4,row-4)", "CommandComplete(FETCH 2)", "Ready(T)")
	c.send(&pgproto3.Query{String: "FETCH NEXT FROM _psql_cursor"})
	expectFlow(t, c.until(0), "RowDescription(i:20/0,s:25/0)", "CommandComplete(FETCH 0)", "Ready(T)")
	c.send(&pgproto3.Query{String: "CLOSE _psql_cursor"})
	expectFlow(t, c.until(0), "CommandComplete(CLOSE CURSOR)", "Ready(T)")
	c.send(&pgproto3.Query{String: "FETCH 1 FROM _psql_cursor"})
	expectFlow(t, c.until(0), "Error(ERROR 34000)", "Ready(E)")
	c.send(&pgproto3.Query{String: "rollback"})
	expectFlow(t, c.until(0), "CommandComplete(ROLLBACK)", "Ready(I)")
	if n := strings.Count(strings.Join(fb.log(), "|"), "rows 5"); n != 1 {
		t.Errorf("the cursor's query ran %d times", n)
	}

	// The end of the transaction closes cursors, except WITH HOLD ones;
	// FETCH works through the extended protocol too (psycopg 3).
	c.send(&pgproto3.Query{String: "begin; DECLARE a CURSOR FOR rows 3; DECLARE \"B\" CURSOR WITH HOLD FOR rows 3; commit"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "CommandComplete(DECLARE CURSOR)", "CommandComplete(DECLARE CURSOR)", "CommandComplete(COMMIT)", "Ready(I)")
	c.send(&pgproto3.Query{String: "FETCH 1 FROM a"})
	expectFlow(t, c.until(0), "Error(ERROR 34000)", "Ready(I)")
	c.send(&pgproto3.Parse{Query: `FETCH FORWARD 5 FROM "B"`}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{},
		&pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "ParameterDescription([])", "RowDescription(i:20/0,s:25/0)", "BindComplete",
		"DataRow(0,row-0)", "DataRow(1,row-1)", "DataRow(2,row-2)", "CommandComplete(FETCH 3)", "Ready(I)")
	c.send(&pgproto3.Query{String: "FETCH BACKWARD 1 FROM \"B\"; CLOSE ALL; FETCH 1 FROM \"B\""})
	expectFlow(t, c.until(0), "Error(ERROR 55000)", "Ready(I)")
	c.send(&pgproto3.Query{String: "CLOSE ALL; FETCH 1 FROM \"B\""})
	expectFlow(t, c.until(0), "CommandComplete(CLOSE CURSOR ALL)", "Error(ERROR 34000)", "Ready(I)")
}

// TestSessionResetStatements: what pools send between clients succeeds
// and resets pgwire's own state (settings, prepared statements, cursors),
// passing RESET ALL, DISCARD ALL and DEALLOCATE ALL on to the engine.
func TestSessionResetStatements(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "SET application_name = 'app'; SET statement_timeout = 50"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=app)", "CommandComplete(SET)", "CommandComplete(SET)", "Ready(I)")
	c.send(&pgproto3.Parse{Name: "s1", Query: "rows 1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "Ready(I)")
	c.send(&pgproto3.Query{String: "RESET ALL; SHOW statement_timeout; SHOW application_name"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=)", "CommandComplete(RESET)",
		"RowDescription(statement_timeout:25/0)", "DataRow(0)", "CommandComplete(SHOW)",
		"RowDescription(application_name:25/0)", "DataRow()", "CommandComplete(SHOW)", "Ready(I)")
	c.send(&pgproto3.Query{String: "DEALLOCATE s1"})
	expectFlow(t, c.until(0), "CommandComplete(DEALLOCATE)", "Ready(I)")
	c.send(&pgproto3.Parse{Name: "s2", Query: "rows 1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "Ready(I)")
	c.send(&pgproto3.Query{String: "DEALLOCATE ALL"})
	expectFlow(t, c.until(0), "CommandComplete(DEALLOCATE ALL)", "Ready(I)")
	c.send(&pgproto3.Bind{PreparedStatement: "s2"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 26000)", "Ready(I)")

	// pgbouncer's server_reset_query, in and out of a transaction.
	c.send(&pgproto3.Query{String: "begin; DECLARE c CURSOR WITH HOLD FOR rows 3; commit; SET application_name = 'b'"})
	c.until(0)
	c.send(&pgproto3.Parse{Name: "s3", Query: "rows 1"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "Ready(I)")
	c.send(&pgproto3.Query{String: "begin; DISCARD ALL"})
	expectFlow(t, c.until(0), "CommandComplete(BEGIN)", "Error(ERROR 25001)", "Ready(E)")
	c.send(&pgproto3.Query{String: "rollback"})
	c.until(0)
	c.send(&pgproto3.Query{String: "DISCARD ALL"})
	expectFlow(t, c.until(0), "ParameterStatus(application_name=)", "CommandComplete(DISCARD ALL)", "Ready(I)")
	c.send(&pgproto3.Query{String: "FETCH c"})
	expectFlow(t, c.until(0), "Error(ERROR 34000)", "Ready(I)")
	c.send(&pgproto3.Bind{PreparedStatement: "s3"}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "Error(ERROR 26000)", "Ready(I)")

	// The rest of the usual reset queries, simple and extended.
	c.send(&pgproto3.Query{String: "CLOSE ALL; UNLISTEN *; SET SESSION AUTHORIZATION DEFAULT; RESET SESSION AUTHORIZATION; " +
		"SET SESSION AUTHORIZATION rheo; SELECT pg_advisory_unlock_all(); DISCARD TEMP"})
	expectFlow(t, c.until(0), "CommandComplete(CLOSE CURSOR ALL)", "CommandComplete(UNLISTEN)", "CommandComplete(SET)",
		"CommandComplete(RESET)", "CommandComplete(SET)", "RowDescription(pg_advisory_unlock_all:25/0)", "DataRow()",
		"CommandComplete(SELECT 1)", "CommandComplete(DISCARD TEMP)", "Ready(I)")
	c.send(&pgproto3.Query{String: "SET SESSION AUTHORIZATION other"})
	expectFlow(t, c.until(0), "Error(ERROR 0A000)", "Ready(I)")
	c.send(&pgproto3.Parse{Query: "DISCARD ALL"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "NoData", "CommandComplete(DISCARD ALL)", "Ready(I)")

	want := []string{"RESET ALL", "DEALLOCATE ALL", "DISCARD ALL", "DISCARD TEMP", "DISCARD ALL"}
	var got []string
	for _, q := range fb.log() {
		if f := strings.Fields(q); len(f) > 0 && slices.Contains([]string{"RESET", "DEALLOCATE", "DISCARD"}, f[0]) {
			got = append(got, q)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("passed to the engine: %q, want %q", got, want)
	}
}

// TestSessionFunctions: current_setting of pgwire's parameters,
// set_config and pg_backend_pid answer as SET, SHOW and BackendKeyData do;
// current_setting of other names reaches the engine.
func TestSessionFunctions(t *testing.T) {
	_, fb, addr := startFake(t)
	c := connect(t, addr, "rheo")
	pid := fmt.Sprint(c.pid)
	c.send(&pgproto3.Query{String: "SELECT pg_backend_pid(); SELECT set_config('application_name', 'it''s', false); " +
		"SELECT current_setting('application_name'); SELECT pg_catalog.current_setting('server_version_num', true); " +
		"SELECT set_config('statement_timeout', '1500', false)"})
	expectFlow(t, c.until(0), "RowDescription(pg_backend_pid:23/0)", "DataRow("+pid+")", "CommandComplete(SELECT 1)",
		"ParameterStatus(application_name=it's)", "RowDescription(set_config:25/0)", "DataRow(it's)", "CommandComplete(SELECT 1)",
		"RowDescription(current_setting:25/0)", "DataRow(it's)", "CommandComplete(SELECT 1)",
		"RowDescription(current_setting:25/0)", "DataRow(150000)", "CommandComplete(SELECT 1)",
		"RowDescription(set_config:25/0)", "DataRow(1500ms)", "CommandComplete(SELECT 1)", "Ready(I)")
	// Extended protocol, and inside a larger statement, which the engine runs.
	c.send(&pgproto3.Parse{Query: "SELECT pg_backend_pid()"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete", "RowDescription(pg_backend_pid:23/0)", "DataRow("+pid+")",
		"CommandComplete(SELECT 1)", "Ready(I)")
	c.send(&pgproto3.Query{String: "nothing current_setting('application_name') pg_backend_pid()"})
	c.until(0)
	if q := fb.log(); len(q) == 0 || q[len(q)-1] != "nothing (SELECT 'it''s' AS current_setting) (SELECT CAST("+pid+" AS INTEGER) AS pg_backend_pid)" {
		t.Errorf("engine got %q", q)
	}
}

// TestTimeZone: timestamptz values are rendered in the session's
// TimeZone, which the client learns from ParameterStatus when it changes.
func TestTimeZone(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	if c.params["TimeZone"] != "UTC" {
		t.Errorf("start-up TimeZone %q", c.params["TimeZone"])
	}
	c.send(&pgproto3.Query{String: "SET TimeZone = 'Europe/Paris'"})
	expectFlow(t, c.until(0), "ParameterStatus(TimeZone=Europe/Paris)", "CommandComplete(SET)", "Ready(I)")
	c.send(&pgproto3.Query{String: "types"})
	if got := c.until(0)[1]; !strings.Contains(got, ",2024-02-29 14:04:05+01,") {
		t.Errorf("Europe/Paris: %s", got)
	}
	c.send(&pgproto3.Query{String: "SET TimeZone = 'Asia/Kolkata'"})
	c.until(0)
	c.send(&pgproto3.Query{String: "types"})
	if got := c.until(0)[1]; !strings.Contains(got, ",2024-02-29 18:34:05+05:30,") {
		t.Errorf("Asia/Kolkata: %s", got)
	}
	c.send(&pgproto3.Query{String: "SET TimeZone = 'America/St_Johns'"})
	c.until(0)
	c.send(&pgproto3.Query{String: "types"})
	if got := c.until(0)[1]; !strings.Contains(got, ",2024-02-29 09:34:05-03:30,") {
		t.Errorf("America/St_Johns: %s", got)
	}
}

// TestClientEncodingUTF8Only: rheo speaks UTF-8 only, so it takes
// Postgres's spellings of UTF8 and refuses other encodings rather than
// accept them and send UTF-8 anyway.
func TestClientEncodingUTF8Only(t *testing.T) {
	_, _, addr := startFake(t)
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "SET client_encoding = 'utf-8'; SET client_encoding TO unicode; SET NAMES 'UTF8'; SHOW client_encoding"})
	expectFlow(t, c.until(0), "ParameterStatus(client_encoding=UTF8)", "CommandComplete(SET)",
		"ParameterStatus(client_encoding=UTF8)", "CommandComplete(SET)", "ParameterStatus(client_encoding=UTF8)", "CommandComplete(SET)",
		"RowDescription(client_encoding:25/0)", "DataRow(UTF8)", "CommandComplete(SHOW)", "Ready(I)")
	for _, q := range []string{"SET client_encoding = 'LATIN1'", "SET NAMES 'win1252'"} {
		c.send(&pgproto3.Query{String: q})
		expectFlow(t, c.until(0), "Error(ERROR 0A000)", "Ready(I)")
	}
	c.send(&pgproto3.Query{String: "SET client_encoding = 'bogus'"})
	expectFlow(t, c.until(0), "Error(ERROR 22023)", "Ready(I)")
}

// TestTimestamptzParamInSessionZone: a text timestamptz parameter without
// an offset is a wall-clock time in the session's TimeZone, as in
// Postgres (pgx and JDBC send strings so); one with an offset is that
// instant; a timestamp parameter stays a wall clock.
func TestTimestamptzParamInSessionZone(t *testing.T) {
	_, fb, addr := startFake(t)
	fb.echoTypes = []string{"TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP"}
	c := connect(t, addr, "rheo")
	c.send(&pgproto3.Query{String: "SET TimeZone = 'Europe/Paris'"})
	c.until(0)
	params := [][]byte{[]byte("2024-07-01 10:00:00"), []byte("2024-01-01"), []byte("2024-01-01 10:00:00Z"), []byte("2024-01-01 10:00:00")}
	c.send(&pgproto3.Parse{Query: "echo"}, &pgproto3.Bind{Parameters: params}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectFlow(t, c.until(0), "ParseComplete", "BindComplete",
		"DataRow(2024-07-01 10:00:00+02,2024-01-01 00:00:00+01,2024-01-01 11:00:00+01,2024-01-01 10:00:00)",
		"CommandComplete(SELECT 1)", "Ready(I)")
}

// TestBackendPIDStaysInt4: process ids are Int32 in the protocol and
// pg_backend_pid() is an integer, as in Postgres; past 2^31-1 they start
// again at 1 rather than turn negative.
func TestBackendPIDStaysInt4(t *testing.T) {
	srv, _, addr := startFake(t)
	srv.mu.Lock()
	srv.nextPID = math.MaxInt32
	srv.mu.Unlock()
	c := connect(t, addr, "rheo")
	if c.pid != 1 {
		t.Errorf("pid after %d = %d, want 1", math.MaxInt32, c.pid)
	}
}

// hexBytes decodes hex with spaces between groups.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A start-up setting that cannot be applied fails the connection with
// FATAL, and the session opened for it is closed, not leaked (each such
// login kept a DuckDB connection open until rheo stopped).
func TestStartupSettingErrorClosesSession(t *testing.T) {
	_, fb, addr := startFake(t)
	for _, opts := range []string{"-c no_such=1", "-c statement_timeout=soon"} {
		nc := dialRaw(t, addr)
		fe := pgproto3.NewFrontend(nc, nc)
		fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
			Parameters: map[string]string{"user": "u", "database": "rheo", "options": opts}})
		_ = fe.Flush()
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Severity != "FATAL" {
			t.Fatalf("%s: got %#v, want FATAL", opts, msg)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fb.mu.Lock()
		opened, closed := fb.sessions, fb.closed
		fb.mu.Unlock()
		if closed == opened {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions opened, %d closed", opened, closed)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
