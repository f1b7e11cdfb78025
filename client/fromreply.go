package client

import (
	"net/http"
	"time"

	"github.com/acme/vault-token/gen"
)

// What the client builds from a reply's text, each through the reply's scrubber: its
// metadata, its errors and warnings, and the errors for a reply of the wrong shape. Every
// error that carries text from the network is made here (TestNetworkTextHasOnePath).

// response reads a reply's metadata.
func (s *scrubber) response(res *http.Response) Response {
	h := res.Header
	r := Response{
		HTTPStatus:          res.StatusCode,
		ExecutionID:         s.text(headerValue(h, headerExecutionID), fieldRunes),
		BurstLimit:          headerInt(h, headerBurstLimit),
		BurstLimitRemaining: headerInt(h, headerBurstRemaining),
		VaultID:             s.text(headerValue(h, headerVaultID), fieldRunes),
		UserID:              s.text(headerValue(h, headerUserID), fieldRunes),
	}
	if ms := headerInt(h, headerResponseDelay); ms > 0 {
		r.ResponseDelay = time.Duration(ms) * time.Millisecond
	}
	return r
}

// apiError is a FAILURE or EXCEPTION reply's error.
func (s *scrubber) apiError(op string, env envelopeFields, meta Response) *APIError {
	return &APIError{
		Op: op, HTTPStatus: meta.HTTPStatus, Status: string(env.ResponseStatus),
		Errors:          s.messages(env.Errors),
		ErrorType:       ErrorType(s.text(deref(env.ErrorType), fieldRunes)),
		ResponseMessage: s.text(deref(env.ResponseMessage), messageRunes),
		Response:        meta,
	}
}

// maxMessages bounds the errors or warnings kept from one reply: Vault sends a few, and a
// reply with thousands is not one to keep whole.
const maxMessages = 100

func (s *scrubber) messages(in *[]gen.Message) []Message {
	if in == nil {
		return nil
	}
	kept := (*in)[:min(len(*in), maxMessages)]
	out := make([]Message, 0, len(kept))
	for _, m := range kept {
		out = append(out, Message{
			Type:    ErrorType(s.text(m.Type, fieldRunes)),
			Message: s.text(deref(m.Message), messageRunes),
		})
	}
	return out
}

// unexpectedBody is a reply that is not a Vault JSON envelope, with an excerpt of its body.
func (s *scrubber) unexpectedBody(op string, res *http.Response, body []byte, meta Response, reason string) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Op: op, HTTPStatus: res.StatusCode,
		ContentType: s.text(headerValue(res.Header, headerContentType), fieldRunes),
		Reason:      s.text(reason, messageRunes),
		Excerpt:     s.excerpt(body), Response: meta,
	}
}

// unexpected is a Vault JSON envelope whose data the client cannot use: reason says why,
// and err, when not nil, is a sentinel errors.Is finds (such as ErrTooManyPages).
func (s *scrubber) unexpected(op string, meta Response, reason string, err error) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Op: op, HTTPStatus: meta.HTTPStatus, ContentType: "application/json", Response: meta,
		Reason: s.text(reason, messageRunes), Err: err,
	}
}
