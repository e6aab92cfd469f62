package auth

import (
	"crypto/tls"
	"fmt"
)

// TLSConfig loads a PEM certificate chain and key (the --tls-cert and
// --tls-key files) and returns a server config with sane defaults: TLS 1.2
// or later, and ALPN offering HTTP/2 then HTTP/1.1 (AWS SDKs use either).
// Go's default cipher suites are kept: they exclude the weak ones.
func TLSConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("auth: TLS needs both a certificate and a key (got cert %q, key %q)", certFile, keyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("auth: load TLS key pair: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}
