package auth

import (
	"log/slog"
	"net"
	"strings"
)

// WarnIfExposed logs a warning when an endpoint listens beyond the
// loopback interface without authentication, since anyone who can reach
// the port can then read, write and delete every stream and, through SQL,
// read and write any file rheo's user can. endpoint names the listener in
// the message ("the API", "the Postgres endpoint"); listenAddr is a
// host:port as given to net.Listen (":4567" listens on every interface).
func WarnIfExposed(logger *slog.Logger, endpoint, listenAddr string, enabled bool) {
	if enabled || logger == nil || IsLoopback(listenAddr) {
		return
	}
	logger.Warn("authentication is off and "+endpoint+" listens beyond loopback: anyone who can reach it can read, write and delete every stream, "+
		"and with SQL read and write any file rheo's user can; set "+EnvAccessKeyID+" and "+EnvSecretAccessKey+" or --credentials to require signed requests",
		"addr", listenAddr)
}

// IsLoopback reports whether listenAddr binds only loopback addresses.
func IsLoopback(listenAddr string) bool {
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		host = listenAddr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
