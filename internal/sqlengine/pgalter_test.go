package sqlengine

import (
	"context"
	"testing"
)

// TestAlterSameType answers an ALTER COLUMN ... TYPE that keeps the
// column's DuckDB type without running it: DuckDB refuses to alter a
// table with an index, and GORM's AutoMigrate sends ALTER ... TYPE text
// for every string column it declared text, on every start. ALTERs that
// change the type still run (and still fail on an indexed table).
func TestAlterSameType(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE "users" ("id" bigserial, "name" text, "email" varchar(120), "score" decimal, "n" int, PRIMARY KEY ("id"))`)
	exec(t, s, `CREATE UNIQUE INDEX "idx_users_email" ON "users" ("email")`)
	for _, st := range []string{
		`ALTER TABLE "users" ALTER COLUMN "name" TYPE text USING "name"::text`,
		`ALTER TABLE "users" ALTER COLUMN "email" TYPE varchar(200) USING "email"::varchar(200)`,
		`alter table main.users alter name set data type character varying;`,
		`ALTER TABLE users ALTER score TYPE numeric`,
		`ALTER TABLE users ALTER COLUMN n TYPE int4`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	for _, st := range []string{
		`ALTER TABLE users ALTER COLUMN n TYPE bigint`,
		`ALTER TABLE users ALTER COLUMN name TYPE text USING upper(name)`,
		`ALTER TABLE nope ALTER COLUMN name TYPE text`,
	} {
		if _, err := s.Query(context.Background(), st); err == nil {
			t.Errorf("%s: ran", st)
		}
	}
	if got := one(t, s, `SELECT data_type FROM duckdb_columns() WHERE table_name = 'users' AND column_name = 'n'`); got != "INTEGER" {
		t.Errorf("n is %s", got)
	}
}

// TestAddUniqueConstraint takes ALTER TABLE ... ADD CONSTRAINT name
// UNIQUE (cols), which knex's unique() sends and DuckDB does not
// implement, as the unique index Postgres backs it with: duplicates are
// refused and ON CONFLICT (cols) finds it.
func TestAddUniqueConstraint(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `create table "kusers" ("id" serial primary key, "email" varchar(255), "org" int)`)
	for _, st := range []string{
		`alter table "kusers" add constraint "kusers_email_unique" unique ("email")`,
		`ALTER TABLE main.kusers ADD CONSTRAINT kusers_org_email UNIQUE (org, email);`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	exec(t, s, `insert into kusers (email, org) values ('a@x', 1)`)
	if _, err := s.Query(context.Background(), `insert into kusers (email, org) values ('a@x', 2)`); err == nil || sqlErr(t, err).Code != "23505" {
		t.Errorf("duplicate of a unique constraint: %v", err)
	}
	exec(t, s, `insert into kusers (email, org) values ('a@x', 3) on conflict (email) do update set org = excluded.org`)
	if got := one(t, s, `select org from kusers where email = 'a@x'`); got != "3" {
		t.Errorf("ON CONFLICT (email) DO UPDATE: org %s", got)
	}
}
