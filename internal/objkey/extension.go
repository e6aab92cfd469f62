package objkey

import "fmt"

// Compression formats as the Firehose API spells CompressionFormat (the same
// names as internal/compress, repeated so objkey imports no project
// package).
const (
	compressionGzip         = "GZIP"
	compressionZip          = "ZIP"
	compressionSnappy       = "Snappy"
	compressionHadoopSnappy = "HADOOP_SNAPPY"
	compressionZstd         = "ZSTD" // Kinesis channels only
)

// MaxFileExtensionLength is the length limit of the FileExtension member.
const MaxFileExtensionLength = 128

// fileExtensionPattern is the FileExtension member's pattern as the API
// reference prints it.
const fileExtensionPattern = `^$|\.[0-9a-z!\-_.*'()]+`

// Extension returns the file extension Firehose appends to object names
// ("Configure Amazon S3 object name format": Parquet .parquet, ORC .orc,
// GZIP .gz, ZIP .zip, Snappy .snappy, HADOOP_SNAPPY .hsnappy). A custom
// FileExtension overrides the default. With data format conversion the S3
// compression is UNCOMPRESSED (the serializer compresses inside the file),
// so the extension is the format's alone.
func Extension(compression string, parquet bool, custom string) string {
	serializer := ""
	if parquet {
		serializer = "parquet"
	}
	return FormatExtension(compression, serializer, custom)
}

// FormatExtension is Extension for any serializer: "parquet", "orc" or ""
// when records are written as sent.
func FormatExtension(compression, serializer, custom string) string {
	if custom != "" {
		return custom
	}
	switch serializer {
	case "parquet":
		return ".parquet"
	case "orc":
		return ".orc"
	}
	switch compression {
	case compressionGzip:
		return ".gz"
	case compressionZip:
		return ".zip"
	case compressionSnappy:
		return ".snappy"
	case compressionHadoopSnappy:
		return ".hsnappy"
	case compressionZstd:
		return ".zst"
	}
	return ""
}

// ValidateFileExtension checks the FileExtension member against the API
// shape (length at most 128, pattern ^$|\.[0-9a-z!\-_.*'()]+ matched in
// full). The message is the constraint part of AWS's ValidationException
// ("... failed to satisfy constraint: <Message>"); the API layer adds the
// value and member path.
func ValidateFileExtension(ext string) error {
	if len(ext) > MaxFileExtensionLength {
		return errorf(fmt.Sprintf("Member must have length less than or equal to %d", MaxFileExtensionLength))
	}
	if ext == "" {
		return nil
	}
	ok := len(ext) >= 2 && ext[0] == '.'
	for i := 1; ok && i < len(ext); i++ {
		c := ext[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '!' || c == '-' || c == '_' ||
			c == '.' || c == '*' || c == '\'' || c == '(' || c == ')'
	}
	if !ok {
		return errorf("Member must satisfy regular expression pattern: " + fileExtensionPattern)
	}
	return nil
}
