package sqlengine

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// The Postgres catalog shim. DuckDB emulates pg_catalog, but psql's \d
// <table>, \l and \df read columns and tables it lacks
// (pg_class.relforcerowsecurity, pg_policy, pg_inherits, ...). An
// in-memory database attached as rheo_pg holds views that complete them;
// pgCompat points a query's pg_catalog.<name> at rheo_pg.main.<name> for
// the names below. Tables rheo cannot have (policies, triggers,
// publications, inheritance) are empty views with Postgres's columns.
const pgShimDB = "rheo_pg"

// pgShimViews are the shim's views by name, in creation order.
var pgShimViews = []struct{ name, sql string }{
	{"pg_class", `SELECT *, false AS relforcerowsecurity FROM pg_catalog.pg_class`},
	{"pg_collation", emptyRel("oid BIGINT, collname VARCHAR, collnamespace BIGINT, collowner BIGINT, collprovider VARCHAR, " +
		"collisdeterministic BOOLEAN, collencoding INTEGER, collcollate VARCHAR, collctype VARCHAR, colliculocale VARCHAR, collversion VARCHAR")},
	{"pg_policy", emptyRel("oid BIGINT, polname VARCHAR, polrelid BIGINT, polcmd VARCHAR, polpermissive BOOLEAN, " +
		"polroles BIGINT[], polqual VARCHAR, polwithcheck VARCHAR")},
	{"pg_statistic_ext", emptyRel("oid BIGINT, stxrelid BIGINT, stxname VARCHAR, stxnamespace BIGINT, stxowner BIGINT, " +
		"stxstattarget INTEGER, stxkeys INTEGER[], stxkind VARCHAR[], stxexprs VARCHAR")},
	{"pg_publication", emptyRel("oid BIGINT, pubname VARCHAR, pubowner BIGINT, puballtables BOOLEAN, pubinsert BOOLEAN, " +
		"pubupdate BOOLEAN, pubdelete BOOLEAN, pubtruncate BOOLEAN, pubviaroot BOOLEAN")},
	{"pg_publication_rel", emptyRel("oid BIGINT, prpubid BIGINT, prrelid BIGINT, prqual VARCHAR, prattrs INTEGER[]")},
	{"pg_publication_namespace", emptyRel("oid BIGINT, pnpubid BIGINT, pnnspid BIGINT")},
	// The user's databases only: not the shim, DuckDB's system and temp.
	{"pg_database", `SELECT oid, datname, 0::BIGINT AS datdba, 6 AS encoding, 'c' AS datlocprovider, false AS datistemplate, ` +
		`true AS datallowconn, -1 AS datconnlimit, 'C' AS datcollate, 'C' AS datctype, NULL::VARCHAR AS daticulocale, ` +
		`NULL::VARCHAR AS datcollversion, NULL::VARCHAR[] AS datacl, 0::BIGINT AS dattablespace ` +
		`FROM pg_catalog.pg_database WHERE datname NOT IN ('` + pgShimDB + `', 'system', 'temp')`},
	{"pg_roles", `SELECT 0::BIGINT AS oid, 'rheo' AS rolname, true AS rolsuper, true AS rolinherit, true AS rolcreaterole, ` +
		`true AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, -1 AS rolconnlimit, NULL::VARCHAR AS rolvaliduntil, ` +
		`false AS rolbypassrls, NULL::VARCHAR[] AS rolconfig`},
	{"pg_inherits", emptyRel("inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN")},
	{"pg_trigger", emptyRel("oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR, tgfoid BIGINT, tgtype INTEGER, " +
		"tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid BIGINT, tgconstrindid BIGINT, tgconstraint BIGINT")},
}

// pgShimMacros complete functions DuckDB lacks or takes fewer arguments of.
var pgShimMacros = []struct{ name, sql string }{
	{"pg_get_statisticsobjdef_columns", `(oid) AS NULL::VARCHAR`},
	{"pg_relation_is_publishable", `(rel) AS false`},
	{"array_upper", `(arr, dim) AS len(arr)`},
	// Postgres's names for the types psql shows.
	{"format_type", `(typ, mod) AS CASE pg_catalog.format_type(typ, mod) ` +
		`WHEN 'int2' THEN 'smallint' WHEN 'int4' THEN 'integer' WHEN 'int8' THEN 'bigint' ` +
		`WHEN 'float4' THEN 'real' WHEN 'float8' THEN 'double precision' WHEN 'bool' THEN 'boolean' ` +
		`WHEN 'varchar' THEN 'character varying' WHEN 'bpchar' THEN 'character' ` +
		`WHEN 'timestamp' THEN 'timestamp without time zone' WHEN 'timestamptz' THEN 'timestamp with time zone' ` +
		`WHEN 'time' THEN 'time without time zone' WHEN 'timetz' THEN 'time with time zone' ` +
		`ELSE pg_catalog.format_type(typ, mod) END`},
	{"pg_get_function_result", `(fn) AS (SELECT any_value(coalesce(f.return_type, '')) FROM duckdb_functions() f WHERE f.function_oid = fn)`},
	{"pg_get_function_arguments", `(fn) AS (SELECT any_value(array_to_string(list_transform(list_zip(f.parameters, f.parameter_types), ` +
		`x -> x[1] || ' ' || coalesce(x[2], 'any')), ', ')) FROM duckdb_functions() f WHERE f.function_oid = fn)`},
	{"pg_get_expr", `(expr, rel) AS pg_catalog.pg_get_expr(expr, rel), (expr, rel, pretty) AS pg_catalog.pg_get_expr(expr, rel)`},
}

// emptyRel is a view body with the given columns and no rows.
func emptyRel(cols string) string {
	var sel []string
	for _, c := range strings.Split(cols, ", ") {
		name, typ, _ := strings.Cut(c, " ")
		sel = append(sel, fmt.Sprintf("NULL::%s AS %s", typ, name))
	}
	return "SELECT " + strings.Join(sel, ", ") + " WHERE false"
}

var pgShimNames = func() map[string]bool {
	m := make(map[string]bool, len(pgShimViews)+len(pgShimMacros))
	for _, v := range pgShimViews {
		m[v.name] = true
	}
	for _, f := range pgShimMacros {
		m[f.name] = true
	}
	return m
}()

// duckdbPGFuncs are the functions DuckDB 1.4 defines in pg_catalog
// (TestPGFuncsList keeps the list true). A pg_catalog-qualified call of
// any other function names one DuckDB has only unqualified (array_to_string,
// ...), so the qualifier is dropped.
var duckdbPGFuncs = map[string]bool{}

func init() {
	for _, f := range strings.Fields(`col_description current_database current_query current_schema
		current_schemas format_pg_type format_type has_any_column_privilege has_column_privilege
		has_database_privilege has_foreign_data_wrapper_privilege has_function_privilege
		has_language_privilege has_schema_privilege has_sequence_privilege has_server_privilege
		has_table_privilege has_tablespace_privilege inet_client_addr inet_client_port
		inet_server_addr inet_server_port map_to_pg_oid obj_description pg_collation_is_visible
		pg_conf_load_time pg_conversion_is_visible pg_function_is_visible pg_get_constraintdef
		pg_get_expr pg_get_viewdef pg_has_role pg_is_other_temp_schema pg_my_temp_schema
		pg_opclass_is_visible pg_operator_is_visible pg_opfamily_is_visible pg_postmaster_start_time
		pg_size_pretty pg_table_is_visible pg_ts_config_is_visible pg_ts_dict_is_visible
		pg_ts_parser_is_visible pg_ts_template_is_visible pg_type_is_visible pg_typeof
		shobj_description`) {
		duckdbPGFuncs[f] = true
	}
}

// pgShimRef matches a pg_catalog-qualified name, and whether a call
// follows.
var pgShimRef = regexp.MustCompile(`(?i)\bpg_catalog\s*\.\s*(\w+)(\s*\()?`)

// pgShim points pg_catalog.<name> at the shim's view or macro of that
// name, and drops the qualifier of calls DuckDB has only unqualified.
func pgShim(st string) string {
	return pgShimRef.ReplaceAllStringFunc(st, func(m string) string {
		sub := pgShimRef.FindStringSubmatch(m)
		name := strings.ToLower(sub[1])
		switch {
		case pgShimNames[name]:
			return pgShimDB + ".main." + sub[1] + sub[2]
		case sub[2] != "" && !duckdbPGFuncs[name]:
			return sub[1] + sub[2]
		}
		return m
	})
}

// initPGCatalog attaches the shim database and creates its views.
func initPGCatalog(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "ATTACH IF NOT EXISTS ':memory:' AS "+pgShimDB); err != nil {
		return fmt.Errorf("attach %s: %w", pgShimDB, err)
	}
	for _, v := range pgShimViews {
		q := fmt.Sprintf("CREATE OR REPLACE VIEW %s.main.%s AS %s", pgShimDB, v.name, v.sql)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create %s.%s: %w", pgShimDB, v.name, err)
		}
	}
	for _, f := range pgShimMacros {
		q := fmt.Sprintf("CREATE OR REPLACE MACRO %s.main.%s%s", pgShimDB, f.name, f.sql)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create %s.%s: %w", pgShimDB, f.name, err)
		}
	}
	return nil
}
