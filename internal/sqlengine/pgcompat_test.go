package sqlengine

import "testing"

// TestPGCompat rewrites the spellings of Postgres catalog queries DuckDB
// cannot run, and leaves other statements alone.
func TestPGCompat(t *testing.T) {
	for in, want := range map[string]string{
		`WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND x`:     `WHERE c.relname  ~  '^(t)$' AND x`,
		`n.nspname OPERATOR( pg_catalog.!~ ) '^pg_'`:                                          `n.nspname  !~  '^pg_'`,
		`SELECT pg_catalog.pg_get_userbyid(c.relowner) AS "Owner" FROM pg_catalog.pg_class c`: `SELECT 'rheo' AS "Owner" FROM pg_catalog.pg_class c`,
		`x::pg_catalog.regtype::pg_catalog.text, pg_catalog.pg_encoding_to_char(d.encoding)`:  `x::regtype::text, 'UTF8'`,
		`SELECT * FROM t WHERE a ~ 'x' COLLATE nocase`:                                        `SELECT * FROM t WHERE a ~ 'x' COLLATE nocase`,
	} {
		if got := pgCompat(in); got != want {
			t.Errorf("pgCompat(%q) = %q, want %q", in, got, want)
		}
	}
}
