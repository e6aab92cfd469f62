package compress

import (
	"bytes"
	"fmt"
	"math/rand/v2"
)

// accessLog returns about size bytes of newline-separated JSON web access
// log records of roughly 1 KiB each, the delivery benchmark's input shape.
// It is deterministic for a seed.
func accessLog(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	methods := []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	paths := []string{"/api/v1/items", "/api/v1/users", "/static/app.js", "/checkout", "/search", "/api/v2/orders"}
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
		"curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1",
	}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"}
	var b bytes.Buffer
	b.Grow(size + 2048)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `{"ts":"2026-11-22T%02d:%02d:%02d.%03dZ","request_id":"%016x%016x","ip":"%d.%d.%d.%d",`,
			r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000), r.Uint64(), r.Uint64(), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		fmt.Fprintf(&b, `"method":"%s","path":"%s/%d?page=%d&sort=%s","status":%d,"bytes":%d,"latency_ms":%.3f,`,
			methods[r.IntN(len(methods))], paths[r.IntN(len(paths))], r.IntN(100000), r.IntN(50), []string{"asc", "desc"}[r.IntN(2)],
			[]int{200, 200, 200, 201, 204, 301, 304, 400, 404, 500}[r.IntN(10)], r.IntN(1<<20), r.Float64()*500)
		fmt.Fprintf(&b, `"user_agent":"%s","referrer":"https://www.example.com/%s/%d","region":"%s","user":{"id":%d,"plan":"%s","tags":["%s","t%d"]},`,
			agents[r.IntN(len(agents))], []string{"home", "cart", "product", "blog"}[r.IntN(4)], r.IntN(10000),
			regions[r.IntN(len(regions))], r.IntN(1000000), []string{"free", "pro", "enterprise"}[r.IntN(3)], regions[r.IntN(len(regions))], r.IntN(100))
		fmt.Fprintf(&b, `"headers":{"accept":"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8","accept-language":"en-US,en;q=0.5","x-forwarded-for":"%d.%d.%d.%d","x-trace":"%016x"},"seq":%d}`+"\n",
			r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.Uint64(), i)
	}
	return b.Bytes()
}

// records splits newline-separated data into its records, newline kept.
func records(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data) - 1
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}
