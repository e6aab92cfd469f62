package sqlengine

import (
	"context"
	"slices"
	"testing"
)

// TestSchemaCompat sends public-qualified names to main where Postgres
// reads public as a schema, and leaves string literals, columns named
// public and relations called public alone.
func TestSchemaCompat(t *testing.T) {
	for in, want := range map[string]string{
		`CREATE TABLE public.t (public INT, "public" TEXT)`:                                                      `CREATE TABLE main.t (public INT, "public" TEXT)`,
		`SELECT * FROM public.clicks c JOIN "public"."u" ON true`:                                                `SELECT * FROM main.clicks c JOIN main."u" ON true`,
		`SELECT public.t.a, public.f(1), x::public.mood FROM t`:                                                  `SELECT main.t.a, main.f(1), x::main.mood FROM t`,
		`SELECT public.t.* FROM public.t`:                                                                        `SELECT t.* FROM main.t`,
		`INSERT INTO public.t (a) VALUES ('public.t')`:                                                           `INSERT INTO main.t (a) VALUES ('public.t')`,
		`UPDATE Public.t SET public = 1 WHERE public.t.public = 2`:                                               `UPDATE main.t SET public = 1 WHERE main.t.public = 2`,
		`DELETE FROM public.t USING public.u WHERE t.a = u.a`:                                                    `DELETE FROM main.t USING main.u WHERE t.a = u.a`,
		`DROP TABLE IF EXISTS public.a, public.b`:                                                                `DROP TABLE IF EXISTS main.a, main.b`,
		`ALTER TABLE public.t ADD COLUMN c INT`:                                                                  `ALTER TABLE main.t ADD COLUMN c INT`,
		`CREATE UNIQUE INDEX i ON public.t (a)`:                                                                  `CREATE UNIQUE INDEX i ON main.t (a)`,
		`COPY public.t FROM STDIN`:                                                                               `COPY main.t FROM STDIN`,
		`SELECT * FROM a, public.b, warehouse.public.c`:                                                          `SELECT * FROM a, main.b, main.c`,
		`SELECT warehouse.public.c.x FROM warehouse.public.c`:                                                    `SELECT main.c.x FROM main.c`,
		`ALTER TABLE "rheo"."public"."m__dbt_tmp" RENAME TO "m"`:                                                 `ALTER TABLE main."m__dbt_tmp" RENAME TO "m"`,
		`SELECT nextval('public.s'), currval('"public".s'), lower('public.s')`:                                   `SELECT nextval('main.s'), currval('main.s'), lower('public.s')`,
		`SELECT column_name FROM "rheo".information_schema."columns" WHERE table_schema = 'public'`:              `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'`,
		`CREATE TABLE "public"."U" ("role" "public"."Role" NOT NULL DEFAULT 'USER', x INT CHECK (public.x > 0))`: `CREATE TABLE main."U" ("role" main."Role" NOT NULL DEFAULT 'USER', x INT CHECK (public.x > 0))`,
		`CREATE TABLE t AS (SELECT DISTINCT public.b FROM t AS public)`:                                          `CREATE TABLE t AS (SELECT DISTINCT public.b FROM t AS public)`,
		`ALTER TABLE t ADD COLUMN m public.mood, ADD n public.mood`:                                              `ALTER TABLE t ADD COLUMN m main.mood, ADD n main.mood`,
		`CREATE TABLE IF NOT EXISTS public.t AS SELECT 1`:                                                        `CREATE TABLE IF NOT EXISTS main.t AS SELECT 1`,
		`SELECT current_schema, CURRENT_SCHEMA(), current_schemas(false)`:                                        `SELECT rheo_pg.main.current_schema(), rheo_pg.main.current_schema(), rheo_pg.main.current_schemas(false)`,
		`WHERE nspname = pg_catalog.current_schema()`:                                                            `WHERE nspname = rheo_pg.main.current_schema()`,
		// Not a schema: a relation called public, its column, a struct field.
		`SELECT public.a FROM t AS public`:                                `SELECT public.a FROM t AS public`,
		`SELECT * FROM t public JOIN u ON public.a = u.a`:                 `SELECT * FROM t public JOIN u ON public.a = u.a`,
		`SELECT t.public.x, public FROM t`:                                `SELECT t.public.x, public FROM t`,
		`SELECT 'public.t', "PUBLIC".t FROM "PUBLIC".t`:                   `SELECT 'public.t', "PUBLIC".t FROM "PUBLIC".t`,
		`SET search_path = public`:                                        `SET search_path = public`,
		`SELECT 1 -- public.t`:                                            `SELECT 1 -- public.t`,
		`COMMENT ON TABLE public.t IS $doc$reads from public.orders$doc$`: `COMMENT ON TABLE main.t IS $doc$reads from public.orders$doc$`,
		`SELECT $$from public.x$$, $1 FROM public.t WHERE a = $2`:         `SELECT $$from public.x$$, $1 FROM main.t WHERE a = $2`,
	} {
		if got := schemaCompat(in); got != want {
			t.Errorf("schemaCompat(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	// Statements without the words are not lexed: an unterminated quote
	// comes back as it was.
	if in := `SELECT 'x`; schemaCompat(in) != in {
		t.Error("a statement without public changed")
	}
}

// TestPublicSchema: public is main as a Postgres client sees it. Tables
// made as public.t are main's, reached by either name; the catalog
// (pg_namespace, information_schema, current_schema(), pg_tables) names
// the schema public; CREATE SCHEMA public makes no second schema. It
// failed with "Schema with name public does not exist" for pandas'
// to_sql(schema='public'), dbt and SQLAlchemy's Table(..., schema='public').
func TestPublicSchema(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	if r, err := s.Query(ctx, `CREATE SCHEMA IF NOT EXISTS public`); err != nil || !slices.Equal(r.Notices(), []string{`schema "public" already exists, skipping`}) {
		t.Fatalf("CREATE SCHEMA IF NOT EXISTS public: %v, %v", r, err)
	}
	if _, err := s.Query(ctx, `CREATE SCHEMA public`); sqlErr(t, err).Code != CodeDuplicateSchema {
		t.Errorf("CREATE SCHEMA public: %v", err)
	}
	if _, err := s.Query(ctx, `DROP SCHEMA IF EXISTS public CASCADE`); sqlErr(t, err).Code != CodeFeature {
		t.Errorf("DROP SCHEMA public: %v", err)
	}
	for _, q := range []string{
		`CREATE SEQUENCE public.clicks_id_seq`,
		`CREATE TABLE public.clicks (id INTEGER PRIMARY KEY DEFAULT nextval('public.clicks_id_seq'), url VARCHAR, public INTEGER)`,
		`INSERT INTO "public".clicks (id, url, public) VALUES (1, 'public.x', 7)`,
		`INSERT INTO clicks VALUES (2, 'b', 8)`,
		`UPDATE public.clicks SET public = public + 1 WHERE public.clicks.id = 2`,
		`CREATE VIEW public.v AS SELECT id FROM public.clicks`,
		`CREATE INDEX clicks_url ON public.clicks (url)`,
		`CREATE TABLE public.visits (click INTEGER REFERENCES public.clicks (id))`,
		`CREATE TABLE public.ser (id bigserial PRIMARY KEY)`,
		`CREATE TYPE public.mood AS ENUM ('ok', 'sad')`,
		`CREATE TABLE public.moods ("m" "public"."mood" NOT NULL DEFAULT 'ok')`,
		`INSERT INTO public.moods VALUES ('sad'::public.mood)`,
		// Stream and lake tables are views in main.
		`CREATE STREAM TABLE public.st (a INT) FROM STREAM 'nostream' FORMAT json`,
		`CREATE EXTERNAL TABLE public.lk (a INT) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://bkt/lk/'`,
	} {
		exec(t, s, q)
	}
	db := one(t, s, "SELECT current_database()")
	for q, want := range map[string][]string{
		`SELECT id, url, public FROM public.clicks ORDER BY 1`:                                                     {"1|public.x|7", "2|b|9"},
		`SELECT count(*) FROM main.clicks JOIN ` + db + `.public.v USING (id) JOIN other_db.public.v w USING (id)`: {"2"},
		`SELECT current_schema(), current_schema, current_schemas(true)`:                                           {"public|public|[pg_catalog public]"},
		// As in Postgres, whose information_schema is a schema too.
		`SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_' ORDER BY 1`:                                                                               {"information_schema", "public"},
		`SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'clicks'`:                              {"public"},
		`SELECT table_schema, table_type FROM information_schema.tables WHERE table_name IN ('clicks', 'v') ORDER BY 2`:                                                {"public|BASE TABLE", "public|VIEW"},
		`SELECT count(*) FROM "dbt".information_schema."columns" WHERE table_schema = 'public' AND table_name = 'clicks'`:                                              {"3"},
		`SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()`:                                                                  {"public"},
		`SELECT constraint_schema, table_schema FROM information_schema.table_constraints WHERE table_name = 'clicks' AND constraint_type = 'PRIMARY KEY'`:             {"public|public"},
		`SELECT schemaname FROM pg_tables WHERE tablename = 'clicks'`:                                                                                                  {"public"},
		`SELECT pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'clicks_url'`: {"CREATE INDEX clicks_url ON public.clicks USING art (url)"},
		// As Postgres prints it with public on the search path (SQLAlchemy
		// takes the schema of a foreign key's table from it).
		`SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint WHERE contype = 'f' AND conname LIKE 'visits%'`: {"FOREIGN KEY (click) REFERENCES clicks(id)"},
		`SELECT table_name, table_schema FROM information_schema.tables WHERE table_name IN ('st', 'lk') ORDER BY 1`:               {"lk|public", "st|public"},
		`SELECT count(*) FROM public.lk`: {"0"},
		// GORM takes a column for auto-increment by this default.
		`SELECT column_default FROM information_schema.columns WHERE table_name = 'ser'`: {"nextval('ser_id_seq'::regclass)"},
		`SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'public'`:             {"0"},
		// The shim's views are pg_catalog's, as in its pg_namespace.
		`SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'pg_type'`: {"pg_catalog"},
	} {
		if got := rows(t, s, q); !slices.Equal(got, want) {
			t.Errorf("%s\n got %v, want %v", q, got, want)
		}
	}
	// A job keeps the statement as written, and runs it.
	exec(t, s, `CREATE JOB pj EVERY '1 hour' AS SELECT count(*) FROM public.clicks`)
	if got := rows(t, s, `SELECT statement FROM rheo_jobs WHERE name = 'pj'`); !slices.Equal(got, []string{"SELECT count(*) FROM public.clicks"}) {
		t.Errorf("job statement: %v", got)
	}
	exec(t, s, `DROP JOB pj`)
	exec(t, s, `DROP VIEW public.v`)
	if got := rows(t, s, `SELECT m FROM public.moods`); !slices.Equal(got, []string{"sad"}) {
		t.Errorf("moods: %v", got)
	}
	exec(t, s, `DROP TABLE public.moods`)
	exec(t, s, `DROP TYPE public.mood`)
	exec(t, s, `DROP TABLE public.st`)
	exec(t, s, `DROP TABLE "public".lk`)
	if got := rows(t, s, `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('st', 'lk')`); !slices.Equal(got, []string{"0"}) {
		t.Errorf("stream and lake tables after DROP TABLE public.x: %v", got)
	}
	exec(t, s, `DROP TABLE public.ser`)
	exec(t, s, `DROP TABLE public.visits`)
	exec(t, s, `DROP TABLE public.clicks`)
	exec(t, s, `DROP SEQUENCE public.clicks_id_seq`)
	if got := rows(t, s, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'clicks'`); !slices.Equal(got, []string{"0"}) {
		t.Errorf("after DROP TABLE public.clicks: %v", got)
	}
}

// TestOldPublicSchema: a warehouse made before public meant main may hold
// a DuckDB schema named public (CREATE SCHEMA IF NOT EXISTS public made
// one); Open drops it when empty, as it would show as a second public,
// and keeps one holding tables, which "PUBLIC".t still reaches.
func TestOldPublicSchema(t *testing.T) {
	e := newEnv(t, envOpt{dbFile: true})
	ctx := context.Background()
	s := e.session()
	if _, err := s.exec(ctx, `CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.reopen()
	s = e.session()
	if got := rows(t, s, `SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'public'`); !slices.Equal(got, []string{"1"}) {
		t.Errorf("public namespaces after reopening with an empty old public: %v", got)
	}
	for _, q := range []string{`CREATE SCHEMA public`, `CREATE TABLE public.old (a INTEGER)`, `INSERT INTO public.old VALUES (1)`} {
		if _, err := s.exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	e.reopen()
	s = e.session()
	if got := rows(t, s, `SELECT a FROM "PUBLIC".old`); !slices.Equal(got, []string{"1"}) {
		t.Errorf(`the old public's table: %v`, got)
	}
}

// TestCatalogNamespaces: every relation in pg_class and every function in
// pg_proc has its schema in pg_namespace, as in Postgres. pgcli lists
// views and functions per schema for its completions (its refresher
// joins them to pg_namespace) and logged an error for each of DuckDB's
// own views, whose schemas pg_namespace lacked.
func TestCatalogNamespaces(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, "CREATE TABLE nt (id INT)")
	exec(t, s, "CREATE VIEW nv AS SELECT id FROM nt")
	exec(t, s, "CREATE TEMP TABLE ntmp (id INT)")
	for q, want := range map[string][]string{
		`SELECT count(*) FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IS NULL`: {"0"},
		`SELECT count(*) FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IS NULL`:  {"0"},
		// pgcli's tables and views queries.
		`SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ` +
			`WHERE c.relkind = ANY(['r', 'p', 'f']) AND c.relname LIKE 'nt%' ORDER BY 1, 2`: {"pg_temp_1|ntmp", "public|nt"},
		`SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ` +
			`WHERE c.relkind = ANY(['v', 'm']) AND c.relname IN ('nv', 'pg_type', 'tables', 'duckdb_tables') ORDER BY 1, 2`: {
			"information_schema|tables", "pg_catalog|duckdb_tables", "pg_catalog|pg_type", "pg_catalog|pg_type", "public|nv"},
		`SELECT DISTINCT n.nspname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ` +
			`WHERE p.proname IN ('abs', 'current_user', 'format_type')`: {"pg_catalog"},
		// pgcli's column metadata names types as Postgres does.
		`SELECT att.attname, att.atttypid::regtype::text FROM pg_catalog.pg_attribute att JOIN pg_catalog.pg_class cls ON att.attrelid = cls.oid ` +
			`WHERE cls.relname = 'nt'`: {"id|integer"},
		// pgcli's function metadata (DuckDB's pg_proc names types).
		`SELECT DISTINCT prorettype::regtype::text FROM pg_catalog.pg_proc p WHERE p.prorettype::regtype != 'trigger'::regtype AND proname = 'abs' ORDER BY 1 LIMIT 1`: {"BIGINT"},
		// pg_catalog is one schema.
		`SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog'`: {"1"},
	} {
		if got := rows(t, s, q); !slices.Equal(got, want) {
			t.Errorf("%s\n got %v, want %v", q, got, want)
		}
	}
}
