// Package compress implements the object compression formats of Firehose
// delivery (UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY) and the
// matching readers, used by delivery and by the SQL engine's COPY.
package compress

// Format names, spelled as the Firehose API spells CompressionFormat.
const (
	Uncompressed = "UNCOMPRESSED"
	Gzip         = "GZIP"
	Zip          = "ZIP"
	Snappy       = "Snappy"
	HadoopSnappy = "HADOOP_SNAPPY"
)
