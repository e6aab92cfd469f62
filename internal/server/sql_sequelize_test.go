package server

import (
	"context"
	"slices"
	"testing"
	"time"
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
// "text.replace is not a function".
func TestSQLSequelizeShowIndex(t *testing.T) {
	s := startSQL(t)
	c := pgxConn(t, s).PgConn()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Exec(ctx, sequelizeUsers+`CREATE TABLE "Pairs" ("a" INTEGER, "b" INTEGER, UNIQUE ("b", "a"))`).Close(); err != nil {
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
		got = append(got, string(r[0])+"|"+string(r[3])+"|"+string(r[5]))
	}
	want := []string{
		"Pairs_b_a_key|2 1|{a,b}",
		"Users_id_pkey|1|{id,name,age,meta,born,createdAt,updatedAt}",
		"Users_name_key|2|{id,name,age,meta,born,createdAt,updatedAt}",
	}
	if !slices.Equal(got, want) {
		t.Errorf("indexes:\n got %q\nwant %q", got, want)
	}
}
