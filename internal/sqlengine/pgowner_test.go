package sqlengine

import (
	"context"
	"testing"
)

// TestOwnerTo runs what pg_dump writes after every object it creates:
// ALTER ... OWNER TO role, which DuckDB does not parse. rheo has one
// owner, so any role is taken and nothing changes; a relation must exist.
func TestOwnerTo(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE public.items (id integer)")
	exec(t, s, "CREATE SEQUENCE public.items_id_seq")
	exec(t, s, "CREATE VIEW v AS SELECT 1")
	for q, tag := range map[string]string{
		"ALTER TABLE public.items OWNER TO postgres":                        "ALTER TABLE",
		"ALTER TABLE public.items_id_seq OWNER TO postgres;":                "ALTER TABLE",
		`ALTER SEQUENCE public.items_id_seq OWNER TO "Admin"`:               "ALTER SEQUENCE",
		"ALTER TABLE IF EXISTS nosuch OWNER TO x":                           "ALTER TABLE",
		"ALTER VIEW public.v OWNER TO postgres":                             "ALTER VIEW",
		"ALTER SCHEMA public OWNER TO pg_database_owner":                    "ALTER SCHEMA",
		"ALTER FUNCTION public.f(integer) OWNER TO postgres":                "ALTER FUNCTION",
		"ALTER MATERIALIZED VIEW IF EXISTS public.mv OWNER TO CURRENT_USER": "ALTER MATERIALIZED VIEW",
		"ALTER TEXT SEARCH CONFIGURATION public.c OWNER TO postgres":        "ALTER TEXT SEARCH CONFIGURATION",
	} {
		r := exec(t, s, q)
		if r.Tag() != tag {
			t.Errorf("%s: tag %q, want %q", q, r.Tag(), tag)
		}
	}
	_, err := tryRows(s, "ALTER TABLE public.nosuch OWNER TO postgres")
	if se := sqlErr(t, err); se.Code != "42P01" || se.Message != `relation "public.nosuch" does not exist` {
		t.Errorf("OWNER TO of a missing table: %v", err)
	}
	// A column named owner renamed: not an OWNER TO (it was answered
	// with 42P01 for relation "items RENAME COLUMN", and with IF EXISTS
	// taken without renaming anything).
	exec(t, s, "CREATE TABLE docs (owner text)")
	exec(t, s, "ALTER TABLE docs RENAME COLUMN owner TO owner_id")
	exec(t, s, "ALTER TABLE IF EXISTS docs RENAME owner_id TO owner")
	if got := one(t, s, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'docs'"); got != "owner" {
		t.Errorf("docs' column after the renames: %s, want owner", got)
	}
	for _, q := range []string{"ALTER TYPE mood RENAME ATTRIBUTE owner TO x", "ALTER TABLE docs RENAME COLUMN owner TO x"} {
		if toks, _ := lex(q, false); len(toks) > 0 {
			if o, ok := parseOwnerTo(q, toks); ok {
				t.Errorf("parseOwnerTo(%q) = %+v, want not OWNER TO", q, o)
			}
		}
	}
	for _, q := range []string{"ALTER LARGE OBJECT 16390 OWNER TO x", "ALTER AGGREGATE public.a(*) OWNER TO x", "ALTER OPERATOR CLASS c USING btree OWNER TO x", "ALTER OPERATOR public.+(int, int) OWNER TO x"} {
		if toks, _ := lex(q, false); len(toks) > 0 {
			if _, ok := parseOwnerTo(q, toks); !ok {
				t.Errorf("parseOwnerTo(%q): not OWNER TO", q)
			}
		}
	}
	if d, err := s.Describe(context.Background(), "ALTER TABLE items OWNER TO postgres"); err != nil || d.Columns != nil {
		t.Errorf("Describe: %+v, %v", d, err)
	}
}

// TestOwnedBy runs pg_dump's ALTER SEQUENCE s OWNED BY public.t.col,
// which DuckDB answered with an INTERNAL error (it takes OWNED BY t): the
// sequence now goes with its table, as in Postgres.
func TestOwnedBy(t *testing.T) {
	for in, want := range map[string]string{
		`ALTER SEQUENCE main.s OWNED BY main.t.id`: `ALTER SEQUENCE main.s OWNED BY main.t`,
		`alter sequence s owned by "T"."Id";`:      `alter sequence s owned by "T";`,
		`ALTER SEQUENCE s OWNED BY t`:              `ALTER SEQUENCE s OWNED BY t`,
		`SELECT owned FROM t`:                      `SELECT owned FROM t`,
	} {
		if got, err := ownedByCompat(in); err != nil || got != want {
			t.Errorf("ownedByCompat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE public.items (id integer NOT NULL)")
	exec(t, s, "CREATE SEQUENCE public.items_id_seq")
	exec(t, s, "ALTER SEQUENCE public.items_id_seq OWNED BY public.items.id")
	_, err := tryRows(s, "ALTER SEQUENCE public.items_id_seq OWNED BY NONE")
	if se := sqlErr(t, err); se.Code != "0A000" {
		t.Errorf("OWNED BY NONE: %v", err)
	}
	exec(t, s, "DROP TABLE public.items")
	if got := one(t, s, "SELECT count(*) FROM duckdb_sequences() WHERE sequence_name = 'items_id_seq'"); got != "0" {
		t.Errorf("sequences after DROP TABLE: %s, want 0", got)
	}
}

// TestPrivilegeStatements: pg_dump's GRANT and REVOKE lines, and CREATE
// EXTENSION, are refused with 0A000 and a hint, not DuckDB's syntax error.
func TestPrivilegeStatements(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	for _, q := range []string{
		"GRANT ALL ON TABLE public.items TO app",
		"REVOKE USAGE ON SCHEMA public FROM PUBLIC;",
		"ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO app",
		"CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public",
	} {
		_, err := s.Query(context.Background(), q)
		if e := sqlErr(t, err); e.Code != CodeFeature || e.Hint == "" {
			t.Errorf("%s: %v (hint %q)", q, err, e.Hint)
		}
	}
	_, err := s.Describe(context.Background(), "GRANT SELECT ON t TO app")
	if e := sqlErr(t, err); e.Code != CodeFeature {
		t.Errorf("Describe(GRANT): %v", err)
	}
}
