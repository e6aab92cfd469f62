package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far a request's X-Amz-Date may be from the server clock,
// in either direction, as on AWS.
const MaxSkew = 5 * time.Minute

const (
	algorithm   = "AWS4-HMAC-SHA256"
	amzDateForm = "20060102T150405Z"
)

// sigV4Header is a parsed Authorization header.
type sigV4Header struct {
	credential, signedHeaders, signature string
}

// Verify authenticates a SigV4-signed request whose body has already been
// read into body. It returns the principal, or an *Error with AWS's type
// and message: MissingAuthenticationTokenException (no Authorization
// header), IncompleteSignatureException (a part missing, a malformed
// date or credential), InvalidSignatureException (X-Amz-Date more than 5
// minutes from the server clock, Host not signed, a bad credential scope),
// UnrecognizedClientException (unknown access key id), and last
// InvalidSignatureException (signature mismatch): AWS's order. Any
// service in the credential scope is accepted (Authenticate requires one).
func (s *Store) Verify(r *http.Request, body []byte) (*Principal, error) {
	return s.verify(r, body, "")
}

// verify is Verify requiring that the credential scope name service
// (any when ""): AWS checks it with the rest of the scope, before the key.
func (s *Store) verify(r *http.Request, body []byte, service string) (*Principal, error) {
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
	// The checks run in AWS's order, so a client with a wrong clock, say,
	// learns that before anything about its key.
	rawDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse(amzDateForm, rawDate)
	if err != nil {
		return nil, newErr(ErrIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+rawDate+"'. See http://en.wikipedia.org/wiki/ISO_8601")
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
	if !signsHost(h.signedHeaders) {
		// Without it a signature could be replayed against another host.
		return nil, newErr(ErrInvalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	akid, region, service, err := parseScope(h.credential, t, rawDate, service)
	if err != nil {
		return nil, err
	}
	u := s.users[akid]
	if u == nil {
		return nil, newErr(ErrUnrecognizedClient, msgUnrecognized)
	}
	want := s.sign(r, body, h, u, region, service, t, collapseWhitespace)
	if subtle.ConstantTimeCompare([]byte(want), []byte(h.signature)) != 1 {
		// SDKs differ on whitespace other than spaces in a signed header
		// value: botocore collapses tabs with the spaces, the Go SDK only
		// the spaces. Accept either.
		if !signedValuesHaveTab(r, h.signedHeaders) {
			return nil, newErr(ErrInvalidSignature, msgSignatureMismatch)
		}
		want = s.sign(r, body, h, u, region, service, t, collapseSpaces)
		if subtle.ConstantTimeCompare([]byte(want), []byte(h.signature)) != 1 {
			return nil, newErr(ErrInvalidSignature, msgSignatureMismatch)
		}
	}
	return &Principal{Name: u.name, AccessKeyID: akid, Account: s.account, Region: region, Service: service, SigningTime: t, rules: u.rules}, nil
}

// Authenticate is what an API does first with a request: Verify it,
// require that it was signed for service, and give a principal whose
// credentials file named no account the server's account.
func (s *Store) Authenticate(r *http.Request, body []byte, service, account string) (*Principal, error) {
	p, err := s.verify(r, body, service)
	if err != nil {
		return nil, err
	}
	if p.Account == "" {
		p.Account = account
	}
	return p, nil
}

// parseScope splits Credential=AKID/yyyymmdd/region/service/aws4_request
// and checks its pieces against the request's date t and the service the
// API expects (any when wantService is ""), with AWS's wording and order
// (every wrong piece named at once).
func parseScope(credential string, t time.Time, rawDate, wantService string) (akid, region, service string, err error) {
	// AWS ignores trailing slashes; a secret pasted as the key id adds slashes.
	scope := strings.Split(strings.TrimRight(credential, "/"), "/")
	if len(scope) != 5 {
		return "", "", "", newErr(ErrIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+credential+"'")
	}
	var msg strings.Builder
	if scope[2] == "" {
		msg.WriteString("Credential should be scoped to a valid region, not ''. ")
	}
	if wantService != "" && scope[3] != wantService {
		msg.WriteString("Credential should be scoped to correct service: '" + wantService + "'. ")
	}
	if scope[4] != "aws4_request" {
		msg.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + scope[4] + "'. ")
	}
	if day := t.Format("20060102"); scope[1] != day {
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + scope[1] + "' != '" + day + "', from '" + rawDate + "'.")
	}
	if msg.Len() > 0 {
		return "", "", "", newErr(ErrInvalidSignature, msg.String())
	}
	return scope[0], scope[2], scope[3], nil
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

// sign computes the SigV4 signature of r as the client must have computed
// it: the canonical request over exactly the headers the client lists in
// SignedHeaders. It is not delegated to the Go SDK's signer because that
// signer never signs User-Agent, Expect, X-Amzn-Trace-Id or
// Transfer-Encoding, while the AWS SDK for Java 1.x (KCL 1.x, Kinesis
// Agent) signs User-Agent, and AWS accepts any header being signed.
func (s *Store) sign(r *http.Request, body []byte, h sigV4Header, u *user, region, service string, t time.Time, collapse func(string) string) string {
	var canon strings.Builder
	canon.WriteString(r.Method + "\n" + canonicalURI(r.URL) + "\n" + canonicalQuery(r.URL.RawQuery) + "\n")
	for _, name := range strings.Split(h.signedHeaders, ";") {
		canon.WriteString(name + ":" + canonicalHeaderValue(r, body, name, collapse) + "\n")
	}
	sum := sha256.Sum256(body)
	canon.WriteString("\n" + h.signedHeaders + "\n" + hex.EncodeToString(sum[:]))

	day := t.Format("20060102")
	canonSum := sha256.Sum256([]byte(canon.String()))
	toSign := algorithm + "\n" + t.Format(amzDateForm) + "\n" + day + "/" + region + "/" + service + "/aws4_request\n" + hex.EncodeToString(canonSum[:])
	key := hmacSHA256([]byte("AWS4"+u.secret), day)
	for _, part := range []string{region, service, "aws4_request", toSign} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(key)
}

// signsHost reports whether the SignedHeaders list names Host, which AWS
// requires.
func signsHost(signedHeaders string) bool {
	for _, name := range strings.Split(signedHeaders, ";") {
		if strings.EqualFold(name, "host") {
			return true
		}
	}
	return false
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalURI is the path URI-encoded twice, as every service but S3 expects.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery sorts the parameters by name, then value, each URI-encoded.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, _ := url.ParseQuery(raw)
	pairs := make([]string, 0, len(q))
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// canonicalHeaderValue is the header's values, trimmed, inner runs of spaces
// collapsed, joined by commas. Go's server moves Host and Content-Length out
// of the header map, so those come from the request itself.
func canonicalHeaderValue(r *http.Request, body []byte, name string, collapse func(string) string) string {
	switch strings.ToLower(name) {
	case "host":
		return hostForSigning(r)
	case "content-length":
		return strconv.Itoa(len(body))
	}
	vals := r.Header.Values(name)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = collapse(v)
	}
	return strings.Join(out, ",")
}

// collapseWhitespace trims a header value and turns each run of
// whitespace into one space, as the SigV4 spec and botocore do.
func collapseWhitespace(v string) string { return strings.Join(strings.Fields(v), " ") }

// collapseSpaces trims spaces only and turns each run of spaces into one,
// as aws-sdk-go-v2's signer does (a tab stays).
func collapseSpaces(v string) string {
	v = strings.Trim(v, " ")
	for strings.Contains(v, "  ") {
		v = strings.ReplaceAll(v, "  ", " ")
	}
	return v
}

// signedValuesHaveTab reports whether a signed header's value holds
// whitespace the two ways of collapsing treat differently.
func signedValuesHaveTab(r *http.Request, signedHeaders string) bool {
	for _, name := range strings.Split(signedHeaders, ";") {
		for _, v := range r.Header.Values(name) {
			if strings.ContainsAny(v, "\t\v\f\r\n") {
				return true
			}
		}
	}
	return false
}

// hostForSigning drops a default port, as SDKs do when they sign Host.
func hostForSigning(r *http.Request) string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		return r.Host
	}
	if (r.TLS == nil && port == "80") || (r.TLS != nil && port == "443") {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return r.Host
}

// uriEncode percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~), and '/' too when encodeSlash, with upper-case hex.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
