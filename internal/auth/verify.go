package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// MaxSkew is how far a request's X-Amz-Date may be from the server clock,
// in either direction, as on AWS.
const MaxSkew = 5 * time.Minute

const (
	algorithm   = "AWS4-HMAC-SHA256"
	amzDateForm = "20060102T150405Z"
)

// signer is stateless and safe for concurrent use.
var signer = v4.NewSigner()

// sigV4Header is a parsed Authorization header.
type sigV4Header struct {
	credential, signedHeaders, signature string
}

// Verify authenticates a SigV4-signed request whose body has already been
// read into body. It returns the principal, or an *Error with AWS's type
// and message: MissingAuthenticationTokenException (no Authorization
// header), IncompleteSignatureException (a part missing),
// UnrecognizedClientException (unknown access key id),
// InvalidSignatureException (signature mismatch, or X-Amz-Date more than 5
// minutes from the server clock).
func (s *Store) Verify(r *http.Request, body []byte) (*Principal, error) {
	authz := r.Header.Get("Authorization")
	presigned := r.URL.Query().Has("X-Amz-Algorithm")
	switch {
	case authz != "" && presigned:
		return nil, newErr(ErrInvalidSignature, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case authz == "":
		return nil, newErr(ErrMissingToken, msgMissingToken)
	}
	h, err := parseAuthorization(r, authz)
	if err != nil {
		return nil, err
	}
	// Credential=AKID/yyyymmdd/region/service/aws4_request
	scope := strings.Split(h.credential, "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" || scope[2] == "" || scope[3] == "" {
		return nil, newErr(ErrIncompleteSignature, "Credential should be scoped to a valid region, service and terminator 'aws4_request'. Authorization="+authz)
	}
	akid, region, service := scope[0], scope[2], scope[3]
	u := s.users[akid]
	if u == nil {
		return nil, newErr(ErrUnrecognizedClient, msgUnrecognized)
	}
	rawDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse(amzDateForm, rawDate)
	if err != nil {
		return nil, newErr(ErrIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+rawDate+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	want, err := s.sign(r, body, h, u, region, service, t)
	if err != nil {
		return nil, newErr(ErrInvalidSignature, msgSignatureMismatch)
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.signature)) != 1 {
		return nil, newErr(ErrInvalidSignature, msgSignatureMismatch)
	}
	now := s.now().UTC()
	switch {
	case t.Before(now.Add(-MaxSkew)):
		return nil, newErr(ErrInvalidSignature, "Signature expired: "+t.Format(amzDateForm)+" is now earlier than "+
			now.Add(-MaxSkew).Format(amzDateForm)+" ("+now.Format(amzDateForm)+" - 5 min.)")
	case t.After(now.Add(MaxSkew)):
		return nil, newErr(ErrInvalidSignature, "Signature not yet current: "+t.Format(amzDateForm)+" is still later than "+
			now.Add(MaxSkew).Format(amzDateForm)+" ("+now.Format(amzDateForm)+" + 5 min.)")
	}
	return &Principal{Name: u.name, AccessKeyID: akid, Account: s.account, Region: region, Service: service, SigningTime: t, rules: u.rules}, nil
}

// Authenticate is what an API does first with a request: Verify it,
// require that it was signed for service, and give a principal whose
// credentials file named no account the server's account.
func (s *Store) Authenticate(r *http.Request, body []byte, service, account string) (*Principal, error) {
	p, err := s.Verify(r, body)
	if err == nil {
		err = p.RequireService(service)
	}
	if err != nil {
		return nil, err
	}
	if p.Account == "" {
		p.Account = account
	}
	return p, nil
}

// RegionOf reads the region from a request's SigV4 credential scope
// ("Credential=AKID/20240101/eu-west-1/kinesis/aws4_request"), without
// verifying anything: the region ARNs in replies name. An unsigned request
// is in us-east-1.
func RegionOf(r *http.Request) string {
	if _, rest, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		parts := strings.SplitN(rest, "/", 5)
		if len(parts) >= 3 && parts[2] != "" {
			return parts[2]
		}
	}
	return "us-east-1"
}

// RequireService fails unless the request was signed for service, with
// the message AWS gives a key scoped to another service.
func (p *Principal) RequireService(service string) error {
	if p.Service == service {
		return nil
	}
	return newErr(ErrInvalidSignature, "Credential should be scoped to correct service: '"+service+"'. ")
}

// parseAuthorization splits "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
// and reports what is missing with AWS's wording.
func parseAuthorization(r *http.Request, authz string) (sigV4Header, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(authz), " ")
	if alg != algorithm {
		return sigV4Header{}, newErr(ErrIncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"'")
	}
	var h sigV4Header
	for _, part := range strings.FieldsFunc(rest, func(c rune) bool { return c == ',' || c == ' ' }) {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "Credential":
			h.credential = v
		case "SignedHeaders":
			h.signedHeaders = v
		case "Signature":
			h.signature = v
		}
	}
	var msg strings.Builder
	for _, p := range [...]struct{ name, val string }{{"Credential", h.credential}, {"Signature", h.signature}, {"SignedHeaders", h.signedHeaders}} {
		if p.val == "" {
			msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if r.Header.Get("X-Amz-Date") == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + authz)
		return sigV4Header{}, newErr(ErrIncompleteSignature, msg.String())
	}
	return h, nil
}

// sign rebuilds the request from the headers the client signed and signs
// it with the SDK signer; it returns the hex signature.
func (s *Store) sign(r *http.Request, body []byte, h sigV4Header, u *user, region, service string, t time.Time) (string, error) {
	cp := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: make(http.Header),
	}
	if cp.URL.Path == "" {
		cp.URL.Path = "/"
	}
	for _, name := range strings.Split(h.signedHeaders, ";") {
		switch name {
		case "host":
			// The signer always signs the request's Host.
		case "content-length":
			cp.ContentLength = int64(len(body))
		default:
			if vals := r.Header.Values(name); len(vals) > 0 {
				cp.Header[http.CanonicalHeaderKey(name)] = vals
			}
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: u.akid, SecretAccessKey: u.secret}
	if err := signer.SignHTTP(context.Background(), creds, cp, hex.EncodeToString(sum[:]), service, region, t); err != nil {
		return "", err
	}
	_, sig, ok := strings.Cut(cp.Header.Get("Authorization"), "Signature=")
	if !ok {
		return "", errMalformedSignerOutput
	}
	return sig, nil
}

var errMalformedSignerOutput = &Error{Type: "InternalFailure", Status: http.StatusInternalServerError, Message: "signer output has no signature"}
