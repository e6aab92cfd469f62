package pgwire

import (
	"strings"
)

// Postgres type OIDs (pg_type.oid) that rheo reports or accepts.
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
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
	OIDNumeric     uint32 = 1700
	OIDUUID        uint32 = 2950
	OIDJSONB       uint32 = 3802
)

// TypeOID maps a DuckDB type name to the Postgres type OID clients see
// and that type's fixed size (-1 when variable). Types Postgres has no
// close match for (lists, structs, maps, unions, enums, TIME WITH TIME
// ZONE, BIT) are sent as text.
func TypeOID(duckType string) (oid uint32, size int16) {
	t := strings.ToUpper(strings.TrimSpace(duckType))
	if strings.HasSuffix(t, "]") {
		return OIDText, -1 // LIST (INTEGER[]) or ARRAY (INTEGER[3])
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
	case "INTERVAL":
		return OIDInterval, 16
	case "UUID":
		return OIDUUID, 16
	case "JSON":
		return OIDJSON, -1
	}
	return OIDText, -1
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
