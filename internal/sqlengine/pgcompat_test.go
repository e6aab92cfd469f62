package sqlengine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestPGCompat rewrites the spellings of Postgres catalog queries DuckDB
// cannot run, and leaves other statements alone.
func TestPGCompat(t *testing.T) {
	for in, want := range map[string]string{
		`WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND x`:                        `WHERE c.relname  ~ '.*(?:^(t)$).*' AND x`,
		`n.nspname OPERATOR( pg_catalog.!~ ) '^pg_'`:                                                             `n.nspname  !~ '.*(?:^pg_).*'`,
		`SELECT pg_catalog.pg_get_userbyid(c.relowner) AS "Owner" FROM pg_catalog.pg_class c`:                    `SELECT 'rheo' AS "Owner" FROM rheo_pg.main.pg_class c`,
		`x::pg_catalog.regtype::pg_catalog.text, pg_catalog.pg_encoding_to_char(d.encoding)`:                     `rheo_pg.main.regtype_name(x)::text, 'UTF8'`,
		`FROM pg_catalog.pg_namespace n WHERE pg_catalog.pg_table_is_visible(c.oid)`:                             `FROM rheo_pg.main.pg_namespace n WHERE pg_catalog.pg_table_is_visible(c.oid)`,
		`WHERE n.nspname !~ '^pg_' AND x !~~ 'a%' AND pg_catalog.y ~ 'it''s'`:                                    `WHERE n.nspname !~ '.*(?:^pg_).*' AND x !~~ 'a%' AND pg_catalog.y ~ '.*(?:it''s).*'`,
		`pg_catalog.array_to_string(d.datacl, E'\n') FROM pg_catalog.pg_database d`:                              `array_to_string(d.datacl, E'\n') FROM rheo_pg.main.pg_database d`,
		`FROM pg_catalog.generate_series(0, pg_catalog.array_upper(a, 1)) s, pg_catalog.x`:                       `FROM generate_series(0, rheo_pg.main.array_upper(a, 1)) AS s(s), pg_catalog.x`,
		`SELECT a.atttypid::regtype::text, p.prorettype::pg_catalog.regtype != 'trigger'::regtype, x::regtype[]`: `SELECT rheo_pg.main.regtype_name(a.atttypid)::text, rheo_pg.main.regtype_name(p.prorettype) != 'trigger'::VARCHAR, x::VARCHAR[]`,
		`SELECT conrelid::pg_catalog.regclass WHERE confrelid IN (VALUES ('617'::pg_catalog.regclass))`:          `SELECT rheo_pg.main.regclass_name(conrelid) WHERE confrelid IN (VALUES (617))`,
		`FROM pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth)`:                   `FROM rheo_pg.main.pg_partition_ancestors_table(t.tgrelid) AS a(relid, depth)`,
		`CASE WHEN (format_type(p.prorettype, null) = 'x') FROM pg_catalog.pg_proc`:                              `CASE WHEN (rheo_pg.main.format_type(p.prorettype, null) = 'x') FROM rheo_pg.main.pg_proc`,
		`(information_schema._pg_expandarray(i.indkey)).n, information_schema.tables, pg_catalog.pg_am`:          `(rheo_pg.main._pg_expandarray(i.indkey)).n, rheo_pg.main.information_schema_tables, pg_catalog.pg_am`,
		`FROM generate_series(1, 3) AS g(i) WHERE pg_catalog.format_type(t, m) = ''`:                             `FROM generate_series(1, 3) AS g(i) WHERE rheo_pg.main.format_type(t, m) = ''`,
		`SELECT * FROM t WHERE a ~ 'x' COLLATE nocase`:                                                           `SELECT * FROM t WHERE a ~ 'x' COLLATE nocase`,
		`FROM pg_type AS t JOIN pg_catalog.pg_description d ON true`:                                             `FROM rheo_pg.main.pg_type AS t JOIN rheo_pg.main.pg_description d ON true`,
		`SELECT data_type FROM INFORMATION_SCHEMA.columns WHERE table_name = 't'`:                                `SELECT data_type FROM rheo_pg.main.information_schema_columns WHERE table_name = 't'`,
		`FROM information_schema.tables t JOIN information_schema.constraint_column_usage c USING (x)`:           `FROM rheo_pg.main.information_schema_tables t JOIN rheo_pg.main.information_schema_constraint_column_usage c USING (x)`,
	} {
		if got := pgCompat(in); got != want {
			t.Errorf("pgCompat(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBeginCompat drops the transaction modes DuckDB cannot parse.
func TestBeginCompat(t *testing.T) {
	for in, want := range map[string]string{
		"begin isolation level serializable":                                             "BEGIN TRANSACTION",
		"BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY":                                 "BEGIN TRANSACTION READ ONLY",
		"START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE, NOT DEFERRABLE;": "BEGIN TRANSACTION",
		"BEGIN TRANSACTION READ ONLY, DEFERRABLE":                                        "BEGIN TRANSACTION READ ONLY",
		"BEGIN READ ONLY":             "BEGIN READ ONLY",
		"BEGIN":                       "BEGIN",
		"BEGIN ISOLATION LEVEL CHAOS": "BEGIN ISOLATION LEVEL CHAOS",
		"START TRANSACTION ISOLATION LEVEL SERIALIZABLE; DROP TABLE t": "START TRANSACTION ISOLATION LEVEL SERIALIZABLE; DROP TABLE t",
	} {
		if got := beginCompat(in); got != want {
			t.Errorf("beginCompat(%q) = %q, want %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	for _, st := range []string{"BEGIN ISOLATION LEVEL SERIALIZABLE", "CREATE TABLE iso (a INT)", "COMMIT",
		"START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY"} {
		exec(t, s, st)
	}
	if _, err := s.Query(context.Background(), "INSERT INTO iso VALUES (1)"); err == nil {
		t.Error("INSERT in a READ ONLY transaction succeeded")
	}
}

// TestByteaCompat reads Postgres's hex bytea literals as their bytes, as
// psycopg2 and pgx's simple protocol send them.
func TestByteaCompat(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT '\x0001Ff5c'::bytea, CAST('\x' AS BLOB)`: `SELECT '\x00\x01\xFf\x5c'::bytea, CAST('' AS BLOB)`,
		`SELECT '\x0001'`:         `SELECT '\x0001'`,
		`SELECT '\x001'::bytea`:   `SELECT '\x001'::bytea`,
		`SELECT E'\x0001'::bytea`: `SELECT E'\x0001'::bytea`,
		`SELECT 'a''\x00'::bytea`: `SELECT 'a''\x00'::bytea`,
	} {
		if got := byteaCompat(in); got != want {
			t.Errorf("byteaCompat(%q) = %q, want %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE bt (id INT, b BLOB)")
	exec(t, s, `INSERT INTO bt VALUES (1, '\x0001ff5c'::bytea)`)
	if got := one(t, s, "SELECT hex(b) FROM bt WHERE id = 1"); got != "0001FF5C" {
		t.Errorf("stored %s, want 0001FF5C", got)
	}
}

// TestJSONBCompat takes Postgres's jsonb type for DuckDB's JSON, in casts
// and table definitions (knex's jsonb(), GORM's datatypes.JSON).
func TestJSONBCompat(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT '{}'::jsonb, CAST(x AS JSONB), $1::jsonb ->> 'a'`: `SELECT '{}'::JSON, CAST(x AS JSON), $1::JSON ->> 'a'`,
		`create table t ("meta" jsonb, tags jsonb[] not null)`:    `create table t ("meta" JSON, tags JSON[] not null)`,
		`ALTER TABLE t ADD COLUMN m jsonb`:                        `ALTER TABLE t ADD COLUMN m JSON`,
		`SELECT jsonb, jsonb_typeof(x) FROM t`:                    `SELECT jsonb, jsonb_typeof(x) FROM t`,
		// jsonb as a name stays a name, in DDL as elsewhere.
		`CREATE TABLE t (jsonb jsonb)`:                                    `CREATE TABLE t (jsonb JSON)`,
		`ALTER TABLE t ADD COLUMN jsonb jsonb`:                            `ALTER TABLE t ADD COLUMN jsonb JSON`,
		`ALTER TABLE t ADD COLUMN IF NOT EXISTS m jsonb`:                  `ALTER TABLE t ADD COLUMN IF NOT EXISTS m JSON`,
		`ALTER TABLE t ALTER COLUMN m SET DATA TYPE jsonb USING m::jsonb`: `ALTER TABLE t ALTER COLUMN m SET DATA TYPE JSON USING m::JSON`,
		`ALTER TABLE t RENAME COLUMN doc TO jsonb`:                        `ALTER TABLE t RENAME COLUMN doc TO jsonb`,
		`ALTER TABLE t DROP COLUMN jsonb`:                                 `ALTER TABLE t DROP COLUMN jsonb`,
		`CREATE VIEW v AS SELECT doc FROM jsonb`:                          `CREATE VIEW v AS SELECT doc FROM jsonb`,
		`SELECT doc AS jsonb FROM t`:                                      `SELECT doc AS jsonb FROM t`,
	} {
		if got := jsonbCompat(in); got != want {
			t.Errorf("jsonbCompat(%q) = %q, want %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE jt (id INT, meta jsonb)`)
	exec(t, s, `INSERT INTO jt VALUES (1, '{"a": [1, 2]}'::jsonb)`)
	if got := one(t, s, `SELECT meta->>'$.a[1]' FROM jt WHERE meta IS NOT NULL`); got != "2" {
		t.Errorf("jsonb column: %s", got)
	}
}

// TestCommandTag checks the tags of statements without rows against
// Postgres's: only CREATE TABLE ... AS is tagged SELECT n.
func TestCommandTag(t *testing.T) {
	for st, want := range map[string]string{
		"CREATE TABLE t (a int)":                                    "CREATE TABLE",
		"CREATE TABLE t AS SELECT 1":                                "SELECT 3",
		"CREATE OR REPLACE TABLE t AS SELECT 1":                     "SELECT 3",
		"CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a + 1))": "CREATE TABLE",
		"CREATE VIEW v AS SELECT 1":                                 "CREATE VIEW",
		"CREATE OR REPLACE VIEW v AS SELECT 1":                      "CREATE VIEW",
		"CREATE MACRO m(x) AS x + 1":                                "CREATE FUNCTION",
		"CREATE SCHEMA s":                                           "CREATE SCHEMA",
		"DROP TABLE t":                                              "DROP TABLE",
	} {
		toks, err := lex(st, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := commandTag(toks, duckdb.STATEMENT_TYPE_INVALID, 3); got != want {
			t.Errorf("%s: tag %q, want %q", st, got, want)
		}
	}
}

// TestPGFuncsList keeps duckdbPGFuncs equal to the functions this DuckDB
// defines in pg_catalog, so an upgrade that adds or drops one fails here
// rather than in a psql command.
func TestPGFuncsList(t *testing.T) {
	e := newEnv(t, envOpt{})
	got := rows(t, e.session(), "SELECT DISTINCT function_name FROM duckdb_functions() WHERE schema_name = 'pg_catalog' ORDER BY 1")
	want := make([]string, 0, len(duckdbPGFuncs))
	for f := range duckdbPGFuncs {
		want = append(want, f)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("DuckDB's pg_catalog functions:\n%v\nduckdbPGFuncs:\n%v", got, want)
	}
}

// TestPGCatalogShim checks the shim's corrections directly: the type join
// every driver makes finds each column, keys come with their index, and
// format_type answers as Postgres's does.
func TestPGCatalogShim(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE p (id INTEGER PRIMARY KEY, tags VARCHAR[])")
	exec(t, s, "CREATE TABLE c (pid INTEGER REFERENCES p (id))")
	for q, want := range map[string][]string{
		// pg_attribute.atttypid and pg_type.oid agree.
		`SELECT a.attname, t.typname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
		 JOIN pg_catalog.pg_class r ON r.oid = a.attrelid WHERE r.relname = 'p' ORDER BY a.attnum`: {"id|int4", "tags|_varchar"},
		`SELECT pg_catalog.format_type(NULL, NULL) IS NULL, pg_catalog.format_type(999999, NULL), pg_catalog.format_type(23, -1)`: {"true|???|integer"},
		// The array types lists are sent as (psql's \gdesc names them).
		`SELECT pg_catalog.format_type(1007, NULL), pg_catalog.format_type(1009, NULL), pg_catalog.format_type(1005, -1)`: {"integer[]|text[]|smallint[]"},
		`SELECT t.typname, t.typelem, t.typcategory, e.typname, e.typarray FROM pg_catalog.pg_type t
		 JOIN pg_catalog.pg_type e ON e.oid = t.typelem WHERE t.oid = 1007`: {"_int4|23|A|int4|1007"},
		// The primary key has an index, a 1-based key and the right flags.
		`SELECT ci.relname, ci.relkind, i.indisprimary, i.indkey FROM pg_catalog.pg_index i
		 JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid JOIN pg_catalog.pg_class r ON r.oid = i.indrelid WHERE r.relname = 'p'`: {"p_id_pkey|i|true|[1]"},
		// The foreign key names the table and key it references.
		`SELECT con.contype, con.conkey, con.confkey, con.confrelid::pg_catalog.regclass, ci.relname FROM pg_catalog.pg_constraint con
		 JOIN pg_catalog.pg_class ci ON ci.oid = con.conindid WHERE con.conrelid = (SELECT oid FROM pg_catalog.pg_class WHERE relname = 'c')`: {"f|[1]|[1]|p|p_id_pkey"},
		// Postgres's ~ searches; DuckDB's alone would match whole strings.
		`SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname ~ 'ubl' ORDER BY 1`: {"public"},
	} {
		if got := rows(t, s, q); !slices.Equal(got, want) {
			t.Errorf("%s\n got %v, want %v", q, got, want)
		}
	}
}

// TestSQLAlchemyReflection runs the catalog queries of SQLAlchemy 1.4's
// Postgres dialect (Inspector.get_columns, get_pk_constraint,
// get_indexes): they failed on pg_get_serial_sequence and
// json_build_object, read DuckDB's pg_index (no keys) through unqualified
// names, made DuckDB refuse = ANY(...) in an outer join's ON, and got
// indkey::varchar as "[2]" where SQLAlchemy splits "2" on spaces.
func TestSQLAlchemyReflection(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE sa_par (id INTEGER PRIMARY KEY, code VARCHAR UNIQUE, n DECIMAL(10,2))")
	oid := one(t, s, "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = 'sa_par'")
	cols := rows(t, s, `
            SELECT a.attname,
              pg_catalog.format_type(a.atttypid, a.atttypmod),
              (
                SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid)
                FROM pg_catalog.pg_attrdef d
                WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
                AND a.atthasdef
              ) AS DEFAULT,
              a.attnotnull,
              a.attrelid as table_oid,
              pgd.description as comment,
              a.attgenerated as generated,
                (SELECT json_build_object(
                    'always', a.attidentity = 'a',
                    'start', s.seqstart,
                    'increment', s.seqincrement,
                    'minvalue', s.seqmin,
                    'maxvalue', s.seqmax,
                    'cache', s.seqcache,
                    'cycle', s.seqcycle)
                FROM pg_catalog.pg_sequence s
                JOIN pg_catalog.pg_class c on s.seqrelid = c."oid"
                WHERE c.relkind = 'S'
                AND a.attidentity != ''
                AND s.seqrelid = pg_catalog.pg_get_serial_sequence(
                    a.attrelid::regclass::text, a.attname
                )::regclass::oid
                ) as identity_options
            FROM pg_catalog.pg_attribute a
            LEFT JOIN pg_catalog.pg_description pgd ON (
                pgd.objoid = a.attrelid AND pgd.objsubid = a.attnum)
            WHERE a.attrelid = `+oid+`
            AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum`)
	if len(cols) != 3 || !strings.HasPrefix(cols[0], "id|integer|") || !strings.HasPrefix(cols[2], "n|numeric(10,2)|") {
		t.Errorf("get_columns rows %q", cols)
	}
	pk := rows(t, s, `
                SELECT a.attname
                FROM pg_attribute a JOIN (
                    SELECT unnest(ix.indkey) attnum,
                           generate_subscripts(ix.indkey, 1) ord
                    FROM pg_index ix
                    WHERE ix.indrelid = `+oid+` AND ix.indisprimary
                    ) k ON a.attnum=k.attnum
                WHERE a.attrelid = `+oid+`
                ORDER BY k.ord`)
	if !slices.Equal(pk, []string{"id"}) {
		t.Errorf("get_pk_constraint columns %q", pk)
	}
	idx := rows(t, s, `
              SELECT
                  i.relname as relname,
                  ix.indisunique, ix.indexprs,
                  a.attname, a.attnum, c.conrelid, ix.indkey::varchar,
                  ix.indoption::varchar, i.reloptions, am.amname,
                  pg_get_expr(ix.indpred, ix.indrelid),
                  ix.indnkeyatts as indnkeyatts
              FROM
                  pg_class t
                        join pg_index ix on t.oid = ix.indrelid
                        join pg_class i on i.oid = ix.indexrelid
                        left outer join
                            pg_attribute a
                            on t.oid = a.attrelid and a.attnum = ANY(ix.indkey)
                        left outer join
                            pg_constraint c
                            on (ix.indrelid = c.conrelid and
                                ix.indexrelid = c.conindid and
                                c.contype in ('p', 'u', 'x'))
                        left outer join
                            pg_am am
                            on i.relam = am.oid
              WHERE
                  t.relkind IN ('r', 'v', 'f', 'm', 'p')
                  and t.oid = `+oid+`
                  and ix.indisprimary = 'f'
              ORDER BY
                  t.relname,
                  i.relname`)
	if len(idx) != 1 || !strings.HasPrefix(idx[0], "sa_par_code_key|true|NULL|code|2|") || !strings.Contains(idx[0], "|2|") {
		t.Errorf("get_indexes rows %q", idx)
	}
	// Only FROM-clause names are qualified; a user's column or string is not.
	for in, want := range map[string]string{
		`SELECT pg_class FROM t, pg_index i JOIN pg_class c ON true WHERE x = 'FROM pg_type'`: `SELECT pg_class FROM t, pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON true WHERE x = 'FROM pg_type'`,
		`SELECT a, pg_type FROM t`: `SELECT a, pg_type FROM t`,
	} {
		if got, _ := qualifyCatalog(in); got != want {
			t.Errorf("qualifyCatalog(%q) = %q, want %q", in, got, want)
		}
	}
}

// 'name'::regclass outside catalog queries is the name, as nextval,
// currval and setval take it (pg_dump's DEFAULT nextval('public.s'::regclass)),
// and to_regclass names an existing relation or is NULL.
func TestRegclassCompat(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE SEQUENCE t_id_seq")
	exec(t, s, "CREATE TABLE tq (id INTEGER DEFAULT nextval('public.t_id_seq'::regclass) NOT NULL, v TEXT)")
	exec(t, s, "INSERT INTO tq (v) VALUES ('a')")
	// In order: currval reads what nextval just gave.
	for _, c := range []struct{ q, want string }{
		{"SELECT id FROM tq", "1"},
		{"SELECT nextval('t_id_seq'::regclass)", "2"},
		{"SELECT currval('public.t_id_seq'::regclass)", "2"},
		{"SELECT pg_catalog.to_regclass('tq') IS NOT NULL, to_regclass('pg_catalog.nope') FROM pg_catalog.pg_namespace LIMIT 1", "true|NULL"},
		{"SELECT to_regclass('public.tq'), to_regclass('tq'), to_regclass('TQ'), to_regclass('t_id_seq'), to_regclass('nope'), to_regclass('other.tq')", "tq|tq|tq|t_id_seq|NULL|NULL"},
	} {
		got, err := tryRows(s, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: %v, want %s", c.q, got, c.want)
		}
	}
}

// TestIndexAndSequenceCompat runs what pg_dump writes for an index and a
// serial column's sequence: USING btree and AS integer, which DuckDB
// refuses, are dropped.
func TestIndexAndSequenceCompat(t *testing.T) {
	for in, want := range map[string]string{
		`CREATE INDEX items_name_idx ON public.items USING btree (name)`: `CREATE INDEX items_name_idx ON public.items  (name)`,
		`create unique index u on t using HASH (a, b)`:                   `create unique index u on t  (a, b)`,
		`CREATE INDEX g ON t USING gin (doc)`:                            `CREATE INDEX g ON t USING gin (doc)`,
		`CREATE INDEX i ON t (lower(using))`:                             `CREATE INDEX i ON t (lower(using))`,
		`CREATE SEQUENCE public.items_id_seq AS integer START WITH 1`:    `CREATE SEQUENCE public.items_id_seq  START WITH 1`,
		`CREATE TEMP SEQUENCE s AS bigint`:                               `CREATE TEMP SEQUENCE s `,
		`CREATE TABLE t AS SELECT 1`:                                     `CREATE TABLE t AS SELECT 1`,
		`CREATE SEQUENCE s AS numeric`:                                   `CREATE SEQUENCE s AS numeric`,
	} {
		if got := sequenceCompat(indexCompat(in)); got != want {
			t.Errorf("compat(%q) = %q, want %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	for _, q := range []string{
		`CREATE TABLE public.items (id integer NOT NULL, name text NOT NULL)`,
		`CREATE SEQUENCE public.items_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1`,
		`CREATE INDEX items_name_idx ON public.items USING btree (name)`,
		`INSERT INTO items VALUES (nextval('public.items_id_seq'::regclass), 'a')`,
	} {
		exec(t, s, q)
	}
	if got := one(t, s, "SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'items_name_idx'"); got != "1" {
		t.Errorf("index count = %s, want 1", got)
	}
}

// TestIndexOpclass drops operator classes from CREATE INDEX, which
// DuckDB refuses: Django indexes each indexed CharField a second time
// with varchar_pattern_ops.
func TestIndexOpclass(t *testing.T) {
	for in, want := range map[string]string{
		`CREATE INDEX "c_name_like" ON "c" ("name" varchar_pattern_ops)`:                                         `CREATE INDEX "c_name_like" ON "c" ("name" )`,
		`create unique index i on t using btree (a text_pattern_ops DESC, lower(b) pg_catalog.text_pattern_ops)`: `create unique index i on t using btree (a  DESC, lower(b) )`,
		`CREATE INDEX i ON t (x_ops)`:         `CREATE INDEX i ON t (x_ops)`,
		`CREATE INDEX i ON t (a, x_ops)`:      `CREATE INDEX i ON t (a, x_ops)`,
		`SELECT a varchar_pattern_ops FROM t`: `SELECT a varchar_pattern_ops FROM t`,
	} {
		if got := opclassCompat(in); got != want {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE c (name varchar(100) NOT NULL)`)
	exec(t, s, `CREATE INDEX "c_name_like" ON "c" ("name" varchar_pattern_ops)`)
	if got := one(t, s, `SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'c_name_like'`); got != "1" {
		t.Errorf("indexes: %s", got)
	}
}

// TestLockingClause drops SELECT ... FOR UPDATE and its kin, which DuckDB
// refuses: Django's update_or_create and select_for_update send them.
func TestLockingClause(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT "c"."id" FROM "c" WHERE "c"."name" = 'x' LIMIT 21 FOR UPDATE`: `SELECT "c"."id" FROM "c" WHERE "c"."name" = 'x' LIMIT 21 `,
		`select * from c for no key update of c nowait`:                       `select * from c `,
		`SELECT * FROM c FOR SHARE OF c, main.d SKIP LOCKED LIMIT 1`:          `SELECT * FROM c LIMIT 1`,
		`select * from c for key share for update`:                            `select * from c `,
		`SELECT * FROM (SELECT 1 FOR UPDATE) s`:                               `SELECT * FROM (SELECT 1 ) s`,
		`SELECT substring(name FOR 2) FROM c`:                                 `SELECT substring(name FOR 2) FROM c`,
		`SELECT 'for update' AS x`:                                            `SELECT 'for update' AS x`,
		`UPDATE c SET n = 1`:                                                  `UPDATE c SET n = 1`,
		"/* q */ -- x\n Select 1 FOR UPDATE":                                  "/* q */ -- x\n Select 1 ",
		`INSERT INTO c VALUES ('for update')`:                                 `INSERT INTO c VALUES ('for update')`,
	} {
		if got := lockingCompat(in); got != want {
			t.Errorf("%s:\n got %q\nwant %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE c (id int, name text)`)
	exec(t, s, `INSERT INTO c VALUES (1, 'x')`)
	exec(t, s, `BEGIN`)
	if got := one(t, s, `SELECT "c"."id" FROM "c" WHERE "c"."name" = 'x' LIMIT 21 FOR UPDATE`); got != "1" {
		t.Errorf("FOR UPDATE: %s", got)
	}
	exec(t, s, `COMMIT`)
}

// TestSetTimeZoneInterval takes Postgres's SET TIME ZONE INTERVAL
// '+00:00' HOUR TO MINUTE, which Sequelize sends on every connection.
func TestSetTimeZoneInterval(t *testing.T) {
	for in, want := range map[string]string{
		`SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE`:       `SET TIME ZONE 'UTC'`,
		`set time zone interval '+02:00' hour to minute;`:      `set time zone 'Etc/GMT-2';`,
		`SET LOCAL TIME ZONE INTERVAL '-08:00' HOUR TO MINUTE`: `SET LOCAL TIME ZONE 'Etc/GMT+8'`,
		`SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE`:       `SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE`,
		`SET TIME ZONE 'Europe/Paris'`:                         `SET TIME ZONE 'Europe/Paris'`,
	} {
		if got := timeZoneIntervalCompat(in); got != want {
			t.Errorf("%s:\n got %q\nwant %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE`)
	if got := one(t, s, `SELECT '2024-01-01 00:00:00+00'::timestamptz::varchar`); got != "2024-01-01 02:00:00+02" {
		t.Errorf("timestamptz at +02:00: %s", got)
	}
	exec(t, s, `SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE`)
	if got := one(t, s, `SHOW TimeZone`); got != "UTC" {
		t.Errorf("TimeZone %s", got)
	}
}

// TestPgRange has an empty pg_range: Sequelize reads the range types at
// connect, and failed every statement without it.
func TestPgRange(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	q := `SELECT pg_type.typname AS typname, pg_type.typtype AS typtype, pg_type.oid AS oid, pg_type.typarray AS typarray, ` +
		`range_subtype.typname AS rngtypname, range_subtype.typarray AS rngtyparray, pg_range.rngsubtype ` +
		`FROM pg_range LEFT OUTER JOIN pg_type ON pg_type.oid = pg_range.rngtypid ` +
		`LEFT OUTER JOIN pg_type range_subtype ON range_subtype.oid = pg_range.rngsubtype`
	if got := rows(t, s, q); len(got) != 0 {
		t.Errorf("range types: %q", got)
	}
}

// 'name'::regclass in a catalog query is the relation's OID, as pg_class
// gives it, so Rails' column_definitions and pk queries
// (attrelid = '"users"'::regclass) find their rows; a missing relation is
// Postgres's 42P01, and 'name'::regclass::oid is the OID in any query.
// Before, the name stayed a string, which DuckDB failed to convert to the
// OID column's integer.
func TestRegclassNameInCatalogQuery(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR)")
	exec(t, s, `CREATE TABLE "MixedCase" (x INTEGER)`)
	exec(t, s, "CREATE SCHEMA s2")
	exec(t, s, "CREATE TABLE s2.t (z INTEGER)")
	oid := func(schema, rel string) string {
		return one(t, s, "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2", schema, rel)
	}
	tOID, mixedOID, s2OID := oid("public", "t"), oid("public", "MixedCase"), oid("s2", "t")
	if tOID == s2OID {
		t.Fatalf("public.t and s2.t have one OID %s", tOID)
	}
	// Rails' column_definitions, as ActiveRecord sends it.
	railsCols := `SELECT a.attname, format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.atttypid, a.atttypmod
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
	for _, c := range []struct{ q, want string }{
		{fmt.Sprintf(railsCols, `'"t"'`), "id|integer|NULL|true|23|-1 name|character varying|NULL|false|1043|-1"},
		{fmt.Sprintf(railsCols, `'"public"."t"'`), "id|integer|NULL|true|23|-1 name|character varying|NULL|false|1043|-1"},
		{fmt.Sprintf(railsCols, `'s2.t'`), "z|integer|NULL|false|23|-1"},
		{"SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = 'public.t'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
			"id|integer name|character varying"},
		{`SELECT relname FROM pg_catalog.pg_class WHERE oid = '"MixedCase"'::pg_catalog.regclass`, "MixedCase"},
		{"SELECT 't'::regclass = c.oid, 'public.t'::regclass, 's2.t'::regclass FROM pg_class c WHERE c.oid = 't'::regclass", "true|" + tOID + "|" + s2OID},
		// Any query: cast on to an OID.
		{`SELECT 't'::regclass::oid, 'public.t'::regclass::oid, '"MixedCase"'::regclass::oid, 's2.t'::regclass::int8`, tOID + "|" + tOID + "|" + mixedOID + "|" + s2OID},
		// Rails' primary_keys.
		{`SELECT a.attname FROM (SELECT indrelid, indkey, generate_subscripts(indkey, 1) idx FROM pg_index WHERE indrelid = '"t"'::regclass AND indisprimary) i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[i.idx] ORDER BY i.idx`, "id"},
	} {
		got, err := tryRows(s, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: %v, want %s", c.q, got, c.want)
		}
	}
	// pg_catalog's relations: psql's \dx and \df+ compare classoid with
	// them. One rheo lacks (pg_proc is DuckDB's) matches nothing, without
	// an error.
	for _, q := range []string{
		`SELECT e.extname FROM pg_catalog.pg_extension e LEFT JOIN pg_catalog.pg_description c ON c.objoid = e.oid AND c.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass`,
		`SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass`,
	} {
		if _, err := tryRows(s, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if got := one(t, s, `SELECT 'pg_class'::regclass = 'pg_catalog.pg_class'::regclass, 'pg_class'::regclass IS NOT NULL FROM pg_catalog.pg_namespace LIMIT 1`); got != "true|true" {
		t.Errorf("'pg_class'::regclass: %s", got)
	}
	// A temporary table comes first, as pg_temp does in Postgres.
	exec(t, s, "CREATE TEMP TABLE t (tmp INTEGER)")
	if got := rows(t, s, "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 't'::regclass"); strings.Join(got, " ") != "tmp" {
		t.Errorf("'t'::regclass with a temporary t: %v, want its column tmp", got)
	}
	exec(t, s, "DROP TABLE temp.t")
	// A parameter cast to regclass: a name or an OID.
	for _, arg := range []string{"public.t", tOID} {
		got, err := tryRows(s, "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum", arg)
		if err != nil || strings.Join(got, " ") != "id name" {
			t.Errorf("attrelid = $1::regclass with %q: %v, %v; want id name", arg, got, err)
		}
	}
	for q, rel := range map[string]string{
		"SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'nope'::regclass":    "nope",
		"SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 's2.nope'::regclass": "s2.nope",
		"SELECT 'public.nope'::regclass::oid":                                         "public.nope",
	} {
		_, err := tryRows(s, q)
		if err == nil {
			t.Errorf("%s: no error", q)
			continue
		}
		if e := sqlErr(t, err); e.Code != CodeUndefinedTable || e.Message != `relation "`+rel+`" does not exist` {
			t.Errorf("%s: %s %q, want %s relation %q does not exist", q, e.Code, e.Message, CodeUndefinedTable, rel)
		}
	}
}

// TestSpacedOffsetLiteral: Sequelize writes dates into its statements with
// a space before the offset ('2026-11-22 19:58:53.001 +00:00'), in
// bulkCreate's VALUES and in where clauses; Postgres reads them for
// timestamptz (and for timestamp, ignoring the offset), DuckDB failed
// with "invalid timestamp field format".
func TestSpacedOffsetLiteral(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE IF NOT EXISTS "Users" ("id"  SERIAL , "name" VARCHAR(255) UNIQUE, "age" INTEGER, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, `+
		`"updatedAt" TIMESTAMP WITH TIME ZONE NOT NULL, "seen" TIMESTAMP, PRIMARY KEY ("id"));`)
	got := rows(t, s, `INSERT INTO "Users" ("id","name","age","createdAt","updatedAt","seen") VALUES `+
		`(DEFAULT,'bob',20,'2026-11-22 19:58:53.637 +00:00','2026-11-22 19:58:53.637 +02:00','2026-11-22 19:58:53.637 +02:00'),`+
		`(DEFAULT,'cat',40,'2026-11-22 19:58:53.637 +00:00','2026-11-22 19:58:53.637 -05:30','2026-11-22 19:58:53 +00:00') `+
		`RETURNING "id","name","age","createdAt"::varchar,"updatedAt"::varchar,"seen"::varchar;`)
	want := []string{
		"1|bob|20|2026-11-22 19:58:53.637+00|2026-11-22 17:58:53.637+00|2026-11-22 19:58:53.637",
		"2|cat|40|2026-11-22 19:58:53.637+00|2026-11-23 01:28:53.637+00|2026-11-22 19:58:53",
	}
	if !slices.Equal(got, want) {
		t.Errorf("bulkCreate:\n got %q\nwant %q", got, want)
	}
	if got := one(t, s, `SELECT count(*) FROM "Users" AS "User" WHERE "User"."updatedAt" < '2026-11-22 19:00:00.000 +00:00';`); got != "1" {
		t.Errorf("where updatedAt < date: %s", got)
	}
	// Only such literals change.
	for _, q := range []string{
		`SELECT 'a 2026-11-22 19:58:53 +00:00'`,
		`SELECT $$2026-11-22 19:58:53 +00:00$$`,
		`SELECT "x 19:58:53 +00:00'"`,
	} {
		if got := spacedOffsetCompat(q); got != q {
			t.Errorf("%s changed to %s", q, got)
		}
	}
	if got := spacedOffsetCompat(`SELECT '2026-11-22 19:58:53 +00:00', 'it''s', '2026-11-22T19:58 -08'`); got != `SELECT '2026-11-22 19:58:53+00:00', 'it''s', '2026-11-22T19:58-08'` {
		t.Errorf("rewritten: %s", got)
	}
}

// TestSequelizeDescribeTable: Sequelize's describeTable (and sync({alter:
// true}), which calls it) reads column comments through
// pg_statio_all_tables, which DuckDB lacks.
func TestSequelizeDescribeTable(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE IF NOT EXISTS "Users" ("id"   SERIAL , "name" VARCHAR(255) UNIQUE, "age" INTEGER, PRIMARY KEY ("id"));`)
	exec(t, s, `COMMENT ON COLUMN "Users"."age" IS 'in years'`)
	q := `SELECT pk.constraint_type as "Constraint",c.column_name as "Field", c.column_default as "Default",c.is_nullable as "Null", ` +
		`(CASE WHEN c.udt_name = 'hstore' THEN c.udt_name ELSE c.data_type END) || (CASE WHEN c.character_maximum_length IS NOT NULL ` +
		`THEN '(' || c.character_maximum_length || ')' ELSE '' END) as "Type", (SELECT array_agg(e.enumlabel) FROM pg_catalog.pg_type t ` +
		`JOIN pg_catalog.pg_enum e ON t.oid=e.enumtypid WHERE t.typname=c.udt_name) AS "special", (SELECT pgd.description ` +
		`FROM pg_catalog.pg_statio_all_tables AS st INNER JOIN pg_catalog.pg_description pgd on (pgd.objoid=st.relid) ` +
		`WHERE c.ordinal_position=pgd.objsubid AND c.table_name=st.relname) AS "Comment" FROM information_schema.columns c ` +
		`LEFT JOIN (SELECT tc.table_schema, tc.table_name, cu.column_name, tc.constraint_type FROM information_schema.TABLE_CONSTRAINTS tc ` +
		`JOIN information_schema.KEY_COLUMN_USAGE  cu ON tc.table_schema=cu.table_schema and tc.table_name=cu.table_name ` +
		`and tc.constraint_name=cu.constraint_name and tc.constraint_type='PRIMARY KEY') pk ON pk.table_schema=c.table_schema ` +
		`AND pk.table_name=c.table_name AND pk.column_name=c.column_name WHERE c.table_name = 'Users' AND c.table_schema = 'public'`
	var got []string
	for _, r := range rows(t, s, q) {
		f := strings.Split(r, "|") // the default and the type are not what this tests
		got = append(got, strings.Join([]string{f[0], f[1], f[3], f[5], f[6]}, "|"))
	}
	want := []string{
		`PRIMARY KEY|id|NO|NULL|NULL`,
		`NULL|name|YES|NULL|NULL`,
		`NULL|age|YES|NULL|in years`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("describeTable:\n got %q\nwant %q", got, want)
	}
	if got := one(t, s, `SELECT schemaname || '.' || relname FROM pg_statio_all_tables WHERE relname = 'Users'`); got != "public.Users" {
		t.Errorf("pg_statio_all_tables: %s", got)
	}
}

// TestIndexKeys: DuckDB's pg_index rows of CREATE INDEX indexes had no
// indkey and an indexprs even for plain columns, so Sequelize's showIndex
// failed on a model's indexes (indkey.split of null) and SQLAlchemy's
// get_indexes skipped them as expression indexes. indkey numbers the
// columns (0 for an expression), as in Postgres.
func TestIndexKeys(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE ix1 (a int, "B c" int, d int, "E""f" int)`)
	exec(t, s, `CREATE INDEX ix1_e ON ix1 (d, "B c")`)
	exec(t, s, `CREATE INDEX ix1_f ON ix1 ((a + d), a)`)
	exec(t, s, `CREATE UNIQUE INDEX ix1_g ON ix1 ("E""f")`)
	got := rows(t, s, `SELECT i.relname, ix.indkey::varchar, ix.indnatts, ix.indexprs IS NULL, pg_get_indexdef(ix.indexrelid) `+
		`FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = (SELECT oid FROM pg_class WHERE relname = 'ix1') ORDER BY 1`)
	want := []string{
		`ix1_e|3 2|2|true|CREATE INDEX ix1_e ON public.ix1 USING art (d, "B c")`,
		`ix1_f|0 1|2|false|CREATE INDEX ix1_f ON public.ix1 USING art (((a + d)), a)`,
		`ix1_g|4|1|true|CREATE UNIQUE INDEX ix1_g ON public.ix1 USING art ("E""f")`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("pg_index:\n got %q\nwant %q", got, want)
	}
}

// TestJSONPathOperators: Postgres's #> and #>> (a path into JSON), which
// DuckDB lacks, are its -> and ->> with a JSON pointer; Sequelize writes
// a where on a nested key ({ 'data.a.b': 1 }) with #>>.
func TestJSONPathOperators(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1 FROM "P" WHERE CAST(("P"."data"#>>'{a,b}') AS DOUBLE PRECISION) = 1;`: `SELECT 1 FROM "P" WHERE CAST((("P"."data" ->> '/a/b')) AS DOUBLE PRECISION) = 1;`,
		`SELECT d #> '{a, "b c", 0}', d#>>'{}' FROM t`:                                  `SELECT (d -> '/a/b c/0'), (d ->> '$') FROM t`,
		`SELECT d #>> '{"a/b",~}' FROM t`:                                               `SELECT (d ->> '/a~1b/~0') FROM t`,
		`SELECT d #>> $1 FROM t`:                                                        `SELECT d #>> $1 FROM t`,
		`SELECT '#>' FROM t`:                                                            `SELECT '#>' FROM t`,
	} {
		if got := jsonPathCompat(in); got != want {
			t.Errorf("%s:\n got %s\nwant %s", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE IF NOT EXISTS "Ps" ("id"   SERIAL , "data" JSONB, PRIMARY KEY ("id"));`)
	exec(t, s, `INSERT INTO "Ps" ("data") VALUES ('{"a":{"b":1,"c":[{"d":"x"}]}}'), ('{"a":{"b":2}}')`)
	if got := one(t, s, `SELECT count(*) FROM "Ps" AS "P" WHERE CAST(("P"."data"#>>'{a,b}') AS DOUBLE PRECISION) = 1;`); got != "1" {
		t.Errorf("where data.a.b = 1: %s", got)
	}
	if got := one(t, s, `SELECT "data" #>> '{a,c,0,d}' FROM "Ps" WHERE id = 1`); got != "x" {
		t.Errorf("#>> into an array: %s", got)
	}
}

// TestLeadWord: the first word, past comments, which the rewrites of some
// statements look at before lexing a whole one (a bulk INSERT's).
func TestLeadWord(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1": "select", "  /* a */ -- b\n\tBegin;": "begin", "(SELECT 1)": "(", "with_x": "with_x",
		"-- only": "", "/* open": "", "": "", "'x'": "",
	} {
		if got := leadWord(in); got != want {
			t.Errorf("leadWord(%q) = %q, want %q", in, got, want)
		}
	}
	if !containsFold("CREATE INDEX i ON t (a TEXT_PATTERN_OPS)", "_ops") || containsFold("a_op", "_ops") {
		t.Error("containsFold with a leading _")
	}
	for in, want := range map[string]bool{"'2026-01-02 10:00 +01'": true, "'10:00:00 -08:00'": true, "'10:00:00 -0800'": false, "a - 1": false, "1 +1": false} {
		if got := hasSpacedOffset(in); got != want {
			t.Errorf("hasSpacedOffset(%q) = %v", in, got)
		}
	}
}
