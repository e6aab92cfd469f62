package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql's "pgx" driver, which GORM's postgres driver uses
)

// ORMs read information_schema to migrate their models. GORM's
// AutoMigrate creates a table with a bigserial key and, on the next start,
// reads its columns (joining udt_name to pg_type), its comments and its
// unique columns with the queries below; each must answer as Postgres
// does, or GORM fails or alters every column.
func TestSQLGormCatalog(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, q := range []string{
		`CREATE TABLE "users" ("id" bigserial,"name" text,"email" varchar(120),"age" bigint,"score" decimal,"active" boolean DEFAULT true,` +
			`"tags" text[],"created_at" timestamptz,PRIMARY KEY ("id"))`,
		`CREATE UNIQUE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	query := func(q string, args ...any) []string {
		t.Helper()
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			var f []string
			for _, v := range vals {
				f = append(f, fmt.Sprint(v))
			}
			out = append(out, strings.Join(f, "|"))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return out
	}
	// GORM asks for the schema its queries name (its CurrentSchema); it
	// is public, as in Postgres.
	if got := query(`SELECT CURRENT_SCHEMA()`); !slices.Equal(got, []string{"public"}) {
		t.Fatalf("CURRENT_SCHEMA() = %q, want public", got)
	}
	got := query(`SELECT c.column_name, c.is_nullable = 'YES', c.udt_name, c.numeric_precision, c.datetime_precision, 8 * typlen, c.column_default, c.data_type `+
		`FROM information_schema.columns AS c JOIN pg_type AS pgt ON c.udt_name = pgt.typname `+
		`LEFT JOIN pg_catalog.pg_description as pd ON pd.objsubid = c.ordinal_position AND pd.objoid = (SELECT oid FROM pg_catalog.pg_class WHERE relname = c.table_name `+
		`AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = c.table_schema)) `+
		`where table_catalog = $1 AND table_schema = $2 AND table_name = $3 ORDER BY c.ordinal_position`, "warehouse", "public", "users")
	want := []string{
		"id|false|int8|64|<nil>|64|nextval('users_id_seq'::regclass)|bigint",
		"name|true|varchar|<nil>|<nil>|-8|<nil>|character varying",
		"email|true|varchar|<nil>|<nil>|-8|<nil>|character varying",
		"age|true|int8|64|<nil>|64|<nil>|bigint",
		"score|true|numeric|18|<nil>|-8|<nil>|numeric",
		"active|true|bool|<nil>|<nil>|8|true|boolean",
		"tags|true|_varchar|<nil>|<nil>|-8|<nil>|ARRAY",
		"created_at|true|timestamptz|<nil>|6|64|<nil>|timestamp with time zone",
	}
	if !slices.Equal(got, want) {
		t.Errorf("GORM's ColumnTypes:\n got %q\nwant %q", got, want)
	}
	// A column without a comment has no pg_description row.
	if got := query(`SELECT description FROM pg_catalog.pg_description WHERE objsubid = (SELECT ordinal_position FROM information_schema.columns `+
		`WHERE table_schema = CURRENT_SCHEMA() AND table_name = $1 AND column_name = $2) AND objoid = (SELECT oid FROM pg_catalog.pg_class `+
		`WHERE relname = $1 AND relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = CURRENT_SCHEMA()))`, "users", "id"); len(got) != 0 {
		t.Errorf("description of an uncommented column: %q", got)
	}
	if got := query(`SELECT c.column_name, constraint_name, constraint_type FROM information_schema.table_constraints tc `+
		`JOIN information_schema.constraint_column_usage AS ccu USING (constraint_schema, constraint_catalog, table_name, constraint_name) `+
		`JOIN information_schema.columns AS c ON c.table_schema = tc.constraint_schema AND tc.table_name = c.table_name AND ccu.column_name = c.column_name `+
		`WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND c.table_catalog = $1 AND c.table_schema = $2 AND c.table_name = $3`,
		"warehouse", "public", "users"); !slices.Equal(got, []string{"id|users_id_pkey|PRIMARY KEY"}) {
		t.Errorf("GORM's unique columns: %q", got)
	}
}

// A parameter compared with or stored into a DECIMAL column is numeric,
// as in Postgres, so pgx sends Go floats and integers there (GORM's
// float64 fields are decimal columns); as text, pgx refuses to encode
// them ("cannot find encode plan").
func TestSQLPgxDecimalParams(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, `CREATE TABLE prices (id INTEGER, amount DECIMAL(10,2), score decimal)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO prices VALUES ($1, $2, $3)`, 1, 12.5, 3); err != nil {
		t.Fatalf("INSERT float64 and int into DECIMAL: %v", err)
	}
	var amount float64
	if err := c.QueryRow(ctx, `SELECT amount FROM prices WHERE amount > $1 AND score = $2`, 10.25, 3).Scan(&amount); err != nil || amount != 12.5 {
		t.Fatalf("SELECT with DECIMAL parameters = %v, %v", amount, err)
	}
}

// TestSQLPublicSchema: Postgres clients name their tables' schema,
// public, which is rheo's main. pandas' to_sql(schema='public') (through
// SQLAlchemy), pgx's CopyFrom with a qualified name, knex's hasTable and
// psql's \d public.t and dbt's catalog queries work on it, a second to_sql
// replaces or appends to the table the first made, and CREATE SCHEMA IF NOT
// EXISTS public (dbt) makes no second schema. They failed with "Schema
// with name public does not exist".
func TestSQLPublicSchema(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, q := range []string{`CREATE SCHEMA IF NOT EXISTS "public"`, `CREATE TABLE public.events (id INTEGER, kind TEXT)`} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n, err := c.CopyFrom(ctx, pgx.Identifier{"public", "events"}, []string{"id", "kind"},
		pgx.CopyFromRows([][]any{{int32(1), "a"}, {int32(2), "b"}})); err != nil || n != 2 {
		t.Fatalf("CopyFrom public.events: %d, %v", n, err)
	}
	var n int
	// knex's hasTable.
	if err := c.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = $1 AND table_schema = current_schema()`,
		"events").Scan(&n); err != nil || n != 1 {
		t.Errorf("knex's hasTable: %d, %v", n, err)
	}
	if err := c.QueryRow(ctx, `SELECT count(*) FROM "public".events e WHERE e.id > $1`, 0).Scan(&n); err != nil || n != 2 {
		t.Errorf("SELECT from \"public\".events: %d, %v", n, err)
	}
	// dbt (postgres adapter, schema: public) lists the schema's relations
	// and reads a model's columns with its database in the names.
	for _, q := range []string{`CREATE TABLE "rheo"."public"."m__dbt_tmp" AS (SELECT 1 AS id)`,
		`ALTER TABLE "rheo"."public"."m__dbt_tmp" RENAME TO "m"`} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var rels, cols string
	if err := c.QueryRow(ctx, `SELECT string_agg(name || ':' || type, ',' ORDER BY name) FROM (`+
		`SELECT 'rheo' AS database, tablename AS name, schemaname AS schema, 'table' AS type FROM pg_tables WHERE schemaname ILIKE 'public' `+
		`UNION ALL SELECT 'rheo' AS database, viewname AS name, schemaname AS schema, 'view' AS type FROM pg_views WHERE schemaname ILIKE 'public' `+
		`UNION ALL SELECT 'rheo' AS database, matviewname AS name, schemaname AS schema, 'materialized_view' AS type FROM pg_matviews WHERE schemaname ILIKE 'public') r `+
		`WHERE name NOT LIKE 'rheo%'`).Scan(&rels); err != nil || rels != "events:table,m:table" {
		t.Errorf("dbt's list_relations_without_caching: %q, %v", rels, err)
	}
	if err := c.QueryRow(ctx, `SELECT string_agg(column_name || ' ' || data_type, ',') FROM "rheo".information_schema."columns" `+
		`WHERE table_name = 'm' AND table_schema = 'public'`).Scan(&cols); err != nil || cols != "id integer" {
		t.Errorf("dbt's get_columns_in_relation: %q, %v", cols, err)
	}
	out, err := psqlOn(s, "-c", `\dt public.*`, "-c", `\d public.events`, "-c", `\dn`,
		"-c", `CREATE VIEW public.kinds AS SELECT kind FROM public.events`, "-c", `\d+ public.kinds`)
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{" public | events ", " public | m ", `Table "public.events"`, " kind   | character varying ", `View "public.kinds"`, "View definition:\n SELECT kind FROM main.events;", "List of schemas\n  Name  | Owner \n--------+-------\n public | rheo\n(1 row)"} {
		if !strings.Contains(out, want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}

	// pandas' to_sql(name, engine, schema='public', if_exists=...) without
	// pandas: SQLAlchemy's has_table, then DROP, CREATE and INSERT as
	// pandas' SQLDatabase sends them.
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import sqlalchemy, psycopg2").Run() != nil {
		t.Skip("SQLAlchemy or psycopg2 not installed for /usr/bin/python3")
	}
	script := `import sys
from sqlalchemy import create_engine, inspect, MetaData, Table, Column, Integer, Text, text
e = create_engine(sys.argv[1])
def to_sql(if_exists, rows):
    t = Table('scores', MetaData(), Column('index', Integer), Column('name', Text), schema='public')
    exists = inspect(e).has_table('scores', schema='public')
    with e.begin() as c:
        if exists and if_exists == 'replace':
            t.drop(c)
            exists = False
        if not exists:
            t.create(c)
        c.execute(t.insert(), rows)
to_sql('replace', [{'index': 0, 'name': 'a'}])
to_sql('replace', [{'index': 0, 'name': 'b'}, {'index': 1, 'name': 'c'}])
to_sql('append', [{'index': 2, 'name': 'd'}])
i = inspect(e)
print(i.default_schema_name, i.get_schema_names(), 'scores' in i.get_table_names(schema='public'))
with e.connect() as c:
    print(c.execute(text("SELECT string_agg(name, ',' ORDER BY name) FROM public.scores")).scalar())
`
	url := "postgresql+psycopg2://rheo@" + s.PGAddr().String() + "/rheo"
	b, err := exec.CommandContext(ctx, py, "-c", script, url).CombinedOutput()
	// get_schema_names lists information_schema, as it does on Postgres.
	if want := "public ['information_schema', 'public'] True\nb,c,d\n"; err != nil || string(b) != want {
		t.Errorf("SQLAlchemy: %v\n got %s\nwant %s", err, b, want)
	}
}

// TestSQLSavepoints: ORMs' nested transactions are savepoints, which the
// engine lacks. Their success paths work as on Postgres: GORM's nested
// Transaction (SAVEPOINT sp<N>, no RELEASE), pgx's Tx.Begin and
// SQLAlchemy's begin_nested (RELEASE SAVEPOINT), a nested block rolled
// back before it ran anything. A ROLLBACK TO that would have to undo
// statements, a failed one included (get_or_create's duplicate key),
// fails with 0A000 and leaves the block aborted; its COMMIT fails too
// (GORM ignores the error of ROLLBACK TO): nothing of it is committed,
// and the client is told so. They failed with a syntax error at
// SAVEPOINT.
func TestSQLSavepoints(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, `CREATE TABLE "users" ("id" bigint, "name" text, PRIMARY KEY ("id"))`); err != nil {
		t.Fatal(err)
	}
	names := func() string {
		t.Helper()
		var got string
		if err := c.QueryRow(ctx, `SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM users`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}

	// GORM through database/sql and pgx's stdlib, as GORM sends it:
	// db.Transaction(func(tx) { tx.Create(a); tx.Transaction(func(tx2) { tx2.Create(b) }) }).
	db, err := sql.Open("pgx", s.PGURL()+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gorm := func(nested func(tx *sql.Tx) error) (innerErr, commitErr error) {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO "users" ("name","id") VALUES ($1,$2)`, "outer", 1); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT sp5577006791947779410"); err != nil {
			t.Fatalf("GORM's SAVEPOINT: %v", err)
		}
		if innerErr = nested(tx); innerErr != nil {
			_, _ = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT sp5577006791947779410") // GORM ignores its error
		}
		// The application handled the nested error: the outer
		// function returns nil, so GORM commits.
		return innerErr, tx.Commit()
	}
	inner, commit := gorm(func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO "users" ("name","id") VALUES ($1,$2)`, "nested", 2)
		return err
	})
	if inner != nil || commit != nil || names() != "outer,nested" {
		t.Fatalf("GORM nested transaction: %v, %v, rows %q", inner, commit, names())
	}
	if _, err := c.Exec(ctx, "DELETE FROM users"); err != nil {
		t.Fatal(err)
	}
	inner, commit = gorm(func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO "users" ("name","id") VALUES ($1,$2)`, "duplicate", 1)
		return err
	})
	var pe, ce *pgconn.PgError
	if !errors.As(inner, &pe) || pe.Code != "23505" || !errors.As(commit, &ce) || ce.Code != "0A000" || names() != "" {
		t.Fatalf("GORM nested transaction failing: %v, commit %v (want 0A000), rows %q", inner, commit, names())
	}

	// pgx: the simple protocol (Tx.Begin is SAVEPOINT, its Commit
	// RELEASE, its Rollback ROLLBACK TO), then the extended one.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO users VALUES ($1, $2)`, 1, "a"); err != nil {
		t.Fatal(err)
	}
	for i, commit := range []bool{true, false} {
		nested, err := tx.Begin(ctx)
		if err != nil {
			t.Fatalf("pgx nested Begin: %v", err)
		}
		if commit {
			if _, err := nested.Exec(ctx, `INSERT INTO users VALUES ($1, $2)`, 2+i, "b"); err != nil {
				t.Fatal(err)
			}
			err = nested.Commit(ctx)
		} else {
			err = nested.Rollback(ctx)
		}
		if err != nil {
			t.Fatalf("pgx nested Commit %v: %v", commit, err)
		}
	}
	pc := tx.Conn().PgConn()
	for _, q := range []string{"SAVEPOINT x", "ROLLBACK TO SAVEPOINT x", "RELEASE SAVEPOINT x"} {
		tag, err := pc.ExecParams(ctx, q, nil, nil, nil, nil).Close()
		if want, _, _ := strings.Cut(q, " "); err != nil || tag.String() != want {
			t.Fatalf("%s in the extended protocol: %q, %v", q, tag, err)
		}
	}
	_, err = pc.ExecParams(ctx, "ROLLBACK TO SAVEPOINT x", nil, nil, nil, nil).Close()
	if !errors.As(err, &pe) || pe.Code != "3B001" || pe.Message != `savepoint "x" does not exist` {
		t.Fatalf("ROLLBACK TO a released savepoint: %v", err)
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("COMMIT after 3B001: %v", err)
	}
	if _, err := c.Exec(ctx, "SAVEPOINT x"); !errors.As(err, &pe) || pe.Code != "25P01" || pe.Message != "SAVEPOINT can only be used in transaction blocks" {
		t.Fatalf("SAVEPOINT outside a transaction block: %v", err)
	}

	// SQLAlchemy's begin_nested (psycopg2).
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import sqlalchemy, psycopg2").Run() != nil {
		t.Skip("SQLAlchemy or psycopg2 not installed for /usr/bin/python3")
	}
	script := `import sys
from sqlalchemy import create_engine, text, exc
e = create_engine(sys.argv[1])
with e.begin() as c:
    c.execute(text("INSERT INTO users VALUES (10, 'outer')"))
    with c.begin_nested():
        c.execute(text("INSERT INTO users VALUES (11, 'nested')"))
    c.begin_nested().rollback()
try:
    with e.begin() as c:
        c.execute(text("INSERT INTO users VALUES (12, 'lost')"))
        try:
            with c.begin_nested():
                c.execute(text("INSERT INTO users VALUES (10, 'duplicate')"))
        except exc.IntegrityError:
            pass
except exc.NotSupportedError as err:
    print(err.orig.pgcode)
with e.connect() as c:
    print(c.execute(text("SELECT string_agg(name, ',' ORDER BY id) FROM users")).scalar())
`
	url := "postgresql+psycopg2://rheo@" + s.PGAddr().String() + "/rheo"
	b, err := exec.CommandContext(ctx, py, "-c", script, url).CombinedOutput()
	if want := "0A000\nouter,nested\n"; err != nil || string(b) != want {
		t.Errorf("SQLAlchemy begin_nested: %v\n got %s\nwant %s", err, b, want)
	}
}

// TestSQLJSONBClients: JSON columns are jsonb to drivers and the catalog.
// Django's postgresql backend turns psycopg2's decoding off for jsonb
// (3802) only and decodes JSONField values itself: described as json
// (114), they reached it decoded, and every JSONField read failed with
// "the JSON object must be str, bytes or bytearray, not dict". pgjdbc
// names a result column's type with the pg_type query below, which found
// no jsonb row, and pg_attribute said character varying.
func TestSQLJSONBClients(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Exec(ctx, `CREATE TABLE shop_product ("id" bigint NOT NULL PRIMARY KEY, "attrs" jsonb NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var nsp, typ, dataType, udt, formatted string
	var visible bool
	if err := c.QueryRow(ctx, "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t "+
		"JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1", 3802).Scan(&visible, &nsp, &typ); err != nil ||
		!visible || nsp != "pg_catalog" || typ != "jsonb" {
		t.Errorf("pgjdbc's pg_type lookup of 3802: %v %q %q, %v", visible, nsp, typ, err)
	}
	if err := c.QueryRow(ctx, "SELECT data_type, udt_name, pg_catalog.format_type(3802, NULL) FROM information_schema.columns "+
		"WHERE table_name = 'shop_product' AND column_name = 'attrs'").Scan(&dataType, &udt, &formatted); err != nil ||
		dataType != "jsonb" || udt != "jsonb" || formatted != "jsonb" {
		t.Errorf("information_schema and format_type: %q %q %q, %v", dataType, udt, formatted, err)
	}
	// SQLAlchemy's get_columns, pgjdbc's getColumns and psql's \d read
	// the column's type from pg_attribute.
	if err := c.QueryRow(ctx, "SELECT format_type(a.atttypid, a.atttypmod), t.typname FROM pg_catalog.pg_attribute a "+
		"JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "+
		"WHERE c.relname = 'shop_product' AND a.attname = 'attrs'").Scan(&formatted, &typ); err != nil || formatted != "jsonb" || typ != "jsonb" {
		t.Errorf("pg_attribute: %q %q, %v", formatted, typ, err)
	}

	// The jsonb operators with parameters, as pgx sends them: a bare ?
	// is the operator on the wire, where parameters are $n.
	if _, err := c.Exec(ctx, `INSERT INTO shop_product VALUES (7, '{"k": [1, 2], "s": "x"}')`); err != nil {
		t.Fatal(err)
	}
	for _, mode := range allModes {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM shop_product WHERE attrs ? $1 AND attrs ?| $2 AND attrs ?& $2 `+
			`AND attrs @> $3::jsonb AND '{"s": "x"}' <@ attrs`, mode, "k", []string{"k", "s"}, `{"k": [2]}`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%v: jsonb operators with parameters: %d rows, %v", mode, n, err)
		}
	}

	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import psycopg2").Run() != nil {
		t.Skip("psycopg2 not installed for /usr/bin/python3")
	}
	// What Django's backend does at connect, then a JSONField's INSERT
	// (psycopg2's Json adapter) and read.
	script := `import sys, json, psycopg2, psycopg2.extras
c = psycopg2.connect(sys.argv[1])
psycopg2.extras.register_default_jsonb(conn_or_curs=c, loads=lambda x: x)
cur = c.cursor()
cur.execute('INSERT INTO "shop_product" ("id", "attrs") VALUES (%s, %s)', [1, psycopg2.extras.Json({"color": "red", "tags": ["f"]})])
cur.execute('SELECT "attrs" FROM "shop_product" WHERE "shop_product"."attrs" ? %s AND "shop_product"."attrs" @> %s', ['color', psycopg2.extras.Json({"tags": ["f"]})])
v = cur.fetchone()[0]
print(type(v).__name__, json.loads(v))
cur.execute("""SELECT '{"a": 1}'::json""")
print(cur.fetchone()[0])
`
	host, port, _ := strings.Cut(s.PGAddr().String(), ":")
	dsn := fmt.Sprintf("host=%s port=%s user=rheo dbname=rheo", host, port)
	b, err := exec.CommandContext(ctx, py, "-c", script, dsn).CombinedOutput()
	if want := "str {'color': 'red', 'tags': ['f']}\n{\"a\":1}\n"; err != nil || string(b) != want {
		t.Errorf("psycopg2 as Django sets it up: %v\n got %s\nwant %s", err, b, want)
	}
}
