package sqlengine

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// The Postgres catalog shim. DuckDB emulates pg_catalog, but psql's
// describe commands and JDBC drivers read columns, tables and functions
// it lacks (pg_class.relforcerowsecurity, pg_policy, pg_inherits,
// pg_get_function_result, ...), and some of its tables disagree with each
// other (type ids, key columns; see rheo_type_map and rheo_keys). An
// in-memory database attached as rheo_pg holds views and macros that
// complete and correct them; pgCompat points a query's pg_catalog.<name>
// (and unqualified calls of the macros) at rheo_pg.main.<name> for the
// names below. Tables rheo cannot have (policies, triggers, publications,
// inheritance) are empty views with Postgres's columns. The server tests
// run psql's describe commands and pgjdbc's DatabaseMetaData against it.
const pgShimDB = "rheo_pg"

// pgShimViews are the shim's views by name, in creation order.
var pgShimViews = []struct{ name, sql string }{
	// DuckDB's pg_attribute.atttypid holds DuckDB's type ids while its
	// pg_type.oid holds Postgres's OIDs (NULL for DuckDB-only types), so
	// the JOIN of the two that drivers make (pgjdbc's getColumns) finds
	// nothing. rheo_type_map gives every DuckDB type id the Postgres OID
	// of its type, or 100000 + the id for types Postgres lacks; the shim's
	// pg_type and pg_attribute both use it.
	{"rheo_type_map", `SELECT d.type_oid AS duck_id, coalesce(any_value(p.oid), 100000 + d.type_oid) AS oid, ` +
		`any_value(pg_catalog.format_pg_type(d.logical_type, d.type_name)) AS typname ` +
		`FROM duckdb_types() d LEFT JOIN pg_catalog.pg_type p ON p.typname = pg_catalog.format_pg_type(d.logical_type, d.type_name) ` +
		`WHERE d.type_oid IS NOT NULL GROUP BY d.type_oid`},
	// The array types the Postgres endpoint sends lists as (pgwire's
	// arrayOIDs), which DuckDB's pg_type lacks: psql's \gdesc and
	// format_type name them, drivers look up their element type.
	{"rheo_array_types", `SELECT * FROM (VALUES (199, 114, '_json', 'json[]'), (1000, 16, '_bool', 'boolean[]'), ` +
		`(1001, 17, '_bytea', 'bytea[]'), (1005, 21, '_int2', 'smallint[]'), (1007, 23, '_int4', 'integer[]'), ` +
		`(1009, 25, '_text', 'text[]'), (1015, 1043, '_varchar', 'character varying[]'), (1016, 20, '_int8', 'bigint[]'), ` +
		`(1021, 700, '_float4', 'real[]'), (1022, 701, '_float8', 'double precision[]'), ` +
		`(1115, 1114, '_timestamp', 'timestamp without time zone[]'), (1182, 1082, '_date', 'date[]'), ` +
		`(1183, 1083, '_time', 'time without time zone[]'), (1185, 1184, '_timestamptz', 'timestamp with time zone[]'), ` +
		`(1187, 1186, '_interval', 'interval[]'), (1231, 1700, '_numeric', 'numeric[]'), (2951, 2950, '_uuid', 'uuid[]'), ` +
		`(3807, 3802, '_jsonb', 'jsonb[]')) a(oid, elem, typname, name)`},
	// Postgres's variable-length types have typlen -1 (DuckDB's has its
	// own sizes: 16 for varchar), which GORM takes for a length.
	{"pg_type", `SELECT p.* REPLACE (coalesce(p.oid, m.oid) AS oid, coalesce(p.typrelid, 0) AS typrelid, ` +
		`CASE WHEN p.typname IN ('varchar', 'bytea', 'numeric', 'bit') THEN -1 ELSE p.typlen END AS typlen, ` +
		`coalesce(p.typarray, (SELECT any_value(a.oid) FROM ` + pgShimDB + `.main.rheo_array_types a WHERE a.elem = p.oid), 0) AS typarray) ` +
		`FROM pg_catalog.pg_type p LEFT JOIN ` + pgShimDB + `.main.rheo_type_map m ON m.typname = p.typname ` +
		`UNION ALL BY NAME SELECT a.oid, a.typname, (SELECT any_value(typnamespace) FROM pg_catalog.pg_type WHERE oid = 23) AS typnamespace, ` +
		`0 AS typowner, -1 AS typlen, false AS typbyval, 'b' AS typtype, 'A' AS typcategory, false AS typispreferred, ` +
		`true AS typisdefined, ',' AS typdelim, 0 AS typrelid, a.elem AS typelem, 0 AS typarray, 'i' AS typalign, 'x' AS typstorage ` +
		`FROM ` + pgShimDB + `.main.rheo_array_types a ` +
		// json and jsonb, which DuckDB's lacks (its JSON is a VARCHAR
		// alias): results send JSON as jsonb, and pgjdbc looks the OID up
		// here for getColumnTypeName.
		`UNION ALL BY NAME SELECT j.oid, j.typname, (SELECT any_value(typnamespace) FROM pg_catalog.pg_type WHERE oid = 23) AS typnamespace, ` +
		`0 AS typowner, -1 AS typlen, false AS typbyval, 'b' AS typtype, 'U' AS typcategory, false AS typispreferred, ` +
		`true AS typisdefined, ',' AS typdelim, 0 AS typrelid, 0 AS typelem, j.arr AS typarray, 'i' AS typalign, 'x' AS typstorage ` +
		`FROM (VALUES (114, 'json', 199), (3802, 'jsonb', 3807)) j(oid, typname, arr)`},
	// A list column has DuckDB's one LIST type id; rheo_list_columns
	// gives it the Postgres array type of its element (integer[] for
	// INTEGER[] and the fixed-size INTEGER[3]), as results send it, so
	// psql's \d and drivers name it. A JSON column has VARCHAR's type id
	// (JSON is an alias); it is jsonb, as results send it.
	{"rheo_list_columns", `SELECT c.table_oid, c.column_name, any_value(a.oid) AS oid FROM duckdb_columns() c ` +
		`JOIN duckdb_types() d ON d.type_oid IS NOT NULL AND d.logical_type = regexp_extract(c.data_type, '^([A-Z ]+)(\(.*\))?\[[0-9]*\]$', 1) ` +
		`JOIN ` + pgShimDB + `.main.rheo_type_map m ON m.duck_id = d.type_oid ` +
		`JOIN ` + pgShimDB + `.main.rheo_array_types a ON a.elem = m.oid ` +
		`WHERE c.data_type LIKE '%]' GROUP BY c.table_oid, c.column_name ` +
		`UNION ALL SELECT table_oid, column_name, 3802 FROM duckdb_columns() WHERE data_type = 'JSON'`},
	// information_schema.columns in Postgres's terms: data_type as
	// Postgres spells it (integer, character varying, ARRAY, USER-DEFINED
	// for DuckDB's own types) and udt_name the pg_type name (int4, _int4),
	// which GORM's ColumnTypes joins to pg_type. DuckDB's gives its own
	// (INTEGER, INTEGER[]) and no udt_name.
	{"information_schema_columns", `SELECT c.* EXCLUDE (COLUMN_COMMENT) REPLACE (` + pgSchemaName("c.table_catalog", "c.table_schema") + ` AS table_schema, ` +
		`CASE WHEN c.data_type LIKE '%]' THEN 'ARRAY' WHEN c.data_type = 'JSON' THEN 'jsonb' WHEN m.oid IS NULL THEN c.data_type ` +
		`WHEN m.oid >= 100000 THEN 'USER-DEFINED' ELSE CASE m.typname ` + pgTypeNames + `ELSE m.typname END END AS data_type, ` +
		`CASE WHEN c.data_type LIKE 'TIME%' THEN 6 WHEN c.data_type = 'DATE' THEN 0 END::INTEGER AS datetime_precision, ` +
		`CASE WHEN c.data_type = 'JSON' THEN 'jsonb' ELSE coalesce(a.typname, m.typname) END AS udt_name, ` +
		`CASE WHEN m.oid IS NOT NULL THEN c.table_catalog END AS udt_catalog, ` +
		`CASE WHEN m.oid IS NOT NULL THEN 'pg_catalog' END AS udt_schema, ` +
		`c.ordinal_position::VARCHAR AS dtd_identifier, ` +
		// Defaults as Postgres shows them: GORM takes a column whose
		// default is nextval('<name>'::regclass) for an auto-increment
		// one, and compares boolean defaults by their text.
		`CASE WHEN c.column_default = 'CAST(''t'' AS BOOLEAN)' THEN 'true' WHEN c.column_default = 'CAST(''f'' AS BOOLEAN)' THEN 'false' ` +
		// A table made as public.t or main.t has its serial's sequence
		// as main."t_id_seq"; Postgres leaves out a schema on the path.
		`ELSE regexp_replace(c.column_default, '^nextval\(''(?:"?main"?\.)?"?([^"'']*)"?''\)$', 'nextval(''\1''::regclass)') END AS column_default) ` +
		`FROM information_schema.columns c LEFT JOIN duckdb_columns() d ON d.database_name = c.table_catalog ` +
		`AND d.schema_name = c.table_schema AND d.table_name = c.table_name AND d.column_name = c.column_name ` +
		`LEFT JOIN ` + pgShimDB + `.main.rheo_type_map m ON m.duck_id = d.data_type_id ` +
		`LEFT JOIN ` + pgShimDB + `.main.rheo_list_columns l ON l.table_oid = d.table_oid AND l.column_name = d.column_name ` +
		`LEFT JOIN ` + pgShimDB + `.main.rheo_array_types a ON a.oid = l.oid`},
	// Postgres's has a row for each comment; DuckDB's one for every
	// object, most with a NULL description, which GORM's AutoMigrate
	// cannot scan. These are the comments of relations, their columns,
	// sequences and indexes.
	{"pg_description", `SELECT table_oid AS objoid, 1259::BIGINT AS classoid, 0 AS objsubid, comment AS description FROM duckdb_tables() WHERE comment IS NOT NULL ` +
		`UNION ALL SELECT table_oid, 1259, column_index, comment FROM duckdb_columns() WHERE comment IS NOT NULL ` +
		`UNION ALL SELECT view_oid, 1259, 0, comment FROM duckdb_views() WHERE comment IS NOT NULL AND NOT internal ` +
		`UNION ALL SELECT sequence_oid, 1259, 0, comment FROM duckdb_sequences() WHERE comment IS NOT NULL ` +
		`UNION ALL SELECT index_oid, 1259, 0, comment FROM duckdb_indexes() WHERE comment IS NOT NULL`},
	// DuckDB's has constraint_type and constraint_text too, which make
	// GORM's JOIN ... USING with table_constraints ambiguous.
	{"information_schema_constraint_column_usage", `SELECT table_catalog, ` + pgSchemaName("table_catalog", "table_schema") +
		` AS table_schema, table_name, column_name, constraint_catalog, ` + pgSchemaName("constraint_catalog", "constraint_schema") +
		` AS constraint_schema, constraint_name FROM information_schema.constraint_column_usage`},
	// The rest of information_schema, with the warehouse's main as public.
	infoSchemaView("tables", "table"),
	infoSchemaView("views", "table"),
	infoSchemaView("schemata", "catalog_name:schema_name"),
	infoSchemaView("table_constraints", "constraint", "table"),
	infoSchemaView("key_column_usage", "constraint", "table"),
	infoSchemaView("constraint_table_usage", "constraint", "table"),
	infoSchemaView("referential_constraints", "constraint", "unique_constraint"),
	infoSchemaView("check_constraints", "constraint"),
	// DuckDB's name the schema of every database, without the database.
	{"pg_tables", `SELECT ` + pgSchemaName("database_name", "schema_name") + ` AS schemaname, table_name AS tablename, ` +
		`'rheo' AS tableowner, NULL::VARCHAR AS tablespace, index_count > 0 AS hasindexes, false AS hasrules, false AS hastriggers, ` +
		`false AS rowsecurity FROM duckdb_tables()`},
	{"pg_views", `SELECT ` + pgSchemaName("database_name", "schema_name") + ` AS schemaname, view_name AS viewname, ` +
		`'rheo' AS viewowner, sql AS definition FROM duckdb_views()`},
	{"pg_indexes", `SELECT ` + pgSchemaName("database_name", "schema_name") + ` AS schemaname, table_name AS tablename, ` +
		`index_name AS indexname, NULL::VARCHAR AS tablespace, sql AS indexdef FROM duckdb_indexes()`},
	// DuckDB has no materialized views or rules (dbt's list of relations
	// reads pg_matviews with pg_tables and pg_views).
	{"pg_matviews", emptyRel("schemaname VARCHAR, matviewname VARCHAR, matviewowner VARCHAR, tablespace VARCHAR, " +
		"hasindexes BOOLEAN, ispopulated BOOLEAN, definition VARCHAR")},
	{"pg_rewrite", emptyRel("oid BIGINT, rulename VARCHAR, ev_class BIGINT, ev_type VARCHAR, ev_enabled VARCHAR, " +
		"is_instead BOOLEAN, ev_qual VARCHAR, ev_action VARCHAR")},
	{"pg_attribute", `SELECT a.* REPLACE (coalesce(l.oid, m.oid, a.atttypid) AS atttypid, 'p' AS attstorage) FROM pg_catalog.pg_attribute a ` +
		`LEFT JOIN ` + pgShimDB + `.main.rheo_type_map m ON m.duck_id = a.atttypid ` +
		`LEFT JOIN ` + pgShimDB + `.main.rheo_list_columns l ON l.table_oid = a.attrelid AND l.column_name = a.attname`},
	// Keys. DuckDB's pg_constraint numbers key columns from 0 (Postgres's
	// attnum is 1-based), lists NOT NULL as contype 'x' (an exclusion
	// constraint in Postgres), names constraints by their text and leaves
	// confrelid 0; its pg_index shows no key. rheo_keys is DuckDB's
	// duckdb_constraints() in Postgres's terms, with an index OID for each
	// primary key and unique constraint (the index that backs it in
	// Postgres), from which pg_constraint, pg_index and the index rows of
	// pg_class are made.
	{"rheo_keys", `SELECT c.table_oid * 1000000 + c.constraint_index AS oid, c.constraint_name AS conname, ` +
		`c.schema_oid AS connamespace, c.table_oid AS conrelid, c.database_name, c.schema_name, c.table_name, ` +
		`CASE c.constraint_type WHEN 'PRIMARY KEY' THEN 'p' WHEN 'UNIQUE' THEN 'u' WHEN 'FOREIGN KEY' THEN 'f' ELSE 'c' END AS contype, ` +
		`CASE WHEN c.constraint_type IN ('PRIMARY KEY', 'UNIQUE') THEN c.table_oid * 1000000 + c.constraint_index + 500000 ELSE 0 END AS conindid, ` +
		`list_transform(c.constraint_column_indexes, x -> (x + 1)::SMALLINT) AS conkey, c.constraint_column_names, ` +
		// A key made as REFERENCES public.t (schemaCompat) reads
		// REFERENCES main.t; Postgres leaves out a schema on the search
		// path, and SQLAlchemy would look for a schema main.
		`regexp_replace(c.constraint_text, ' REFERENCES main\.', ' REFERENCES ') AS constraint_text, ` +
		`c.expression, c.referenced_table, c.referenced_column_names ` +
		`FROM duckdb_constraints() c WHERE c.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')`},
	{"pg_constraint", `SELECT k.oid, k.conname, k.connamespace, k.contype, false AS condeferrable, false AS condeferred, ` +
		// A foreign key's conindid is the index of the key it references.
		`true AS convalidated, k.conrelid, 0::BIGINT AS contypid, coalesce(r.conindid, k.conindid) AS conindid, 0::BIGINT AS conparentid, ` +
		`coalesce(r.conrelid, 0) AS confrelid, 'a' AS confupdtype, 'a' AS confdeltype, 's' AS confmatchtype, ` +
		`true AS conislocal, 0 AS coninhcount, false AS connoinherit, k.conkey, r.conkey AS confkey, ` +
		`NULL::BIGINT[] AS conpfeqop, NULL::BIGINT[] AS conppeqop, NULL::BIGINT[] AS conffeqop, NULL::BIGINT[] AS conexclop, ` +
		`k.expression AS conbin ` +
		`FROM ` + pgShimDB + `.main.rheo_keys k LEFT JOIN ` + pgShimDB + `.main.rheo_keys r ON k.contype = 'f' ` +
		`AND r.contype IN ('p', 'u') AND r.database_name = k.database_name AND r.schema_name = k.schema_name ` +
		`AND r.table_name = k.referenced_table AND r.constraint_column_names = k.referenced_column_names`},
	// DuckDB's rows of its indexes (CREATE INDEX) have no indkey: it is
	// made from the index's expressions, a column's number for a column
	// and 0 for an expression, as in Postgres; and indexprs, which DuckDB
	// fills for every index, is NULL for an index of columns only
	// (SQLAlchemy skips indexes with expressions).
	{"pg_index", `SELECT p.* REPLACE (coalesce(k.indkey, p.indkey) AS indkey, coalesce(len(k.indkey), p.indnatts) AS indnatts, ` +
		`coalesce(len(k.indkey), p.indnkeyatts) AS indnkeyatts, ` +
		`CASE WHEN len(k.indkey) > 0 AND NOT list_contains(k.indkey, 0) THEN NULL ELSE p.indexprs END AS indexprs) FROM pg_catalog.pg_index p LEFT JOIN (` +
		`SELECT x.index_oid, list(coalesce(c.column_index, 0)::SMALLINT ORDER BY x.ord) AS indkey FROM (` +
		`SELECT index_oid, table_oid, unnest(TRY_CAST(expressions AS VARCHAR[])) AS expr, ` +
		`generate_subscripts(TRY_CAST(expressions AS VARCHAR[]), 1) AS ord FROM duckdb_indexes()) x ` +
		`LEFT JOIN duckdb_columns() c ON c.table_oid = x.table_oid AND c.column_name = CASE WHEN x.expr LIKE '"%"' ` +
		`THEN replace(x.expr[2:-2], '""', '"') ELSE x.expr END GROUP BY x.index_oid) k ON k.index_oid = p.indexrelid UNION ALL BY NAME ` +
		`SELECT conindid AS indexrelid, conrelid AS indrelid, len(conkey) AS indnatts, len(conkey) AS indnkeyatts, ` +
		`true AS indisunique, contype = 'p' AS indisprimary, false AS indisexclusion, true AS indimmediate, ` +
		`false AS indisclustered, true AS indisvalid, false AS indcheckxmin, true AS indisready, true AS indislive, ` +
		`false AS indisreplident, conkey AS indkey FROM ` + pgShimDB + `.main.rheo_keys WHERE contype IN ('p', 'u')`},
	{"pg_class", `SELECT c.* REPLACE (` + pgNamespaceOf("c.relnamespace") + ` AS relnamespace, c.relhasindex OR c.oid IN (SELECT conrelid FROM ` + pgShimDB + `.main.rheo_keys WHERE conindid <> 0) AS relhasindex, ` +
		// Postgres implements foreign keys with triggers on both tables;
		// psql shows foreign keys and "Referenced by" only then.
		`c.relhastriggers OR c.oid IN (SELECT conrelid FROM ` + pgShimDB + `.main.pg_constraint WHERE contype = 'f' ` +
		`UNION ALL SELECT confrelid FROM ` + pgShimDB + `.main.pg_constraint WHERE contype = 'f') AS relhastriggers, ` +
		// Typed so that psql's \d+ can concatenate and unnest them.
		`NULL::VARCHAR[] AS reloptions, NULL::VARCHAR[] AS relacl, NULL::VARCHAR AS relpartbound, ` +
		// Default replica identity, and no access method: DuckDB's pg_am
		// has only its index type (art, OID 0), not a table access method.
		`'d' AS relreplident, CASE WHEN c.relkind = 'i' THEN 0 END::INTEGER AS relam), ` +
		`false AS relforcerowsecurity FROM pg_catalog.pg_class c UNION ALL BY NAME ` +
		`SELECT conindid AS oid, conname AS relname, connamespace AS relnamespace, 'i' AS relkind, 'p' AS relpersistence, ` +
		`len(conkey) AS relnatts, 0 AS relchecks, false AS relhasindex, false AS relhasrules, false AS relhastriggers, ` +
		`false AS relrowsecurity, false AS relforcerowsecurity, false AS relispartition, 0 AS reltablespace, 0 AS reloftype, ` +
		`0 AS relam, 0 AS reltoastrelid, 'n' AS relreplident, true AS relispopulated ` +
		`FROM ` + pgShimDB + `.main.rheo_keys WHERE conindid <> 0`},
	// The namespace pg_type's rows name, which DuckDB's pg_namespace lacks.
	// DuckDB's has the current database's schemas only; its main is
	// Postgres's public.
	// The schemas of DuckDB's own views and functions (in its system
	// database) and the shim's are one pg_catalog, as pg_class and
	// pg_proc say (pgNamespaceOf); information_schema and the temporary
	// schema (Postgres's pg_temp_N) have their own rows, so a join of
	// pg_class or pg_proc to pg_namespace finds every row a schema
	// (pgcli lists views and functions per schema).
	{"pg_namespace", `SELECT * REPLACE (CASE WHEN nspname = 'main' THEN 'public' ELSE nspname END AS nspname) FROM pg_catalog.pg_namespace UNION ` +
		`SELECT DISTINCT typnamespace AS oid, 'pg_catalog' AS nspname, 0 AS nspowner, NULL AS nspacl FROM pg_catalog.pg_type ` +
		`WHERE typnamespace NOT IN (SELECT oid FROM pg_catalog.pg_namespace) UNION ` +
		`SELECT oid, CASE database_name WHEN 'temp' THEN 'pg_temp_1' WHEN '` + pgShimDB + `' THEN 'pg_catalog' ELSE schema_name END AS nspname, ` +
		`0 AS nspowner, NULL AS nspacl FROM duckdb_schemas() WHERE database_name = 'system' AND schema_name = 'information_schema' ` +
		`OR database_name IN ('temp', '` + pgShimDB + `') AND schema_name = 'main'`},
	// The temporary schema's functions are rheo's (current_user & co.,
	// sqlengine's per-connection macros): pg_catalog's for clients.
	{"pg_proc", `SELECT * REPLACE (` + pgNamespaceOf("pronamespace", "temp") + ` AS pronamespace) FROM pg_catalog.pg_proc`},
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
	// Settings drivers read at connect that DuckDB does not have.
	{"pg_settings", `SELECT * FROM pg_catalog.pg_settings UNION ALL BY NAME ` +
		`SELECT * FROM (VALUES ('max_index_keys', '32', 'Maximum number of index keys.', 'integer'), ` +
		`('max_identifier_length', '63', 'Maximum identifier length.', 'integer')) s(name, setting, short_desc, vartype) ` +
		`WHERE name NOT IN (SELECT name FROM pg_catalog.pg_settings)`},
	{"pg_auth_members", emptyRel("oid BIGINT, roleid BIGINT, member BIGINT, grantor BIGINT, admin_option BOOLEAN, " +
		"inherit_option BOOLEAN, set_option BOOLEAN")},
	// DuckDB's loaded extensions, for psql's \dx.
	{"pg_extension", `SELECT row_number() OVER ()::BIGINT + 200000 AS oid, extension_name AS extname, 0::BIGINT AS extowner, ` +
		`0::BIGINT AS extnamespace, false AS extrelocatable, extension_version AS extversion, NULL::BIGINT[] AS extconfig, ` +
		`NULL::VARCHAR[] AS extcondition FROM duckdb_extensions() WHERE loaded`},
	{"pg_language", `SELECT * FROM (VALUES (12::BIGINT, 'internal'), (13::BIGINT, 'c'), (14::BIGINT, 'sql')) l(oid, lanname)`},
	{"pg_conversion", emptyRel("oid BIGINT, conname VARCHAR, connamespace BIGINT, conowner BIGINT, conforencoding INTEGER, " +
		"contoencoding INTEGER, conproc BIGINT, condefault BOOLEAN")},
	{"pg_cast", emptyRel("oid BIGINT, castsource BIGINT, casttarget BIGINT, castfunc BIGINT, castcontext VARCHAR, castmethod VARCHAR")},
	{"pg_operator", emptyRel("oid BIGINT, oprname VARCHAR, oprnamespace BIGINT, oprowner BIGINT, oprkind VARCHAR, oprcanmerge BOOLEAN, " +
		"oprcanhash BOOLEAN, oprleft BIGINT, oprright BIGINT, oprresult BIGINT, oprcom BIGINT, oprnegate BIGINT, oprcode VARCHAR, " +
		"oprrest VARCHAR, oprjoin VARCHAR")},
	{"pg_event_trigger", emptyRel("oid BIGINT, evtname VARCHAR, evtevent VARCHAR, evtowner BIGINT, evtfoid BIGINT, evtenabled VARCHAR, evttags VARCHAR[]")},
	// Range types: none (Sequelize reads them at connect).
	{"pg_range", emptyRel("rngtypid BIGINT, rngsubtype BIGINT, rngmultitypid BIGINT, rngcollation BIGINT, rngsubopc BIGINT, " +
		"rngcanonical VARCHAR, rngsubdiff VARCHAR")},
	// Block I/O counts per table, which DuckDB does not keep: zeros, and
	// NULL for TOAST (there is none). Sequelize's describeTable finds a
	// column's comment through it.
	{"pg_statio_all_tables", `SELECT table_oid AS relid, ` + pgSchemaName("database_name", "schema_name") + ` AS schemaname, ` +
		`table_name AS relname, 0::BIGINT AS heap_blks_read, 0::BIGINT AS heap_blks_hit, 0::BIGINT AS idx_blks_read, ` +
		`0::BIGINT AS idx_blks_hit, NULL::BIGINT AS toast_blks_read, NULL::BIGINT AS toast_blks_hit, ` +
		`NULL::BIGINT AS tidx_blks_read, NULL::BIGINT AS tidx_blks_hit FROM duckdb_tables()`},
	{"pg_inherits", emptyRel("inhrelid BIGINT, inhparent BIGINT, inhseqno INTEGER, inhdetachpending BOOLEAN")},
	{"pg_trigger", emptyRel("oid BIGINT, tgrelid BIGINT, tgparentid BIGINT, tgname VARCHAR, tgfoid BIGINT, tgtype INTEGER, " +
		"tgenabled VARCHAR, tgisinternal BOOLEAN, tgconstrrelid BIGINT, tgconstrindid BIGINT, tgconstraint BIGINT")},
}

// pgShimMacros complete functions DuckDB lacks or takes fewer arguments of.
var pgShimMacros = []struct{ name, sql string }{
	// information_schema._pg_expandarray: each element with its 1-based index.
	{"_pg_expandarray", `(arr) AS unnest(list_transform(range(1, len(arr) + 1), i -> {'x': arr[i], 'n': i}))`},
	// For the index of a key, Postgres's definition of it (psql shows
	// what follows USING).
	// With a column number, that key column alone (pgjdbc's getIndexInfo
	// reads its COLUMN_NAME so).
	{"pg_get_indexdef", `(idx) AS ` + pgIndexDef + `, (idx, col, pretty) AS CASE WHEN col = 0 THEN ` + pgIndexDef + ` ELSE coalesce(` +
		`(SELECT any_value(TRY_CAST(expressions AS VARCHAR[])[col]) FROM duckdb_indexes() WHERE index_oid = idx), ` +
		`(SELECT any_value(CASE WHEN regexp_full_match(n, '[a-z_][a-z0-9_$]*') THEN n ELSE '"' || replace(n, '"', '""') || '"' END) ` +
		`FROM (SELECT constraint_column_names[col] AS n FROM ` + pgShimDB + `.main.rheo_keys WHERE conindid = idx))) END`},
	{"pg_get_constraintdef", `(con) AS (SELECT any_value(constraint_text) FROM ` + pgShimDB + `.main.rheo_keys WHERE oid = con), ` +
		`(con, pretty) AS (SELECT any_value(constraint_text) FROM ` + pgShimDB + `.main.rheo_keys WHERE oid = con)`},
	// Sizes DuckDB does not keep per table: unknown (psql shows nothing).
	{"pg_table_size", `(rel) AS NULL::BIGINT`},
	{"pg_relation_size", `(rel) AS NULL::BIGINT, (rel, fork) AS NULL::BIGINT`},
	{"pg_total_relation_size", `(rel) AS NULL::BIGINT`},
	{"pg_indexes_size", `(rel) AS NULL::BIGINT`},
	{"pg_database_size", `(db) AS NULL::BIGINT`},
	{"pg_tablespace_location", `(ts) AS ''`},
	{"pg_get_function_sqlbody", `(fn) AS NULL::VARCHAR`},
	{"pg_get_triggerdef", `(trg) AS NULL::VARCHAR, (trg, pretty) AS NULL::VARCHAR`},
	{"regclass_name", `(rel) AS coalesce((SELECT any_value(relname) FROM ` + pgShimDB + `.main.pg_class WHERE oid = rel), rel::VARCHAR)`},
	// to_regclass outside catalog queries (regclassCompat): the name of
	// a table, view or sequence of the current database named as in
	// Postgres ('t', 'public.t', '"T"'; public is main), NULL when there
	// is none.
	{"to_regclass", `(name) AS (SELECT any_value(r.rel) FROM (` +
		`SELECT table_name AS rel, schema_name AS sch, database_name AS db FROM duckdb_tables() ` +
		`UNION ALL SELECT view_name, schema_name, database_name FROM duckdb_views() WHERE NOT internal ` +
		`UNION ALL SELECT sequence_name, schema_name, database_name FROM duckdb_sequences()) r ` +
		`WHERE r.db = current_database() AND lower(r.rel) = lower(trim(split_part(name, '.', -1), '"')) ` +
		`AND lower(r.sch) = CASE WHEN NOT contains(name, '.') OR lower(trim(split_part(name, '.', 1), '"')) = 'public' THEN 'main' ` +
		`ELSE lower(trim(split_part(name, '.', 1), '"')) END)`},
	// No table is partitioned: a table is its only ancestor.
	{"pg_partition_ancestors", `(rel) AS rel::BIGINT`},
	// ... WITH ORDINALITY, which DuckDB's table macros lack: the ordinal is
	// the second column.
	{"pg_partition_ancestors_table", `(rel) AS TABLE SELECT rel::BIGINT AS relid, 1::BIGINT AS depth`},
	{"pg_get_statisticsobjdef_columns", `(oid) AS NULL::VARCHAR`},
	// The sequence of a column whose default is nextval('seq') (serial,
	// identity, pg_dump's ALTER ... SET DEFAULT), named as Postgres names
	// it ('public.t_id_seq', 'public."T_id_seq"'); NULL for other
	// columns. tbl is read as to_regclass reads it, col as it is
	// (Postgres does not fold its case). SQLAlchemy's get_columns asks
	// for each column, Django's sequence reset passes it to setval.
	{"pg_get_serial_sequence", `(tbl, col) AS (SELECT any_value(CASE WHEN s.seq <> '' THEN ` +
		`CASE WHEN s.sch = '' OR s.sch = 'main' THEN CASE WHEN s.tsch = 'main' THEN 'public' ELSE s.tsch END ELSE s.sch END || '.' || ` +
		`CASE WHEN regexp_full_match(s.seq, '[a-z_][a-z0-9_$]*') THEN s.seq ELSE '"' || replace(s.seq, '"', '""') || '"' END END) FROM (` +
		`SELECT regexp_extract(c.column_default, '^nextval\(''(?:"?([^".'']+)"?\.)?"?([^"'']+)"?''\)$', 1) AS sch, ` +
		`regexp_extract(c.column_default, '^nextval\(''(?:"?([^".'']+)"?\.)?"?([^"'']+)"?''\)$', 2) AS seq, c.schema_name AS tsch ` +
		`FROM duckdb_columns() c WHERE c.database_name = current_database() AND c.column_name = col ` +
		`AND lower(c.table_name) = lower(trim(split_part(tbl, '.', -1), '"')) ` +
		`AND lower(c.schema_name) = CASE WHEN NOT contains(tbl, '.') OR lower(trim(split_part(tbl, '.', 1), '"')) = 'public' THEN 'main' ` +
		`ELSE lower(trim(split_part(tbl, '.', 1), '"')) END) s)`},
	{"pg_relation_is_publishable", `(rel) AS false`},
	{"array_upper", `(arr, dim) AS len(arr)`},
	// current_schema and current_schemas in Postgres's terms (schemaCompat
	// sends calls here): main is public, and current_schemas lists the
	// search path's schemas (DuckDB's adds temp's and system's).
	{"current_schema", `() AS CASE WHEN pg_catalog.current_schema() = 'main' THEN 'public' ELSE pg_catalog.current_schema() END`},
	// No subquery: pgjdbc calls it in generate_series's arguments.
	{"current_schemas", `(implicit) AS CASE WHEN implicit THEN ['pg_catalog'] ELSE [] END || ` +
		`list_transform(CASE WHEN current_setting('search_path') = '' THEN ['main'] ELSE string_split(current_setting('search_path'), ',') END, ` +
		`x -> CASE WHEN trim(x, ' "') = 'main' THEN 'public' ELSE trim(x, ' "') END)`},
	// After current_schemas, which DuckDB binds them with at creation.
	// 'name'::regclass in catalog queries (pgCompat), and cast on to oid
	// in any (regclassCompat): the OID pg_class gives the relation named
	// as in Postgres ('t', 'public.t', '"T"'; a name without schema is
	// looked up in pg_temp, then along current_schemas, pg_catalog
	// first), matched without regard to case as DuckDB resolves names;
	// when there is none, Postgres's error (mapped to 42P01 by duckCode),
	// but for a pg_catalog relation rheo lacks, which Postgres has: NULL,
	// so psql's classoid = 'pg_catalog.pg_proc'::regclass matches
	// nothing. A number is the OID itself, as regclass's input takes it
	// ($1::regclass with '16384').
	{"rheo_regclass_rels", `() AS TABLE SELECT c.oid, c.relname, CASE WHEN s.database_name = 'temp' THEN 'pg_temp' ` +
		`WHEN s.database_name = '` + pgShimDB + `' OR s.schema_name = 'pg_catalog' THEN 'pg_catalog' ` +
		`WHEN s.database_name = current_database() THEN CASE WHEN s.schema_name = 'main' THEN 'public' ELSE s.schema_name END END AS nsp ` +
		`FROM ` + pgShimDB + `.main.pg_class c JOIN duckdb_schemas() s ON s.oid = c.relnamespace WHERE nsp IS NOT NULL`},
	{"regclass_oid", `(name) AS (SELECT CASE WHEN regexp_full_match(name, '\d+') THEN name::BIGINT ` +
		`WHEN count(*) > 0 THEN arg_min(r.oid, coalesce(list_position(` + pgShimDB + `.main.current_schemas(true), r.nsp), 0)) ` +
		`WHEN CASE WHEN contains(name, '.') THEN lower(trim(split_part(name, '.', 1), ' "')) = 'pg_catalog' ` +
		`ELSE starts_with(lower(trim(name, ' "')), 'pg_') END THEN NULL ` +
		`ELSE error('relation "' || name || '" does not exist') END ` +
		`FROM ` + pgShimDB + `.main.rheo_regclass_rels() r ` +
		`WHERE lower(r.relname) = lower(trim(split_part(name, '.', -1), ' "')) AND CASE WHEN contains(name, '.') ` +
		`THEN lower(r.nsp) = lower(trim(split_part(name, '.', 1), ' "')) ` +
		`ELSE r.nsp = 'pg_temp' OR list_contains(` + pgShimDB + `.main.current_schemas(true), r.nsp) END)`},
	// The name of one of the shim's type OIDs (rheo_type_map) in
	// Postgres's terms; NULL for other OIDs.
	{"rheo_format_type", `(typ, mod) AS (SELECT CASE any_value(m.typname) ` + pgTypeNames +
		`WHEN 'numeric' THEN 'numeric' || CASE WHEN mod > 0 THEN concat('(', mod // 1000, ',', mod % 1000, ')') ELSE '' END ` +
		`ELSE any_value(m.typname) END FROM ` + pgShimDB + `.main.rheo_type_map m WHERE m.oid = typ)`},
	// Of the shim's type OIDs (rheo_type_map) and array types, under
	// Postgres's names (integer, integer[]); as in Postgres, NULL for NULL
	// and ??? for an unknown OID.
	{"format_type", `(typ, mod) AS CASE WHEN typ IS NULL THEN NULL ELSE coalesce(` + pgShimDB + `.main.rheo_format_type(typ, mod), ` +
		`(SELECT any_value(a.name) FROM ` + pgShimDB + `.main.rheo_array_types a WHERE a.oid = typ), ` +
		`CASE typ WHEN 114 THEN 'json' WHEN 3802 THEN 'jsonb' END, '???') END`},
	// A type OID cast to regtype, as Postgres prints it (format_type);
	// DuckDB's pg_proc names types rather than numbering them
	// (prorettype 'FLOAT'), and such a name stays as it is.
	{"regtype_name", `(typ) AS CASE WHEN try_cast(typ AS BIGINT) IS NULL THEN typ::VARCHAR ` +
		`ELSE ` + pgShimDB + `.main.format_type(try_cast(typ AS BIGINT), NULL) END`},
	{"pg_get_function_result", `(fn) AS (SELECT any_value(coalesce(f.return_type, '')) FROM duckdb_functions() f WHERE f.function_oid = fn)`},
	{"pg_get_function_arguments", `(fn) AS (SELECT any_value(array_to_string(list_transform(list_zip(f.parameters, f.parameter_types), ` +
		`x -> x[1] || ' ' || coalesce(x[2], 'any')), ', ')) FROM duckdb_functions() f WHERE f.function_oid = fn)`},
	// Postgres's takes a pretty flag too (psql's \d+ of a view), and
	// gives the query alone (after a space), not DuckDB's CREATE VIEW ... AS.
	{"pg_get_viewdef", `(v) AS ` + pgViewDef + `, (v, pretty) AS ` + pgViewDef},
	{"pg_get_expr", `(expr, rel) AS pg_catalog.pg_get_expr(expr, rel), (expr, rel, pretty) AS pg_catalog.pg_get_expr(expr, rel)`},
	// Redshift's one-argument TRUNC (redshift_funcs.go): the date of a
	// timestamp, a number truncated with its type kept. Typed macro
	// parameters (DuckDB 1.4; an in-memory database) pick by type.
	{"rheo_rs_trunc", `(x TIMESTAMP) AS CAST(x AS DATE), (x TIMESTAMPTZ) AS CAST(x AS DATE), (x DATE) AS x, (x) AS trunc(x)`},
}

// pgTypeNames are the WHEN clauses of a CASE on a pg_type name giving
// the type's name in Postgres's SQL (format_type, information_schema).
const pgTypeNames = `WHEN 'int2' THEN 'smallint' WHEN 'int4' THEN 'integer' WHEN 'int8' THEN 'bigint' ` +
	`WHEN 'float4' THEN 'real' WHEN 'float8' THEN 'double precision' WHEN 'bool' THEN 'boolean' ` +
	`WHEN 'varchar' THEN 'character varying' WHEN 'bpchar' THEN 'character' ` +
	`WHEN 'timestamp' THEN 'timestamp without time zone' WHEN 'timestamptz' THEN 'timestamp with time zone' ` +
	`WHEN 'time' THEN 'time without time zone' WHEN 'timetz' THEN 'time with time zone' `

// pgViewDef is pg_get_viewdef's body.
const pgViewDef = `regexp_replace(pg_catalog.pg_get_viewdef(v), '^CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?VIEW\s+.*?\s+AS\s+', ' ', 's')`

// pgIndexDef is pg_get_indexdef's body: a DuckDB index's CREATE INDEX
// (USING art, DuckDB's index type), or for a key's index the CREATE UNIQUE
// INDEX Postgres would show.
const pgIndexDef = `coalesce((SELECT any_value('CREATE ' || CASE WHEN is_unique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || ` +
	`index_name || ' ON ' || ` + pgSchemaNameIdx + ` || '.' || table_name || ' USING art (' || coalesce(array_to_string(TRY_CAST(expressions AS VARCHAR[]), ', '), trim(expressions, '[]')) || ')') ` +
	`FROM duckdb_indexes() WHERE index_oid = idx), ` +
	`(SELECT any_value('CREATE UNIQUE INDEX ' || conname || ' ON ' || ` + pgSchemaNameIdx + ` || '.' || table_name || ` +
	`' USING btree (' || array_to_string(constraint_column_names, ', ') || ')') FROM ` + pgShimDB + `.main.rheo_keys WHERE conindid = idx))`

// pgSchemaName is the SQL of the name Postgres clients see for the
// schema in column schema of the database in column db: public for the
// warehouse's main (pgschema.go), pg_catalog for the shim's (as its
// pg_namespace row says, so tools that leave pg_catalog out do not list
// pg_type & co. as a schema main), the schema's own name otherwise.
func pgSchemaName(db, schema string) string {
	return fmt.Sprintf(`CASE WHEN %[2]s = 'main' AND %[1]s = current_database() THEN 'public' `+
		`WHEN %[1]s = '`+pgShimDB+`' THEN 'pg_catalog' ELSE %[2]s END`, db, schema)
}

// pgNamespaceOf is the SQL of the pg_namespace OID of the schema whose
// DuckDB OID is in column col: pg_catalog's (the shim's) for DuckDB's
// system schemas but information_schema, and for those of the databases
// named in also; col itself otherwise.
func pgNamespaceOf(col string, also ...string) string {
	dbs := "'system'"
	for _, d := range also {
		dbs += ", '" + d + "'"
	}
	return fmt.Sprintf(`CASE WHEN %[1]s IN (SELECT oid FROM duckdb_schemas() WHERE database_name IN (%[2]s) AND schema_name <> 'information_schema') `+
		`THEN `+pgCatalogOID+` ELSE %[1]s END`, col, dbs)
}

// pgCatalogOID is the SQL of pg_catalog's OID in pg_namespace: the
// shim's schema's.
const pgCatalogOID = `(SELECT any_value(oid) FROM duckdb_schemas() WHERE database_name = '` + pgShimDB + `' AND schema_name = 'main')`

// pgSchemaNameIdx is pgSchemaName in pg_get_indexdef, of duckdb_indexes()
// and rheo_keys, which both have database_name and schema_name.
const pgSchemaNameIdx = `CASE WHEN schema_name = 'main' AND database_name = current_database() THEN 'public' ELSE schema_name END`

// infoSchemaView is a shim view of information_schema.<name> with the
// schemas in Postgres's terms. Each of cols is a prefix p of columns
// p_catalog and p_schema, or "catalog:schema" for other names.
func infoSchemaView(name string, cols ...string) struct{ name, sql string } {
	repl := make([]string, len(cols))
	for i, c := range cols {
		cat, sch, ok := strings.Cut(c, ":")
		if !ok {
			cat, sch = c+"_catalog", c+"_schema"
		}
		repl[i] = pgSchemaName(cat, sch) + " AS " + sch
	}
	return struct{ name, sql string }{infoSchemaPrefix + name,
		"SELECT * REPLACE (" + strings.Join(repl, ", ") + ") FROM information_schema." + name}
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

// pgShimViewNames are the shim's views that stand for pg_catalog
// relations (not its own helpers).
var pgShimViewNames = func() map[string]bool {
	m := make(map[string]bool, len(pgShimViews))
	for _, v := range pgShimViews {
		if strings.HasPrefix(v.name, "pg_") {
			m[v.name] = true
		}
	}
	return m
}()

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

// pgShimRef matches a pg_catalog- or information_schema-qualified name,
// and whether a call follows.
var pgShimRef = regexp.MustCompile(`(?i)\b(pg_catalog|information_schema)\s*\.\s*(\w+)(\s*\()?`)

// pgShimCall matches an unqualified call of a shim macro (drivers call
// some without pg_catalog.); the character before it is kept.
var pgShimCall = func() *regexp.Regexp {
	names := make([]string, len(pgShimMacros))
	for i, f := range pgShimMacros {
		names[i] = f.name
	}
	return regexp.MustCompile(`(?i)(^|[^.\w"])(` + strings.Join(names, "|") + `)(\s*\()`)
}()

// pgAncestorsFrom matches pg_partition_ancestors called in a FROM clause,
// where it is a table function (a DuckDB macro cannot be both).
var pgAncestorsFrom = regexp.MustCompile(`(?i)\b(?:pg_catalog\s*\.\s*)?pg_partition_ancestors(\s*\([^()]*\))\s+WITH\s+ORDINALITY`)

// infoSchemaPrefix names the shim's views that stand for
// information_schema's: information_schema.columns is
// rheo_pg.main.information_schema_columns.
const infoSchemaPrefix = "information_schema_"

// pgShim points pg_catalog.<name> at the shim's view or macro of that
// name, information_schema.<name> at its information_schema_<name>, and
// unqualified calls of its macros too, and drops the qualifier of calls
// DuckDB has only unqualified.
func pgShim(st string) string {
	st = pgAncestorsFrom.ReplaceAllString(st, pgShimDB+".main.pg_partition_ancestors_table${1}")
	st = pgShimRef.ReplaceAllStringFunc(st, func(m string) string {
		sub := pgShimRef.FindStringSubmatch(m)
		name := strings.ToLower(sub[2])
		pgCat := strings.EqualFold(sub[1], "pg_catalog")
		switch {
		case pgShimNames[name] && (pgCat || sub[3] != ""):
			return pgShimDB + ".main." + sub[2] + sub[3]
		case pgCat && sub[3] != "" && !duckdbPGFuncs[name]:
			return sub[2] + sub[3]
		case !pgCat && sub[3] == "" && pgShimNames[infoSchemaPrefix+name]:
			return pgShimDB + ".main." + infoSchemaPrefix + name
		}
		return m
	})
	return pgShimCall.ReplaceAllString(st, "${1}"+pgShimDB+".main.${2}${3}")
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
