package vaulttest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/acme/vault-token/openapi"
)

// FaultKind is a way a call can go wrong between a client and Vault.
type FaultKind int

const (
	// None injects nothing but the Fault's Delay.
	None FaultKind = iota
	// GatewayError answers HTTP 502 with an HTML page, as a proxy would; nothing is processed.
	GatewayError
	// TruncatedJSON processes the call, then sends only the first half of the JSON reply.
	TruncatedJSON
	// DropBeforeProcessing reads the request, then closes the connection: nothing happened.
	DropBeforeProcessing
	// DropAfterProcessing processes the call (a token is created), then closes the
	// connection without replying: the client cannot know the outcome.
	DropAfterProcessing
	// OversizedBody processes the call and pads the reply past 2 MiB.
	OversizedBody
	// SessionEnded ends the caller's session just before the call, which Vault then refuses
	// with INVALID_SESSION_ID. On a login (openapi.OpAuthenticate, openapi.OpAuthenticateOAuth) the login
	// succeeds but the session it returns has already ended.
	SessionEnded
	// OverLoginLimit answers a login with API_LIMIT_EXCEEDED, as past Vault's per-minute
	// login limit. openapi.OpAuthenticate and openapi.OpAuthenticateOAuth only.
	OverLoginLimit
	// OverBurstLimit answers as past the burst limit: the call is processed and its reply
	// held back by Config.BurstDelay, with X-VaultAPI-ResponseDelay saying so.
	OverBurstLimit
	// Failure refuses the call as Vault does, with HTTP 200, responseStatus FAILURE (or
	// EXCEPTION, with Fault.Exception) and one error of Fault.ErrorType and Fault.Message:
	// any type, on any operation. Nothing is processed.
	Failure
	// HandReply lets Fault.Reply write the reply, for the rare test that must shape one
	// by hand (a hostile or malformed reply no other kind makes). Nothing is processed;
	// the request is validated and recorded as any other.
	HandReply
)

// Fault is injected into the next call of operation Op (one of the Op constants; empty
// for any operation), once, or into every call with Repeat.
type Fault struct {
	Op   string
	Kind FaultKind
	// Repeat applies the fault to every call of Op from now on, rather than the next one:
	// a proxy that always fails, or a test that answers every call by hand. Faults
	// injected after it never fire for Op.
	Repeat bool
	Delay  time.Duration // held before anything else happens
	// Until, when not nil, holds the request (after Delay) until the test closes it: a
	// test that must act while Vault works on a call waits for the call with
	// WaitForRequests, acts, then closes Until. A client that goes away ends the wait.
	Until <-chan struct{}

	// ErrorType and Message are the error a Failure carries, such as
	// "INSUFFICIENT_ACCESS"; Exception makes its responseStatus EXCEPTION.
	ErrorType string
	Message   string
	Exception bool

	// Reply writes a HandReply's reply. The request's body can be read again. The reply is
	// checked against the spec like the fake's own, and a violation reported, unless
	// BreaksSpec says it breaks the spec on purpose (a hostile or malformed reply). A
	// Reply that hijacks the connection sends no HTTP reply, and nothing is checked.
	Reply func(w http.ResponseWriter, r *http.Request)
	// BreaksSpec marks a HandReply whose reply breaks the spec on purpose: it is not checked.
	BreaksSpec bool
}

// Inject queues a fault; faults apply in the order they were injected. It refuses an
// operation the spec does not define (a misspelt name would otherwise never fire), an
// unknown kind, OverLoginLimit on anything but a login, a Failure without an ErrorType,
// and a Reply without HandReply (or HandReply without one). On a server from
// NewTestServer, a refused fault also fails the test (call Inject from the test's
// goroutine, as with t.Fatal).
func (s *Server) Inject(f Fault) error {
	err := checkFault(f)
	if err != nil {
		if s.tb != nil {
			s.tb.Helper()
			s.tb.Fatalf("%v", err)
		}
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
	return nil
}

func checkFault(f Fault) error {
	if f.Op != "" && !slices.Contains(openapi.Operations(), f.Op) {
		return fmt.Errorf("vaulttest: Inject: no operation %q in the spec (use the Op constants)", f.Op)
	}
	if f.Kind < None || f.Kind > HandReply {
		return fmt.Errorf("vaulttest: Inject: unknown fault kind %d", int(f.Kind))
	}
	if f.Kind == OverLoginLimit && f.Op != openapi.OpAuthenticate && f.Op != openapi.OpAuthenticateOAuth {
		return fmt.Errorf("vaulttest: Inject: OverLoginLimit applies to %s and %s only", openapi.OpAuthenticate, openapi.OpAuthenticateOAuth)
	}
	if f.Delay < 0 {
		return fmt.Errorf("vaulttest: Inject: negative delay %v", f.Delay)
	}
	if f.Kind == Failure && f.ErrorType == "" {
		return fmt.Errorf("vaulttest: Inject: a Failure needs an ErrorType, such as %q", "INSUFFICIENT_ACCESS")
	}
	if f.Kind != Failure && (f.ErrorType != "" || f.Message != "" || f.Exception) {
		return fmt.Errorf("vaulttest: Inject: ErrorType, Message and Exception are for a Failure, not %v", f.Kind)
	}
	if (f.Kind == HandReply) != (f.Reply != nil) {
		return fmt.Errorf("vaulttest: Inject: a HandReply needs a Reply, and a Reply needs Kind HandReply")
	}
	if f.BreaksSpec && f.Kind != HandReply {
		return fmt.Errorf("vaulttest: Inject: BreaksSpec is for a HandReply; the fake's own replies keep to the spec")
	}
	return nil
}

// takeFault removes and returns the first fault for op. Call with s.mu held.
func (s *Server) takeFault(op string) Fault {
	for i, f := range s.faults {
		if f.Op == "" || f.Op == op {
			if !f.Repeat {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			return f
		}
	}
	return Fault{}
}

var faultNames = [...]string{
	None: "None", GatewayError: "GatewayError", TruncatedJSON: "TruncatedJSON",
	DropBeforeProcessing: "DropBeforeProcessing", DropAfterProcessing: "DropAfterProcessing",
	OversizedBody: "OversizedBody", SessionEnded: "SessionEnded",
	OverLoginLimit: "OverLoginLimit", OverBurstLimit: "OverBurstLimit",
	Failure: "Failure", HandReply: "HandReply",
}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}
