package sqlengine

import (
	"strings"
	"testing"
)

// TestSequelizeTempFunc runs the function Sequelize's findOrCreate makes
// in place of a subtransaction, on a table with a key and on one without
// (whose ON CONFLICT DuckDB's binder refused: "There are no
// UNIQUE/PRIMARY KEY constraints that refer to this table").
func TestSequelizeTempFunc(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE "K" (id int PRIMARY KEY, name text)`)
	exec(t, s, `CREATE TABLE "N" (id int, name text)`)
	for _, table := range []string{"K", "N"} {
		for _, want := range []string{"1|a|NULL", map[string]string{"K": "", "N": "1|a|NULL"}[table]} {
			exec(t, s, `CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response "`+table+`", OUT sequelize_caught_exception text) RETURNS RECORD AS $func_1$ `+
				`BEGIN INSERT INTO "`+table+`" ("id","name") VALUES (1, 'a') RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN `+
				`GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_1$ LANGUAGE plpgsql;`)
			got := rows(t, s, `SELECT (testfunc.response)."id", (testfunc.response)."name", testfunc.sequelize_caught_exception FROM pg_temp.testfunc();`)
			if g := strings.Join(got, " "); g != want {
				t.Errorf("%s: %q, want %q", table, g, want)
			}
			exec(t, s, `DROP FUNCTION IF EXISTS pg_temp.testfunc()`)
		}
	}
	// In a transaction (Sequelize's findOrCreate opens one): the refused
	// ON CONFLICT does not abort it.
	exec(t, s, `BEGIN`)
	exec(t, s, `CREATE OR REPLACE FUNCTION pg_temp.testfunc(OUT response "N", OUT sequelize_caught_exception text) RETURNS RECORD AS $func_1$ `+
		`BEGIN INSERT INTO "N" ("id","name") VALUES (2, 'b') RETURNING * INTO response; EXCEPTION WHEN unique_violation THEN `+
		`GET STACKED DIAGNOSTICS sequelize_caught_exception = PG_EXCEPTION_DETAIL; END $func_1$ LANGUAGE plpgsql;`)
	exec(t, s, `SELECT (testfunc.response)."id", testfunc.sequelize_caught_exception FROM pg_temp.testfunc();`)
	exec(t, s, `COMMIT`)
	if got := one(t, s, `SELECT count(*) FROM "N" WHERE id = 2`); got != "1" {
		t.Errorf("rows inserted in the transaction: %s", got)
	}
}
