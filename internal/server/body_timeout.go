package server

import (
	"io"
	"net/http"
	"time"
)

// defaultBodyTimeout is Config.BodyTimeout's default: a 16 MiB body (the
// largest the APIs take) still arrives over a link of 140 KiB/s.
const defaultBodyTimeout = 2 * time.Minute

// limitBodyTime gives a client d to send its request body. The server's
// ReadHeaderTimeout bounds only the headers, and http.Server's ReadTimeout
// cannot serve here: its deadline outlives the body and, once passed,
// cancels long requests (SubscribeToShard, slow SQL) that have read all
// of theirs. Without a bound, a peer that sends headers and then stalls
// holds a connection and a goroutine for ever, before any signature can
// be checked. The deadline is lifted as soon as the body has been read.
func limitBodyTime(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline of its request at the body's end.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
