package auth

import (
	"crypto/tls"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rheo-dev/rheo/internal/testcert"
)

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	c := testcert.New(t, dir)
	certFile, keyFile := c.CertFile, c.KeyFile
	cfg, err := TLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || !slices.Equal(cfg.NextProtos, []string{"h2", "http/1.1"}) || len(cfg.Certificates) != 1 {
		t.Fatalf("config %+v", cfg)
	}
	if _, err := TLSConfig(certFile, ""); err == nil {
		t.Fatal("missing key accepted")
	}
	if _, err := TLSConfig(certFile, certFile); err == nil {
		t.Fatal("certificate as key accepted")
	}
	if _, err := TLSConfig(filepath.Join(dir, "nope.pem"), keyFile); err == nil {
		t.Fatal("missing certificate accepted")
	}
}
