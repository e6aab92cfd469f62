package sqlengine

import (
	"strings"
	"testing"
)

// TestUnnestMulti: unnest of several arrays in FROM, as Postgres zips
// them. Django's inspectdb failed on its index query (DuckDB's unnest
// takes one list).
func TestUnnestMulti(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT * FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)`: `SELECT * FROM pg_index i, LATERAL (SELECT unnest(i.indkey) AS key, unnest(i.indoption) AS option, generate_subscripts(i.indkey, 1) AS arridx) koi`,
		`SELECT * FROM unnest(ARRAY[1,2], f(x, y)) AS u`:                                                   `SELECT * FROM LATERAL (SELECT unnest(ARRAY[1,2]) AS unnest, unnest(f(x, y)) AS unnest_2) u`,
		`SELECT unnest(a), x FROM t, unnest(b) u`:                                                          `SELECT unnest(a), x FROM t, unnest(b) u`,
		// DuckDB's own: a select list's unnest, named parameters.
		`SELECT 1 AS a, unnest([[1,2],[3]], recursive := true) AS x`:              `SELECT 1 AS a, unnest([[1,2],[3]], recursive := true) AS x`,
		`SELECT * FROM unnest([[1,2],[3]], recursive := true)`:                    `SELECT * FROM unnest([[1,2],[3]], recursive := true)`,
		`SELECT * FROM (SELECT * FROM t, unnest(a, b) u) x, unnest(c, d) v(p, q)`: `SELECT * FROM (SELECT * FROM t, LATERAL (SELECT unnest(a) AS unnest, unnest(b) AS unnest_2) u) x, LATERAL (SELECT unnest(c) AS p, unnest(d) AS q) v`,
	} {
		if got := unnestMultiCompat(in); got != want {
			t.Errorf("unnestMultiCompat(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	e := newEnv(t, envOpt{})
	s := e.session()
	exec(t, s, `CREATE TABLE "shop_product" ("id" bigint NOT NULL PRIMARY KEY, "sku" varchar(20) NOT NULL, "title" varchar(200) NOT NULL)`)
	exec(t, s, `CREATE INDEX "product_title_idx" ON "shop_product" ("title")`)
	if got := strings.Join(rows(t, s, `SELECT 1 AS a, unnest([[1,2],[3]], recursive := true) AS x`), " "); got != "1|1 1|2 1|3" {
		t.Errorf("recursive unnest in a select list: %s", got)
	}
	got := strings.Join(rows(t, s, `SELECT x, k, o, n FROM (SELECT 'a' AS x, [3, 1] AS ks, [0, 1] AS os) i, unnest(i.ks, i.os) WITH ORDINALITY koi(k, o, n) ORDER BY n`), " ")
	if got != "a|3|0|1 a|1|1|2" {
		t.Errorf("zipped: %s", got)
	}
	// Django 3.2's get_constraints (introspection.py), index part.
	q := `SELECT indexname, array_agg(attname ORDER BY arridx), indisunique, indisprimary, array_agg(ordering ORDER BY arridx), amname, exprdef, s2.attoptions
            FROM (
                SELECT c2.relname as indexname, idx.*, attr.attname, am.amname,
                    CASE WHEN idx.indexprs IS NOT NULL THEN pg_get_indexdef(idx.indexrelid) END AS exprdef,
                    CASE am.amname WHEN 'btree' THEN CASE (option & 1) WHEN 1 THEN 'DESC' ELSE 'ASC' END END as ordering,
                    c2.reloptions as attoptions
                FROM (
                    SELECT * FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key, option, arridx)
                ) idx
                LEFT JOIN pg_class c ON idx.indrelid = c.oid
                LEFT JOIN pg_class c2 ON idx.indexrelid = c2.oid
                LEFT JOIN pg_am am ON c2.relam = am.oid
                LEFT JOIN pg_attribute attr ON attr.attrelid = c.oid AND attr.attnum = idx.key
                WHERE c.relname = 'shop_product' AND pg_catalog.pg_table_is_visible(c.oid)
            ) s2
            GROUP BY indexname, indisunique, indisprimary, amname, exprdef, attoptions`
	got = strings.Join(rows(t, s, q+" ORDER BY indexname"), " ")
	if want := "product_title_idx|[title]|false|false|[<nil>]|art|NULL|NULL shop_product_id_pkey|[id]|true|true|[<nil>]|art|NULL|NULL"; got != want {
		t.Errorf("inspectdb's index query:\n got %s\nwant %s", got, want)
	}
}
