package shardlog

import (
	"bytes"
	"testing"
)

func frameSeeds() [][]byte {
	var all []byte
	for i := 0; i < 5; i++ {
		e := entry(i, i*17)
		all = appendFrame(all, uint64(100+i), int64(1_700_000_000_000+i), &e)
	}
	flipped := append([]byte{}, all...)
	flipped[40] ^= 4
	return [][]byte{nil, all, all[:len(all)-1], all[:frameHeaderSize+3], flipped, append(append([]byte{}, all...), 0, 0, 0, 0)}
}

// FuzzFrames checks the frame decoder: the valid prefix is never longer
// than the input, re-encoding its records reproduces it byte for byte, and
// re-parsing it gives the same records.
func FuzzFrames(f *testing.F) {
	for _, s := range frameSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, valid, err := scanFrames(b)
		if valid > len(b) || (err == nil) != (valid == len(b)) {
			t.Fatalf("valid prefix %d of %d bytes, err %v", valid, len(b), err)
		}
		var re []byte
		for i := range recs {
			r := &recs[i]
			re = appendFrame(re, r.Offset, r.Timestamp, &Entry{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: r.Data})
		}
		if !bytes.Equal(re, b[:valid]) {
			t.Fatalf("re-encoded %d records differ from the valid prefix", len(recs))
		}
		again, v2, err := scanFrames(re)
		if err != nil || v2 != len(re) || len(again) != len(recs) {
			t.Fatalf("re-parse: %d records, %d bytes, %v", len(again), v2, err)
		}
		for i := range again {
			if !sameRecord(again[i], recs[i]) {
				t.Fatalf("record %d differs after re-parse", i)
			}
		}
	})
}

func indexSeed() *segIndex {
	x := &segIndex{base: 1000}
	pos := int64(0)
	for i := 0; i < 200; i++ {
		x.add(1000+uint64(i), pos, int64(5000+i/3), 600)
		pos += 600
	}
	return x
}

// FuzzIndex checks the .idx/.tix decoder: whatever it accepts re-encodes to
// exactly the input and decodes again to the same index.
func FuzzIndex(f *testing.F) {
	x := indexSeed()
	idx, tix := encodeIdx(x), encodeTix(x)
	f.Add(idx, tix)
	f.Add(idx[:len(idx)-1], tix)
	f.Add(encodeIdx(&segIndex{}), encodeTix(&segIndex{}))
	bad := append([]byte{}, tix...)
	bad[50] ^= 1
	f.Add(idx, bad)
	f.Fuzz(func(t *testing.T, ib, tb []byte) {
		x, err := decodeIndex(ib, tb)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeIdx(x), ib) || !bytes.Equal(encodeTix(x), tb) {
			t.Fatal("accepted index does not re-encode to its input")
		}
		y, err := decodeIndex(encodeIdx(x), encodeTix(x))
		if err != nil || y.base != x.base || y.records != x.records || y.size != x.size || len(y.points) != len(x.points) {
			t.Fatalf("re-decode differs: %v", err)
		}
		for i := range x.points {
			if x.points[i] != y.points[i] {
				t.Fatalf("point %d differs", i)
			}
		}
	})
}

func TestIndexRoundTrip(t *testing.T) {
	x := indexSeed()
	y, err := decodeIndex(encodeIdx(x), encodeTix(x))
	if err != nil {
		t.Fatal(err)
	}
	if len(y.points) != len(x.points) || len(x.points) < 2 || y.lastTs != x.lastTs || y.size != x.size {
		t.Fatalf("round trip: %d points vs %d", len(y.points), len(x.points))
	}
	if off, pos := y.seekOffset(1150); off > 1150 || pos != int64(off-1000)*600 {
		t.Fatalf("seekOffset(1150) = %d, %d", off, pos)
	}
}
