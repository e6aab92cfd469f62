package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rheo-dev/rheo/internal/cli"
	"github.com/rheo-dev/rheo/internal/server"
)

// sqlServer starts an in-process server with the Postgres endpoint.
func sqlServer(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Listen = "127.0.0.1:0"
	cfg.PGListen = "127.0.0.1:0"
	cfg.SQLThreads = 1
	s, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.PGURL()
}

func runSQLCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	root := cli.NewRootCommand(cli.NewSQLCommand())
	var out, errOut bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"sql"}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestSQLCommand(t *testing.T) {
	url := sqlServer(t)
	out, errOut, err := runSQLCmd(t, "", "--pg-url", url, "-c",
		"CREATE TABLE p (id INTEGER, name VARCHAR); INSERT INTO p VALUES (1, 'ab'), (22, NULL); SELECT id, name FROM p ORDER BY id")
	if err != nil {
		t.Fatalf("rheo sql -c: %v\n%s", err, errOut)
	}
	// Statements sent together are answered together, so as psql -c
	// does they get one time, not a misleading one each.
	lines := strings.Split(out, "\n")
	if len(lines) < 9 || lines[0] != "CREATE TABLE" || lines[1] != "INSERT 0 2" {
		t.Fatalf("tags:\n%s", out)
	}
	table := strings.Join(lines[2:6], "\n")
	want := " id | name\n----+------\n  1 | ab\n 22 |"
	if table != want {
		t.Errorf("table:\n%s\nwant:\n%s", table, want)
	}
	if lines[6] != "(2 rows)" || !strings.HasPrefix(lines[8], "Time: ") || !strings.HasSuffix(lines[8], " ms") {
		t.Errorf("footer %q, timing line %q", lines[6], lines[8])
	}
	// One statement keeps its time on its own line.
	out, _, err = runSQLCmd(t, "", "--pg-url", url, "-c", "SELECT id FROM p ORDER BY id")
	if err != nil || !strings.Contains(out, "\n(2 rows, ") || !strings.HasSuffix(out, " ms)\n\n") {
		t.Errorf("one statement = %q, %v", out, err)
	}
	out, _, err = runSQLCmd(t, "", "--pg-url", url, "-c", "UPDATE p SET name = name WHERE id = 0")
	if err != nil || !strings.HasPrefix(out, "UPDATE 0 (") || !strings.HasSuffix(out, " ms)\n") {
		t.Errorf("one command = %q, %v", out, err)
	}

	out, _, err = runSQLCmd(t, "", "--pg-url", url, "--format", "csv", "-c", "SELECT id, name FROM p ORDER BY id")
	if err != nil || out != "id,name\n1,ab\n22,\n" {
		t.Errorf("csv = %q, %v", out, err)
	}
	out, _, err = runSQLCmd(t, "", "--pg-url", url, "--format", "json", "-c", "SELECT id, name, id > 5 AS big FROM p ORDER BY id")
	if err != nil || out != "{\"id\":1,\"name\":\"ab\",\"big\":false}\n{\"id\":22,\"name\":null,\"big\":true}\n" {
		t.Errorf("json = %q, %v", out, err)
	}
	// Lists arrive as Postgres arrays and print as JSON arrays.
	out, _, err = runSQLCmd(t, "", "--pg-url", url, "--format", "json", "-c", "SELECT [1, NULL] AS n, ['a,b', NULL] AS s, [true] AS b, ['2024-01-02'::DATE] AS d")
	if want := "{\"n\":[1,null],\"s\":[\"a,b\",null],\"b\":[true],\"d\":[\"2024-01-02\"]}\n"; err != nil || out != want {
		t.Errorf("json arrays = %q, %v; want %q", out, err, want)
	}

	// COPY with the client at one end: the data alone on stdout, the tag
	// on stderr; FROM STDIN reads the command's input.
	out, errOut, err = runSQLCmd(t, "", "--pg-url", url, "-c", "COPY (SELECT id, name FROM p ORDER BY id) TO STDOUT (FORMAT csv, HEADER)")
	if err != nil || out != "id,name\n1,ab\n22,\n" || strings.TrimSpace(errOut) != "COPY 2" {
		t.Errorf("COPY TO STDOUT: %q %q %v", out, errOut, err)
	}
	_, errOut, err = runSQLCmd(t, "3\tc\n4\t\\N\n", "--pg-url", url, "-c", "COPY p FROM STDIN;")
	if err != nil || strings.TrimSpace(errOut) != "COPY 2" {
		t.Errorf("COPY FROM STDIN: %q %v", errOut, err)
	}
	out, _, err = runSQLCmd(t, "", "--pg-url", url, "-c", "COPY p TO STDOUT")
	if err != nil || out != "1\tab\n22\t\\N\n3\tc\n4\t\\N\n" {
		t.Errorf("text COPY TO STDOUT: %q %v", out, err)
	}
	// Back to the original two rows for the shell below.
	if _, errOut, err := runSQLCmd(t, "", "--pg-url", url, "-c", "DELETE FROM p WHERE id IN (3, 4)"); err != nil {
		t.Fatalf("delete: %v %s", err, errOut)
	}

	// Errors exit non-zero with the server's message.
	_, _, err = runSQLCmd(t, "", "--pg-url", url, "-c", "SELECT * FROM nope")
	if err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "SQLSTATE") {
		t.Errorf("error = %v", err)
	}

	// The shell reads statements across lines, keeps going after an
	// error, and stops at \q.
	script := "SELECT count(*)\n  AS n FROM p;\nSELEC oops;\nSELECT 'after' AS s;\n\\q\nSELECT 'not run';\n"
	out, errOut, err = runSQLCmd(t, script, "--pg-url", url)
	if err != nil {
		t.Fatalf("shell: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, " n\n---\n 2\n(1 row, ") || !strings.Contains(out, " after\n") || !strings.Contains(errOut, "SELEC") || strings.Contains(out, "not run") {
		t.Errorf("shell output:\n%s", out)
	}
}

func TestSQLCommandBadURL(t *testing.T) {
	_, _, err := runSQLCmd(t, "", "--pg-url", "postgres://rheo@127.0.0.1:1/rheo", "-c", "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "rheo serve") {
		t.Errorf("unreachable server: %v", err)
	}
	if _, _, err := runSQLCmd(t, "", "--format", "xml", "-c", "SELECT 1"); err == nil {
		t.Error("--format xml accepted")
	}
}
