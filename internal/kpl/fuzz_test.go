package kpl

import (
	"bytes"
	"testing"
)

// FuzzDeaggregate checks properties, not only the absence of panics: any
// accepted input has a valid frame, yields records numbered 0..n-1 whose
// data fits in the input, and re-aggregates to an equivalent record list.
// Most random inputs fail the MD5 check, so the seeds include valid
// aggregates and the fuzzer also gets its input re-framed with a good digest.
func FuzzDeaggregate(f *testing.F) {
	f.Add(mustB64(f, kplWithEHKs))
	f.Add(mustB64(f, kplNoEHKs))
	f.Add(Aggregate([]Record{{PartitionKey: "k", Data: []byte("v")}}))
	f.Add(Aggregate([]Record{{PartitionKey: "a", ExplicitHashKey: "1", Data: nil}, {PartitionKey: "b", Data: []byte{0xF3}}}))
	f.Add([]byte{})
	f.Add(magic[:])
	f.Add(frame([]byte{0x1a, 0x02, 0x08, 0x00}))
	f.Add(frame([]byte{0x0a, 0x00, 0x1a, 0x04, 0x08, 0x00, 0x1a, 0x00}))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		if len(data) > 0 {
			check(t, frame(data)) // reach the protobuf parser past the digest
		}
	})
}

func check(t *testing.T, data []byte) {
	recs, err := Deaggregate(data)
	if err != nil {
		if recs != nil {
			t.Fatalf("records returned with error %v", err)
		}
		return
	}
	if !IsAggregated(data) {
		t.Fatalf("accepted input that IsAggregated rejects: %x", data)
	}
	total := 0
	for i, r := range recs {
		if r.SubSequence != i {
			t.Fatalf("record %d has SubSequence %d", i, r.SubSequence)
		}
		total += len(r.Data)
	}
	if total > len(data) {
		t.Fatalf("%d data bytes out of a %d byte input", total, len(data))
	}
	if len(recs) == 0 {
		return // Aggregate(nil) is deliberately not a valid aggregate
	}
	again, err := Deaggregate(Aggregate(recs))
	if err != nil {
		t.Fatalf("re-aggregated records rejected: %v", err)
	}
	if len(again) != len(recs) {
		t.Fatalf("re-aggregation gave %d records, want %d", len(again), len(recs))
	}
	for i := range recs {
		a, b := recs[i], again[i]
		if a.PartitionKey != b.PartitionKey || a.ExplicitHashKey != b.ExplicitHashKey || !bytes.Equal(a.Data, b.Data) || a.SubSequence != b.SubSequence {
			t.Fatalf("record %d: %+v became %+v", i, a, b)
		}
	}
}
