package kpl

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Records written by the real KPL (SampleKPLProducer), published as test
// data of awslabs/kinesis-aggregation (python/test/test_deagg.py).
const (
	kplWithEHKs = "84mawgokZmMwM2RkODgtM2U3OS00NDhhLWIwMWEtN2NmMWJkNDdiNzg0CiRjYWU0MWIxYy1lYTYxLTQzZjItOTBiZS1iODc1NWViZj" +
		"g4ZTIKJGQ0OTA2OTBjLWU3NGQtNGRiMi1hM2M4LWQ4ZjJmMTg0ZmQyMwokYzkyNGJjMDktYjg1ZS00N2YxLWIzMmUtMzM2NTIyZWU1" +
		"M2M4EiYzODQ4NjQ5NTg2NzUwODM5OTA3ODE1OTcyMzg0NjA1MTgwNzAyMBInMTkzNzg3NjAwMDM3NjgxNzA2OTUyMTQzMzU3MDcxOT" +
		"E2MzUyNjA0EicyNjY4ODA0MzY5NjQ5MzI0MjQyNjU0NjY5MTY3MzQwNjg2ODQ0MzkSJzMzOTYwNjYwMDk0Mjk2NzM5MTg1NDYwMzU1" +
		"MjQwMjAyMTg0NzI5MhomCAAQABogUkVDT1JEIDIyIHBlZW9iaGN6YnpkbXNrYm91cGd5cQoaJggBEAEaIFJFQ09SRCAyMyB1c3dreG" +
		"Z0eHJvZXVzc2N4c2pobm8KGiYIAhACGiBSRUNPUkQgMjQgY2FzZWhkZ2l2ZmF4ZXVzdGx5c3p5ChomCAMQAxogUkVDT1JEIDI1IG52" +
		"ZmZ2cG11b2dkb3BqaGFtZXZyawpRwVPQ3go0yp4Y6kvM0q3V"
	kplNoEHKs = "84mawgokNzhmZWIxMmEtZGJhMC00NWNhLWE5MWUtYmIxZjJmMTgxOWI0CiRjMmE3NTc4Ny00NjliLTQzMTAtODQwZC1kNDg2ZGNhN2" +
		"ViNWUKJDY1MGU5MzYyLTU3MmItNDQyNy1iM2ZjLTEzNTQ5ZDdlNWFlNQokMWQ4ZDk2MDAtMDBiNy00NmYzLWE5ODMtZGU4MzQ3NzU0" +
		"MGMwCiRmMmU3MThhMC0zODliLTQ5NGEtYjc5Ni0zMzU1YjA3NTY5Y2MKJDk2NWI4ZGE0LWE2YmQtNDc1NS04MWM5LWU3MTgxYWI3ZG" +
		"M5YQokZDY5M2M1ZjAtNTc3Mi00NmM5LThkODYtMDhjNzA1NWJkYjc1CiQ4ZDkyNDc2Yi1lYjg5LTRlODEtOTlmYi1jMmJhNjNhZDZk" +
		"OTAaJAgAGiBSRUNPUkQgMTggaWtscnBzdnloeG5lcm9kZmVoZXJ1ChokCAEaIFJFQ09SRCAxOSBsbm1udWR5aHZwdmNncm9rZm16ZG" +
		"gKGiQIAhogUkVDT1JEIDIwIHBqcXJjZmJ4YWZ6ZG5kem1iZ2FuZQoaJAgDGiBSRUNPUkQgMjEgYWFmcmV5cm50d3V3eGxpeWdrYmhr" +
		"ChokCAQaIFJFQ09SRCAyMiBxc2FhZGhic2dtdnFnZGlmZ3V5b3UKGiQIBRogUkVDT1JEIDIzIHdqb2tvaXd2enpobGZ0bHpocWZqaw" +
		"oaJAgGGiBSRUNPUkQgMjQgem9wY2FzY3J0aGJicG5qaXd1aGpiChokCAcaIFJFQ09SRCAyNSB0eGJidm5venJ3c2JveHVvbXFib3EK" +
		"vV1rrLdU+Sy2v8xkgZ5YaA=="
)

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeaggregateKPLVectors(t *testing.T) {
	t.Run("with explicit hash keys", func(t *testing.T) {
		want := []Record{
			{"fc03dd88-3e79-448a-b01a-7cf1bd47b784", "38486495867508399078159723846051807020", []byte("RECORD 22 peeobhczbzdmskboupgyq\n"), 0},
			{"cae41b1c-ea61-43f2-90be-b8755ebf88e2", "193787600037681706952143357071916352604", []byte("RECORD 23 uswkxftxroeusscxsjhno\n"), 1},
			{"d490690c-e74d-4db2-a3c8-d8f2f184fd23", "266880436964932424265466916734068684439", []byte("RECORD 24 casehdgivfaxeustlyszy\n"), 2},
			{"c924bc09-b85e-47f1-b32e-336522ee53c8", "339606600942967391854603552402021847292", []byte("RECORD 25 nvffvpmuogdopjhamevrk\n"), 3},
		}
		data := mustB64(t, kplWithEHKs)
		if !IsAggregated(data) {
			t.Fatal("IsAggregated = false on a KPL record")
		}
		got, err := Deaggregate(data)
		if err != nil {
			t.Fatal(err)
		}
		checkRecords(t, got, want)
		// Our encoder writes the same layout as the KPL: re-encoding gives
		// the KPL's bytes.
		if re := Aggregate(got); !bytes.Equal(re, data) {
			t.Errorf("Aggregate differs from the KPL's bytes:\n got %x\nwant %x", re, data)
		}
	})
	t.Run("without explicit hash keys", func(t *testing.T) {
		got, err := Deaggregate(mustB64(t, kplNoEHKs))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 8 {
			t.Fatalf("got %d records, want 8", len(got))
		}
		for i, r := range got {
			if want := fmt.Sprintf("RECORD %d ", 18+i); !strings.HasPrefix(string(r.Data), want) {
				t.Errorf("record %d data %q, want prefix %q", i, r.Data, want)
			}
			if r.ExplicitHashKey != "" || r.SubSequence != i {
				t.Errorf("record %d: EHK %q SubSequence %d", i, r.ExplicitHashKey, r.SubSequence)
			}
		}
		if got[0].PartitionKey != "78feb12a-dba0-45ca-a91e-bb1f2f1819b4" || got[7].PartitionKey != "8d92476b-eb89-4e81-99fb-c2ba63ad6d90" {
			t.Errorf("partition keys %q .. %q", got[0].PartitionKey, got[7].PartitionKey)
		}
	})
}

func checkRecords(t *testing.T, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.PartitionKey != w.PartitionKey || g.ExplicitHashKey != w.ExplicitHashKey || !bytes.Equal(g.Data, w.Data) || g.SubSequence != w.SubSequence {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 300_000)
	cases := map[string][]Record{
		"one":            {{PartitionKey: "k", Data: []byte("v")}},
		"empty data":     {{PartitionKey: "k", Data: []byte{}}, {PartitionKey: "", Data: []byte{}}},
		"shared keys":    {{PartitionKey: "a", Data: []byte("1")}, {PartitionKey: "b", Data: []byte("2")}, {PartitionKey: "a", Data: []byte("3")}},
		"mixed ehk":      {{PartitionKey: "a", ExplicitHashKey: "1", Data: []byte("x")}, {PartitionKey: "a", Data: []byte("y")}, {PartitionKey: "b", ExplicitHashKey: "1", Data: []byte("z")}},
		"binary and big": {{PartitionKey: "ключ", Data: big}, {PartitionKey: "k", Data: []byte{0, 0xF3, 0x89, 0x9A, 0xC2}}},
	}
	for name, recs := range cases {
		t.Run(name, func(t *testing.T) {
			for i := range recs {
				recs[i].SubSequence = i
			}
			agg := Aggregate(recs)
			if !IsAggregated(agg) {
				t.Fatal("IsAggregated(Aggregate(...)) = false")
			}
			got, err := Deaggregate(agg)
			if err != nil {
				t.Fatal(err)
			}
			checkRecords(t, got, recs)
		})
	}
}

// TestDeaggregateCopies: records must not alias the input, which a shard log
// batch reuses.
func TestDeaggregateCopies(t *testing.T) {
	agg := Aggregate([]Record{{PartitionKey: "k", Data: []byte("hello")}, {PartitionKey: "k", Data: []byte("world")}})
	got, err := Deaggregate(agg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range agg {
		agg[i] = 0
	}
	if string(got[0].Data) != "hello" || string(got[1].Data) != "world" {
		t.Fatalf("records changed with the input: %q %q", got[0].Data, got[1].Data)
	}
	// Appending to one record's data must not overwrite the next one.
	_ = append(got[0].Data, "XXXXX"...)
	if string(got[1].Data) != "world" {
		t.Fatalf("append to record 0 overwrote record 1: %q", got[1].Data)
	}
}

func TestIsAggregated(t *testing.T) {
	agg := Aggregate([]Record{{PartitionKey: "k", Data: []byte("v")}})
	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"nil", nil, false},
		{"plain json", []byte(`{"a":1}`), false},
		{"magic only", magic[:], false},
		{"magic and digest, empty body", Aggregate(nil), false},
		{"aggregate", agg, true},
		{"wrong magic", append([]byte{0xF3, 0x89, 0x9A, 0xC3}, agg[4:]...), false},
	}
	for _, c := range cases {
		if got := IsAggregated(c.data); got != c.want {
			t.Errorf("%s: IsAggregated = %v, want %v", c.name, got, c.want)
		}
	}
}

// frame wraps a protobuf body as an aggregated record with a correct digest.
func frame(body []byte) []byte {
	sum := md5.Sum(body)
	return append(append(append([]byte(nil), magic[:]...), body...), sum[:]...)
}

func TestDeaggregateRejects(t *testing.T) {
	good := Aggregate([]Record{{PartitionKey: "k", ExplicitHashKey: "7", Data: []byte("value")}})
	body := good[len(magic) : len(good)-digestLen]

	rec := func(fields ...[]byte) []byte { // one Record message in an aggregate with tables pk=[k], ehk=[7]
		var m []byte
		for _, f := range fields {
			m = append(m, f...)
		}
		b := protowire.AppendTag(nil, fieldPartitionKeyTable, protowire.BytesType)
		b = protowire.AppendString(b, "k")
		b = protowire.AppendTag(b, fieldExplicitHashKeyTable, protowire.BytesType)
		b = protowire.AppendString(b, "7")
		b = protowire.AppendTag(b, fieldRecords, protowire.BytesType)
		return protowire.AppendBytes(b, m)
	}
	varint := func(n protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), v)
	}
	bytesField := func(n protowire.Number, v string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, n, protowire.BytesType), v)
	}

	flipped := bytes.Clone(good)
	flipped[len(magic)+3] ^= 1
	badDigest := bytes.Clone(good)
	badDigest[len(badDigest)-1] ^= 0x80

	cases := map[string][]byte{
		"not aggregated":        []byte("plain record data"),
		"bad md5 (body)":        flipped,
		"bad md5 (digest)":      badDigest,
		"truncated":             good[:len(good)-1],
		"truncated body":        frame(body[:len(body)-2]),
		"pk index out of range": frame(rec(varint(fieldPartitionKeyIndex, 1), bytesField(fieldData, "x"))),
		"huge pk index":         frame(rec(varint(fieldPartitionKeyIndex, 1<<63), bytesField(fieldData, "x"))),
		"ehk index out of range": frame(rec(varint(fieldPartitionKeyIndex, 0), varint(fieldExplicitHashKeyIndex, 1),
			bytesField(fieldData, "x"))),
		"missing pk index":   frame(rec(bytesField(fieldData, "x"))),
		"missing data":       frame(rec(varint(fieldPartitionKeyIndex, 0))),
		"wrong wire type":    frame(rec(bytesField(fieldPartitionKeyIndex, "0"), bytesField(fieldData, "x"))),
		"tag without key":    frame(rec(varint(fieldPartitionKeyIndex, 0), bytesField(fieldData, "x"), bytesField(fieldTags, string(bytesField(fieldTagValue, "v"))))),
		"records as varint":  frame(varint(fieldRecords, 3)),
		"length past end":    frame([]byte{byte(fieldRecords<<3 | 2), 0xFF, 0x01}),
		"bad varint":         frame([]byte{0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}),
		"field number zero":  frame([]byte{0x02, 0x00}),
		"end group stray":    frame([]byte{0x0C}),
		"magic, no body":     Aggregate(nil),
		"magic, short":       magic[:],
		"deprecated group 3": frame([]byte{0x1B}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Deaggregate(data)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if got != nil {
				t.Errorf("records returned with the error: %+v", got)
			}
		})
	}

	// Tags and unknown fields are fine: proto2 parsers skip them.
	ok := frame(append(rec(varint(fieldPartitionKeyIndex, 0), bytesField(fieldData, "x"),
		bytesField(fieldTags, string(bytesField(fieldTagKey, "t"))), varint(9, 5)), varint(15, 1)...))
	got, err := Deaggregate(ok)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, got, []Record{{PartitionKey: "k", Data: []byte("x")}})
}

// TestDeaggregateTruncations cuts a valid aggregate at every length and
// fixes the digest, so only the protobuf is incomplete: nothing may panic,
// and a prefix is accepted only if it ends on a record boundary.
func TestDeaggregateTruncations(t *testing.T) {
	recs := []Record{{PartitionKey: "a", ExplicitHashKey: "1", Data: []byte("one")}, {PartitionKey: "b", Data: []byte("two")}}
	agg := Aggregate(recs)
	body := agg[len(magic) : len(agg)-digestLen]
	accepted := 0
	for n := 1; n < len(body); n++ {
		got, err := Deaggregate(frame(body[:n]))
		if err != nil {
			continue
		}
		accepted++
		if len(got) > len(recs) {
			t.Fatalf("prefix %d gave %d records", n, len(got))
		}
		checkRecords(t, got, recs[:len(got)])
	}
	// Prefixes ending after each of the three table entries (no record yet)
	// or after record 0 parse.
	if accepted != 3+1 {
		t.Errorf("%d prefixes accepted, want 4", accepted)
	}
}
