package sqlengine

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestAlterSameType answers an ALTER COLUMN ... TYPE that keeps the
// column's DuckDB type without running it: DuckDB refuses to alter a
// table with an index, and GORM's AutoMigrate sends ALTER ... TYPE text
// for every string column it declared text, on every start. ALTERs that
// change the type still run, around the table's indexes.
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
	exec(t, s, `ALTER TABLE users ALTER COLUMN n TYPE bigint`)
	if _, err := s.Query(context.Background(), `ALTER TABLE nope ALTER COLUMN name TYPE text`); err == nil {
		t.Errorf("ALTER of a missing table ran")
	}
	if got := one(t, s, `SELECT data_type FROM duckdb_columns() WHERE table_name = 'users' AND column_name = 'n'`); got != "BIGINT" {
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

// TestAlterIndexedTable runs the ALTER TABLEs DuckDB refuses on a table
// with an index (Dependency Error, XX000), as Postgres does: every
// gorm.Model table has one (deleted_at), so GORM's Migrator DropColumn,
// RenameColumn and AlterColumn always failed. The indexes are dropped and
// rebuilt around the ALTER in one transaction. DuckDB cannot change the
// type of an indexed column, nor drop it, in one transaction: those get
// 0A000 saying what to do.
func TestAlterIndexedTable(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	exec(t, s, `create table ix1 (id int primary key, a varchar, b int, c int, d int, e int)`)
	exec(t, s, `create index ix1_a on ix1(a)`)
	exec(t, s, `create index "ix1 ca" on ix1(c, lower(a))`)
	exec(t, s, `insert into ix1 values (1, 'x', 2, 3, 4, 5)`)
	indexes := func() string {
		return one(t, s, `select string_agg(sql, ' ' order by index_name) from duckdb_indexes() where table_name = 'ix1r'`)
	}
	for _, st := range []string{
		`alter table ix1 alter column b type bigint`,
		`alter table ix1 alter column b set not null`,
		`alter table ix1 alter column b set default 5`,
		`ALTER TABLE "ix1" ALTER COLUMN "b" DROP DEFAULT;`,
		`alter table main.ix1 alter b drop not null`,
		`alter table ix1 alter column c set not null`,
		`alter table ix1 rename column c to "C2"`,
		`alter table ix1 drop column e`,
		`alter table ix1 rename to ix1r`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	if got := one(t, s, `select string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' order by column_index) from duckdb_columns() where table_name = 'ix1r'`); got != "id INTEGER false, a VARCHAR true, b BIGINT true, C2 INTEGER false, d INTEGER true" {
		t.Errorf("columns: %s", got)
	}
	if got, want := indexes(), `CREATE INDEX "ix1 ca" ON ix1r(C2, (lower(a))); CREATE INDEX ix1_a ON ix1r(a);`; got != want {
		t.Errorf("indexes:\n%s\nwant\n%s", got, want)
	}
	exec(t, s, `create table ix2 (id int, a varchar)`)
	exec(t, s, `create unique index ix2_a on ix2(a)`)

	for _, st := range []string{
		`alter table ix1r alter column "C2" type bigint`,
		`alter table ix1r drop column a`,
	} {
		_, err := s.Query(ctx, st)
		if err == nil {
			t.Errorf("%s: ran", st)
			continue
		}
		if se := sqlErr(t, err); se.Code != "0A000" || !strings.Contains(se.Message, "index") || !strings.Contains(se.Hint, "Drop the table's indexes") {
			t.Errorf("%s: %s %q hint %q", st, se.Code, se.Message, se.Hint)
		}
	}

	// A column before an indexed one goes (the table is copied: DuckDB's
	// dropped index would hold on to the column positions).
	exec(t, s, `alter table ix1r drop column b`)
	if got, want := indexes(), `CREATE INDEX "ix1 ca" ON ix1r(C2, (lower(a))); CREATE INDEX ix1_a ON ix1r(a);`; got != want {
		t.Errorf("indexes after drop column b:\n%s\nwant\n%s", got, want)
	}

	// A failure leaves the table and its indexes as they were.
	exec(t, s, `insert into ix1r values (3, null, 4, 5)`)
	if _, err := s.Query(ctx, `alter table ix1r alter column a set not null`); err == nil {
		t.Fatal("SET NOT NULL of a column with a null ran")
	}
	if got := indexes(); !strings.Contains(got, "ix1_a") || !strings.Contains(got, "ix1 ca") {
		t.Errorf("indexes after a failed ALTER: %s", got)
	}

	// In a transaction block, the ALTER is part of the block.
	exec(t, s, `begin`)
	exec(t, s, `alter table ix1r rename column a to a2`)
	exec(t, s, `rollback`)
	if got := indexes(); !strings.Contains(got, "ON ix1r(a)") {
		t.Errorf("indexes after a rolled back rename: %s", got)
	}
}

// TestAlterUniqueIndexedTable runs the ALTERs of a table with a unique
// index as Postgres does: Django's contenttypes migration 0002 drops NOT
// NULL of, then drops, a column of a table whose unique_together is a
// unique index (ADD CONSTRAINT ... UNIQUE), in one transaction block.
// DuckDB keeps a dropped unique index's name until commit, so the table
// is copied, and the index, made again, keeps its name and its rows stay
// unique; a failure leaves table and index as they were.
func TestAlterUniqueIndexedTable(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	exec(t, s, `CREATE TABLE "django_content_type" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "app_label" varchar(100) NOT NULL, "model" varchar(100) NOT NULL)`)
	exec(t, s, `ALTER TABLE "django_content_type" ADD CONSTRAINT "django_content_type_app_label_model_76bd3d3b_uniq" UNIQUE ("app_label", "model")`)
	exec(t, s, `CREATE INDEX dct_model ON django_content_type (model)`)
	exec(t, s, `COMMENT ON TABLE django_content_type IS 'kinds'`)
	exec(t, s, `COMMENT ON COLUMN django_content_type.model IS 'model''s name'`)
	exec(t, s, `INSERT INTO django_content_type (name, app_label, model) VALUES ('a', 'auth', 'user'), ('b', 'auth', 'group')`)
	indexes := func() string {
		return one(t, s, `select string_agg(sql, ' ' order by index_name) from duckdb_indexes() where table_name = 'django_content_type'`)
	}
	const want = `CREATE INDEX dct_model ON django_content_type(model); CREATE UNIQUE INDEX django_content_type_app_label_model_76bd3d3b_uniq ON django_content_type(app_label, model);`

	// A failure (a NULL in the column) changes nothing.
	exec(t, s, `ALTER TABLE "django_content_type" ALTER COLUMN "name" DROP NOT NULL`)
	exec(t, s, `INSERT INTO django_content_type (app_label, model) VALUES ('x', 'y')`)
	if _, err := s.Query(ctx, `ALTER TABLE "django_content_type" ALTER COLUMN "name" SET NOT NULL`); err == nil {
		t.Fatal("SET NOT NULL of a column with a null ran")
	}
	if got := indexes(); got != want {
		t.Errorf("indexes after a failed ALTER:\n%s\nwant\n%s", got, want)
	}
	exec(t, s, `DELETE FROM django_content_type WHERE app_label = 'x'`)
	exec(t, s, `ALTER TABLE "django_content_type" ALTER COLUMN "name" SET NOT NULL`)

	// Django's migration 0002, in its transaction block.
	exec(t, s, `BEGIN`)
	for _, st := range []string{
		`ALTER TABLE "django_content_type" ALTER COLUMN "name" DROP NOT NULL`,
		`ALTER TABLE "django_content_type" DROP COLUMN "name" CASCADE`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	exec(t, s, `COMMIT`)
	if got := indexes(); got != want {
		t.Errorf("indexes:\n%s\nwant\n%s", got, want)
	}
	if got := one(t, s, `select string_agg(column_name || ' ' || is_nullable || ' ' || coalesce(comment, '-'), ', ' order by column_index) from duckdb_columns() where table_name = 'django_content_type'`); got != "id false -, app_label false -, model false model's name" {
		t.Errorf("columns: %s", got)
	}
	if got := one(t, s, `select comment from duckdb_tables() where table_name = 'django_content_type'`); got != "kinds" {
		t.Errorf("table comment: %s", got)
	}
	if got := one(t, s, `select string_agg(id || app_label || model, ',' order by id) from django_content_type`); got != "1authuser,2authgroup" {
		t.Errorf("rows: %s", got)
	}
	if _, err := s.Query(ctx, `INSERT INTO django_content_type (app_label, model) VALUES ('auth', 'user')`); err == nil || sqlErr(t, err).Code != "23505" {
		t.Errorf("duplicate after the ALTERs: %v", err)
	}
	if got := one(t, s, `INSERT INTO django_content_type (app_label, model) VALUES ('auth', 'perm') RETURNING id`); got != "5" { // the duplicate took 4, as in Postgres
		t.Errorf("serial after the ALTERs: %s", got)
	}
	exec(t, s, `ALTER TABLE django_content_type RENAME COLUMN model TO model2`)
	exec(t, s, `ALTER TABLE django_content_type RENAME TO dct2`)
	if got := one(t, s, `select string_agg(sql, ' ' order by index_name) from duckdb_indexes() where table_name = 'dct2'`); got != `CREATE INDEX dct_model ON dct2(model2); CREATE UNIQUE INDEX django_content_type_app_label_model_76bd3d3b_uniq ON dct2(app_label, model2);` {
		t.Errorf("indexes after renames: %s", got)
	}

	// A table a FOREIGN KEY references cannot be copied: 0A000.
	exec(t, s, `CREATE TABLE dct3 (id int PRIMARY KEY, a int, b int)`)
	exec(t, s, `CREATE UNIQUE INDEX dct3_b ON dct3 (b)`)
	exec(t, s, `CREATE TABLE dct4 (id int REFERENCES dct3 (id))`)
	_, err := s.Query(ctx, `ALTER TABLE dct3 ALTER COLUMN a SET NOT NULL`)
	if err == nil {
		t.Fatal("ALTER of a referenced table with a unique index ran")
	}
	if se := sqlErr(t, err); se.Code != "0A000" || !strings.Contains(se.Detail, "FOREIGN KEY") {
		t.Errorf("%s %q detail %q", se.Code, se.Message, se.Detail)
	}
	// Nor one owning a sequence (pg_dump's OWNED BY), which DROP TABLE
	// would drop.
	exec(t, s, `CREATE SEQUENCE dct5_id_seq`)
	exec(t, s, `CREATE TABLE dct5 (id bigint DEFAULT nextval('dct5_id_seq') PRIMARY KEY, a int, b int)`)
	exec(t, s, `ALTER SEQUENCE dct5_id_seq OWNED BY dct5.id`)
	exec(t, s, `CREATE UNIQUE INDEX dct5_b ON dct5 (b)`)
	_, err = s.Query(ctx, `ALTER TABLE dct5 ALTER COLUMN a SET NOT NULL`)
	if err == nil {
		t.Fatal("ALTER of a table owning a sequence with a unique index ran")
	}
	if se := sqlErr(t, err); se.Code != "0A000" || !strings.Contains(se.Detail, "dct5_id_seq") {
		t.Errorf("%s %q detail %q", se.Code, se.Message, se.Detail)
	}
	if got := one(t, s, `SELECT count(*) FROM duckdb_sequences() WHERE sequence_name = 'dct5_id_seq'`); got != "1" {
		t.Errorf("sequence gone")
	}
}

// TestAlterConstraintBlocked gives 0A000 with what to do for the ALTERs
// DuckDB refuses because of a PRIMARY KEY or UNIQUE constraint of CREATE
// TABLE, which cannot be dropped and rebuilt; the others run.
func TestAlterConstraintBlocked(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `create table ix3 (id int primary key, a varchar unique, b int)`)
	for _, st := range []string{
		`alter table ix3 alter column b type bigint`,
		`alter table ix3 alter column a set not null`,
		`alter table ix3 rename column b to c`,
		`alter table ix3 drop column c`,
	} {
		exec(t, s, st)
	}
	for _, st := range []string{
		`alter table ix3 alter column id type bigint`,
		`alter table ix3 drop column a`,
	} {
		_, err := s.Query(context.Background(), st)
		if err == nil {
			t.Errorf("%s: ran", st)
			continue
		}
		if se := sqlErr(t, err); se.Code != "0A000" || !strings.Contains(se.Hint, "CREATE UNIQUE INDEX") {
			t.Errorf("%s: %s %q hint %q", st, se.Code, se.Message, se.Hint)
		}
	}
}

func TestParseIndexAlter(t *testing.T) {
	for st, want := range map[string]int{
		`alter table t alter column c type bigint using c::bigint`: alterColumn,
		`alter table if exists s.t alter c set data type int`:      alterColumn,
		`alter table t alter c set not null`:                       alterColumn,
		`alter table t drop column if exists c cascade`:            alterDrop,
		`alter table t rename column c to d`:                       alterRename,
		`alter table t rename to u`:                                alterRenameTable,
		`alter table t add column c int`:                           0,
		`alter table t drop constraint k`:                          0,
		`alter table t rename constraint k to l`:                   0,
		`alter table t drop column a, drop column b`:               0,
		`alter table t alter c add generated always as identity`:   0,
	} {
		toks, err := lex(st, false)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := parseIndexAlter(toks)
		if !ok {
			a.kind = 0
		}
		if a.kind != want {
			t.Errorf("%s: kind %d, want %d", st, a.kind, want)
		}
	}
}

// TestAddColumnNotNull runs ALTER TABLE ... ADD COLUMN c type NOT NULL,
// which DuckDB refuses ("Adding columns with constraints"), as an ADD and
// a SET NOT NULL in one transaction: Django adds every new field so.
// Without a DEFAULT, rows make it fail (23502), as in Postgres, and leave
// the table as it was.
func TestAddColumnNotNull(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	exec(t, s, `CREATE TABLE "shop" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(20) NOT NULL)`)
	exec(t, s, `CREATE INDEX "shop_name" ON "shop" ("name")`)
	exec(t, s, `INSERT INTO shop (name) VALUES ('a')`)
	for _, st := range []string{
		`ALTER TABLE "shop" ADD COLUMN "qty" integer DEFAULT 0 NOT NULL`,
		`ALTER TABLE "shop" ALTER COLUMN "qty" DROP DEFAULT`,
		`alter table main.shop add "note" text not null default 'x';`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	if got := rows(t, s, `SELECT column_name || ' ' || is_nullable FROM information_schema.columns WHERE table_name = 'shop' ORDER BY ordinal_position`); strings.Join(got, ",") != "id NO,name NO,qty NO,note NO" {
		t.Errorf("columns: %q", got)
	}
	if _, err := s.Query(ctx, `INSERT INTO shop (name) VALUES ('b')`); err == nil || sqlErr(t, err).Code != CodeNotNull {
		t.Errorf("insert without qty: %v", err)
	}
	if _, err := s.Query(ctx, `ALTER TABLE shop ADD COLUMN "n" integer NOT NULL`); err == nil || sqlErr(t, err).Code != CodeNotNull {
		t.Errorf("NOT NULL column without a default on rows: %v", err)
	}
	if got := one(t, s, `SELECT count(*) FROM duckdb_columns() WHERE table_name = 'shop' AND column_name = 'n'`); got != "0" {
		t.Errorf("failed ADD left the column")
	}
	if got := one(t, s, `SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'shop'`); got != "1" {
		t.Errorf("indexes: %s", got)
	}
	// In a transaction block, on an empty table.
	exec(t, s, `CREATE TABLE e (id int)`)
	exec(t, s, `BEGIN`)
	exec(t, s, `ALTER TABLE e ADD COLUMN n integer NOT NULL`)
	exec(t, s, `COMMIT`)
	if _, err := s.Query(ctx, `INSERT INTO e (id) VALUES (1)`); err == nil || sqlErr(t, err).Code != CodeNotNull {
		t.Errorf("insert without n: %v", err)
	}
	if _, err := s.Describe(ctx, `ALTER TABLE e ADD COLUMN m integer NOT NULL`); err != nil {
		t.Errorf("describe: %v", err)
	}
}

// TestAddUnnamedUnique: Sequelize's sync({alter: true}) sends ALTER TABLE
// t ADD UNIQUE (col) for each unique column, which DuckDB does not
// implement ("No support for that ALTER TABLE option yet"). It becomes a
// unique index named as Postgres names the constraint, or nothing when
// the columns have a unique key already (Postgres adds one more on each
// sync; a DuckDB index would make the next ALTERs fail).
func TestAddUnnamedUnique(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE IF NOT EXISTS "Users" ("id"   SERIAL , "name" VARCHAR(255) UNIQUE, "age" INTEGER, PRIMARY KEY ("id"));`)
	for _, st := range []string{
		`ALTER TABLE "Users" ALTER COLUMN "name" DROP NOT NULL;`,
		`ALTER TABLE "Users" ALTER COLUMN "name" DROP DEFAULT;`,
		`ALTER TABLE "Users"  ADD UNIQUE ("name");`,
		`ALTER TABLE "Users" ALTER COLUMN "name" TYPE VARCHAR(255) ;`,
		`ALTER TABLE "Users"  ADD UNIQUE ("age", "name");`,
		`ALTER TABLE public."Users" ADD UNIQUE (name, age)`,
		`CREATE TABLE p_a_key (x int)`,
		`CREATE TABLE p (a int, b int)`,
		`ALTER TABLE p ADD UNIQUE (a)`,
	} {
		if r := exec(t, s, st); r.Tag() != "ALTER TABLE" && r.Tag() != "CREATE TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	got := rows(t, s, `SELECT index_name FROM duckdb_indexes() ORDER BY 1`)
	if want := []string{"Users_age_name_key", "p_a_key1"}; !slices.Equal(got, want) {
		t.Errorf("indexes %q, want %q", got, want)
	}
	exec(t, s, `INSERT INTO "Users" (name, age) VALUES ('a', 1)`)
	if _, err := s.Query(context.Background(), `INSERT INTO "Users" (name, age) VALUES ('b', 1), ('b', 2)`); err == nil || sqlErr(t, err).Code != "23505" {
		t.Errorf("duplicate name: %v", err)
	}
}
