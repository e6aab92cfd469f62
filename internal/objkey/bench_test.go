package objkey

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchRecord builds a JSON record of about size bytes: the partition
// fields first, then filler members of strings, numbers and nested objects.
func benchRecord(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"region": "eu-west-1", "address": {"city": "Berlin", "zip": "10115"}, "customer_id": 1234567890`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `, "field%d": "some text value with \"escapes\" and words %d", "n%d": %d.25, "o%d": {"a": [1, 2, 3], "b": null, "c": true}`, i, i, i, i*7, i)
	}
	b.WriteString(`}`)
	return []byte(b.String())
}

func BenchmarkEval(b *testing.B) {
	q, err := ParseQuery("{region: .region, city: .address.city, id: .customer_id}")
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{1 << 10, 64 << 10} {
		rec := benchRecord(size)
		b.Run(fmt.Sprintf("%dB", len(rec)), func(b *testing.B) {
			b.SetBytes(int64(len(rec)))
			b.ReportAllocs()
			vals := make([]string, 0, 3)
			for i := 0; i < b.N; i++ {
				var err error
				if vals, err = q.EvalValues(rec, vals); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	l, err := Compile("data/region=!{partitionKeyFromQuery:region}/!{timestamp:yyyy/MM/dd}/", "errors/!{firehose:error-output-type}/", true)
	if err != nil {
		b.Fatal(err)
	}
	p := Params{Stream: "s", Version: 1, Time: time.Now(), Random: NewRandom(), Partition: map[string]string{"region": "eu"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = l.Key(p)
	}
}
