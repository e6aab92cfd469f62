package sqlengine

import (
	"strings"
	"testing"
)

// TestGroupByPrimaryKey: a query grouped by a table's primary key selects
// its other columns, as Postgres allows. Django's annotate() over a join
// failed with DuckDB's "must appear in the GROUP BY clause".
func TestGroupByPrimaryKey(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE "shop_customer" ("id" integer NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL UNIQUE, "email" varchar(200))`)
	exec(t, s, `CREATE TABLE "shop_order" ("id" integer NOT NULL PRIMARY KEY, "customer_id" integer NOT NULL, "qty" integer NOT NULL)`)
	exec(t, s, `CREATE TABLE kv (a integer, b integer, c integer, PRIMARY KEY (a, b))`)
	exec(t, s, `INSERT INTO shop_customer VALUES (1, 'ann', 'a@x'), (2, 'bob', 'b@x'), (3, 'cat', NULL)`)
	exec(t, s, `INSERT INTO shop_order VALUES (1, 1, 2), (2, 1, 3), (3, 2, 4)`)
	exec(t, s, `INSERT INTO kv VALUES (1, 1, 5), (1, 2, 6)`)
	for q, want := range map[string]string{
		// Django 3.2's annotate(n=Count("orders"), q=Sum("orders__qty")).
		`SELECT "shop_customer"."name", COUNT("shop_order"."id") AS "n", SUM("shop_order"."qty") AS "q" ` +
			`FROM "shop_customer" LEFT OUTER JOIN "shop_order" ON ("shop_customer"."id" = "shop_order"."customer_id") ` +
			`GROUP BY "shop_customer"."id" ORDER BY "shop_customer"."name" ASC`: "ann|2|5 bob|1|4 cat|0|NULL",
		// An alias, HAVING, and the table's whole row.
		`SELECT c.id, c.name, c.email, count(o.id) AS n FROM shop_customer AS c JOIN shop_order o ON o.customer_id = c.id ` +
			`GROUP BY c.id HAVING count(o.id) > 0 ORDER BY c.id`: "1|ann|a@x|2 2|bob|b@x|1",
		// In a subquery (Django's count() of an annotated queryset).
		`SELECT count(*) FROM (SELECT "shop_customer"."id", "shop_customer"."name", COUNT("shop_order"."id") AS "n" FROM "shop_customer" ` +
			`LEFT OUTER JOIN "shop_order" ON ("shop_customer"."id" = "shop_order"."customer_id") GROUP BY "shop_customer"."id") subquery`: "3",
		// A composite key, listed whole.
		`SELECT kv.a, kv.b, kv.c FROM kv GROUP BY kv.a, kv.b ORDER BY kv.b`: "1|1|5 1|2|6",
	} {
		got, err := tryRows(s, q)
		if g := strings.Join(got, " "); err != nil || g != want {
			t.Errorf("%s\n = %s, %v\nwant %s", q, g, err, want)
		}
	}
	// A CTE or a subquery named as the table is not the table: its id
	// is no key, and grouping by its other columns too split the groups
	// (1|x 1|y for Postgres's 1|y).
	exec(t, s, `CREATE TABLE c (id integer PRIMARY KEY, name text)`)
	for _, q := range []string{
		`WITH c AS (SELECT customer_id AS id, qty AS name FROM shop_order) SELECT c.id, max(c.name) FROM c GROUP BY c.id ORDER BY c.id`,
		`WITH c (id, name) AS (SELECT customer_id, qty FROM shop_order) SELECT c.id, max(c.name) FROM c GROUP BY c.id ORDER BY c.id`,
		`SELECT c.id, max(c.name) FROM (SELECT customer_id AS id, qty AS name FROM shop_order) AS c GROUP BY c.id ORDER BY c.id`,
	} {
		got, err := tryRows(s, q)
		if g := strings.Join(got, " "); err != nil || g != "1|3 2|4" {
			t.Errorf("%s\n = %s, %v\nwant 1|3 2|4", q, g, err)
		}
	}
	// Not the whole key, or not a key: DuckDB's error, as Postgres's.
	for _, q := range []string{
		`SELECT kv.a, kv.c FROM kv GROUP BY kv.a`,
		`SELECT o.qty, count(*) FROM shop_order o GROUP BY o.customer_id`,
	} {
		if _, err := tryRows(s, q); err == nil {
			t.Errorf("%s ran", q)
		}
	}
}
