// Package console serves rheo's web console: a single-page app built from
// web/ (esbuild, uPlot) and embedded here with go:embed, so `go build`
// needs no npm and nothing is fetched from a CDN.
//
// The page talks to rheo's own APIs from the browser (Kinesis and Firehose
// JSON 1.1 on POST /, SQL on POST /v1/sql). This package only adds what
// those cannot give, as small GET JSON endpoints under /console/api/:
//
//   - series: incoming records/s and bytes/s per stream over the last 15
//     minutes, from cumulative counters sampled every 5 s into a ring
//     buffer (Sampler), plus each fan-out consumer's latest lag;
//   - deliveries: objects and bytes written and the last error of each
//     delivery stream (the Firehose API has no such counters);
//   - lag: records each checkpointed logical name is behind the shard tips;
//   - iterations: the boundaries of every iteration (what rheo_iterations
//     lists, read from meta without a SQL session);
//   - info: whether SigV4 auth is on, in which case the page asks for an
//     access key and SigV4-signs every call in the browser;
//   - whoami: who signed the request.
//
// With auth on, Options.Authorize vets every endpoint but info; the page
// and its assets stay public.
//
// Routing: the server sends GET and HEAD requests whose path Handles
// accepts here; every POST stays with the APIs. Rebuild the assets with
// `cd web && npm ci && npm run build` (docs/console.md).
package console
