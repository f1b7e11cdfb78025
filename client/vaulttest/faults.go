package vaulttest

import (
	"strconv"
	"time"
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
)

// Fault is injected into the next call of operation Op (an operationId from the spec, such
// as "generateMyApiAccessToken"; empty for any), once.
type Fault struct {
	Op    string
	Kind  FaultKind
	Delay time.Duration // held before anything else happens
}

// Inject queues a fault; faults apply in the order they were injected.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault removes and returns the first fault for op. Call with s.mu held.
func (s *Server) takeFault(op string) Fault {
	for i, f := range s.faults {
		if f.Op == "" || f.Op == op {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f
		}
	}
	return Fault{}
}

func (k FaultKind) String() string {
	switch k {
	case None:
		return "None"
	case GatewayError:
		return "GatewayError"
	case TruncatedJSON:
		return "TruncatedJSON"
	case DropBeforeProcessing:
		return "DropBeforeProcessing"
	case DropAfterProcessing:
		return "DropAfterProcessing"
	case OversizedBody:
		return "OversizedBody"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}
