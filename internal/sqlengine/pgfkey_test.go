package sqlengine

import (
	"context"
	"strings"
	"testing"
)

// TestForeignKeysORMs takes the foreign keys ORMs declare and DuckDB
// cannot enforce (Django's deferred ALTER TABLE ... ADD CONSTRAINT and
// ADD COLUMN ... REFERENCES, Sequelize's ON DELETE CASCADE, DEFERRABLE)
// without enforcing them, with a notice; a key DuckDB can enforce is
// still enforced; SET CONSTRAINTS is accepted.
func TestForeignKeysORMs(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	ctx := context.Background()
	exec(t, s, `CREATE TABLE "author" ("id" serial NOT NULL PRIMARY KEY, "name" varchar(50) NOT NULL)`)
	exec(t, s, `CREATE TABLE "book" ("id" bigserial NOT NULL PRIMARY KEY, "author_id" integer NOT NULL)`)
	notice := func(st, want string) {
		t.Helper()
		r := exec(t, s, st)
		if r.Tag() != strings.ToUpper(strings.Fields(st)[0])+" TABLE" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
		if n := r.Notices(); len(n) != 1 || !strings.Contains(n[0], want) || !strings.Contains(n[0], "not enforced") {
			t.Errorf("%s: notices %q, want %q", st, n, want)
		}
	}
	// Django
	notice(`ALTER TABLE "book" ADD CONSTRAINT "book_author_id_fk_author_id" FOREIGN KEY ("author_id") REFERENCES "author" ("id") DEFERRABLE INITIALLY DEFERRED`,
		`foreign key constraint "book_author_id_fk_author_id"`)
	notice(`ALTER TABLE "book" ADD COLUMN "editor_id" integer NULL CONSTRAINT "book_editor_id_fk" REFERENCES "author"("id") DEFERRABLE INITIALLY DEFERRED`, "book_editor_id_fk")
	for _, st := range []string{`SET CONSTRAINTS "book_editor_id_fk" IMMEDIATE`, `SET CONSTRAINTS ALL DEFERRED;`} {
		if r := exec(t, s, st); r.Tag() != "SET CONSTRAINTS" {
			t.Errorf("%s: tag %q", st, r.Tag())
		}
	}
	// knex
	notice(`alter table "book" add constraint "book_author_id_foreign" foreign key ("author_id") references "author" ("id") on delete cascade`, "book_author_id_foreign")
	// Sequelize
	notice(`CREATE TABLE IF NOT EXISTS "tasks" ("id" SERIAL , "title" VARCHAR(255), "authorId" INTEGER REFERENCES "author" ("id") ON DELETE SET NULL ON UPDATE CASCADE, PRIMARY KEY ("id"))`,
		`referencing "author"`)
	notice(`CREATE TABLE t2 (id int PRIMARY KEY, a int, CONSTRAINT t2_a FOREIGN KEY (a) REFERENCES author (id) DEFERRABLE INITIALLY DEFERRED)`, "t2_a")
	notice(`CREATE TABLE t3 (id int, a int, FOREIGN KEY (a) REFERENCES main.author (id) ON DELETE CASCADE, PRIMARY KEY (id))`, `referencing "author"`)
	exec(t, s, `INSERT INTO book (author_id) VALUES (42)`) // Postgres would refuse it
	exec(t, s, `INSERT INTO tasks (title, "authorId") VALUES ('x', 42)`)
	if got := one(t, s, `SELECT count(*) FROM duckdb_columns() WHERE table_name = 'book' AND column_name = 'editor_id'`); got != "1" {
		t.Errorf("editor_id columns: %s", got)
	}

	// Keys DuckDB enforces stay, less the words it does not parse.
	r := exec(t, s, `CREATE TABLE t4 (id int PRIMARY KEY, a int REFERENCES author (id) ON DELETE NO ACTION NOT DEFERRABLE INITIALLY IMMEDIATE)`)
	if len(r.Notices()) != 0 {
		t.Errorf("t4: notices %q", r.Notices())
	}
	if _, err := s.Query(ctx, `INSERT INTO t4 VALUES (1, 42)`); err == nil || sqlErr(t, err).Code != CodeForeignKey {
		t.Errorf("t4 insert of a missing key: %v", err)
	}

	if _, err := s.Query(ctx, `ALTER TABLE nope ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES author (id)`); err == nil || sqlErr(t, err).Code != CodeUndefinedTable {
		t.Errorf("ALTER of a missing table: %v", err)
	}
	exec(t, s, `ALTER TABLE IF EXISTS nope ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES author (id)`)
	// Prepared (pgjdbc, pgx): described without running.
	if _, err := s.Describe(ctx, `ALTER TABLE "book" ADD CONSTRAINT "f2" FOREIGN KEY ("author_id") REFERENCES "author" ("id") DEFERRABLE INITIALLY DEFERRED`); err != nil {
		t.Errorf("describe: %v", err)
	}
}
