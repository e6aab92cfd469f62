package compress

import (
	"bytes"
	"io"
	"testing"
)

// FuzzNewReader feeds arbitrary bytes to every format's reader: each must
// return data or an error, never panic or hang. Output is capped so that
// a compression bomb costs little (fuzzing instruments the decoders, so
// every output byte is expensive).
func FuzzNewReader(f *testing.F) {
	in := accessLog(4<<10, 21)
	for i, format := range allFormats {
		out := compressAll(f, format, Options{}, in, 1)
		f.Add(uint8(i), out)
		f.Add(uint8(i), out[:len(out)/2])
		f.Add(uint8(i), compressAll(f, format, Options{}, nil, 1))
		f.Add(uint8(i), []byte{})
	}
	f.Add(uint8(3), []byte{0xff, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y', 0, 0, 0})
	f.Add(uint8(4), []byte{0, 0, 0, 3, 0, 0, 0, 5, 3, 8, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		format := allFormats[int(which)%len(allFormats)]
		r, err := NewReader(bytes.NewReader(data), format)
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(r, 64<<10))
		r.Close()
	})
}
