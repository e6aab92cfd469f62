package kinesis

import (
	"io"
	"math/bits"
	"net/http"
	"sync"
)

// bufferPool recycles request and response buffers. A PutRecords body is up
// to ~7 MiB and a GetRecords reply up to ~14 MiB; allocating (and zeroing)
// them per call costs more than the work itself at high rates. Buffers are
// kept by power-of-two size class, so a 14 MiB reply never draws a 4 KiB
// request buffer (and then allocates anyway); buffers larger than maxPooled
// are left to the GC so one odd request does not pin memory.
type bufferPool struct{ classes [numClasses]sync.Pool }

const (
	minClass   = 12 // 4 KiB
	maxPooled  = 16 << 20
	numClasses = 25 - minClass // 4 KiB .. 16 MiB
)

// get returns an empty buffer with capacity for at least n bytes.
func (bp *bufferPool) get(n int) []byte {
	c := max(bits.Len(uint(max(n, 1)-1)), minClass) // smallest class >= n
	if c-minClass >= numClasses {
		return make([]byte, 0, n)
	}
	if b, ok := bp.classes[c-minClass].Get().(*[]byte); ok {
		return (*b)[:0]
	}
	// Allocate the whole class, so put files the buffer back where the
	// next get of this size looks.
	return make([]byte, 0, 1<<c)
}

// put returns b to the pool, under the largest class its capacity covers.
// The caller must not use b afterwards: nothing may keep a reference into a
// request body past its response.
func (bp *bufferPool) put(b []byte) {
	if cap(b) < 1<<minClass || cap(b) > maxPooled {
		return
	}
	c := bits.Len(uint(cap(b))) - 1 // largest class <= cap
	b = b[:0]
	bp.classes[c-minClass].Put(&b)
}

// readBody reads the request body into buf (reused capacity), refusing more
// than maxBodySize+1 bytes so the caller can tell an oversized body.
func readBody(r *http.Request, buf []byte) ([]byte, error) {
	lr := io.LimitReader(r.Body, maxBodySize+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
