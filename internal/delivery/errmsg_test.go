package delivery

import (
	"testing"

	"github.com/rheo-dev/rheo/internal/objkey"
)

// TestPartitionFailureMessages checks the errorMessage of records that fail
// dynamic partitioning: sentences for the reader of the error object, with
// no Go package names.
func TestPartitionFailureMessages(t *testing.T) {
	layout, err := objkey.Compile("r=!{partitionKeyFromQuery:region}/", "e/!{firehose:error-output-type}/", true)
	if err != nil {
		t.Fatal(err)
	}
	recs := []userRecord{
		{data: []byte(`{"city": "x"}`)},
		{data: []byte(`not json`)},
		{data: []byte(`{"region": {"a": 1}}`)},
		{data: []byte(`{"region": "a\nb"}`)},
		{data: []byte(`{"region": "eu"}`)},
	}
	_, fails, err := partition(layout, &Partitioning{Query: "{region: .region}"}, recs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"The MetadataExtractionQuery produced no value for partition key region (missing or null in the record).",
		"Non JSON record provided (invalid literal at offset 0).",
		"A partition key value cannot be used in the S3 prefix (an object or array is not a partition key value).",
		"The value of partition key region cannot be used in the S3 prefix (control character U+000A).",
	}
	if len(fails) != len(want) {
		t.Fatalf("%d failures, want %d: %+v", len(fails), len(want), fails)
	}
	for i, f := range fails {
		if f.code != codeMetadataExtraction || f.message != want[i] {
			t.Errorf("failure %d = %s %q, want %q", i, f.code, f.message, want[i])
		}
	}
}
