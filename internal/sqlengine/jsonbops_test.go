package sqlengine

import "testing"

// TestJSONBOpsCompat: Postgres's jsonb operators become calls of its
// functions for them; DuckDB's ? parameters, and @> and <@ of lists, stay.
// Django's JSONField lookups failed with a syntax error at ? and a binder
// error at @>.
func TestJSONBOpsCompat(t *testing.T) {
	for in, want := range map[string]string{
		// Django 3.2's has_key, has_keys, has_any_keys, contains and
		// contained_by, as psycopg2 sends them.
		`SELECT COUNT(*) AS "__count" FROM "shop_product" WHERE "shop_product"."attrs" ? 'i'`: `SELECT COUNT(*) AS "__count" FROM "shop_product" WHERE jsonb_exists("shop_product"."attrs", 'i')`,
		`SELECT 1 FROM p WHERE "p"."attrs" ?& ARRAY['a','b'] AND "p"."attrs" ?| ARRAY['c']`:   `SELECT 1 FROM p WHERE jsonb_exists_all("p"."attrs", ARRAY['a','b']::VARCHAR[]) AND jsonb_exists_any("p"."attrs", ARRAY['c']::VARCHAR[])`,
		`SELECT 1 FROM p WHERE "p"."attrs" @> '{"color": "red"}'`:                             `SELECT 1 FROM p WHERE jsonb_contains("p"."attrs", '{"color": "red"}')`,
		`SELECT 1 FROM p WHERE "p"."attrs" <@ '{"color": "red", "i": 1}'`:                     `SELECT 1 FROM p WHERE jsonb_contained("p"."attrs", '{"color": "red", "i": 1}')`,
		`SELECT 1 FROM p WHERE ("p"."attrs" -> 'a') ? 'b'`:                                    `SELECT 1 FROM p WHERE jsonb_exists(("p"."attrs" -> 'a'), 'b')`,
		`SELECT 1 FROM p WHERE p.attrs -> 'a' ->> 'b' ? 'c'`:                                  `SELECT 1 FROM p WHERE jsonb_exists(p.attrs -> 'a' ->> 'b', 'c')`,
		`SELECT doc::JSON @> $1::JSON, $2::JSON <@ doc FROM t`:                                `SELECT jsonb_contains(doc::JSON, $1::JSON), jsonb_contained($2::JSON, doc) FROM t`,
		`SELECT lower(x) ? $1, f(a, b) ?| $2 FROM t`:                                          `SELECT jsonb_exists(lower(x), $1), jsonb_exists_any(f(a, b), $2::VARCHAR[]) FROM t`,
		// Not operators: DuckDB's parameters, list containment, strings.
		`SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ? OFFSET ?`: `SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ? OFFSET ?`,
		`SELECT tags @> ['a'], ARRAY[1,2] <@ ns, tags @> other FROM t`: `SELECT tags @> ['a'], ARRAY[1,2] <@ ns, tags @> other FROM t`,
		`SELECT tags @> '{a,b}' FROM t`:                                `SELECT tags @> '{a,b}' FROM t`,
		`SELECT 'a ? b', '@>' FROM t`:                                  `SELECT 'a ? b', '@>' FROM t`,
		// DuckDB's parameters after other words (POST /v1/sql), which
		// became jsonb_exists(GLOB, ORDER).
		`SELECT * FROM t WHERE name GLOB ? ORDER BY name`:    `SELECT * FROM t WHERE name GLOB ? ORDER BY name`,
		`SELECT * FROM t ORDER BY a FETCH FIRST ? ROWS ONLY`: `SELECT * FROM t ORDER BY a FETCH FIRST ? ROWS ONLY`,
		`SELECT * FROM t USING SAMPLE ? ROWS`:                `SELECT * FROM t USING SAMPLE ? ROWS`,
		// A list cast with [] is one operand (it was cut at the type).
		`SELECT '[1,2]'::INT[] @> '[1]'`:                         `SELECT '[1,2]'::INT[] @> '[1]'`,
		`SELECT doc::JSON[] @> '[1]', doc::JSON @> '[1]' FROM t`: `SELECT doc::JSON[] @> '[1]', jsonb_contains(doc::JSON, '[1]') FROM t`,
	} {
		if got := jsonbOpsCompat(in); got != want {
			t.Errorf("jsonbOpsCompat(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestJSONBOps checks the operators against Postgres 15's answers (the
// examples of its documentation, "jsonb Containment and Existence").
func TestJSONBOps(t *testing.T) {
	e := newEnv(t, envOpt{})
	s := e.session()
	for q, want := range map[string]string{
		`SELECT '{"a":1, "b":2}'::jsonb @> '{"b":2}'::jsonb`:                                              "true",
		`SELECT '"foo"'::jsonb @> '"foo"'::jsonb`:                                                         "true",
		`SELECT '[1, 2, 3]'::jsonb @> '[1, 3]'::jsonb`:                                                    "true",
		`SELECT '[1, 2, 3]'::jsonb @> '[3, 1]'::jsonb`:                                                    "true",
		`SELECT '[1, 2, 3]'::jsonb @> '[1, 2, 2]'::jsonb`:                                                 "true",
		`SELECT '{"product": "PostgreSQL", "version": 9.4, "jsonb": true}'::jsonb @> '{"version": 9.40}'`: "true",
		`SELECT '{"product": "PostgreSQL", "version": 9.4, "jsonb": true}'::jsonb @> '{"jsonb": 1}'`:      "false",
		`SELECT '[1, 2, [1, 3]]'::jsonb @> '[1, 3]'::jsonb`:                                               "false",
		`SELECT '{"foo": {"bar": "baz"}}'::jsonb @> '{"bar": "baz"}'::jsonb`:                              "false",
		`SELECT '[1, 2, [1, 3]]'::jsonb @> '[[1, 3]]'::jsonb`:                                             "true",
		`SELECT '{"foo": {"bar": "baz"}}'::jsonb @> '{"foo": {}}'::jsonb`:                                 "true",
		`SELECT '["foo", "bar"]'::jsonb @> '"foo"'::jsonb`:                                                "true",
		`SELECT '"foo"'::jsonb @> '["foo"]'::jsonb`:                                                       "false",
		`SELECT '{"a": [1, 2]}'::jsonb @> '{"a": 1}'`:                                                     "false",
		`SELECT '{"a": 1}'::jsonb @> '[]'`:                                                                "false",
		`SELECT '{"b":2}'::jsonb <@ '{"a":1, "b":2}'::jsonb`:                                              "true",
		`SELECT '{"foo": "bar"}'::jsonb @> NULL IS NULL`:                                                  "true",
		`SELECT '["foo", "bar", "baz"]'::jsonb ? 'bar'`:                                                   "true",
		`SELECT '{"foo": "bar"}'::jsonb ? 'foo'`:                                                          "true",
		`SELECT '{"foo": "bar"}'::jsonb ? 'bar'`:                                                          "false",
		`SELECT '{"foo": {"bar": "baz"}}'::jsonb ? 'bar'`:                                                 "false",
		`SELECT '"foo"'::jsonb ? 'foo'`:                                                                   "true",
		`SELECT '[1]'::jsonb ? '1'`:                                                                       "false",
		`SELECT '{"a":1, "b":2, "c":3}'::jsonb ?| array['b', 'd']`:                                        "true",
		`SELECT '["a", "b", "c"]'::jsonb ?& array['a', 'b']`:                                              "true",
		`SELECT '["a", "b", "c"]'::jsonb ?& '{a,c}'`:                                                      "true",
		`SELECT '{"a":1}'::jsonb ?& array['a', 'x']`:                                                      "false",
		`SELECT jsonb_exists('{"a":1}', 'a') AND jsonb_contains('{"a":1}', '{}')`:                         "true",
		`SELECT [1, 2, 3] @> [3, 1] AND ['a'] <@ ['a', 'b']`:                                              "true",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	// DuckDB's parameters after GLOB and FIRST (POST /v1/sql).
	if got := one(t, s, `SELECT x FROM (VALUES ('ab'), ('b')) v(x) WHERE x GLOB ? ORDER BY x FETCH FIRST ? ROWS ONLY`, "a*", 1); got != "ab" {
		t.Errorf("GLOB ? = %s", got)
	}
	exec(t, s, `CREATE TABLE shop_product (id BIGINT, attrs jsonb)`)
	exec(t, s, `INSERT INTO shop_product VALUES (1, '{"color": "red", "tags": ["f"]}'), (2, '{"i": 1}'), (3, '{"i": 2, "tags": []}')`)
	for q, want := range map[string]string{
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE "shop_product"."attrs" ? 'i'`:                       "2,3",
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE "shop_product"."attrs" ?| ARRAY['color','i']`:       "1,2,3",
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE "shop_product"."attrs" ?& ARRAY['i','tags']`:        "3",
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE "shop_product"."attrs" @> '{"tags": ["f"]}'`:        "1",
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE "shop_product"."attrs" <@ '{"i": 1, "color": "x"}'`: "2",
		`SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM shop_product WHERE ("shop_product"."attrs" -> 'tags') ? 'f'`:           "1",
	} {
		if got := one(t, s, q); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
}
