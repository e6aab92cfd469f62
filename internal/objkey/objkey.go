// Package objkey names delivered objects exactly as Firehose does: the
// default YYYY/MM/dd/HH/<stream>-<version>-<time>-<random> layout, custom
// Prefix and ErrorOutputPrefix expressions (!{timestamp:...},
// !{firehose:random-string}, !{firehose:error-output-type},
// !{partitionKeyFromQuery:key}) with AWS's validation rules, and the
// MetadataExtractionQuery (a jq subset) that yields partition keys.
package objkey
