package pgwire

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// encodeMsgs is the bytes a client sends for msgs.
func encodeMsgs(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b, _ = m.Encode(b)
	}
	return b
}

// FuzzMessages feeds arbitrary bytes after a valid start-up. The
// connection must neither panic nor hang: it ends within the deadline
// once the client stops sending, and the session is always closed.
func FuzzMessages(f *testing.F) {
	f.Add(encodeMsgs(&pgproto3.Query{String: "rows 3; fail"}))
	f.Add(encodeMsgs(&pgproto3.Parse{Name: "a", Query: "echo", ParameterOIDs: []uint32{23, 0}},
		&pgproto3.Bind{PreparedStatement: "a", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 1}, {1}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(encodeMsgs(&pgproto3.Parse{Query: "types"}, &pgproto3.Bind{ResultFormatCodes: []int16{1, 0, 1}}, &pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{}))
	f.Add(encodeMsgs(&pgproto3.Query{String: "copyin"}, &pgproto3.CopyData{Data: []byte("a\tb\n")}, &pgproto3.Sync{}, &pgproto3.CopyDone{}))
	f.Add(encodeMsgs(&pgproto3.Query{String: "copyin"}, &pgproto3.CopyData{Data: []byte("a")}, &pgproto3.Query{String: "rows 1"}))
	f.Add(encodeMsgs(&pgproto3.Query{String: "copyout 3"}, &pgproto3.CopyFail{Message: "x"}))
	f.Add([]byte{'Q', 0, 0, 0, 3})
	f.Add([]byte{'B', 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{'X', 0, 0, 0, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fakeBackend{echoTypes: []string{"INTEGER", "VARCHAR"}}
		fuzzConn(t, Config{Backend: fb, Split: splitSemicolons, MaxMessageSize: 1 << 20}, data)
		fb.mu.Lock()
		defer fb.mu.Unlock()
		if fb.sessions != fb.closed {
			t.Fatalf("%d sessions opened, %d closed", fb.sessions, fb.closed)
		}
	})
}

// fuzzConn serves one connection that sends a start-up message and then
// data, and fails if the connection does not end once the client closes.
func fuzzConn(t *testing.T, cfg Config, data []byte) {
	start, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "fuzz"}}).Encode(nil)
	fuzzRaw(t, cfg, start, data)
}

// fuzzRaw serves one connection whose client writes each of chunks and
// closes, and fails if the connection does not end then.
func fuzzRaw(t *testing.T, cfg Config, chunks ...[]byte) {
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.serveConn(server)
	}()
	go func() { _, _ = io.Copy(io.Discard, client) }()
	_ = client.SetWriteDeadline(time.Now().Add(5 * time.Second))
	for _, c := range chunks {
		_, _ = client.Write(c)
	}
	client.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("connection did not end after the client closed (TLS %v); input %x", cfg.TLS != nil, chunks[len(chunks)-1])
	}
}

// FuzzSCRAM feeds arbitrary bytes to a server waiting for the SCRAM
// exchange: whatever arrives, the connection ends without a panic or a
// hang, and no session opens without the password.
func FuzzSCRAM(f *testing.F) {
	f.Add(encodeMsgs(&pgproto3.SASLInitialResponse{AuthMechanism: scramMechanism, Data: []byte("n,,n=,r=abcdef")}))
	f.Add(encodeMsgs(&pgproto3.SASLInitialResponse{AuthMechanism: scramMechanism, Data: []byte("n,,n=,r=abcdef")},
		&pgproto3.SASLResponse{Data: []byte("c=biws,r=abcdef,p=AAAA")}))
	f.Add(encodeMsgs(&pgproto3.SASLInitialResponse{AuthMechanism: "PLAIN", Data: []byte("\x00u\x00p")}))
	f.Add([]byte{'p', 0, 0, 0, 4})
	f.Add([]byte{'p', 0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fakeBackend{}
		fuzzConn(t, Config{Backend: fb, MaxMessageSize: 1 << 20, Password: func(string) (string, bool) { return "pw", true }}, data)
		fb.mu.Lock()
		defer fb.mu.Unlock()
		if fb.sessions != 0 {
			t.Fatalf("a session opened without the password; input %x", data)
		}
	})
}

// FuzzStartup feeds arbitrary bytes as a connection's very first ones,
// where encryption requests, start-up and cancel messages are told apart,
// with TLS on and off: the connection ends without a panic or a hang.
func FuzzStartup(f *testing.F) {
	req := func(code uint32) []byte {
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), code)
	}
	start, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "fuzz"}}).Encode(nil)
	f.Add(req(sslRequestCode))
	f.Add(append(req(sslRequestCode), start...))
	f.Add(append(req(gssEncRequestCode), append(req(sslRequestCode), 0x16, 3, 1, 0, 5)...))
	f.Add(start)
	withOpts, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "fuzz", "options": `-c TimeZone=UTC --statement-timeout=5s -cx.y=a\ b`, "search_path": "main"}}).Encode(nil)
	f.Add(withOpts)
	f.Add([]byte{0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 2}) // CancelRequest
	f.Add([]byte{0, 0, 0, 7, 0, 3, 0})
	cert := testTLS(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tc := range []*tls.Config{nil, cert} {
			fuzzRaw(t, Config{Backend: &fakeBackend{}, MaxMessageSize: 1 << 20, TLS: tc, StartupTimeout: 5 * time.Second}, data)
		}
	})
}
