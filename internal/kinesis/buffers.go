package kinesis

import (
	"io"
	"net/http"
	"sync"
)

// bufferPool recycles request and response buffers. A PutRecords body is up
// to ~7 MiB and a GetRecords reply up to ~14 MiB; allocating (and zeroing)
// them per call costs more than the work itself at high rates. Buffers
// larger than maxPooled are left to the GC so one odd request does not pin
// memory forever.
type bufferPool struct{ p sync.Pool }

const maxPooled = 16 << 20

// get returns an empty buffer with capacity for at least n bytes.
func (bp *bufferPool) get(n int) []byte {
	if b, ok := bp.p.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:0]
	} else if ok {
		bp.p.Put(b)
	}
	return make([]byte, 0, max(n, 4096))
}

// put returns b to the pool. The caller must not use b afterwards: nothing
// may keep a reference into a request body past its response.
func (bp *bufferPool) put(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooled {
		return
	}
	b = b[:0]
	bp.p.Put(&b)
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
