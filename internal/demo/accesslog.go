package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// AccessLog is one web access log record as the producer writes it, one
// JSON object per Kinesis record (the field names are the stream table's
// columns).
type AccessLog struct {
	Timestamp string `json:"timestamp"` // ISO-8601, UTC, milliseconds
	Region    string `json:"region"`
	Page      string `json:"page"`
	Status    int    `json:"status"`
	LatencyMS int    `json:"latency_ms"`
	UserAgent string `json:"user_agent"`
	Bytes     int64  `json:"bytes"`
	IP        string `json:"ip"`
}

// region is a serving region with its share of traffic and the first
// octets its clients' addresses come from.
type region struct {
	name   string
	weight float64
	nets   []string
}

var regions = []region{
	{"us-east-1", 30, []string{"54.", "3.", "18."}},
	{"us-west-2", 18, []string{"35.", "44.", "52."}},
	{"eu-west-1", 17, []string{"34.", "63.", "99."}},
	{"eu-central-1", 12, []string{"18.", "3.", "52."}},
	{"ap-southeast-1", 9, []string{"13.", "18.", "47."}},
	{"ap-northeast-1", 8, []string{"13.", "35.", "54."}},
	{"sa-east-1", 6, []string{"15.", "18.", "177."}},
}

// page is a path with its share of requests, typical latency and size,
// and how often it fails with a server error.
type page struct {
	path      string
	weight    float64
	latencyMS float64 // median
	bytes     int64   // typical body size
	errRate   float64 // share of 5xx answers
}

var pages = []page{
	{"/", 20, 35, 48_000, 0.004},
	{"/products", 16, 60, 120_000, 0.008},
	{"/products/detail", 14, 70, 95_000, 0.01},
	{"/search", 12, 140, 60_000, 0.03},
	{"/cart", 8, 55, 22_000, 0.01},
	{"/checkout", 5, 220, 18_000, 0.06},
	{"/login", 6, 90, 9_000, 0.015},
	{"/api/orders", 7, 110, 4_000, 0.04},
	{"/api/recommendations", 7, 180, 12_000, 0.08},
	{"/static/app.js", 5, 8, 310_000, 0.001},
}

// hotspots make the top-errors report interesting: these region/page
// pairs fail far more often (an overloaded dependency, a bad deploy).
var hotspots = map[[2]string]float64{
	{"eu-central-1", "/checkout"}:          0.25,
	{"us-east-1", "/api/recommendations"}:  0.18,
	{"ap-southeast-1", "/search"}:          0.12,
	{"sa-east-1", "/api/orders"}:           0.15,
	{"us-west-2", "/checkout"}:             0.10,
	{"eu-west-1", "/api/recommendations"}:  0.14,
	{"ap-northeast-1", "/products/detail"}: 0.09,
}

// userAgent is a User-Agent header with its share of requests.
type userAgent struct {
	ua     string
	weight float64
}

var userAgents = []userAgent{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 30},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", 15},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 18},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 14},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", 8},
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 6},
	{"curl/8.5.0", 3},
	{"python-requests/2.32.3", 3},
	{"okhttp/4.12.0", 3},
}

// statusShare is a status code with its weight within its class.
type statusShare struct {
	status int
	weight float64
}

// clientErrors are the 4xx answers and their weights.
var clientErrors = []statusShare{{404, 60}, {400, 15}, {401, 12}, {403, 8}, {429, 5}}

// serverErrors are the 5xx answers and their weights.
var serverErrors = []statusShare{{500, 40}, {502, 20}, {503, 30}, {504, 10}}

func statusWeight(s statusShare) float64 { return s.weight }

// generator makes realistic access log records. It is not safe for
// concurrent use.
type generator struct {
	rng *rand.Rand
}

func newGenerator(seed uint64) *generator {
	return &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// pick returns an index chosen by weight.
func pick[T any](rng *rand.Rand, items []T, weight func(T) float64) int {
	total := 0.0
	for _, it := range items {
		total += weight(it)
	}
	x := rng.Float64() * total
	for i, it := range items {
		x -= weight(it)
		if x < 0 {
			return i
		}
	}
	return len(items) - 1
}

// next returns one record stamped now.
func (g *generator) next(now time.Time) AccessLog {
	r := regions[pick(g.rng, regions, func(r region) float64 { return r.weight })]
	p := pages[pick(g.rng, pages, func(p page) float64 { return p.weight })]
	ua := userAgents[pick(g.rng, userAgents, func(u userAgent) float64 { return u.weight })].ua
	errRate := p.errRate
	if h, ok := hotspots[[2]string{r.name, p.path}]; ok {
		errRate = h
	}
	// Latency is log-normal around the page's median; failures are slower.
	latency := p.latencyMS * math.Exp(g.rng.NormFloat64()*0.5)
	status := 200
	size := int64(float64(p.bytes) * (0.6 + 0.8*g.rng.Float64()))
	switch x := g.rng.Float64(); {
	case x < errRate:
		status = serverErrors[pick(g.rng, serverErrors, statusWeight)].status
		latency *= 3 + 4*g.rng.Float64()
		if status == 504 {
			latency = 30_000 + 500*g.rng.Float64()
		}
		size = 200 + g.rng.Int64N(300)
	case x < errRate+0.05:
		status = clientErrors[pick(g.rng, clientErrors, statusWeight)].status
		latency *= 0.3
		size = 150 + g.rng.Int64N(500)
	case x < errRate+0.08:
		status = []int{301, 302, 304}[g.rng.IntN(3)]
		size = 0
	}
	net := r.nets[g.rng.IntN(len(r.nets))]
	return AccessLog{
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
		Region:    r.name,
		Page:      p.path,
		Status:    status,
		LatencyMS: max(1, int(latency)),
		UserAgent: ua,
		Bytes:     size,
		IP:        fmt.Sprintf("%s%d.%d.%d", net, g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254)),
	}
}

// encode renders a record as one line of JSON.
func (a AccessLog) encode() []byte {
	b, _ := json.Marshal(a) // cannot fail: plain strings and numbers
	return append(b, '\n')
}
