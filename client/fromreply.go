package client

import (
	"net/http"
	"time"

	"github.com/acme/vault-token/client/internal/scrub"
	"github.com/acme/vault-token/gen"
)

// What the client builds from a reply's text, each through the reply's Scrubber: its
// metadata, its errors and warnings, and the errors for a reply of the wrong shape. Every
// error that carries text from the network is made here.

// response reads a reply's metadata.
func response(s *scrub.Scrubber, res *http.Response) Response {
	h := res.Header
	r := Response{
		HTTPStatus:          res.StatusCode,
		ExecutionID:         s.Field(headerValue(h, headerExecutionID)),
		BurstLimit:          headerInt(h, headerBurstLimit),
		BurstLimitRemaining: headerInt(h, headerBurstRemaining),
		VaultID:             s.Field(headerValue(h, headerVaultID)),
		UserID:              s.Field(headerValue(h, headerUserID)),
	}
	if ms := headerInt(h, headerResponseDelay); ms > 0 {
		r.ResponseDelay = time.Duration(ms) * time.Millisecond
	}
	return r
}

// apiError is a FAILURE or EXCEPTION reply's error.
func apiError(s *scrub.Scrubber, op string, env envelopeFields, meta Response) *APIError {
	return &APIError{
		Op: op, HTTPStatus: meta.HTTPStatus, Status: string(env.ResponseStatus),
		Errors:          messages(s, env.Errors),
		ErrorType:       ErrorType(s.Field(deref(env.ErrorType))),
		ResponseMessage: s.Message(deref(env.ResponseMessage)),
		Response:        meta,
	}
}

// maxMessages bounds the errors or warnings kept from one reply: Vault sends a few, and a
// reply with thousands is not one to keep whole.
const maxMessages = 100

func messages(s *scrub.Scrubber, in *[]gen.Message) []Message {
	if in == nil {
		return nil
	}
	kept := (*in)[:min(len(*in), maxMessages)]
	out := make([]Message, 0, len(kept))
	for _, m := range kept {
		out = append(out, Message{
			Type:    ErrorType(s.Field(m.Type)),
			Message: s.Message(deref(m.Message)),
		})
	}
	return out
}

// unexpectedBody is a reply that is not a Vault JSON envelope, with an excerpt of its body.
func unexpectedBody(s *scrub.Scrubber, op string, res *http.Response, body []byte, meta Response, reason string) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Op: op, HTTPStatus: res.StatusCode,
		ContentType: s.Field(headerValue(res.Header, headerContentType)),
		Reason:      s.Message(reason),
		Excerpt:     s.Excerpt(body), Response: meta,
	}
}

// unexpected is a Vault JSON envelope whose data the client cannot use: reason says why,
// and err, when not nil, is a sentinel errors.Is finds (such as ErrTooManyPages).
func unexpected(s *scrub.Scrubber, op string, meta Response, reason string, err error) *UnexpectedResponseError {
	return &UnexpectedResponseError{
		Op: op, HTTPStatus: meta.HTTPStatus, ContentType: "application/json", Response: meta,
		Reason: s.Message(reason), Err: err,
	}
}

// newScrubber is the Scrubber of one exchange, from every secret in play: the call's, the
// client's and those the reply carries. Only exchange makes one.
func newScrubber(lists ...[]Secret) *scrub.Scrubber {
	var values []string
	for _, list := range lists {
		for _, s := range list {
			values = append(values, s.Reveal())
		}
	}
	return scrub.New(values, errNotSentAgain, errTooLarge)
}
