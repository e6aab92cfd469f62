package kinesis

import "testing"

// A buffer drawn for n bytes always holds n, whatever was put back before.
func TestBufferPoolClasses(t *testing.T) {
	var bp bufferPool
	for _, n := range []int{0, 1, 4096, 4097, 10 << 20, 14<<20 + 5} {
		bp.put(make([]byte, 0, 5000))   // odd capacity: filed under 4 KiB
		bp.put(make([]byte, 0, 9<<20))  // filed under 8 MiB
		bp.put(make([]byte, 0, 32<<20)) // too large: dropped
		if b := bp.get(n); cap(b) < n || len(b) != 0 {
			t.Fatalf("get(%d) = len %d cap %d", n, len(b), cap(b))
		}
	}
	// A buffer got for n and put back is what a later get for n returns
	// (the race detector makes sync.Pool drop some puts on purpose, hence
	// several tries).
	for try := 0; ; try++ {
		b := bp.get(14 << 20)
		b = append(b, 1)
		bp.put(b)
		if c := bp.get(14 << 20); &c[:1][0] == &b[0] {
			return
		}
		if try == 50 {
			t.Fatal("a 14 MiB buffer put back was never reused")
		}
	}
}
