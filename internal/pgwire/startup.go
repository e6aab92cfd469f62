package pgwire

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Connection start-up: encryption negotiation, the StartupMessage,
// authentication, and the first ReadyForQuery.

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
		c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: pe.Code, Message: pe.Message,
			Detail: pe.Detail, Hint: pe.Hint})
		return false, c.be.Flush()
	}
	c.sess = sess
	if v := sm.Parameters["application_name"]; v != "" {
		c.settings["application_name"] = v
	}
	c.tz = "UTC"
	if tz := sm.Parameters["TimeZone"]; tz != "" {
		// pgjdbc sends the JVM's zone; an engine that refuses it keeps its own.
		_ = sess.SetSetting(c.ctx, "TimeZone", tz)
	}
	if err := c.startupSettings(sm.Parameters); err != nil {
		c.srv.unregister(c)
		pe := toPGError(err, false)
		c.be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: pe.Code, Message: pe.Message})
		return false, c.be.Flush()
	}
	c.refreshTimeZone(c.ctx, false)
	c.be.Send(&pgproto3.AuthenticationOk{})
	for _, p := range [][2]string{
		{"server_version", c.srv.cfg.ServerVersion},
		{"server_encoding", "UTF8"},
		{"client_encoding", "UTF8"},
		{"DateStyle", "ISO, MDY"},
		{"IntervalStyle", "postgres"},
		{"integer_datetimes", "on"},
		{"standard_conforming_strings", "on"},
		{"TimeZone", c.tz},
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
	msg, err := c.authStep(&pgproto3.AuthenticationCleartextPassword{}, pgproto3.AuthTypeCleartextPassword, "password")
	if err != nil {
		return err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok || !check(c.user, pm.Password) {
		return c.passwordFailed(errors.New("wrong password"))
	}
	return nil
}

// authStep sends one authentication request and returns the client's
// answer; authType tells pgproto3 how to decode it, what names it in
// errors.
func (c *conn) authStep(req pgproto3.BackendMessage, authType uint32, what string) (pgproto3.FrontendMessage, error) {
	c.be.Send(req)
	if err := c.be.Flush(); err != nil {
		return nil, err
	}
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return nil, fmt.Errorf("receive %s: %w", what, err)
	}
	return msg, nil
}

// passwordFailed tells the client its login failed, in Postgres's words,
// and returns the error that ends the connection.
func (c *conn) passwordFailed(why error) error {
	c.fatal(codeInvalidPassword, fmt.Sprintf("password authentication failed for user %q", c.user))
	return fmt.Errorf("password authentication failed: %w", why)
}

// startupSettings applies the settings a client gives at start-up, as
// Postgres does: "-c name=value" (or "--name=value") in the options
// parameter, which libpq's options= and so psycopg2's and SQLAlchemy's
// connect_args={"options": "-c TimeZone=..."} send, then any other
// parameter of the start-up packet (pgx's RuntimeParams). A setting of
// options that cannot be applied fails the connection, as in Postgres;
// other parameters are applied where the engine takes them, as drivers
// send some rheo has no use for.
func (c *conn) startupSettings(params map[string]string) error {
	opts, err := splitStartupOptions(params["options"])
	if err != nil {
		return err
	}
	for _, o := range opts {
		if err := c.applyStartupSetting(o[0], o[1]); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(params))
	for k := range params {
		switch strings.ToLower(k) {
		case "user", "database", "options", "replication", "application_name", "timezone",
			"datestyle": // pgjdbc's "ISO": rheo writes ISO, MDY whatever is asked
			continue
		}
		if !strings.HasPrefix(k, "_pq_.") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		_ = c.applyStartupSetting(k, params[k])
	}
	return nil
}

// applyStartupSetting sets one parameter as SET would, without a reply.
func (c *conn) applyStartupSetting(name, value string) error {
	lname := strings.ToLower(name)
	if _, ok := pgOnlyParams[lname]; ok {
		in := setParam(lname, value, "SET")
		if in.err != nil {
			return in.err
		}
		c.settings[lname] = in.value
		if lname == "statement_timeout" {
			c.stmtTimeout, _ = parseMillis(in.value)
		}
		return nil
	}
	if _, ok := pgReadOnlyParams[lname]; ok {
		return nil
	}
	return c.sess.SetSetting(c.ctx, name, value)
}

// splitStartupOptions reads the options start-up parameter as Postgres
// does: arguments separated by white space, a backslash taking the next
// character as is, each "-c name=value" (also "-cname=value") or
// "--name=value"; a dash in a name is an underscore.
func splitStartupOptions(s string) ([][2]string, error) {
	var args []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
			continue
		case ch == '\\' && i+1 < len(s):
			i++
			ch = s[i]
		}
		cur.WriteByte(ch)
		inArg = true
	}
	if inArg {
		args = append(args, cur.String())
	}
	var out [][2]string
	for i := 0; i < len(args); i++ {
		a := args[i]
		var kv string
		switch {
		case a == "-c" && i+1 < len(args):
			i++
			kv = args[i]
		case strings.HasPrefix(a, "-c"):
			kv = a[2:]
		case strings.HasPrefix(a, "--"):
			kv = a[2:]
		default:
			return nil, &Error{Code: codeInvalidParamValue, Message: fmt.Sprintf("invalid command-line argument for server process: %s", a)}
		}
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, &Error{Code: codeSyntaxError, Message: fmt.Sprintf("-c %s requires a value", kv)}
		}
		out = append(out, [2]string{strings.ReplaceAll(name, "-", "_"), value})
	}
	return out, nil
}
