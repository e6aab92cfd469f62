package pgwire

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBackend answers a tiny language, enough to drive every protocol path:
//
//	rows N          N rows of (i BIGINT, s VARCHAR)
//	types           one row of many types
//	fail            an error with SQLSTATE 42601
//	sleep           blocks until its context ends
//	echo            returns $1.. as columns typed like ParamTypes
//	nothing         a statement without rows, tag "CREATE TABLE"
//	notice          no rows, one notice
//	begin/commit/rollback transaction tags
//	reset/discard/deallocate the session resets pgwire passes on
//	midfail         two rows, then an error from Err
type fakeBackend struct {
	mu       sync.Mutex
	sessions int
	closed   int
	queries  []string
	copied   []string // data of each copyin
	// echoTypes are the parameter types Describe reports for "echo".
	echoTypes []string
	// terminate holds each session's OnTerminate hook (Terminable);
	// rowsOpen counts results of "rows" not yet closed.
	terminate []func(error)
	rowsOpen  int
}

func (b *fakeBackend) NewSession(ctx context.Context, user, database string) (Session, error) {
	if user == "reject" {
		return nil, &Error{Code: "3D000", Message: fmt.Sprintf("database %q does not exist", database)}
	}
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	return &fakeSession{b: b}, nil
}

func (b *fakeBackend) log() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.queries...)
}

type fakeSession struct {
	b  *fakeBackend
	tz string // "SET TimeZone = 'x'" or SetSetting, read by Setting
}

// OnTerminate records the hook for the test to call (Terminable).
func (s *fakeSession) OnTerminate(f func(err error)) {
	s.b.mu.Lock()
	s.b.terminate = append(s.b.terminate, f)
	s.b.mu.Unlock()
}

func (s *fakeSession) Close() error {
	s.b.mu.Lock()
	s.b.closed++
	s.b.mu.Unlock()
	return nil
}

var typesCols = []Column{
	{"b", "BOOLEAN"}, {"i2", "SMALLINT"}, {"i4", "INTEGER"}, {"i8", "BIGINT"}, {"h", "HUGEINT"},
	{"f4", "FLOAT"}, {"f8", "DOUBLE"}, {"d", "DECIMAL(10,3)"}, {"s", "VARCHAR"}, {"blob", "BLOB"},
	{"day", "DATE"}, {"ts", "TIMESTAMP"}, {"tstz", "TIMESTAMP WITH TIME ZONE"}, {"iv", "INTERVAL"},
	{"u", "UUID"}, {"j", "JSON"}, {"l", "INTEGER[]"}, {"n", "VARCHAR"}, {"e", "VARCHAR"},
}

type fakeDecimal struct{ s string }

func (d fakeDecimal) String() string { return d.s }

type fakeInterval struct {
	Days   int32
	Months int32
	Micros int64
}

func typesRow() []any {
	return []any{
		true, int16(-2), int32(40000), int64(-9000000000), big.NewInt(0).Lsh(big.NewInt(1), 70),
		float32(1.5), 2.25, fakeDecimal{"-12.340"}, "héllo", []byte{0, 1, 0xfe},
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 13, 4, 5, 123456000, time.UTC),
		time.Date(2024, 2, 29, 13, 4, 5, 0, time.UTC), fakeInterval{Days: 3, Months: 14, Micros: 3723500000},
		[]byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0},
		map[string]any{"a": 1.0}, []any{int32(1), nil, int32(3)}, nil, "", // JSON: decoded, as duckdb-go gives it
	}
}

func (s *fakeSession) Describe(ctx context.Context, sql string) (*Description, error) {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return &Description{}, nil
	}
	switch strings.ToLower(f[0]) {
	case "rows", "midfail", "sleep":
		return &Description{Columns: []Column{{"i", "BIGINT"}, {"s", "VARCHAR"}}}, nil
	case "types":
		return &Description{Columns: typesCols}, nil
	case "echo":
		cols := make([]Column, len(s.b.echoTypes))
		for i, t := range s.b.echoTypes {
			cols[i] = Column{fmt.Sprintf("p%d", i+1), t}
		}
		return &Description{ParamTypes: s.b.echoTypes, Columns: cols}, nil
	case "fail":
		return nil, &Error{Code: "42601", Message: `syntax error at or near "fail"`}
	case "copytext":
		return &Description{Columns: []Column{{"n", "INTEGER"}, {"ok", "BOOLEAN"}, {"raw", "BLOB"}, {"s", "VARCHAR"}}}, nil
	}
	return &Description{}, nil
}

// Setting and SetSetting know only TimeZone, as pgwire uses them.
func (s *fakeSession) Setting(_ context.Context, name string) (string, error) {
	if name != "TimeZone" || s.tz == "" {
		return "", &Error{Code: "42704", Message: "no " + name}
	}
	return s.tz, nil
}

func (s *fakeSession) SetSetting(_ context.Context, name, value string) error {
	if name != "TimeZone" {
		return &Error{Code: "42704", Message: "no " + name}
	}
	s.tz = value
	return nil
}

func (s *fakeSession) Query(ctx context.Context, sql string, args ...any) (Rows, error) {
	if v, ok := strings.CutPrefix(sql, "SET TimeZone = "); ok {
		s.tz = strings.Trim(v, "'")
		return &fakeRows{tag: "SET"}, nil
	}
	s.b.mu.Lock()
	s.b.queries = append(s.b.queries, strings.TrimSpace(sql))
	s.b.mu.Unlock()
	f := strings.Fields(skipComments(sql)) // as the engine reads past them
	if len(f) == 0 {
		return nil, &Error{Code: "42601", Message: "empty"}
	}
	arg := 0 // the number after "rows" and "copyout"
	if len(f) > 1 {
		arg, _ = strconv.Atoi(f[1])
	}
	if strings.EqualFold(f[0], "panic") {
		panic("fake backend: panic requested")
	}
	d, err := s.Describe(ctx, sql)
	if err != nil {
		return nil, err
	}
	r := &fakeRows{cols: d.Columns}
	switch strings.ToLower(f[0]) {
	case "rows":
		n := arg
		for i := range n {
			r.rows = append(r.rows, []any{int64(i), fmt.Sprintf("row-%d", i)})
		}
		r.tag = fmt.Sprintf("SELECT %d", n)
		s.b.mu.Lock()
		s.b.rowsOpen++
		s.b.mu.Unlock()
		r.onClose = func() {
			s.b.mu.Lock()
			s.b.rowsOpen--
			s.b.mu.Unlock()
		}
	case "midfail":
		r.rows = [][]any{{int64(1), "a"}, {int64(2), "b"}}
		r.err = &Error{Code: "22012", Message: "division by zero"}
	case "types":
		r.rows = [][]any{typesRow()}
		r.tag = "SELECT 1"
	case "sleep":
		<-ctx.Done()
		return nil, ctx.Err()
	case "echo":
		r.rows = [][]any{args}
		r.tag = "SELECT 1"
	case "nothing":
		r.tag = "CREATE TABLE"
	case "notice":
		r.tag = "SET"
		r.notices = []string{"checkpoint enabled"}
	case "begin":
		r.tag = "BEGIN"
	case "commit":
		r.tag = "COMMIT"
	case "rollback":
		r.tag = "ROLLBACK"
	case "reset", "discard", "deallocate": // RESET ALL, DISCARD x, DEALLOCATE ALL passed on
		r.tag = strings.ToUpper(f[0])
	case "copytext": // rows of a text-format COPY TO STDOUT (CopyTextRows)
		r.rows = [][]any{{int32(1), true, []byte{1, 0xab}, "tab\tnl\nback\\slash"}, {int32(2), false, nil, ""}}
		return &fakeTextCopyRows{r}, nil
	case "copyout": // copyout N: N lines "i\tline-i"
		n := arg
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%d\tline-%d\n", i, i)
		}
		return &fakeCopyRows{fakeRows: r, out: strings.NewReader(b.String()), tag: fmt.Sprintf("COPY %d", n)}, nil
	case "copyin": // the data land in the backend's copied
		return &fakeCopyRows{fakeRows: r, in: func(_ context.Context, data io.Reader) (string, error) {
			b, err := io.ReadAll(data)
			if err != nil {
				return "", &Error{Code: "58030", Message: err.Error()}
			}
			s.b.mu.Lock()
			s.b.copied = append(s.b.copied, string(b))
			s.b.mu.Unlock()
			return fmt.Sprintf("COPY %d", strings.Count(string(b), "\n")), nil
		}}, nil
	default:
		return nil, &Error{Code: "42601", Message: fmt.Sprintf("syntax error at or near %q", f[0])}
	}
	return r, nil
}

// fakeTextCopyRows is the result of copytext (CopyTextRows).
type fakeTextCopyRows struct{ *fakeRows }

func (r *fakeTextCopyRows) CopyOutText() bool { return true }

// fakeCopyRows is the result of copyout and copyin (CopyRows).
type fakeCopyRows struct {
	*fakeRows
	out io.Reader
	in  func(context.Context, io.Reader) (string, error)
	tag string
}

func (r *fakeCopyRows) CopyOut() io.Reader { return r.out }
func (r *fakeCopyRows) CopyIn() func(context.Context, io.Reader) (string, error) {
	return r.in
}
func (r *fakeCopyRows) Tag() string { return r.tag }

type fakeRows struct {
	cols    []Column
	rows    [][]any
	i       int
	err     error
	tag     string
	notices []string
	onClose func() // once, at Close
}

func (r *fakeRows) Columns() []Column { return r.cols }
func (r *fakeRows) Next() bool {
	if r.i >= len(r.rows) {
		return false
	}
	r.i++
	return true
}
func (r *fakeRows) Row() []any { return r.rows[r.i-1] }
func (r *fakeRows) Err() error { return r.err }
func (r *fakeRows) Close() error {
	if r.onClose != nil {
		r.onClose()
		r.onClose = nil
	}
	return nil
}
func (r *fakeRows) Tag() string       { return r.tag }
func (r *fakeRows) Notices() []string { return r.notices }

func splitSemicolons(q string) []string { return strings.Split(q, ";") }

// startFake runs a Server over a fake backend on a loopback port.
func startFake(t *testing.T) (*Server, *fakeBackend, string) { return startFakeB(t) }

func startFakeB(t testing.TB) (*Server, *fakeBackend, string) {
	t.Helper()
	fb := &fakeBackend{}
	srv, err := NewServer(Config{Backend: fb, Split: splitSemicolons})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return srv, fb, ln.Addr().String()
}
