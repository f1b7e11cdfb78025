package client

import (
	"crypto/sha256"
	"errors"
	"time"
)

// ErrLoginNotAttempted matches errors for a login the client did not send because an
// earlier login already told it the outcome: Vault refused the same secret, Vault's login
// limit is in force, or a failed attempt is too recent. The error also matches what that
// earlier login returned (errors.Is(err, ErrorTypeUsernameOrPasswordIncorrect), for instance).
var ErrLoginNotAttempted = errors.New("vault: login not attempted")

// Pauses between logins that failed for a reason other than a refusal: a network error, a
// proxy's page, an EXCEPTION. They grow so that a Vault or a proxy in trouble sees one
// login a minute at most from a client, never a loop.
const (
	loginFirstPause = time.Second
	loginMaxPause   = time.Minute
	// loginLimitPause is how long Vault refuses every login after API_LIMIT_EXCEEDED: the
	// limit is counted per minute.
	loginLimitPause = time.Minute
)

// loginGate remembers what earlier logins taught, so that a client never sends a login
// whose outcome it knows. Only the login in flight uses it, one at a time (sharedValue runs
// one fetch at a time), so it needs no lock.
type loginGate struct {
	// refused are the secrets Vault refused, by digest (never the secret), with what Vault
	// said: the latest maxRefusedSecrets of them. A success does not clear them: a source
	// that hands out an old password again (a stale replica of a secret store) must not
	// cost the account another failed login, which counts toward Vault's lockout.
	refused []refusal

	notBefore time.Time     // no login before this time
	pauseErr  error         // the failure that set notBefore
	pause     time.Duration // the pause after the next failure
}

// maxRefusedSecrets bounds the refused secrets a client remembers.
const maxRefusedSecrets = 16

type refusal struct {
	digest [sha256.Size]byte
	err    error
}

// wait returns an error if no login (of operation op) may be sent at now.
func (g *loginGate) wait(op string, now time.Time) error {
	if g.pauseErr == nil || !now.Before(g.notBefore) {
		return nil
	}
	return &loginNotAttemptedError{
		op:  op,
		why: "the last login failed, so none is sent before " + g.notBefore.UTC().Format(time.RFC3339),
		err: g.pauseErr,
	}
}

// refusedBefore returns an error if Vault already refused secret, what the login sends.
func (g *loginGate) refusedBefore(op string, secret Secret, what string) error {
	digest := sha256.Sum256([]byte(secret.Reveal()))
	for _, r := range g.refused {
		if r.digest == digest {
			return &loginNotAttemptedError{
				op:  op,
				why: "Vault refused this " + what + " before, and its source gives it again",
				err: r.err,
			}
		}
	}
	return nil
}

// learn records the outcome of a login sent at now with secret; refusals are the errors
// that say the secret will not work until it changes.
func (g *loginGate) learn(now time.Time, secret Secret, err error, refusals []error) {
	switch {
	case err == nil:
		g.notBefore, g.pauseErr, g.pause = time.Time{}, nil, 0
	case isAny(err, refusals):
		if len(g.refused) == maxRefusedSecrets {
			g.refused = g.refused[1:]
		}
		g.refused = append(g.refused, refusal{sha256.Sum256([]byte(secret.Reveal())), err})
		g.pauseErr = nil
	case errors.Is(err, ErrorTypeAPILimitExceeded):
		g.notBefore, g.pauseErr = now.Add(loginLimitPause), err
	default:
		g.pause = min(max(g.pause*2, loginFirstPause), loginMaxPause)
		g.notBefore, g.pauseErr = now.Add(g.pause), err
	}
}

func isAny(err error, refusals []error) bool {
	for _, r := range refusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// loginNotAttemptedError is a login the gate did not let through.
type loginNotAttemptedError struct {
	op  string
	why string
	err error // the earlier login's error
}

func (e *loginNotAttemptedError) Error() string     { return message(e.op, e.detail()) }
func (e *loginNotAttemptedError) operation() string { return e.op }
func (e *loginNotAttemptedError) detail() string {
	return "not attempted: " + e.why + ": " + describe(e.err, e.op)
}

func (e *loginNotAttemptedError) Unwrap() []error { return []error{ErrLoginNotAttempted, e.err} }
