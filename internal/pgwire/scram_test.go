package pgwire

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// startSCRAM serves the fake backend with SCRAM-SHA-256 for one user.
func startSCRAM(t *testing.T) string {
	t.Helper()
	return serveConfig(t, Config{Backend: &fakeBackend{}, Split: splitSemicolons, Password: func(u string) (string, bool) {
		if u == "AKIDANALYST" {
			return "analyst-secret", true
		}
		return "", false
	}})
}

// TestSCRAMWithPgx logs in with pgx (SCRAM-SHA-256, as libpq and JDBC do)
// and checks wrong passwords and unknown users fail alike with 28P01.
func TestSCRAMWithPgx(t *testing.T) {
	addr := startSCRAM(t)
	connect := func(user, pw string) (*pgx.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return pgx.Connect(ctx, "postgres://"+user+":"+pw+"@"+addr+"/rheo?sslmode=disable")
	}
	for i := 0; i < 2; i++ { // the second login uses the cached keys
		conn, err := connect("AKIDANALYST", "analyst-secret")
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
		var n int64
		var v string
		if err := conn.QueryRow(context.Background(), "rows 1").Scan(&n, &v); err != nil {
			t.Fatalf("query after login: %v", err)
		}
		conn.Close(context.Background())
	}
	for _, tc := range []struct{ user, pw string }{{"AKIDANALYST", "wrong"}, {"AKIDNOBODY", "analyst-secret"}, {"AKIDANALYST", ""}} {
		_, err := connect(tc.user, tc.pw)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" || !strings.Contains(pe.Message, `password authentication failed for user "`+tc.user+`"`) {
			t.Errorf("%s / %q: got %v, want 28P01 password authentication failed", tc.user, tc.pw, err)
		}
	}
}

// TestSCRAMWithPsql logs in with the real psql (libpq).
func TestSCRAMWithPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	addr := startSCRAM(t)
	host, port, _ := net.SplitHostPort(addr)
	run := func(pw string) (string, error) {
		cmd := exec.Command("psql", "-h", host, "-p", port, "-U", "AKIDANALYST", "-d", "rheo", "-w", "-XAtc", "rows 1")
		cmd.Env = append(os.Environ(), "PGPASSWORD="+pw, "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("analyst-secret"); err != nil {
		t.Fatalf("psql with the right password: %v\n%s", err, out)
	}
	out, err := run("nope")
	if err == nil || !strings.Contains(out, `password authentication failed for user "AKIDANALYST"`) {
		t.Fatalf("psql with a wrong password: %v\n%s", err, out)
	}
}

// TestSCRAMBadExchange sends what a confused or hostile client might: the
// wrong mechanism, garbage in place of SCRAM messages, a forged proof.
func TestSCRAMBadExchange(t *testing.T) {
	addr := startSCRAM(t)
	for _, tc := range []struct {
		name      string
		mech      string
		first     string
		final     string // sent if the server continues
		wantCode  string
		wantFinal bool
	}{
		{name: "mechanism", mech: "SCRAM-SHA-1", first: "n,,n=,r=abc", wantCode: "08P01"},
		{name: "garbage first", mech: scramMechanism, first: "\x00\xff", wantCode: "28P01"},
		{name: "channel binding required", mech: scramMechanism, first: "p=tls-server-end-point,,n=,r=abc", wantCode: "28P01"},
		{name: "forged proof", mech: scramMechanism, first: "n,,n=,r=abcdefgh", final: "c=biws,r=%s,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", wantCode: "28P01"},
		{name: "wrong nonce", mech: scramMechanism, first: "n,,n=,r=abcdefgh", final: "c=biws,r=zzz,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", wantCode: "28P01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := dialRaw(t, addr)
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			fe := pgproto3.NewFrontend(nc, nc)
			fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "AKIDANALYST"}})
			_ = fe.Flush()
			msg, err := fe.Receive()
			if a, ok := msg.(*pgproto3.AuthenticationSASL); err != nil || !ok || len(a.AuthMechanisms) != 1 || a.AuthMechanisms[0] != scramMechanism {
				t.Fatalf("want AuthenticationSASL offering %s, got %#v %v", scramMechanism, msg, err)
			}
			fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: tc.mech, Data: []byte(tc.first)})
			_ = fe.Flush()
			msg, err = fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if cont, ok := msg.(*pgproto3.AuthenticationSASLContinue); ok {
				nonce := strings.TrimPrefix(strings.Split(string(cont.Data), ",")[0], "r=")
				final := tc.final
				if strings.Contains(final, "%s") {
					final = strings.Replace(final, "%s", nonce, 1)
				}
				fe.Send(&pgproto3.SASLResponse{Data: []byte(final)})
				_ = fe.Flush()
				if msg, err = fe.Receive(); err != nil {
					t.Fatal(err)
				}
			}
			if e, ok := msg.(*pgproto3.ErrorResponse); !ok || e.Code != tc.wantCode {
				t.Fatalf("got %#v, want error %s", msg, tc.wantCode)
			}
		})
	}
}
