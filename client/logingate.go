package client

import (
	"crypto/sha256"
	"errors"
	"time"
)

// ErrLoginNotAttempted matches errors for a login the client did not send because an
// earlier login already told it the outcome: Vault refused the same secret, Vault's login
// limit is in force, or a failed attempt is too recent. The error also matches what that
// earlier login returned (errors.Is(err, ErrUsernameOrPasswordIncorrect), for instance).
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
	refusedSecret [sha256.Size]byte // a digest of the secret Vault refused, not the secret
	refused       error             // what Vault said; nil when nothing was refused

	notBefore time.Time     // no login before this time
	pauseErr  error         // the failure that set notBefore
	pause     time.Duration // the pause after the next failure
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
	if g.refused == nil || sha256.Sum256([]byte(secret.Reveal())) != g.refusedSecret {
		return nil
	}
	return &loginNotAttemptedError{
		op:  op,
		why: "Vault refused this " + what + " and its source has not given another",
		err: g.refused,
	}
}

// learn records the outcome of a login sent at now with secret; refusals are the errors
// that say the secret will not work until it changes.
func (g *loginGate) learn(now time.Time, secret Secret, err error, refusals []error) {
	switch {
	case err == nil:
		*g = loginGate{}
	case isAny(err, refusals):
		g.refusedSecret, g.refused = sha256.Sum256([]byte(secret.Reveal())), err
		g.pauseErr = nil
	case errors.Is(err, ErrAPILimitExceeded):
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

func (e *loginNotAttemptedError) Error() string {
	return prefix(e.op) + "not attempted: " + e.why + ": " + detail(e.err, e.op)
}

func (e *loginNotAttemptedError) Unwrap() []error { return []error{ErrLoginNotAttempted, e.err} }
