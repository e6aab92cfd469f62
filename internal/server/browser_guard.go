package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/rheo-dev/rheo/internal/auth"
)

// Browser-facing protections in front of every handler (handler()), and
// the CORS answers for trusted origins (cors.go).
//
// CSRF: net/http's CrossOriginProtection refuses non-safe requests a
// browser sends for a page of another origin.
//
// DNS rebinding: a hostile page can make its own host name resolve to
// 127.0.0.1 after loading, and then talk to a loopback-bound rheo as its
// "same origin", reading answers and posting SQL. So while rheo listens
// only on loopback, these must name rheo by an IP address, localhost or a
// *.localhost name, or are refused: every GET and HEAD (the console,
// /metrics, /health: what a browser reads, and browsers send no Sec-Fetch
// headers to plain-HTTP origins) and every request with Origin or
// Sec-Fetch-Site (browsers send Origin with every POST). The API POSTs of
// SDKs carry neither, so an SDK pointed at a name that /etc/hosts maps to
// 127.0.0.1 still works.

// guardBrowsers wraps h with both protections and the CORS answers of
// the origins the config trusts (cors.go).
func (s *Server) guardBrowsers(h http.Handler) (http.Handler, error) {
	cors, err := newCORSPolicy(s.cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	if err := cors.trust(cop); err != nil {
		return nil, err
	}
	h = cors.wrap(cop.Handler(h))
	if !auth.IsLoopback(s.ln.Addr().String()) {
		return h, nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		browserish := r.Method == http.MethodGet || r.Method == http.MethodHead ||
			r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != ""
		if browserish && !loopbackName(r.Host) {
			http.Error(w, "rheo listens on a loopback address and does not answer browsers that reach it as "+r.Host+
				" (DNS rebinding protection): open it as http://localhost:"+portOf(s.ln.Addr())+"/ or by its IP address", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}), nil
}

// loopbackName reports whether a Host header names the server in a way
// DNS cannot rebind: an IP address, localhost or a *.localhost name.
func loopbackName(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return net.ParseIP(strings.Trim(host, "[]")) != nil
}

// portOf is the port of a listener address.
func portOf(a net.Addr) string {
	_, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return port
}
