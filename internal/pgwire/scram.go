package pgwire

// SCRAM-SHA-256 authentication (RFC 5802, RFC 7677), as Postgres runs it:
// AuthenticationSASL offers the mechanism, the client's first message
// comes in SASLInitialResponse, the server's first in
// AuthenticationSASLContinue, the client's proof in SASLResponse and the
// server's signature in AuthenticationSASLFinal. The SCRAM user name is
// ignored (libpq sends an empty one): the start-up message's user is the
// one authenticated. The conversation itself is github.com/xdg-go/scram.

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

const (
	scramMechanism  = "SCRAM-SHA-256"
	scramIterations = 4096 // Postgres's default scram_iterations
)

// scramState holds the server's salt and the keys derived from each
// user's password, so a client opening many connections pays the 4,096
// PBKDF2 rounds once.
type scramState struct {
	salt string

	mu   sync.Mutex
	keys map[string]scramKeys // by user
}

type scramKeys struct {
	password string
	creds    scram.StoredCredentials
}

func newSCRAMState() (*scramState, error) {
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, fmt.Errorf("pgwire: scram salt: %w", err)
	}
	return &scramState{salt: string(salt[:]), keys: map[string]scramKeys{}}, nil
}

// credentials derives (or recalls) the stored SCRAM keys of user's
// password; an unknown user gets keys of a random password, so the
// exchange fails at the proof, as a wrong password does.
func (s *Server) credentials(user string) (scram.StoredCredentials, error) {
	kf := scram.KeyFactors{Salt: s.scram.salt, Iters: scramIterations}
	pw, ok := s.cfg.Password(user)
	if !ok {
		var b [24]byte
		_, _ = rand.Read(b[:])
		pw = fmt.Sprintf("%x", b)
	}
	s.scram.mu.Lock()
	k, hit := s.scram.keys[user]
	s.scram.mu.Unlock()
	if hit && k.password == pw && ok {
		return k.creds, nil
	}
	cl, err := scram.SHA256.NewClient("", pw, "")
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("password of %q: %w", user, err)
	}
	creds := cl.GetStoredCredentials(kf)
	if ok {
		s.scram.mu.Lock()
		if len(s.scram.keys) >= 10000 {
			clear(s.scram.keys) // bound memory; entries are cheap to redo
		}
		s.scram.keys[user] = scramKeys{password: pw, creds: creds}
		s.scram.mu.Unlock()
	}
	return creds, nil
}

// authenticateSCRAM runs the SASL exchange; it sends FATAL 28P01 and
// returns an error when the client does not prove the password.
func (c *conn) authenticateSCRAM() error {
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) {
		return c.srv.credentials(c.user)
	})
	if err != nil {
		return err
	}
	conv := srv.NewConversation()
	msg, err := c.authStep(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}}, pgproto3.AuthTypeSASL, "SASL initial response")
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		c.fatal(codeProtocolViolation, fmt.Sprintf("expected SASL response, got message type %T", msg))
		return errors.New("no SASL initial response")
	}
	if first.AuthMechanism != scramMechanism {
		c.fatal(codeProtocolViolation, "client selected an invalid SASL authentication mechanism")
		return fmt.Errorf("SASL mechanism %q", first.AuthMechanism)
	}
	serverFirst, err := conv.Step(string(first.Data))
	if err != nil {
		return c.passwordFailed(err)
	}
	msg, err = c.authStep(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}, pgproto3.AuthTypeSASLContinue, "SASL response")
	if err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		c.fatal(codeProtocolViolation, fmt.Sprintf("expected SASL response, got message type %T", msg))
		return errors.New("no SASL response")
	}
	serverFinal, err := conv.Step(string(final.Data))
	if err == nil && !conv.Valid() {
		err = errors.New("the client's proof does not match")
	}
	if err != nil {
		return c.passwordFailed(err)
	}
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
	return nil
}
