package sqlengine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAllowedDirs: with Options.AllowedDirs (the server's setting when
// auth is on) SQL reads and writes the lake and nothing else: not the
// credentials file or meta.db beside it, not by "..", not by ATTACH,
// EXPORT, INSTALL or LOAD, and no session can switch the confinement off.
// What rheo itself does through files (external tables, COPY STDIN and
// STDOUT, Parquet conversion) keeps working.
func TestAllowedDirs(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true, lakeOnly: true})
	secret := filepath.Join(e.dir, "credentials.json")
	if err := os.WriteFile(secret, []byte(`{"secretAccessKey":"s3cret"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := e.session()
	lakeDir := filepath.Join(e.dir, "lake")
	outside := filepath.Join(e.dir, "written.csv")
	exec(t, s, "CREATE TABLE m (a VARCHAR)")
	putObject(t, e.lake, "my-bucket", "x", []byte(`{"a":"b"}`))
	for _, q := range []string{
		// Files rheo opens itself, or hands DuckDB through a symlink.
		"CREATE EXTERNAL TABLE peek (line STRING) LOCATION '" + e.dir + "/'",
		"CREATE EXTERNAL TABLE peek (line STRING) LOCATION '" + lakeDir + "/../'",
		"COPY m FROM '" + secret + "' MANIFEST",
		"COPY m FROM '" + e.dir + "/'",
		"COPY m FROM 's3://my-bucket/x' FORMAT JSON '" + secret + "'",
		"SELECT content FROM read_text('" + secret + "')",
		"SELECT content FROM read_text('" + lakeDir + "/../credentials.json')",
		"SELECT content FROM read_text('" + lakeDir + "-x/f')",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_blob('" + filepath.Join(e.dir, "meta.db") + "')",
		"SELECT * FROM glob('" + e.dir + "/*')",
		"COPY (SELECT 1) TO '" + outside + "'",
		"ATTACH '" + filepath.Join(e.dir, "other.duckdb") + "' AS other",
		"EXPORT DATABASE '" + filepath.Join(e.dir, "export") + "'",
		"INSTALL httpfs",
		"LOAD '" + filepath.Join(e.dir, "x.duckdb_extension") + "'",
	} {
		_, err := tryRows(s, q)
		if err == nil {
			t.Errorf("%s: allowed", q)
			continue
		}
		if c := sqlErr(t, err).Code; c != CodePrivilege {
			t.Errorf("%s: code %s (%v), want %s", q, c, err, CodePrivilege)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: leaked the file: %v", q, err)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Error("COPY wrote outside the lake")
	}
	for _, q := range []string{
		"SET enable_external_access = true",
		"SET GLOBAL enable_external_access = true",
		"RESET enable_external_access",
		"SET allowed_directories = ['/']",
		"SET GLOBAL allowed_directories = ['/']",
		"PRAGMA allowed_paths = ['" + secret + "']",
	} {
		if _, err := tryRows(s, q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if _, err := tryRows(s, "SELECT content FROM read_text('"+secret+"')"); err == nil {
		t.Fatal("a session lifted the confinement")
	}

	// The lake, by s3:// URL and by path, for reading, writing and
	// external tables; the Postgres COPY sub-protocol's temporary files.
	putObject(t, e.lake, "my-bucket", "logs/f.json", []byte(`{"host":"a"}`))
	if got := one(t, s, "SELECT host FROM read_json('s3://my-bucket/logs/*.json')"); got != "a" {
		t.Fatal(got)
	}
	if got := one(t, s, "SELECT host FROM read_json('"+lakeDir+"/my-bucket/logs/f.json')"); got != "a" {
		t.Fatal(got)
	}
	exec(t, s, "COPY (SELECT 42 AS n) TO '"+lakeDir+"/my-bucket/n.parquet' (FORMAT parquet)")
	if got := one(t, s, "SELECT n FROM 's3://my-bucket/n.parquet'"); got != "42" {
		t.Fatal(got)
	}
	exec(t, s, "CREATE EXTERNAL TABLE logs (host STRING) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://my-bucket/logs/'")
	if got := one(t, s, "SELECT host FROM logs"); got != "a" {
		t.Fatal(got)
	}
	exec(t, s, "CREATE TABLE t (a INT)")
	if tag, err := copyIn(t, s, "COPY t FROM STDIN", "1\n2\n"); err != nil || tag != "COPY 2" {
		t.Fatal(tag, err)
	}
	// DuckDB writes (an option only it knows) into its temporary file.
	if out, _ := copyOut(t, s, "COPY t TO STDOUT (FORMAT csv, HEADER false, DATEFORMAT '%d')"); out != "1\n2\n" {
		t.Fatalf("%q", out)
	}
	exec(t, s, "CREATE TABLE conv (host VARCHAR)")
	path := filepath.Join(e.eng.tempDir, "conv.parquet")
	if _, err := e.eng.Convert(context.Background(), &ConvertRequest{Table: "conv", Deserializer: "openx", Records: [][]byte{[]byte(`{"host":"h"}`)}, Path: path}); err != nil {
		t.Fatal(err)
	}
	if got := one(t, s, "SELECT host FROM read_parquet('"+path+"')"); got != "h" {
		t.Fatal(got)
	}
}

// TestAllowedDirsExternalTableFromBefore: an external table over a local
// directory, made while SQL's files were not confined, stops reading it
// once they are (a server restarted with auth on).
func TestAllowedDirsExternalTableFromBefore(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true})
	outside := filepath.Join(e.dir, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "f"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := e.session()
	exec(t, s, "CREATE EXTERNAL TABLE peek (line STRING) LOCATION '"+outside+"/'")
	if got := one(t, s, "SELECT line FROM peek"); got != "s3cret" {
		t.Fatal(got)
	}
	s.Close()
	e.lakeOnly = true
	e.reopen()
	s = e.session()
	if got, err := tryRows(s, "SELECT line FROM peek"); err == nil && strings.Contains(strings.Join(got, ","), "s3cret") {
		t.Fatalf("read outside the lake: %v", got)
	}
}

// TestAllowedDirsCopyPrefix: COPY's local source is a prefix of file
// names, so an allowed directory named without its trailing separator
// must not also load its siblings (<lake>-private/...).
func TestAllowedDirsCopyPrefix(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true, lakeOnly: true})
	lakeDir := filepath.Join(e.dir, "lake")
	sibling := lakeDir + "-private"
	if err := os.MkdirAll(sibling, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sibling, "f"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lakeDir+"file", []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	putObject(t, e.lake, "my-bucket", "x", []byte("ok\n"))
	s := e.session()
	exec(t, s, "CREATE TABLE m (a VARCHAR)")
	exec(t, s, "COPY m FROM '"+lakeDir+"' DELIMITER '|'")
	if got := strings.Join(rows(t, s, "SELECT a FROM m ORDER BY a"), ","); got != "ok" {
		t.Fatalf("COPY FROM %s loaded %q, want only the lake's file", lakeDir, got)
	}
}
