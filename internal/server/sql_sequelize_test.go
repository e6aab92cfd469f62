package server

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Sequelize 6 over node-postgres: the statements below are those it sends,
// as it sends them (the extended protocol, parameters as text without
// types).

// sequelizeUsers is the table Sequelize's sync() makes for a model with a
// unique name, an integer, a JSONB and a DATE.
const sequelizeUsers = `CREATE TABLE IF NOT EXISTS "Users" ("id"   SERIAL , "name" VARCHAR(255) UNIQUE, "age" INTEGER, "meta" JSONB, ` +
	`"born" TIMESTAMP WITH TIME ZONE, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, "updatedAt" TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY ("id"));`

// TestSQLSequelizeDateParams: Sequelize binds dates as text with a space
// before the offset ("2026-11-22 19:58:53.001 +00:00"); create, update and
// upsert failed with "invalid input syntax for type timestamp".
func TestSQLSequelizeDateParams(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(q string, args ...string) [][][]byte {
		t.Helper()
		params := make([][]byte, len(args))
		for i, a := range args {
			params[i] = []byte(a)
		}
		res := c.ExecParams(ctx, q, params, nil, nil, nil).Read()
		if res.Err != nil {
			t.Fatalf("%s %q: %v", q, args, res.Err)
		}
		return res.Rows
	}
	run(sequelizeUsers)
	got := run(`INSERT INTO "Users" ("id","name","age","meta","born","createdAt","updatedAt") VALUES (DEFAULT,$1,$2,$3,$4,$5,$6) `+
		`RETURNING "id","name","age","meta","born","createdAt","updatedAt";`,
		"ann", "30", `{"a":1}`, "2026-11-22 19:58:53.001 +02:00", "2026-11-22 19:58:53.001 +00:00", "2026-11-22 19:58:53.001 +00:00")
	if len(got) != 1 || string(got[0][4]) != "2026-11-22 17:58:53.001+00" || string(got[0][5]) != "2026-11-22 19:58:53.001+00" {
		t.Fatalf("create: %q", got)
	}
	run(`UPDATE "Users" SET "age"=$1,"updatedAt"=$2 WHERE "name" = $3`, "31", "2026-11-22 20:00:00.000 +00:00", "ann")
	run(`INSERT INTO "Users" ("name","age","createdAt","updatedAt") VALUES ($1,$2,$3,$4) ON CONFLICT ("name") DO UPDATE SET "name"=EXCLUDED."name",`+
		`"age"=EXCLUDED."age","updatedAt"=EXCLUDED."updatedAt" RETURNING "id","name","age","meta","born","createdAt","updatedAt";`,
		"ann", "32", "2026-11-22 20:01:00.000 +00:00", "2026-11-22 20:01:00.000 +00:00")
	got = run(`SELECT "age", "updatedAt" FROM "Users" AS "User" WHERE "User"."name" = 'ann';`)
	if len(got) != 1 || string(got[0][0]) != "32" || string(got[0][1]) != "2026-11-22 20:01:00+00" {
		t.Errorf("after update and upsert: %q", got)
	}
}

// TestSQLSequelizeShowIndex: sync() reads a table's indexes so, and
// splits indkey (an int2vector, "1 2") on spaces and parses column_names
// (a name[], which node-postgres leaves as text) itself; as int2[] and
// varchar[], which node-postgres turns into arrays, it failed with
// "text.replace is not a function"; an index made by CREATE INDEX (a
// model's indexes) had no indkey at all.
func TestSQLSequelizeShowIndex(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Exec(ctx, sequelizeUsers+`CREATE TABLE "Pairs" ("a" INTEGER, "b" INTEGER, "c d" INTEGER, UNIQUE ("b", "a")); `+
		`CREATE INDEX "pairs_c_d_a" ON "Pairs" ("c d", "a")`).Close(); err != nil {
		t.Fatal(err)
	}
	res := c.ExecParams(ctx, `SELECT i.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique, ix.indkey AS indkey, `+
		`array_agg(a.attnum) as column_indexes, array_agg(a.attname) AS column_names, pg_get_indexdef(ix.indexrelid) AS definition `+
		`FROM pg_class t, pg_class i, pg_index ix, pg_attribute a WHERE t.oid = ix.indrelid AND i.oid = ix.indexrelid AND a.attrelid = t.oid `+
		`AND t.relkind = 'r' and t.relname IN ('Users', 'Pairs') GROUP BY i.relname, ix.indexrelid, ix.indisprimary, ix.indisunique, ix.indkey ORDER BY i.relname;`,
		nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if oid := res.FieldDescriptions[3].DataTypeOID; oid != 22 {
		t.Errorf("indkey's type OID %d, want 22 (int2vector)", oid)
	}
	if oid := res.FieldDescriptions[5].DataTypeOID; oid != 1003 {
		t.Errorf("column_names' type OID %d, want 1003 (name[])", oid)
	}
	var got []string
	for _, r := range res.Rows {
		// array_agg without ORDER BY: the names come in any order.
		names := strings.Split(strings.Trim(string(r[5]), "{}"), ",")
		slices.Sort(names)
		got = append(got, string(r[0])+"|"+string(r[3])+"|{"+strings.Join(names, ",")+"}")
	}
	if def := string(res.Rows[len(res.Rows)-1][6]); def != `CREATE INDEX pairs_c_d_a ON public.Pairs USING art ("c d", a)` {
		t.Errorf("definition: %s", def)
	}
	want := []string{
		`Pairs_b_a_key|2 1|{"c d",a,b}`,
		"Users_id_pkey|1|{age,born,createdAt,id,meta,name,updatedAt}",
		"Users_name_key|2|{age,born,createdAt,id,meta,name,updatedAt}",
		`pairs_c_d_a|3 1|{"c d",a,b}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("indexes:\n got %q\nwant %q", got, want)
	}
}

// TestSQLSequelizeFindOrCreate: findOrCreate inserts through a PL/pgSQL
// function in pg_temp that catches the unique violation, sent as one
// simple query; DuckDB has no PL/pgSQL and failed with a syntax error.
// rheo runs that function's INSERT with ON CONFLICT DO NOTHING: a key
// that exists returns no row, on which Sequelize finds the row instead.
func TestSQLSequelizeFindOrCreate(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Exec(ctx, sequelizeUsers).Close(); err != nil {
		t.Fatal(err)
	}
	findOrCreate := func(name string) []*pgconn.Result {
		t.Helper()
		q := `CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response "Users", OUT sequelize_caught_exception text) RETURNS RECORD AS ` +
			`$func_4d96a62e130e4b08b38f17aed4a6c72f$ BEGIN INSERT INTO "Users" ("id","name","age","createdAt","updatedAt") VALUES ` +
			`(DEFAULT,'` + name + `',1,'2026-11-22 20:15:34.171 +00:00','2026-11-22 20:15:34.171 +00:00') RETURNING * INTO response; ` +
			`EXCEPTION WHEN unique_violation THEN GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; ` +
			`END $func_4d96a62e130e4b08b38f17aed4a6c72f$ LANGUAGE plpgsql; SELECT (testfunc.response)."id", (testfunc.response)."name", ` +
			`(testfunc.response)."age", (testfunc.response)."createdAt", (testfunc.response)."updatedAt", testfunc.sequelize_caught_exception ` +
			`FROM pg_temp.testfunc(); DROP FUNCTION IF EXISTS pg_temp.testfunc();`
		if err := c.Exec(ctx, "START TRANSACTION;").Close(); err != nil {
			t.Fatal(err)
		}
		res, err := c.Exec(ctx, q).ReadAll()
		if err != nil {
			t.Fatalf("findOrCreate(%s): %v", name, err)
		}
		if err := c.Exec(ctx, "COMMIT;").Close(); err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].CommandTag.String() != "CREATE FUNCTION" || res[2].CommandTag.String() != "DROP FUNCTION" {
			t.Fatalf("findOrCreate(%s): %d results", name, len(res))
		}
		return res
	}
	res := findOrCreate("eve")[1]
	if len(res.Rows) != 1 || string(res.Rows[0][0]) != "1" || string(res.Rows[0][3]) != "2026-11-22 20:15:34.171+00" || res.Rows[0][5] != nil ||
		res.CommandTag.String() != "SELECT 1" || string(res.FieldDescriptions[5].Name) != "sequelize_caught_exception" {
		t.Errorf("created: %s %q", res.CommandTag, res.Rows)
	}
	if res := findOrCreate("eve")[1]; len(res.Rows) != 0 {
		t.Errorf("existing: %q", res.Rows)
	}
	// Other PL/pgSQL is refused as not supported.
	err := c.Exec(ctx, `CREATE FUNCTION f() RETURNS integer AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql`).Close()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "0A000" {
		t.Errorf("CREATE FUNCTION in plpgsql: %v", err)
	}
}

// TestSQLSequelizeEnum: sync() makes a model's ENUM type in a DO block
// that ignores an existing type; DuckDB has no DO and failed with a
// syntax error. It runs as CREATE TYPE IF NOT EXISTS.
func TestSQLSequelizeEnum(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for range 2 { // sync({force: true}), then again
		res, err := c.Exec(ctx, `DROP TABLE IF EXISTS "Ps" CASCADE;`+
			`DROP TYPE IF EXISTS "public"."enum_Ps_kind"; DO 'BEGIN CREATE TYPE "public"."enum_Ps_kind" AS ENUM(''a'', ''b''); `+
			`EXCEPTION WHEN duplicate_object THEN null; END';`).ReadAll()
		if err != nil || len(res) != 3 || res[2].CommandTag.String() != "DO" {
			t.Fatalf("DO: %v", err)
		}
	}
	if err := c.Exec(ctx, `DO 'BEGIN CREATE TYPE "public"."enum_Ps_kind" AS ENUM(''a'', ''b''); EXCEPTION WHEN duplicate_object THEN null; END';`+
		`CREATE TABLE IF NOT EXISTS "Ps" ("id"   SERIAL , "kind" "public"."enum_Ps_kind", PRIMARY KEY ("id"));`+
		`INSERT INTO "Ps" ("kind") VALUES ('b')`).Close(); err != nil {
		t.Fatalf("the type again, and a table of it: %v", err)
	}
	var pe *pgconn.PgError
	if err := c.Exec(ctx, `DO $$ BEGIN RAISE NOTICE 'x'; END $$`).Close(); !errors.As(err, &pe) || pe.Code != "0A000" {
		t.Errorf("another DO block: %v", err)
	}
}

// TestSQLSequelizeTypeOIDs: Sequelize reads pg_type at connect and keys
// its value parsers by pg_type.oid; sent as int8, which node-postgres
// leaves as a string, the keys never matched a column's type OID, and a
// DATEONLY came back as a Date rather than 'YYYY-MM-DD'. It is an oid
// (26), as in Postgres.
func TestSQLSequelizeTypeOIDs(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := c.ExecParams(ctx, `WITH ranges AS (  SELECT pg_range.rngtypid, pg_type.typname AS rngtypname,         pg_type.typarray AS rngtyparray, `+
		`pg_range.rngsubtype    FROM pg_range LEFT OUTER JOIN pg_type ON pg_type.oid = pg_range.rngtypid)SELECT pg_type.typname, pg_type.typtype, `+
		`pg_type.oid, pg_type.typarray,       ranges.rngtypname, ranges.rngtypid, ranges.rngtyparray  FROM pg_type LEFT OUTER JOIN ranges `+
		`ON pg_type.oid = ranges.rngsubtype WHERE (pg_type.typtype IN('b', 'e'));`, nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if oid := res.FieldDescriptions[2].DataTypeOID; oid != 26 {
		t.Errorf("pg_type.oid's type OID %d, want 26 (oid)", oid)
	}
	found := false
	for _, r := range res.Rows {
		found = found || string(r[0]) == "date" && string(r[2]) == "1082"
	}
	if !found {
		t.Errorf("no date 1082 in %d rows", len(res.Rows))
	}
	// In binary, as pgx reads an oid.
	var oid uint32
	if err := pgxConn(t, s).QueryRow(ctx, `SELECT oid FROM pg_type WHERE typname = 'int4'`).Scan(&oid); err != nil || oid != 23 {
		t.Errorf("int4's oid %d, %v", oid, err)
	}
}
