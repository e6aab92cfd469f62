package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults of the rate series: a sample every 5 s over 15 minutes.
const (
	DefaultInterval = 5 * time.Second
	DefaultWindow   = 15 * time.Minute
)

// apiPrefix is where the console's own JSON endpoints live.
const apiPrefix = "/console/api/"

// DeliveryStatus is what the console shows of one delivery stream beyond
// DescribeDeliveryStream (the server adapts delivery.Manager.Status).
type DeliveryStatus struct {
	Name          string    `json:"name"`
	Records       int64     `json:"records"`
	Bytes         int64     `json:"bytes"`
	Objects       int64     `json:"objects"`
	FailedRecords int64     `json:"failedRecords"`
	Backlog       int64     `json:"backlog"`
	LastSuccess   time.Time `json:"lastSuccess"`
	FailingSince  time.Time `json:"failingSince"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"lastError"`
}

// Lag is how far a checkpointed logical name is behind on one stream: the
// records between the end of its latest iteration and the shard tips.
type Lag struct {
	LogicalName string    `json:"logicalName"`
	Stream      string    `json:"stream"`
	Iteration   int64     `json:"iteration"` // latest recorded
	Records     int64     `json:"records"`   // behind the tips, summed over shards
	CreatedAt   time.Time `json:"createdAt"` // of the latest iteration
}

// Boundary is one shard's range in one iteration of a logical name, as
// rheo_iterations lists it (empty sequence numbers: nothing on that shard).
type Boundary struct {
	LogicalName         string    `json:"logicalName"`
	Iteration           int64     `json:"iteration"`
	Stream              string    `json:"stream"`
	ShardID             string    `json:"shardId"`
	StartSequenceNumber string    `json:"startSequenceNumber"`
	EndSequenceNumber   string    `json:"endSequenceNumber"`
	CreatedAt           time.Time `json:"createdAt"`
}

// Options wire the console to the server. Every source may be nil; the
// page then shows the section as unavailable.
type Options struct {
	// Totals returns cumulative counters per stream (sampled for rates).
	Totals func() map[string]Totals
	// Deliveries returns the status of every delivery stream.
	Deliveries func() []DeliveryStatus
	// Lags returns every logical name's lag per stream.
	Lags func(ctx context.Context) ([]Lag, error)
	// Boundaries lists every iteration boundary (the rheo_iterations rows).
	Boundaries func(ctx context.Context) ([]Boundary, error)
	// AuthRequired is true when the APIs demand SigV4: the page then asks
	// for an access key and signs its calls.
	AuthRequired bool
	// Authorize, when set, vets every JSON request but "info" (which tells
	// the page whether to sign in at all). It returns the caller's
	// identity, which "whoami" reports, or an *AuthError. endpoint is the
	// name after /console/api/.
	Authorize func(r *http.Request, endpoint string) (identity string, err error)
	// Interval and Window shape the rate series; zero means the defaults.
	Interval, Window time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Console is the web console's HTTP handler. Start its sampler with Run.
type Console struct {
	opts    Options
	assets  map[string]asset
	sampler *Sampler // nil without Options.Totals
	logger  *slog.Logger
}

// New loads the embedded assets and prepares the sampler.
func New(opts Options) (*Console, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return newWithFS(opts, sub)
}

// newWithFS lets tests serve a fixed asset tree.
func newWithFS(opts Options, fsys fs.FS) (*Console, error) {
	assets, err := loadAssets(fsys)
	if err != nil {
		return nil, err
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{opts: opts, assets: assets, logger: opts.Logger}
	if opts.Totals != nil {
		c.sampler = NewSampler(opts.Totals, opts.Interval, opts.Window, opts.Now)
	}
	return c, nil
}

// Run samples the counters until ctx ends. Without a Totals source it
// returns at once.
func (c *Console) Run(ctx context.Context) {
	if c.sampler != nil {
		c.sampler.Run(ctx)
	}
}

// Handles reports whether a GET or HEAD of path belongs to the console:
// the page at /, its bundle under /assets/ and the JSON under /console/.
// Other paths (and every POST) stay with the APIs.
func Handles(path string) bool {
	return path == "/" || path == "/index.html" || strings.HasPrefix(path, "/assets/") || strings.HasPrefix(path, "/console/")
}

// ServeHTTP serves the page, its assets and the JSON endpoints, GET and
// HEAD only. Unknown paths, directories included, are 404.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "the console answers GET and HEAD only", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	if strings.HasPrefix(p, apiPrefix) {
		c.serveAPI(w, r, strings.TrimPrefix(p, apiPrefix))
		return
	}
	if p == "/" {
		p = "/index.html"
	}
	a, ok := c.assets[p]
	if !ok || (p != "/index.html" && !strings.HasPrefix(p, "/assets/")) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	// Asset names are fixed (no hashes), so browsers revalidate each load;
	// the ETag makes that a 304.
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	if p == "/index.html" {
		// Everything the page loads comes from rheo itself.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(a.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(a.body)
}

// info is the answer of /console/api/info.
type info struct {
	AuthRequired    bool    `json:"authRequired"`
	Series          bool    `json:"series"`
	IntervalSeconds float64 `json:"intervalSeconds"`
	WindowSeconds   float64 `json:"windowSeconds"`
}

// AuthError is an Authorize refusal: the HTTP status and the error's code
// (an AWS error type such as InvalidSignatureException) and message.
type AuthError struct {
	Status        int
	Code, Message string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

func (c *Console) serveAPI(w http.ResponseWriter, r *http.Request, name string) {
	var identity string
	if c.opts.Authorize != nil && name != "info" {
		id, err := c.opts.Authorize(r, name)
		if err != nil {
			var ae *AuthError
			if !errors.As(err, &ae) {
				ae = &AuthError{Status: http.StatusForbidden, Code: "AccessDeniedException", Message: err.Error()}
			}
			writeJSON(w, r, ae.Status, map[string]string{"code": ae.Code, "error": ae.Message})
			return
		}
		identity = id
	}
	switch name {
	case "whoami":
		writeJSON(w, r, http.StatusOK, map[string]any{"identity": identity, "authRequired": c.opts.AuthRequired})
	case "info":
		writeJSON(w, r, http.StatusOK, info{
			AuthRequired:    c.opts.AuthRequired,
			Series:          c.sampler != nil,
			IntervalSeconds: c.opts.Interval.Seconds(),
			WindowSeconds:   c.opts.Window.Seconds(),
		})
	case "series":
		if c.sampler == nil {
			writeError(w, r, http.StatusNotFound, "no stream counters are wired to the console")
			return
		}
		writeJSON(w, r, http.StatusOK, c.sampler.Series())
	case "deliveries":
		out := []DeliveryStatus{}
		if c.opts.Deliveries != nil {
			out = append(out, c.opts.Deliveries()...)
		}
		writeJSON(w, r, http.StatusOK, map[string]any{"deliveryStreams": out})
	case "lag":
		out := []Lag{}
		if c.opts.Lags != nil {
			lags, err := c.opts.Lags(r.Context())
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					c.logger.Warn("console: logical name lag", "err", err)
				}
				writeError(w, r, http.StatusInternalServerError, err.Error())
				return
			}
			out = append(out, lags...)
		}
		writeJSON(w, r, http.StatusOK, map[string]any{"lags": out})
	case "iterations":
		out := []Boundary{}
		if c.opts.Boundaries != nil {
			bs, err := c.opts.Boundaries(r.Context())
			if err != nil {
				c.logger.Warn("console: iteration boundaries", "err", err)
				writeError(w, r, http.StatusInternalServerError, err.Error())
				return
			}
			out = append(out, bs...)
		}
		out, omitted := newestBoundaries(out, MaxIterationsPerName)
		writeJSON(w, r, http.StatusOK, map[string]any{"iterations": out, "omitted": omitted, "perName": MaxIterationsPerName})
	default:
		writeError(w, r, http.StatusNotFound, "unknown console endpoint "+name)
	}
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode JSON: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, r, status, map[string]string{"error": msg})
}
