// Package kpl reads and writes records aggregated by the Kinesis Producer
// Library (KPL), so SQL over a stream sees the user records a KPL producer
// put, not the aggregate blobs Kinesis stored.
//
// # Format
//
// An aggregated record is one Kinesis record whose data is
//
//	magic (4 bytes: F3 89 9A C2) | protobuf AggregatedRecord | MD5 of the protobuf (16 bytes)
//
// with the protobuf schema (proto2) of amazon-kinesis-producer
// aggregation-format.md:
//
//	message AggregatedRecord {
//	  repeated string partition_key_table     = 1;
//	  repeated string explicit_hash_key_table = 2;
//	  repeated Record records                 = 3;
//	}
//	message Record {
//	  required uint64 partition_key_index     = 1;
//	  optional uint64 explicit_hash_key_index = 2;
//	  required bytes  data                    = 3;
//	  repeated Tag    tags                    = 4;
//	}
//	message Tag { required string key = 1; optional string value = 2; }
//
// # Guarantees
//
// Deaggregate never panics and allocates O(len(data)) whatever the input:
// every record, table entry and byte it returns is backed by input bytes.
// It rejects a bad magic, a bad MD5, truncated or malformed protobuf,
// missing required fields and key indexes outside their tables. Unknown
// protobuf fields are skipped, as proto2 parsers do. Tags are validated and
// dropped (the KCL drops them too).
//
// The package imports nothing of the project.
package kpl
