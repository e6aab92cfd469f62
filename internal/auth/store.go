package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"
)

// Environment variables that turn authentication on with one full-access
// credential (see FromEnv).
const (
	EnvAccessKeyID     = "RHEO_ACCESS_KEY_ID"
	EnvSecretAccessKey = "RHEO_SECRET_ACCESS_KEY"
)

// EnvUserName is the user name of the credential taken from the
// environment; it appears in AccessDeniedException messages.
const EnvUserName = "rheo"

// File is the credentials file (docs/auth.md): an optional account id and
// a list of users. Unknown members are rejected so typos do not silently
// widen or narrow access.
type File struct {
	// Account is the AWS account id of the users' ARNs; empty means the
	// account the server was started with.
	Account string `json:"account,omitempty"`
	// Users are the credentials; access key ids must be unique.
	Users []User `json:"users"`
}

// User is one credential and what it may do.
type User struct {
	// Name is the IAM-style user name, shown in AccessDeniedException.
	Name string `json:"name"`
	// AccessKeyID is the key id clients put in the SigV4 credential scope.
	AccessKeyID string `json:"accessKeyId"`
	// SecretAccessKey is the signing secret.
	SecretAccessKey string `json:"secretAccessKey"`
	// Allow lists what the user may do; an empty list allows nothing.
	Allow []Rule `json:"allow"`
}

// Rule allows actions on resources.
type Rule struct {
	// Actions are "service:Action" patterns, matched case-insensitively
	// with * and ? wildcards: "kinesis:PutRecord", "kinesis:Get*",
	// "kinesis:*", or "*" for everything.
	Actions []string `json:"actions"`
	// Resources are resource-name globs (path.Match syntax): "orders",
	// "orders-*", "*". Omitted means ["*"]. Account-level actions such as
	// ListStreams have no resource name and are covered only by "*".
	Resources []string `json:"resources,omitempty"`
}

// FullAccess returns a user allowed every action on every resource.
func FullAccess(name, accessKeyID, secret string) User {
	return User{Name: name, AccessKeyID: accessKeyID, SecretAccessKey: secret,
		Allow: []Rule{{Actions: []string{"*"}, Resources: []string{"*"}}}}
}

// Store is the set of known credentials. It is immutable after New, so it
// is safe for concurrent use without locks.
type Store struct {
	account string
	users   map[string]*user // by access key id
	now     func() time.Time
}

type user struct {
	name, akid, secret string
	rules              []rule
}

type rule struct {
	actions   []string // lower-cased patterns
	resources []string
}

// Options tune a Store.
type Options struct {
	// Account is used in user ARNs when the file names none.
	Account string
	// Now is the clock for the 5-minute skew check; nil means time.Now.
	Now func() time.Time
}

// New builds a store from a credentials file's content, checking every
// user and pattern.
func New(f File, opts Options) (*Store, error) {
	s := &Store{account: f.Account, users: make(map[string]*user, len(f.Users)), now: opts.Now}
	if s.account == "" {
		s.account = opts.Account
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(f.Users) == 0 {
		return nil, errors.New("auth: no users: authentication would refuse every request")
	}
	for i, u := range f.Users {
		where := fmt.Sprintf("users[%d] (%q)", i, u.Name)
		switch {
		case u.Name == "":
			return nil, fmt.Errorf("auth: %s: name is empty", where)
		case u.AccessKeyID == "":
			return nil, fmt.Errorf("auth: %s: accessKeyId is empty", where)
		case strings.ContainsAny(u.AccessKeyID, "/ ,="):
			return nil, fmt.Errorf("auth: %s: accessKeyId %q holds a character SigV4 cannot carry", where, u.AccessKeyID)
		case u.SecretAccessKey == "":
			return nil, fmt.Errorf("auth: %s: secretAccessKey is empty", where)
		}
		if _, dup := s.users[u.AccessKeyID]; dup {
			return nil, fmt.Errorf("auth: %s: accessKeyId %q is listed twice", where, u.AccessKeyID)
		}
		nu := &user{name: u.Name, akid: u.AccessKeyID, secret: u.SecretAccessKey}
		for j, r := range u.Allow {
			if len(r.Actions) == 0 {
				return nil, fmt.Errorf("auth: %s: allow[%d]: no actions", where, j)
			}
			nr := rule{resources: r.Resources}
			if len(nr.resources) == 0 {
				nr.resources = []string{"*"}
			}
			for _, a := range r.Actions {
				if a != "*" && !strings.Contains(a, ":") {
					return nil, fmt.Errorf("auth: %s: allow[%d]: action %q is not \"service:Action\" or \"*\"", where, j, a)
				}
				nr.actions = append(nr.actions, strings.ToLower(a))
			}
			for _, p := range nr.resources {
				if _, err := path.Match(p, ""); err != nil {
					return nil, fmt.Errorf("auth: %s: allow[%d]: resource pattern %q: %w", where, j, p, err)
				}
			}
			nu.rules = append(nu.rules, nr)
		}
		s.users[u.AccessKeyID] = nu
	}
	return s, nil
}

// Parse decodes a credentials file (JSON, unknown members rejected).
func Parse(b []byte) (File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("auth: parse credentials: %w", err)
	}
	if dec.More() {
		return File{}, errors.New("auth: parse credentials: data after the top-level object")
	}
	return f, nil
}

// Load reads and checks a credentials file.
func Load(name string, opts Options) (*Store, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("auth: read credentials: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s, err := New(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// FromEnv builds the store `rheo serve` uses: the credentials file if
// credentialsFile is set, plus one full-access user (named EnvUserName)
// when both RHEO_ACCESS_KEY_ID and RHEO_SECRET_ACCESS_KEY are set. It
// returns nil, nil when neither is configured (authentication off), and an
// error when only one of the two variables is set.
func FromEnv(getenv func(string) string, credentialsFile string, opts Options) (*Store, error) {
	akid, secret := getenv(EnvAccessKeyID), getenv(EnvSecretAccessKey)
	if (akid == "") != (secret == "") {
		return nil, fmt.Errorf("auth: set both %s and %s, or neither", EnvAccessKeyID, EnvSecretAccessKey)
	}
	var f File
	if credentialsFile != "" {
		b, err := os.ReadFile(credentialsFile)
		if err != nil {
			return nil, fmt.Errorf("auth: read credentials: %w", err)
		}
		if f, err = Parse(b); err != nil {
			return nil, fmt.Errorf("%s: %w", credentialsFile, err)
		}
	}
	if akid != "" {
		f.Users = append(f.Users, FullAccess(EnvUserName, akid, secret))
	}
	if credentialsFile == "" && akid == "" {
		return nil, nil
	}
	return New(f, opts)
}

// Principal is an authenticated caller.
type Principal struct {
	// Name is the user name.
	Name string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Account is the account id of the user's ARN.
	Account string
	// Region and Service are the request's credential scope.
	Region, Service string
	// SigningTime is the request's X-Amz-Date.
	SigningTime time.Time

	rules []rule
}

// ARN is the user's IAM ARN, as AWS prints it in AccessDeniedException.
func (p *Principal) ARN() string {
	return "arn:aws:iam::" + p.Account + ":user/" + p.Name
}

// Allowed reports whether the principal may perform action ("kinesis:PutRecord")
// on the named resource (a stream name; "" for account-level actions).
func (p *Principal) Allowed(action, resourceName string) bool {
	action = strings.ToLower(action)
	for _, r := range p.rules {
		if !r.matchesAction(action) {
			continue
		}
		for _, pat := range r.resources {
			if ok, _ := path.Match(pat, resourceName); ok {
				return true
			}
		}
	}
	return false
}

// AllowedAll reports whether the principal may perform action on every
// resource, so callers can skip finding out which resource a request
// names (the common full-access case costs nothing).
func (p *Principal) AllowedAll(action string) bool {
	action = strings.ToLower(action)
	for _, r := range p.rules {
		if !r.matchesAction(action) {
			continue
		}
		for _, pat := range r.resources {
			if pat == "*" {
				return true
			}
		}
	}
	return false
}

func (r *rule) matchesAction(action string) bool {
	for _, a := range r.actions {
		if globMatch(a, action) {
			return true
		}
	}
	return false
}

// globMatch matches s against pattern with * (any run) and ? (one byte).
// Unlike path.Match it gives '/' no special meaning.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// Password returns the secret access key of accessKeyID and the principal
// it authenticates, for protocols that prove knowledge of the secret
// without SigV4 (the Postgres endpoint's SCRAM-SHA-256: user = access key
// id, password = secret access key). ok is false for an unknown key.
func (s *Store) Password(accessKeyID string) (p *Principal, secret string, ok bool) {
	u, ok := s.users[accessKeyID]
	if !ok {
		return nil, "", false
	}
	return &Principal{Name: u.name, AccessKeyID: u.akid, Account: s.account, rules: u.rules}, u.secret, true
}
