package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// TestSetval runs what loaders of rows with explicit ids send to move a
// sequence past them: pg_dump's pg_catalog.setval, Django's sequence reset
// (setval over pg_get_serial_sequence, inside a SELECT over the table).
// DuckDB has no setval: the restored sequence started again at 1 and the
// next insert collided.
func TestSetval(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	// In order: each step starts where the last left the sequences.
	for _, c := range []struct{ q, want string }{
		// pg_dump's serial column: a table, its sequence, the default.
		{"CREATE TABLE public.items (id integer NOT NULL, name text)", ""},
		{"CREATE SEQUENCE public.items_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1", ""},
		{"ALTER SEQUENCE public.items_id_seq OWNED BY public.items.id", ""},
		{"ALTER TABLE ONLY public.items ALTER COLUMN id SET DEFAULT nextval('public.items_id_seq'::regclass)", ""},
		{"INSERT INTO public.items VALUES (1, 'a'), (2, 'b')", ""},
		{"SELECT pg_catalog.setval('public.items_id_seq', 2, true)", "2"},
		{"INSERT INTO items (name) VALUES ('c') RETURNING id", "3"},
		// A sequence never used, is_called false: the next value is n.
		{"CREATE SEQUENCE s1", ""},
		{"SELECT setval('s1', 5, false)", "5"},
		{"SELECT nextval('s1')", "5"},
		{"SELECT setval('s1', 9)", "9"},
		{"SELECT nextval('s1')", "10"},
		{"SELECT currval('s1')", "10"},
		// The same value again changes nothing.
		{"SELECT setval('s1', 10)", "10"},
		{"SELECT nextval('s1')", "11"},
		// INCREMENT BY 5 from 10: 30 is on the way; 12 is not, and 1 is
		// back: a sequence nothing uses is created anew.
		{"CREATE SEQUENCE s5 START 10 INCREMENT BY 5", ""},
		{"SELECT setval('s5', 30) AS x", "30"},
		{"SELECT nextval('s5')", "35"},
		{"SELECT setval('s5', 12, false)", "12"},
		{"SELECT nextval('s5')", "12"},
		{"SELECT setval('s5', 1)", "1"},
		{"SELECT nextval('s5')", "6"},
		{"SELECT increment_by, max_value FROM duckdb_sequences() WHERE sequence_name = 's5'", "5|9223372036854775807"},
		// Django's sqlsequencereset of a serial table with explicit ids,
		// and of an empty one.
		{`CREATE TABLE "Dj" (id serial PRIMARY KEY, v text)`, ""},
		{`INSERT INTO "Dj" (id, v) VALUES (5, 'a'), (7, 'b')`, ""},
		{`SELECT pg_get_serial_sequence('"Dj"', 'id'), pg_get_serial_sequence('public.items', 'id'), pg_get_serial_sequence('items', 'name')`, `public."Dj_id_seq"|public.items_id_seq|NULL`},
		{`SELECT setval(pg_get_serial_sequence('"Dj"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "Dj";`, "7"},
		{`INSERT INTO "Dj" (v) VALUES ('c') RETURNING id`, "8"},
		{`CREATE TABLE e (id bigserial, v int)`, ""},
		{`SELECT setval(pg_get_serial_sequence('"e"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "e"`, "1"},
		{`INSERT INTO e (v) VALUES (1) RETURNING id`, "1"},
		// Strict: NULL in, NULL out; no row, no call.
		{"SELECT setval(NULL, 3)", "NULL"},
		{"SELECT setval('s1', 100) FROM items WHERE false", ""},
		{"SELECT setval('s1', $1::BIGINT, $2::BOOLEAN)", "50"},
		// A name of more than ASCII (its bytes were folded one by one
		// into other characters: relation "séq" does not exist).
		{"CREATE SEQUENCE séq", ""},
		{"SELECT setval('séq', 5)", "5"},
		{`SELECT setval('public."séq"', 7)`, "7"},
		{"SELECT nextval('séq')", "8"},
		{"SELECT nextval('s1')", "50"},
	} {
		var args []any
		if strings.Contains(c.q, "$1") {
			args = []any{int64(50), false}
		}
		got, err := tryRows(s, c.q, args...)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if c.want != "" && strings.Join(got, " ") != c.want {
			t.Errorf("%s: %v, want %s", c.q, got, c.want)
		}
	}
	for _, c := range []struct{ q, code, msg string }{
		{"SELECT setval('s1', 0)", "22003", `setval: value 0 is out of bounds for sequence "s1" (1..9223372036854775807)`},
		{"SELECT setval('nosuch', 1)", "42P01", `relation "nosuch" does not exist`},
		{"SELECT setval('public.nosuch', 1)", "42P01", `relation "public.nosuch" does not exist`},
		// Backward, for a sequence a CREATE TABLE's default holds.
		{`SELECT setval('"Dj_id_seq"', 3)`, "0A000", "only count forward"},
		{"SELECT 1 + setval('s1', 100)", "0A000", "one item of a SELECT list"},
		{"SELECT setval('s1')", "42883", "setval with 1 arguments"},
	} {
		_, err := tryRows(s, c.q)
		if se := sqlErr(t, err); se.Code != c.code || !strings.Contains(se.Message, c.msg) {
			t.Errorf("%s: %v (%s), want %s %s", c.q, err, se.Code, c.code, c.msg)
		}
	}
	d, err := s.Describe(context.Background(), "SELECT setval($1, $2) AS v")
	if err != nil || len(d.Columns) != 1 || d.Columns[0].Name != "v" || d.Columns[0].Type != "BIGINT" || len(d.ParamTypes) != 2 {
		t.Errorf("Describe setval: %+v, %v", d, err)
	}
}
