package pgwire

import (
	"strings"
)

// Postgres type OIDs (pg_type.oid) that rheo reports or accepts.
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDName        uint32 = 19
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt2Vector  uint32 = 22
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDOid         uint32 = 26
	OIDOIDVector   uint32 = 30
	OIDJSON        uint32 = 114
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDUnknown     uint32 = 705
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTime        uint32 = 1083
	OIDTimestamp   uint32 = 1114
	OIDTimestamptz uint32 = 1184
	OIDInterval    uint32 = 1186
	OIDTimetz      uint32 = 1266
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
	OIDJSONB       uint32 = 3802

	// Array types (pg_type.typarray of the element types above).
	OIDJSONArray        uint32 = 199
	OIDBoolArray        uint32 = 1000
	OIDByteaArray       uint32 = 1001
	OIDNameArray        uint32 = 1003
	OIDInt2Array        uint32 = 1005
	OIDInt4Array        uint32 = 1007
	OIDTextArray        uint32 = 1009
	OIDVarcharArray     uint32 = 1015
	OIDInt8Array        uint32 = 1016
	OIDFloat4Array      uint32 = 1021
	OIDFloat8Array      uint32 = 1022
	OIDTimestampArray   uint32 = 1115
	OIDDateArray        uint32 = 1182
	OIDTimeArray        uint32 = 1183
	OIDTimestamptzArray uint32 = 1185
	OIDIntervalArray    uint32 = 1187
	OIDNumericArray     uint32 = 1231
	OIDUUIDArray        uint32 = 2951
	OIDJSONBArray       uint32 = 3807
)

// arrayOIDs maps an element type OID to its array type's OID.
var arrayOIDs = map[uint32]uint32{
	OIDJSON: OIDJSONArray, OIDBool: OIDBoolArray, OIDBytea: OIDByteaArray, OIDName: OIDNameArray, OIDInt2: OIDInt2Array,
	OIDInt4: OIDInt4Array, OIDText: OIDTextArray, OIDVarchar: OIDVarcharArray, OIDInt8: OIDInt8Array,
	OIDFloat4: OIDFloat4Array, OIDFloat8: OIDFloat8Array, OIDTimestamp: OIDTimestampArray,
	OIDDate: OIDDateArray, OIDTime: OIDTimeArray, OIDTimestamptz: OIDTimestamptzArray,
	OIDInterval: OIDIntervalArray, OIDNumeric: OIDNumericArray, OIDUUID: OIDUUIDArray, OIDJSONB: OIDJSONBArray,
}

// elemOIDs maps an array type OID to its element type's OID.
var elemOIDs = func() map[uint32]uint32 {
	m := make(map[uint32]uint32, len(arrayOIDs))
	for e, a := range arrayOIDs {
		m[a] = e
	}
	return m
}()

// arrayElem returns the element type of array type oid; ok is false for
// other types.
func arrayElem(oid uint32) (elem uint32, ok bool) {
	elem, ok = elemOIDs[oid]
	return elem, ok
}

// TypeOID maps a DuckDB type name to the Postgres type OID clients see
// and that type's fixed size (-1 when variable). A list (INTEGER[]) or
// array (INTEGER[3]) of a type Postgres has an array type for is that
// array type (int4[]). Types Postgres has no close match for (structs,
// maps, unions, enums, BIT, lists of lists or of those) are sent as text.
func TypeOID(duckType string) (oid uint32, size int16) {
	t := strings.ToUpper(strings.TrimSpace(duckType))
	if strings.HasSuffix(t, "]") {
		if i := strings.LastIndexByte(t, '['); i > 0 {
			if a, ok := listOID(t[:i]); ok {
				return a, -1
			}
		}
		return OIDText, -1 // as JSON text
	}
	if i := strings.IndexByte(t, '('); i >= 0 {
		switch strings.TrimSpace(t[:i]) {
		case "DECIMAL", "NUMERIC":
			return OIDNumeric, -1
		case "VARCHAR", "CHAR", "BPCHAR", "TEXT", "STRING":
			return OIDText, -1
		}
		return OIDText, -1 // STRUCT(...), MAP(...), UNION(...), ENUM(...)
	}
	switch t {
	case "BOOLEAN", "BOOL", "LOGICAL":
		return OIDBool, 1
	case "TINYINT", "INT1", "SMALLINT", "INT2", "SHORT", "UTINYINT":
		return OIDInt2, 2
	case "INTEGER", "INT4", "INT", "SIGNED", "USMALLINT":
		return OIDInt4, 4
	case "BIGINT", "INT8", "LONG", "UINTEGER":
		return OIDInt8, 8
	case "HUGEINT", "UHUGEINT", "UBIGINT", "INT128", "DECIMAL", "NUMERIC", "VARINT", "BIGNUM":
		return OIDNumeric, -1
	case "FLOAT", "FLOAT4", "REAL":
		return OIDFloat4, 4
	case "DOUBLE", "FLOAT8":
		return OIDFloat8, 8
	case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR":
		return OIDText, -1
	case "BLOB", "BYTEA", "BINARY", "VARBINARY":
		return OIDBytea, -1
	case "DATE":
		return OIDDate, 4
	case "TIME":
		return OIDTime, 8
	case "TIMESTAMP", "DATETIME", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_US", "TIMESTAMP WITHOUT TIME ZONE":
		return OIDTimestamp, 8
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		return OIDTimestamptz, 8
	case "TIME WITH TIME ZONE", "TIMETZ":
		return OIDTimetz, 12
	case "INTERVAL":
		return OIDInterval, 16
	case "UUID":
		return OIDUUID, 16
	case "JSON":
		// jsonb, not json: DuckDB has one JSON type, which CREATE TABLE's
		// jsonb makes; ORMs declare JSON columns jsonb (Django's JSONField,
		// SQLAlchemy's JSONB, GORM's datatypes.JSON, knex, Prisma) and
		// Django reads them as text only when described as jsonb, leaving
		// json to psycopg2, which hands it a decoded value. Drivers decode
		// both alike (pgx, psycopg, node-postgres, asyncpg, pgjdbc).
		return OIDJSONB, -1
	// Not DuckDB's types: the engine names catalog columns so that are
	// Postgres's name and vector types (sqlengine.catalogColumnTypes).
	case "NAME":
		return OIDName, 64
	case "OID":
		return OIDOid, 4
	case "INT2VECTOR":
		return OIDInt2Vector, -1
	case "OIDVECTOR":
		return OIDOIDVector, -1
	}
	return OIDText, -1
}

// isVector reports Postgres's int2vector and oidvector, whose text is
// their numbers separated by spaces ("1 2") and binary an array's.
func isVector(oid uint32) bool { return oid == OIDInt2Vector || oid == OIDOIDVector }

// listOID is the Postgres array type of a DuckDB list of elem. A list of
// lists is not one: Postgres's multi-dimensional arrays must be
// rectangular, which DuckDB's lists need not be, and the type is sent
// before any value is seen.
func listOID(elem string) (uint32, bool) {
	elem = strings.TrimSpace(elem)
	if strings.HasSuffix(elem, "]") {
		return 0, false
	}
	oid, _ := TypeOID(elem)
	if oid == OIDText && !isStringType(elem) {
		return 0, false // STRUCT, MAP, ...: JSON
	}
	a, ok := arrayOIDs[oid]
	return a, ok
}

// isStringType reports DuckDB types whose values are plain strings:
// VARCHAR and its aliases, ENUM, and NULL (the type of [] and [NULL]).
func isStringType(t string) bool {
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch strings.ToUpper(t) {
	case "VARCHAR", "CHAR", "BPCHAR", "TEXT", "STRING", "ENUM", "NULL", `"NULL"`, "NAME":
		return true
	}
	return false
}

// typeNameOfOID names a Postgres OID in DuckDB terms, for values the
// client typed itself.
func typeNameOfOID(oid uint32) string {
	switch oid {
	case OIDBool:
		return "BOOLEAN"
	case OIDBytea:
		return "BLOB"
	case OIDInt2:
		return "SMALLINT"
	case OIDInt4:
		return "INTEGER"
	case OIDInt8:
		return "BIGINT"
	case OIDFloat4:
		return "FLOAT"
	case OIDFloat8:
		return "DOUBLE"
	case OIDDate:
		return "DATE"
	case OIDTime:
		return "TIME"
	case OIDTimestamp:
		return "TIMESTAMP"
	case OIDTimestamptz:
		return "TIMESTAMP WITH TIME ZONE"
	case OIDTimetz:
		return "TIME WITH TIME ZONE"
	case OIDInterval:
		return "INTERVAL"
	case OIDNumeric:
		return "DECIMAL"
	case OIDUUID:
		return "UUID"
	case OIDJSON, OIDJSONB:
		return "JSON"
	}
	return "VARCHAR"
}
