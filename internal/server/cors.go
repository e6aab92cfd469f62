package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CORS for browser apps on other origins (Config.CORSOrigins,
// --cors-origins): AWS answers the Kinesis and Firehose APIs' preflights
// so that the AWS SDK for JavaScript works in a browser (Amplify's
// Kinesis and Firehose analytics providers do this), and kinesalite does
// too. rheo does it only for the origins the user lists ("*" for any), on
// the APIs at POST / only: /v1/sql and the console stay same-origin, so a
// hostile page cannot write files through SQL even with "*".

// corsPolicy is the set of origins allowed to call the APIs.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

// newCORSPolicy checks and keeps origins ("scheme://host[:port]" or "*");
// nil when there are none.
func newCORSPolicy(origins []string) (*corsPolicy, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	p := &corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "*" {
			p.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("CORS origin %q is not scheme://host[:port] or *", o)
		}
		p.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return p, nil
}

// allows reports whether origin may call the APIs.
func (p *corsPolicy) allows(origin string) bool {
	return p != nil && origin != "" && (p.any || p.origins[strings.ToLower(origin)])
}

// isAPIPath reports the path of the Kinesis and Firehose APIs.
func isAPIPath(r *http.Request) bool { return r.URL.Path == "/" }

// wrap answers preflights of allowed origins on the APIs and marks their
// answers readable by them; everything else passes through unchanged.
func (p *corsPolicy) wrap(h http.Handler) http.Handler {
	if p == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if !isAPIPath(r) || !p.allows(origin) {
			h.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				hd.Set("Access-Control-Allow-Headers", req)
			}
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusOK)
			return
		}
		hd.Set("Access-Control-Expose-Headers", "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-id-2, Date")
		h.ServeHTTP(w, r)
	})
}

// trust lets CrossOriginProtection pass the allowed origins' API calls.
func (p *corsPolicy) trust(cop *http.CrossOriginProtection) error {
	if p == nil {
		return nil
	}
	if p.any {
		// Only the APIs: /v1/sql stays protected from every other origin.
		cop.AddInsecureBypassPattern("POST /{$}")
	}
	for o := range p.origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return fmt.Errorf("CORS origin %q: %w", o, err)
		}
	}
	return nil
}
