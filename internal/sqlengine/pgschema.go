package sqlengine

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
)

// Postgres's public schema is DuckDB's main. Postgres clients put their
// tables in public and name it (pandas' to_sql(schema='public'), dbt's
// profiles, SQLAlchemy's has_table, pgjdbc's getTables(null, "public",
// ...)); DuckDB has no such schema. schemaCompat sends a statement's
// public-qualified names to main, and the catalog shim (pgcatalog.go)
// shows the warehouse's main as public, so the two are one schema as a
// Postgres client sees it.

// schemaCompat rewrites a statement's references to the public schema
// (public.t, "public".t, public.t.col, public.f(...), db.public.t) into
// main's, and current_schema and current_schemas into the shim's, which
// answer public. A public followed by a dot is a schema only where
// Postgres reads it as one: in a name of three or more parts, before a
// call, after a cast, where a relation is named (FROM, JOIN, INTO,
// UPDATE, TABLE, ...) and as a column's type in CREATE and ALTER TABLE.
// db.public.t is main.t whatever db is named, as every database name
// reaches the one warehouse. Elsewhere public.x is column x of a relation
// called public and is left alone, as are a column named public and
// string literals, but for the sequence name nextval, currval and setval
// take ('public.s', as pg_dump writes it). db.information_schema.x is
// information_schema.x, also for dbt's "db".information_schema."columns".
// Statements without any of these words are returned as they are,
// without being lexed.
func schemaCompat(st string) string {
	if !containsFold(st, "public") && !containsFold(st, "current_schema") && !containsFold(st, "information_schema") {
		return st
	}
	toks, err := lex(st, false)
	if err != nil || len(toks) == 0 {
		return st
	}
	createIndex := toks[0].is("create") && wordBefore(toks, "index", 4)
	// A column's type: CREATE TABLE t (c public.mood) (Prisma's enums),
	// ALTER TABLE t ADD [COLUMN] c public.mood.
	createTable := toks[0].is("create") && wordBefore(toks, "table", 4) && !wordBefore(toks, "select", len(toks))
	alterTable := toks[0].is("alter") && len(toks) > 1 && toks[1].is("table")
	listOfRels := toks[0].is("drop") || toks[0].is("truncate")
	rels := newFromTracker()
	e := edits{src: st}
	replace := e.replace
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if rels.step(t) {
			continue
		}
		switch {
		case t.is("current_schema") || t.is("current_schemas"):
			start := t.pos
			if i >= 2 && isPunct(toks[i-1], ".") {
				if !toks[i-2].is("pg_catalog") || i >= 3 && isPunct(toks[i-3], ".") {
					continue
				}
				start = toks[i-2].pos
			}
			call := i+1 < len(toks) && isPunct(toks[i+1], "(")
			switch {
			case t.is("current_schemas") && call:
				replace(start, t.end, pgShimDB+".main.current_schemas")
			case t.is("current_schema") && call && i+2 < len(toks) && isPunct(toks[i+2], ")"):
				replace(start, toks[i+2].end, pgShimDB+".main.current_schema()")
				i += 2
			case t.is("current_schema") && !call:
				replace(start, t.end, pgShimDB+".main.current_schema()")
			}
			continue
		}
		if t.kind == tokString && i >= 2 && isPunct(toks[i-1], "(") && (toks[i-2].is("nextval") || toks[i-2].is("currval") || toks[i-2].is("setval")) {
			// A sequence's name (pg_dump's nextval('public.t_id_seq')).
			for _, p := range []string{"public.", `"public".`} {
				if strings.HasPrefix(t.text, p) {
					replace(t.pos, t.end, quoteString("main."+t.text[len(p):]))
				}
			}
			continue
		}
		if !isName(t) || i > 0 && isPunct(toks[i-1], ".") {
			continue
		}
		// A qualified name starts here: its parts are toks[i], toks[i+2], ...
		n := 1
		for i+2*n < len(toks) && isPunct(toks[i+2*n-1], ".") && (isName(toks[i+2*n]) || isPunct(toks[i+2*n], "*")) {
			n++
		}
		if n < 2 {
			continue
		}
		end := i + 2*(n-1) // the last part
		call := end+1 < len(toks) && isPunct(toks[end+1], "(")
		star := isPunct(toks[end], "*")
		rel := i > 0 && relationPosition(toks, i, createIndex, listOfRels || rels.in())
		if !rel && i >= 2 && isName(toks[i-1]) {
			colType := createTable && rels.depth() == 1 ||
				alterTable && rels.depth() == 0 && (toks[i-2].is("add") || toks[i-2].is("column") || toks[i-2].is("exists"))
			rel = colType && !toks[i-1].is("default")
		}
		switch {
		case n >= 3 && (toks[i+2].is("information_schema") || toks[i+2].kind == tokQIdent && toks[i+2].text == "information_schema"):
			// dbt's "db".information_schema."columns": the shim's
			// (pgShim) for any database name.
			replace(t.pos, toks[i+2].end, "information_schema")
			if v := toks[i+4]; v.kind == tokQIdent && plainIdent.MatchString(v.text) {
				replace(v.pos, v.end, v.text)
			}
		case isPublic(t) && star && n == 3:
			// DuckDB does not parse main.t.*; t.* is the same columns.
			replace(t.pos, toks[i+2].pos, "")
		case isPublic(t) && (n >= 3 || call || rel || i > 0 && (isPunct(toks[i-1], ":") || toks[i-1].is("as"))):
			replace(t.pos, t.end, "main")
		case n >= 3 && isPublic(toks[i+2]) && !star && (n >= 4 || call || rel):
			// The database too: rheo takes any name at connect (dbt
			// names the one its profile gives), and main is the
			// warehouse's.
			replace(t.pos, toks[i+2].end, "main")
		}
	}
	return e.String()
}

// relationPosition reports whether the name starting at toks[i] stands
// where Postgres reads a relation, type or function name, not a column.
func relationPosition(toks []token, i int, createIndex, inList bool) bool {
	p := toks[i-1]
	if p.kind == tokWord {
		switch strings.ToLower(p.text) {
		case "from", "join", "into", "update", "table", "only", "truncate", "copy", "references", "view",
			"sequence", "index", "exists", "describe", "summarize", "type", "macro", "function", "using",
			"analyze", "vacuum", "lateral":
			return true
		case "on":
			return createIndex
		}
		return false
	}
	return isPunct(p, ",") && inList
}

// wordBefore reports whether one of the first n tokens is the word w.
func wordBefore(toks []token, w string, n int) bool {
	for i := 0; i < n && i < len(toks); i++ {
		if toks[i].is(w) {
			return true
		}
	}
	return false
}

// isName reports whether t is an identifier, bare or quoted.
func isName(t token) bool { return t.kind == tokWord || t.kind == tokQIdent }

// isPublic reports whether t names the public schema: public in any case,
// or "public" quoted as Postgres folds it ("PUBLIC" is another name).
func isPublic(t token) bool {
	return t.is("public") || t.kind == tokQIdent && t.text == "public"
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i]|0x20 != w[0] && !(w[0] == '_' && s[i] == '_') {
			continue
		}
		j := 1
		for j < len(w) && (s[i+j]|0x20 == w[j] || w[j] == '_' && s[i+j] == '_') {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// publicSchemaDDL answers CREATE SCHEMA and DROP SCHEMA of public, which
// is main: it exists already (42P06, or a notice with IF NOT EXISTS, as
// in Postgres) and cannot be dropped. Left to DuckDB, CREATE SCHEMA
// public would make a second schema that hides main's tables from
// public.t. ok is false for other statements.
func publicSchemaDDL(toks []token) (r *Result, ok bool, err error) {
	if len(toks) < 3 || !toks[1].is("schema") || !toks[0].is("create") && !toks[0].is("drop") {
		return nil, false, nil
	}
	i, ifClause := 2, false
	switch {
	case toks[0].is("create") && len(toks) > 5 && toks[2].is("if") && toks[3].is("not") && toks[4].is("exists"):
		i, ifClause = 5, true
	case toks[0].is("drop") && len(toks) > 4 && toks[2].is("if") && toks[3].is("exists"):
		i, ifClause = 4, true
	}
	if !isPublic(toks[i]) || i+1 < len(toks) && (isPunct(toks[i+1], ",") || isPunct(toks[i+1], ".")) {
		return nil, false, nil
	}
	if toks[0].is("drop") {
		return nil, true, newErr(CodeFeature, "cannot drop schema public: it is rheo's main schema, which holds every table and stream (drop those instead)")
	}
	if ifClause {
		return &Result{tag: "CREATE SCHEMA", done: true, notices: []string{`schema "public" already exists, skipping`}}, true, nil
	}
	return nil, true, newErr(CodeDuplicateSchema, `schema "public" already exists`)
}

// dropOldPublic drops the DuckDB schema named public that CREATE SCHEMA
// public made before public meant main (dbt and pandas users made one), so
// that the catalog shows one public. It is dropped only when empty; one
// holding tables is kept, and the log says how to move them, as public.t
// now reaches main.t (DuckDB's names ignore case, so "PUBLIC".t is still
// the old schema's).
func dropOldPublic(ctx context.Context, conn *sql.Conn, logger *slog.Logger) error {
	var name string
	err := conn.QueryRowContext(ctx, `SELECT schema_name FROM duckdb_schemas() `+
		`WHERE database_name = current_database() AND schema_name = 'public'`).Scan(&name)
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return fmt.Errorf("look for an old public schema: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "DROP SCHEMA "+quoteIdent(name)); err != nil {
		logger.Warn(`the warehouse has a schema named public, made before rheo read public as its main schema; `+
			`public.t now names main.t, so move its tables: CREATE TABLE main.t AS FROM "PUBLIC".t, then DROP TABLE "PUBLIC".t`,
			"schema", name, "error", err)
	}
	return nil
}
